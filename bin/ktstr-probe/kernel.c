/* Symbols from kallsyms, offsets from BTF, HZ from the config (see kernel.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/btf.h>

#include "btfmember.h"
#include "kernel.h"

const char *const kernel_schedstat_name[KERNEL_NSCHEDSTAT] = {
	"yld_count", "sched_count", "sched_goidle", "ttwu_count", "ttwu_local",
};

/* Kallsyms lines "ADDR TYPE NAME": the addresses of the names in want (0 when absent). */
static int read_symbols(const char *path, const char *const *want, uint64_t *addr, size_t n,
			char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *name, *end;
	size_t cap = 0;

	if (!f) {
		snprintf(err, errlen, "kallsyms %s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		uint64_t a = strtoull(line, &end, 16);

		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		name = end + 3;
		name[strcspn(name, " \t\n")] = '\0';
		for (size_t i = 0; i < n; i++)
			if (!addr[i] && !strcmp(name, want[i]))
				addr[i] = a;
	}
	free(line);
	fclose(f);
	return 0;
}

/* Byte offset of "a.b.c" in struct sname, or OFF_NONE; *size: the last member's size. */
static uint64_t member_off(const struct btf *btf, const char *sname, const char *path, size_t *size)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	uint64_t bits = 0;

	while (id > 0 && *path) {
		size_t len = strcspn(path, ".");
		uint32_t b, type;
		unsigned bitfield;

		if (btf_find_member(btf, btf__type_by_id(btf, (uint32_t)id), path, len, &b, &type, &bitfield))
			return OFF_NONE;
		bits += b;
		id = btf__resolve_type(btf, type);
		path += len + (path[len] == '.');
	}
	if (id <= 0 || *path || bits % 8)
		return OFF_NONE;
	if (size)
		*size = (size_t)btf__resolve_size(btf, id);
	return bits / 8;
}

/* The SCX_EV_* counters of struct scx_event_stats, named for records. */
static void read_events(const struct btf *btf, struct kernel_info *ki)
{
	int id = btf__find_by_name_kind(btf, "scx_event_stats", BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m;

	if (!t)
		return;
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t) && ki->nevents < KERNEL_MAX_EVENTS; i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		unsigned e = ki->nevents;
		size_t j;

		if (!mn || strncmp(mn, "SCX_EV_", 7) || strlen(mn + 7) >= sizeof(ki->event_name[0]))
			continue;
		for (j = 0; mn[7 + j]; j++)
			ki->event_name[e][j] = (char)tolower((unsigned char)mn[7 + j]);
		ki->event_name[e][j] = '\0';
		ki->event_off[e] = btf_member_bit_offset(t, i) / 8;
		ki->nevents++;
	}
}

/* The value of enumerator name in enum ename, or -1. */
static int64_t enum_value(const struct btf *btf, const char *ename, const char *name)
{
	int id = btf__find_by_name_kind(btf, ename, BTF_KIND_ENUM);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_enum *e;

	if (!t)
		return -1;
	e = btf_enum(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(btf, e->name_off), name))
			return e->val;
	return -1;
}

/* Where the BPF programs are: the prog idr's xarray, struct bpf_prog, its aux and stats. */
static void read_prog_offsets(const struct btf *btf, struct kernel_info *ki)
{
	ki->idr_head = member_off(btf, "idr", "idr_rt.xa_head", NULL);
	ki->xa_node_slots = member_off(btf, "xa_node", "slots", NULL);
	ki->prog_type = member_off(btf, "bpf_prog", "type", NULL);
	ki->prog_aux = member_off(btf, "bpf_prog", "aux", NULL);
	ki->prog_stats = member_off(btf, "bpf_prog", "stats", NULL);
	ki->aux_name = member_off(btf, "bpf_prog_aux", "name", &ki->aux_name_len);
	ki->stats_cnt = member_off(btf, "bpf_prog_stats", "cnt", NULL);
	ki->stats_nsecs = member_off(btf, "bpf_prog_stats", "nsecs", NULL);
	ki->prog_jited_len = member_off(btf, "bpf_prog", "jited_len", NULL);
	ki->aux_verified_insns = member_off(btf, "bpf_prog_aux", "verified_insns", NULL);
	ki->prog_type_struct_ops = enum_value(btf, "bpf_prog_type", "BPF_PROG_TYPE_STRUCT_OPS");
}

