/* Applying cgroup definitions and ops while a scenario runs. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "runner.h"

static uint64_t next_rand(struct runner *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

/* The LLC that shares the most CPUs with pool. */
static unsigned best_llc(const struct systopo *t, const struct cpuset *pool)
{
	unsigned best = 0, best_n = 0;

	for (unsigned i = 0; i < t->nllcs; i++) {
		struct cpuset both;

		cpuset_and(&both, &t->llc[i], pool);
		if (cpuset_count(&both) > best_n) {
			best_n = cpuset_count(&both);
			best = i;
		}
	}
	return best;
}

/* 0: out holds the CPU mask; 1: inherit (no call); -1: nothing usable. */
int affinity_resolve(struct runner *r, const struct affinity *a, const struct cpuset *pool,
		     struct cpuset *out)
{
	unsigned n = cpuset_count(pool), want;

	cpuset_zero(out);
	switch (a->kind) {
	case AFF_INHERIT:
		return 1;
	case AFF_RANDOM_SUBSET:
		for (want = n / 2 ? n / 2 : 1; n && cpuset_count(out) < want;)
			cpuset_set(out, (unsigned)cpuset_nth(pool, (unsigned)(next_rand(r) % n)));
		break;
	case AFF_LLC_ALIGNED:
		cpuset_and(out, &r->topo->llc[best_llc(r->topo, pool)], pool);
		break;
	case AFF_CROSS_CGROUP:
		*out = r->topo->online;
		break;
	case AFF_SINGLE_CPU:
		if (n)
			cpuset_set(out, (unsigned)cpuset_nth(pool, 0));
		break;
	case AFF_EXACT:
		cpuset_and(out, &a->exact, pool);
		break;
	case AFF_FIRST:
		for (unsigned i = 0; i < n && i < a->first; i++)
			cpuset_set(out, (unsigned)cpuset_nth(pool, i));
		break;
	}
	return cpuset_empty(out) ? -1 : 0;
}

static void cg_pool(struct runner *r, const char *name, struct cpuset *pool)
{
	struct cg_state *cg = name && *name ? runner_cg(r, name) : NULL;

	*pool = cg && cg->has_cpuset ? cg->cpus : r->topo->online;
}

/* Send workers [first, end) their affinity and policy and let them run. */
static void start_group(struct runner *r, const char *name, const struct group *g, unsigned first,
			unsigned end)
{
	struct cpuset pool, aff;

	cg_pool(r, name, &pool);
	for (unsigned i = first; i < end; i++) {
		int rc = affinity_resolve(r, &g->affinity, &pool, &aff);

		if (rc < 0)
			runner_error(r, "affinity: no CPU of %s's cpuset fits; worker %d inherits",
				     name, (int)r->ws.w[i].pid);
		worker_start(&r->ws.w[i], g, rc == 0 ? &aff : NULL);
	}
}

/* Fork a group blocked, move every worker into the cgroup, then start them (or queue the start). */
static void spawn_group(struct runner *r, const char *name, const struct group *g)
{
	struct cg_state *cg = *name ? runner_cg(r, name) : NULL;
	unsigned first = r->ws.n, gi = cg ? cg->ngroups++ : 0;
	struct group sized = *g;
	char err[512];

	sized.count = group_count(g, r->topo);
	if (workers_spawn(&r->ws, name, gi, &sized, r->step, err, sizeof(err)) < 0)
		runner_error(r, "spawn %u %s in %s: %s", g->count, work_info(g->work.kind)->name,
			     *name ? name : "host", err);
	for (unsigned i = first; *name && i < r->ws.n; i++)
		if (cg_move_pid(name, r->ws.w[i].pid, err, sizeof(err)) < 0)
			runner_error(r, "move worker %d into %s: %s", (int)r->ws.w[i].pid, name, err);
	if (!r->defer_start) {
		start_group(r, name, g, first, r->ws.n);
		return;
	}
	r->pending = xrealloc(r->pending, (r->npending + 1) * sizeof(*r->pending));
	r->pending[r->npending++] = (struct pending_start){ name, g, first, r->ws.n };
}

