/*
 * scx_ktstr: ktstr's fixture sched_ext scheduler.
 *
 * Healthy by default: weighted vtime fairness (as scx_simple's vtime mode) over
 * one dispatch queue per LLC, idle-CPU selection by the kernel's default
 * policy, and queue lengths kept level across LLCs: a task joins a shorter
 * queue it may run on when its own LLC's queue is much longer, and a CPU
 * steals from a much longer queue (every other dispatch) or when its own is
 * empty. vtime_now is one clock for all queues, so a task keeps its vtime
 * (clamped to vtime_now - one slice) whichever queue it lands on.
 * Misbehaviour on request (struct ktstr_cfg, set by the loader): stall, an
 * injected error, a degraded cgroup, slow callbacks, random placement, a
 * starved kthread, one CPU for everything, overcharged tasks
 * (loud_faults.bpf.h, share_faults.bpf.h); and, built with
 * -DKTSTR_VERIFIER_FAIL, a program the verifier rejects.
 *
 * A stall parks user tasks only: kthreads keep running, so the kernel's
 * watchdog work item runs and names the starved task ("comm[pid] failed to
 * run for ...") instead of reporting that it could not check in itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "scx_ktstr.h"
#include "compat.bpf.h"

#define barrier() asm volatile("" ::: "memory")
#define PF_KTHREAD 0x00200000	/* include/linux/sched.h; macros are not in BTF */

char _license[] SEC("license") = "GPL";

#define BPF_STRUCT_OPS(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define BPF_STRUCT_OPS_SLEEPABLE(name, args...) SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)

const volatile struct ktstr_cfg cfg = {
	.nr_cpus = 1,
	.nr_llcs = 1,
	.slice_ns = 20000000,
};

struct ktstr_state state;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct ktstr_stats);
} stats SEC(".maps");

/* Per task of the degraded cgroup: its rank among that cgroup's tasks (1, 2, ...). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} degrade_rank SEC(".maps");

/*
 * --degrade: the longest a disfavoured task waits while its cgroup's other
 * tasks run. Far above a slice (the cgroup turns unfair within itself), far
 * below the watchdog timeout (nothing stalls).
 */
#define KTSTR_PENALTY_WAIT_NS (300ULL * 1000000)

static void stat_inc(u32 idx)
{
	u32 key = 0;
	u64 *cnt = bpf_map_lookup_elem(&stats, &key);

	if (cnt && idx < KTSTR_NR_STATS)
		cnt[idx]++;
}

static u64 elapsed_ns(void)
{
	return bpf_ktime_get_ns() - state.start_ns;
}

static u32 llc_of(s32 cpu)
{
	u32 idx = (u32)cpu;

	if (idx >= KTSTR_MAX_CPUS)
		return 0;
	/* The mask (KTSTR_MAX_CPUS is a power of two) keeps clang's code verifiable. */
	return cfg.llc_of_cpu[idx & (KTSTR_MAX_CPUS - 1)];
}

/*
 * Waiting tasks by which one LLC's queue may exceed another's before work
 * moves between them: small enough to keep oversubscribed cgroups fair, large
 * enough that queues of a few tasks do not bounce tasks across LLCs.
 */
#define KTSTR_LLC_IMBALANCE 2

static u64 llc_bit(u32 llc)
{
	return 1ULL << (llc & (KTSTR_MAX_LLCS - 1));
}

/* Bitmap of the LLCs with at least one CPU that p may run on. */
static u64 allowed_llcs(struct task_struct *p)
{
	u64 mask = 0;
	s32 cpu;

	if (p->nr_cpus_allowed >= cfg.nr_cpus)
		return ~0ULL;
	bpf_for(cpu, 0, cfg.nr_cpus) {
		if (bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			mask |= llc_bit(llc_of(cpu));
	}
	return mask;
}

#include "loud_faults.bpf.h"

/* The degraded cgroup is the one whose leaf name is cfg.degrade_name (cgroup v2). */
static bool is_degraded(struct task_struct *p)
{
	char name[KTSTR_NAME_LEN] = {};
	const char *kn_name;

	if (!cfg.degrade)
		return false;
	kn_name = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, name);
	if (!kn_name || bpf_probe_read_kernel_str(name, sizeof(name), kn_name) < 0)
		return false;
	return bpf_strncmp(name, sizeof(name), (const char *)cfg.degrade_name) == 0;
}

