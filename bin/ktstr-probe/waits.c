/* Runnable waits: starvation and idle CPUs beside waiting tasks (see waits.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "cpulistfmt.h"
#include "die.h"
#include "monitor.h"
#include "waits.h"

#define HIST_MAX 600		/* host-delay points kept per CPU: 60 s at 100 ms */
#define MAX_TASKS 256		/* tasks past WAITS_REPORT_MS remembered */
#define MAX_LISTED 16		/* of which the summary lists the longest */
#define MAX_CPUS 4096

struct delay_point {
	long long t_ms;		/* sample time */
	long long sample;	/* its index among the samples */
	long long run_ns, wait_ns;	/* the vCPU thread's host CPU time and run delay then */
};

struct cpu_hist {
	struct delay_point p[HIST_MAX];
	size_t n, head;		/* points held; index of the oldest */
};

struct starved {
	int pid, tgid, cpu;
	bool kthread;
	long long weight, counted_ms, wait_ms, t_ms, onset_t_ms, step;
	int host_wait_pct;	/* of the wait, its vCPU thread waited for a host CPU; -1 unknown */
	char comm[32], phase[16], allowed[64];
};

/* One judged sample: CPUs idle while a task that may run there waited. */
struct idle_sample {
	long long t_ms;
	unsigned idle_cpus;	/* idle CPUs some waiting task could use */
	unsigned waiting;	/* tasks waiting >= WAITS_IDLE_MIN_MS that could use one */
	char cpus[64];		/* those CPUs, list form */
	struct starved example;	/* the longest of those waits */
};

struct waits {
	long long preempt_ns;
	size_t ncpu;
	struct cpu_hist **hist;	/* per CPU, allocated when first seen */
	struct starved tasks[MAX_TASKS];
	size_t ntasks;
	long long max_counted_ms;
	struct starved worst;
	bool any_waiting_list;	/* some sample had waiting lists: the kernel has them */
	long long scenario_t_ms;	/* first sample with a step, -1 before */
	struct idle_sample *idle;
	size_t nidle, capidle;
	/* long waits seen once, counted when the next sample sees the same wait again */
	struct { int pid; long long runnable_at, sample; } seen[MAX_TASKS];
	size_t nseen;
	long long nsample;
};

struct waits *waits_new(long long preempt_ns)
{
	struct waits *w = xcalloc(1, sizeof(*w));

	w->preempt_ns = preempt_ns;
	w->scenario_t_ms = -1;
	return w;
}

void waits_free(struct waits *w)
{
	if (!w)
		return;
	for (size_t c = 0; c < w->ncpu; c++)
		free(w->hist[c]);
	free(w->hist);
	free(w->idle);
	free(w);
}

static struct cpu_hist *hist_of(struct waits *w, long long cpu)
{
	if (cpu < 0 || cpu >= MAX_CPUS)
		return NULL;
	if ((size_t)cpu >= w->ncpu) {
		w->hist = xrealloc(w->hist, ((size_t)cpu + 1) * sizeof(*w->hist));
		memset(w->hist + w->ncpu, 0, ((size_t)cpu + 1 - w->ncpu) * sizeof(*w->hist));
		w->ncpu = (size_t)cpu + 1;
	}
	if (!w->hist[cpu])
		w->hist[cpu] = xcalloc(1, sizeof(struct cpu_hist));
	return w->hist[cpu];
}

static const struct delay_point *hist_at(const struct cpu_hist *h, size_t i)
{
	return &h->p[(h->head + i) % HIST_MAX];
}

static void hist_push(struct cpu_hist *h, long long t_ms, long long sample, long long run_ns,
		      long long wait_ns)
{
	if (h->n && hist_at(h, h->n - 1)->t_ms >= t_ms)
		return;		/* (time must move on) */
	if (h->n == HIST_MAX) {
		h->head = (h->head + 1) % HIST_MAX;
		h->n--;
	}
	h->p[(h->head + h->n++) % HIST_MAX] = (struct delay_point){ t_ms, sample, run_ns, wait_ns };
}

/*
 * Between two points the host held the vCPU back: it ran less than
 * preempt_ns (two guest ticks under TCG) although it waited at least that
 * long for a host CPU. A vCPU that ran that much had ticks, so the guest had
 * its chances to run a waiting task; an idle vCPU sleeps on the host and is
 * not held back either. Only points of consecutive samples tell: across a
 * sample without the vCPU's times (the probe reads an idle one's only now
 * and then) nothing is known, and nothing is taken off.
 */
static bool held_back(const struct waits *w, const struct delay_point *a, const struct delay_point *b)
{
	return b->sample == a->sample + 1 && b->run_ns - a->run_ns < w->preempt_ns &&
	       b->wait_ns - a->wait_ns >= w->preempt_ns;
}

