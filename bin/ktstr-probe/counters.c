/* Growing counters over the judged samples (see counters.h). */
#include <limits.h>
#include <string.h>

#include "counters.h"
#include "monitor.h"

void counter_span_note(struct counter_span *s, const struct counterset *totals, long long t_ms)
{
	if (!totals)
		return;
	if (!s->any) {
		counterset_copy(&s->first, totals);
		s->first_ms = t_ms;
		s->any = true;
	}
	counterset_copy(&s->last, totals);
	s->last_ms = t_ms;
}

void counter_span_free(struct counter_span *s)
{
	counterset_free(&s->first);
	counterset_free(&s->last);
	s->any = false;
}

static double span_s(const struct counter_span *s)
{
	return ((double)s->last_ms - (double)s->first_ms) / 1000.0;
}

/*
 * How much value k of a counter grew from before to after: 0 when it went
 * back (a scheduler or program loaded again) or either lacks it (unsigned
 * arithmetic: no overflow on garbage counts).
 */
static long long counter_growth(const struct counter *before, const struct counter *after, unsigned k)
{
	unsigned long long d;

	if (!before || !after || !(before->has & 1u << k) || !(after->has & 1u << k) ||
	    after->v[k] < before->v[k])
		return 0;
	d = (unsigned long long)after->v[k] - (unsigned long long)before->v[k];
	return d > (unsigned long long)LLONG_MAX ? 0 : (long long)d;
}

int schedstat_totals(const struct sample *sample, struct counterset *sum)
{
	counterset_clear(sum);
	for (size_t i = 0; i < sample->ncpus; i++) {
		const struct counterset *st = &sample->cpus[i].schedstat;

		for (size_t k = 0; k < st->n; k++) {
			const char *name = counter_name(st, &st->c[k]);
			/* (every CPU has the same names in the same order: try that first) */
			struct counter *c = k < sum->n && !strcmp(counter_name(sum, &sum->c[k]), name) ?
					    &sum->c[k] : counterset_find(sum, name);

			if (!c) {
				c = counterset_add(sum, name);
				c->has = 1;
			}
			/* (wrapping, not undefined, on garbage) */
			c->v[0] = (long long)((unsigned long long)c->v[0] + (unsigned long long)st->c[k].v[0]);
		}
	}
	return sum->n ? 0 : -1;
}

/*
 * Event counts: last totals minus first, for names in both; the fallback
 * rate per second of that span, the keep_last rate per second and CPU (each
 * CPU whose only task outlives its slice adds 1/slice: a healthy 20 ms slice
 * gives 50/s per busy CPU).
 */
void counters_events(const struct counter_span *ev, size_t ncpu, json_t *out)
{
	json_t *events, *n;
	double secs = span_s(ev);

	if (!ev->any)
		return;
	events = json_object();
	for (size_t i = 0; i < ev->last.n; i++) {
		const struct counter *v = &ev->last.c[i];
		const char *name = counter_name(&ev->last, v);
		const struct counter *before = counterset_find(&ev->first, name);

		if (before)
			json_object_set_new(events, name, json_integer(counter_growth(before, v, 0)));
	}
	if (secs > 0 && (n = json_object_get(events, "select_cpu_fallback")))
		json_object_set_new(out, "fallback_rate", real3((double)json_integer_value(n) / secs));
	if (secs > 0 && (n = json_object_get(events, "dispatch_keep_last")))
		json_object_set_new(out, "keep_last_rate",
				    real3((double)json_integer_value(n) / secs / (double)(ncpu ? ncpu : 1)));
	json_object_set_new(out, "events", events);
}

/*
 * Per BPF program of the scheduler (name): its runs over the span, runs per
 * second and mean ns per run, for programs in the first and last samples;
 * and its verified_insns and jited_bytes, fixed once it is loaded, as the
 * last sample has them.
 */
void counters_progs(const struct counter_span *p, json_t *out)
{
	static const struct { unsigned k; const char *key; } fixed[] = {
		{ PROG_VERIFIED_INSNS, "verified_insns" }, { PROG_JITED_BYTES, "jited_bytes" },
	};
	json_t *progs, *o;
	double secs = span_s(p);

	if (!p->any || secs <= 0)
		return;
	progs = json_object();
	for (size_t i = 0; i < p->last.n; i++) {
		const struct counter *v = &p->last.c[i];
		const char *name = counter_name(&p->last, v);
		const struct counter *before = counterset_find(&p->first, name);
		long long runs, ns;

		if (!before)
			continue;
		runs = counter_growth(before, v, PROG_CNT);
		ns = counter_growth(before, v, PROG_NSECS);
		o = json_pack("{s:I, s:o, s:o}", "runs", (json_int_t)runs,
			      "runs_per_s", real3((double)runs / secs),
			      "ns_per_run", real3(runs ? (double)ns / (double)runs : 0));
		for (size_t f = 0; f < sizeof(fixed) / sizeof(fixed[0]); f++)
			if (v->has & 1u << fixed[f].k)
				json_object_set_new(o, fixed[f].key, json_integer(v->v[fixed[f].k]));
		json_object_set_new(progs, name, o);
	}
	json_object_set_new(out, "progs", progs);
}

/*
 * The rq schedstat counters over the span, per second over all CPUs:
 * schedule() calls, of them switches to idle, yields, wakeups, local wakeups.
 */
void counters_schedstat(const struct counter_span *st, json_t *out)
{
	json_t *rates;
	double secs = span_s(st);

	if (!st->any || secs <= 0)
		return;
	rates = json_object();
	for (size_t i = 0; i < st->last.n; i++) {
		const struct counter *v = &st->last.c[i];
		const char *name = counter_name(&st->last, v);

		json_object_set_new(rates, name,
				    real3((double)counter_growth(counterset_find(&st->first, name), v, 0) / secs));
	}
	json_object_set_new(out, "schedstat_per_s", rates);
}
