/*
 * The monitor summary (fields in share/ktstr/schema/monitor.json). Each
 * judged sample keeps only what the summary needs: per CPU nr_running,
 * local DSQ depth, rq_clock and vCPU time, and the imbalance ratio; growing
 * counters are in counters.c, runnable waits in waits.c.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "counters.h"
#include "monitor.h"
#include "waits.h"

#define MAX_WINDOW MONITOR_MAX_WINDOW
/* Deeper than this is uninitialised memory, not a queue (DSQ_PLAUSIBILITY_CEILING). */
#define DSQ_PLAUSIBILITY_CEILING 10000
/* CPU ids beyond this are ignored (as struct cpuset's limit). */
#define MAX_CPUS 4096

struct cpu_snap {
	long long nr_running;
	long long load;		/* what the imbalance ratio compares: see cpu_load() */
	long long dsq_depth;
	long long rq_clock;
	long long vcpu_ns, vcpu_wait_ns;	/* the vCPU thread's host CPU time and run delay */
	long long run_delay_ns, pcount;	/* the rq's sched_info: waits before running, runs */
	bool present;
	bool has_vcpu, has_vcpu_wait;
	bool has_sched_info;
};

struct judged_sample {
	long long t_ms;
	double ratio;
	size_t ncpu;		/* its snapshots cover ids 0..ncpu-1; absent ones are !present */
	size_t first;		/* index of its cpu 0 in the monitor's snaps */
};

struct monitor {
	unsigned interval_ms;
	long long preempt_ns;
	struct judged_sample *s;
	size_t n, cap;
	struct cpu_snap *snaps;	/* every judged sample's, one after the other */
	size_t nsnaps, capsnaps;
	size_t ncpu;		/* largest ncpu of any judged sample */
	struct counter_span events;	/* sched_ext's event counters */
	struct counter_span progs;	/* {name: {cnt, nsecs, ...}} of the BPF programs */
	struct counter_span schedstat;	/* rq schedstat counters summed over CPUs */
	struct counterset totals;	/* (a sample's schedstat sums, reused) */
	json_t *domains;	/* the sched_domains of the last sample that had them */
	char *scheduler;
	struct waits *waits;
};

struct monitor *monitor_new(unsigned interval_ms, long long preempt_ns)
{
	struct monitor *m = xcalloc(1, sizeof(*m));

	m->interval_ms = interval_ms ? interval_ms : 100;
	m->preempt_ns = preempt_ns > 0 ? preempt_ns : 40000000;
	m->waits = waits_new(m->preempt_ns);
	return m;
}

void monitor_free(struct monitor *m)
{
	if (!m)
		return;
	free(m->s);
	free(m->snaps);
	counter_span_free(&m->events);
	counter_span_free(&m->progs);
	counter_span_free(&m->schedstat);
	counterset_free(&m->totals);
	json_decref(m->domains);
	free(m->scheduler);
	waits_free(m->waits);
	free(m);
}

/* The cpu id of one cpus[] entry, or -1 when it has none usable. */
static long long cpu_id(const struct sample_cpu *e)
{
	return e->cpu >= 0 && e->cpu < MAX_CPUS ? e->cpu : -1;
}

/*
 * A CPU's load for the imbalance ratio: nr_running,
 * except under a sched_ext scheduler: its tasks count on the rq they were
 * enqueued from even while they wait in a DSQ that every CPU of an LLC (or
 * the machine) takes from, so two CPUs sharing a queue of 30 read 29 and 1
 * while both are busy. There the CPU's own share is its running task and its
 * local DSQ: other classes' tasks + min(scx_nr_running, 1 + local DSQ depth).
 */
static long long cpu_load(const struct sample_cpu *e, bool scx)
{
	long long nr = e->nr_running, scx_nr = e->has & SC_SCX_NR_RUNNING ? e->scx_nr_running : -1;
	long long local = e->has & SC_LOCAL_DSQ_DEPTH ? e->local_dsq_depth : -1, own;

	if (!scx || scx_nr < 0 || local < 0 || scx_nr > nr)
		return nr;
	own = local + 1 < scx_nr ? local + 1 : scx_nr;
	return nr - scx_nr + own;
}

