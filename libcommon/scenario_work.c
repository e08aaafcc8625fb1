/* Work types by name, their parameters and defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "scenario.h"

#define PARAM_MAX 1000000000
#define GROUP_MAX 1024		/* a group never needs more workers than a group may have */
#define PHASE_MS_MAX 3600000

static const struct work_type_info work_types[WORK_KIND_COUNT] = {
	[WORK_CPU_SPIN] = { "CpuSpin", 1, { NULL }, { 0 } },
	[WORK_YIELD_HEAVY] = { "YieldHeavy", 1, { NULL }, { 0 } },
	[WORK_MIXED] = { "Mixed", 1, { NULL }, { 0 } },
	[WORK_IO_SYNC] = { "IoSync", 1, { NULL }, { 0 } },
	[WORK_BURSTY] = { "Bursty", 1, { "burst_ms", "sleep_ms" }, { 50, 100 } },
	[WORK_PIPE_IO] = { "PipeIo", 2, { "burst_iters" }, { 1024 } },
	[WORK_FUTEX_PING_PONG] = { "FutexPingPong", 2, { "spin_iters" }, { 1024 } },
	[WORK_CACHE_PRESSURE] = { "CachePressure", 1, { "size_kb", "stride" }, { 32, 64 } },
	[WORK_CACHE_YIELD] = { "CacheYield", 1, { "size_kb", "stride" }, { 32, 64 } },
	[WORK_FORK_EXIT] = { "ForkExit", 1, { NULL }, { 0 } },
	[WORK_PAGE_FAULT_CHURN] = { "PageFaultChurn", 1,
				    { "region_kb", "touches_per_cycle", "spin_iters" },
				    { 4096, 256, 64 } },
	[WORK_CACHE_PIPE] = { "CachePipe", 2, { "size_kb", "burst_iters" }, { 32, 1024 } },
	[WORK_FUTEX_FAN_OUT] = { "FutexFanOut", 0, { "fan_out", "spin_iters" }, { 4, 1024 } },
	[WORK_FAN_OUT_COMPUTE] = { "FanOutCompute", 0,
				   { "fan_out", "cache_footprint_kb", "operations", "sleep_usec" },
				   { 4, 256, 5, 100 } },
	[WORK_SEQUENCE] = { "Sequence", 1, { NULL }, { 0 } },
	[WORK_NICE_SWEEP] = { "NiceSweep", 1, { NULL }, { 0 } },
	[WORK_AFFINITY_CHURN] = { "AffinityChurn", 1, { "spin_iters" }, { 1024 } },
	[WORK_POLICY_CHURN] = { "PolicyChurn", 1, { "spin_iters" }, { 1024 } },
	[WORK_MUTEX_CONTENTION] = { "MutexContention", 0,
				    { "contenders", "hold_iters", "work_iters" }, { 4, 256, 1024 } },
	[WORK_CUSTOM] = { "Custom", 1, { NULL }, { 0 } },
};

static const char *const phase_names[] = { "spin", "sleep", "yield", "io" };

const struct work_type_info *work_info(enum work_kind k)
{
	return &work_types[k];
}

const char *phase_name(enum phase_kind k)
{
	return phase_names[k];
}

unsigned work_group_size(const struct work *w)
{
	switch (w->kind) {
	case WORK_FUTEX_FAN_OUT:
	case WORK_FAN_OUT_COMPUTE: return w->param[0] + 1;	/* a messenger + fan_out */
	case WORK_MUTEX_CONTENTION: return w->param[0];
	default: return work_types[w->kind].group_size;
	}
}

/* The parameter that sizes a group: kept small enough for a group to exist. */
static bool sizes_group(enum work_kind k, int i)
{
	return i == 0 && !work_types[k].group_size;
}

static int work_by_name(const char *name, struct work *w)
{
	for (unsigned k = 0; k < WORK_KIND_COUNT; k++) {
		if (strcmp(work_types[k].name, name))
			continue;
		memset(w, 0, sizeof(*w));
		w->kind = (enum work_kind)k;
		for (unsigned i = 0; i < WORK_MAX_PARAMS; i++)
			w->param[i] = work_types[k].param_default[i];
		return 0;
	}
	return -1;
}