/* Where the BPF maps are: struct bpf_map, array and hash values, the BTF blob, the type names. */
static void read_map_offsets(const struct btf *btf, struct kernel_info *ki)
{
	int id = btf__find_by_name_kind(btf, "bpf_map_type", BTF_KIND_ENUM);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_enum *e = t ? btf_enum(t) : NULL;

	ki->map_type = member_off(btf, "bpf_map", "map_type", NULL);
	ki->map_key_size = member_off(btf, "bpf_map", "key_size", NULL);
	ki->map_value_size = member_off(btf, "bpf_map", "value_size", NULL);
	ki->map_max_entries = member_off(btf, "bpf_map", "max_entries", NULL);
	ki->map_id = member_off(btf, "bpf_map", "id", NULL);
	ki->map_name = member_off(btf, "bpf_map", "name", &ki->map_name_len);
	ki->map_btf = member_off(btf, "bpf_map", "btf", NULL);
	ki->map_btf_key_type_id = member_off(btf, "bpf_map", "btf_key_type_id", NULL);
	ki->map_btf_value_type_id = member_off(btf, "bpf_map", "btf_value_type_id", NULL);
	ki->array_value = member_off(btf, "bpf_array", "value", NULL);
	ki->array_pptrs = member_off(btf, "bpf_array", "pptrs", NULL);
	ki->htab_buckets = member_off(btf, "bpf_htab", "buckets", NULL);
	ki->htab_n_buckets = member_off(btf, "bpf_htab", "n_buckets", NULL);
	ki->htab_elem_key = member_off(btf, "htab_elem", "key", NULL);
	ki->map_elem_count = member_off(btf, "bpf_map", "elem_count", NULL);
	id = btf__find_by_name_kind(btf, "bucket", BTF_KIND_STRUCT);
	ki->htab_bucket_size = id > 0 ? (size_t)btf__resolve_size(btf, id) : 0;
	ki->btf_data = member_off(btf, "btf", "data", NULL);
	ki->btf_data_size = member_off(btf, "btf", "data_size", NULL);
	ki->aux_used_maps = member_off(btf, "bpf_prog_aux", "used_maps", NULL);
	ki->aux_used_map_cnt = member_off(btf, "bpf_prog_aux", "used_map_cnt", NULL);
	ki->sch_exit_kind = member_off(btf, "scx_sched", "exit_kind", NULL);
	for (unsigned i = 0; t && i < btf_vlen(t); i++, e++) {
		const char *n = btf__name_by_offset(btf, e->name_off);
		size_t j;

		/* of two names for one value (X_DEPRECATED, then X) the last wins */
		if (!n || strncmp(n, "BPF_MAP_TYPE_", 13) || e->val < 0 || e->val >= KERNEL_MAX_MAP_TYPES)
			continue;
		for (j = 0; n[13 + j] && j + 1 < sizeof(ki->map_type_name[0]); j++)
			ki->map_type_name[e->val][j] = (char)tolower((unsigned char)n[13 + j]);
		ki->map_type_name[e->val][j] = '\0';
	}
}

static unsigned config_hz(const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	char line[256];
	unsigned hz = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CONFIG_HZ=%u", &hz) == 1)
			break;
	if (f)
		fclose(f);
	return hz ? hz : 250;	/* Debian's x86 kernels */
}

