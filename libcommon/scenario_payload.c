/*
 * Payload ops: run_payload starts a benchmark binary the host packed into
 * the VM (share/ktstr/payloads/NAME.json), wait_payload and kill_payload
 * end it. Parsed here so the planner rejects a bad op before any VM starts.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "scenario.h"

#define MAX_ARGS 256
#define MAX_TIMEOUT_MS 86400000

bool payload_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 64 && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int keys_ok(json_t *j, const char *const *allowed, const char *path, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(j, key, v) {
		const char *const *a;

		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (!*a) {
			strfmt(err, errlen, "%s: unknown key \"%s\"", path, key);
			return -1;
		}
	}
	return 0;
}

static int get_handle(json_t *j, const char *key, char **out, const char *path, char *err,
		      size_t errlen)
{
	json_t *v = json_object_get(j, key);

	if (!payload_name_ok(json_string_value(v))) {
		strfmt(err, errlen, "%s.%s: expected a name of 1-64 letters, digits, '_', '.' or '-'",
		       path, key);
		return -1;
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int get_timeout(json_t *j, unsigned *out, const char *path, char *err, size_t errlen)
{
	json_t *v = json_object_get(j, "timeout_ms");

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > MAX_TIMEOUT_MS) {
		strfmt(err, errlen, "%s.timeout_ms: expected milliseconds from 1 to %d", path,
		       MAX_TIMEOUT_MS);
		return -1;
	}
	*out = (unsigned)json_integer_value(v);
	return 0;
}

/* {"metric": M, "min"|"max"|"range"|"exists": ...} or {"exit_code": N}. */
static int check_parse(json_t *c, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "metric", "min", "max", "range", "exists", "exit_code", NULL };
	json_t *v, *r;
	int tests = 0;

	if (!json_is_object(c) || keys_ok(c, keys, path, err, errlen) < 0) {
		if (!json_is_object(c))
			strfmt(err, errlen, "%s: expected an object", path);
		return -1;
	}
	if ((v = json_object_get(c, "exit_code"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255 ||
		    json_object_size(c) != 1) {
			strfmt(err, errlen, "%s: expected {\"exit_code\": 0-255} alone", path);
			return -1;
		}
		return 0;
	}
	if (!json_is_string(json_object_get(c, "metric")) ||
	    !*json_string_value(json_object_get(c, "metric"))) {
		strfmt(err, errlen, "%s.metric: expected a metric name", path);
		return -1;
	}
	for (const char *const *k = keys + 1; k < keys + 3; k++) {
		if ((v = json_object_get(c, *k)) && (!json_is_number(v) || !isfinite(json_number_value(v)))) {
			strfmt(err, errlen, "%s.%s: expected a number", path, *k);
			return -1;
		}
		tests += v != NULL;
	}
	if ((r = json_object_get(c, "range"))) {
		if (!json_is_array(r) || json_array_size(r) != 2 || !json_is_number(json_array_get(r, 0)) ||
		    !json_is_number(json_array_get(r, 1)) ||
		    json_number_value(json_array_get(r, 0)) > json_number_value(json_array_get(r, 1))) {
			strfmt(err, errlen, "%s.range: expected [low, high] with low <= high", path);
			return -1;
		}
		tests++;
	}
	if ((v = json_object_get(c, "exists"))) {
		if (!json_is_true(v)) {
			strfmt(err, errlen, "%s.exists: expected true", path);
			return -1;
		}
		tests++;
	}
	if (!tests) {
		strfmt(err, errlen, "%s: expected min, max, range or exists", path);
		return -1;
	}
	return 0;
}

int payload_checks_parse(json_t *checks, const char *path, char *err, size_t errlen)
{
	char sub[256];
	size_t i;
	json_t *c;

	if (!json_is_array(checks)) {
		strfmt(err, errlen, "%s: expected an array of checks", path);
		return -1;
	}
	json_array_foreach(checks, i, c) {
		strfmt(sub, sizeof(sub), "%s[%zu]", path, i);
		if (check_parse(c, sub, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int parse_args(json_t *a, struct payload_op *p, const char *path, char *err, size_t errlen)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) > MAX_ARGS) {
		strfmt(err, errlen, "%s.args: expected an array of at most %d strings", path, MAX_ARGS);
		return -1;
	}
	p->args = xcalloc(json_array_size(a) + 1, sizeof(*p->args));
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			strfmt(err, errlen, "%s.args[%zu]: expected a string", path, i);
			return -1;
		}
		p->args[p->nargs++] = xstrdup(json_string_value(v));
	}
	return 0;
}