static int param_index(const struct work_type_info *wi, const char *key)
{
	for (int i = 0; i < WORK_MAX_PARAMS; i++)
		if (wi->param_name[i] && !strcmp(wi->param_name[i], key))
			return i;
	return -1;
}

/* One phase: {"spin_ms": N}, {"sleep_ms": N}, {"yield_ms": N} or {"io_ms": N}. */
static int parse_phase(json_t *j, struct phase *ph, const char *path, char *err, size_t errlen)
{
	const char *key = json_is_object(j) && json_object_size(j) == 1 ? json_object_iter_key(json_object_iter(j)) : NULL;
	json_t *v = key ? json_object_get(j, key) : NULL;

	for (unsigned k = 0; key && k < sizeof(phase_names) / sizeof(phase_names[0]); k++) {
		size_t n = strlen(phase_names[k]);

		if (strncmp(key, phase_names[k], n) || strcmp(key + n, "_ms"))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > PHASE_MS_MAX) {
			snprintf(err, errlen, "%s.%s: expected an integer from 1 to %d", path, key, PHASE_MS_MAX);
			return -1;
		}
		ph->kind = (enum phase_kind)k;
		ph->ms = (unsigned)json_integer_value(v);
		return 0;
	}
	snprintf(err, errlen, "%s: expected one of {\"spin_ms\": N}, {\"sleep_ms\": N}, "
		 "{\"yield_ms\": N}, {\"io_ms\": N}", path);
	return -1;
}

