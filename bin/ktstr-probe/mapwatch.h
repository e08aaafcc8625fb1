/*
 * One job's view of its scheduler's BPF maps: a snapshot at every sample
 * while a scheduler is attached, read once more right after it detaches
 * (its final values: the loader still holds the maps then), a `map` record
 * when it fails (sched_ext's exit_kind turns to an error, or the guest
 * reports a kernel_exit) and at the end of the run, and the job's
 * map_writes applied from the host at their time or step, each reported as
 * a `map_write` record.
 */
#ifndef KTSTR_PROBE_MAPWATCH_H
#define KTSTR_PROBE_MAPWATCH_H

#include <jansson.h>

#include "sample.h"

struct mapwatch;

/* 0 when job's "map_writes" (if any) are well formed, else -1 with err naming the entry. */
int mapwatch_check_job(json_t *job, char *err, size_t errlen);

/* For job (its record, checked; NULL: no writes) with id. */
struct mapwatch *mapwatch_new(json_t *job, const char *id);
void mapwatch_free(struct mapwatch *mw);

/* After a sample at t_ms (since the VM started): records to write are appended to out. */
void mapwatch_sample(struct mapwatch *mw, struct sampler *s, long long t_ms, json_t *out);

/* A stream record of the job (step: writes due at it; sched kernel_exit: a failure). */
void mapwatch_record(struct mapwatch *mw, struct sampler *s, json_t *rec, long long t_ms,
		     json_t *out);

/* The VM exited: the end-of-run map record, and writes that never came due. */
void mapwatch_end(struct mapwatch *mw, struct sampler *s, long long t_ms, json_t *out);

#endif
