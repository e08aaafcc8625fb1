/* What a scenario resolves to on a topology: the skip check and the host-side plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "scenario.h"

static int resolve_or_why(const struct cpuspec *spec, const struct systopo *t, const char *where,
			  struct cpuset *out, char *why, size_t len)
{
	char err[256];

	if (spec_resolve(spec, t, out, err, sizeof(err)) == 0)
		return 0;
	strfmt(why, len, "%s: %s", where, err);
	return -1;
}

/* One cgroup per CPU of the generator's pool, each on that CPU alone. */
static void expand_one(const struct cgdef *g, const struct cpuset *pool, struct cgdef **out,
		       unsigned *n)
{
	unsigned k = 0;
	int c;

	for (c = cpuset_next(pool, 0); c >= 0 && k < g->per_cpu; c = cpuset_next(pool, (unsigned)c + 1)) {
		struct cgdef *x;
		char name[256];

		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		x = &(*out)[(*n)++];
		memset(x, 0, sizeof(*x));
		strfmt(name, sizeof(name), "%s_%u", g->name, k++);
		x->name = xstrdup(name);
		x->has_cpuset = true;
		x->cpuset.kind = SPEC_EXACT;
		cpuset_set(&x->cpuset.exact, (unsigned)c);
		x->ngroups = g->ngroups;
		x->groups = xcalloc(g->ngroups ? g->ngroups : 1, sizeof(*x->groups));
		if (g->ngroups)
			memcpy(x->groups, g->groups, g->ngroups * sizeof(*x->groups));
	}
}

static void expand_defs(struct cgdef **defs, unsigned *n, const struct systopo *t)
{
	struct cgdef *out = NULL;
	unsigned nout = 0;

	for (unsigned d = 0; d < *n; d++) {
		struct cgdef *g = &(*defs)[d];
		struct cpuset pool;
		char err[256];

		if (g->per_cpu && !g->has_cpuset)
			scenario_usable_cpus(t, &pool);
		if (!g->per_cpu ||
		    (g->has_cpuset && spec_resolve(&g->cpuset, t, &pool, err, sizeof(err)) < 0)) {
			out = xrealloc(out, (nout + 1) * sizeof(*out));
			out[nout++] = *g;
			continue;
		}
		expand_one(g, &pool, &out, &nout);
		free(g->name);
		free(g->groups);
	}
	free(*defs);
	*defs = out;
	*n = nout;
}

void scenario_expand(struct scenario *s, const struct systopo *t)
{
	expand_defs(&s->defs, &s->ndefs, t);
	for (unsigned i = 0; i < s->nsteps; i++)
		expand_defs(&s->steps[i].defs, &s->steps[i].ndefs, t);
}

/* A memory policy naming a NUMA node the topology does not have. */
static const char *groups_mem_unmet(const struct group *g, unsigned n, const struct systopo *t,
				    const char *where, char *why, size_t len)
{
	struct cpuset nodes;
	char buf[128];

	cpuset_zero(&nodes);
	if (t->nnodes)
		cpuset_set_range(&nodes, 0, t->nnodes - 1);
	for (unsigned i = 0; i < n; i++) {
		if (g[i].mem.kind < MEM_BIND || cpuset_subset(&g[i].mem.nodes, &nodes))
			continue;
		strfmt(why, len, "%s: mem_policy names NUMA nodes %s, topology has %u", where,
		       cpuset_str(&g[i].mem.nodes, buf, sizeof(buf)), t->nnodes);
		return why;
	}
	return NULL;
}

static const char *mem_unmet(const struct scenario *s, const struct systopo *t, char *why,
			     size_t len)
{
	char where[256];

	for (unsigned d = 0; d < s->ndefs; d++) {
		strfmt(where, sizeof(where), "workers of %s", s->defs[d].name);
		if (groups_mem_unmet(s->defs[d].groups, s->defs[d].ngroups, t, where, why, len))
			return why;
	}
	for (unsigned i = 0; i < s->nsteps; i++) {
		const struct step *st = &s->steps[i];

		for (unsigned d = 0; d < st->ndefs; d++) {
			strfmt(where, sizeof(where), "step %u: workers of %s", i, st->defs[d].name);
			if (groups_mem_unmet(st->defs[d].groups, st->defs[d].ngroups, t, where, why, len))
				return why;
		}
		for (unsigned k = 0; k < st->nops; k++) {
			strfmt(where, sizeof(where), "step %u: spawn in %s", i, st->ops[k].a ? st->ops[k].a : "host");
			if ((st->ops[k].kind == OP_SPAWN || st->ops[k].kind == OP_SPAWN_HOST) &&
			    groups_mem_unmet(&st->ops[k].group, 1, t, where, why, len))
				return why;
		}
	}
	return NULL;
}

const char *scenario_cpusets_unresolvable(const struct scenario *s, const struct systopo *t,
					  char *why, size_t len)
{
	struct cpuset cpus;
	char where[256];

	if (mem_unmet(s, t, why, len))
		return why;

	for (unsigned d = 0; d < s->ndefs; d++) {
		strfmt(where, sizeof(where), "cpuset of %s", s->defs[d].name);
		if (s->defs[d].has_cpuset && resolve_or_why(&s->defs[d].cpuset, t, where, &cpus, why, len))
			return why;
	}
	for (unsigned i = 0; i < s->nsteps; i++) {
		const struct step *st = &s->steps[i];

		for (unsigned d = 0; d < st->ndefs; d++) {
			strfmt(where, sizeof(where), "step %u: cpuset of %s", i, st->defs[d].name);
			if (st->defs[d].has_cpuset &&
			    resolve_or_why(&st->defs[d].cpuset, t, where, &cpus, why, len))
				return why;
		}
		for (unsigned k = 0; k < st->nops; k++) {
			strfmt(where, sizeof(where), "step %u: cpuset of %s", i, st->ops[k].a);
			if (st->ops[k].kind == OP_SET_CPUSET &&
			    resolve_or_why(&st->ops[k].spec, t, where, &cpus, why, len))
				return why;
		}
	}
	return NULL;
}

