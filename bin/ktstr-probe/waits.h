/*
 * How long runnable sched_ext tasks waited, from the waiting lists of the
 * sample records (runnable.h): the starvation and work-conservation parts of
 * the monitor summary.
 *
 * A wait counts only the time its CPU's vCPU could run: sample intervals in
 * which the host held the vCPU thread back (it ran less than two guest
 * ticks while it waited at least that long for a host CPU) are taken off, so
 * a host that descheduled a vCPU never makes a task look starved. An idle
 * vCPU sleeps on the host and is not held back: a task left waiting beside
 * an idle CPU counts in full.
 */
#ifndef KTSTR_PROBE_WAITS_H
#define KTSTR_PROBE_WAITS_H

#include <jansson.h>

#include "samplerec.h"

/* Tasks whose counted wait reached this are listed one by one in the summary. */
#define WAITS_REPORT_MS 250
/* A task waiting this long beside an idle CPU it may use makes that CPU "idle while waited for". */
#define WAITS_IDLE_MIN_MS 8

struct waits;

/* preempt_ns: less host CPU time than this between samples is a vCPU the host held back. */
struct waits *waits_new(long long preempt_ns);
void waits_free(struct waits *w);

/*
 * Note one sample of any phase: set counted_ms of each entry of its CPUs'
 * waiting lists (the sample is changed), remember the longest waits, and
 * for judged samples the CPUs that sat idle while a task that may run there
 * waited.
 */
void waits_add(struct waits *w, struct sample *sample, int judged);

/*
 * The summary's fields into out: max_runnable_wait_ms, starved[] and
 * idle_while_waiting*, with times also from the first sample of the
 * scenario (the first to carry a "step").
 */
void waits_summary(const struct waits *w, json_t *out);

#endif