static bool degrade_cpu_allowed(struct task_struct *p)
{
	return bpf_cpumask_test_cpu(cfg.degrade_cpu, p->cpus_ptr);
}

/*
 * Every second task of the degraded cgroup, in the order they are first
 * enqueued, is disfavoured: it runs only when KTSTR_PENALTY_WAIT_NS has passed
 * or nothing else wants the degrade CPU. (Ranks, not pid parity: pids of a
 * cgroup need not alternate.)
 */
static bool disfavoured(struct task_struct *p)
{
	u64 *rank = bpf_task_storage_get(&degrade_rank, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!rank)
		return false;
	if (!*rank)
		*rank = __sync_fetch_and_add(&state.degrade_seen, 1) + 1;
	return !(*rank & 1);
}

/*
 * --scatter: a random idle CPU that p may run on, claimed, or -1. Only idle
 * ones: a random busy CPU would leave p waiting while others idle, which is
 * a work-conservation bug, not a placement policy.
 */
static s32 random_idle_cpu(struct task_struct *p)
{
	u32 i, cpu;

	for (i = 0; i < 8; i++) {
		cpu = bpf_get_prandom_u32() % cfg.nr_cpus;
		if (bpf_cpumask_test_cpu(cpu, p->cpus_ptr) && scx_bpf_test_and_clear_cpu_idle(cpu))
			return cpu;
	}
	return -1;
}

/* A sleeper gets at most one slice of credit against the queue's clock. */
static u64 clamped_vtime(struct task_struct *p, u64 now)
{
	u64 vtime = p->scx.dsq_vtime;

	if ((s64)(vtime - (now - cfg.slice_ns)) < 0)
		vtime = now - cfg.slice_ns;
	return vtime;
}

#include "share_faults.bpf.h"

s32 BPF_STRUCT_OPS(ktstr_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	if (cfg.one_cpu)
		return one_cpu_target(p, prev_cpu);
	if (is_starved_kthread(p))
		return prev_cpu;
	if (cfg.scatter && !stall_parks(p) && (cpu = random_idle_cpu(p)) >= 0) {
		stat_inc(KTSTR_STAT_SCATTERED);
		stat_inc(KTSTR_STAT_ENQUEUES);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, cfg.slice_ns, 0);
		return cpu;
	}
	if (is_degraded(p) && degrade_cpu_allowed(p))
		return cfg.degrade_cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle && !stall_parks(p)) {
		stat_inc(KTSTR_STAT_IDLE_HITS);
		stat_inc(KTSTR_STAT_ENQUEUES);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, cfg.slice_ns, 0);
	}
	return cpu;
}

/*
 * The queue of the LLC p last ran on, unless p may not run there (its
 * affinity changed) or the shortest queue p may run on is shorter by more
 * than KTSTR_LLC_IMBALANCE: then that one. Only LLCs holding a CPU in
 * p->cpus_ptr qualify, so some CPU that may run p always serves its queue.
 */
static u32 enqueue_llc(struct task_struct *p)
{
	u32 home = llc_of(scx_bpf_task_cpu(p)), best = home, llc;
	s64 home_len, best_len, len;
	u64 allowed;

	if (cfg.nr_llcs <= 1 || p->migration_disabled)
		return home;
	allowed = allowed_llcs(p);
	home_len = (allowed & llc_bit(home)) ? scx_bpf_dsq_nr_queued(home) : 1LL << 40;
	best_len = home_len;
	bpf_for(llc, 0, cfg.nr_llcs) {
		if (llc >= KTSTR_MAX_LLCS || !(allowed & llc_bit(llc)))
			continue;
		len = scx_bpf_dsq_nr_queued(llc);
		if (len < best_len) {
			best = llc;
			best_len = len;
		}
	}
	if (best == home || home_len - best_len <= KTSTR_LLC_IMBALANCE)
		return home;
	stat_inc(KTSTR_STAT_BALANCED);
	return best;
}