/*
 * The part of [from, to] in ms during which the host held this vCPU back.
 * Before the first point nothing is known, and nothing is taken off.
 */
static long long held_back_ms(const struct waits *w, const struct cpu_hist *h, long long from, long long to)
{
	long long sum = 0;

	for (size_t i = h ? h->n : 0; i > 1; i--) {	/* newest first: a wait spans few points */
		const struct delay_point *a = hist_at(h, i - 2), *b = hist_at(h, i - 1);
		long long lo = a->t_ms > from ? a->t_ms : from, hi = b->t_ms < to ? b->t_ms : to;

		if (b->t_ms <= from)
			break;
		if (hi > lo && held_back(w, a, b))
			sum += hi - lo;
	}
	return sum;
}

/*
 * The share of [from, to] in % during which this vCPU thread was runnable on
 * the host but not running: a host too busy to run the VM. Intervals without
 * the vCPU's times count as no wait; -1 when none of [from, to] is known.
 */
static int host_wait_pct(const struct cpu_hist *h, long long from, long long to)
{
	double waited = 0, known = 0;

	for (size_t i = h ? h->n : 0; i > 1; i--) {
		const struct delay_point *a = hist_at(h, i - 2), *b = hist_at(h, i - 1);
		long long lo = a->t_ms > from ? a->t_ms : from, hi = b->t_ms < to ? b->t_ms : to;
		double dt = (double)(b->t_ms - a->t_ms) * 1e6, share;

		if (b->t_ms <= from)
			break;
		if (hi <= lo || b->sample != a->sample + 1 || dt <= 0)
			continue;
		share = (double)(b->wait_ns - a->wait_ns) / dt;
		share = share < 0 ? 0 : share > 1 ? 1 : share;
		waited += share * (double)(hi - lo);
		known += (double)(hi - lo);
	}
	return known > 0 && to > from ? (int)(100 * waited / (double)(to - from) + 0.5) : -1;
}

/* The host held this vCPU back over the last interval. */
static bool last_held_back(const struct waits *w, const struct cpu_hist *h)
{
	return h && h->n >= 2 && held_back(w, hist_at(h, h->n - 2), hist_at(h, h->n - 1));
}

static void starved_from(struct starved *s, const struct sample_waiter *wt, long long cpu,
			 const struct sample *sample)
{
	const char *allowed = sample_text(sample, wt->allowed);

	memset(s, 0, sizeof(*s));
	s->pid = (int)wt->pid;
	s->tgid = wt->has & SW_TGID ? (int)wt->tgid : s->pid;
	s->cpu = (int)cpu;
	s->kthread = wt->has & SW_KTHREAD && wt->kthread;
	s->weight = wt->has & SW_WEIGHT ? wt->weight : -1;
	s->counted_ms = wt->counted_ms;
	s->wait_ms = wt->wait_ms;
	s->t_ms = sample->t_ms;
	s->onset_t_ms = s->t_ms - s->wait_ms;
	s->step = sample->step;
	s->host_wait_pct = -1;
	sample_copy_str(s->comm, sizeof(s->comm), wt->comm);
	sample_copy_str(s->phase, sizeof(s->phase), sample->phase);
	sample_copy_str(s->allowed, sizeof(s->allowed), allowed ? allowed : "");
}

/* Keep the longest counted wait of each task (by pid) past WAITS_REPORT_MS. */
static void note_starved(struct waits *w, const struct starved *s)
{
	size_t i;

	if (!w->worst.pid || s->counted_ms > w->max_counted_ms) {
		w->max_counted_ms = s->counted_ms;
		w->worst = *s;
	}
	if (s->counted_ms < WAITS_REPORT_MS)
		return;
	for (i = 0; i < w->ntasks; i++)
		if (w->tasks[i].pid == s->pid)
			break;
	if (i == w->ntasks) {
		if (w->ntasks == MAX_TASKS)
			return;
		w->ntasks++;
	} else if (w->tasks[i].counted_ms >= s->counted_ms) {
		return;
	}
	w->tasks[i] = *s;
}

/* The CPUs a waiter may run on: its "allowed" list, or every CPU when it has none (or a bad one). */
static void allowed_set(const struct sample *sample, const struct sample_waiter *waiter,
			struct cpuset *set)
{
	const char *allowed = sample_text(sample, waiter->allowed);
	char err[64];

	if (!allowed || !*allowed || cpulist_parse(allowed, set, err, sizeof(err)))
		memset(set, 0xff, sizeof(*set));
}

