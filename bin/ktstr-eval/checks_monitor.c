/*
 * ktstr-probe's `monitor` summary against the monitor thresholds (fields in
 * share/ktstr/schema/monitor.json). Harms fail a run: a runnable task that
 * did not run for too long (Starved), CPUs left idle while tasks that may
 * run there waited (WorkConservation), a runqueue clock that stood still.
 * Symptoms (imbalance, local DSQ depth, fallback and keep_last rates) fail
 * only when the run shows a cost: a harm, or (but for keep_last, which
 * keeps a CPU busy) a task that waited at least half of
 * max_runnable_wait_ms; otherwise they are warnings. Windowed
 * values count only when held for `sustained_samples` consecutive samples:
 * the probe gives, per window length K, the largest value held for K samples
 * in a row (*_windows); without them the worst single sample is used.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "judge.h"

/* The window entry for exactly k samples, or NULL. */
static json_t *window_for(json_t *monitor, const char *field, double k)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(monitor, field), i, w)
		if (rec_num(w, "samples") == k)
			return w;
	return NULL;
}

/* What the run cost, for symptom details: who waited longest, or NULL when nothing did. */
struct cost {
	bool backed;		/* a harm failed, or a task waited >= half the wait limit */
	char who[256];		/* "; meanwhile worker 130 (cg_0) waited 0.6 s on cpu 0" */
};

/* "worker 130 (cg_0)", "kthread ksoftirqd/1 (pid 18)" or "task sshd (pid 40)". */
static void task_name(struct verdict_ctx *v, json_t *t, char *buf, size_t len)
{
	json_int_t pid = json_integer_value(json_object_get(t, "pid"));
	json_t *w;
	size_t i;

	json_array_foreach(v->js->workers, i, w)
		if (json_integer_value(json_object_get(w, "tid")) == pid) {
			snprintf(buf, len, "worker %lld (%s)", (long long)pid, rec_str(w, "cgroup", "/"));
			return;
		}
	snprintf(buf, len, "%s %s (pid %lld)", json_is_true(json_object_get(t, "kthread")) ? "kthread" : "task",
		 rec_str(t, "comm", "?"), (long long)pid);
}

/* "during step 1 of 2 (0.6 s into the scenario)", "before the scenario (...)", "after the scenario". */
static void wait_when(struct verdict_ctx *v, json_t *t, char *buf, size_t len)
{
	const char *phase = rec_str(t, "phase", "");
	json_t *step = json_object_get(t, "step"), *into = json_object_get(t, "onset_scenario_ms");
	int k;

	if (!strcmp(phase, "boot") || !json_is_integer(step))
		k = snprintf(buf, len, "before the scenario's first step (as the scheduler came up and the scenario was set up)");
	else if (!strcmp(phase, "after"))
		k = snprintf(buf, len, "and was still waiting after the scenario's end");
	else
		k = snprintf(buf, len, "during step %lld of %lld", step_no(json_integer_value(step)),
			     (long long)steps_total(v->js));
	if (k > 0 && (size_t)k < len && json_is_integer(into) && json_integer_value(into) >= 0)
		snprintf(buf + k, len - (size_t)k, " (from %.1f s into the scenario)",
			 (double)json_integer_value(into) / 1000.0);
}

/* The wait limit for a task of sched_ext weight w (100 is nice 0): lighter tasks may wait longer. */
static double wait_limit_for(double limit, json_t *t)
{
	json_t *w = json_object_get(t, "weight");
	double weight = json_is_integer(w) ? (double)json_integer_value(w) : 100;

	return weight > 0 && weight < 100 ? limit * 100 / weight : limit;
}

/*
 * A harm the host caused rather than the scheduler: during it a vCPU of the
 * VM waited for a host CPU more than max_host_wait_pct of the time (a host
 * running several vCPUs per core). Then it is noted, not judged, and the
 * verdict can only be inconclusive. Returns whether it is excused.
 */
static bool host_held(struct verdict_ctx *v, json_t *o)
{
	json_t *pct = json_object_get(o, "host_wait_pct");
	double limit;

	if (!json_is_integer(pct) || !check_limit(v->th, "max_host_wait_pct", &limit) ||
	    (double)json_integer_value(pct) <= limit)
		return false;
	v->host_held++;
	if (json_integer_value(pct) > v->host_held_pct)
		v->host_held_pct = (int)json_integer_value(pct);
	return true;
}