/* Sample js's snapshot of cpu c (c < js->ncpu). */
static struct cpu_snap *snap_of(const struct monitor *m, const struct judged_sample *js, size_t c)
{
	return &m->snaps[js->first + c];
}

/* The per-CPU snapshots of a sample's CPUs, indexed by cpu id. */
static void read_cpus(struct monitor *m, struct judged_sample *js, const struct sample *sample, bool scx)
{
	size_t need;

	js->ncpu = 0;
	for (size_t i = 0; i < sample->ncpus; i++)
		if (cpu_id(&sample->cpus[i]) >= 0 && (size_t)cpu_id(&sample->cpus[i]) + 1 > js->ncpu)
			js->ncpu = (size_t)cpu_id(&sample->cpus[i]) + 1;
	need = m->nsnaps + js->ncpu;
	if (need > m->capsnaps) {
		m->capsnaps = need > 2 * m->capsnaps ? need : 2 * m->capsnaps;
		m->snaps = xrealloc(m->snaps, m->capsnaps * sizeof(*m->snaps));
	}
	js->first = m->nsnaps;
	if (js->ncpu)	/* (snaps may still be NULL) */
		memset(m->snaps + m->nsnaps, 0, js->ncpu * sizeof(*m->snaps));
	m->nsnaps = need;
	for (size_t i = 0; i < sample->ncpus; i++) {
		const struct sample_cpu *e = &sample->cpus[i];
		struct cpu_snap *c;

		if (cpu_id(e) < 0)
			continue;
		c = snap_of(m, js, (size_t)cpu_id(e));
		c->present = true;
		c->nr_running = e->nr_running;
		c->load = cpu_load(e, scx);
		c->dsq_depth = e->has & SC_LOCAL_DSQ_DEPTH ? e->local_dsq_depth : 0;
		c->rq_clock = e->rq_clock;
		c->has_sched_info = (e->has & SC_RUN_DELAY) && (e->has & SC_PCOUNT);
		c->run_delay_ns = e->run_delay_ns;
		c->pcount = e->pcount;
		c->has_vcpu = e->has & SC_VCPU_NS;
		c->vcpu_ns = c->has_vcpu ? e->vcpu_ns : 0;
		c->has_vcpu_wait = e->has & SC_VCPU_WAIT_NS;
		c->vcpu_wait_ns = c->has_vcpu_wait ? e->vcpu_wait_ns : 0;
	}
}

/* max(load) / max(1, min(load)) over the CPUs present; 0 with none. */
static double imbalance_ratio(const struct monitor *m, const struct judged_sample *js)
{
	long long lo = 0, hi = 0;
	bool any = false;

	for (size_t c = 0; c < js->ncpu; c++) {
		const struct cpu_snap *s = snap_of(m, js, c);

		if (!s->present)
			continue;
		if (!any || s->load < lo)
			lo = s->load;
		if (!any || s->load > hi)
			hi = s->load;
		any = true;
	}
	return any ? (double)hi / (double)(lo > 1 ? lo : 1) : 0.0;
}

void monitor_add(struct monitor *m, struct sample *sample)
{
	const char *sched = sample_text(sample, sample->scheduler);
	struct judged_sample *js;
	bool judged = !strcmp(sample->phase, "scenario");

	waits_add(m->waits, sample, judged);
	if (!judged)
		return;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->s = xrealloc(m->s, m->cap * sizeof(*m->s));
	}
	js = &m->s[m->n++];
	js->t_ms = sample->t_ms;
	read_cpus(m, js, sample, sched && *sched);
	js->ratio = imbalance_ratio(m, js);
	if (js->ncpu > m->ncpu)
		m->ncpu = js->ncpu;
	if (sched && *sched && (!m->scheduler || strcmp(m->scheduler, sched))) {
		free(m->scheduler);
		m->scheduler = xstrdup(sched);
	}
	counter_span_note(&m->events, sample->has & S_EVENTS ? &sample->events : NULL, js->t_ms);
	counter_span_note(&m->progs, sample->has & S_PROGS ? &sample->progs : NULL, js->t_ms);
	counter_span_note(&m->schedstat, schedstat_totals(sample, &m->totals) ? NULL : &m->totals,
			  js->t_ms);
	if (sample->domains) {
		json_incref(sample->domains);	/* (first: it may be the one held) */
		json_decref(m->domains);
		m->domains = sample->domains;
	}
}

