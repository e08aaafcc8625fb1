/*
 * Payload verdicts: a payload that exited non-zero, died of a signal or ran
 * past its timeout fails the job with its status and the tail of its output;
 * its metrics (per its definition, carried in job.payloads) are judged by the
 * definition's checks and the op's, and stored for compare.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "payload.h"

#define TAIL_LINES 8

/* The last TAIL_LINES non-empty lines of stderr, then of stdout, as an array. */
static json_t *output_tail(json_t *rec)
{
	static const char *const streams[] = { "stderr", "stdout" };
	json_t *lines = json_array();

	for (int s = 0; s < 2; s++) {
		const char *text = rec_str(rec, streams[s], "");
		const char *end = text + strlen(text), *p = end;
		int n = 0;

		while (p > text && n < TAIL_LINES) {
			const char *e = p;

			while (e > text && e[-1] == '\n')
				e--;
			p = e;
			while (p > text && p[-1] != '\n')
				p--;
			if (e > p) {
				json_array_insert_new(lines, json_array_size(lines) - (size_t)n,
						      json_sprintf("%s: %.*s", streams[s], (int)(e - p), p));
				n++;
			}
		}
	}
	return lines;
}

/* The exit status against {"exit_code": N} (default 0); a stopped payload passes. */
static void judge_exit(struct verdict_ctx *v, json_t *rec, json_t *checks, const char *who)
{
	const char *status = rec_str(rec, "status", "exited");
	json_int_t want = 0, code = json_integer_value(json_object_get(rec, "exit_code"));
	json_t *c, *d, *tail;
	size_t i;

	json_array_foreach(checks, i, c)
		if (json_object_get(c, "exit_code"))
			want = json_integer_value(json_object_get(c, "exit_code"));
	if (!strcmp(status, "stopped") || (!strcmp(status, "exited") && code == want))
		return;
	if (!strcmp(status, "timed_out"))
		d = detail_add(v, "PayloadTimeout", true, "%s ran past its timeout and was killed after %lld ms",
			       who, (long long)json_integer_value(json_object_get(rec, "elapsed_ms")));
	else if (!strcmp(status, "signaled"))
		d = detail_add(v, "PayloadExit", true, "%s was killed by signal %lld", who,
			       (long long)json_integer_value(json_object_get(rec, "signal")));
	else
		d = detail_add(v, "PayloadExit", true, "%s exited with status %lld (expected %lld)", who,
			       (long long)code, (long long)want);
	tail = output_tail(rec);
	detail_append_lines(d, "its last output:", tail);
	json_decref(tail);
}

static void judge_check(struct verdict_ctx *v, json_t *c, json_t *metrics, json_t *raw, const char *who)
{
	const char *name = rec_str(c, "metric", NULL);
	json_t *m = name ? json_object_get(metrics, name) : NULL, *r = json_object_get(c, "range");
	double x, lo, hi;

	if (!name)
		return;		/* exit_code: judge_exit */
	if (!m && !json_object_get(raw, name)) {
		detail_add(v, "PayloadMetric", true, "%s: metric %s is missing from its output", who, name);
		return;
	}
	x = m ? rec_num(m, "value") : json_number_value(json_object_get(raw, name));
	lo = r ? json_number_value(json_array_get(r, 0)) : rec_num(c, "min");
	hi = r ? json_number_value(json_array_get(r, 1)) : rec_num(c, "max");
	if ((r || json_object_get(c, "min")) && x < lo)
		detail_add(v, "PayloadMetric", true, "%s: %s = %g, below the minimum %g", who, name, x, lo);
	if ((r || json_object_get(c, "max")) && x > hi)
		detail_add(v, "PayloadMetric", true, "%s: %s = %g, above the maximum %g", who, name, x, hi);
}

