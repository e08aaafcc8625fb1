/* What `write` remembers about a job until its verdict, and the record it becomes. */
#ifndef KTSTR_SIDECAR_RUNREC_H
#define KTSTR_SIDECAR_RUNREC_H

#include <jansson.h>

struct job_seen {
	char *id;
	json_t *job;		/* the job record */
	json_t *vm_started, *vm_exited;
	json_t *guest;		/* the guest's boot facts (uname) */
	json_t *monitor;	/* ktstr-probe's summary */
	json_t *maps;		/* ktstr-probe's map records (maprec.h) */
	json_t *dumps;		/* the kernel's sched_ext dumps, joined from their parts */
	long long first_seen;	/* time(), when the first record came */
	struct job_seen *next;
};

struct job_seen *job_seen_get(struct job_seen **list, const char *id);
void job_seen_note(struct job_seen *js, json_t *rec);
/* Unlink and free one job. */
void job_seen_drop(struct job_seen **list, struct job_seen *js);

/* What is the same for every job of one `write`. */
struct run_ctx {
	const char *run_id;
	json_t *host;
	json_t *project_commit;
};

/* dumps.c: the `dump` records (parts) of a job. */
#define DUMP_HEAD_LINES 20	/* the run record keeps each dump's first lines */
/* NULL when rec is a well-formed dump part, else what is wrong with it. */
const char *dump_part_check(json_t *rec);
/* Join a part to its dump in dumps (an array, in the order dumps begin). */
void dumps_note(json_t *dumps, json_t *part);
/*
 * Store each dump whole as DIR/JOB.dump-N.txt; the run record's "dumps"
 * ({dump, trigger, exit_kind, reason, message, lines, complete, lost_events,
 * file, head}), or NULL with err.
 */
json_t *dumps_store(json_t *dumps, const char *dir, const char *job, char *err, size_t errlen);

/* The stored run record for a job and its verdict. */
json_t *runrec_build(const struct job_seen *js, json_t *verdict,
		     const struct run_ctx *ctx, long long now);

#endif
