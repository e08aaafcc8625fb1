/*
 * The tracer's two BPF objects, both opened from the object embedded in this
 * binary (bpf_obj.S): the first, loaded before the scheduler starts, holds the
 * kprobes on kernel functions and the exit trigger; the second, loaded once
 * the scheduler is attached (fentry targets must exist at load), holds the
 * fentry programs on its callbacks and shares the first one's maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "die.h"
#include "tracer.h"

extern const char ktstr_bpf_obj[];
extern const char ktstr_bpf_obj_end[];

static void note_failed(struct tracer *t, const char *fn, const char *why)
{
	json_array_append_new(t->failed, json_pack("{s:s, s:s}", "function", fn, "error", why));
}

static struct bpf_object *open_obj(const char *name)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);

	return bpf_object__open_mem(ktstr_bpf_obj, (size_t)(ktstr_bpf_obj_end - ktstr_bpf_obj), &opts);
}

/* The .rodata image of global name (size bytes), before load. */
static void *rodata_var(struct bpf_object *obj, const char *name, size_t size)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const struct btf_type *t;
		const struct btf_var_secinfo *vs;
		size_t sz;
		char *base;

		if (!bpf_map__is_internal(map))
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
		if (!t || !btf_is_datasec(t) || strcmp(btf__name_by_offset(btf, t->name_off), ".rodata"))
			continue;
		vs = btf_var_secinfos(t);
		for (unsigned i = 0; i < btf_vlen(t); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, v->name_off), name))
				continue;
			base = bpf_map__initial_value(map, &sz);
			return base && vs->size == size && vs->offset + size <= sz ? base + vs->offset : NULL;
		}
	}
	return NULL;
}

/* Its funcs[] and off, set from what the tracer knows. */
static struct repro_func_cfg *configure(struct tracer *t, struct bpf_object *obj)
{
	struct repro_func_cfg *cfg = rodata_var(obj, "funcs", sizeof(*cfg) * REPRO_MAX_FUNCS);
	struct repro_offsets *off = rodata_var(obj, "off", sizeof(*off));

	if (!cfg || !off)
		return NULL;
	*off = t->off;
	return cfg;
}

/*
 * SEC("ktstr_fentry"): fentry on a BPF program. The program's BTF id of its
 * function comes from its func_info (targets.c), so libbpf need not look the
 * function up by name in that program's BTF for each of them.
 */
static int prepare_fentry(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	const struct tracer *t = (const struct tracer *)cookie;
	unsigned k;

	if (sscanf(bpf_program__name(prog), "fe%u", &k) != 1 || k >= REPRO_MAX_FENTRY || !t->fe_btf_id[k])
		return -EINVAL;
	opts->attach_prog_fd = t->fe_fd[k];
	opts->attach_btf_id = t->fe_btf_id[k];
	return 0;
}

/* Load only the programs the caller keeps (keep: returns true for the ones to load). */
static void set_autoload(struct bpf_object *obj, bool (*keep)(const char *name, void *arg), void *arg)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, keep(bpf_program__name(p), arg));
}

