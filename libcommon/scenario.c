/* The scenario language (share/ktstr/scenarios/README.md): parse and validate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "scenario.h"

#define DEFAULT_WORKERS 2

struct parse_ctx {
	char *err;
	size_t errlen;
	unsigned workers_per_cgroup;
};

/* Every key of obj must be in the NULL-terminated list. */
static int check_keys(json_t *obj, const char *const *allowed, const char *path, struct parse_ctx *pc)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		strfmt(pc->err, pc->errlen, "%s: expected an object", path);
		return -1;
	}
	json_object_foreach(obj, key, v) {
		const char *const *a;

		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (!*a) {
			strfmt(pc->err, pc->errlen, "%s: unknown key \"%s\"", path, key);
			return -1;
		}
	}
	return 0;
}

bool valid_cgroup_name(const char *s)
{
	const char *comp = s;

	if (!*s || strlen(s) > 200)
		return false;
	for (const char *p = s;; p++) {
		if (*p == '/' || *p == '\0') {
			if (p == comp || (p - comp == 2 && !strncmp(comp, "..", 2)) ||
			    (p - comp == 1 && *comp == '.'))
				return false;
			if (*p == '\0')
				return true;
			comp = p + 1;
		} else if (!(*p == '_' || *p == '-' || *p == '.' || (*p >= '0' && *p <= '9') ||
			     (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
			return false;
		}
	}
}

static int get_name(json_t *obj, const char *key, char **out, const char *path, struct parse_ctx *pc)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (!s || !valid_cgroup_name(s)) {
		strfmt(pc->err, pc->errlen, "%s.%s: expected a cgroup name like \"cg_0\" or \"cg_0/sub\"",
			 path, key);
		return -1;
	}
	*out = xstrdup(s);
	return 0;
}

static int parse_group(json_t *j, struct group *g, const char *path, struct parse_ctx *pc)
{
	static const char *const keys[] = { "count", "work", "policy", "nice", "affinity", "mem_policy",
					    NULL };
	char sub[256];
	json_t *v;

	memset(g, 0, sizeof(*g));
	g->count = pc->workers_per_cgroup;
	if (j && check_keys(j, keys, path, pc))
		return -1;
	if (j && (v = json_object_get(j, "count"))) {
		if (json_is_string(v) && !strcmp(json_string_value(v), "per_cpu")) {
			g->per_cpu = true;
		} else if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1024) {
			strfmt(pc->err, pc->errlen, "%s.count: expected an integer from 1 to 1024 or \"per_cpu\"",
			       path);
			return -1;
		}
		g->count = (unsigned)json_integer_value(v);
	}
	strfmt(sub, sizeof(sub), "%s.work", path);
	v = j ? json_object_get(j, "work") : NULL;
	if (!v) {
		g->work.kind = WORK_CPU_SPIN;
	} else if (work_parse(v, &g->work, sub, pc->err, pc->errlen) < 0) {
		return -1;
	}
	if (j && (v = json_object_get(j, "policy"))) {
		strfmt(sub, sizeof(sub), "%s.policy", path);
		if (policy_parse(v, &g->policy, sub, pc->err, pc->errlen) < 0)
			return -1;
	}
	if (j && (v = json_object_get(j, "nice"))) {
		if (!json_is_integer(v) || json_integer_value(v) < -20 || json_integer_value(v) > 19) {
			strfmt(pc->err, pc->errlen, "%s.nice: expected an integer from -20 to 19", path);
			return -1;
		}
		g->nice = (int)json_integer_value(v);
	}
	if (j && (v = json_object_get(j, "affinity"))) {
		strfmt(sub, sizeof(sub), "%s.affinity", path);
		if (affinity_parse(v, &g->affinity, sub, pc->err, pc->errlen) < 0)
			return -1;
	}
	if (j && (v = json_object_get(j, "mem_policy"))) {
		strfmt(sub, sizeof(sub), "%s.mem_policy", path);
		if (mem_policy_parse(v, &g->mem, sub, pc->err, pc->errlen) < 0)
			return -1;
	}
	if (!g->per_cpu && g->count % work_group_size(&g->work)) {
		strfmt(pc->err, pc->errlen, "%s: %s requires count divisible by %u, got %u", path,
			 work_info(g->work.kind)->name, work_group_size(&g->work), g->count);
		return -1;
	}
	return 0;
}

