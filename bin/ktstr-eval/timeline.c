/* Per-step summaries of a job and the changes between consecutive steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "die.h"
#include "judge.h"
#include "timeline.h"

/* Counters at a sample: summed over CPUs (run delay) or as the kernel sums them (events). */
struct tl_point {
	long long t_ms;
	double run_delay_ns, pcount, fallback, keep_last;
	int ncpus, has_events;
};

struct tl_step {
	long samples;
	double imb_sum, imb_max, dsq_sum, dsq_max;
	struct tl_point first, last;
	struct tl_point ev_first, ev_last;	/* samples with event counters (absent once detached) */
};

struct timeline {
	struct tl_step *v;
	size_t n;
};

struct timeline *timeline_new(void)
{
	return xcalloc(1, sizeof(struct timeline));
}

void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	free(tl->v);
	free(tl);
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/*
 * A CPU's load as the monitor counts it: under a sched_ext scheduler its tasks
 * waiting in a shared DSQ count on no CPU, so only the running one and the local
 * DSQ's count, beside the other classes' tasks.
 */
static double cpu_load(json_t *cpu, int scx)
{
	double nr = num(cpu, "nr_running"), snr = num(cpu, "scx_nr_running");
	double local = 1 + num(cpu, "local_dsq_depth");

	if (!scx || !json_is_number(json_object_get(cpu, "scx_nr_running")))
		return nr;
	return nr - snr + (snr < local ? snr : local);
}

static void sample_point(json_t *s, struct tl_point *p)
{
	json_t *cpus = json_object_get(s, "cpus"), *c, *ev = json_object_get(s, "events");
	size_t i;

	memset(p, 0, sizeof(*p));
	p->t_ms = (long long)num(s, "t_ms");
	json_array_foreach(cpus, i, c) {
		p->run_delay_ns += num(c, "run_delay_ns");
		p->pcount += num(c, "pcount");
	}
	p->ncpus = (int)json_array_size(cpus);
	if (json_is_object(ev)) {
		p->has_events = 1;
		p->fallback = num(ev, "select_cpu_fallback");
		p->keep_last = num(ev, "dispatch_keep_last");
	}
}

void timeline_note_sample(struct timeline *tl, json_t *s)
{
	json_t *step = json_object_get(s, "step"), *cpus = json_object_get(s, "cpus"), *c;
	const char *phase = json_string_value(json_object_get(s, "phase"));
	int scx = json_is_string(json_object_get(s, "scheduler"));
	double lo = INFINITY, hi = 0, dsq = 0;
	struct tl_step *st;
	json_int_t k;
	size_t i;

	/* settle is the workers' warm-up, as the monitor leaves it out */
	if (!phase || strcmp(phase, "scenario") || !json_is_integer(step) ||
	    (k = json_integer_value(step)) < 0 || k > 4096 || !json_array_size(cpus))
		return;
	if ((size_t)k >= tl->n) {
		tl->v = xrealloc(tl->v, ((size_t)k + 1) * sizeof(*tl->v));
		memset(tl->v + tl->n, 0, ((size_t)k + 1 - tl->n) * sizeof(*tl->v));
		tl->n = (size_t)k + 1;
	}
	st = &tl->v[k];
	json_array_foreach(cpus, i, c) {
		double load = cpu_load(c, scx);

		load = load < 0 ? 0 : load;	/* fields read at slightly different times */

		lo = load < lo ? load : lo;
		hi = load > hi ? load : hi;
		if (num(c, "local_dsq_depth") > dsq)
			dsq = num(c, "local_dsq_depth");
	}
	hi /= lo < 1 ? 1 : lo;
	st->imb_sum += hi;
	st->imb_max = hi > st->imb_max ? hi : st->imb_max;
	st->dsq_sum += dsq;
	st->dsq_max = dsq > st->dsq_max ? dsq : st->dsq_max;
	sample_point(s, st->samples ? &st->last : &st->first);
	if (!st->samples)
		st->last = st->first;
	if (st->last.has_events) {
		if (!st->ev_first.has_events)
			st->ev_first = st->last;
		st->ev_last = st->last;
	}
	st->samples++;
}