/* The degraded cgroup shares one CPU; its disfavoured tasks wait in their own queue. */
static void enqueue_degraded(struct task_struct *p, u64 enq_flags)
{
	stat_inc(KTSTR_STAT_DEGRADED);
	if (disfavoured(p))
		scx_bpf_dsq_insert(p, KTSTR_PENALTY_DSQ, cfg.slice_ns / 4, enq_flags);
	else
		scx_bpf_dsq_insert_vtime(p, KTSTR_DEGRADE_DSQ, cfg.slice_ns / 4,
					 clamped_vtime(p, state.degrade_vtime_now), enq_flags);
	scx_bpf_kick_cpu(cfg.degrade_cpu, SCX_KICK_IDLE);
}

void BPF_STRUCT_OPS(ktstr_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 cpu;

	stat_inc(KTSTR_STAT_ENQUEUES);
	verifier_fail(p);
	slow_spin();

	if (stall_parks(p)) {
		/* Never served: the kernel's watchdog finds it starving and names it. */
		stat_inc(KTSTR_STAT_STALLED);
		scx_bpf_dsq_insert(p, KTSTR_STALL_DSQ, cfg.slice_ns, enq_flags);
		return;
	}
	if (starve_parks(p)) {
		scx_bpf_dsq_insert(p, KTSTR_STARVE_DSQ, cfg.slice_ns, enq_flags);
		return;
	}
	if (enq_flags & SCX_ENQ_LAST) {
		/*
		 * Only with SCX_OPS_ENQ_LAST (set for --stall-after, so that a task
		 * alone on its CPU is enqueued, and parked, too): keep it running.
		 */
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, cfg.slice_ns, enq_flags);
		scx_bpf_kick_cpu(scx_bpf_task_cpu(p), SCX_KICK_IDLE);
		return;
	}
	if (cfg.one_cpu) {
		enqueue_one_cpu(p, enq_flags);
		return;
	}
	if (cfg.scatter) {
		cpu = random_idle_cpu(p);
		if (cpu >= 0) {
			stat_inc(KTSTR_STAT_SCATTERED);
			scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, cfg.slice_ns, enq_flags);
			scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
			return;
		}
	}
	if (is_degraded(p) && degrade_cpu_allowed(p)) {
		enqueue_degraded(p, enq_flags);
		return;
	}

	scx_bpf_dsq_insert_vtime(p, enqueue_llc(p), cfg.slice_ns,
				 clamped_vtime(p, state.vtime_now), enq_flags);
	/* Not a wake-up select_cpu placed: wake an idle CPU, if any, to take it. */
	cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	if (cpu >= 0) {
		stat_inc(KTSTR_STAT_KICKS);
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	}
}

/* The other LLC with the longest queue, if it is longer than own's by more than the margin. */
static s32 much_longer_llc(u32 own)
{
	s64 own_len = scx_bpf_dsq_nr_queued(own), max_len = own_len + KTSTR_LLC_IMBALANCE, len;
	s32 longest = -1;
	u32 llc;

	bpf_for(llc, 0, cfg.nr_llcs) {
		if (llc == own)
			continue;
		len = scx_bpf_dsq_nr_queued(llc);
		if (len > max_len) {
			longest = llc;
			max_len = len;
		}
	}
	return longest;
}

/*
 * Every other dispatch a CPU first helps a much longer queue of another LLC
 * (the kernel's move_to_local skips tasks this CPU may not run); then its own
 * LLC's queue, then the others in order after it. Alternating leaves the own
 * queue at least every other turn, so tasks only this LLC may run keep moving
 * even while another queue stays long.
 */