/* Sample i's snapshot of cpu c, or NULL when it was not read. */
static const struct cpu_snap *snap(const struct monitor *m, size_t i, size_t c)
{
	const struct judged_sample *js = &m->s[i];

	return c < js->ncpu && snap_of(m, js, c)->present ? snap_of(m, js, c) : NULL;
}

json_t *real3(double x)
{
	if (x < 0)
		x = 0;
	if (x >= 1e15)	/* garbage counts: nothing to round, and no overflow */
		return json_real(x);
	return json_real((double)(long long)(x * 1000.0 + 0.5) / 1000.0);
}

/*
 * false when the runqueues never looked initialised: every rq_clock equal,
 * or a DSQ deeper than any real queue.
 */
static bool looks_initialized(const struct monitor *m)
{
	bool seen = false, differs = false;
	long long clock0 = 0;

	for (size_t i = 0; i < m->n; i++)
		for (size_t c = 0; c < m->s[i].ncpu; c++) {
			const struct cpu_snap *s = snap(m, i, c);

			if (!s)
				continue;
			if (s->dsq_depth > DSQ_PLAUSIBILITY_CEILING)
				return false;
			if (seen && s->rq_clock != clock0)
				differs = true;
			if (!seen)
				clock0 = s->rq_clock;
			seen = true;
		}
	return differs;
}

struct window best_window(const double *v, const bool *valid, size_t n, size_t k)
{
	struct window best = {0};
	size_t run = 0;

	for (size_t e = 0; e < n; e++) {
		double lo;

		run = valid[e] ? run + 1 : 0;
		if (run < k)
			continue;
		lo = v[e];
		for (size_t j = e + 1 - k; j < e; j++)
			if (v[j] < lo)
				lo = v[j];
		if (!best.found || lo > best.value)
			best = (struct window){true, lo, e};
	}
	return best;
}

static void add_imbalance(const struct monitor *m, json_t *out)
{
	double *ratio = xcalloc(m->n, sizeof(*ratio)), max = 0, sum = 0;
	bool *valid = xcalloc(m->n, sizeof(*valid));
	json_t *windows = json_array();

	for (size_t i = 0; i < m->n; i++) {
		ratio[i] = m->s[i].ratio;
		valid[i] = true;
		sum += ratio[i];
		if (ratio[i] > max)
			max = ratio[i];
	}
	for (size_t k = 1; k <= MAX_WINDOW && k <= m->n; k++) {
		struct window w = best_window(ratio, valid, m->n, k);

		json_array_append_new(windows, json_pack("{s:I, s:o, s:I}", "samples", (json_int_t)k,
							 "ratio", real3(w.value),
							 "end_sample", (json_int_t)w.end));
	}
	json_object_set_new(out, "max_imbalance_ratio", real3(max));
	json_object_set_new(out, "avg_imbalance_ratio", real3(sum / (double)m->n));
	json_object_set_new(out, "imbalance_windows", windows);
	free(ratio);
	free(valid);
}

/* Per K, the CPU whose local DSQ held the deepest queue for K samples in a row. */
static json_t *dsq_windows(const struct monitor *m)
{
	struct window best[MAX_WINDOW + 1] = {{0}};
	size_t best_cpu[MAX_WINDOW + 1] = {0};
	double *depth = xcalloc(m->n, sizeof(*depth));
	bool *valid = xcalloc(m->n, sizeof(*valid));
	json_t *windows = json_array();

	for (size_t c = 0; c < m->ncpu; c++) {
		for (size_t i = 0; i < m->n; i++) {
			const struct cpu_snap *s = snap(m, i, c);

			valid[i] = s != NULL;
			depth[i] = s ? (double)s->dsq_depth : 0;
		}
		for (size_t k = 1; k <= MAX_WINDOW && k <= m->n; k++) {
			struct window w = best_window(depth, valid, m->n, k);

			if (w.found && (!best[k].found || w.value > best[k].value)) {
				best[k] = w;
				best_cpu[k] = c;
			}
		}
	}
	for (size_t k = 1; k <= MAX_WINDOW && k <= m->n; k++)
		if (best[k].found)
			json_array_append_new(windows, json_pack("{s:I, s:I, s:I, s:I}",
				"samples", (json_int_t)k, "depth", (json_int_t)best[k].value,
				"cpu", (json_int_t)best_cpu[k], "end_sample", (json_int_t)best[k].end));
	free(depth);
	free(valid);
	return windows;
}

