/*
 * What a traced function's arguments are, from the running kernel's BTF: a
 * kernel function's own prototype, and for a sched_ext_ops callback the
 * prototype of the kernel's stub for it (sched_ext_ops__enqueue: it has the
 * parameter names, which the member's function pointer type lacks).
 */
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>

#include "tracer.h"

static const struct btf_type *skip_mods(const struct btf *btf, __u32 id, __u32 *out_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) ||
		     btf_is_restrict(t) || btf_is_type_tag(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return t;
}

/* Parameter names carry annotations: prev__nullable, p__ref. */
static void param_name(const char *name, unsigned i, char *out, size_t len)
{
	const char *dunder = name ? strstr(name, "__") : NULL;

	if (!name || !*name)
		snprintf(out, len, "arg%u", i);
	else if (dunder && dunder != name)
		snprintf(out, len, "%.*s", (int)(dunder - name), name);
	else
		snprintf(out, len, "%s", name);
}

static void classify(const struct btf *btf, const struct btf_param *p, unsigned i,
		     struct arg_desc *a)
{
	const struct btf_type *t = skip_mods(btf, p->type, NULL), *to;

	param_name(btf__name_by_offset(btf, p->name_off), i, a->name, sizeof(a->name));
	a->kind = ARG_SKIP;
	a->size = 8;
	if (!t)
		return;
	if (btf_is_ptr(t)) {
		const char *sname;

		to = skip_mods(btf, t->type, NULL);
		sname = to && btf_is_composite(to) ? btf__name_by_offset(btf, to->name_off) : "";
		a->kind = !strcmp(sname, "task_struct") ? ARG_TASK : !strcmp(sname, "rq") ? ARG_RQ :
			  !strcmp(sname, "cpumask") ? ARG_MASK : ARG_SKIP;
		return;
	}
	if (btf_is_enum(t) || btf_is_enum64(t)) {
		a->kind = ARG_SIGNED;
		a->size = t->size;
		return;
	}
	if (!btf_is_int(t))
		return;
	a->size = t->size;
	if (btf_int_encoding(t) & BTF_INT_BOOL)
		a->kind = ARG_BOOL;
	else if (!strcmp(a->name, "enq_flags"))
		a->kind = ARG_ENQ_FLAGS;
	else if (!strcmp(a->name, "deq_flags"))
		a->kind = ARG_DEQ_FLAGS;
	else if (!strcmp(a->name, "wake_flags"))
		a->kind = ARG_WAKE_FLAGS;
	else
		a->kind = btf_int_encoding(t) & BTF_INT_SIGNED ? ARG_SIGNED : ARG_UNSIGNED;
}

static bool args_of_proto(const struct btf *btf, const struct btf_type *proto, struct traced *tr)
{
	const struct btf_param *p;

	if (!proto || !btf_is_func_proto(proto))
		return false;
	p = btf_params(proto);
	tr->nargs = btf_vlen(proto) < REPRO_MAX_ARGS ? btf_vlen(proto) : REPRO_MAX_ARGS;
	for (unsigned i = 0; i < tr->nargs; i++)
		classify(btf, p + i, i, &tr->args[i]);
	return true;
}

bool args_of_function(const struct btf *vmlinux, const char *fn, struct traced *tr)
{
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) : -1;
	const struct btf_type *f = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;

	tr->nargs = 0;
	return f && args_of_proto(vmlinux, btf__type_by_id(vmlinux, f->type), tr);
}

/* The member's own function pointer type, when the kernel has no stub for it. */
static const struct btf_type *member_proto(const struct btf *btf, const char *member)
{
	int id = btf__find_by_name_kind(btf, "sched_ext_ops", BTF_KIND_STRUCT);
	const struct btf_type *s = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m = s ? btf_members(s) : NULL;

	for (unsigned i = 0; s && i < btf_vlen(s); i++, m++) {
		const struct btf_type *t;

		if (strcmp(btf__name_by_offset(btf, m->name_off), member))
			continue;
		t = skip_mods(btf, m->type, NULL);
		return t && btf_is_ptr(t) ? skip_mods(btf, t->type, NULL) : NULL;
	}
	return NULL;
}

bool args_of_callback(const struct btf *vmlinux, const char *member, struct traced *tr)
{
	char stub[128];

	snprintf(stub, sizeof(stub), "sched_ext_ops__%s", member);
	if (args_of_function(vmlinux, stub, tr))
		return true;
	return vmlinux && args_of_proto(vmlinux, member_proto(vmlinux, member), tr);
}

void func_cfg_of(const struct traced *tr, struct repro_func_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nargs = (__u8)tr->nargs;
	for (unsigned i = 0; i < tr->nargs; i++) {
		if (tr->args[i].kind == ARG_TASK && !cfg->task_arg)
			cfg->task_arg = (__u8)(i + 1);
		else if (tr->args[i].kind == ARG_RQ && !cfg->rq_arg)
			cfg->rq_arg = (__u8)(i + 1);
		else if (tr->args[i].kind == ARG_MASK && !cfg->mask_arg)
			cfg->mask_arg = (__u8)(i + 1);
	}
}
