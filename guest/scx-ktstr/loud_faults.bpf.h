/*
 * Faults the kernel or the host names for what they are (included by
 * scx_ktstr.bpf.c):
 *   --stall-after, /tmp/ktstr_stall: user tasks stop running, and the kernel
 *   watchdog names the starved task;
 *   --error-after, the host's crash flag: scx_bpf_error() ends the scheduler;
 *   --slow US: every enqueue spins US microseconds;
 *   KTSTR_VERIFIER_FAIL at build time: the verifier refuses the program.
 */
#ifndef LOUD_FAULTS_BPF_H
#define LOUD_FAULTS_BPF_H

/* True once user tasks must stop running (--stall-after, /tmp/ktstr_stall). */
static bool stalling(void)
{
	if (state.stalling)
		return true;
	if (state.stall || (cfg.stall_after_ns && elapsed_ns() >= cfg.stall_after_ns)) {
		state.stalling = 1;
		return true;
	}
	return false;
}

/* A stall starves user tasks; kthreads (the watchdog's work item among them) keep running. */
static bool stall_parks(struct task_struct *p)
{
	return !(p->flags & PF_KTHREAD) && stalling();
}

/* --error-after and the host's .bss crash flag end the scheduler with an error. */
static void raise_injected_errors(void)
{
	if (state.error_fired)
		return;
	if (state.crash) {
		state.error_fired = 1;
		ktstr_error("ktstr: host-triggered crash");
	} else if (cfg.error_after_ns && elapsed_ns() >= cfg.error_after_ns) {
		state.error_fired = 1;
		ktstr_error("ktstr: injected error after %llu ms", cfg.error_after_ns / 1000000);
	}
}

static long slow_spin_step(u64 index, void *ctx)
{
	u64 *end = ctx;

	return bpf_ktime_get_ns() >= *end;	/* 1 stops the loop */
}

/* --slow: burn cfg.slow_ns in the calling callback. */
static void slow_spin(void)
{
	u64 end;

	if (!cfg.slow_ns)
		return;
	end = bpf_ktime_get_ns() + cfg.slow_ns;
	bpf_loop(1 << 22, slow_spin_step, &end, 0);
	stat_inc(KTSTR_STAT_SLOW_SPINS);
}

#ifdef KTSTR_VERIFIER_FAIL
/*
 * The deliberate verifier failure: a store past the end of the stats map
 * value, after a loop the verifier walks iteration by iteration (its log
 * repeats, as real schedulers' logs do).
 */
static void verifier_fail(struct task_struct *p)
{
	u32 key = 0, sum = 0;
	u64 *cnt = bpf_map_lookup_elem(&stats, &key);

	if (!cnt)
		return;
#pragma clang loop unroll(disable)
	for (int i = 0; i < 12; i++) {
		if (p->pid > i)
			sum += i;
		else
			sum += 2;
	}
	cnt[64] = sum;
}
#else
static void verifier_fail(struct task_struct *p)
{
	(void)p;
}
#endif

#endif
