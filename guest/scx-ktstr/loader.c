/*
 * Open the BPF object embedded in this binary (bpf_obj.S), set its .rodata
 * configuration and struct_ops fields, load it and attach the struct_ops map.
 * No skeleton: bpftool 7.5 skeletons do not compile against libbpf 1.4.
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
#include "loader.h"

/* The BPF object, placed in .rodata by bpf_obj.S. */
extern const char ktstr_bpf_obj[];
extern const char ktstr_bpf_obj_end[];

#define LOG_BUF_SIZE (4u << 20)
#define LOG_TAIL_LINES 2000	/* the whole log of any program that is not huge */

/*
 * Find global variable var (of size bytes) in the internal map whose DATASEC
 * is sec (".rodata", ".bss"): its map and offset in the map's value.
 */
static struct bpf_map *find_global(struct bpf_object *obj, const char *sec, const char *var,
				   size_t size, size_t *offset)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const struct btf_type *t;
		const struct btf_var_secinfo *vs;

		if (!bpf_map__is_internal(map))
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
		if (!t || !btf_is_datasec(t) || strcmp(btf__name_by_offset(btf, t->name_off), sec))
			continue;
		vs = btf_var_secinfos(t);
		for (unsigned i = 0; i < btf_vlen(t); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, v->name_off), var))
				continue;
			if (vs->size != size || vs->offset + size > bpf_map__value_size(map))
				return NULL;
			*offset = vs->offset;
			return map;
		}
	}
	return NULL;
}

/* Before load: the address of a global in the image libbpf will load. */
static void *global_image(struct bpf_object *obj, const char *sec, const char *var, size_t size)
{
	size_t offset, mapsz;
	struct bpf_map *map = find_global(obj, sec, var, size, &offset);
	char *base = map ? bpf_map__initial_value(map, &mapsz) : NULL;

	return base ? base + offset : NULL;
}

/*
 * After load: map the live .bss ourselves (libbpf 1.4 only remaps global
 * data for skeletons), so both sides see each other's writes.
 */
static void *global_live(struct ktstr_sched *s, const char *sec, const char *var, size_t size)
{
	size_t offset;
	struct bpf_map *map = find_global(s->obj, sec, var, size, &offset);
	long page = sysconf(_SC_PAGESIZE);
	void *base;

	if (!map)
		return NULL;
	s->bss_len = (bpf_map__value_size(map) + (size_t)page - 1) / (size_t)page * (size_t)page;
	base = mmap(NULL, s->bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	if (base == MAP_FAILED) {
		warnmsg("mmap of the BPF %s map: %s", sec, strerror(errno));
		return NULL;
	}
	s->bss = base;
	return (char *)base + offset;
}

/* Byte offset of member in struct sname per the object's BTF, or -1. */
static long member_offset(const struct btf *btf, const char *sname, const char *member)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m;

	if (!t)
		return -1;
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return btf_member_bit_offset(t, i) / 8;
	return -1;
}

static struct bpf_map *struct_ops_map(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			return map;
	return NULL;
}

/* The initial value of struct_ops member `member` (size bytes), or NULL after a warning. */
static char *ops_member(struct bpf_object *obj, const char *member, size_t size)
{
	struct bpf_map *map = struct_ops_map(obj);
	long off = member_offset(bpf_object__btf(obj), "sched_ext_ops", member);
	size_t mapsz = 0;
	char *data = map ? bpf_map__initial_value(map, &mapsz) : NULL;

	if (!data || off < 0 || (size_t)off + size > mapsz) {
		warnmsg("cannot set sched_ext_ops.%s (struct_ops data not found)", member);
		return NULL;
	}
	return data + off;
}

/*
 * ops.timeout_ms: the kernel watchdog fires after this long without progress.
 * With --stall-after, SCX_OPS_ENQ_LAST: a task alone on its CPU is enqueued at
 * the end of its slice instead of kept running, so the stall parks it too.
 */
static int set_ops_fields(struct bpf_object *obj, const struct ktstr_opts *o)
{
	const uint64_t enq_last = 2;	/* SCX_OPS_ENQ_LAST */
	char *timeout = ops_member(obj, "timeout_ms", sizeof(uint32_t));
	char *flags = ops_member(obj, "flags", sizeof(uint64_t));
	uint64_t f;

	if (!timeout || !flags)
		return -1;
	memcpy(timeout, &o->timeout_ms, sizeof(o->timeout_ms));
	if (o->stall_after_ms) {
		memcpy(&f, flags, sizeof(f));
		f |= enq_last;
		memcpy(flags, &f, sizeof(f));
	}
	return 0;
}

/* Take the leaf name of a cgroup path: "/sys/fs/cgroup/ktstr/cg_1" -> "cg_1". */
static void set_degrade_name(struct ktstr_cfg *cfg, const char *cgroup)
{
	size_t len = strlen(cgroup);
	const char *leaf;

	while (len > 1 && cgroup[len - 1] == '/')
		len--;
	leaf = cgroup + len;
	while (leaf > cgroup && leaf[-1] != '/')
		leaf--;
	len -= (size_t)(leaf - cgroup);
	if (len == 0 || len >= sizeof(cfg->degrade_name))
		die(EXIT_USAGE, "--degrade-cgroup '%s': the cgroup name must be 1-%zu characters",
		    cgroup, sizeof(cfg->degrade_name) - 1);
	memcpy(cfg->degrade_name, leaf, len);
	cfg->degrade_name[len] = '\0';
}

