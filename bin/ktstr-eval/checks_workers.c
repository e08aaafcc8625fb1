/*
 * Worker checks and per-cgroup stats. Wake latencies are
 * summarised in the guest (per worker: count, p50, p99, max, cv), so a
 * cgroup's p99 is the largest worker p99, its median the largest worker
 * median and its CV the largest worker CV: the worst worker speaks for the
 * cgroup (the p99 of all samples pooled can be no larger than that max).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "cpulist.h"
#include "die.h"
#include "judge.h"
#include "weight.h"

/*
 * Workers whose off-CPU shares should match: one worker group (same work,
 * policy, nice, affinity) started in one step. A cgroup that mixes policies
 * or work types on purpose is no unfairness, and a group owed crumbs beside
 * heavier workers (MIN_OWED_SHARE) is not judged.
 *
 * Their spread is judged twice, by guest CPU time and by work done, and the
 * smaller counts: under TCG each alone can lie. The task current on a vCPU
 * the host does not run accrues guest CPU time without running (equal-work
 * Mixed workers differed 3-fold in CPU time), and a worker on a vCPU the host
 * runs less does less work in equal CPU time. A scheduler that keeps a worker
 * off CPU lowers both. The work spread is the spread of work per wall second
 * in units of the group's own work per CPU second, so both are shares of a CPU.
 */
#define PEER_GROUPS 32
struct peer_group {
	double group, step;
	double weight;		/* of its policy and nice; 0 for real-time */
	unsigned n;
	double off_min, off_max;
	double rate_min, rate_max, rate_sum, on_sum;	/* work per wall s; CPU share */
	bool cpu_unknown;				/* a worker without CPU time */
};

struct cg_acc {
	const char *name;
	unsigned n, wake_n;
	struct peer_group pg[PEER_GROUPS];
	unsigned npg;
	struct cpuset cpus;
	double units, off_sum, gap_max, gap_cpu;
	double off_min, off_max;	/* over every worker, for a cgroup with no peers */
	double migrations, iterations, delay_sum, delay_max;
	double p99_max, p50_max, cv_max, p99_tid, cv_tid;
	double rate_sum, rate_sq, rate_min, rate_max;
	unsigned rate_n;
};

/* No libm in this tool: sqrt by Newton's method is plenty for a CV. */
static double sqrt_pos(double x)
{
	double r = x > 1 ? x : 1;

	if (x <= 0)
		return 0;
	for (int i = 0; i < 200; i++) {
		double next = 0.5 * (r + x / r);

		if (next == r)
			break;
		r = next;
	}
	return r;
}

/* x rounded to `places` decimals, for readable stats. */
static double rounded(double x, int places)
{
	double k = 1;

	while (places-- > 0)
		k *= 10;
	if (x >= 9e15 / k || x <= -9e15 / k)
		return x;
	return (double)(long long)(x * k + (x >= 0 ? 0.5 : -0.5)) / k;
}

/* A sum of counts as an integer; sums past the largest one saturate rather than wrap. */
static json_int_t sat_int(double x)
{
	if (!(x > 0))
		return 0;
	return x >= 9223372036854775807.0 ? INT64_MAX : (json_int_t)x;
}

static const char *cg_name(json_t *w)
{
	return rec_str(w, "cgroup", "/");
}

static struct cg_acc *cg_find(struct cg_acc *cgs, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(cgs[i].name, name))
			return &cgs[i];
	cgs[*n] = (struct cg_acc){ .name = name, .rate_min = 1e300, .off_min = 1e300 };
	cpuset_zero(&cgs[*n].cpus);
	return &cgs[(*n)++];
}

/* dst |= src, a word at a time (a CPU at a time over 4096 bits was a fifth of the run time). */
static void cpuset_add_all(struct cpuset *dst, const struct cpuset *src)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		dst->bits[i] |= src->bits[i];
}

static json_int_t tid_of(json_t *w)
{
	return json_integer_value(json_object_get(w, "tid"));
}

/* CPUs in used but not in allowed, as a list; "" when none. */
static void cpus_outside(const char *used, const char *allowed, char *buf, size_t len)
{
	struct cpuset u, a, out;
	char err[128];

	buf[0] = '\0';
	if (!used || !allowed || cpulist_parse(used, &u, err, sizeof(err)) ||
	    cpulist_parse(allowed, &a, err, sizeof(err)))
		return;
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		out.bits[i] = u.bits[i] & ~a.bits[i];
	cpulist_format(&out, buf, len);
}