static bool move_from_llcs(s32 cpu)
{
	u32 own = llc_of(cpu), i, llc;
	u8 *turn = &state.steal_turn[(u32)cpu & (KTSTR_MAX_CPUS - 1)];
	s32 longest;

	if (cfg.nr_llcs > 1 && (++*turn & 1)) {
		longest = much_longer_llc(own);
		if (longest >= 0 && scx_bpf_dsq_move_to_local(longest)) {
			stat_inc(KTSTR_STAT_STEALS);
			return true;
		}
	}
	if (scx_bpf_dsq_move_to_local(own))
		return true;
	for (i = 1; i < KTSTR_MAX_LLCS && i < cfg.nr_llcs; i++) {
		llc = (own + i) % cfg.nr_llcs;
		if (scx_bpf_dsq_move_to_local(llc)) {
			stat_inc(KTSTR_STAT_STEALS);
			return true;
		}
	}
	return false;
}

/* Serve the penalty queue: a disfavoured task of the degraded cgroup runs one slice. */
static bool move_penalised(void)
{
	if (!scx_bpf_dsq_move_to_local(KTSTR_PENALTY_DSQ))
		return false;
	state.penalty_served_ns = bpf_ktime_get_ns();
	stat_inc(KTSTR_STAT_PENALISED);
	return true;
}

/*
 * The degrade CPU: a disfavoured task once its wait is over; then the
 * degraded queue on every other dispatch (tasks bound to this CPU, per-CPU
 * kworkers, must not starve), the LLC queues, the degraded queue; the
 * disfavoured tasks last, and only if prev is not runnable (the kernel keeps
 * a runnable prev when nothing is dispatched).
 */
static bool dispatch_degrade_cpu(s32 cpu, struct task_struct *prev)
{
	if (bpf_ktime_get_ns() - state.penalty_served_ns >= KTSTR_PENALTY_WAIT_NS &&
	    move_penalised())
		return true;
	if ((state.degrade_turn++ & 1) && scx_bpf_dsq_move_to_local(KTSTR_DEGRADE_DSQ))
		return true;
	if (move_from_llcs(cpu) || scx_bpf_dsq_move_to_local(KTSTR_DEGRADE_DSQ))
		return true;
	return !(prev && (prev->scx.flags & SCX_TASK_QUEUED)) && move_penalised();
}

/* While stalling, user tasks still queued run one more slice, then enqueue() parks them. */
void BPF_STRUCT_OPS(ktstr_dispatch, s32 cpu, struct task_struct *prev)
{
	bool moved;

	raise_injected_errors();
	if (cfg.one_cpu)
		moved = cpu == (s32)cfg.one_cpu_id && scx_bpf_dsq_move_to_local(KTSTR_ONE_CPU_DSQ);
	else if (cfg.degrade && cpu == cfg.degrade_cpu)
		moved = dispatch_degrade_cpu(cpu, prev);
	else
		moved = move_from_llcs(cpu);
	if (moved)
		stat_inc(KTSTR_STAT_DISPATCHES);
}

static bool llc_work_queued(void)
{
	u32 i;

	for (i = 0; i < KTSTR_MAX_LLCS && i < cfg.nr_llcs; i++)
		if (scx_bpf_dsq_nr_queued(i) > 0)
			return true;
	return false;
}

/*
 * A CPU can go idle between enqueue() finding no idle CPU and the task
 * reaching a DSQ; so a CPU going idle with work queued kicks itself.
 */
void BPF_STRUCT_OPS(ktstr_update_idle, s32 cpu, bool idle)
{
	if (!idle)
		return;
	if (cfg.one_cpu) {
		one_cpu_update_idle(cpu);
		return;
	}
	if (llc_work_queued()) {
		stat_inc(KTSTR_STAT_KICKS);
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	}
}