static int parse_def(json_t *j, struct cgdef *d, const char *path, struct parse_ctx *pc)
{
	static const char *const keys[] = { "name", "cpuset", "workers", "per_cpu", NULL };
	json_t *v, *workers;
	char sub[256];

	if (check_keys(j, keys, path, pc) || get_name(j, "name", &d->name, path, pc))
		return -1;
	if ((v = json_object_get(j, "per_cpu")) &&
	    (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1024)) {
		strfmt(pc->err, pc->errlen, "%s.per_cpu: expected the most cgroups to make, 1 to 1024", path);
		return -1;
	}
	d->per_cpu = v ? (unsigned)json_integer_value(v) : 0;
	if ((v = json_object_get(j, "cpuset"))) {
		strfmt(sub, sizeof(sub), "%s.cpuset", path);
		if (spec_parse(v, &d->cpuset, sub, pc->err, pc->errlen) < 0)
			return -1;
		d->has_cpuset = true;
	}
	workers = json_object_get(j, "workers");
	if (workers && !json_is_array(workers)) {
		strfmt(pc->err, pc->errlen, "%s.workers: expected an array of worker groups", path);
		return -1;
	}
	d->ngroups = workers ? (unsigned)json_array_size(workers) : 1;
	d->groups = xcalloc(d->ngroups, sizeof(*d->groups));
	for (unsigned i = 0; i < d->ngroups; i++) {
		strfmt(sub, sizeof(sub), "%s.workers[%u]", path, i);
		if (parse_group(workers ? json_array_get(workers, i) : NULL, &d->groups[i], sub, pc) < 0)
			return -1;
	}
	return 0;
}

static int parse_defs(json_t *arr, struct cgdef **defs, unsigned *n, const char *path,
		      struct parse_ctx *pc)
{
	char sub[256];

	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		strfmt(pc->err, pc->errlen, "%s: expected an array of cgroup definitions", path);
		return -1;
	}
	*defs = xcalloc(json_array_size(arr), sizeof(**defs));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		strfmt(sub, sizeof(sub), "%s[%zu]", path, i);
		(*n)++;
		if (parse_def(json_array_get(arr, i), &(*defs)[i], sub, pc) < 0)
			return -1;
	}
	return 0;
}

static const char *const op_names[] = { "add_cgroup", "remove_cgroup", "set_cpuset", "clear_cpuset",
					"swap_cpusets", "spawn", "stop_cgroup", "set_affinity",
					"spawn_host", "move_all_tasks", "run_payload", "wait_payload",
					"kill_payload" };

/* Keys each op takes besides "op" (a: first name key, b: second). */
static const struct {
	const char *a, *b, *extra;
} op_keys[] = {
	[OP_ADD_CGROUP] = { "cgroup", NULL, NULL },
	[OP_REMOVE_CGROUP] = { "cgroup", NULL, NULL },
	[OP_SET_CPUSET] = { "cgroup", NULL, "cpuset" },
	[OP_CLEAR_CPUSET] = { "cgroup", NULL, NULL },
	[OP_SWAP_CPUSETS] = { "a", "b", NULL },
	[OP_SPAWN] = { "cgroup", NULL, "workers" },
	[OP_STOP_CGROUP] = { "cgroup", NULL, NULL },
	[OP_SET_AFFINITY] = { "cgroup", NULL, "affinity" },
	[OP_SPAWN_HOST] = { NULL, NULL, "workers" },
	[OP_MOVE_ALL_TASKS] = { "from", "to", NULL },
	[OP_RUN_PAYLOAD] = { NULL, NULL, NULL },	/* payload_op_parse checks their keys */
	[OP_WAIT_PAYLOAD] = { NULL, NULL, NULL },
	[OP_KILL_PAYLOAD] = { NULL, NULL, NULL },
};

const char *op_name(enum op_kind k)
{
	return op_names[k];
}

static int parse_op_args(json_t *j, struct op *o, const char *path, struct parse_ctx *pc)
{
	char sub[256];
	json_t *v = op_keys[o->kind].extra ? json_object_get(j, op_keys[o->kind].extra) : NULL;

	if ((op_keys[o->kind].a && get_name(j, op_keys[o->kind].a, &o->a, path, pc)) ||
	    (op_keys[o->kind].b && get_name(j, op_keys[o->kind].b, &o->b, path, pc)))
		return -1;
	if (op_keys[o->kind].extra)
		strfmt(sub, sizeof(sub), "%s.%s", path, op_keys[o->kind].extra);
	switch (o->kind) {
	case OP_SET_CPUSET:
		return spec_parse(v, &o->spec, sub, pc->err, pc->errlen);
	case OP_SET_AFFINITY:
		return affinity_parse(v, &o->affinity, sub, pc->err, pc->errlen);
	case OP_SPAWN:
	case OP_SPAWN_HOST:
		return parse_group(v, &o->group, sub, pc);
	default:
		return 0;
	}
}

