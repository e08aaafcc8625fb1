/*
 * A stored run's stream.ndjson grouped by job, for `trace` and `report`, with
 * every record's time put on one clock: ktstr-boot's (ms since it started).
 * Samples count from their VM's start and guest events from ktstr-init's start;
 * stream_align finds how far the guest's clock is from the VM's.
 */
#ifndef KTSTR_SIDECAR_STREAM_H
#define KTSTR_SIDECAR_STREAM_H

#include <jansson.h>

struct job_stream {
	const char *id;
	json_t *job, *vm_started, *vm_exited, *verdict, *run, *monitor, *scenario_end;
	json_t *samples;	/* sample records in order */
	json_t *guest;		/* records with a guest t_ms (sched, step, worker, dump, ...) */
	json_t *console;	/* console lines (ktstr-boot's clock) */
	json_t *steps, *workers, *sched, *dumps;	/* also in guest */
	json_t *repro;		/* a traced rerun's repro record (`repro store`) */
	double vm_ms;		/* the VM's start on the run's clock */
	double guest_ms;	/* ktstr-init's start on the run's clock */
	int aligned;		/* 1: by samples (or the monitor's first scenario sample); 0: by the VM's exit */
};

struct run_stream {
	char *dir, *path;	/* RUNS/RUN and its stream.ndjson */
	struct job_stream *jobs;
	size_t n;
	json_t *planned;	/* a gauntlet's jobs.ndjson: its job records, else an empty array */
};

/* Load RUNS/RUN's stream (RUN "latest": the newest run); dies 2 without one. */
void stream_load(struct run_stream *rs, const char *runs_dir, const char *run);
void stream_free(struct run_stream *rs);
/* The job with this id, or the first whose test is which; NULL if none. */
struct job_stream *stream_find(struct run_stream *rs, const char *which);

/* Times on the run's clock, in ms. */
double stream_sample_ms(const struct job_stream *js, json_t *sample);
double stream_guest_ms(const struct job_stream *js, json_t *rec);

/*
 * When a job that did not pass went wrong, on the run's clock: the scheduler's
 * exit or death, else a stuck worker, as the guest saw it, else the monitor's longest
 * wait when the job starved, else the VM's exit. 0 for a job that passed.
 */
int stream_failure_ms(const struct job_stream *js, double *ms);

/* RUNS/RUN as brief.c resolves it ("latest": the newest), malloc'd; dies 2 if none. */
char *run_dir_of(const char *runs_dir, const char *run);

#endif