/*
 * A CPU can also stay idle with work queued and nothing left to wake it:
 * enqueue() claims an idle CPU's bit (scx_bpf_pick_idle_cpu) before kicking
 * it, so if that kick goes unanswered, or the kicked CPU finds the queues
 * already emptied and idles on without the idle mask being refreshed, no
 * enqueue picks it again. Seen under TCG: one CPU idle for 2 s of steady
 * while four spinners shared the other three, its vCPU not run at all. So
 * each tick with work queued kicks the next CPU in turn, if idle: every CPU
 * is tried within nr_cpus ticks.
 */
u32 tick_kick_turn;

/* A user task running when the stall begins gives up its CPU at this tick, to be parked. */
void BPF_STRUCT_OPS(ktstr_tick, struct task_struct *p)
{
	raise_injected_errors();
	if (stall_parks(p))
		set_slice(p, 0);
	if (!cfg.one_cpu && cfg.nr_cpus && llc_work_queued())
		scx_bpf_kick_cpu(tick_kick_turn++ % cfg.nr_cpus, SCX_KICK_IDLE);
}

void BPF_STRUCT_OPS(ktstr_running, struct task_struct *p)
{
	u64 *now = is_degraded(p) ? &state.degrade_vtime_now : &state.vtime_now;

	if ((s64)(p->scx.dsq_vtime - *now) > 0)
		*now = p->scx.dsq_vtime;
}

/* Charge the slice used, scaled by the inverse weight (and --overcharge's factor). */
void BPF_STRUCT_OPS(ktstr_stopping, struct task_struct *p, bool runnable)
{
	u64 slice = is_degraded(p) ? cfg.slice_ns / 4 : cfg.slice_ns;
	u64 used = p->scx.slice < slice ? slice - p->scx.slice : 0;
	u64 charge = used * overcharge_factor(p) * 100 / (p->scx.weight ? p->scx.weight : 100);

	set_vtime(p, p->scx.dsq_vtime + charge);
}

void BPF_STRUCT_OPS(ktstr_enable, struct task_struct *p)
{
	set_vtime(p, is_degraded(p) ? state.degrade_vtime_now : state.vtime_now);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(ktstr_init)
{
	u32 i;
	s32 err;

	state.start_ns = bpf_ktime_get_ns();
	for (i = 0; i < KTSTR_MAX_LLCS && i < cfg.nr_llcs; i++) {
		err = scx_bpf_create_dsq(i, -1);
		if (err)
			return err;
	}
	err = scx_bpf_create_dsq(KTSTR_DEGRADE_DSQ, -1);
	if (!err)
		err = scx_bpf_create_dsq(KTSTR_PENALTY_DSQ, -1);
	if (!err)
		err = scx_bpf_create_dsq(KTSTR_STARVE_DSQ, -1);
	if (!err)
		err = scx_bpf_create_dsq(KTSTR_ONE_CPU_DSQ, -1);
	return err ? err : scx_bpf_create_dsq(KTSTR_STALL_DSQ, -1);
}

void BPF_STRUCT_OPS(ktstr_exit, struct scx_exit_info *ei)
{
	state.uei.exit_code = ei->exit_code;
	bpf_probe_read_kernel_str(state.uei.reason, sizeof(state.uei.reason), ei->reason);
	bpf_probe_read_kernel_str(state.uei.msg, sizeof(state.uei.msg), ei->msg);
	barrier();	/* kind last: the loader polls it */
	state.uei.kind = ei->kind;
}

SEC(".struct_ops.link")
struct sched_ext_ops ktstr_ops = {
	.select_cpu = (void *)ktstr_select_cpu,
	.enqueue = (void *)ktstr_enqueue,
	.dispatch = (void *)ktstr_dispatch,
	.tick = (void *)ktstr_tick,
	.update_idle = (void *)ktstr_update_idle,
	.running = (void *)ktstr_running,
	.stopping = (void *)ktstr_stopping,
	.enable = (void *)ktstr_enable,
	.init = (void *)ktstr_init,
	.exit = (void *)ktstr_exit,
	.flags = SCX_OPS_KEEP_BUILTIN_IDLE,	/* update_idle set; select_cpu_dfl needs it */
	.timeout_ms = 3000,
	.name = "ktstr",
};
