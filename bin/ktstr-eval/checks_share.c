/*
 * CPU shares from the workers' own accounts:
 * - max_share_ratio: workers that should get equal CPU (one cgroup, one
 *   worker group of one step: same work type, policy, nice and affinity)
 *   may differ by at most this factor. Judged by the smaller of two ratios,
 *   work rate (units per wall second) and CPU time (per wall second), since
 *   under TCG each alone can lie: the task current on a vCPU the host does
 *   not run accrues guest CPU time without running (equal-work Mixed workers
 *   differed 20-fold in CPU time), and a worker on a vCPU the host runs less
 *   does less work (pinned CpuSpin workers with equal CPU time differed
 *   3-fold in work). A scheduler that gives a worker less CPU lowers both.
 * - min_cgroup_cpu_pct: the workers must use the CPUs they may use, by guest
 *   CPU time (cpu_time_ns / wall_time_ns), which counts what the guest gave
 *   whatever the host did.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "cpuflow.h"
#include "cpulist.h"
#include "die.h"
#include "judge.h"
#include "worker_affinity.h"

#define EPS 1e-9	/* CPU amounts are fractions */
#define MAX_NAMES_LEN 200	/* cgroup names listed in a detail */
#define MAX_STEPS 64		/* a scenario has at most 64 steps */
/*
 * Peers whose best-served worker got less than this share of a CPU are not
 * compared: the scheduler gave them almost nothing, and a ratio of two
 * crumbs is noise (0.1% against 2.0% of a CPU: 15 times). Nor are peers
 * owed crumbs (peer_owed_crumbs). Starved and the gap checks judge such workers.
 */
#define MIN_COMPARED_SHARE 0.05

struct share_worker {
	json_t *rec;
	const char *cgroup;
	double share;	/* of one CPU, over the worker's wall time */
	double rate;	/* work units per wall second */
	bool cpu_bound, compared;
	struct aff_state aff;
	size_t cls;	/* its class: the CPUs it may use over the whole run */
};

/* Workers that may use the same CPUs: the CPU they want and got. */
struct cpu_class {
	struct cpuset cpus;
	double used;
	unsigned cpu_bound, others;
	size_t comp;	/* union-find parent: classes whose CPUs overlap share one */
};

/* Per cgroup: the worst peer ratio, its pair of workers, and its component's CPU use. */
struct cg_share {
	const char *name;
	double ratio, use_pct, other_ratio;	/* other_ratio: by the measure not judged */
	bool by_work;				/* ratio is the work-rate one */
	const struct share_worker *lo, *hi;
	unsigned peers;
	const char *work_type;
};

struct share_ctx {
	struct verdict_ctx *v;
	struct share_worker *w;
	size_t nw;
	struct cpu_class *cls;
	size_t ncls;
	struct cg_share *cg;
	size_t ncg;
	struct cpuset online;
	double step_weight[MAX_STEPS];	/* each step's share of the scenario's time */
	size_t nsteps;			/* 0: step times unknown */
};

/* A cpuset string of a worker record, or every online CPU for null. */
static bool cpuset_of(json_t *s, const struct cpuset *online, struct cpuset *out)
{
	char err[128];

	if (!json_is_string(s)) {
		*out = *online;
		return true;
	}
	return !cpulist_parse(json_string_value(s), out, err, sizeof(err));
}

