/* Per-job state and the verdict it turns into when the VM exits. */
#ifndef KTSTR_EVAL_JUDGE_H
#define KTSTR_EVAL_JUDGE_H

#include <stdbool.h>
#include <jansson.h>

#include "timeline.h"

struct job_state {
	char *id;
	json_t *job;		/* the job record, if it passed by */
	json_t *vm_started;	/* vm phase "started" */
	json_t *topo_check;
	json_t *scenario_end;
	json_t *monitor;	/* ktstr-probe's summary, if any */
	json_t *workers;	/* worker records */
	json_t *steps;		/* step records */
	json_t *sched;		/* sched events, in order */
	json_t *console;	/* notable console lines: the first CONSOLE_HEAD */
	json_t *console_tail;	/* and the last CONSOLE_TAIL or so after them */
	size_t console_dropped;	/* between the two */
	struct timeline *tl;	/* samples cut at the steps */
	json_t *payloads;	/* payload records */
	json_t *compat;		/* kernel_compat records: an op done another way on this kernel */
	struct job_state *next, *prev;	/* the list, most recently seen first */
	struct job_state *hnext;	/* the hash chain */
};

/* Every job seen, most recently seen first, with an index by id (30,000 jobs in one stream). */
struct job_list {
	struct job_state *head, *tail;
	struct job_state **buckets;
	size_t nbuckets, n;
};

/* Found (and moved to the front: a job's records mostly come together) or added. */
struct job_state *job_state_get(struct job_list *l, const char *id);
/* Unlink and free. */
void job_state_drop(struct job_list *l, struct job_state *js);
/* The least recently seen job, or NULL. */
static inline struct job_state *job_list_oldest(struct job_list *l) { return l->tail; }
void job_list_free(struct job_list *l);
void job_state_free(struct job_state *js);
void job_state_note(struct job_state *js, json_t *rec);
/*
 * The record types job_state_note and the verdict use (keep in step with it);
 * the others (sample, guest, output...) are only copied through.
 */
int job_state_wants(const char *type);
/* records.c: 0, or -1 and why a worker, step, scenario_end or sample record cannot be judged. */
int record_validate(json_t *rec, char *err, size_t len);

/*
 * The verdict record for a job whose VM ended with vm_exit (NULL when the
 * stream ended without one). checks: all of checks.json; overrides may be NULL.
 */
json_t *judge_job(struct job_state *js, json_t *vm_exit, json_t *checks,
		  json_t *overrides);

/* What the checks write into: the details and how many of them fail the job. */
struct verdict_ctx {
	struct job_state *js;
	json_t *th;		/* merged thresholds */
	json_t *details;
	int failures;
	bool retry;		/* the harness or emulator failed, not the scheduler: run it again */
	int host_held;		/* harms not judged: the host ran their vCPUs too little */
	int host_held_pct;	/* the most a vCPU of those harms waited for a host CPU, % */
	json_t *payload_out;	/* "payloads" and "payload_metrics" for the verdict (payload.c) */
};

/* Append {kind, message}; fails counts it as a failure. Returns the detail. */
json_t *detail_add(struct verdict_ctx *v, const char *kind, bool fails,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Append "\n" + each line of lines (an array of strings) to the detail's message. */
void detail_append_lines(json_t *detail, const char *heading, json_t *lines);

/* "step I of N (X s into the test)" for a guest step index and event time. */
void step_phrase(struct verdict_ctx *v, json_int_t step, json_t *t_ms, char *buf, size_t len);
/* A step index counted from 1 for messages (the largest index stays itself, not wrapping). */
long long step_no(json_int_t index);
/* Steps the scenario had (scenario_end.steps, else the step records seen). */
json_int_t steps_total(struct job_state *js);

/* checks_workers.c: worker checks; returns the stats object. */
json_t *judge_workers(struct verdict_ctx *v);
/*
 * checks_share.c: CPU shares of equal workers and the CPU the workers could
 * use; adds share_ratio and cpu_use_pct to the cgroups' stats objects.
 */
void judge_shares(struct verdict_ctx *v, json_t *cgroup_stats);
/* checks_sched.c: scheduler start and death; 1 if it failed to start, 2 too slow a host to tell. */
int judge_scheduler(struct verdict_ctx *v, char *reason, size_t len);
void judge_worker_stuck(struct verdict_ctx *v);
/* checks_monitor.c: ktstr-probe's summary against the monitor thresholds. */
void judge_monitor(struct verdict_ctx *v, json_t *monitor);
/* Why a sched_ext run has no usable monitor summary, or NULL. */
const char *monitor_missing(struct verdict_ctx *v);

/* Small accessors. */
double rec_num(json_t *o, const char *key);
const char *rec_str(json_t *o, const char *key, const char *dflt);
/*
 * A worker that keeps its own pace: a fan-out messenger (it waits for its
 * receivers by design) or a Custom binary (it does whatever it does). Its
 * off-CPU time says nothing about how fairly its cgroup was treated.
 */
bool worker_own_pace(json_t *w);
/* Always runnable: one such worker alone can use a whole CPU (CpuSpin, YieldHeavy, ...). */
bool work_cpu_bound(const char *type);
/* The kernel's weight of worker w's policy and nice (nice 0: 1024); 0 for real-time. */
double worker_weight(json_t *w);
/*
 * Equal workers are not compared (share ratio, off-CPU spread) when each is
 * owed less than this share of a CPU while lighter than the CPU-bound
 * workers beside them: what those workers and the peers got together, split
 * by weight. A SCHED_IDLE worker (weight 3) beside nice-0 spinners (1024)
 * gets what they leave, so where the scheduler put it decides its share:
 * two such peers got 0.2% and 6% of a CPU under EEVDF, and 1.6% and 23%.
 */
#define MIN_OWED_SHARE 0.05
/* The weighed workers beside a peer group: their weight, the CPU they got, the heaviest. */
struct owed {
	double weight_sum, got, heaviest;
};
/* Count n workers of this weight (0: real-time, not counted) that got this much CPU together. */
void owed_add(struct owed *o, double weight, unsigned n, double got);
/* Whether a peer of this weight is lighter than the heaviest and owed under MIN_OWED_SHARE. */
bool owed_crumbs(const struct owed *o, double weight);

#endif