/* Which idle CPUs of this sample a waiting task could have used (its own CPU too: left idle). */
static void note_idle(struct waits *w, const struct sample *sample)
{
	struct idle_sample is = { .t_ms = sample->t_ms };
	struct cpuset idle, used;
	bool any_waiter = false;

	for (size_t i = 0; i < sample->ncpus && !any_waiter; i++)
		for (size_t j = 0; j < sample->cpus[i].nwaiting; j++)
			any_waiter |= sample->cpus[i].waiting[j].counted_ms >= WAITS_IDLE_MIN_MS;
	if (!any_waiter)	/* (the usual sample: no CPU to look at) */
		goto add;
	cpuset_zero(&idle);
	cpuset_zero(&used);
	for (size_t i = 0; i < sample->ncpus; i++) {
		long long c = sample->cpus[i].cpu;

		if (c >= 0 && c < CPUSET_MAX && sample->cpus[i].curr_pid == 0 &&
		    !last_held_back(w, hist_of(w, c)))
			cpuset_set(&idle, (unsigned)c);
	}
	for (size_t i = 0; i < sample->ncpus; i++) {
		const struct sample_cpu *e = &sample->cpus[i];

		for (size_t j = 0; j < e->nwaiting; j++) {
			const struct sample_waiter *wt = &e->waiting[j];
			struct cpuset could;
			bool any = false;

			if (wt->counted_ms < WAITS_IDLE_MIN_MS)
				continue;
			allowed_set(sample, wt, &could);
			for (size_t k = 0; k < CPUSET_MAX / 64; k++) {
				could.bits[k] &= idle.bits[k];
				used.bits[k] |= could.bits[k];
				any |= could.bits[k] != 0;
			}
			if (!any)
				continue;
			if (!is.waiting++ || wt->counted_ms > is.example.counted_ms)
				starved_from(&is.example, wt, e->cpu, sample);
		}
	}
	is.idle_cpus = cpuset_count(&used);
	cpulist_format_words(&used, is.cpus, sizeof(is.cpus));
add:
	if (w->nidle == w->capidle) {
		w->capidle = w->capidle ? 2 * w->capidle : 64;
		w->idle = xrealloc(w->idle, w->capidle * sizeof(*w->idle));
	}
	w->idle[w->nidle++] = is;
}

/*
 * The same wait (pid and runnable_at) was in the previous sample too. The
 * runnable lists are read while the guest changes them, so one reading of a
 * task that was just dequeued and freed can be garbage; a real long wait
 * shows in sample after sample.
 */
static bool seen_before(struct waits *w, const struct sample_waiter *wt)
{
	int pid = (int)wt->pid;
	long long at = wt->runnable_at;
	size_t i, oldest = 0;
	bool again;

	for (i = 0; i < w->nseen; i++) {
		if (w->seen[i].pid == pid)
			break;
		if (w->seen[i].sample < w->seen[oldest].sample)
			oldest = i;
	}
	if (i == w->nseen) {
		if (w->nseen < MAX_TASKS)
			w->nseen++;
		else
			i = oldest;
		w->seen[i].pid = pid;
		w->seen[i].sample = -2;
	}
	again = w->seen[i].runnable_at == at && w->seen[i].sample == w->nsample - 1;
	w->seen[i].runnable_at = at;
	w->seen[i].sample = w->nsample;
	return again;
}

void waits_add(struct waits *w, struct sample *sample, int judged)
{
	long long t = sample->t_ms;

	if (w->scenario_t_ms < 0 && sample->step >= 0)
		w->scenario_t_ms = t;
	w->nsample++;
	for (size_t i = 0; i < sample->ncpus; i++) {
		const struct sample_cpu *e = &sample->cpus[i];
		struct cpu_hist *h = hist_of(w, e->cpu);

		if (h && e->has & SC_VCPU_WAIT_NS)
			hist_push(h, t, w->nsample, e->vcpu_ns, e->vcpu_wait_ns);
	}
	for (size_t i = 0; i < sample->ncpus; i++) {
		struct sample_cpu *e = &sample->cpus[i];
		long long c = e->cpu;
		struct cpu_hist *h = c >= 0 && (size_t)c < w->ncpu ? w->hist[c] : NULL;

		if (e->has & SC_WAITING)
			w->any_waiting_list = true;
		for (size_t j = 0; j < e->nwaiting; j++) {
			struct sample_waiter *wt = &e->waiting[j];
			long long wait = wt->wait_ms, counted;
			struct starved s;

			counted = wait - held_back_ms(w, h, t - wait, t);
			wt->counted_ms = counted > 0 ? counted : 0;
			wt->has |= SW_COUNTED;
			starved_from(&s, wt, c, sample);
			if (s.counted_ms >= WAITS_REPORT_MS)
				s.host_wait_pct = host_wait_pct(h, t - wait, t);
			if (s.counted_ms < WAITS_REPORT_MS || seen_before(w, wt))
				note_starved(w, &s);
		}
	}
	if (judged)
		note_idle(w, sample);
}