/* ", its vCPU waited for a host CPU 40% of that time" when the probe measured it. */
static void host_wait_note(json_t *o, const char *whose, char *buf, size_t len)
{
	json_t *pct = json_object_get(o, "host_wait_pct");

	buf[0] = '\0';
	if (json_is_integer(pct))
		snprintf(buf, len, "; %s waited for a host CPU %lld%% of that time", whose,
			 (long long)json_integer_value(pct));
}

/* Starved: each task whose wait (the time its vCPU could run) passed max_runnable_wait_ms. */
static void check_waits(struct verdict_ctx *v, json_t *m)
{
	json_t *list = json_object_get(m, "long_waits"), *t;
	double limit;
	int shown = 0, more = 0;
	size_t i;

	if (!check_limit(v->th, "max_runnable_wait_ms", &limit))
		return;
	if (!json_is_array(list) && json_is_object(json_object_get(m, "longest_wait")))
		list = json_pack("[O]", json_object_get(m, "longest_wait"));
	else
		json_incref(list);
	json_array_foreach(list, i, t) {
		double lim = wait_limit_for(limit, t);
		char who[128], when[160], host[96];
		bool excused;
		json_t *d;

		if (rec_num(t, "wait_ms") <= lim)
			continue;
		excused = host_held(v, t);
		if (shown == 3) {
			more += !excused;
			continue;
		}
		task_name(v, t, who, sizeof(who));
		wait_when(v, t, when, sizeof(when));
		host_wait_note(t, "its vCPU", host, sizeof(host));
		d = detail_add(v, "Starved", !excused,
			       "%s was runnable on cpu %.0f for %.2f s without running (limit %.2f s) %s%s%s",
			       who, rec_num(t, "cpu"), rec_num(t, "wait_ms") / 1000.0, lim / 1000.0, when,
			       host, excused ? ": the host's doing, not judged" : "");
		json_object_set(d, "pid", json_object_get(t, "pid"));
		json_object_set(d, "cpu", json_object_get(t, "cpu"));
		json_object_set(d, "wait_ms", json_object_get(t, "wait_ms"));
		shown++;
	}
	if (more)
		detail_add(v, "Starved", false, more == 1 ? "%d more task waited past its limit"
						       : "%d more tasks waited past their limit", more);
	json_decref(list);
}

/* "cpu" or "cpus", for a CPU list. */
static const char *cpu_word(const char *list)
{
	return strpbrk(list, ",-") ? "cpus" : "cpu";
}

/* WorkConservation: CPUs idle for sustained_samples in a row while tasks that may run there waited. */
static void check_idle(struct verdict_ctx *v, json_t *m, double k)
{
	json_t *w = window_for(m, "idle_while_waiting_windows", k), *t;
	char who[128], when[160];
	double limit, ncpus, nwaiting;
	const char *list;

	if (!check_limit(v->th, "max_idle_cpus_while_waiting", &limit) || !w || rec_num(w, "cpus") <= limit)
		return;
	t = json_object_get(w, "longest");
	task_name(v, t, who, sizeof(who));
	wait_when(v, t, when, sizeof(when));
	/* cpus: how many were idle at every sample of the window (not always the same ones);
	 * idle_cpus: which, at its last */
	ncpus = rec_num(w, "cpus");
	nwaiting = rec_num(w, "waiting");
	list = rec_str(w, "idle_cpus", "?");
	detail_add(v, "WorkConservation", true,
		   "%.0f %s idle at each of %.0f samples in a row (%s %s at the last) while %.0f runnable %s "
		   "that may run there waited; the longest, %s, waited %.0f ms on cpu %.0f %s",
		   ncpus, ncpus == 1 ? "cpu" : "cpus", k, cpu_word(list), list, nwaiting,
		   nwaiting == 1 ? "task" : "tasks", who, rec_num(t, "wait_ms"), rec_num(t, "cpu"), when);
}