static void check_isolation(struct verdict_ctx *v, json_t *w)
{
	json_t *steps = json_object_get(w, "steps"), *st;
	json_int_t n = steps_total(v->js);
	char out[256];
	size_t i;

	if (json_array_size(steps)) {
		json_array_foreach(steps, i, st) {
			cpus_outside(rec_str(st, "cpus_used", NULL), rec_str(st, "cpuset", NULL),
				     out, sizeof(out));
			if (*out)
				detail_add(v, "Isolation", true,
					   "%s: tid %lld ran on CPUs %s outside its cpuset %s in step %lld of %lld",
					   cg_name(w), (long long)tid_of(w), out, rec_str(st, "cpuset", ""),
					   step_no(json_integer_value(json_object_get(st, "index"))),
					   (long long)n);
		}
		return;
	}
	cpus_outside(rec_str(w, "cpus_used", NULL), rec_str(w, "cpuset", NULL), out, sizeof(out));
	if (*out)
		detail_add(v, "Isolation", true, "%s: tid %lld ran on CPUs %s outside its cpuset %s",
			   cg_name(w), (long long)tid_of(w), out, rec_str(w, "cpuset", ""));
}

/* The step a worker's longest gap fell in: its worker_stuck note, else from step times. */
static json_int_t gap_step(struct verdict_ctx *v, json_t *w)
{
	json_int_t tid = tid_of(w), best = -1, spawn = json_integer_value(json_object_get(w, "step"));
	double best_gap = -1, at;
	json_t *ev, *st;
	size_t i;

	json_array_foreach(v->js->sched, i, ev)
		if (!strcmp(rec_str(ev, "event", ""), "worker_stuck") && tid_of(ev) == tid &&
		    rec_num(ev, "gap_ms") > best_gap) {
			best_gap = rec_num(ev, "gap_ms");
			best = json_integer_value(json_object_get(ev, "step"));
		}
	if (best >= 0)
		return best;
	st = json_array_get(v->js->steps, (size_t)spawn);
	if (!json_is_number(json_object_get(st, "t_ms")))
		return -1;
	at = rec_num(st, "t_ms") + rec_num(w, "max_gap_at_ms");
	json_array_foreach(v->js->steps, i, st)
		if (json_is_number(json_object_get(st, "t_ms")) && rec_num(st, "t_ms") <= at)
			best = json_integer_value(json_object_get(st, "index"));
	return best;
}

static const char *light_label(json_t *w, char *buf, size_t len);

/* A gap past limit; a light worker's (factor f > 1) fails only past f times it. */
static void check_gap(struct verdict_ctx *v, json_t *w, double limit, double f)
{
	json_int_t step = gap_step(v, w);
	char where[64] = "", why[96], lbl[32];
	bool fails = rec_num(w, "max_gap_ms") > limit * f;

	if (step >= 0)
		snprintf(where, sizeof(where), " in step %lld of %lld", step_no(step),
			 (long long)steps_total(v->js));
	if (f > 1)
		snprintf(why, sizeof(why), "limit %.0f ms for its weight (%s): %.3gx max_gap_ms", limit * f,
			 light_label(w, lbl, sizeof(lbl)), f);
	else
		snprintf(why, sizeof(why), "limit %g ms", limit);
	detail_add(v, fails ? "Stuck" : "LightWorker", fails, "%s: tid %lld stuck %.0f ms on cpu %lld at +%.0f ms%s (%s)",
		   cg_name(w), (long long)tid_of(w), rec_num(w, "max_gap_ms"),
		   (long long)json_integer_value(json_object_get(w, "max_gap_cpu")),
		   rec_num(w, "max_gap_at_ms"), where, why);
}

/* Work units per CPU-second; -1 when it cannot be told (CPU time unknown). */
static double work_rate(json_t *w)
{
	double cpu_s = rec_num(w, "cpu_time_ns") / 1e9, units = rec_num(w, "work_units");

	if (cpu_s > 0)
		return units / cpu_s;
	return units <= 0 ? 0 : -1;
}

/* How many times longer than a nice-0 worker this one may go without CPU. */
static double light_factor(json_t *w)
{
	return weight_wait_factor_named(rec_str(w, "policy", "normal"),
					(int)json_integer_value(json_object_get(w, "nice")));
}

