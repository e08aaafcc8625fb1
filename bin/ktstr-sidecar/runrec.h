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

/* The stored run record for a job and its verdict. */
json_t *runrec_build(const struct job_seen *js, json_t *verdict,
		     const struct run_ctx *ctx, long long now);

#endif