/* Did the run cost something? Then symptoms fail, and say who waited. */
static void run_cost(struct verdict_ctx *v, json_t *m, struct cost *c)
{
	json_t *t = json_object_get(m, "longest_wait");
	double limit;
	char who[128];

	c->backed = v->failures > 0;
	c->who[0] = '\0';
	if (!json_is_object(t))
		return;
	if (check_limit(v->th, "max_runnable_wait_ms", &limit) &&
	    rec_num(t, "wait_ms") * 2 >= wait_limit_for(limit, t) &&
	    !(json_is_integer(json_object_get(t, "host_wait_pct")) &&
	      check_limit(v->th, "max_host_wait_pct", &limit) &&
	      rec_num(t, "host_wait_pct") > limit))
		c->backed = true;
	task_name(v, t, who, sizeof(who));
	snprintf(c->who, sizeof(c->who), "; the longest wait: %s, %.0f ms on cpu %.0f", who,
		 rec_num(t, "wait_ms"), rec_num(t, "cpu"));
}

/* A symptom past its limit: a failure when the run shows a cost, else a warning. */
static void symptom(struct verdict_ctx *v, const struct cost *c, const char *what)
{
	json_t *d;

	if (c->backed) {
		detail_add(v, "Monitor", true, "%s%s", what, c->who);
		return;
	}
	d = detail_add(v, "Monitor", false, "warning: %s (not a failure: no task waited long%s, nothing unfair, no stall)",
		       what, c->who[0] ? c->who : "");
	json_object_set_new(d, "warning", json_true());
}

static void check_imbalance(struct verdict_ctx *v, json_t *m, double k, const struct cost *c)
{
	json_t *w = window_for(m, "imbalance_windows", k);
	double limit;
	char what[256];

	if (!check_limit(v->th, "max_imbalance_ratio", &limit))
		return;
	if (w && rec_num(w, "ratio") > limit)
		snprintf(what, sizeof(what),
			 "imbalance ratio %.1f exceeded limit %.1f for %.0f consecutive samples (ending at sample %.0f)",
			 rec_num(w, "ratio"), limit, k, rec_num(w, "end_sample"));
	else if (!json_object_get(m, "imbalance_windows") && rec_num(m, "max_imbalance_ratio") > limit)
		snprintf(what, sizeof(what),
			 "imbalance ratio %.1f exceeded limit %.1f (worst single sample: the monitor gave no windows)",
			 rec_num(m, "max_imbalance_ratio"), limit);
	else
		return;
	symptom(v, c, what);
}

static void check_dsq(struct verdict_ctx *v, json_t *m, double k, const struct cost *c)
{
	json_t *w = window_for(m, "dsq_depth_windows", k);
	double limit;
	char what[256];

	if (!check_limit(v->th, "max_local_dsq_depth", &limit))
		return;
	if (w && rec_num(w, "depth") > limit)
		snprintf(what, sizeof(what),
			 "local DSQ depth %.0f on cpu %.0f exceeded limit %.0f for %.0f consecutive samples (ending at sample %.0f)",
			 rec_num(w, "depth"), rec_num(w, "cpu"), limit, k, rec_num(w, "end_sample"));
	else if (!json_object_get(m, "dsq_depth_windows") && rec_num(m, "max_local_dsq_depth") > limit)
		snprintf(what, sizeof(what),
			 "local DSQ depth %.0f on cpu %.0f exceeded limit %.0f (worst single sample: the monitor gave no windows)",
			 rec_num(m, "max_local_dsq_depth"), rec_num(m, "max_local_dsq_depth_cpu"), limit);
	else
		return;
	symptom(v, c, what);
}

static void check_stalls(struct verdict_ctx *v, json_t *m, double k)
{
	json_t *stalls = json_object_get(m, "stalls"), *s;
	size_t i;

	if (!check_on(v->th, "fail_on_stall"))
		return;
	json_array_foreach(stalls, i, s) {
		char host[96];
		bool excused;

		if (rec_num(s, "samples") < k)
			continue;
		excused = host_held(v, s);
		host_wait_note(s, "the VM's most held vCPU", host, sizeof(host));
		detail_add(v, "Monitor", !excused,
			   "rq_clock stall on cpu %.0f for %.0f consecutive samples (limit %.0f; ending at sample %.0f, clock=%.0f)%s%s",
			   rec_num(s, "cpu"), rec_num(s, "samples"), k, rec_num(s, "end_sample"),
			   rec_num(s, "rq_clock"), host, excused ? ": the host's doing, not judged" : "");
	}
	if (!json_is_array(stalls) && json_is_true(json_object_get(m, "stall_detected")))
		detail_add(v, "Monitor", true, "rq_clock stall detected (the monitor gave no per-CPU detail)");
}