/* A light worker's label for messages: "idle", "nice 19". */
static const char *light_label(json_t *w, char *buf, size_t len)
{
	if (!strcmp(rec_str(w, "policy", ""), "idle"))
		return "idle";
	snprintf(buf, len, "nice %lld", (long long)json_integer_value(json_object_get(w, "nice")));
	return buf;
}

/* Seconds from the worker's spawn step to the scenario's end: its chance to run. */
static double alive_s(struct verdict_ctx *v, json_t *w, double wall_s)
{
	json_t *st = json_array_get(v->js->steps, (size_t)json_integer_value(json_object_get(w, "step")));
	json_t *end = v->js->scenario_end;
	double s;

	if (!json_is_number(json_object_get(st, "t_ms")) || !json_is_number(json_object_get(end, "t_ms")))
		return wall_s;
	s = (rec_num(end, "t_ms") - rec_num(st, "t_ms")) / 1000;
	return s > wall_s ? s : wall_s;
}

static void check_starved(struct verdict_ctx *v, json_t *w, double wall_s)
{
	double f = light_factor(w), gap, alive = alive_s(v, w, wall_s);
	const char *cg = cg_name(w);
	long long tid = (long long)tid_of(w);
	char lbl[32];

	if (json_is_false(json_object_get(w, "completed")))
		detail_add(v, "Starved", true, "%s: tid %lld starved (no report: %s)", cg, tid,
			   rec_str(w, "exit_info", "unknown"));
	else if (f > 1 && check_limit(v->th, "max_gap_ms", &gap) && alive * 1000 <= gap * f)
		detail_add(v, "LightWorker", false, "%s: tid %lld (%s) did no work in %.1f s, within the "
			   "%.0f s a worker of its weight may wait (%.3gx max_gap_ms)", cg, tid,
			   light_label(w, lbl, sizeof(lbl)), alive, gap * f / 1000, f);
	else
		detail_add(v, "Starved", true, "%s: tid %lld starved (0 work units in %.1f s)",
			   cg, tid, alive);
}

static void check_worker(struct verdict_ctx *v, json_t *w, double wall_s)
{
	double limit, rate = work_rate(w);
	const char *cg = cg_name(w);
	long long tid = (long long)tid_of(w);

	if (check_on(v->th, "not_starved") && rec_num(w, "work_units") <= 0)
		check_starved(v, w, wall_s);
	if (check_limit(v->th, "max_gap_ms", &limit) && rec_num(w, "max_gap_ms") > limit)
		check_gap(v, w, limit, light_factor(w));
	if (check_on(v->th, "isolation"))
		check_isolation(v, w);
	if (check_limit(v->th, "min_work_rate", &limit) && rate >= 0 && rate < limit)
		detail_add(v, "Benchmark", true, "%s: tid %lld work rate %.0f units/cpu-s below limit %.0f",
			   cg, tid, rate, limit);
	if (check_limit(v->th, "min_iteration_rate", &limit) && wall_s > 0 &&
	    rec_num(w, "iterations") / wall_s < limit)
		detail_add(v, "Benchmark", true, "%s: tid %lld iteration rate %.1f/s below limit %.1f/s",
			   cg, tid, rec_num(w, "iterations") / wall_s, limit);
}

/* Note a worker's off-CPU share and work rate in its peer group. */
static void peer_note(struct cg_acc *s, json_t *w, double off, double wall_s)
{
	double group = rec_num(w, "group"), step = rec_num(w, "step");
	double rate = wall_s > 0 ? rec_num(w, "work_units") / wall_s : 0;
	double on = wall_s > 0 ? rec_num(w, "cpu_time_ns") / 1e9 / wall_s : 0;
	struct peer_group *g = NULL;

	for (unsigned i = 0; i < s->npg && !g; i++)
		if (s->pg[i].group == group && s->pg[i].step == step)
			g = &s->pg[i];
	if (!g && s->npg < PEER_GROUPS) {
		g = &s->pg[s->npg++];
		*g = (struct peer_group){ .group = group, .step = step, .weight = worker_weight(w),
					  .off_min = 1e300, .rate_min = 1e300 };
	}
	if (!g)		/* more groups than kept: the last one takes the rest */
		g = &s->pg[PEER_GROUPS - 1];
	g->n++;
	g->off_min = off < g->off_min ? off : g->off_min;
	g->off_max = off > g->off_max ? off : g->off_max;
	g->rate_min = rate < g->rate_min ? rate : g->rate_min;
	g->rate_max = rate > g->rate_max ? rate : g->rate_max;
	g->rate_sum += rate;
	g->on_sum += on;
	g->cpu_unknown |= !(on > 0);
}