/* Deepest and mean local DSQ, and mean nr_running, over samples and CPUs. */
static void add_depths(const struct monitor *m, json_t *out)
{
	long long max = -1, entries = 0;
	double sum_depth = 0, sum_running = 0;	/* (no overflow on garbage counts) */
	size_t max_cpu = 0;

	for (size_t i = 0; i < m->n; i++)
		for (size_t c = 0; c < m->s[i].ncpu; c++) {
			const struct cpu_snap *s = snap(m, i, c);

			if (!s)
				continue;
			if (s->dsq_depth > max) {
				max = s->dsq_depth;
				max_cpu = c;
			}
			sum_depth += s->dsq_depth;
			sum_running += s->nr_running;
			entries++;
		}
	if (entries == 0)
		return;
	json_object_set_new(out, "max_local_dsq_depth", json_integer(max));
	json_object_set_new(out, "max_local_dsq_depth_cpu", json_integer((json_int_t)max_cpu));
	json_object_set_new(out, "avg_local_dsq_depth", real3(sum_depth / (double)entries));
	json_object_set_new(out, "dsq_depth_windows", dsq_windows(m));
	json_object_set_new(out, "avg_nr_running", real3(sum_running / (double)entries));
}

/*
 * cpu c stalled between samples i-1 and i: its rq_clock is nonzero and
 * stood still although it had tasks and its vCPU ran (preempt_ns or more of
 * host CPU time; without vCPU times it counts as having run). Returns its
 * snapshot in sample i then, else NULL.
 */
static const struct cpu_snap *stalled(const struct monitor *m, size_t i, size_t c)
{
	const struct cpu_snap *a = snap(m, i - 1, c), *b = snap(m, i, c);

	if (!a || !b || b->rq_clock == 0 || a->rq_clock != b->rq_clock)
		return NULL;
	if (a->nr_running == 0 && b->nr_running == 0)
		return NULL;
	/* (unsigned: no overflow on garbage; a clock that went back counts as preempted) */
	if (a->has_vcpu && b->has_vcpu &&
	    (b->vcpu_ns < a->vcpu_ns ||
	     (unsigned long long)b->vcpu_ns - (unsigned long long)a->vcpu_ns <
		     (unsigned long long)m->preempt_ns))
		return NULL;
	return b;
}

/*
 * Over judged samples from..to, the share in % of the time that the VM's
 * most held vCPU waited for a host CPU; -1 when no vCPU's waits are known.
 * CPUs of a guest wait for each other (IPIs, stop_machine, locks), so one
 * vCPU the host does not run can stop the clocks of the others.
 */
static int most_held_pct(const struct monitor *m, size_t from, size_t to)
{
	int most = -1;

	for (size_t c = 0; c < m->ncpu; c++) {
		double waited = 0, span = 0;

		for (size_t i = from + 1; i <= to && i < m->n; i++) {
			const struct cpu_snap *a = snap(m, i - 1, c), *b = snap(m, i, c);
			double dt = (double)(m->s[i].t_ms - m->s[i - 1].t_ms) * 1e6, dw;

			if (!a || !b || !a->has_vcpu_wait || !b->has_vcpu_wait || dt <= 0)
				continue;
			dw = (double)b->vcpu_wait_ns - (double)a->vcpu_wait_ns;
			waited += dw < 0 ? 0 : dw > dt ? dt : dw;
			span += dt;
		}
		if (span > 0 && (int)(100 * waited / span + 0.5) > most)
			most = (int)(100 * waited / span + 0.5);
	}
	return most;
}