static void configure(struct ktstr_cfg *cfg, const struct ktstr_opts *o, int nr_cpus)
{
	char llcs[256];

	cfg->nr_cpus = (uint32_t)nr_cpus;
	cfg->slice_ns = o->slice_us * 1000;
	cfg->stall_after_ns = o->stall_after_ms * 1000000;
	cfg->error_after_ns = o->error_after_ms * 1000000;
	cfg->slow_ns = o->slow_us * 1000;
	cfg->scatter = o->scatter;
	cfg->starve_kthread_after_ns = o->starve_kthread_after_ms * 1000000;
	cfg->one_cpu = o->one_cpu;
	cfg->one_cpu_id = 0;
	cfg->overcharge = o->overcharge;
	cfg->degrade = o->degrade;
	cfg->degrade_cpu = (uint32_t)nr_cpus - 1;
	set_degrade_name(cfg, o->degrade_cgroup);
	topo_read_llcs(cfg, llcs, sizeof(llcs));
	fprintf(stderr, "%s: %d CPUs, %u LLC(s): %s\n", die_prog(), nr_cpus, cfg->nr_llcs, llcs);
}

int sched_open(struct ktstr_sched *s, const struct ktstr_opts *o)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "scx_ktstr");
	int nr_cpus = libbpf_num_possible_cpus();
	int err;

	memset(s, 0, sizeof(*s));
	s->stats_fd = -1;
	if (nr_cpus <= 0 || nr_cpus > KTSTR_MAX_CPUS) {
		warnmsg("%d possible CPUs (supported: 1-%d)", nr_cpus, KTSTR_MAX_CPUS);
		return -1;
	}
	/* Our own buffer: libbpf then leaves the log to us, and we print its tail. */
	s->log_buf = xcalloc(1, LOG_BUF_SIZE);
	opts.kernel_log_buf = s->log_buf;
	opts.kernel_log_size = LOG_BUF_SIZE;
	s->obj = bpf_object__open_mem(ktstr_bpf_obj, (size_t)(ktstr_bpf_obj_end - ktstr_bpf_obj), &opts);
	if (!s->obj) {
		err = -errno;
		warnmsg("opening the embedded BPF object: %s", strerror(-err));
		return -1;
	}
	s->cfg = global_image(s->obj, ".rodata", "cfg", sizeof(struct ktstr_cfg));
	if (!s->cfg) {
		warnmsg("the BPF object has no .rodata 'cfg' of %zu bytes", sizeof(struct ktstr_cfg));
		return -1;
	}
	configure(s->cfg, o, nr_cpus);
	return set_ops_fields(s->obj, o);
}

/* The last LOG_TAIL_LINES lines of the verifier log, each prefixed. */
static void print_log_tail(const char *log)
{
	size_t len = strlen(log);
	const char *p = log + len;
	int lines = 0;

	while (len > 0 && log[len - 1] == '\n')
		len--;
	p = log + len;
	while (p > log && lines < LOG_TAIL_LINES)
		if (*--p == '\n')
			lines++;
	if (*p == '\n')
		p++;
	fprintf(stderr, "%s: verifier log (at most its last %d lines):\n", die_prog(), LOG_TAIL_LINES);
	while (p < log + len) {
		const char *nl = memchr(p, '\n', (size_t)(log + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(log + len - p);

		fprintf(stderr, "%s: verifier: %.*s\n", die_prog(), (int)n, p);
		p += n + 1;
	}
}

int sched_load(struct ktstr_sched *s)
{
	struct bpf_map *stats;
	int err = bpf_object__load(s->obj);

	s->cfg = NULL;	/* .rodata is frozen from here on */
	if (err) {
		warnmsg("loading the BPF scheduler failed: %s", strerror(-err));
		if (s->log_buf[0])
			print_log_tail(s->log_buf);
		return -1;
	}
	s->state = global_live(s, ".bss", "state", sizeof(struct ktstr_state));
	stats = bpf_object__find_map_by_name(s->obj, "stats");
	s->stats_fd = stats ? bpf_map__fd(stats) : -1;
	if (!s->state || s->stats_fd < 0) {
		warnmsg("the loaded BPF object lacks its .bss 'state' or its 'stats' map");
		return -1;
	}
	return 0;
}

int sched_attach(struct ktstr_sched *s)
{
	struct bpf_map *map = struct_ops_map(s->obj);

	s->link = map ? bpf_map__attach_struct_ops(map) : NULL;
	if (!s->link) {
		warnmsg("attaching the struct_ops map failed: %s (is sched_ext enabled and no "
			"other scheduler attached? see dmesg)", strerror(errno));
		return -1;
	}
	return 0;
}

void sched_close(struct ktstr_sched *s)
{
	if (s->link)
		bpf_link__destroy(s->link);
	s->link = NULL;
	if (s->bss)
		munmap(s->bss, s->bss_len);
	s->bss = NULL;
	s->state = NULL;
	bpf_object__close(s->obj);
	s->obj = NULL;
	free(s->log_buf);
	s->log_buf = NULL;
}

int sched_read_stats(const struct ktstr_sched *s, uint64_t *out)
{
	int nr_cpus = libbpf_num_possible_cpus();
	struct ktstr_stats *percpu = xcalloc((size_t)nr_cpus, sizeof(*percpu));
	uint32_t key = 0;

	if (bpf_map_lookup_elem(s->stats_fd, &key, percpu)) {
		free(percpu);
		return -1;
	}
	for (uint32_t idx = 0; idx < KTSTR_NR_STATS; idx++) {
		out[idx] = 0;
		for (int c = 0; c < nr_cpus; c++)	/* the struct's u64s in enum order */
			out[idx] += ((const uint64_t *)&percpu[c])[idx];
	}
	free(percpu);
	return 0;
}