static void *map_mmap(struct bpf_object *obj, const char *name, size_t len, int prot)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (!m)
		return NULL;
	len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	p = mmap(NULL, len, prot, MAP_SHARED, bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

struct kp_keep {
	unsigned n;
	bool trigger, hold;
};

static bool keep_kprobes(const char *name, void *arg)
{
	struct kp_keep *k = arg;
	unsigned i;

	if (!strcmp(name, "on_exit"))
		return k->trigger;
	if (!strcmp(name, "on_ops_update"))
		return k->hold;
	return sscanf(name, "kp%u", &i) == 1 && i < k->n;
}

/* Attach the named program of the first object; false if it would not. */
static bool attach_named(struct tracer *t, const char *name)
{
	struct bpf_link *l = bpf_program__attach(bpf_object__find_program_by_name(t->kobj, name));

	if (l)
		t->links[t->nlinks++] = l;
	else
		note_failed(t, name, strerror(errno));
	return l != NULL;
}

int tracer_start(struct tracer *t, char **functions, unsigned n)
{
	struct kp_keep keep = { .n = n < REPRO_MAX_KPROBES ? n : REPRO_MAX_KPROBES };
	LIBBPF_OPTS(libbpf_prog_handler_opts, hopts, .prog_prepare_load_fn = prepare_fentry);
	struct repro_func_cfg *cfg;
	char pname[16];
	int err;

	memset(t, 0, sizeof(*t));
	t->failed = json_array();
	t->handler = -1;
	t->vmlinux = btf__load_vmlinux_btf();
	if (!t->vmlinux) {
		warnmsg("no kernel BTF: %s", strerror(errno));
		return -1;
	}
	offsets_of(t->vmlinux, &t->off);
	keep.trigger = btf__find_by_name_kind(t->vmlinux, "scx_vexit", BTF_KIND_FUNC) > 0 &&
		       t->off.sch_exit_info != REPRO_NO_FIELD;
	keep.hold = btf__find_by_name_kind(t->vmlinux, "bpf_struct_ops_map_update_elem", BTF_KIND_FUNC) > 0 &&
		    t->off.map_id != REPRO_NO_FIELD && t->off.map_flags != REPRO_NO_FIELD;
	hopts.cookie = (long)t;
	t->handler = libbpf_register_prog_handler("ktstr_fentry", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
						  &hopts);
	if (t->handler < 0) {
		warnmsg("registering the fentry section: %s", strerror(-t->handler));
		return -1;
	}
	if (!(t->kobj = open_obj("ktstr_repro")) || !(cfg = configure(t, t->kobj))) {
		warnmsg("opening the embedded BPF object failed");
		return -1;
	}
	for (unsigned i = 0; i < keep.n; i++) {
		struct traced *tr = &t->funcs[i];

		strfmt(tr->name, sizeof(tr->name), "%s", functions[i]);
		args_of_function(t->vmlinux, functions[i], tr);
		func_cfg_of(tr, &cfg[i]);
	}
	for (unsigned i = keep.n; i < n; i++)
		note_failed(t, functions[i], "too many functions");
	set_autoload(t->kobj, keep_kprobes, &keep);
	if ((err = bpf_object__load(t->kobj))) {
		warnmsg("loading the BPF tracer failed: %s", strerror(-err));
		return -1;
	}
	t->trigger = keep.trigger && attach_named(t, "on_exit");
	t->hold = keep.hold && attach_named(t, "on_ops_update");
	for (unsigned i = 0; i < keep.n; i++) {
		snprintf(pname, sizeof(pname), "kp%u", i);
		t->links[t->nlinks] = bpf_program__attach_kprobe(
			bpf_object__find_program_by_name(t->kobj, pname), false, functions[i]);
		if ((t->funcs[i].attached = t->links[t->nlinks] != NULL))
			t->nlinks++;
		else
			note_failed(t, functions[i], strerror(errno));
	}
	t->ring_len = sizeof(struct repro_event) * REPRO_RING;
	t->ring = map_mmap(t->kobj, "ring", t->ring_len, PROT_READ);
	t->state = map_mmap(t->kobj, "state", sizeof(struct repro_state), PROT_READ | PROT_WRITE);
	if (!t->ring || !t->state) {
		warnmsg("mapping the tracer's maps: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static bool keep_fentry(const char *name, void *arg)
{
	unsigned i, n = *(unsigned *)arg;

	return sscanf(name, "fe%u", &i) == 1 && i < n;
}

/* Share the first object's ring and state. */
static int reuse_maps(struct tracer *t)
{
	static const char *const names[] = { "ring", "state" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct bpf_map *from = bpf_object__find_map_by_name(t->kobj, names[i]);
		struct bpf_map *to = bpf_object__find_map_by_name(t->fobj, names[i]);

		if (!from || !to || bpf_map__reuse_fd(to, bpf_map__fd(from)))
			return -1;
	}
	return 0;
}

/* The name sched_ext shows for the attached scheduler, "" if none. */
static void attached_ops(char *ops, size_t len)
{
	FILE *f = fopen("/sys/kernel/sched_ext/root/ops", "re");

	ops[0] = '\0';
	if (f) {
		if (fgets(ops, (int)len, f))
			ops[strcspn(ops, "\n")] = '\0';
		fclose(f);
	}
}

/* Set up fentry program k on callback c; false (noted) when it cannot be. */
static bool target_callback(struct tracer *t, struct repro_func_cfg *cfg, unsigned k,
			    const struct callback_prog *c)
{
	struct traced *tr = &t->funcs[REPRO_MAX_KPROBES + k];
	char pname[16];
	int err;

	snprintf(pname, sizeof(pname), "fe%u", k);
	/* no name: only the fd (which keeps libbpf from loading the kernel's BTF); prepare_fentry does the rest */
	err = bpf_program__set_attach_target(bpf_object__find_program_by_name(t->fobj, pname), c->fd, NULL);
	if (err) {
		note_failed(t, c->func, strerror(-err));
		return false;
	}
	strfmt(tr->name, sizeof(tr->name), "%s", c->member);
	strfmt(tr->prog, sizeof(tr->prog), "%s", c->func);
	tr->fentry = true;
	t->fe_fd[k] = c->fd;
	t->fe_btf_id[k] = c->btf_id;
	args_of_callback(t->vmlinux, c->member, tr);
	func_cfg_of(tr, &cfg[REPRO_MAX_KPROBES + k]);
	return true;
}

int tracer_attach_callbacks(struct tracer *t, __u32 map_id)
{
	struct callback_prog cbs[REPRO_MAX_FENTRY];
	struct repro_func_cfg *cfg;
	char ops[160] = "";
	unsigned n = 0;
	int found, err;

	if (t->callbacks)
		return 0;
	t->callbacks = true;	/* once, even if it fails */
	if (!map_id)
		attached_ops(ops, sizeof(ops));
	found = find_callbacks(t->vmlinux, map_id, ops, cbs, REPRO_MAX_FENTRY);
	if (found < 0) {
		warnmsg("no struct_ops map of a sched_ext scheduler (map id %u, ops '%s')", map_id, ops);
		return -1;
	}
	if (!(t->fobj = open_obj("ktstr_repro_cb")) || !(cfg = configure(t, t->fobj)) || reuse_maps(t) < 0) {
		warnmsg("opening the BPF object for the callbacks failed");
		return -1;
	}
	/*
	 * fe0..fe(n-1) in the order the callbacks come; one that cannot be set up is
	 * skipped, and so are init and exit: no task's, and exit comes after the exit.
	 */
	for (int i = 0; i < found; i++)
		if (strcmp(cbs[i].member, "init") && strcmp(cbs[i].member, "exit") &&
		    target_callback(t, cfg, n, &cbs[i]))
			n++;
	set_autoload(t->fobj, keep_fentry, &n);
	err = bpf_object__load(t->fobj);
	for (int i = 0; i < found; i++)
		close(cbs[i].fd);
	if (err) {
		warnmsg("loading the fentry programs failed: %s", strerror(-err));
		return -1;
	}
	for (unsigned k = 0; k < n; k++) {
		char pname[16];

		snprintf(pname, sizeof(pname), "fe%u", k);
		t->links[t->nlinks] = bpf_program__attach_trace(bpf_object__find_program_by_name(t->fobj, pname));
		if ((t->funcs[REPRO_MAX_KPROBES + k].attached = t->links[t->nlinks] != NULL))
			t->nlinks++;
		else
			note_failed(t, t->funcs[REPRO_MAX_KPROBES + k].prog, strerror(errno));
	}
	return 0;
}

static __u64 misses_of(struct bpf_object *obj)
{
	struct bpf_program *p;
	__u64 n = 0;

	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (bpf_program__fd(p) >= 0 && !bpf_prog_get_info_by_fd(bpf_program__fd(p), &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

__u64 tracer_missed(const struct tracer *t)
{
	return misses_of(t->kobj) + (t->fobj ? misses_of(t->fobj) : 0);
}

void tracer_freeze(struct tracer *t)
{
	if (t->state)
		__atomic_store_n(&t->state->frozen, 1, __ATOMIC_SEQ_CST);
}

void tracer_close(struct tracer *t)
{
	for (unsigned i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	if (t->ring)
		munmap(t->ring, t->ring_len);
	if (t->state)
		munmap(t->state, sizeof(struct repro_state));
	bpf_object__close(t->fobj);
	bpf_object__close(t->kobj);
	btf__free(t->vmlinux);
	json_decref(t->failed);
	if (t->handler >= 0)
		libbpf_unregister_prog_handler(t->handler);
	memset(t, 0, sizeof(*t));
}
