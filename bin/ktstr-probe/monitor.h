/*
 * The `monitor` summary of one job (share/ktstr/schema/monitor.json) from
 * its `sample` records: imbalance, local DSQ depth, rq_clock stalls and
 * sched_ext event rates. Only samples with
 * "phase":"scenario" are judged; the others are ignored.
 */
#ifndef KTSTR_PROBE_MONITOR_H
#define KTSTR_PROBE_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "samplerec.h"

/* Longest window of consecutive samples the summary reports (ktstr-eval looks up sustained_samples). */
#define MONITOR_MAX_WINDOW 10

struct window {
	bool found;
	double value;		/* the window's minimum */
	size_t end;		/* index of its last sample */
};

/*
 * Over the windows of k consecutive values that are all valid, the one with
 * the largest minimum (the earliest on a tie).
 */
struct window best_window(const double *v, const bool *valid, size_t n, size_t k);

/* Ratios, averages and rates go out with 3 decimals (all are >= 0). */
json_t *real3(double x);

struct monitor;

/*
 * preempt_ns: a vCPU given less host CPU time than this between two samples
 * was preempted by the host, so its rq clock standing still is no stall
 * (0: 40 ms, 10 ticks at HZ 250).
 */
struct monitor *monitor_new(unsigned interval_ms, long long preempt_ns);

/*
 * One sample (the caller keeps it). Only samples with "phase":"scenario"
 * are judged, except for runnable waits, which count in every phase (and
 * get their counted_ms set: see waits.h).
 */
void monitor_add(struct monitor *m, struct sample *sample);

/* The monitor record for job (new reference, caller owns), from the judged samples so far. */
json_t *monitor_summary(const struct monitor *m, const char *job);

void monitor_free(struct monitor *m);

#endif