static bool cpusets_overlap(const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

/*
 * The CPUs worker w could use in one step (st: its entry in the worker's
 * steps): the cgroup's cpuset then, narrowed by the affinity; where the
 * affinity cannot be told, the CPUs it was seen on (that can only lower the
 * expectation).
 */
static bool step_cpus(const struct share_ctx *c, json_t *w, json_t *st, const struct aff_state *a,
		      struct cpuset *out)
{
	char err[128];

	if (a->kind == AFF_FIXED || a->kind == AFF_VARIES) {
		if (cpulist_parse(rec_str(st, "cpus_used", ""), out, err, sizeof(err)) ||
		    !cpuset_count(out))
			return !cpulist_parse(rec_str(w, "cpus_used", ""), out, err, sizeof(err)) &&
			       cpuset_count(out) > 0;
		return true;
	}
	if (!cpuset_of(json_object_get(st, "cpuset"), &c->online, out))
		return false;
	if (a->kind == AFF_EXACT)
		for (size_t b = 0; b < CPUSET_MAX / 64; b++)
			out->bits[b] &= a->exact.bits[b];
	return cpuset_count(out) > 0;
}

/* The union of what w could use over the steps it lived through. */
static bool worker_cpus(const struct share_ctx *c, json_t *w, const struct aff_state *a,
			struct cpuset *out)
{
	json_t *steps = json_object_get(w, "steps"), *st;
	struct cpuset one;
	size_t i;

	if (!json_array_size(steps))	/* no step seen: the record's own fields */
		return step_cpus(c, w, w, a, out);
	cpuset_zero(out);
	json_array_foreach(steps, i, st) {
		if (!step_cpus(c, w, st, a, &one))
			return false;
		for (size_t b = 0; b < CPUSET_MAX / 64; b++)
			out->bits[b] |= one.bits[b];
	}
	return cpuset_count(out) > 0;
}

static size_t class_of(struct share_ctx *c, const struct cpuset *cpus)
{
	for (size_t i = 0; i < c->ncls; i++)
		if (!memcmp(&c->cls[i].cpus, cpus, sizeof(*cpus)))
			return i;
	c->cls[c->ncls] = (struct cpu_class){ .cpus = *cpus, .comp = c->ncls };
	return c->ncls++;
}

static size_t comp_root(struct share_ctx *c, size_t i)
{
	while (c->cls[i].comp != i)
		i = c->cls[i].comp = c->cls[c->cls[i].comp].comp;
	return i;
}

static struct cg_share *cg_of(struct share_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->ncg; i++)
		if (!strcmp(c->cg[i].name, name))
			return &c->cg[i];
	c->cg[c->ncg] = (struct cg_share){ .name = name, .use_pct = -1 };
	return &c->cg[c->ncg++];
}

/* Workers that finished with work done, each in the class of its CPUs. */
static void collect_workers(struct share_ctx *c)
{
	json_t *scen = json_object_get(c->v->js->job, "scenario"), *w;
	size_t i;

	json_array_foreach(c->v->js->workers, i, w) {
		double wall = rec_num(w, "wall_time_ns");
		struct share_worker *sw = &c->w[c->nw];
		struct aff_state aff = { .kind = AFF_POOL };
		const char *cg = rec_str(w, "cgroup", "/");
		struct cpuset cpus;
		struct cpu_class *cl;

		if (json_is_false(json_object_get(w, "completed")) || rec_num(w, "work_units") <= 0 ||
		    wall <= 0)
			continue;	/* a starved or lost worker is reported as such */
		aff_of_cgroup(scen, cg, &aff);
		if (cpuset_from_ancestor(scen, cg) && aff.kind != AFF_VARIES)
			aff.kind = AFF_FIXED;	/* the CPUs it was seen on, then */
		if (!worker_cpus(c, w, &aff, &cpus))
			continue;
		*sw = (struct share_worker){ .rec = w, .cgroup = cg_of(c, cg)->name,
					     .share = rec_num(w, "cpu_time_ns") / wall,
					     .rate = rec_num(w, "work_units") / wall * 1e9,
					     .cpu_bound = work_cpu_bound(rec_str(w, "work_type", "")),
					     .aff = aff, .cls = class_of(c, &cpus) };
		cl = &c->cls[sw->cls];
		cl->used += sw->share;
		if (sw->cpu_bound)
			cl->cpu_bound++;
		else
			cl->others++;
		c->nw++;
	}
	for (i = 0; i < c->ncls; i++)
		for (size_t j = 0; j < i; j++)
			if (cpusets_overlap(&c->cls[i].cpus, &c->cls[j].cpus))
				c->cls[comp_root(c, i)].comp = comp_root(c, j);
}

static bool peers(const struct share_worker *a, const struct share_worker *b)
{
	return a->cgroup == b->cgroup &&
	       rec_num(a->rec, "group") == rec_num(b->rec, "group") &&
	       rec_num(a->rec, "step") == rec_num(b->rec, "step") &&
	       json_is_true(json_object_get(a->rec, "is_messenger")) ==
	       json_is_true(json_object_get(b->rec, "is_messenger")) &&
	       !strcmp(rec_str(a->rec, "work_type", ""), rec_str(b->rec, "work_type", ""));
}