/* Two decimals: what the record and its tests show. */
static json_t *round2(double x)
{
	return json_real(round(x * 100) / 100);
}

/* Append s to buf (size len >= 4, *used taken); when it overflows, end with "...". */
static void cat(char *buf, size_t len, size_t *used, const char *s)
{
	size_t n = strlen(s), room;

	if (*used + 1 >= len)	/* cut already */
		return;
	if (*used + n < len) {
		memcpy(buf + *used, s, n + 1);
		*used += n;
		return;
	}
	if (*used + 4 > len)	/* the dots go over what is there */
		*used = len - 4;
	room = len - 4 - *used;
	memcpy(buf + *used, s, room);
	strcpy(buf + *used + room, "...");
	*used = len - 1;
}

/* "set_cpuset cg_0, set_cpuset cg_1", "add cg_2, cg_3"; "start" or "hold" for neither. */
static json_t *step_op(json_t *step, size_t index)
{
	json_t *ops = json_object_get(step, "ops"), *cgs = json_object_get(step, "cgroups"), *o;
	char buf[512] = "";
	size_t i, used = 0;

	json_array_foreach(ops, i, o) {
		if (used)
			cat(buf, sizeof(buf), &used, ", ");
		cat(buf, sizeof(buf), &used, rec_str(o, "op", "?"));
		if (rec_str(o, "cgroup", NULL)) {
			cat(buf, sizeof(buf), &used, " ");
			cat(buf, sizeof(buf), &used, rec_str(o, "cgroup", ""));
		}
	}
	json_array_foreach(cgs, i, o) {
		cat(buf, sizeof(buf), &used, i ? ", " : used ? ", add " : "add ");
		cat(buf, sizeof(buf), &used, json_is_string(o) ? json_string_value(o) : rec_str(o, "name", "?"));
	}
	return json_string(used ? buf : index ? "hold" : "start");
}

/* What the host saw in one step. */
static void add_samples(json_t *e, const struct tl_step *st)
{
	const struct tl_point *a = &st->first, *b = &st->last;
	const struct tl_point *ea = &st->ev_first, *eb = &st->ev_last;
	double secs = (eb->t_ms - ea->t_ms) / 1000.0;

	json_object_set_new(e, "samples", json_integer(st->samples));
	if (!st->samples)
		return;
	json_object_set_new(e, "avg_imbalance_ratio", round2(st->imb_sum / st->samples));
	json_object_set_new(e, "max_imbalance_ratio", round2(st->imb_max));
	json_object_set_new(e, "avg_local_dsq_depth", round2(st->dsq_sum / st->samples));
	json_object_set_new(e, "max_local_dsq_depth", round2(st->dsq_max));
	if (b->pcount > a->pcount)
		json_object_set_new(e, "avg_run_delay_us",
				    round2((b->run_delay_ns - a->run_delay_ns) / (b->pcount - a->pcount) / 1000));
	if (ea->has_events && eb->has_events && secs > 0) {
		json_object_set_new(e, "fallback_rate", round2((eb->fallback - ea->fallback) / secs));
		/* per CPU, as the monitor's: one CPU's slices alone make 50/s */
		json_object_set_new(e, "keep_last_rate",
				    round2((eb->keep_last - ea->keep_last) / secs /
					   (eb->ncpus ? eb->ncpus : 1)));
	}
}