static int parse_op(json_t *j, struct op *o, const char *path, struct parse_ctx *pc)
{
	const char *name = json_string_value(json_object_get(j, "op"));
	const char *keys[5] = { "op" };
	unsigned k, nk = 1;

	if (!json_is_object(j) || !name) {
		strfmt(pc->err, pc->errlen, "%s: expected an object with \"op\"", path);
		return -1;
	}
	for (k = 0; k < sizeof(op_names) / sizeof(op_names[0]) && strcmp(op_names[k], name); k++)
		;
	if (k == sizeof(op_names) / sizeof(op_names[0])) {
		strfmt(pc->err, pc->errlen, "%s.op: unknown op \"%s\"", path, name);
		return -1;
	}
	o->kind = (enum op_kind)k;
	if (o->kind >= OP_RUN_PAYLOAD)
		return payload_op_parse(j, o, path, pc->err, pc->errlen);
	if (op_keys[k].a)
		keys[nk++] = op_keys[k].a;
	if (op_keys[k].b)
		keys[nk++] = op_keys[k].b;
	if (op_keys[k].extra)
		keys[nk++] = op_keys[k].extra;
	keys[nk] = NULL;
	if (check_keys(j, keys, path, pc))
		return -1;
	if ((o->kind == OP_SET_CPUSET || o->kind == OP_SET_AFFINITY) &&
	    !json_object_get(j, op_keys[k].extra)) {
		strfmt(pc->err, pc->errlen, "%s: %s needs \"%s\"", path, name, op_keys[k].extra);
		return -1;
	}
	return parse_op_args(j, o, path, pc);
}

static int parse_hold(json_t *j, struct hold *h, unsigned nsteps, const char *path,
		      struct parse_ctx *pc)
{
	static const char *const keys[] = { "frac", "ms", "loop_ms", NULL };
	json_t *v;

	h->kind = HOLD_FRAC;
	h->frac = 1.0 / nsteps;
	if (!j)
		return 0;
	if (check_keys(j, keys, path, pc))
		return -1;
	if (json_object_size(j) != 1) {
		strfmt(pc->err, pc->errlen, "%s: expected one of {\"frac\":F}, {\"ms\":N}, {\"loop_ms\":N}",
			 path);
		return -1;
	}
	if ((v = json_object_get(j, "frac"))) {
		h->frac = json_number_value(v);
		if (!json_is_number(v) || !(h->frac > 0) || !isfinite(h->frac) || h->frac > 100) {
			strfmt(pc->err, pc->errlen, "%s.frac: expected a fraction > 0", path);
			return -1;
		}
		return 0;
	}
	v = json_object_get(j, "ms") ? json_object_get(j, "ms") : json_object_get(j, "loop_ms");
	h->kind = json_object_get(j, "ms") ? HOLD_MS : HOLD_LOOP;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 86400000) {
		strfmt(pc->err, pc->errlen, "%s.%s: expected a positive number of milliseconds", path,
			 h->kind == HOLD_MS ? "ms" : "loop_ms");
		return -1;
	}
	h->ms = (unsigned)json_integer_value(v);
	return 0;
}

static int parse_step(json_t *j, struct step *st, unsigned nsteps, const char *path,
		      struct parse_ctx *pc)
{
	static const char *const keys[] = { "ops", "cgroups", "hold", NULL };
	json_t *ops;
	char sub[256];

	if (check_keys(j, keys, path, pc))
		return -1;
	ops = json_object_get(j, "ops");
	if (ops && !json_is_array(ops)) {
		strfmt(pc->err, pc->errlen, "%s.ops: expected an array", path);
		return -1;
	}
	st->ops_json = ops ? json_incref(ops) : json_array();
	st->ops = xcalloc(json_array_size(st->ops_json), sizeof(*st->ops));
	for (size_t i = 0; i < json_array_size(st->ops_json); i++) {
		strfmt(sub, sizeof(sub), "%s.ops[%zu]", path, i);
		st->nops++;
		if (parse_op(json_array_get(st->ops_json, i), &st->ops[i], sub, pc) < 0)
			return -1;
	}
	strfmt(sub, sizeof(sub), "%s.cgroups", path);
	if (parse_defs(json_object_get(j, "cgroups"), &st->defs, &st->ndefs, sub, pc) < 0)
		return -1;
	strfmt(sub, sizeof(sub), "%s.hold", path);
	return parse_hold(json_object_get(j, "hold"), &st->hold, nsteps, sub, pc);
}