static void check_rate(struct verdict_ctx *v, json_t *m, const char *field, const char *key,
		       const char *what, const struct cost *c)
{
	double limit;
	char msg[256];

	if (check_limit(v->th, key, &limit) && json_is_number(json_object_get(m, field)) &&
	    rec_num(m, field) > limit) {
		snprintf(msg, sizeof(msg), "%s rate %.1f/s exceeded limit %.1f/s", what, rec_num(m, field), limit);
		symptom(v, c, msg);
	}
}

/*
 * keep_last: dispatch found nothing, so the CPU went on with the task it
 * had rather than idle. That wastes no CPU; it costs only when someone
 * starved or was treated unfairly, which the harm checks show directly,
 * so a long wait elsewhere does not back it.
 */
static void check_keep_last(struct verdict_ctx *v, json_t *m)
{
	double limit, rate = rec_num(m, "keep_last_rate");
	json_t *d;

	if (!check_limit(v->th, "max_keep_last_rate", &limit) ||
	    !json_is_number(json_object_get(m, "keep_last_rate")) || rate <= limit)
		return;
	if (v->failures) {
		detail_add(v, "Monitor", true, "dispatch keep_last rate %.1f/s exceeded limit %.1f/s, "
			   "beside the failures above", rate, limit);
		return;
	}
	d = detail_add(v, "Monitor", false, "warning: dispatch keep_last rate %.1f/s exceeded limit "
		       "%.1f/s (not a failure: the CPUs kept running their tasks rather than idle; "
		       "nobody starved, nothing unfair, no stall)", rate, limit);
	json_object_set_new(d, "warning", json_true());
}

/*
 * Whether the kernel lacks the feature (the monitor's kernel_lacks) that the
 * checks keys[] need; then the ones that are on are skipped, and a detail
 * says which and why.
 */
static bool kernel_lacks(struct verdict_ctx *v, json_t *m, const char *feature,
			 const char *const *keys)
{
	const char *why = json_string_value(json_object_get(json_object_get(m, "kernel_lacks"), feature));
	char on[256] = "";
	size_t off = 0;
	double lim;

	if (!why)
		return false;
	for (size_t i = 0; keys[i]; i++)
		if (check_limit(v->th, keys[i], &lim) && off < sizeof(on))
			off += (size_t)snprintf(on + off, sizeof(on) - off, "%s%s", off ? ", " : "", keys[i]);
	if (off)
		detail_add(v, "Skipped", false, "%s not checked: %s", on, why);
	return true;
}

const char *monitor_missing(struct verdict_ctx *v)
{
	json_t *m = v->js->monitor;

	if (!m)
		return "no monitor record (ktstr-probe was not in the pipeline)";
	if (json_is_string(json_object_get(m, "error")))
		return rec_str(m, "error", "");
	if (rec_num(m, "samples") <= 0 && !json_object_get(m, "max_runnable_wait_ms"))
		return "the monitor took no samples";
	return NULL;
}

void judge_monitor(struct verdict_ctx *v, json_t *m)
{
	json_t *ss = json_object_get(v->th, "sustained_samples");
	double k = json_is_integer(ss) ? (double)json_integer_value(ss) : 1;
	static const char *const wait_keys[] = { "max_runnable_wait_ms", "max_idle_cpus_while_waiting", NULL };
	static const char *const rate_keys[] = { "max_fallback_rate", "max_keep_last_rate", NULL };
	bool no_waits = kernel_lacks(v, m, "runnable_waits", wait_keys);
	struct cost c;

	if (!no_waits)
		check_waits(v, m);	/* every phase: the probe watched until the VM ended */
	if (json_is_false(json_object_get(m, "initialized")) || rec_num(m, "samples") <= 0)
		return;	/* "monitor data not yet initialized": nothing more to judge */
	check_stalls(v, m, k);
	if (!no_waits)
		check_idle(v, m, k);
	run_cost(v, m, &c);
	check_imbalance(v, m, k, &c);
	check_dsq(v, m, k, &c);
	if (!kernel_lacks(v, m, "events", rate_keys)) {
		check_rate(v, m, "fallback_rate", "max_fallback_rate", "select_cpu fallback", &c);
		check_keep_last(v, m);
	}
}