/*
 * Set up several definitions, then start all their workers together: no
 * group gets a head start, and init does not fork and move the later groups
 * while the earlier ones already spin on every CPU.
 */
void apply_defs(struct runner *r, const struct cgdef *defs, unsigned n, bool local)
{
	r->defer_start = true;
	for (unsigned d = 0; d < n; d++)
		apply_def(r, &defs[d], local);
	r->defer_start = false;
	for (unsigned i = 0; i < r->npending; i++)
		start_group(r, r->pending[i].name, r->pending[i].g, r->pending[i].first, r->pending[i].end);
	r->npending = 0;
}

static struct cg_state *add_cg_state(struct runner *r, const char *name, bool local)
{
	struct cg_state *cg = runner_cg(r, name);

	if (cg)
		return cg;
	r->cg = xrealloc(r->cg, (r->ncg + 1) * sizeof(*r->cg));
	cg = &r->cg[r->ncg++];
	memset(cg, 0, sizeof(*cg));
	cg->name = xstrdup(name);
	cg->local = local;
	cg->hist = xcalloc(MAX_STEPS, sizeof(*cg->hist));
	return cg;
}

void remove_cgroup_state(struct runner *r, const char *name)
{
	size_t len = strlen(name);

	for (unsigned i = 0; i < r->ncg;) {
		struct cg_state *cg = &r->cg[i];

		if (strcmp(cg->name, name) && !(strncmp(cg->name, name, len) == 0 && cg->name[len] == '/')) {
			i++;
			continue;
		}
		free(cg->name);
		free(cg->hist);
		r->cg[i] = r->cg[--r->ncg];
	}
}

static void create_cgroup(struct runner *r, const char *name, bool local)
{
	char err[512];

	if (cg_create(name, err, sizeof(err)) < 0)
		runner_error(r, "create cgroup %s: %s", name, err);
	add_cg_state(r, name, local);
}

static void set_cpuset(struct runner *r, const char *name, const struct cpuset *cpus)
{
	struct cg_state *cg = runner_cg(r, name);
	char err[512], note[1300];
	int rc = cg_set_cpuset(name, cpus, err, sizeof(err), note, sizeof(note));

	if (rc < 0)
		runner_error(r, "%s cpuset of %s: %s", cpus ? "set" : "clear", name, err);
	else if (rc > 0)	/* done another way on this kernel: the record says how */
		events_emit(r->ev, json_pack("{s:s, s:s, s:s, s:i, s:s}", "type", "kernel_compat",
					     "op", "clear_cpuset", "cgroup", name, "step", (int)r->step,
					     "message", note));
	if (!cg)
		return;
	cg->has_cpuset = cpus != NULL;
	if (cpus)
		cg->cpus = *cpus;
}

static void set_cpuset_spec(struct runner *r, const char *name, const struct cpuspec *spec)
{
	struct cpuset cpus;
	char err[512];

	if (spec_resolve(spec, r->topo, &cpus, err, sizeof(err)) < 0) {
		runner_error(r, "cpuset of %s: %s", name, err);
		return;
	}
	set_cpuset(r, name, &cpus);
}

void apply_def(struct runner *r, const struct cgdef *d, bool local)
{
	create_cgroup(r, d->name, local);
	if (d->has_cpuset)
		set_cpuset_spec(r, d->name, &d->cpuset);
	for (unsigned g = 0; g < d->ngroups; g++)
		spawn_group(r, d->name, &d->groups[g]);
}

static bool in_cgroup(const struct worker *w, const void *arg)
{
	const char *name = arg;

	return !strcmp(w->cgroup, name);
}

