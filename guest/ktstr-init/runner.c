/* The scenario executor: backdrop, steps, holds, reports, cleanup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "die.h"
#include "runner.h"
#include "sched.h"

#define DEFAULT_DURATION_MS 2000

void runner_error(struct runner *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->nerrors++ == 0)
		snprintf(r->first_error, sizeof(r->first_error), "%s", msg);
	events_error(r->ev, "%s", msg);
}

struct cg_state *runner_cg(struct runner *r, const char *name)
{
	for (unsigned i = 0; i < r->ncg; i++)
		if (!strcmp(r->cg[i].name, name))
			return &r->cg[i];
	return NULL;
}

/* Emit the workers' new stuck notes (a watchdog's notes, reported rather than signalled). */
static void poll_stuck_workers(struct runner *r)
{
	struct run_shared *sh = r->ws.shared;

	while (sh && r->stuck_seen < STUCK_SLOTS && r->stuck_seen < sh->nstuck &&
	       __atomic_load_n(&sh->stuck[r->stuck_seen].ready, __ATOMIC_ACQUIRE)) {
		const struct stuck_note *n = &sh->stuck[r->stuck_seen++];

		events_emit(r->ev, json_pack("{s:s, s:s, s:i, s:i, s:i, s:i}", "type", "sched",
					     "event", "worker_stuck", "tid", n->tid, "gap_ms", (int)n->gap_ms,
					     "cpu", n->cpu, "step", (int)r->step));
	}
}

void runner_sleep_ms(struct runner *r, uint64_t ms)
{
	uint64_t end = mono_ns() + ms * 1000000u;

	for (uint64_t now = mono_ns(); now < end; now = mono_ns()) {
		uint64_t left = end - now, chunk = left < 50000000u ? left : 50000000u;
		struct timespec ts = { 0, (long)chunk };

		nanosleep(&ts, NULL);
		reap_children(&r->ws, r->sched);
		sched_poll(r->sched, r->step, false);
		poll_stuck_workers(r);
		payloads_poll(r);
	}
}

void runner_emit_worker(struct runner *r, const struct worker *w, json_t *report)
{
	struct cg_state *cg = *w->cgroup ? runner_cg(r, w->cgroup) : NULL;
	json_t *ev = json_pack("{s:s}", "type", "worker"), *steps;
	size_t i;
	json_t *st;

	json_object_set_new(ev, "cgroup", *w->cgroup ? json_string(w->cgroup) : json_null());
	json_object_set_new(ev, "group", json_integer(w->group));
	json_object_set_new(ev, "index", json_integer(w->index));
	json_object_set_new(ev, "step", json_integer(w->step));
	json_object_set_new(ev, "work_type", json_string(work_info(w->work.kind)->name));
	json_object_set_new(ev, "policy", policy_json(&w->policy));
	json_object_set_new(ev, "nice", json_integer(w->nice));
	json_object_update(ev, report);
	json_decref(report);
	json_object_set_new(ev, "cpuset", cg && cg->has_cpuset ? cpuset_json(&cg->cpus) : json_null());
	steps = json_object_get(ev, "steps");
	json_array_foreach(steps, i, st) {
		json_int_t k = json_integer_value(json_object_get(st, "index"));

		if (cg && k >= 0 && k < MAX_STEPS && cg->hist_set[k])
			json_object_set_new(st, "cpuset", cg->hist_has[k] ? cpuset_json(&cg->hist[k]) : json_null());
	}
	r->nworkers++;
	events_emit(r->ev, ev);
}

/* Remember every cgroup's cpuset for the step that is running. */
static void record_cpusets(struct runner *r)
{
	for (unsigned i = 0; i < r->ncg; i++) {
		struct cg_state *cg = &r->cg[i];

		cg->hist_set[r->step] = true;
		cg->hist_has[r->step] = cg->has_cpuset;
		cg->hist[r->step] = cg->cpus;
	}
}

static void emit_step(struct runner *r, const struct step *st)
{
	json_t *defs = json_array();

	for (unsigned d = 0; d < st->ndefs; d++)
		json_array_append_new(defs, json_string(st->defs[d].name));
	events_emit(r->ev, json_pack("{s:s, s:i, s:O, s:o}", "type", "step", "index", r->step,
				     "ops", st->ops_json, "cgroups", defs));
}

static void apply_ops(struct runner *r, const struct step *st)
{
	for (unsigned k = 0; k < st->nops; k++)
		apply_op(r, &st->ops[k]);
}

static void hold_step(struct runner *r, const struct step *st)
{
	uint64_t end = r->t0_ns + (uint64_t)r->duration_ms * 1000000u;

	switch (st->hold.kind) {
	case HOLD_FRAC:
		runner_sleep_ms(r, (uint64_t)(st->hold.frac * r->duration_ms));
		break;
	case HOLD_MS:
		runner_sleep_ms(r, st->hold.ms);
		break;
	case HOLD_LOOP:
		while (mono_ns() < end) {
			uint64_t left = (end - mono_ns()) / 1000000u;

			runner_sleep_ms(r, left < st->hold.ms ? left : st->hold.ms);
			if (mono_ns() < end)
				apply_ops(r, st);
		}
		break;
	}
}