static int parse_phases(json_t *v, struct work *w, const char *path, char *err, size_t errlen)
{
	char sub[256];

	if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > WORK_MAX_PHASES) {
		snprintf(err, errlen, "%s.phases: expected an array of 1 to %d phases", path, WORK_MAX_PHASES);
		return -1;
	}
	w->nphases = (unsigned)json_array_size(v);
	for (unsigned i = 0; i < w->nphases; i++) {
		strfmt(sub, sizeof(sub), "%s.phases[%u]", path, i);
		if (parse_phase(json_array_get(v, i), &w->phases[i], sub, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Custom: "path" (absolute) and "args" (strings) into one argv. */
static int parse_command(json_t *j, struct work *w, const char *path, char *err, size_t errlen)
{
	const char *exe = json_string_value(json_object_get(j, "path"));
	json_t *args = json_object_get(j, "args");
	size_t n = args ? json_array_size(args) : 0;

	if (!exe || exe[0] != '/') {
		snprintf(err, errlen, "%s.path: expected the binary's absolute path", path);
		return -1;
	}
	if (args && (!json_is_array(args) || n > WORK_MAX_ARGS)) {
		snprintf(err, errlen, "%s.args: expected an array of at most %d strings", path, WORK_MAX_ARGS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!json_is_string(json_array_get(args, i))) {
			snprintf(err, errlen, "%s.args[%zu]: expected a string", path, i);
			return -1;
		}
	}
	w->argv = xcalloc(n + 2, sizeof(*w->argv));
	w->argv[0] = xstrdup(exe);
	for (size_t i = 0; i < n; i++)
		w->argv[i + 1] = xstrdup(json_string_value(json_array_get(args, i)));
	return 0;
}

static int set_param(struct work *w, const char *key, json_t *v, const char *path, char *err, size_t errlen)
{
	const struct work_type_info *wi = &work_types[w->kind];
	int i = param_index(wi, key);
	json_int_t max = sizes_group(w->kind, i) ? GROUP_MAX - (w->kind != WORK_MUTEX_CONTENTION) : PARAM_MAX;

	if (i < 0) {
		snprintf(err, errlen, "%s: %s has no parameter \"%s\"", path, wi->name, key);
		return -1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max) {
		if (max == PARAM_MAX)
			snprintf(err, errlen, "%s.%s: expected a positive integer", path, key);
		else
			snprintf(err, errlen, "%s.%s: expected an integer from 1 to %lld", path, key, (long long)max);
		return -1;
	}
	w->param[i] = (unsigned)json_integer_value(v);
	return 0;
}

static int work_params(json_t *j, struct work *w, const char *path, char *err, size_t errlen)
{
	bool seq = w->kind == WORK_SEQUENCE, custom = w->kind == WORK_CUSTOM;
	const char *key;
	json_t *v;

	json_object_foreach(j, key, v) {
		if (!strcmp(key, "type") || (custom && (!strcmp(key, "path") || !strcmp(key, "args"))))
			continue;
		if (seq && !strcmp(key, "phases")) {
			if (parse_phases(v, w, path, err, errlen) < 0)
				return -1;
		} else if (set_param(w, key, v, path, err, errlen) < 0) {
			return -1;
		}
	}
	return custom ? parse_command(j, w, path, err, errlen) : 0;
}

int work_parse(json_t *j, struct work *w, const char *path, char *err, size_t errlen)
{
	const char *name = json_string_value(json_is_object(j) ? json_object_get(j, "type") : j);

	if (!name) {
		snprintf(err, errlen, "%s: expected a work type name or {\"type\": NAME, ...}", path);
		return -1;
	}
	if (work_by_name(name, w) < 0) {
		snprintf(err, errlen, "%s: unknown work type \"%s\"", path, name);
		return -1;
	}
	if ((w->kind == WORK_SEQUENCE || w->kind == WORK_CUSTOM) &&
	    !json_object_get(j, w->kind == WORK_SEQUENCE ? "phases" : "path")) {
		snprintf(err, errlen, "%s: %s needs {\"type\": \"%s\", %s}", path, name, name,
			 w->kind == WORK_SEQUENCE ? "\"phases\": [...]" : "\"path\": \"/...\", \"args\": [...]");
		return -1;
	}
	if (!json_is_object(j))
		return 0;
	if (work_params(j, w, path, err, errlen) < 0) {
		work_free(w);
		return -1;
	}
	return 0;
}

static json_t *phases_json(const struct work *w)
{
	json_t *arr = json_array();
	char key[16];

	for (unsigned i = 0; i < w->nphases; i++) {
		strfmt(key, sizeof(key), "%s_ms", phase_names[w->phases[i].kind]);
		json_array_append_new(arr, json_pack("{s:i}", key, w->phases[i].ms));
	}
	return arr;
}

json_t *work_json(const struct work *w)
{
	const struct work_type_info *wi = &work_types[w->kind];
	json_t *j = json_pack("{s:s}", "type", wi->name), *args;

	for (unsigned i = 0; i < WORK_MAX_PARAMS && wi->param_name[i]; i++)
		json_object_set_new(j, wi->param_name[i], json_integer(w->param[i]));
	if (w->kind == WORK_SEQUENCE)
		json_object_set_new(j, "phases", phases_json(w));
	if (w->kind == WORK_CUSTOM && w->argv) {
		json_object_set_new(j, "path", json_string(w->argv[0]));
		args = json_array();
		for (char **a = w->argv + 1; *a; a++)
			json_array_append_new(args, json_string(*a));
		json_object_set_new(j, "args", args);
	}
	return j;
}

void work_free(struct work *w)
{
	for (char **a = w->argv; a && *a; a++)
		free(*a);
	free(w->argv);
	w->argv = NULL;
}

void scenario_custom_paths(json_t *j, json_t *out)
{
	const char *key, *type, *path;
	json_t *v;
	size_t i;

	if (json_is_array(j))
		json_array_foreach(j, i, v)
			scenario_custom_paths(v, out);
	if (!json_is_object(j))
		return;
	type = json_string_value(json_object_get(j, "type"));
	path = json_string_value(json_object_get(j, "path"));
	if (type && path && path[0] == '/' && !strcmp(type, "Custom"))
		json_object_set_new(out, path, json_true());
	json_object_foreach(j, key, v)
		scenario_custom_paths(v, out);
}

const char *scenario_guest_mount(const char *path)
{
	static const char *const mounts[] = { "/tmp/", "/proc/", "/sys/", "/dev/" };

	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		if (!strncmp(path, mounts[i], strlen(mounts[i])))
			return mounts[i];
	return NULL;
}
