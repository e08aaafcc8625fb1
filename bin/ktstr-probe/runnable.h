/*
 * The tasks sched_ext holds runnable on a CPU but is not running: the rq's
 * runnable list, the one the kernel's own stall watchdog walks. Each task
 * there carries runnable_at, the jiffies when it last became runnable after
 * running, so jiffies - runnable_at is how long it has been waiting.
 */
#ifndef KTSTR_PROBE_RUNNABLE_H
#define KTSTR_PROBE_RUNNABLE_H

#include "sample.h"

/* Waiters reported per CPU at most (the longest waits), and the shortest wait reported. */
#define RUNNABLE_MAX_REPORTED 8
#define RUNNABLE_MIN_WAIT_TICKS 2

/*
 * Into the CPU c of out: "runnable" (tasks on the list) and "waiting", the
 * longest waiters [{pid, comm, tgid, kthread, weight, allowed, runnable_at,
 * wait_ms}], longest first, for the rq at rq with the guest's jiffies now.
 * Nothing when this kernel has no sched_ext runnable list.
 */
void runnable_read(struct sampler *s, uint64_t rq, uint64_t jiffies, struct sample *out,
		   struct sample_cpu *c);

#endif
