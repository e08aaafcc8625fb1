#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "cpulist.h"
#include "die.h"
#include "judge.h"

struct job_state *job_state_get(struct job_state **list, const char *id)
{
	struct job_state *js;

	for (js = *list; js; js = js->next)
		if (!strcmp(js->id, id))
			return js;
	js = xcalloc(1, sizeof(*js));
	js->id = xstrdup(id);
	js->workers = json_array();
	js->console = json_array();
	js->next = *list;
	*list = js;
	return js;
}

void job_state_free(struct job_state *js)
{
	free(js->id);
	json_decref(js->job);
	json_decref(js->vm_started);
	json_decref(js->topo_check);
	json_decref(js->scenario_end);
	json_decref(js->workers);
	json_decref(js->console);
	free(js);
}

static void keep(json_t **slot, json_t *rec)
{
	json_decref(*slot);
	*slot = json_incref(rec);
}

void job_state_note(struct job_state *js, json_t *rec)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *phase = json_string_value(json_object_get(rec, "phase"));

	if (!strcmp(type, "job"))
		keep(&js->job, rec);
	else if (!strcmp(type, "vm") && phase && !strcmp(phase, "started"))
		keep(&js->vm_started, rec);
	else if (!strcmp(type, "topo_check"))
		keep(&js->topo_check, rec);
	else if (!strcmp(type, "scenario_end"))
		keep(&js->scenario_end, rec);
	else if (!strcmp(type, "step"))
		js->steps_seen++;
	else if (!strcmp(type, "worker"))
		json_array_append(js->workers, rec);
	else if (!strcmp(type, "console"))
		json_array_append(js->console, rec);
}

