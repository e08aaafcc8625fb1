/* What the work loops share (work.c and its families: work_sync.c, work_churn.c, work_custom.c). */
#ifndef KTSTR_WORK_H
#define KTSTR_WORK_H

#include "telemetry.h"

struct work_ctx {
	const struct work *w;
	const struct partner *p;
	struct telem *t;
	volatile int *stop;
	json_t *extra;		/* type-specific report fields; they replace telemetry's */
};

void spin(unsigned n);
void sleep_ns(uint64_t ns);
/* Sleep and record how late the wake-up came. */
void timed_sleep(struct telem *t, uint64_t ns);
/* sched_yield and record how long it took to run again. */
void timed_yield(struct telem *t);
/* FUTEX_WAIT while *addr == val, at most timeout_ns; FUTEX_WAKE n. */
long futex_wait(volatile uint32_t *addr, uint32_t val, uint64_t timeout_ns);
long futex_wake(volatile uint32_t *addr, int n);
/* A pipe partner's token: false when stopping or the pair broke. */
bool pipe_recv(struct work_ctx *c);
bool pipe_send(struct work_ctx *c);

/* The loops of the families. */
void loop_cache_pipe(struct work_ctx *c);
void loop_fan_out(struct work_ctx *c);
void loop_mutex(struct work_ctx *c);
void loop_sequence(struct work_ctx *c);
void loop_nice_sweep(struct work_ctx *c);
void loop_affinity_churn(struct work_ctx *c);
void loop_policy_churn(struct work_ctx *c);
void loop_custom(struct work_ctx *c);

#endif