static int parse_run(json_t *j, struct op *o, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "op", "payload", "id", "args", "cgroup", "timeout_ms",
					    "checks", NULL };
	struct payload_op *p = &o->pl;
	json_t *v;
	char sub[256];

	if (keys_ok(j, keys, path, err, errlen) < 0 || get_handle(j, "payload", &p->payload, path, err, errlen) < 0)
		return -1;
	if (json_object_get(j, "id") ? get_handle(j, "id", &p->id, path, err, errlen) < 0
				     : !(p->id = xstrdup(p->payload)))
		return -1;
	if ((v = json_object_get(j, "args")) && parse_args(v, p, path, err, errlen) < 0)
		return -1;
	if ((v = json_object_get(j, "cgroup"))) {
		const char *name = json_string_value(v);

		if (!name || !valid_cgroup_name(name)) {
			strfmt(err, errlen, "%s.cgroup: expected a cgroup name like \"cg_0\" or \"cg_0/sub\"", path);
			return -1;
		}
		o->a = xstrdup(name);
	}
	if (get_timeout(j, &p->timeout_ms, path, err, errlen) < 0)
		return -1;
	if ((v = json_object_get(j, "checks"))) {
		strfmt(sub, sizeof(sub), "%s.checks", path);
		if (payload_checks_parse(v, sub, err, errlen) < 0)
			return -1;
		p->checks = json_incref(v);
	}
	return 0;
}

static int parse_kill(json_t *j, struct op *o, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "op", "id", "signal", NULL };
	static const struct { const char *name; int sig; } sigs[] = {
		{ "TERM", SIGTERM }, { "INT", SIGINT }, { "KILL", SIGKILL } };
	const char *s = json_string_value(json_object_get(j, "signal"));

	if (keys_ok(j, keys, path, err, errlen) < 0 || get_handle(j, "id", &o->pl.id, path, err, errlen) < 0)
		return -1;
	o->pl.signal = SIGTERM;
	if (!json_object_get(j, "signal"))
		return 0;
	for (size_t i = 0; s && i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(s, sigs[i].name)) {
			o->pl.signal = sigs[i].sig;
			return 0;
		}
	strfmt(err, errlen, "%s.signal: expected \"TERM\", \"INT\" or \"KILL\"", path);
	return -1;
}

int payload_op_parse(json_t *j, struct op *o, const char *path, char *err, size_t errlen)
{
	static const char *const wait_keys[] = { "op", "id", "timeout_ms", NULL };

	switch (o->kind) {
	case OP_RUN_PAYLOAD:
		return parse_run(j, o, path, err, errlen);
	case OP_WAIT_PAYLOAD:
		if (keys_ok(j, wait_keys, path, err, errlen) < 0 ||
		    get_handle(j, "id", &o->pl.id, path, err, errlen) < 0)
			return -1;
		return get_timeout(j, &o->pl.timeout_ms, path, err, errlen);
	default:
		return parse_kill(j, o, path, err, errlen);
	}
}

void payload_op_free(struct op *o)
{
	free(o->pl.payload);
	free(o->pl.id);
	for (unsigned i = 0; i < o->pl.nargs; i++)
		free(o->pl.args[i]);
	free(o->pl.args);
	json_decref(o->pl.checks);
	memset(&o->pl, 0, sizeof(o->pl));
}

json_t *payload_op_json(const struct op *o)
{
	static const char *const signames[] = { [SIGINT] = "INT", [SIGKILL] = "KILL", [SIGTERM] = "TERM" };
	json_t *j = json_pack("{s:s, s:s}", "op", op_name(o->kind), "id", o->pl.id);

	if (o->kind == OP_RUN_PAYLOAD) {
		json_object_set_new(j, "payload", json_string(o->pl.payload));
		json_object_set_new(j, "cgroup", o->a ? json_string(o->a) : json_null());
		if (o->pl.args) {
			json_t *a = json_array();

			for (unsigned i = 0; i < o->pl.nargs; i++)
				json_array_append_new(a, json_string(o->pl.args[i]));
			json_object_set_new(j, "args", a);
		}
	}
	if (o->kind != OP_KILL_PAYLOAD && o->pl.timeout_ms)
		json_object_set_new(j, "timeout_ms", json_integer(o->pl.timeout_ms));
	if (o->kind == OP_KILL_PAYLOAD)
		json_object_set_new(j, "signal", json_string(signames[o->pl.signal]));
	return j;
}

const char **scenario_payloads(const struct scenario *s, unsigned *n)
{
	const char **names = NULL;

	*n = 0;
	for (unsigned i = 0; i < s->nsteps; i++)
		for (unsigned k = 0; k < s->steps[i].nops; k++) {
			const struct op *o = &s->steps[i].ops[k];
			unsigned m;

			if (o->kind != OP_RUN_PAYLOAD)
				continue;
			for (m = 0; m < *n && strcmp(names[m], o->pl.payload); m++)
				;
			if (m < *n)
				continue;
			names = xrealloc(names, (*n + 1) * sizeof(*names));
			names[(*n)++] = o->pl.payload;
		}
	return names;
}
