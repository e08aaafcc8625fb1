/* Per-job state and the verdict it turns into when the VM exits. */
#ifndef KTSTR_EVAL_JUDGE_H
#define KTSTR_EVAL_JUDGE_H

#include <jansson.h>

struct job_state {
	char *id;
	json_t *job;		/* the job record, if it passed by */
	json_t *vm_started;	/* vm phase "started" */
	json_t *topo_check;
	json_t *scenario_end;
	json_t *workers;	/* array of worker records */
	json_t *console;	/* array of notable console lines */
	int steps_seen;
	struct job_state *next;
};

struct job_state *job_state_get(struct job_state **list, const char *id);
void job_state_free(struct job_state *js);
void job_state_note(struct job_state *js, json_t *rec);

/*
 * The verdict record for a job whose VM ended with vm_exit (NULL when the
 * stream ended without one). checks: all of checks.json; overrides may be NULL.
 */
json_t *judge_job(struct job_state *js, json_t *vm_exit, json_t *checks,
		  json_t *overrides);

#endif