/* Per CPU its longest run of stalled sample pairs; the count of all of them. */
static void add_stalls(const struct monitor *m, json_t *out)
{
	json_t *stalls = json_array();
	long long count = 0;

	for (size_t c = 0; c < m->ncpu; c++) {
		size_t run = 0, best = 0, best_end = 0;
		long long best_clock = 0;

		for (size_t i = 1; i < m->n; i++) {
			const struct cpu_snap *s = stalled(m, i, c);

			run = s ? run + 1 : 0;
			count += run > 0;
			if (s && run > best) {
				best = run;
				best_end = i;
				best_clock = s->rq_clock;
			}
		}
		if (best > 0) {
			json_t *o = json_pack("{s:I, s:I, s:I, s:I}",
				"cpu", (json_int_t)c, "samples", (json_int_t)best,
				"end_sample", (json_int_t)best_end, "rq_clock", (json_int_t)best_clock);
			int held = most_held_pct(m, best_end - best, best_end);

			if (held >= 0)
				json_object_set_new(o, "host_wait_pct", json_integer(held));
			json_array_append_new(stalls, o);
		}
	}
	json_object_set_new(out, "stall_detected", json_boolean(count > 0));
	json_object_set_new(out, "stall_count", json_integer(count));
	json_object_set_new(out, "stalls", stalls);
}

/*
 * How long tasks waited on a runqueue before they ran, from the rqs'
 * sched_info over the judged samples: the mean wait per run over all CPUs,
 * and the CPU whose mean was worst.
 */
static void add_run_delay(const struct monitor *m, json_t *out)
{
	long long worst_cpu = -1;
	double delay = 0, runs = 0, worst = 0;	/* sums in double: counters from guest memory can be anything */

	for (size_t c = 0; c < m->ncpu; c++) {
		const struct cpu_snap *a = NULL, *b = NULL;
		long long d, r;

		for (size_t i = 0; i < m->n; i++) {
			const struct cpu_snap *x = snap(m, i, c);

			if (x && x->has_sched_info) {
				if (!a)
					a = x;
				b = x;
			}
		}
		if (!a || __builtin_sub_overflow(b->run_delay_ns, a->run_delay_ns, &d) || d < 0 ||
		    __builtin_sub_overflow(b->pcount, a->pcount, &r) || r <= 0)
			continue;	/* went backwards or wrapped: not a wait we can measure */
		delay += (double)d;
		runs += (double)r;
		if (worst_cpu < 0 || (double)d / (double)r > worst) {
			worst = (double)d / (double)r;
			worst_cpu = (long long)c;
		}
	}
	if (!runs)
		return;
	json_object_set_new(out, "avg_run_delay_us", real3(delay / runs / 1000.0));
	json_object_set_new(out, "max_cpu_run_delay_us", real3(worst / 1000.0));
	json_object_set_new(out, "max_run_delay_cpu", json_integer(worst_cpu));
}

json_t *monitor_summary(const struct monitor *m, const char *job)
{
	json_t *out = json_pack("{s:s, s:s, s:I, s:I}", "type", "monitor", "job", job ? job : "",
				"samples", (json_int_t)m->n, "interval_ms", (json_int_t)m->interval_ms);

	waits_summary(m->waits, out);	/* every phase: a stall at the start or end counts too */
	if (m->n == 0)
		return out;
	if (!looks_initialized(m)) {
		json_object_set_new(out, "initialized", json_false());
	} else {
		json_object_set_new(out, "initialized", json_true());
		add_imbalance(m, out);
		add_depths(m, out);
		add_stalls(m, out);
		add_run_delay(m, out);
		counters_events(&m->events, m->ncpu, out);
		counters_progs(&m->progs, out);
		counters_schedstat(&m->schedstat, out);
	}
	if (m->scheduler)
		json_object_set_new(out, "scheduler", json_string(m->scheduler));
	if (m->domains)
		json_object_set(out, "sched_domains", m->domains);
	return out;
}