static int read_offsets(struct kernel_info *ki, const struct btf *btf, char *err, size_t errlen)
{
	static const char *const need[] = { "rq.nr_running", "rq.curr", "rq.clock", "rq.cpu",
					    "task_struct.pid" };
	uint64_t *out[] = { &ki->rq_nr_running, &ki->rq_curr, &ki->rq_clock, &ki->rq_cpu,
			    &ki->task_pid };

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		size_t dot = strcspn(need[i], ".");
		char sname[32];

		snprintf(sname, sizeof(sname), "%.*s", (int)dot, need[i]);
		*out[i] = member_off(btf, sname, need[i] + dot + 1, NULL);
		if (*out[i] == OFF_NONE) {
			snprintf(err, errlen, "BTF has no %s", need[i]);
			return -1;
		}
	}
	/* sched_ext's parts are optional: a kernel without it is still sampled */
	ki->rq_scx_nr_running = member_off(btf, "rq", "scx.nr_running", NULL);
	ki->rq_scx_local_dsq_nr = member_off(btf, "rq", "scx.local_dsq.nr", NULL);
	ki->rq_run_delay = member_off(btf, "rq", "rq_sched_info.run_delay", NULL);
	ki->rq_pcount = member_off(btf, "rq", "rq_sched_info.pcount", NULL);
	ki->rq_scx_runnable_list = member_off(btf, "rq", "scx.runnable_list", NULL);
	for (unsigned i = 0; i < KERNEL_NSCHEDSTAT; i++)
		ki->rq_schedstat[i] = member_off(btf, "rq", kernel_schedstat_name[i], NULL);
	ki->rq_sd = member_off(btf, "rq", "sd", NULL);
	ki->sd_parent = member_off(btf, "sched_domain", "parent", NULL);
	ki->sd_level = member_off(btf, "sched_domain", "level", NULL);
	ki->sd_name = member_off(btf, "sched_domain", "name", NULL);
	ki->sd_flags = member_off(btf, "sched_domain", "flags", NULL);
	ki->sd_span = member_off(btf, "sched_domain", "span", NULL);
	if (ki->sd_span == OFF_NONE) {
		/* BTF leaves out the flexible span[] at the end: it starts at the struct's size */
		int id = btf__find_by_name_kind(btf, "sched_domain", BTF_KIND_STRUCT);

		if (id > 0 && member_off(btf, "sched_domain", "span_weight", NULL) != OFF_NONE)
			ki->sd_span = (uint64_t)btf__resolve_size(btf, id);
	}
	ki->task_tgid = member_off(btf, "task_struct", "tgid", NULL);
	ki->task_flags = member_off(btf, "task_struct", "flags", NULL);
	ki->task_comm = member_off(btf, "task_struct", "comm", &ki->comm_len);
	ki->task_cpus_ptr = member_off(btf, "task_struct", "cpus_ptr", NULL);
	ki->task_scx_runnable_node = member_off(btf, "task_struct", "scx.runnable_node", NULL);
	ki->task_scx_runnable_at = member_off(btf, "task_struct", "scx.runnable_at", NULL);
	ki->task_scx_weight = member_off(btf, "task_struct", "scx.weight", NULL);
	ki->sch_ops_name = member_off(btf, "scx_sched", "ops.name", &ki->ops_name_len);
	ki->sch_pcpu = member_off(btf, "scx_sched", "pcpu", NULL);
	ki->pcpu_event_stats = member_off(btf, "scx_sched_pcpu", "event_stats", NULL);
	ki->sch_watchdog_timeout = member_off(btf, "scx_sched", "watchdog_timeout", NULL);
	ki->ops_static_name = member_off(btf, "sched_ext_ops", "name", &ki->ops_static_name_len);
	ki->scx_ops_enabled = enum_value(btf, "scx_ops_enable_state", "SCX_OPS_ENABLED");
	read_events(btf, ki);
	read_prog_offsets(btf, ki);
	read_map_offsets(btf, ki);
	return 0;
}

static int kernel_info_parse(struct kernel_info *ki, const char *kallsyms, const char *btf_path,
			     const char *config, char *err, size_t errlen)
{
	/* the first two are required; the others are 0 when this kernel lacks them */
	const struct { const char *name; uint64_t *addr; } syms[] = {
		{ "runqueues", &ki->runqueues }, { "__per_cpu_offset", &ki->per_cpu_offset },
		{ "page_offset_base", &ki->page_offset_base }, { "phys_base", &ki->phys_base },
		{ "scx_root", &ki->scx_root }, { "jiffies", &ki->jiffies },
		{ "scx_watchdog_interval", &ki->scx_watchdog_interval },
		{ "scx_watchdog_timestamp", &ki->scx_watchdog_timestamp },
		{ "scx_watchdog_timeout", &ki->scx_watchdog_timeout },
		{ "scx_exit_kind", &ki->scx_exit_kind },
		{ "scx_ops", &ki->scx_ops }, { "scx_ops_enable_state_var", &ki->scx_ops_enable_state },
		{ "prog_idr", &ki->prog_idr }, { "map_idr", &ki->map_idr },
		{ "init_top_pgt", &ki->init_top_pgt }, { "__pgtable_l5_enabled", &ki->pgtable_l5_enabled },
	};
	enum { NSYMS = sizeof(syms) / sizeof(syms[0]) };
	const char *names[NSYMS];
	uint64_t addr[NSYMS] = { 0 };
	struct btf *btf;
	int rc;

	memset(ki, 0, sizeof(*ki));
	for (size_t i = 0; i < NSYMS; i++)
		names[i] = syms[i].name;
	if (read_symbols(kallsyms, names, addr, NSYMS, err, errlen))
		return -1;
	for (size_t i = 0; i < 2; i++)
		if (!addr[i]) {
			snprintf(err, errlen, "kallsyms %s has no %s", kallsyms, syms[i].name);
			return -1;
		}
	for (size_t i = 0; i < NSYMS; i++)
		*syms[i].addr = addr[i];
	btf = btf__parse(btf_path, NULL);
	if (!btf) {
		snprintf(err, errlen, "BTF %s: %s", btf_path, strerror(errno));
		return -1;
	}
	rc = read_offsets(ki, btf, err, errlen);
	btf__free(btf);
	ki->hz = config_hz(config);
	return rc;
}