/* End of a step: its step-local cgroups report their workers and go away. */
static void end_step(struct runner *r, const struct step *st)
{
	char err[512];

	for (unsigned d = 0; d < st->ndefs; d++) {
		const char *name = st->defs[d].name;

		stop_cgroup_workers(r, name, true);
		if (cg_remove(name, err, sizeof(err)) < 0)
			runner_error(r, "remove cgroup %s: %s", name, err);
		remove_cgroup_state(r, name);
	}
}

static void set_shared_step(struct runner *r, uint32_t step)
{
	if (r->ws.shared)
		__atomic_store_n(&r->ws.shared->step, step, __ATOMIC_RELEASE);
}

/*
 * Per-step attribution: while the ops run, the shared counter says
 * STEP_TRANSITION and workers count the CPUs they see into no step; it moves
 * to i only after the last op returned. A cpuset write returns once the kernel
 * has moved every running task of the cgroup off the CPUs it lost (a sleeping
 * one wakes up inside the new set), and workers read the counter on both sides
 * of sched_getcpu() (telem_tick), so no settle time is needed: a CPU counted
 * in step i was seen after step i's cpusets were in place.
 */
static void run_step(struct runner *r, unsigned i)
{
	const struct step *st = &r->sc->steps[i];

	r->step = i;
	emit_step(r, st);
	if (st->hold.kind != HOLD_LOOP && st->nops) {
		set_shared_step(r, STEP_TRANSITION);
		apply_ops(r, st);
	}
	set_shared_step(r, i);
	apply_defs(r, st->defs, st->ndefs, true);
	if (st->hold.kind == HOLD_LOOP)
		apply_ops(r, st);
	record_cpusets(r);
	hold_step(r, st);
	end_step(r, st);
}

static bool any_worker(const struct worker *w, const void *arg)
{
	(void)w;
	(void)arg;
	return true;
}

static void scenario_end(struct events *ev, const char *result, const char *reason, json_t *extra)
{
	json_t *rec = json_pack("{s:s, s:s}", "type", "scenario_end", "result", result);

	if (reason)
		json_object_set_new(rec, "reason", json_string(reason));
	if (extra) {
		json_object_update(rec, extra);
		json_decref(extra);
	}
	events_emit(ev, rec);
}

static void execute(struct runner *r)
{
	char err[512];

	if (cg_setup(err, sizeof(err)) < 0) {
		runner_error(r, "cgroup setup: %s", err);
		return;
	}
	r->t0_ns = mono_ns();
	apply_defs(r, r->sc->defs, r->sc->ndefs, false);
	for (unsigned i = 0; i < r->sc->nsteps; i++)
		run_step(r, i);
	payloads_end(r);	/* first: they ran beside the workers until now */
	workers_collect(&r->ws, any_worker, NULL, r);
	poll_stuck_workers(r);
	if (cg_teardown(err, sizeof(err)) < 0)
		runner_error(r, "cgroup cleanup: %s", err);
}

static void runner_free(struct runner *r)
{
	payloads_free(r->ws.payloads);
	workers_free(&r->ws);
	free(r->pending);
	for (unsigned i = 0; i < r->ncg; i++) {
		free(r->cg[i].name);
		free(r->cg[i].hist);
	}
	free(r->cg);
}

int run_scenario(struct events *ev, json_t *job, const struct systopo *topo)
{
	struct runner r = { .ev = ev, .topo = topo, .rng = mono_ns() | 1 };
	json_t *dur = json_object_get(job, "duration_ms");
	struct scenario sc;
	struct sched sched;
	char err[512], why[768];
	json_t *extra;

	r.duration_ms = json_is_integer(dur) && json_integer_value(dur) > 0 ?
		(unsigned)json_integer_value(dur) : DEFAULT_DURATION_MS;
	if (scenario_parse(json_object_get(job, "scenario"), &sc, err, sizeof(err)) < 0) {
		scenario_end(ev, "error", err, NULL);
		return 0;
	}
	scenario_expand(&sc, topo);
	if (requires_unmet(&sc.req, topo, why, sizeof(why)) ||
	    scenario_cpusets_unresolvable(&sc, topo, why, sizeof(why))) {
		scenario_end(ev, "skip", why, json_pack("{s:s}", "scenario", sc.name));
		scenario_free(&sc);
		return 0;
	}
	if (sched_start(&sched, ev, job, why, sizeof(why)) < 0) {
		extra = json_pack("{s:s}", "scenario", sc.name);
		sched_summary(&sched, extra);
		scenario_end(ev, "error", why, extra);
		sched_close(&sched);
		scenario_free(&sc);
		return 0;
	}
	r.sc = &sc;
	r.sched = &sched;
	r.t0_ns = mono_ns();
	workers_init(&r.ws);
	r.ws.payloads = payloads_new();
	r.payload_defs = json_object_get(job, "payloads");
	execute(&r);
	sched_poll(&sched, r.step, true);
	sched_stop(&sched, r.step);
	extra = json_pack("{s:s, s:i, s:i, s:i, s:I, s:i}", "scenario", sc.name, "steps", sc.nsteps,
			  "workers", r.nworkers, "errors", r.nerrors,
			  "elapsed_ms", (json_int_t)((mono_ns() - r.t0_ns) / 1000000u),
			  "workers_stuck", r.ws.shared ? (int)r.ws.shared->nstuck : 0);
	sched_summary(&sched, extra);
	scenario_end(ev, r.nerrors ? "error" : "ok", r.nerrors ? r.first_error : NULL, extra);
	sched_close(&sched);
	runner_free(&r);
	scenario_free(&sc);
	return 0;
}
