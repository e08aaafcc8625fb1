/*
 * Counters that only grow (sched_ext's events, the BPF programs' runs and
 * time, the runqueues' schedstats), judged by what they grew by between the
 * first and the last judged sample that carried them.
 */
#ifndef KTSTR_PROBE_COUNTERS_H
#define KTSTR_PROBE_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "counterset.h"
#include "samplerec.h"

struct counter_span {
	bool any;		/* first and last are set */
	struct counterset first, last;
	long long first_ms, last_ms;
};

/* Keep totals (NULL: the sample had none) as the last, and as the first if none. */
void counter_span_note(struct counter_span *s, const struct counterset *totals, long long t_ms);
void counter_span_free(struct counter_span *s);

/*
 * A sample's cpus[].schedstat summed over its CPUs into sum: 0, or -1 when
 * no CPU has them.
 */
int schedstat_totals(const struct sample *sample, struct counterset *sum);

/*
 * Into the monitor summary out: "events" (growth of each), "fallback_rate"
 * (select_cpu_fallback per second) and "keep_last_rate" (dispatch_keep_last
 * per second and CPU, over ncpu CPUs); "progs"; "schedstat_per_s".
 */
void counters_events(const struct counter_span *events, size_t ncpu, json_t *out);
void counters_progs(const struct counter_span *progs, json_t *out);
void counters_schedstat(const struct counter_span *schedstat, json_t *out);

#endif