static json_t *group_json(const struct group *g, const struct systopo *t)
{
	json_t *j = json_pack("{s:i, s:o, s:o, s:i, s:o}", "count", group_count(g, t),
			      "work", work_json(&g->work), "policy", policy_json(&g->policy),
			      "nice", g->nice, "affinity", affinity_json(&g->affinity));

	if (g->mem.kind != MEM_DEFAULT)	/* absent when there is none, as in the file */
		json_object_set_new(j, "mem_policy", mem_policy_json(&g->mem));
	return j;
}

static json_t *resolved(const struct cpuspec *spec, const struct systopo *t)
{
	struct cpuset cpus;
	char err[256];

	if (spec_resolve(spec, t, &cpus, err, sizeof(err)) < 0)
		return json_null();
	return cpuset_json(&cpus);
}

static json_t *defs_json(const struct cgdef *defs, unsigned n, const struct systopo *t)
{
	json_t *arr = json_array();

	for (unsigned d = 0; d < n; d++) {
		json_t *groups = json_array();

		for (unsigned g = 0; g < defs[d].ngroups; g++)
			json_array_append_new(groups, group_json(&defs[d].groups[g], t));
		json_array_append_new(arr, json_pack("{s:s, s:o, s:o}", "name", defs[d].name,
			"cpuset", defs[d].has_cpuset ? resolved(&defs[d].cpuset, t) : json_null(),
			"workers", groups));
	}
	return arr;
}

static json_t *op_json(const struct op *o, const struct systopo *t)
{
	json_t *j = json_pack("{s:s}", "op", op_name(o->kind));
	static const char *const key_a[] = { "cgroup", "cgroup", "cgroup", "cgroup", "a", "cgroup",
					     "cgroup", "cgroup", NULL, "from" };

	if (o->kind >= OP_RUN_PAYLOAD) {
		json_decref(j);
		return payload_op_json(o);
	}
	if (o->a)
		json_object_set_new(j, key_a[o->kind], json_string(o->a));
	if (o->b)
		json_object_set_new(j, o->kind == OP_SWAP_CPUSETS ? "b" : "to", json_string(o->b));
	if (o->kind == OP_SET_CPUSET)
		json_object_set_new(j, "cpuset", resolved(&o->spec, t));
	if (o->kind == OP_SPAWN || o->kind == OP_SPAWN_HOST)
		json_object_set_new(j, "workers", group_json(&o->group, t));
	if (o->kind == OP_SET_AFFINITY)
		json_object_set_new(j, "affinity", affinity_json(&o->affinity));
	return j;
}

static json_t *hold_json(const struct hold *h, unsigned duration_ms)
{
	if (h->kind == HOLD_LOOP)
		return json_pack("{s:i}", "loop_ms", h->ms);
	return json_pack("{s:i}", "ms", h->kind == HOLD_MS ? h->ms : (unsigned)(h->frac * duration_ms));
}

json_t *plan_json(const struct scenario *s, const struct systopo *t, unsigned duration_ms)
{
	char why[512], *name = scenario_topo_name(t);
	const char *skip = requires_unmet(&s->req, t, why, sizeof(why));
	struct cpuset usable;
	json_t *steps = json_array(), *plan;

	if (!skip)
		skip = scenario_cpusets_unresolvable(s, t, why, sizeof(why));
	scenario_usable_cpus(t, &usable);
	for (unsigned i = 0; i < s->nsteps; i++) {
		const struct step *st = &s->steps[i];
		json_t *ops = json_array();

		for (unsigned k = 0; k < st->nops; k++)
			json_array_append_new(ops, op_json(&st->ops[k], t));
		json_array_append_new(steps, json_pack("{s:i, s:o, s:o, s:o}", "index", i, "ops", ops,
			"cgroups", defs_json(st->defs, st->ndefs, t), "hold", hold_json(&st->hold, duration_ms)));
	}
	plan = json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:o, s:o}", "type", "plan", "scenario", s->name,
			 "topo", name, "result", skip ? "skip" : "ok", "usable_cpus", cpuset_json(&usable),
			 "duration_ms", duration_ms, "cgroups", defs_json(s->defs, s->ndefs, t),
			 "steps", steps);
	if (skip)
		json_object_set_new(plan, "reason", json_string(skip));
	free(name);
	return plan;
}

void scenario_usable_cpus(const struct systopo *t, struct cpuset *out)
{
	int last = cpuset_last(&t->online);

	*out = t->online;
	if (t->ncpus > 2)
		out->bits[last / 64] &= ~(UINT64_C(1) << (last % 64));
}

char *scenario_topo_name(const struct systopo *t)
{
	char buf[64];
	unsigned cores = t->ncpus / (t->nllcs ? t->nllcs : 1) / (t->threads_per_core ? t->threads_per_core : 1);

	snprintf(buf, sizeof(buf), "%un%ul%uc%ut", t->nnodes, t->nllcs, cores, t->threads_per_core);
	return xstrdup(buf);
}
