/*
 * Faults that keep the scheduler attached and the scenario's workers running,
 * so only a closer look finds them (included by scx_ktstr.bpf.c):
 *   --starve-kthread-after: one per-CPU kthread stays runnable and never runs;
 *   --one-cpu: every task runs on one CPU while the others idle;
 *   --overcharge N: every second task of a cgroup pays N times its runtime.
 */
#ifndef SHARE_FAULTS_BPF_H
#define SHARE_FAULTS_BPF_H

/* Per task: the cgroup it was ranked in and its rank there (1, 2, ...). */
struct ktstr_cgroup_rank {
	u64 cgroup_id;
	u64 rank;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ktstr_cgroup_rank);
} overcharge_rank SEC(".maps");

/* cgroup id -> tasks ranked in it so far. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, u64);
} overcharge_seen SEC(".maps");

static bool is_starved_kthread(struct task_struct *p)
{
	return state.starved_pid && (u64)p->pid == state.starved_pid;
}

/*
 * --starve-kthread-after: the first kthread bound to one CPU (a per-CPU
 * kworker or ksoftirqd) enqueued after the onset is parked for good. Once
 * parked it never runs, so it never sleeps again: it stays runnable. A
 * per-CPU kthread, not an unbound one: rcu_preempt or an unbound kworker
 * parked would hold up grace periods and cgroup writes, and the scenario
 * would fail for other reasons. Later enqueues of the same kthread (after an
 * affinity change, say) park it again.
 */
static bool starve_parks(struct task_struct *p)
{
	u64 pid = (u64)p->pid;	/* 64 bits: the compare-and-swap needs them */

	if (!cfg.starve_kthread_after_ns)
		return false;
	if (state.starved_pid)
		return pid == state.starved_pid;
	if (!(p->flags & PF_KTHREAD) || p->nr_cpus_allowed != 1 ||
	    elapsed_ns() < cfg.starve_kthread_after_ns)
		return false;
	if (__sync_val_compare_and_swap(&state.starved_pid, 0, pid) != 0)
		return pid == state.starved_pid;
	state.starved_cpu = scx_bpf_task_cpu(p);
	bpf_probe_read_kernel_str(state.starved_comm, sizeof(state.starved_comm), p->comm);
	barrier();	/* starved_at_ns last: the loader polls it */
	state.starved_at_ns = elapsed_ns();
	return true;
}

/* --one-cpu: cfg.one_cpu_id if p may run there, else p's own first allowed CPU. */
static s32 one_cpu_target(struct task_struct *p, s32 prev_cpu)
{
	u32 first;

	if (bpf_cpumask_test_cpu(cfg.one_cpu_id, p->cpus_ptr))
		return cfg.one_cpu_id;
	first = bpf_cpumask_first(p->cpus_ptr);
	return first < cfg.nr_cpus ? (s32)first : prev_cpu;
}

/*
 * Tasks that may run on the one CPU wait in a vtime queue only it serves;
 * the others go straight to their first allowed CPU, so they are slowed,
 * never stalled.
 */
static void enqueue_one_cpu(struct task_struct *p, u64 enq_flags)
{
	s32 cpu = one_cpu_target(p, scx_bpf_task_cpu(p));

	if (cpu == (s32)cfg.one_cpu_id)
		scx_bpf_dsq_insert_vtime(p, KTSTR_ONE_CPU_DSQ, cfg.slice_ns,
					 clamped_vtime(p, state.vtime_now), enq_flags);
	else
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, cfg.slice_ns, enq_flags);
	scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
}

/* The one CPU going idle with tasks queued for it kicks itself. */
static void one_cpu_update_idle(s32 cpu)
{
	if (cpu == (s32)cfg.one_cpu_id && scx_bpf_dsq_nr_queued(KTSTR_ONE_CPU_DSQ) > 0) {
		stat_inc(KTSTR_STAT_KICKS);
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	}
}

/*
 * --overcharge: the multiple of its runtime p is charged. Every second user
 * task of each cgroup (even ranks, in the order the cgroup's tasks first stop
 * running there; a task moved to another cgroup is ranked again) pays
 * cfg.overcharge times: equal-weight tasks then get about 1/N of the CPU of
 * their siblings when they compete, and none waits long enough to stall.
 */
static u64 overcharge_factor(struct task_struct *p)
{
	struct ktstr_cgroup_rank *r;
	u64 cgroup_id, zero = 0, *seen;

	if (cfg.overcharge <= 1 || (p->flags & PF_KTHREAD))
		return 1;
	r = bpf_task_storage_get(&overcharge_rank, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!r)
		return 1;
	cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
	if (!r->rank || r->cgroup_id != cgroup_id) {
		seen = bpf_map_lookup_elem(&overcharge_seen, &cgroup_id);
		if (!seen) {
			bpf_map_update_elem(&overcharge_seen, &cgroup_id, &zero, BPF_NOEXIST);
			seen = bpf_map_lookup_elem(&overcharge_seen, &cgroup_id);
			if (!seen)
				return 1;
		}
		r->cgroup_id = cgroup_id;
		r->rank = __sync_fetch_and_add(seen, 1) + 1;
	}
	return (r->rank & 1) ? 1 : cfg.overcharge;
}

#endif