/* The spread of work per wall second as a share of a CPU, in %; -1 when unknown. */
static double work_spread(const struct peer_group *g)
{
	if (g->cpu_unknown || !(g->on_sum > 0) || !(g->rate_sum > 0))
		return -1;
	return (g->rate_max - g->rate_min) / (g->rate_sum / g->on_sum) * 100;
}

/* The spread judged: the smaller of the off-CPU and the work spread. */
static double judged_spread(const struct peer_group *g)
{
	double cpu = g->off_max - g->off_min, work = work_spread(g);

	return work >= 0 && work < cpu ? work : cpu;
}

/* Whether g is owed crumbs beside its cgroup's other peer groups (all CPU-bound). */
static bool group_owed_crumbs(const struct cg_acc *s, const struct peer_group *g)
{
	struct owed o = { 0 };

	for (unsigned i = 0; i < s->npg; i++)
		owed_add(&o, s->pg[i].weight, s->pg[i].n, s->pg[i].on_sum);
	return owed_crumbs(&o, g->weight);
}

/* The peer group of two or more workers with the widest judged spread, or NULL. */
static const struct peer_group *widest_peers(const struct cg_acc *s)
{
	const struct peer_group *best = NULL;

	for (unsigned i = 0; i < s->npg; i++)
		if (s->pg[i].n >= 2 && !group_owed_crumbs(s, &s->pg[i]) &&
		    (!best || judged_spread(&s->pg[i]) > judged_spread(best)))
			best = &s->pg[i];
	return best;
}

static void accumulate(struct cg_acc *s, json_t *w, double wall_s)
{
	double off = wall_s > 0 ? rec_num(w, "off_cpu_ns") / 1e7 / wall_s : 0;
	double rate = work_rate(w), delay = rec_num(w, "schedstat_run_delay_ns") / 1e3;
	json_t *wl = json_object_get(w, "wake_latency");
	struct cpuset used;
	char err[128];

	s->n++;
	s->units += rec_num(w, "work_units");
	s->off_sum += off;
	s->off_min = off < s->off_min ? off : s->off_min;
	s->off_max = off > s->off_max ? off : s->off_max;
	/*
	 * Only an always-runnable worker's off-CPU time is the scheduler's doing:
	 * a worker that blocks on a lock, a pipe or a wake-up is off CPU in the
	 * order its partners let it go. A worker with no work is Starved instead.
	 */
	if (work_cpu_bound(rec_str(w, "work_type", "")) && !worker_own_pace(w) &&
	    rec_num(w, "work_units") > 0)
		peer_note(s, w, off, wall_s);
	if (rec_num(w, "max_gap_ms") > s->gap_max || s->n == 1) {
		s->gap_max = rec_num(w, "max_gap_ms");
		s->gap_cpu = rec_num(w, "max_gap_cpu");
	}
	s->migrations += rec_num(w, "migration_count");
	s->iterations += rec_num(w, "iterations");
	s->delay_sum += delay;
	s->delay_max = delay > s->delay_max ? delay : s->delay_max;
	if (!cpulist_parse(rec_str(w, "cpus_used", ""), &used, err, sizeof(err)))
		cpuset_add_all(&s->cpus, &used);
	if (rate >= 0) {
		s->rate_n++;
		s->rate_sum += rate;
		s->rate_sq += rate * rate;
		s->rate_min = rate < s->rate_min ? rate : s->rate_min;
		s->rate_max = rate > s->rate_max ? rate : s->rate_max;
	}
	if (rec_num(wl, "count") > 0) {
		s->wake_n++;
		if (rec_num(wl, "p99_ns") > s->p99_max || s->wake_n == 1) {
			s->p99_max = rec_num(wl, "p99_ns");
			s->p99_tid = (double)tid_of(w);
		}
		s->p50_max = rec_num(wl, "p50_ns") > s->p50_max ? rec_num(wl, "p50_ns") : s->p50_max;
		if (rec_num(wl, "count") >= 2 && (rec_num(wl, "cv") > s->cv_max || !s->cv_tid)) {
			s->cv_max = rec_num(wl, "cv");
			s->cv_tid = (double)tid_of(w);
		}
	}
}