static bool in_subtree(const struct worker *w, const void *arg)
{
	const char *name = arg;
	size_t len = strlen(name);

	return !strcmp(w->cgroup, name) || (!strncmp(w->cgroup, name, len) && w->cgroup[len] == '/');
}

void stop_cgroup_workers(struct runner *r, const char *name, bool subtree)
{
	workers_collect(&r->ws, subtree ? in_subtree : in_cgroup, name, r);
}

static void swap_cpusets(struct runner *r, const char *a, const char *b)
{
	struct cg_state *ca = runner_cg(r, a), *cb = runner_cg(r, b);
	struct cg_state sa;

	if (!ca || !cb)
		return;
	sa = *ca;
	set_cpuset(r, a, cb->has_cpuset ? &cb->cpus : NULL);
	set_cpuset(r, b, sa.has_cpuset ? &sa.cpus : NULL);
}

static void set_affinity(struct runner *r, const char *name, const struct affinity *a)
{
	struct cpuset pool, aff;

	cg_pool(r, name, &pool);
	for (unsigned i = 0; i < r->ws.n; i++) {
		struct worker *w = &r->ws.w[i];
		cpu_set_t set;
		int rc;

		if (strcmp(w->cgroup, name))
			continue;
		rc = affinity_resolve(r, a, &pool, &aff);
		if (rc == 1)
			aff = r->topo->online;	/* inherit: back to every CPU */
		if (rc < 0) {
			runner_error(r, "set_affinity %s: no CPU of the cpuset fits", name);
			return;
		}
		CPU_ZERO(&set);
		for (int c = cpuset_next(&aff, 0); c >= 0 && c < CPU_SETSIZE; c = cpuset_next(&aff, (unsigned)c + 1))
			CPU_SET(c, &set);
		if (sched_setaffinity(w->pid, sizeof(set), &set) < 0)
			runner_error(r, "set_affinity of worker %d in %s: %m", (int)w->pid, name);
	}
}

static void move_all_tasks(struct runner *r, const char *from, const char *to)
{
	char err[512];

	if (cg_move_all(from, to, err, sizeof(err)) < 0) {
		runner_error(r, "move_all_tasks %s -> %s: %s", from, to, err);
		return;
	}
	for (unsigned i = 0; i < r->ws.n; i++) {
		if (strcmp(r->ws.w[i].cgroup, from))
			continue;
		free(r->ws.w[i].cgroup);
		r->ws.w[i].cgroup = xstrdup(to);
	}
}

void apply_op(struct runner *r, const struct op *o)
{
	char err[512];

	switch (o->kind) {
	case OP_ADD_CGROUP: create_cgroup(r, o->a, false); break;
	case OP_REMOVE_CGROUP:
		stop_cgroup_workers(r, o->a, true);
		if (cg_remove(o->a, err, sizeof(err)) < 0)
			runner_error(r, "remove cgroup %s: %s", o->a, err);
		remove_cgroup_state(r, o->a);
		break;
	case OP_SET_CPUSET: set_cpuset_spec(r, o->a, &o->spec); break;
	case OP_CLEAR_CPUSET: set_cpuset(r, o->a, NULL); break;
	case OP_SWAP_CPUSETS: swap_cpusets(r, o->a, o->b); break;
	case OP_SPAWN: spawn_group(r, o->a, &o->group); break;
	case OP_STOP_CGROUP: stop_cgroup_workers(r, o->a, false); break;
	case OP_SET_AFFINITY: set_affinity(r, o->a, &o->affinity); break;
	case OP_SPAWN_HOST: spawn_group(r, "", &o->group); break;
	case OP_MOVE_ALL_TASKS: move_all_tasks(r, o->a, o->b); break;
	case OP_RUN_PAYLOAD: payload_run(r, o); break;
	case OP_WAIT_PAYLOAD: payload_wait(r, o); break;
	case OP_KILL_PAYLOAD: payload_kill(r, o); break;
	}
}
