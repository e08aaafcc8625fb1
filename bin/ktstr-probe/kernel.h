/*
 * What ktstr-probe needs to know about a guest kernel, from the host side:
 * a few symbol addresses (the cached kallsyms), struct offsets (the kernel's
 * BTF, through libbpf) and CONFIG_HZ (its config). Never hard-coded: they
 * move from build to build.
 */
#ifndef KTSTR_PROBE_KERNEL_H
#define KTSTR_PROBE_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define KERNEL_MAX_EVENTS 32
#define KERNEL_MAX_MAP_TYPES 48

/* A byte offset, or OFF_NONE when this kernel has no such member. */
#define OFF_NONE ((uint64_t)-1)

struct kernel_info {
	/* symbols */
	uint64_t runqueues, per_cpu_offset, page_offset_base, phys_base, scx_root;
	uint64_t jiffies, scx_watchdog_interval, scx_watchdog_timestamp;	/* 0 when absent */
	uint64_t scx_watchdog_timeout;	/* the global timeout of kernels before per-scheduler ones */
	uint64_t scx_exit_kind;		/* the global exit kind of kernels before scx_root (atomic_t) */
	/* kernels before scx_root: the one static scheduler and its state (0 / OFF_NONE / -1: absent) */
	uint64_t scx_ops, scx_ops_enable_state, ops_static_name;
	size_t ops_static_name_len;
	int64_t scx_ops_enabled;
	uint64_t prog_idr, init_top_pgt, pgtable_l5_enabled;
	/* BPF programs: the idr's xarray, struct bpf_prog and its stats (OFF_NONE: not read) */
	uint64_t idr_head, xa_node_slots;
	uint64_t prog_type, prog_aux, prog_stats, aux_name, stats_cnt, stats_nsecs;
	uint64_t prog_jited_len, aux_verified_insns;	/* u32s; OFF_NONE on kernels without them */
	size_t aux_name_len;
	int64_t prog_type_struct_ops;	/* -1 when unknown */
	/* BPF maps: map_idr, struct bpf_map, array and hash layouts, struct btf (OFF_NONE: not read) */
	uint64_t map_idr;
	uint64_t map_type, map_key_size, map_value_size, map_max_entries, map_id, map_name;
	uint64_t map_btf, map_btf_key_type_id, map_btf_value_type_id;
	size_t map_name_len;
	uint64_t array_value, array_pptrs;	/* struct bpf_array: inline values, per-CPU pointers */
	uint64_t htab_buckets, htab_n_buckets, htab_elem_key;
	size_t htab_bucket_size;
	uint64_t map_elem_count;	/* struct bpf_map: per-CPU counts of a hash map's elements */
	uint64_t btf_data, btf_data_size;	/* struct btf: the raw blob the loader gave */
	uint64_t aux_used_maps, aux_used_map_cnt;	/* struct bpf_prog_aux */
	uint64_t sch_exit_kind;	/* struct scx_sched: set on the way out, errors >= 1024 */
	char map_type_name[KERNEL_MAX_MAP_TYPES][24];	/* enum bpf_map_type, lower case */
	/* struct rq */
	uint64_t rq_nr_running, rq_curr, rq_clock, rq_cpu;
	uint64_t rq_scx_nr_running, rq_scx_local_dsq_nr;	/* OFF_NONE without sched_ext */
	uint64_t rq_run_delay, rq_pcount;	/* rq_sched_info (CONFIG_SCHED_INFO), or OFF_NONE */
	uint64_t rq_scx_runnable_list;	/* tasks sched_ext holds runnable on this rq, or OFF_NONE */
	/* schedstats (CONFIG_SCHEDSTATS; counted while schedstats are on), OFF_NONE when absent */
#define KERNEL_NSCHEDSTAT 5
	uint64_t rq_schedstat[KERNEL_NSCHEDSTAT];	/* yld_count, sched_count, sched_goidle, ttwu_count, ttwu_local */
	/* sched domains: rq->sd, then ->parent */
	uint64_t rq_sd, sd_parent, sd_level, sd_name, sd_flags, sd_span;
	/* struct task_struct */
	uint64_t task_pid, task_tgid, task_flags, task_comm, task_cpus_ptr;
	size_t comm_len;
	uint64_t task_scx_runnable_node, task_scx_runnable_at, task_scx_weight;	/* OFF_NONE without sched_ext */
	/* struct scx_sched (7.2): ops.name, pcpu -> scx_sched_pcpu.event_stats */
	uint64_t sch_ops_name, sch_pcpu, pcpu_event_stats, sch_watchdog_timeout;
	size_t ops_name_len;
	/* the s64 members of struct scx_event_stats, named without SCX_EV_, lower case */
	unsigned nevents;
	char event_name[KERNEL_MAX_EVENTS][48];
	uint64_t event_off[KERNEL_MAX_EVENTS];
	unsigned hz;
};

/* The rq schedstat counters by member name, in rq_schedstat order. */
extern const char *const kernel_schedstat_name[KERNEL_NSCHEDSTAT];

/*
 * Fill ki from a kallsyms file, a BTF source (vmlinux ELF or raw BTF) and a
 * kernel config (NULL or unreadable: HZ 250). 0, or -1 with err saying what
 * is missing.
 */
int kernel_info_load(struct kernel_info *ki, const char *kallsyms, const char *btf,
		     const char *config, char *err, size_t errlen);

/*
 * What the monitor cannot read on this kernel, for the records: an object of
 * feature (events, watchdog, runnable_waits, run_delay, schedstats, progs) ->
 * why, or NULL when it reads everything. Checks that need a feature are then
 * skipped with that reason.
 */
json_t *kernel_lacks(const struct kernel_info *ki);

#endif