static int parse_requires(json_t *j, struct requires *r, struct parse_ctx *pc)
{
	static const char *const keys[] = { "min_cpus", "min_llcs", "min_numa", "smt", NULL };
	unsigned *fields[] = { &r->min_cpus, &r->min_llcs, &r->min_numa };
	json_t *v;

	if (!j)
		return 0;
	if (check_keys(j, keys, "scenario.requires", pc))
		return -1;
	for (unsigned i = 0; i < 3; i++) {
		v = json_object_get(j, keys[i]);
		if (!v)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4096) {
			strfmt(pc->err, pc->errlen, "scenario.requires.%s: expected an integer from 0 to 4096",
				 keys[i]);
			return -1;
		}
		*fields[i] = (unsigned)json_integer_value(v);
	}
	v = json_object_get(j, "smt");
	if (v && !json_is_boolean(v)) {
		strfmt(pc->err, pc->errlen, "scenario.requires.smt: expected true or false");
		return -1;
	}
	r->smt = json_is_true(v);
	return 0;
}

static int parse_steps(json_t *steps, struct scenario *s, struct parse_ctx *pc)
{
	char sub[64];

	if (steps && (!json_is_array(steps) || json_array_size(steps) == 0 ||
		      json_array_size(steps) > MAX_STEPS)) {
		strfmt(pc->err, pc->errlen, "scenario.steps: expected an array of 1 to %d steps", MAX_STEPS);
		return -1;
	}
	s->nsteps = steps ? (unsigned)json_array_size(steps) : 1;
	s->steps = xcalloc(s->nsteps, sizeof(*s->steps));
	for (unsigned i = 0; i < s->nsteps; i++) {
		json_t *empty = json_object();
		int rc;

		strfmt(sub, sizeof(sub), "scenario.steps[%u]", i);
		rc = parse_step(steps ? json_array_get(steps, i) : empty, &s->steps[i], s->nsteps, sub, pc);
		json_decref(empty);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_top(json_t *j, struct scenario *s, struct parse_ctx *pc)
{
	static const char *const keys[] = { "name", "description", "category", "flags", "requires",
					    "workers_per_cgroup", "cgroups", "steps", NULL };
	json_t *v;

	if (check_keys(j, keys, "scenario", pc))
		return -1;
	v = json_object_get(j, "name");
	if (!json_is_string(v) || !*json_string_value(v)) {
		strfmt(pc->err, pc->errlen, "scenario.name: expected a non-empty string");
		return -1;
	}
	s->name = xstrdup(json_string_value(v));
	if ((v = json_object_get(j, "workers_per_cgroup"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1024) {
			strfmt(pc->err, pc->errlen, "scenario.workers_per_cgroup: expected an integer from 1 to 1024");
			return -1;
		}
		pc->workers_per_cgroup = (unsigned)json_integer_value(v);
	}
	if (scenario_parse_meta(j, s, pc->err, pc->errlen) < 0 ||
	    parse_requires(json_object_get(j, "requires"), &s->req, pc) < 0 ||
	    parse_defs(json_object_get(j, "cgroups"), &s->defs, &s->ndefs, "scenario.cgroups", pc) < 0 ||
	    parse_steps(json_object_get(j, "steps"), s, pc) < 0)
		return -1;
	return scenario_check_refs(s, pc->err, pc->errlen);
}

int scenario_parse(json_t *j, struct scenario *s, char *err, size_t errlen)
{
	struct parse_ctx pc = { err, errlen, DEFAULT_WORKERS };

	memset(s, 0, sizeof(*s));
	if (parse_top(j, s, &pc) < 0) {
		scenario_free(s);
		return -1;
	}
	return 0;
}

static void free_defs(struct cgdef *defs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(defs[i].name);
		for (unsigned g = 0; g < defs[i].ngroups; g++)
			work_free(&defs[i].groups[g].work);
		free(defs[i].groups);
	}
	free(defs);
}

void scenario_free(struct scenario *s)
{
	free(s->name);
	scenario_free_meta(s);
	free_defs(s->defs, s->ndefs);
	for (unsigned i = 0; i < s->nsteps; i++) {
		struct step *st = &s->steps[i];

		for (unsigned k = 0; k < st->nops; k++) {
			free(st->ops[k].a);
			free(st->ops[k].b);
			work_free(&st->ops[k].group.work);
			payload_op_free(&st->ops[k]);
		}
		free(st->ops);
		free_defs(st->defs, st->ndefs);
		json_decref(st->ops_json);
	}
	free(s->steps);
	memset(s, 0, sizeof(*s));
}

unsigned group_count(const struct group *g, const struct systopo *t)
{
	unsigned size = work_group_size(&g->work), n;

	if (!g->per_cpu)
		return g->count;
	n = t->ncpus - t->ncpus % size;	/* whole pairs only */
	return n ? n : size;
}
