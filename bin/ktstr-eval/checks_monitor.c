/*
 * ktstr-probe's `monitor` summary against the monitor thresholds (reference
 * §5.3; fields in share/ktstr/schema/monitor.json). Imbalance and DSQ depth
 * count only when sustained for `sustained_samples` consecutive samples: the
 * probe gives, per window length K, the largest value held for K samples in a
 * row (*_windows); without them the worst single sample is used.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "judge.h"

/* The window entry for exactly k samples, or NULL. */
static json_t *window_for(json_t *monitor, const char *field, double k)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(monitor, field), i, w)
		if (rec_num(w, "samples") == k)
			return w;
	return NULL;
}

static void check_imbalance(struct verdict_ctx *v, json_t *m, double k)
{
	json_t *w = window_for(m, "imbalance_windows", k);
	double limit;

	if (!check_limit(v->th, "max_imbalance_ratio", &limit))
		return;
	if (w && rec_num(w, "ratio") > limit)
		detail_add(v, "Monitor", true,
			   "imbalance ratio %.1f exceeded limit %.1f for %.0f consecutive samples (ending at sample %.0f)",
			   rec_num(w, "ratio"), limit, k, rec_num(w, "end_sample"));
	else if (!json_object_get(m, "imbalance_windows") && rec_num(m, "max_imbalance_ratio") > limit)
		detail_add(v, "Monitor", true,
			   "imbalance ratio %.1f exceeded limit %.1f (worst single sample: the monitor gave no windows)",
			   rec_num(m, "max_imbalance_ratio"), limit);
}

static void check_dsq(struct verdict_ctx *v, json_t *m, double k)
{
	json_t *w = window_for(m, "dsq_depth_windows", k);
	double limit;

	if (!check_limit(v->th, "max_local_dsq_depth", &limit))
		return;
	if (w && rec_num(w, "depth") > limit)
		detail_add(v, "Monitor", true,
			   "local DSQ depth %.0f on cpu %.0f exceeded limit %.0f for %.0f consecutive samples (ending at sample %.0f)",
			   rec_num(w, "depth"), rec_num(w, "cpu"), limit, k, rec_num(w, "end_sample"));
	else if (!json_object_get(m, "dsq_depth_windows") && rec_num(m, "max_local_dsq_depth") > limit)
		detail_add(v, "Monitor", true,
			   "local DSQ depth %.0f on cpu %.0f exceeded limit %.0f (worst single sample: the monitor gave no windows)",
			   rec_num(m, "max_local_dsq_depth"), rec_num(m, "max_local_dsq_depth_cpu"), limit);
}

static void check_stalls(struct verdict_ctx *v, json_t *m, double k)
{
	json_t *stalls = json_object_get(m, "stalls"), *s;
	size_t i;

	if (!check_on(v->th, "fail_on_stall"))
		return;
	json_array_foreach(stalls, i, s)
		if (rec_num(s, "samples") >= k)
			detail_add(v, "Monitor", true,
				   "rq_clock stall on cpu %.0f for %.0f consecutive samples (limit %.0f; ending at sample %.0f, clock=%.0f)",
				   rec_num(s, "cpu"), rec_num(s, "samples"), k, rec_num(s, "end_sample"),
				   rec_num(s, "rq_clock"));
	if (!json_is_array(stalls) && json_is_true(json_object_get(m, "stall_detected")))
		detail_add(v, "Monitor", true, "rq_clock stall detected (the monitor gave no per-CPU detail)");
}

static void check_rate(struct verdict_ctx *v, json_t *m, const char *field, const char *key,
		       const char *what)
{
	double limit;

	if (check_limit(v->th, key, &limit) && json_is_number(json_object_get(m, field)) &&
	    rec_num(m, field) > limit)
		detail_add(v, "Monitor", true, "%s rate %.1f/s exceeded limit %.1f/s", what,
			   rec_num(m, field), limit);
}

void judge_monitor(struct verdict_ctx *v, json_t *m)
{
	json_t *ss = json_object_get(v->th, "sustained_samples");
	double k = json_is_integer(ss) ? (double)json_integer_value(ss) : 1;

	if (json_is_false(json_object_get(m, "initialized")) || rec_num(m, "samples") <= 0)
		return;	/* "monitor data not yet initialized": nothing to judge */
	check_imbalance(v, m, k);
	check_dsq(v, m, k);
	check_stalls(v, m, k);
	check_rate(v, m, "fallback_rate", "max_fallback_rate", "select_cpu fallback");
	check_rate(v, m, "keep_last_rate", "max_keep_last_rate", "dispatch keep_last");
}