/* The defined metrics found in the record's output: {NAME: {value, unit, polarity[, gates]}}. */
static json_t *defined_metrics(const struct payload_def *d, json_t *rec, json_t *raw[2])
{
	json_t *out = json_object();

	for (size_t i = 0; i < d->nmetrics; i++) {
		const struct payload_metric *m = &d->metrics[i];
		const char *text = rec_str(rec, m->stderr_stream ? "stderr" : "stdout", "");
		json_t *e;
		double x;

		if (!raw[m->stderr_stream])
			raw[m->stderr_stream] = payload_raw_metrics(d, text);
		if (!payload_metric_value(m, raw[m->stderr_stream], text, &x))
			continue;
		e = json_pack("{s:f, s:s, s:s}", "value", x, "unit", m->unit, "polarity", m->polarity);
		if (m->abs_gate >= 0)
			json_object_set_new(e, "abs_gate", json_real(m->abs_gate));
		if (m->rel_gate >= 0)
			json_object_set_new(e, "rel_gate", json_real(m->rel_gate));
		if (m->rel_gate_tcg >= 0)
			json_object_set_new(e, "rel_gate_tcg", json_real(m->rel_gate_tcg));
		json_object_set_new(out, m->name, e);
	}
	return out;
}

static json_t *judge_one(struct verdict_ctx *v, json_t *rec)
{
	const char *name = rec_str(rec, "payload", "?"), *id = rec_str(rec, "id", name);
	json_t *def = json_object_get(json_object_get(json_object_get(v->js->job, "payloads"), name),
				      "definition");
	json_t *checks = json_array(), *raw[2] = { NULL, NULL }, *metrics, *c;
	struct payload_def d;
	char who[256], err[512];
	size_t i;

	snprintf(who, sizeof(who), "payload %s%s%s", id, json_is_string(json_object_get(rec, "cgroup")) ?
		 " in " : "", rec_str(rec, "cgroup", ""));
	if (!def || payload_def_parse(def, &d, err, sizeof(err)) < 0) {
		detail_add(v, "PayloadDefinition", true, "%s: %s", who,
			   def ? err : "the job carries no definition for it (job.payloads)");
		memset(&d, 0, sizeof(d));
	}
	if (json_is_array(d.checks))
		json_array_extend(checks, d.checks);
	if (json_is_array(json_object_get(rec, "checks")))
		json_array_extend(checks, json_object_get(rec, "checks"));
	judge_exit(v, rec, checks, who);
	metrics = defined_metrics(&d, rec, raw);
	if (d.nmetrics && !json_object_size(metrics))
		detail_add(v, "PayloadNoMetrics", false, "%s: none of its metrics found in its %s "
			   "(%lld bytes)", who, d.stderr_stream ? "stderr" : "stdout",
			   (long long)json_integer_value(json_object_get(rec, d.stderr_stream ?
									 "stderr_bytes" : "stdout_bytes")));
	if (!raw[0])
		raw[0] = d.doc ? payload_raw_metrics(&d, rec_str(rec, d.stderr_stream ? "stderr" : "stdout", "")) : json_object();
	json_array_foreach(checks, i, c)
		judge_check(v, c, metrics, raw[0], who);
	payload_def_free(&d);
	json_decref(raw[0]);
	json_decref(raw[1]);
	json_decref(checks);
	return json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "id", id, "payload", name,
			 "cgroup", json_object_get(rec, "cgroup") ? json_object_get(rec, "cgroup") : json_null(),
			 "step", json_object_get(rec, "step") ? json_object_get(rec, "step") : json_null(),
			 "status", json_object_get(rec, "status"),
			 "exit_code", json_object_get(rec, "exit_code") ? json_object_get(rec, "exit_code") : json_null(),
			 "elapsed_ms", json_object_get(rec, "elapsed_ms") ? json_object_get(rec, "elapsed_ms") : json_null(),
			 "args", json_object_get(rec, "args") ? json_object_get(rec, "args") : json_array(),
			 "metrics", metrics);
}

void judge_payloads(struct verdict_ctx *v, json_t *out)
{
	json_t *runs = json_array(), *flat = json_object(), *rec, *m;
	const char *key;
	size_t i;

	json_array_foreach(v->js->payloads, i, rec) {
		json_t *one = judge_one(v, rec);

		json_object_foreach(json_object_get(one, "metrics"), key, m) {
			char name[300];

			snprintf(name, sizeof(name), "%s.%s", rec_str(one, "id", "?"), key);
			json_object_set(flat, name, m);
		}
		json_array_append_new(runs, one);
	}
	if (!json_array_size(runs)) {
		json_decref(runs);
		json_decref(flat);
		return;
	}
	json_object_set_new(out, "payloads", runs);
	json_object_set_new(out, "payload_metrics", flat);
}