static double throughput_cv(const struct cg_acc *s)
{
	double mean = s->rate_n ? s->rate_sum / s->rate_n : 0, var;

	if (s->rate_n < 2 || mean <= 0)
		return -1;
	var = (s->rate_sq - s->rate_n * mean * mean) / (s->rate_n - 1);
	return sqrt_pos(var) / mean;
}

static void check_cgroup(struct verdict_ctx *v, const struct cg_acc *s)
{
	const struct peer_group *pg = widest_peers(s);
	double limit, spread = pg ? judged_spread(pg) : 0, cv = throughput_cv(s);
	char by_work[48] = "";

	if (pg && work_spread(pg) >= 0)
		snprintf(by_work, sizeof(by_work), ", by work %.1f%%", work_spread(pg));
	if (check_on(v->th, "not_starved") && check_limit(v->th, "max_spread_pct", &limit) &&
	    pg && spread > limit)
		detail_add(v, "Unfair", true,
			   "%s: unfair: off-CPU spread %.1f%% (%.1f-%.1f%%)%s, over %u equal workers on %u CPUs (limit %g%%)",
			   s->name, pg->off_max - pg->off_min, pg->off_min, pg->off_max, by_work, pg->n,
			   cpuset_count(&s->cpus), limit);
	if (check_limit(v->th, "max_throughput_cv", &limit) && cv > limit)
		detail_add(v, "Benchmark", true,
			   "%s: throughput CV %.3f over %u workers (%.0f-%.0f units/cpu-s) above limit %.3f",
			   s->name, cv, s->rate_n, s->rate_min, s->rate_max, limit);
	if (check_limit(v->th, "max_p99_wake_latency_ns", &limit) && s->wake_n && s->p99_max > limit)
		detail_add(v, "Benchmark", true,
			   "%s: p99 wake latency %.1f us (tid %.0f, worst of %u workers) above limit %.1f us",
			   s->name, s->p99_max / 1e3, s->p99_tid, s->wake_n, limit / 1e3);
	if (check_limit(v->th, "max_wake_latency_cv", &limit) && s->cv_tid && s->cv_max > limit)
		detail_add(v, "Benchmark", true,
			   "%s: wake latency CV %.3f (tid %.0f) above limit %.3f",
			   s->name, s->cv_max, s->cv_tid, limit);
	if (check_limit(v->th, "max_migration_ratio", &limit) && s->iterations > 0 &&
	    s->migrations / s->iterations > limit)
		detail_add(v, "Migration", true,
			   "%s: migration ratio %.4f (%.0f migrations / %.0f iterations) above limit %.4f",
			   s->name, s->migrations / s->iterations, s->migrations, s->iterations, limit);
}

static json_t *cg_stats_json(const struct cg_acc *s)
{
	const struct peer_group *pg = widest_peers(s);
	char cpus[1024];
	json_t *o;

	cpulist_format(&s->cpus, cpus, sizeof(cpus));
	o = json_pack("{s:I, s:I, s:s, s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:f, s:I, s:f, s:f, s:f}",
		      "num_workers", (json_int_t)s->n, "num_cpus", (json_int_t)cpuset_count(&s->cpus),
		      "cpus_used", cpus, "total_work_units", sat_int(s->units),
		      "avg_off_cpu_pct", rounded(s->n ? s->off_sum / s->n : 0, 3),
		      "min_off_cpu_pct", rounded(pg ? pg->off_min : s->n ? s->off_min : 0, 3),
		      "max_off_cpu_pct", rounded(pg ? pg->off_max : s->off_max, 3),
		      "spread_pct", rounded(pg ? pg->off_max - pg->off_min : 0, 3),
		      "max_gap_ms", s->gap_max, "max_gap_cpu", sat_int(s->gap_cpu),
		      "total_migrations", sat_int(s->migrations),
		      "migration_ratio", rounded(s->iterations > 0 ? s->migrations / s->iterations : 0, 6),
		      "total_iterations", sat_int(s->iterations),
		      "iterations_per_worker", rounded(s->n ? s->iterations / s->n : 0, 1),
		      "mean_run_delay_us", rounded(s->n ? s->delay_sum / s->n : 0, 1),
		      "worst_run_delay_us", rounded(s->delay_max, 1));
	if (pg && work_spread(pg) >= 0)	/* absent when a peer's CPU time is unknown */
		json_object_set_new(o, "work_spread_pct", json_real(rounded(work_spread(pg), 3)));
	if (s->wake_n) {	/* absent, not zero, when no worker woke up */
		json_object_set_new(o, "p99_wake_latency_us", json_real(rounded(s->p99_max / 1e3, 1)));
		json_object_set_new(o, "median_wake_latency_us", json_real(rounded(s->p50_max / 1e3, 1)));
		json_object_set_new(o, "wake_latency_cv", json_real(rounded(s->cv_max, 4)));
		if (s->p50_max > 0)
			json_object_set_new(o, "wake_latency_tail_ratio",
					    json_real(rounded(s->p99_max / s->p50_max, 3)));
	}
	return o;
}