static json_t *starved_json(const struct waits *w, const struct starved *s)
{
	json_t *o = json_pack("{s:i, s:i, s:s, s:b, s:i, s:I, s:I, s:I, s:I, s:s}",
			      "pid", s->pid, "tgid", s->tgid, "comm", s->comm, "kthread", s->kthread,
			      "cpu", s->cpu, "wait_ms", (json_int_t)s->counted_ms,
			      "guest_wait_ms", (json_int_t)s->wait_ms, "t_ms", (json_int_t)s->t_ms,
			      "onset_t_ms", (json_int_t)s->onset_t_ms, "phase", s->phase);

	if (s->weight >= 0)
		json_object_set_new(o, "weight", json_integer(s->weight));
	if (s->step >= 0)
		json_object_set_new(o, "step", json_integer(s->step));
	if (s->host_wait_pct >= 0)
		json_object_set_new(o, "host_wait_pct", json_integer(s->host_wait_pct));
	if (s->allowed[0])
		json_object_set_new(o, "allowed", json_string(s->allowed));
	if (w->scenario_t_ms >= 0)
		json_object_set_new(o, "onset_scenario_ms", json_integer(s->onset_t_ms - w->scenario_t_ms));
	return o;
}

static int by_counted_desc(const void *a, const void *b)
{
	const struct starved *x = a, *y = b;

	return (x->counted_ms < y->counted_ms) - (x->counted_ms > y->counted_ms);
}

/* Per window length K, the most idle CPUs held for K judged samples, with the end sample's detail. */
static void add_idle_windows(const struct waits *w, json_t *out)
{
	double *v = xcalloc(w->nidle ? w->nidle : 1, sizeof(*v));
	bool *valid = xcalloc(w->nidle ? w->nidle : 1, sizeof(*valid));
	json_t *windows = json_array();
	size_t with = 0;

	for (size_t i = 0; i < w->nidle; i++) {
		v[i] = w->idle[i].idle_cpus;
		valid[i] = true;
		with += w->idle[i].idle_cpus > 0;
	}
	for (size_t k = 1; k <= MONITOR_MAX_WINDOW && k <= w->nidle; k++) {
		struct window win = best_window(v, valid, w->nidle, k);
		const struct idle_sample *is = &w->idle[win.end];
		json_t *o = json_pack("{s:I, s:I, s:I, s:I}", "samples", (json_int_t)k,
				      "cpus", (json_int_t)win.value, "end_sample", (json_int_t)win.end,
				      "t_ms", (json_int_t)is->t_ms);

		if (win.value > 0) {
			json_object_set_new(o, "idle_cpus", json_string(is->cpus));
			json_object_set_new(o, "waiting", json_integer(is->waiting));
			json_object_set_new(o, "longest", starved_json(w, &is->example));
		}
		json_array_append_new(windows, o);
	}
	json_object_set_new(out, "idle_while_waiting_windows", windows);
	json_object_set_new(out, "idle_while_waiting_pct",
			    json_real(w->nidle ? (double)(long long)(1000.0 * (double)with / (double)w->nidle + 0.5) / 10.0 : 0));
	free(v);
	free(valid);
}

void waits_summary(const struct waits *w, json_t *out)
{
	struct starved sorted[MAX_TASKS];
	json_t *list;

	if (!w->any_waiting_list)
		return;		/* no sched_ext runnable lists in this kernel or stream */
	json_object_set_new(out, "max_runnable_wait_ms", json_integer(w->max_counted_ms));
	if (w->worst.pid)
		json_object_set_new(out, "longest_wait", starved_json(w, &w->worst));
	memcpy(sorted, w->tasks, w->ntasks * sizeof(*sorted));
	qsort(sorted, w->ntasks, sizeof(*sorted), by_counted_desc);
	list = json_array();
	for (size_t i = 0; i < w->ntasks && i < MAX_LISTED; i++)
		json_array_append_new(list, starved_json(w, &sorted[i]));
	json_object_set_new(out, "long_waits", list);
	json_object_set_new(out, "long_wait_tasks", json_integer((json_int_t)w->ntasks));
	if (w->scenario_t_ms >= 0)
		json_object_set_new(out, "scenario_t_ms", json_integer(w->scenario_t_ms));
	if (w->nidle)
		add_idle_windows(w, out);
}
