#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks.h"
#include "die.h"
#include "paths.h"

enum check_type { CHECK_BOOL, CHECK_NUMBER, CHECK_COUNT };

/* Every check ktstr-eval knows; nothing else is accepted. */
static const struct {
	const char *name;
	enum check_type type;
} known_checks[] = {
	{ "not_starved", CHECK_BOOL },
	{ "isolation", CHECK_BOOL },
	{ "max_gap_ms", CHECK_NUMBER },
	{ "max_spread_pct", CHECK_NUMBER },
	{ "max_throughput_cv", CHECK_NUMBER },
	{ "min_work_rate", CHECK_NUMBER },
	{ "max_p99_wake_latency_ns", CHECK_NUMBER },
	{ "max_wake_latency_cv", CHECK_NUMBER },
	{ "min_iteration_rate", CHECK_NUMBER },
	{ "max_migration_ratio", CHECK_NUMBER },
	{ "max_share_ratio", CHECK_NUMBER },
	{ "min_cgroup_cpu_pct", CHECK_NUMBER },
	{ "max_imbalance_ratio", CHECK_NUMBER },
	{ "max_local_dsq_depth", CHECK_NUMBER },
	{ "fail_on_stall", CHECK_BOOL },
	{ "sustained_samples", CHECK_COUNT },
	{ "max_fallback_rate", CHECK_NUMBER },
	{ "max_keep_last_rate", CHECK_NUMBER },
	{ "max_runnable_wait_ms", CHECK_NUMBER },
	{ "max_host_wait_pct", CHECK_NUMBER },
	{ "max_idle_cpus_while_waiting", CHECK_NUMBER },
	{ "require_monitor", CHECK_BOOL },
	{ "timeline_imbalance_delta", CHECK_NUMBER },
	{ "timeline_dsq_delta", CHECK_NUMBER },
	{ "timeline_event_rate_delta", CHECK_NUMBER },
	{ "timeline_run_delay_rel", CHECK_NUMBER },
	{ "timeline_work_rate_rel", CHECK_NUMBER },
	{ "timeline_slowest_worker_rel", CHECK_NUMBER },
};
#define NCHECKS (sizeof(known_checks) / sizeof(known_checks[0]))

static int check_index(const char *name)
{
	for (size_t i = 0; i < NCHECKS; i++)
		if (!strcmp(known_checks[i].name, name))
			return (int)i;
	return -1;
}

static const char *type_error(enum check_type t, json_t *v)
{
	if (json_is_null(v))
		return NULL;
	switch (t) {
	case CHECK_BOOL:
		return json_is_boolean(v) ? NULL : "expected true, false or null";
	case CHECK_NUMBER:
		return json_is_number(v) && json_number_value(v) >= 0 ? NULL :
			"expected a number >= 0 or null";
	case CHECK_COUNT:
		return json_is_integer(v) && json_integer_value(v) >= 1 ? NULL :
			"expected an integer >= 1 or null";
	}
	return "bad type";
}

int checks_validate(json_t *layer, char *err, size_t len)
{
	const char *key, *why;
	json_t *v;
	int i;

	if (!layer)
		return 0;
	if (!json_is_object(layer)) {
		snprintf(err, len, "expected an object of checks");
		return -1;
	}
	json_object_foreach(layer, key, v) {
		if (key[0] == '_')
			continue;
		if ((i = check_index(key)) < 0) {
			snprintf(err, len, "unknown check '%s'", key);
			return -1;
		}
		if ((why = type_error(known_checks[i].type, v))) {
			snprintf(err, len, "check '%s': %s", key, why);
			return -1;
		}
	}
	return 0;
}

static json_t *job_layer(json_t *job, int which, char *where, size_t len)
{
	json_t *sched = json_object_get(job, "scheduler");
	json_t *scen = json_object_get(job, "scenario");
	const char *sn = json_string_value(json_object_get(sched, "name"));
	const char *cn = json_string_value(json_object_get(scen, "name"));

	switch (which) {
	case 0:
		snprintf(where, len, "job.scheduler.checks (scheduler %s)", sn ? sn : "?");
		return json_object_get(sched, "checks");
	case 1:
		snprintf(where, len, "job.scenario.checks (scenario %s)", cn ? cn : "?");
		return json_object_get(scen, "checks");
	default:
		snprintf(where, len, "job.checks");
		return json_object_get(job, "checks");
	}
}

