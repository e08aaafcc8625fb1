/* Work types by name, their parameters and defaults. */
#include <stdio.h>
#include <string.h>

#include "die.h"
#include "scenario.h"

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
};

const struct work_type_info *work_info(enum work_kind k)
{
	return &work_types[k];
}

static int work_by_name(const char *name, struct work *w)
{
	for (unsigned k = 0; k < WORK_KIND_COUNT; k++) {
		if (strcmp(work_types[k].name, name))
			continue;
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

static int work_params(json_t *j, struct work *w, const char *path, char *err, size_t errlen)
{
	const struct work_type_info *wi = &work_types[w->kind];
	const char *key;
	json_t *v;

	json_object_foreach(j, key, v) {
		int i;

		if (!strcmp(key, "type"))
			continue;
		i = param_index(wi, key);
		if (i < 0) {
			snprintf(err, errlen, "%s: %s has no parameter \"%s\"", path, wi->name, key);
			return -1;
		}
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 1000000000) {
			snprintf(err, errlen, "%s.%s: expected a positive integer", path, key);
			return -1;
		}
		w->param[i] = (unsigned)json_integer_value(v);
	}
	return 0;
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
	return json_is_object(j) ? work_params(j, w, path, err, errlen) : 0;
}

json_t *work_json(const struct work *w)
{
	const struct work_type_info *wi = &work_types[w->kind];
	json_t *j = json_pack("{s:s}", "type", wi->name);

	for (unsigned i = 0; i < WORK_MAX_PARAMS && wi->param_name[i]; i++)
		json_object_set_new(j, wi->param_name[i], json_integer(w->param[i]));
	return j;
}
