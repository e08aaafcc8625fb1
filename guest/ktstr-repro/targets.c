/*
 * The attached scheduler's callbacks: its struct_ops map (the one whose
 * ops.name is the name sched_ext shows) read back holds, in each callback's
 * slot, the id of the BPF program behind it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "tracer.h"

/* Byte offset of member name in struct t, or -1. */
static long member_off(const struct btf *btf, const struct btf_type *t, const char *name,
		       const struct btf_type **type)
{
	const struct btf_member *m = btf_members(t);

	for (unsigned i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name)) {
			if (type)
				*type = btf__type_by_id(btf, m->type);
			return btf_member_bit_offset(t, i) / 8;
		}
	return -1;
}

/* One BTF object of the scheduler's programs, parsed once for all of them. */
struct btf_cache {
	__u32 id;
	struct btf *btf;
};

/* The program's function: its BTF id and its name (prog info names stop at 15 characters). */
static int prog_func(int fd, struct btf_cache *bc, struct callback_prog *cb)
{
	struct bpf_func_info fi[1];
	struct bpf_prog_info info = { 0 };
	__u32 ilen = sizeof(info);
	const struct btf_type *t;

	info.nr_func_info = 1;
	info.func_info_rec_size = sizeof(fi[0]);
	info.func_info = (__u64)(unsigned long)fi;
	if (bpf_prog_get_info_by_fd(fd, &info, &ilen) || !info.btf_id || !info.nr_func_info)
		return -1;
	if (bc->id != info.btf_id) {
		btf__free(bc->btf);
		bc->btf = btf__load_from_kernel_by_id(info.btf_id);
		bc->id = bc->btf ? info.btf_id : 0;
	}
	t = bc->btf ? btf__type_by_id(bc->btf, fi[0].type_id) : NULL;
	if (!t)
		return -1;
	cb->btf_id = fi[0].type_id;
	snprintf(cb->func, sizeof(cb->func), "%s", btf__name_by_offset(bc->btf, t->name_off));
	return 0;
}

/* The callbacks in one struct_ops map value, if its ops are named ops (any name: NULL). */
static int callbacks_of(const struct btf *vm, const struct btf_type *vt, const char *val,
			const char *ops, struct callback_prog *out, unsigned max)
{
	const struct btf_type *dt = NULL, *nt = NULL;
	long data = member_off(vm, vt, "data", &dt), name;
	struct btf_cache bc = { 0 };
	const struct btf_member *m;
	unsigned n = 0;

	if (data < 0 || !dt || !btf_is_struct(dt) || (name = member_off(vm, dt, "name", &nt)) < 0 ||
	    (ops && strncmp(val + data + name, ops, 128)))
		return 0;
	m = btf_members(dt);
	for (unsigned i = 0; i < btf_vlen(dt) && n < max; i++, m++) {
		const struct btf_type *t = btf__type_by_id(vm, m->type);
		__u64 id;

		while (t && (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t)))
			t = btf__type_by_id(vm, t->type);
		if (!t || !btf_is_ptr(t))
			continue;
		memcpy(&id, val + data + btf_member_bit_offset(dt, i) / 8, sizeof(id));
		if (!id)
			continue;
		out[n].fd = bpf_prog_get_fd_by_id((__u32)id);
		if (out[n].fd < 0)
			continue;
		snprintf(out[n].member, sizeof(out[n].member), "%s", btf__name_by_offset(vm, m->name_off));
		if (prog_func(out[n].fd, &bc, &out[n]) < 0) {
			close(out[n].fd);
			continue;
		}
		n++;
	}
	btf__free(bc.btf);
	return (int)n;
}

/* The map's value type in vmlinux if it is bpf_struct_ops_sched_ext_ops*, else NULL. */
static const struct btf_type *scx_value_type(const struct btf *vm, const struct bpf_map_info *info)
{
	const struct btf_type *t;

	if (info->type != BPF_MAP_TYPE_STRUCT_OPS || !info->btf_vmlinux_value_type_id)
		return NULL;
	t = btf__type_by_id(vm, info->btf_vmlinux_value_type_id);
	return t && btf_is_struct(t) &&
	       !strncmp(btf__name_by_offset(vm, t->name_off), "bpf_struct_ops_sched_ext_ops", 28) ? t : NULL;
}

int find_callbacks(const struct btf *vmlinux, __u32 map_id, const char *ops, struct callback_prog *out,
		   unsigned max)
{
	__u32 id = 0, zero = 0;
	int found = 0;

	while (!found && (map_id ? id != map_id : bpf_map_get_next_id(id, &id) == 0)) {
		struct bpf_map_info info = { 0 };
		__u32 ilen = sizeof(info);
		const struct btf_type *vt;
		int fd;

		if (map_id)
			id = map_id;
		fd = bpf_map_get_fd_by_id(id);
		char *val;

		if (fd < 0)
			continue;
		if (bpf_map_get_info_by_fd(fd, &info, &ilen) || !(vt = scx_value_type(vmlinux, &info))) {
			close(fd);
			continue;
		}
		val = calloc(1, info.value_size);
		if (val && bpf_map_lookup_elem(fd, &zero, val) == 0)
			found = callbacks_of(vmlinux, vt, val, map_id ? NULL : ops, out, max);
		free(val);
		close(fd);
	}
	if (!found)
		errno = ENOENT;
	return found ? found : -1;
}
