/* Growing counters over the judged samples (see counters.h). */
#include <limits.h>

#include "counters.h"
#include "monitor.h"

void counter_span_note(struct counter_span *s, json_t *totals, long long t_ms)
{
	if (!json_is_object(totals))
		return;
	if (!s->first) {
		s->first = json_deep_copy(totals);
		s->first_ms = t_ms;
	}
	json_decref(s->last);
	s->last = json_deep_copy(totals);
	s->last_ms = t_ms;
}

void counter_span_free(struct counter_span *s)
{
	json_decref(s->first);
	json_decref(s->last);
	s->first = s->last = NULL;
}

static double span_s(const struct counter_span *s)
{
	return ((double)s->last_ms - (double)s->first_ms) / 1000.0;
}

/*
 * How much a counter grew from before to after: 0 when it went back (a
 * scheduler or program loaded again) or either is not an integer (unsigned
 * arithmetic: no overflow on garbage counts).
 */
static long long counter_growth(json_t *before, json_t *after)
{
	unsigned long long d;

	if (!json_is_integer(before) || !json_is_integer(after) ||
	    json_integer_value(after) < json_integer_value(before))
		return 0;
	d = (unsigned long long)json_integer_value(after) - (unsigned long long)json_integer_value(before);
	return d > (unsigned long long)LLONG_MAX ? 0 : (long long)d;
}

json_t *schedstat_totals(json_t *sample)
{
	json_t *sum = json_object(), *e, *v;
	const char *name;
	size_t i;

	json_array_foreach(json_object_get(sample, "cpus"), i, e)
		json_object_foreach(json_object_get(e, "schedstat"), name, v)
			json_object_set_new(sum, name, json_integer(json_integer_value(json_object_get(sum, name)) +
								  json_integer_value(v)));
	if (json_object_size(sum))
		return sum;
	json_decref(sum);
	return NULL;
}

/*
 * Event counts: last totals minus first, for names in both; the fallback
 * rate per second of that span, the keep_last rate per second and CPU (each
 * CPU whose only task outlives its slice adds 1/slice: a healthy 20 ms slice
 * gives 50/s per busy CPU).
 */
void counters_events(const struct counter_span *ev, size_t ncpu, json_t *out)
{
	json_t *v, *events, *n;
	double secs = span_s(ev);
	const char *name;

	if (!ev->first || !ev->last)
		return;
	events = json_object();
	json_object_foreach(ev->last, name, v) {
		json_t *before = json_object_get(ev->first, name);

		if (json_is_integer(v) && json_is_integer(before))
			json_object_set_new(events, name, json_integer(counter_growth(before, v)));
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
	static const char *const fixed[] = { "verified_insns", "jited_bytes" };
	json_t *v, *progs, *o;
	double secs = span_s(p);
	const char *name;

	if (!p->first || !p->last || secs <= 0)
		return;
	progs = json_object();
	json_object_foreach(p->last, name, v) {
		json_t *before = json_object_get(p->first, name);
		long long runs, ns;

		if (!before)
			continue;
		runs = counter_growth(json_object_get(before, "cnt"), json_object_get(v, "cnt"));
		ns = counter_growth(json_object_get(before, "nsecs"), json_object_get(v, "nsecs"));
		o = json_pack("{s:I, s:o, s:o}", "runs", (json_int_t)runs,
			      "runs_per_s", real3((double)runs / secs),
			      "ns_per_run", real3(runs ? (double)ns / (double)runs : 0));
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			if (json_is_integer(json_object_get(v, fixed[i])))
				json_object_set(o, fixed[i], json_object_get(v, fixed[i]));
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
	json_t *v, *rates;
	double secs = span_s(st);
	const char *name;

	if (!st->first || !st->last || secs <= 0)
		return;
	rates = json_object();
	json_object_foreach(st->last, name, v)
		json_object_set_new(rates, name, real3((double)counter_growth(json_object_get(st->first, name), v) / secs));
	json_object_set_new(out, "schedstat_per_s", rates);
}