static void detail(json_t *details, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void detail(json_t *details, const char *kind, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(details, json_pack("{s:s, s:s}", "kind", kind,
						 "message", msg));
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/* CPUs in used but not in allowed, as a list; "" when none. */
static void cpus_outside(const char *used, const char *allowed, char *buf,
			 size_t len)
{
	struct cpuset u, a, out;
	char err[128];

	buf[0] = '\0';
	if (!used || !allowed || cpulist_parse(used, &u, err, sizeof(err)) ||
	    cpulist_parse(allowed, &a, err, sizeof(err)))
		return;
	cpuset_zero(&out);
	for (int c = cpuset_next(&u, 0); c >= 0; c = cpuset_next(&u, (unsigned)c + 1))
		if (!cpuset_has(&a, (unsigned)c))
			cpuset_set(&out, (unsigned)c);
	cpulist_format(&out, buf, len);
}

static void check_isolation(json_t *w, json_t *details)
{
	const char *cg = str_or(w, "cgroup", "?");
	json_int_t tid = json_integer_value(json_object_get(w, "tid"));
	json_t *steps = json_object_get(w, "steps"), *st;
	char out[256];
	size_t i;

	if (json_array_size(steps)) {
		json_array_foreach(steps, i, st) {
			cpus_outside(str_or(st, "cpus_used", NULL),
				     str_or(st, "cpuset", NULL), out, sizeof(out));
			if (*out)
				detail(details, "Isolation",
				       "%s: tid %lld ran on CPUs %s outside its cpuset %s in step %lld",
				       cg, (long long)tid, out, str_or(st, "cpuset", ""),
				       (long long)json_integer_value(json_object_get(st, "index")));
		}
		return;
	}
	cpus_outside(str_or(w, "cpus_used", NULL), str_or(w, "cpuset", NULL), out,
		     sizeof(out));
	if (*out)
		detail(details, "Isolation",
		       "%s: tid %lld ran on CPUs %s outside its cpuset %s", cg,
		       (long long)tid, out, str_or(w, "cpuset", ""));
}

struct cg_stats {
	const char *name;
	unsigned workers;
	double work_units, min_off, max_off, max_gap_ms;
};

static struct cg_stats *cg_find(struct cg_stats *cgs, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(cgs[i].name, name))
			return &cgs[i];
	cgs[*n] = (struct cg_stats){ .name = name, .min_off = 1e300 };
	return &cgs[(*n)++];
}

/* Worker checks (reference §5.2) and per-cgroup stats. */
static json_t *check_workers(json_t *workers, json_t *th, json_t *details)
{
	size_t nw = json_array_size(workers), ncg = 0, i;
	struct cg_stats *cgs = xcalloc(nw + 1, sizeof(*cgs));
	double total = 0, gap_limit = num(th, "max_gap_ms");
	double spread_limit = num(th, "max_spread_pct");
	json_t *w, *stats, *cgo;

	json_array_foreach(workers, i, w) {
		const char *cg = str_or(w, "cgroup", "?");
		double units = num(w, "work_units"), wall = num(w, "wall_time_ns");
		double off = wall > 0 ? num(w, "off_cpu_ns") * 100.0 / wall : 0;
		json_int_t tid = json_integer_value(json_object_get(w, "tid"));
		struct cg_stats *s = cg_find(cgs, &ncg, cg);

		s->workers++;
		s->work_units += units;
		total += units;
		if (off < s->min_off)
			s->min_off = off;
		if (off > s->max_off)
			s->max_off = off;
		if (num(w, "max_gap_ms") > s->max_gap_ms)
			s->max_gap_ms = num(w, "max_gap_ms");
		if (json_is_true(json_object_get(th, "not_starved")) && units <= 0)
			detail(details, "Starved", "%s: tid %lld starved (0 work units in %.1f s)",
			       cg, (long long)tid, wall / 1e9);
		if (gap_limit > 0 && num(w, "max_gap_ms") > gap_limit)
			detail(details, "Stuck",
			       "%s: tid %lld stuck %.0f ms on cpu %lld at +%.0f ms (limit %.0f ms)",
			       cg, (long long)tid, num(w, "max_gap_ms"),
			       (long long)json_integer_value(json_object_get(w, "max_gap_cpu")),
			       num(w, "max_gap_at_ms"), gap_limit);
		if (json_is_true(json_object_get(th, "isolation")))
			check_isolation(w, details);
	}
	stats = json_pack("{s:i, s:f, s:o}", "workers", (json_int_t)nw,
			  "total_work_units", total, "cgroups", json_object());
	cgo = json_object_get(stats, "cgroups");
	for (i = 0; i < ncg; i++) {
		struct cg_stats *s = &cgs[i];
		double spread = s->workers ? s->max_off - s->min_off : 0;

		if (json_is_true(json_object_get(th, "not_starved")) && spread_limit > 0 &&
		    s->workers >= 2 && spread > spread_limit)
			detail(details, "Unfair",
			       "%s: unfair: off-CPU spread %.1f%% (%.1f-%.1f%%) over %u workers (limit %.0f%%)",
			       s->name, spread, s->min_off, s->max_off, s->workers, spread_limit);
		json_object_set_new(cgo, s->name,
			json_pack("{s:i, s:f, s:f, s:f, s:f, s:f}", "workers", (json_int_t)s->workers,
				  "work_units", s->work_units,
				  "min_off_cpu_pct", s->workers ? s->min_off : 0,
				  "max_off_cpu_pct", s->max_off, "spread_pct", spread,
				  "max_gap_ms", s->max_gap_ms));
	}
	free(cgs);
	return stats;
}

/* Why the run gave no verdict of its own, or NULL when the scenario ended. */
static void judge_unfinished(struct job_state *js, json_t *vm_exit,
			     json_t *details, const char **result, char *reason,
			     size_t len)
{
	const char *why = vm_exit ? str_or(vm_exit, "reason", "unknown") : NULL;
	size_t i;
	json_t *c;

	if (!vm_exit) {
		*result = "inconclusive";
		snprintf(reason, len, "the stream ended without the VM's exit record");
		return;
	}
	if (js->steps_seen && !strcmp(why, "panic")) {
		*result = "fail";
		detail(details, "KernelPanic", "the guest kernel panicked during the scenario");
		json_array_foreach(js->console, i, c)
			detail(details, "Console", "%s", str_or(c, "line", ""));
		snprintf(reason, len, "kernel panic");
		return;
	}
	if (js->steps_seen && !strcmp(why, "timeout")) {
		*result = "fail";
		detail(details, "Timeout", "the scenario did not end before the VM timeout");
		snprintf(reason, len, "timeout during the scenario");
		return;
	}
	*result = "inconclusive";
	snprintf(reason, len, "VM ended (%s) before the scenario %s", why,
		 js->steps_seen ? "ended" : "started");
}

static void judge_topo_check(json_t *tc, char *reason, size_t len)
{
	json_t *mm = json_object_get(tc, "mismatches");
	const char *first = json_string_value(json_array_get(mm, 0));

	snprintf(reason, len, "guest topology does not match the job%s%s",
		 first ? ": " : "", first ? first : "");
}

json_t *judge_job(struct job_state *js, json_t *vm_exit, json_t *checks,
		  json_t *overrides)
{
	const char *accel = str_or(js->vm_started, "accel",
				   str_or(vm_exit, "accel", "kvm"));
	json_t *details = json_array(), *stats = NULL, *th, *v;
	const char *result = "pass", *se;
	char reason[512] = "";

	th = checks_for_accel(checks, accel, overrides);
	se = str_or(js->scenario_end, "result", NULL);
	if (!vm_exit) {
		judge_unfinished(js, vm_exit, details, &result, reason, sizeof(reason));
	} else if (js->topo_check && json_is_false(json_object_get(js->topo_check, "ok"))) {
		result = "inconclusive";
		judge_topo_check(js->topo_check, reason, sizeof(reason));
	} else if (!se) {
		judge_unfinished(js, vm_exit, details, &result, reason, sizeof(reason));
	} else if (!strcmp(se, "skip")) {
		result = "skip";
		snprintf(reason, sizeof(reason), "%s", str_or(js->scenario_end, "reason", ""));
	} else if (strcmp(se, "ok")) {
		result = "inconclusive";
		snprintf(reason, sizeof(reason), "scenario could not run: %s",
			 str_or(js->scenario_end, "reason", se));
	} else {
		stats = check_workers(js->workers, th, details);
		if (!json_array_size(js->workers))
			detail(details, "NoWorkers", "the scenario reported no workers");
		if (json_array_size(details))
			result = "fail";
	}
	v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "verdict",
		      "job", js->id, "test", str_or(js->job, "test", js->id),
		      "topo", str_or(json_object_get(js->job, "topo"), "name", "?"),
		      "scheduler", str_or(json_object_get(js->job, "scheduler"), "name", "eevdf"),
		      "result", result);
	if (*reason)
		json_object_set_new(v, "reason", json_string(reason));
	json_object_set_new(v, "details", details);
	if (stats)
		json_object_set_new(v, "stats", stats);
	json_object_set_new(v, "accel", json_string(accel));
	if (vm_exit)
		json_object_set(v, "wall_ms", json_object_get(vm_exit, "wall_ms"));
	json_object_set_new(v, "thresholds", th);
	return v;
}