/* A file as the cache knows it: its path and which file that is now (all 0 when absent). */
struct file_id {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static void file_id_of(struct file_id *f, const char *path)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->path = path ? strdup(path) : NULL;
	if (path && stat(path, &st) == 0) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
		f->size = st.st_size;
		f->mtime = st.st_mtim;
	}
}

static bool file_id_same(const struct file_id *a, const struct file_id *b)
{
	return (a->path && b->path ? !strcmp(a->path, b->path) : a->path == b->path) &&
	       a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/*
 * The last kernel parsed, by its three files: a gauntlet's VMs mostly boot one
 * kernel, and parsing its kallsyms and BTF costs about 85 ms of CPU a VM,
 * taken from the VMs when they share the host's CPUs.
 */
static struct {
	struct file_id f[3];
	struct kernel_info ki;
	bool valid;
} last;

int kernel_info_load(struct kernel_info *ki, const char *kallsyms, const char *btf_path,
		     const char *config, char *err, size_t errlen)
{
	struct file_id now[3];
	bool same = last.valid;
	int rc;

	file_id_of(&now[0], kallsyms);
	file_id_of(&now[1], btf_path);
	file_id_of(&now[2], config);
	for (int i = 0; i < 3; i++)
		same = same && file_id_same(&now[i], &last.f[i]);
	if (same) {
		*ki = last.ki;
		rc = 0;
	} else {
		rc = kernel_info_parse(ki, kallsyms, btf_path, config, err, errlen);
		last.valid = rc == 0;
		if (last.valid)
			last.ki = *ki;
	}
	for (int i = 0; i < 3; i++) {
		free(last.f[i].path);
		last.f[i] = now[i];
	}
	return rc;
}

json_t *kernel_lacks(const struct kernel_info *ki)
{
	json_t *o = json_object();

	if (ki->rq_scx_nr_running == OFF_NONE) {
		json_object_set_new(o, "sched_ext", json_string("the kernel's BTF has no rq.scx: no sched_ext"));
	} else {
		if (!ki->nevents)
			json_object_set_new(o, "events", json_string(
				"the kernel's BTF has no struct scx_event_stats: this kernel keeps no sched_ext event counters"));
		else if (!ki->scx_root || ki->sch_pcpu == OFF_NONE || ki->pcpu_event_stats == OFF_NONE)
			json_object_set_new(o, "events", json_string(
				"the kernel keeps its sched_ext event counters outside scx_sched.pcpu, where the monitor does not read them"));
		if (!(ki->scx_root && ki->sch_watchdog_timeout != OFF_NONE) && !ki->scx_watchdog_timeout)
			json_object_set_new(o, "watchdog", json_string(
				"no scx_sched.watchdog_timeout and no scx_watchdog_timeout symbol: the stall watchdog keeps its own timeout"));
		if (ki->rq_scx_runnable_list == OFF_NONE || ki->task_scx_runnable_node == OFF_NONE ||
		    ki->task_scx_runnable_at == OFF_NONE || !ki->jiffies)
			json_object_set_new(o, "runnable_waits", json_string(
				"the kernel's BTF has no rq.scx.runnable_list or task_struct.scx.runnable_at"));
	}
	if (ki->rq_run_delay == OFF_NONE || ki->rq_pcount == OFF_NONE)
		json_object_set_new(o, "run_delay", json_string(
			"the kernel's BTF has no rq.rq_sched_info (CONFIG_SCHED_INFO is off)"));
	if (ki->rq_schedstat[0] == OFF_NONE)
		json_object_set_new(o, "schedstats", json_string(
			"the kernel's BTF has no rq.yld_count (CONFIG_SCHEDSTATS is off)"));
	if (!json_object_size(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}