/* Worst over cgroups of one stats field: max, or min over non-zero values. */
static void merge_worst(json_t *stats, json_t *cgo, const char *field, const char *as, bool min)
{
	const char *name;
	json_t *cg, *f;
	double best = 0;
	bool any = false;

	json_object_foreach(cgo, name, cg) {
		if (!json_is_number(f = json_object_get(cg, field)))
			continue;
		if (min && json_number_value(f) <= 0)
			continue;
		if (!any || (min ? json_number_value(f) < best : json_number_value(f) > best))
			best = json_number_value(f);
		any = true;
	}
	if (any)
		json_object_set_new(stats, as, json_real(best));
}

static json_t *merged_stats(struct cg_acc *cgs, size_t ncg, json_t *cgo)
{
	double units = 0, mig = 0, iters = 0;
	struct cpuset all;
	unsigned workers = 0;
	json_t *stats;

	cpuset_zero(&all);
	for (size_t i = 0; i < ncg; i++) {
		workers += cgs[i].n;
		units += cgs[i].units;
		mig += cgs[i].migrations;
		iters += cgs[i].iterations;
		cpuset_add_all(&all, &cgs[i].cpus);
	}
	stats = json_pack("{s:I, s:I, s:I, s:I, s:I}", "workers", (json_int_t)workers,
			  "num_cpus", (json_int_t)cpuset_count(&all), "total_work_units", sat_int(units),
			  "total_migrations", sat_int(mig), "total_iterations", sat_int(iters));
	merge_worst(stats, cgo, "spread_pct", "worst_spread_pct", false);
	merge_worst(stats, cgo, "max_gap_ms", "worst_gap_ms", false);
	merge_worst(stats, cgo, "migration_ratio", "worst_migration_ratio", false);
	merge_worst(stats, cgo, "p99_wake_latency_us", "worst_p99_wake_latency_us", false);
	merge_worst(stats, cgo, "median_wake_latency_us", "worst_median_wake_latency_us", false);
	merge_worst(stats, cgo, "wake_latency_cv", "worst_wake_latency_cv", false);
	merge_worst(stats, cgo, "wake_latency_tail_ratio", "worst_wake_latency_tail_ratio", false);
	merge_worst(stats, cgo, "mean_run_delay_us", "worst_mean_run_delay_us", false);
	merge_worst(stats, cgo, "worst_run_delay_us", "worst_run_delay_us", false);
	merge_worst(stats, cgo, "iterations_per_worker", "worst_iterations_per_worker", true);
	merge_worst(stats, cgo, "share_ratio", "worst_share_ratio", false);
	merge_worst(stats, cgo, "cpu_use_pct", "worst_cpu_use_pct", true);
	json_object_set(stats, "cgroups", cgo);
	return stats;
}

json_t *judge_workers(struct verdict_ctx *v)
{
	json_t *workers = v->js->workers, *w, *cgo = json_object(), *stats;
	size_t nw = json_array_size(workers), ncg = 0, i;
	struct cg_acc *cgs = xcalloc(nw + 1, sizeof(*cgs));

	json_array_foreach(workers, i, w) {
		double wall_s = rec_num(w, "wall_time_ns") / 1e9;

		check_worker(v, w, wall_s);
		accumulate(cg_find(cgs, &ncg, cg_name(w)), w, wall_s);
	}
	for (i = 0; i < ncg; i++) {
		check_cgroup(v, &cgs[i]);
		json_object_set_new(cgo, cgs[i].name, cg_stats_json(&cgs[i]));
	}
	judge_shares(v, cgo);
	stats = merged_stats(cgs, ncg, cgo);
	json_decref(cgo);
	free(cgs);
	return stats;
}
