/* The scenario executor's state, shared by runner.c and ops.c. */
#ifndef KTSTR_RUNNER_H
#define KTSTR_RUNNER_H

#include "init.h"

struct cg_state {
	char *name;
	bool has_cpuset;
	struct cpuset cpus;
	bool local;			/* defined by a step: removed when that step ends */
	unsigned ngroups;		/* worker groups spawned into it so far */
	bool hist_set[MAX_STEPS];	/* its cpuset during each step */
	bool hist_has[MAX_STEPS];
	struct cpuset *hist;
};

/* Workers forked and moved but not started yet (apply_defs). */
struct pending_start {
	const char *name;		/* the cgroup ("" for host workers), borrowed */
	const struct group *g;
	unsigned first, end;		/* their range in ws */
};

struct runner {
	struct events *ev;
	const struct systopo *topo;
	const struct scenario *sc;
	struct worker_set ws;
	struct sched *sched;		/* the scheduler under test (inactive for EEVDF) */
	struct cg_state *cg;
	unsigned ncg;
	unsigned step;
	uint64_t t0_ns;
	unsigned duration_ms;
	uint64_t rng;
	unsigned nerrors, nworkers;
	unsigned stuck_seen;		/* worker_stuck notes already emitted */
	char first_error[512];
	bool defer_start;		/* spawn_group queues the start in pending */
	struct pending_start *pending;
	unsigned npending;
	json_t *payload_defs;		/* job.payloads: NAME -> {args, ...}, borrowed */
};

void runner_error(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct cg_state *runner_cg(struct runner *r, const char *name);
void runner_sleep_ms(struct runner *r, uint64_t ms);

/* ops.c */
void apply_def(struct runner *r, const struct cgdef *d, bool local);
/* apply_def each, then start all their workers at once. */
void apply_defs(struct runner *r, const struct cgdef *defs, unsigned n, bool local);
void apply_op(struct runner *r, const struct op *o);
/* Stop and report the workers of name (and, with subtree, of the cgroups below it). */
void stop_cgroup_workers(struct runner *r, const char *name, bool subtree);
void remove_cgroup_state(struct runner *r, const char *name);
/* payload.c: the payload ops, and what becomes of payloads still running */
void payload_run(struct runner *r, const struct op *o);
void payload_wait(struct runner *r, const struct op *o);
void payload_kill(struct runner *r, const struct op *o);
void payloads_poll(struct runner *r);
void payloads_end(struct runner *r);

int affinity_resolve(struct runner *r, const struct affinity *a, const struct cpuset *pool,
		     struct cpuset *out);

#endif