int checks_validate_job(json_t *job, char *err, size_t len)
{
	char where[256], why[256];

	for (int i = 0; i < 3; i++) {
		json_t *layer = job_layer(job, i, where, sizeof(where));

		if (layer && !json_is_null(layer) && checks_validate(layer, why, sizeof(why))) {
			snprintf(err, len, "%s: %s", where, why);
			return -1;
		}
	}
	return 0;
}

static void validate_file_layer(const char *path, const char *where, json_t *layer)
{
	char why[256];

	if (checks_validate(layer, why, sizeof(why)))
		die(EXIT_USAGE, "%s: %s: %s", path, where, why);
}

json_t *checks_load(const char *path)
{
	char *def = NULL, where[128];
	struct stat st;
	json_error_t jerr;
	json_t *all, *prof;
	const char *name;

	if (!path) {
		char *share = paths_share_dir();

		def = paths_join(share, "checks.json");
		free(share);
		path = def;
	}
	/* a file that cannot be read is said as such, not as jansson's "FILE:-1:-1: unable to open" */
	if (stat(path, &st) < 0)
		die(EXIT_USAGE, "checks file '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die(EXIT_USAGE, "checks file '%s': not a file", path);
	all = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!all)
		die(EXIT_USAGE, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	if (!json_is_object(json_object_get(all, "defaults")))
		die(EXIT_USAGE, "%s: no \"defaults\" object", path);
	validate_file_layer(path, "defaults", json_object_get(all, "defaults"));
	json_object_foreach(json_object_get(all, "profiles"), name, prof) {
		if (name[0] == '_')
			continue;
		snprintf(where, sizeof(where), "profiles.%s", name);
		validate_file_layer(path, where, prof);
	}
	free(def);
	return all;
}

static void merge_layer(json_t *merged, json_t *layer)
{
	const char *key;
	json_t *v;

	json_object_foreach(layer, key, v)
		if (key[0] != '_')
			json_object_set(merged, key, v);
}

json_t *checks_merge(json_t *all, const char *accel, json_t *job, json_t *overrides)
{
	json_t *merged = json_object();
	char where[256];

	for (size_t i = 0; i < NCHECKS; i++)
		json_object_set_new(merged, known_checks[i].name, json_null());
	merge_layer(merged, json_object_get(all, "defaults"));
	merge_layer(merged, json_object_get(json_object_get(all, "profiles"), accel));
	for (int i = 0; i < 3; i++)
		merge_layer(merged, job_layer(job, i, where, sizeof(where)));
	merge_layer(merged, overrides);
	return merged;
}

void checks_parse_override(json_t *overrides, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char why[256];
	json_t *v, *one;
	char *key;

	if (!eq || eq == arg || !eq[1])
		die(EXIT_USAGE, "--check %s: expected KEY=VALUE", arg);
	v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
	if (!v || !(json_is_number(v) || json_is_boolean(v) || json_is_null(v))) {
		json_decref(v);
		die(EXIT_USAGE, "--check %s: value must be a number, true, false or null", arg);
	}
	key = xstrdup(arg);
	key[eq - arg] = '\0';
	one = json_pack("{s:O}", key, v);
	if (checks_validate(one, why, sizeof(why)))
		die(EXIT_USAGE, "--check %s: %s", arg, why);
	json_object_set_new(overrides, key, v);
	json_decref(one);
	free(key);
}

bool check_on(json_t *th, const char *key)
{
	return json_is_true(json_object_get(th, key));
}

bool check_limit(json_t *th, const char *key, double *v)
{
	json_t *j = json_object_get(th, key);

	if (!json_is_number(j))
		return false;
	*v = json_number_value(j);
	return true;
}