/*
 * Whether peer p is owed crumbs beside its cgroup's weighed workers on its
 * CPUs. A sleeper does not claim its weight's share, so only the CPU-bound
 * workers and p's peers count.
 */
static bool peer_owed_crumbs(struct share_ctx *c, const struct share_worker *p)
{
	struct owed o = { 0 };

	for (size_t j = 0; j < c->nw; j++) {
		const struct share_worker *w = &c->w[j];

		if (w->cgroup == p->cgroup && comp_root(c, w->cls) == comp_root(c, p->cls) &&
		    (w->cpu_bound || peers(p, w)))
			owed_add(&o, worker_weight(w->rec), 1, w->share);
	}
	return owed_crumbs(&o, worker_weight(p->rec));
}

/* A peer and the value it is ranked by. */
struct ranked {
	double key;
	struct share_worker *w;
};

static int ranked_cmp(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->key, y = ((const struct ranked *)b)->key;

	return x < y ? -1 : x > y;
}

/*
 * Highest over lowest of n peers by key, leaving out a tenth at either end
 * (a worker that started late, or a vCPU the host starved for a moment); the
 * pair is returned in *lo and *hi. 0 when the lowest is 0.
 */
static double trimmed_ratio(struct ranked *r, size_t n, bool by_rate, struct share_worker **lo,
			    struct share_worker **hi)
{
	size_t k = n / 10;

	for (size_t i = 0; i < n; i++)
		r[i].key = by_rate ? r[i].w->rate : r[i].w->share;
	qsort(r, n, sizeof(*r), ranked_cmp);
	*lo = r[k].w;
	*hi = r[n - 1 - k].w;
	return r[k].key > 0 ? r[n - 1 - k].key / r[k].key : 0;
}

/* Each group of peers once: the smaller of the two ratios, kept per cgroup when worst. */
static void measure_ratios(struct share_ctx *c)
{
	struct ranked *r = xcalloc(c->nw + 1, sizeof(*r));

	for (size_t i = 0; i < c->nw; i++) {
		struct share_worker *wlo, *whi, *clo, *chi;
		double by_work, by_cpu, ratio;
		struct cg_share *cg;
		size_t n = 0;

		if (c->w[i].compared || c->w[i].aff.kind == AFF_VARIES)
			continue;
		for (size_t j = i; j < c->nw; j++) {
			if (c->w[j].compared || !peers(&c->w[i], &c->w[j]))
				continue;
			c->w[j].compared = true;
			r[n++].w = &c->w[j];
		}
		if (n < 2)
			continue;
		by_work = trimmed_ratio(r, n, true, &wlo, &whi);
		by_cpu = trimmed_ratio(r, n, false, &clo, &chi);
		ratio = by_work < by_cpu ? by_work : by_cpu;
		if (chi->share < MIN_COMPARED_SHARE || peer_owed_crumbs(c, &c->w[i]))
			continue;
		cg = cg_of(c, c->w[i].cgroup);
		if (ratio <= 0 || (cg->peers && ratio <= cg->ratio))
			continue;
		*cg = (struct cg_share){ .name = cg->name, .ratio = ratio, .use_pct = cg->use_pct,
					 .by_work = by_work < by_cpu,
					 .other_ratio = by_work < by_cpu ? by_cpu : by_work,
					 .lo = by_work < by_cpu ? wlo : clo,
					 .hi = by_work < by_cpu ? whi : chi,
					 .peers = (unsigned)n,
					 .work_type = rec_str(wlo->rec, "work_type", "?") };
	}
	free(r);
}

/* w's entry for step index s in its steps, or NULL. */
static json_t *worker_step(json_t *w, size_t s)
{
	json_t *st;
	size_t i;

	json_array_foreach(json_object_get(w, "steps"), i, st)
		if (rec_num(st, "index") == (double)s)
			return st;
	return NULL;
}

/*
 * The most CPU the workers of component root could use at once in step s
 * (s == SIZE_MAX: over the whole run, each on the union of its CPUs): a
 * maximum flow, CPU-bound workers wanting a CPU each and the others what
 * they got (what a worker that sleeps would want is unknown). Workers with
 * the same CPUs are one group. -1 when too large to compute.
 */
