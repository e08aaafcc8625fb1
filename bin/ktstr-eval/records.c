/*
 * The guest's records, checked before anything judges them: a field of the wrong type or out
 * of range is bad input (exit 2), not a zero that reads as "starved" or a CPU list that reads
 * as "no CPUs outside the cpuset".
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cpulist.h"
#include "judge.h"

/* Step indexes and counts: far beyond any scenario, and +1 cannot overflow. */
#define STEP_MAX INT32_MAX

static int bad(char *err, size_t len, const char *where, const char *key, const char *what)
{
	snprintf(err, len, "%s\"%s\" must be %s", where, key, what);
	return -1;
}

/* Absent or null passes; a present value must be a whole number in [0, max]. */
static int want_count(json_t *o, const char *key, json_int_t max, const char *where,
		      char *err, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return bad(err, len, where, key, max == STEP_MAX ? "a step number from 0 to 2147483647"
							     : "a whole number >= 0");
	return 0;
}

static int want_number(json_t *o, const char *key, const char *where, char *err, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || !(json_number_value(v) >= 0) || !isfinite(json_number_value(v)))
		return bad(err, len, where, key, "a number >= 0");
	return 0;
}

/*
 * Times in ms (on the guest's or the VM's clock; a record may come a little before its
 * start): within 2^53 they stay exact as doubles, and a step's duration, the difference
 * of two, fits an integer.
 */
#define TIME_MS_MAX 9007199254740992.0

static int want_time(json_t *o, const char *key, const char *where, char *err, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || !(fabs(json_number_value(v)) <= TIME_MS_MAX))
		return bad(err, len, where, key, "a time in ms within +-9007199254740992");
	return 0;
}

/* A CPU list (cpus_used, cpuset): a string in kernel list form, or null when nullable. */
static int want_cpulist(json_t *o, const char *key, int nullable, const char *where,
			char *err, size_t len)
{
	json_t *v = json_object_get(o, key);
	struct cpuset cs;
	char why[128];

	if (!v || (nullable && json_is_null(v)))
		return 0;
	if (!json_is_string(v))
		return bad(err, len, where, key, nullable ? "a CPU list or null" : "a CPU list");
	if (cpulist_parse(json_string_value(v), &cs, why, sizeof(why)) < 0) {
		snprintf(err, len, "%s\"%s\": \"%s\": %s", where, key, json_string_value(v), why);
		return -1;
	}
	return 0;
}

static int check_counts(json_t *o, const char *const *keys, const char *where, char *err,
			size_t len)
{
	for (; *keys; keys++)
		if (want_count(o, *keys, INT64_MAX, where, err, len))
			return -1;
	return 0;
}

static int check_worker(json_t *w, char *err, size_t len)
{
	static const char *const counts[] = {
		"tid", "group", "index", "work_units", "iterations", "cpu_time_ns", "wall_time_ns",
		"off_cpu_ns", "migration_count", "schedstat_run_delay_ns",
		"schedstat_run_count", "schedstat_cpu_time_ns", NULL,
	};
	static const char *const wake[] = { "count", "p50_ns", "p99_ns", "max_ns", NULL };
	json_t *steps = json_object_get(w, "steps"), *wl = json_object_get(w, "wake_latency"), *st;
	char where[64];
	size_t i;

	json_t *gc = json_object_get(w, "max_gap_cpu");

	/* max_gap_cpu is -1 when the worker took no checkpoint (a slow ForkExit, a Custom binary) */
	if (gc && !json_is_null(gc) && (!json_is_integer(gc) || json_integer_value(gc) < -1 ||
					json_integer_value(gc) > 65535))
		return bad(err, len, "", "max_gap_cpu", "a CPU number, or -1");
	if (check_counts(w, counts, "", err, len) || want_count(w, "step", STEP_MAX, "", err, len) ||
	    want_number(w, "max_gap_ms", "", err, len) || want_number(w, "max_gap_at_ms", "", err, len) ||
	    want_cpulist(w, "cpus_used", 0, "", err, len) || want_cpulist(w, "cpuset", 1, "", err, len))
		return -1;
	if (json_object_get(w, "policy") && !json_is_string(json_object_get(w, "policy")))
		return bad(err, len, "", "policy", "a string");
	if (json_object_get(w, "nice") && (!json_is_integer(json_object_get(w, "nice")) ||
					   json_integer_value(json_object_get(w, "nice")) < -20 ||
					   json_integer_value(json_object_get(w, "nice")) > 19))
		return bad(err, len, "", "nice", "a whole number from -20 to 19");
	/* null: a spawn_host worker, outside the scenario's cgroups */
	json_t *cg = json_object_get(w, "cgroup");
	if (cg && !json_is_null(cg) && !json_is_string(cg))
		return bad(err, len, "", "cgroup", "a string or null");
	if (wl && !json_is_null(wl)) {
		if (!json_is_object(wl))
			return bad(err, len, "", "wake_latency", "an object");
		if (check_counts(wl, wake, "wake_latency: ", err, len) ||
		    want_number(wl, "cv", "wake_latency: ", err, len))
			return -1;
	}
	if (!steps || json_is_null(steps))
		return 0;
	if (!json_is_array(steps))
		return bad(err, len, "", "steps", "an array");
	json_array_foreach(steps, i, st) {
		snprintf(where, sizeof(where), "steps[%zu]: ", i);
		if (!json_is_object(st)) {
			snprintf(err, len, "steps[%zu] must be an object", i);
			return -1;
		}
		if (want_count(st, "index", STEP_MAX, where, err, len) ||
		    want_count(st, "work_units", INT64_MAX, where, err, len) ||
		    want_cpulist(st, "cpus_used", 0, where, err, len) ||
		    want_cpulist(st, "cpuset", 1, where, err, len))
			return -1;
	}
	return 0;
}

int record_validate(json_t *rec, char *err, size_t len)
{
	const char *type = json_string_value(json_object_get(rec, "type"));

	if (!type)
		return 0;
	if (!strcmp(type, "worker"))
		return check_worker(rec, err, len);
	if (!strcmp(type, "step"))
		return want_count(rec, "index", STEP_MAX, "", err, len) ||
		       want_time(rec, "t_ms", "", err, len);
	if (!strcmp(type, "scenario_end"))
		return want_count(rec, "steps", STEP_MAX, "", err, len) ||
		       want_time(rec, "t_ms", "", err, len);
	if (!strcmp(type, "sample"))
		return want_time(rec, "t_ms", "", err, len);
	return 0;
}
