/*
 * A recorded `sample` record back into a struct sample (--replay), so that
 * recorded and live samples go through the same summary.
 */
#ifndef KTSTR_PROBE_SAMPLEPARSE_H
#define KTSTR_PROBE_SAMPLEPARSE_H

#include <jansson.h>

#include "samplerec.h"

/*
 * rec into s (cleared first). Keys of the wrong type count as missing;
 * every "cpus" and "waiting" entry gets its place, in order, whatever it
 * holds. s borrows rec's "sched_domains": rec must outlive its use.
 */
void sample_parse(struct sample *s, json_t *rec);

/* The waiters' counted_ms (the monitor's) into rec, the record s was parsed from. */
void sample_store_counted(const struct sample *s, json_t *rec);

#endif