static double step_capacity(struct share_ctx *c, size_t root, size_t s)
{
	struct cpuset *sets = xcalloc(c->nw + 1, sizeof(*sets)), cpus;
	double *demand = xcalloc(c->nw + 1, sizeof(*demand)), *flow = xcalloc(c->nw + 1, sizeof(*flow));
	double total = 0;
	size_t n = 0, g;

	for (size_t i = 0; i < c->nw; i++) {
		struct share_worker *sw = &c->w[i];
		json_t *st = s == SIZE_MAX ? NULL : worker_step(sw->rec, s);

		if (comp_root(c, sw->cls) != root)
			continue;
		if (s == SIZE_MAX || !json_array_size(json_object_get(sw->rec, "steps")))
			cpus = c->cls[sw->cls].cpus;
		else if (!st || !step_cpus(c, sw->rec, st, &sw->aff, &cpus))
			continue;	/* not alive in step s */
		for (g = 0; g < n && memcmp(&sets[g], &cpus, sizeof(cpus)); g++)
			;
		sets[g] = cpus;
		demand[g] += sw->cpu_bound ? 1 : sw->share;
		n += g == n;
	}
	if (!cpuflow_max(sets, demand, n, flow))
		total = -1;
	for (g = 0; total >= 0 && g < n; g++)
		total += flow[g];
	free(sets);
	free(demand);
	free(flow);
	return total;
}

/*
 * What component root could use: each step's capacity weighted by the
 * step's share of the scenario's time (a cpuset that changes half way
 * counts half), or, without step times, the capacity over the whole run.
 */
static double comp_capacity(struct share_ctx *c, size_t root)
{
	double total = 0, one;

	if (!c->nsteps)
		return step_capacity(c, root, SIZE_MAX);
	for (size_t s = 0; s < c->nsteps; s++) {
		if ((one = step_capacity(c, root, s)) < 0)
			return -1;
		total += c->step_weight[s] * one;
	}
	return total;
}

/* Each step's share of the scenario, from the step records and scenario_end; nsteps 0 if unknown. */
static void step_weights(struct share_ctx *c)
{
	struct job_state *js = c->v->js;
	json_int_t n = steps_total(js);
	double t[MAX_STEPS + 1], end = rec_num(js->scenario_end, "t_ms");
	json_t *st;
	size_t i;

	c->nsteps = 0;
	if (n < 1 || n > MAX_STEPS || (size_t)n != json_array_size(js->steps) ||
	    !json_is_number(json_object_get(js->scenario_end, "t_ms")))
		return;
	json_array_foreach(js->steps, i, st) {
		double idx = rec_num(st, "index");

		if (idx != (double)i || !json_is_number(json_object_get(st, "t_ms")))
			return;
		t[i] = rec_num(st, "t_ms");
	}
	t[n] = end;
	for (i = 0; i < (size_t)n; i++)
		if (t[i + 1] < t[i] || t[n] <= t[0])
			return;
	for (i = 0; i < (size_t)n; i++)
		c->step_weight[i] = (t[i + 1] - t[i]) / (t[n] - t[0]);
	c->nsteps = (size_t)n;
}

/* "cg_0, cg_1": the cgroups with workers in component root. */
static void comp_names(struct share_ctx *c, size_t root, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->nw; i++) {
		bool dup = false;

		if (comp_root(c, c->w[i].cls) != root)
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = comp_root(c, c->w[j].cls) == root && c->w[j].cgroup == c->w[i].cgroup;
		if (!dup && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 c->w[i].cgroup);
	}
}