/* How fast the workers went in step index of duration ms, and the slowest of them. */
static void add_workers(json_t *e, json_t *workers, json_int_t index, double ms)
{
	double sum = 0, min = INFINITY;
	json_t *w, *s, *slow = NULL;
	size_t i, j, n = 0;

	json_array_foreach(workers, i, w)
		json_array_foreach(json_object_get(w, "steps"), j, s) {
			double u = num(s, "work_units");

			if (json_integer_value(json_object_get(s, "index")) != index)
				continue;
			sum += u;
			n++;
			if (u < min) {
				min = u;
				slow = w;
			}
		}
	if (!n)
		return;
	if (ms > 0)
		json_object_set_new(e, "work_rate", round2(sum / (ms / 1000)));
	if (n > 1 && sum > 0) {
		json_object_set_new(e, "slowest_worker_pct", round2(100 * min * n / sum));
		json_object_set_new(e, "slowest_worker",
				    json_pack("{s:s, s:O?}", "cgroup", rec_str(slow, "cgroup", "?"),
					      "tid", json_object_get(slow, "tid")));
	}
}

/* The change of one metric past its threshold, or nothing; up: a rise is worse. */
static void compare(json_t *changes, json_t *prev, json_t *cur, const char *metric,
		    json_t *th, const char *key, int relative, int up)
{
	json_t *a = json_object_get(prev, metric), *b = json_object_get(cur, metric);
	double x, y, d, limit;

	if (!json_is_number(a) || !json_is_number(b) || !check_limit(th, key, &limit))
		return;
	x = json_number_value(a);
	y = json_number_value(b);
	d = relative ? (x > 0 ? (y - x) / x : y > 0 ? INFINITY : 0) : y - x;
	/* run delay: a doubling of microseconds is noise, of milliseconds is not */
	if (!strcmp(metric, "avg_run_delay_us") && fabs(y - x) < 1000)
		return;
	if (fabs(d) <= limit)
		return;
	json_array_append_new(changes, json_pack("{s:s, s:O, s:O, s:s}", "metric", metric,
						 "from", a, "to", b, "change",
						 (d > 0) == up ? "degradation" : "improvement"));
}

static void compare_steps(json_t *prev, json_t *cur, json_t *th)
{
	json_t *changes = json_array();

	compare(changes, prev, cur, "avg_imbalance_ratio", th, "timeline_imbalance_delta", 0, 1);
	compare(changes, prev, cur, "avg_local_dsq_depth", th, "timeline_dsq_delta", 0, 1);
	compare(changes, prev, cur, "avg_run_delay_us", th, "timeline_run_delay_rel", 1, 1);
	compare(changes, prev, cur, "fallback_rate", th, "timeline_event_rate_delta", 0, 1);
	compare(changes, prev, cur, "keep_last_rate", th, "timeline_event_rate_delta", 0, 1);
	compare(changes, prev, cur, "work_rate", th, "timeline_work_rate_rel", 1, 0);
	compare(changes, prev, cur, "slowest_worker_pct", th, "timeline_slowest_worker_rel", 1, 0);
	json_object_set_new(cur, "changes", changes);
}

json_t *timeline_build(struct timeline *tl, json_t *steps, json_t *workers,
		       json_t *scenario_end, json_t *th)
{
	json_t *out, *step, *e, *prev = NULL;
	size_t i;

	if (!json_array_size(steps))
		return NULL;
	out = json_array();
	json_array_foreach(steps, i, step) {
		json_int_t index = json_integer_value(json_object_get(step, "index"));
		json_t *next = json_array_get(steps, i + 1), *t = json_object_get(step, "t_ms");
		json_t *end = json_object_get(next ? next : scenario_end, "t_ms");
		double ms = json_is_number(t) && json_is_number(end) ?
			json_number_value(end) - json_number_value(t) : 0;

		e = json_pack("{s:I, s:o, s:O?}", "step", (json_int_t)index, "op", step_op(step, i),
			      "t_ms", t);
		if (ms > 0)
			json_object_set_new(e, "duration_ms", json_integer((json_int_t)ms));
		add_samples(e, index >= 0 && (size_t)index < tl->n ? &tl->v[index] :
			    &(struct tl_step){ 0 });
		add_workers(e, workers, index, ms);
		if (prev)
			compare_steps(prev, e, th);
		else
			json_object_set_new(e, "changes", json_array());
		json_array_append_new(out, e);
		prev = e;
	}
	return out;
}