/* One component (classes whose CPUs overlap): the CPU its workers got against what they could. */
static void judge_component(struct share_ctx *c, size_t root, double limit, bool judged)
{
	double used = 0, could = comp_capacity(c, root), pct;
	unsigned bound = 0, others = 0;
	struct cpuset cpus;
	char names[MAX_NAMES_LEN + 8], extra[64] = "";

	cpuset_zero(&cpus);
	for (size_t i = 0; i < c->ncls; i++) {
		if (comp_root(c, i) != root)
			continue;
		used += c->cls[i].used;
		bound += c->cls[i].cpu_bound;
		others += c->cls[i].others;
		for (size_t b = 0; b < CPUSET_MAX / 64; b++)
			cpus.bits[b] |= c->cls[i].cpus.bits[b];
	}
	if (!bound || could <= EPS)
		return;
	pct = 100 * used / could;
	for (size_t i = 0; i < c->nw; i++) {
		struct cg_share *cg = cg_of(c, c->w[i].cgroup);

		if (comp_root(c, c->w[i].cls) == root && (cg->use_pct < 0 || pct < cg->use_pct))
			cg->use_pct = pct;
	}
	if (!judged || pct >= limit)
		return;
	comp_names(c, root, names, MAX_NAMES_LEN);
	if (others)
		snprintf(extra, sizeof(extra), " (and %u other worker%s)", others, others == 1 ? "" : "s");
	detail_add(c->v, "Underused", true,
		   "%s: %u CPU-bound worker%s%s on %u allowed CPU%s used %.1f CPU of %.*f (%.0f%%, limit %g%%)",
		   names, bound, bound == 1 ? "" : "s", extra, cpuset_count(&cpus),
		   cpuset_count(&cpus) == 1 ? "" : "s", used, could - (long)could < 0.05 ? 0 : 1, could,
		   pct, limit);
}

/* Name the pair by the measure judged, and say how far apart the other measure put them. */
static void detail_ratio(struct verdict_ctx *v, const struct cg_share *cg, double limit)
{
	char by[160];

	if (cg->by_work)
		snprintf(by, sizeof(by), "by work rate %.0f vs %.0f units/s; by CPU time %.1f times",
			 cg->lo->rate, cg->hi->rate, cg->other_ratio);
	else
		snprintf(by, sizeof(by), "by CPU time %.1f%% vs %.1f%%; by work rate %.1f times",
			 100 * cg->lo->share, 100 * cg->hi->share, cg->other_ratio);
	detail_add(v, "Unfair", true, "%s: tid %lld got %.1f times less CPU than tid %lld among %u equal %s workers (%s; limit %g)",
		   cg->name, (long long)json_integer_value(json_object_get(cg->lo->rec, "tid")), cg->ratio,
		   (long long)json_integer_value(json_object_get(cg->hi->rec, "tid")), cg->peers,
		   cg->work_type, by, limit);
}

static void online_cpus(struct verdict_ctx *v, struct cpuset *online)
{
	double n = rec_num(json_object_get(v->js->job, "topo"), "cpus");

	cpuset_zero(online);
	if (n >= 1)
		cpuset_set_range(online, 0, (unsigned)(n < CPUSET_MAX ? n : CPUSET_MAX) - 1);
}

static double rounded2(double x)
{
	return (double)(long long)(x * 100 + 0.5) / 100;
}

void judge_shares(struct verdict_ctx *v, json_t *cgroup_stats)
{
	size_t nw = json_array_size(v->js->workers);
	struct share_ctx c = { .v = v, .w = xcalloc(nw + 1, sizeof(*c.w)),
			       .cls = xcalloc(nw + 1, sizeof(*c.cls)),
			       .cg = xcalloc(nw + 1, sizeof(*c.cg)) };
	double limit = 0;
	bool judged = check_limit(v->th, "min_cgroup_cpu_pct", &limit);

	online_cpus(v, &c.online);
	collect_workers(&c);
	measure_ratios(&c);
	step_weights(&c);
	for (size_t i = 0; i < c.ncls; i++)
		if (comp_root(&c, i) == i)
			judge_component(&c, i, limit, judged);
	for (size_t i = 0; i < c.ncg; i++) {
		struct cg_share *cg = &c.cg[i];
		json_t *o = json_object_get(cgroup_stats, cg->name);

		if (cg->peers && check_limit(v->th, "max_share_ratio", &limit) && cg->ratio > limit)
			detail_ratio(v, cg, limit);
		if (o && cg->peers)
			json_object_set_new(o, "share_ratio", json_real(rounded2(cg->ratio)));
		if (o && cg->use_pct >= 0)
			json_object_set_new(o, "cpu_use_pct", json_real(rounded2(cg->use_pct)));
	}
	free(c.w);
	free(c.cls);
	free(c.cg);
}
