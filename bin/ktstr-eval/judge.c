/* Job state as the stream goes by, and the verdict once the VM has exited. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "die.h"
#include "judge.h"
#include "ndjson.h"
#include "payload.h"
#include "weight.h"

static size_t id_hash(const char *id)
{
	size_t h = 14695981039346656037ULL;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return h;
}

static void list_unlink(struct job_list *l, struct job_state *js)
{
	if (js->prev)
		js->prev->next = js->next;
	else
		l->head = js->next;
	if (js->next)
		js->next->prev = js->prev;
	else
		l->tail = js->prev;
	js->next = js->prev = NULL;
}

static void list_push_front(struct job_list *l, struct job_state *js)
{
	js->prev = NULL;
	js->next = l->head;
	if (l->head)
		l->head->prev = js;
	else
		l->tail = js;
	l->head = js;
}

static void index_grow(struct job_list *l)
{
	size_t nb = l->nbuckets ? l->nbuckets * 2 : 64;
	struct job_state **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < l->nbuckets; i++) {
		struct job_state *js = l->buckets[i], *next;

		for (; js; js = next) {
			next = js->hnext;
			js->hnext = b[id_hash(js->id) % nb];
			b[id_hash(js->id) % nb] = js;
		}
	}
	free(l->buckets);
	l->buckets = b;
	l->nbuckets = nb;
}

struct job_state *job_state_get(struct job_list *l, const char *id)
{
	struct job_state *js;

	if (l->nbuckets)
		for (js = l->buckets[id_hash(id) % l->nbuckets]; js; js = js->hnext)
			if (!strcmp(js->id, id)) {
				if (l->head != js) {
					list_unlink(l, js);
					list_push_front(l, js);
				}
				return js;
			}
	if (l->n >= l->nbuckets)
		index_grow(l);
	js = xcalloc(1, sizeof(*js));
	js->id = xstrdup(id);
	js->workers = json_array();
	js->steps = json_array();
	js->sched = json_array();
	js->console = json_array();
	js->tl = timeline_new();
	js->payloads = json_array();
	js->compat = json_array();
	js->console_tail = json_array();
	js->hnext = l->buckets[id_hash(id) % l->nbuckets];
	l->buckets[id_hash(id) % l->nbuckets] = js;
	l->n++;
	list_push_front(l, js);
	return js;
}

void job_state_free(struct job_state *js)
{
	free(js->id);
	json_decref(js->job);
	json_decref(js->vm_started);
	json_decref(js->topo_check);
	json_decref(js->scenario_end);
	json_decref(js->monitor);
	json_decref(js->workers);
	json_decref(js->steps);
	json_decref(js->sched);
	json_decref(js->console);
	timeline_free(js->tl);
	json_decref(js->payloads);
	json_decref(js->compat);
	json_decref(js->console_tail);
	free(js);
}

void job_state_drop(struct job_list *l, struct job_state *js)
{
	struct job_state **pp = &l->buckets[id_hash(js->id) % l->nbuckets];

	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == js) {
			*pp = js->hnext;
			break;
		}
	list_unlink(l, js);
	l->n--;
	job_state_free(js);
}

void job_list_free(struct job_list *l)
{
	while (l->tail)
		job_state_drop(l, l->tail);
	free(l->buckets);
	memset(l, 0, sizeof(*l));
}

/*
 * Console records a verdict may quote: the first CONSOLE_HEAD (how a panic or oops began) and
 * about the last CONSOLE_TAIL (how it ended), not all of a guest that floods its console.
 */
#define CONSOLE_HEAD 500
#define CONSOLE_TAIL 500

static void console_keep(struct job_state *js, json_t *rec)
{
	json_t *tail = js->console_tail, *kept;
	size_t n;

	if (json_array_size(js->console) < CONSOLE_HEAD) {
		json_array_append(js->console, rec);
		return;
	}
	json_array_append(tail, rec);
	if ((n = json_array_size(tail)) < 2 * CONSOLE_TAIL)
		return;
	kept = json_array();	/* drop the older half at once: appends stay O(1) on average */
	for (size_t i = n - CONSOLE_TAIL; i < n; i++)
		json_array_append(kept, json_array_get(tail, i));
	js->console_dropped += n - CONSOLE_TAIL;
	json_decref(tail);
	js->console_tail = kept;
}

/* The kept console as one array, with a line saying how many were left out between. */
static void console_settle(struct job_state *js)
{
	if (js->console_dropped) {
		char line[128];

		snprintf(line, sizeof(line), "[ktstr-eval: %zu console lines left out here]",
			 js->console_dropped);
		json_array_append_new(js->console, json_pack("{s:s, s:s}", "type", "console",
							     "line", line));
		js->console_dropped = 0;
	}
	json_array_extend(js->console, js->console_tail);
	json_array_clear(js->console_tail);
}

static void keep(json_t **slot, json_t *rec)
{
	json_decref(*slot);
	*slot = json_incref(rec);
}

void job_state_note(struct job_state *js, json_t *rec)
{
	const char *type = ndjson_type(rec);
	const char *phase = json_string_value(json_object_get(rec, "phase"));

	if (!strcmp(type, "worker"))
		json_array_append(js->workers, rec);
	else if (!strcmp(type, "sched"))
		json_array_append(js->sched, rec);
	else if (!strcmp(type, "step"))
		json_array_append(js->steps, rec);
	else if (!strcmp(type, "job"))
		keep(&js->job, rec);
	else if (!strcmp(type, "vm") && phase && !strcmp(phase, "started"))
		keep(&js->vm_started, rec);
	else if (!strcmp(type, "topo_check"))
		keep(&js->topo_check, rec);
	else if (!strcmp(type, "scenario_end"))
		keep(&js->scenario_end, rec);
	else if (!strcmp(type, "monitor"))
		keep(&js->monitor, rec);
	else if (!strcmp(type, "console"))
		console_keep(js, rec);
	else if (!strcmp(type, "sample"))
		timeline_note_sample(js->tl, rec);
	else if (!strcmp(type, "payload"))
		json_array_append(js->payloads, rec);
	else if (!strcmp(type, "kernel_compat"))
		json_array_append(js->compat, rec);
}

int job_state_wants(const char *type)
{
	static const char *const kept[] = { "job", "vm", "worker", "sched", "step", "topo_check",
					    "scenario_end", "monitor", "console", "sample",
					    "payload", "kernel_compat" };

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!strcmp(type, kept[i]))
			return 1;
	return 0;
}

json_t *detail_add(struct verdict_ctx *v, const char *kind, bool fails, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	json_t *d;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		die(EXIT_INCONCLUSIVE, "out of memory");
	va_end(ap);
	d = json_pack("{s:s, s:s, s:b}", "kind", kind, "message", msg, "fails", fails);
	free(msg);
	json_array_append_new(v->details, d);
	if (fails)
		v->failures++;
	return d;
}

void detail_append_lines(json_t *detail, const char *heading, json_t *lines)
{
	size_t len, i;
	char *msg;
	json_t *l;

	if (!json_array_size(lines))
		return;
	len = strlen(rec_str(detail, "message", "")) + strlen(heading) + 2;
	json_array_foreach(lines, i, l)
		len += strlen(json_string_value(l) ? json_string_value(l) : "") + 1;
	msg = xmalloc(len + 1);
	len = (size_t)sprintf(msg, "%s\n%s", rec_str(detail, "message", ""), heading);
	json_array_foreach(lines, i, l)
		len += (size_t)sprintf(msg + len, "\n%s", json_string_value(l) ? json_string_value(l) : "");
	json_object_set_new(detail, "message", json_string(msg));
	free(msg);
}

double rec_num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

const char *rec_str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

bool work_cpu_bound(const char *type)
{
	static const char *const bound[] = { "CpuSpin", "YieldHeavy", "Mixed", "CachePressure",
					     "CacheYield", "PageFaultChurn" };

	for (size_t i = 0; i < sizeof(bound) / sizeof(bound[0]); i++)
		if (!strcmp(type, bound[i]))
			return true;
	return false;
}

double worker_weight(json_t *w)
{
	return weight_of_named(rec_str(w, "policy", "normal"),
			       (int)json_integer_value(json_object_get(w, "nice")));
}

void owed_add(struct owed *o, double weight, unsigned n, double got)
{
	if (weight <= 0)
		return;
	o->weight_sum += n * weight;
	o->got += got;
	o->heaviest = weight > o->heaviest ? weight : o->heaviest;
}

bool owed_crumbs(const struct owed *o, double weight)
{
	return weight > 0 && weight < o->heaviest &&
	       o->got * weight / o->weight_sum < MIN_OWED_SHARE;
}

bool worker_own_pace(json_t *w)
{
	return json_is_true(json_object_get(w, "is_messenger")) ||
	       !strcmp(rec_str(w, "work_type", ""), "Custom");
}

long long step_no(json_int_t index)
{
	return index < INT64_MAX ? (long long)index + 1 : (long long)index;
}

json_int_t steps_total(struct job_state *js)
{
	json_t *n = json_object_get(js->scenario_end, "steps");

	if (json_is_integer(n) && json_integer_value(n) > 0)
		return json_integer_value(n);
	return (json_int_t)json_array_size(js->steps);
}

/* When the test started: the first step, else the scheduler's attach, in guest t_ms. */
static int test_start_ms(struct job_state *js, double *t0)
{
	json_t *first = json_array_get(js->steps, 0), *ev;
	size_t i;

	if (json_is_number(json_object_get(first, "t_ms"))) {
		*t0 = rec_num(first, "t_ms");
		return 0;
	}
	json_array_foreach(js->sched, i, ev)
		if (!strcmp(rec_str(ev, "event", ""), "attached") &&
		    json_is_number(json_object_get(ev, "t_ms"))) {
			*t0 = rec_num(ev, "t_ms");
			return 0;
		}
	return -1;
}

void step_phrase(struct verdict_ctx *v, json_int_t step, json_t *t_ms, char *buf, size_t len)
{
	json_int_t n = steps_total(v->js);
	int k;
	double t0;

	if (n > 0 && step >= 0)
		k = snprintf(buf, len, "step %lld of %lld", step_no(step), (long long)n);
	else
		k = snprintf(buf, len, "the scenario");
	if (k >= 0 && (size_t)k < len && json_is_number(t_ms) && !test_start_ms(v->js, &t0))
		snprintf(buf + k, len - (size_t)k, " (%.1f s into the test)",
			 (json_number_value(t_ms) - t0) / 1000.0);
}

static bool is_eevdf(struct job_state *js)
{
	const char *name = rec_str(json_object_get(js->job, "scheduler"), "name", "eevdf");

	return !strcmp(name, "eevdf");
}

/*
 * Multi-threaded TCG can let a vCPU execute an instruction another vCPU is
 * patching (the kernel flips jump labels with a temporary int3, e.g. as
 * sched_ext enables and disables): "Oops: int3" whose Code: line shows the
 * trapping byte already patched back (not cc). That is the emulator's race,
 * not the kernel's or the scheduler's fault.
 */
static bool tcg_patch_race(struct verdict_ctx *v, const char *accel)
{
	bool in_int3 = false;
	json_t *c;
	size_t i;

	if (strcmp(accel, "tcg"))
		return false;
	json_array_foreach(v->js->console, i, c) {
		const char *line = rec_str(c, "line", ""), *code;

		if (strstr(line, "Oops: int3"))
			in_int3 = true;
		else if (strstr(line, "Oops: ") || strstr(line, "BUG: "))
			return false;	/* something else went wrong first */
		else if (in_int3 && (code = strstr(line, "Code: ")) && (code = strchr(code, '<')))
			return strncmp(code, "<cc>", 4) != 0;
	}
	return false;
}

/*
 * The kernel's own scheduler failed a worker check under TCG while the guest
 * kernel reported an RCU stall: some vCPU passed no quiescent state for the
 * stall timeout (21 s), which under emulation means the host did not run it.
 * Workers starved by a frozen vCPU say nothing of EEVDF; a sched_ext
 * scheduler can cause an RCU stall itself, so there it stays a failure.
 */
static bool tcg_host_froze(struct verdict_ctx *v, const char *accel)
{
	json_t *c;
	size_t i;

	if (strcmp(accel, "tcg") || !is_eevdf(v->js))
		return false;
	json_array_foreach(v->js->console, i, c)
		if (strstr(rec_str(c, "line", ""), "rcu: INFO: ") &&
		    strstr(rec_str(c, "line", ""), "detected stall"))
			return true;
	return false;
}

/* The kernel's console lines of the stream (a panic, an RCU stall): details that inform. */
static void console_details(struct verdict_ctx *v)
{
	json_t *c;
	size_t i;

	json_array_foreach(v->js->console, i, c)
		detail_add(v, "Console", false, "%s", rec_str(c, "line", ""));
}

/* The VM ended without scenario_end: say why, fail only what the scheduler or kernel did. */
static const char *judge_unfinished(struct verdict_ctx *v, json_t *vm_exit, char *reason,
				    size_t len)
{
	const char *why = rec_str(vm_exit, "reason", "unknown");
	const char *accel = rec_str(v->js->vm_started, "accel", rec_str(vm_exit, "accel", "kvm"));
	bool ran = json_array_size(v->js->steps) > 0;

	if (!strcmp(why, "panic") && tcg_patch_race(v, accel)) {
		snprintf(reason, len, "the guest kernel trapped on code it was patching (an int3 already "
			 "patched back): multi-threaded TCG's race, not the scheduler's fault; run again");
		v->retry = true;
		console_details(v);
		return "inconclusive";
	}
	if (ran && v->js->monitor && !is_eevdf(v->js))
		judge_monitor(v, v->js->monitor);	/* what the host saw before the end */
	if (ran && !strcmp(why, "panic")) {
		detail_add(v, "KernelPanic", true, "the guest kernel panicked during the scenario");
		console_details(v);
		if (!*reason)
			snprintf(reason, len, "kernel panic");
		return "fail";
	}
	if (ran && !strcmp(why, "timeout")) {
		detail_add(v, "Timeout", true, "the scenario did not end before the VM timeout");
		console_details(v);	/* the kernel's word on it: an RCU stall... */
		if (!*reason)	/* a scheduler death says more */
			snprintf(reason, len, "timeout during the scenario");
		return "fail";
	}
	if (v->failures)	/* the scheduler died and took the run with it */
		return "fail";
	snprintf(reason, len, "VM ended (%s) before the scenario %s", why, ran ? "ended" : "started");
	return "inconclusive";
}

/*
 * The scenario ran to its end: worker checks, then the monitor's. A sched_ext
 * run that the monitor could not watch is no pass: only the kernel's own
 * watchdog, at the scheduler's own timeout, would have caught a starved task.
 */
static json_t *judge_scenario(struct verdict_ctx *v, char *reason, size_t len, bool *unwatched)
{
	json_t *stats = judge_workers(v);
	int before;
	const char *why;

	judge_payloads(v, v->payload_out);
	if (!json_array_size(v->js->workers) && !json_array_size(v->js->payloads))
		detail_add(v, "NoWorkers", true, "the scenario reported no workers");
	if (is_eevdf(v->js))
		return stats;
	before = v->failures;
	if (v->js->monitor)
		judge_monitor(v, v->js->monitor);
	if (!before && v->failures)
		snprintf(reason, len, "passed scenario but monitor failed");
	if (!(why = monitor_missing(v)))
		return stats;
	if (!check_on(v->th, "require_monitor"))
		detail_add(v, "Unwatched", false, "no host-side monitor, %s: a starved task is caught only "
			   "by sched_ext's own watchdog, at the scheduler's own timeout", why);
	else if (!v->failures) {
		snprintf(reason, len, "the host-side monitor could not watch the scheduler: %s "
			 "(ktstr run --no-monitor, or --check require_monitor=false, accepts that)", why);
		*unwatched = true;
	}
	return stats;
}

/* Guest + scenario outcome; returns the result and fills reason/stats. */
static const char *judge_outcome(struct verdict_ctx *v, json_t *vm_exit, char *reason,
				 size_t len, json_t **stats)
{
	struct job_state *js = v->js;
	const char *se = rec_str(js->scenario_end, "result", NULL);
	json_t *tc = js->topo_check;
	bool unwatched = false;

	if (tc && json_is_false(json_object_get(tc, "ok"))) {
		const char *first = json_string_value(json_array_get(json_object_get(tc, "mismatches"), 0));

		snprintf(reason, len, "guest topology does not match the job%s%s",
			 first ? ": " : "", first ? first : "");
		return "inconclusive";
	}
	switch (judge_scheduler(v, reason, len)) {
	case 1:	/* could not start: the scheduler's failure; the host may have seen who starved */
		if (js->monitor && !is_eevdf(js))
			judge_monitor(v, js->monitor);
		return "fail";
	case 2:
		return "inconclusive";
	}
	if (!se)
		return judge_unfinished(v, vm_exit, reason, len);
	if (!strcmp(se, "skip")) {
		snprintf(reason, len, "%s", rec_str(js->scenario_end, "reason", ""));
		return "skip";
	}
	if (strcmp(se, "ok")) {
		if (v->failures)
			return "fail";
		snprintf(reason, len, "scenario could not run: %s",
			 rec_str(js->scenario_end, "reason", se));
		return "inconclusive";
	}
	*stats = judge_scenario(v, reason, len, &unwatched);
	return v->failures ? "fail" : unwatched ? "inconclusive" : "pass";
}

static void copy_monitor(json_t *verdict, json_t *monitor)
{
	json_t *m = json_deep_copy(monitor);

	json_object_del(m, "type");
	json_object_del(m, "job");
	json_object_del(m, "t_ms");
	json_object_set_new(verdict, "monitor", m);
}

json_t *judge_job(struct job_state *js, json_t *vm_exit, json_t *checks, json_t *overrides)
{
	const char *accel = rec_str(js->vm_started, "accel", rec_str(vm_exit, "accel", "kvm"));
	struct verdict_ctx v = { .js = js, .details = json_array(), .payload_out = json_object() };
	const char *result;
	json_t *stats = NULL, *out, *tl, *c;
	char reason[1024] = "";
	size_t i;

	console_settle(js);
	v.th = checks_merge(checks, accel, js->job, overrides);
	json_array_foreach(js->compat, i, c)	/* not a failure, but never unsaid */
		detail_add(&v, "KernelCompat", false, "%s", rec_str(c, "message", "?"));
	if (!vm_exit) {
		result = "inconclusive";
		snprintf(reason, sizeof(reason), "the stream ended without the VM's exit record");
	} else {
		result = judge_outcome(&v, vm_exit, reason, sizeof(reason), &stats);
	}
	if (!strcmp(result, "fail") && tcg_host_froze(&v, accel)) {
		result = "inconclusive";
		snprintf(reason, sizeof(reason), "the guest kernel reported an RCU stall: a vCPU stood "
			 "still under TCG, so the kernel's own scheduler is not to blame; run again");
		v.retry = true;
	}
	if (!strcmp(result, "pass") && v.host_held) {
		result = "inconclusive";
		snprintf(reason, sizeof(reason), "%d harm%s seen while a vCPU waited for a host CPU up to "
			 "%d%% of the time: the host ran the VM too little to judge; run again",
			 v.host_held, v.host_held == 1 ? "" : "s", v.host_held_pct);
		v.retry = true;
	}
	if (!strcmp(result, "fail"))
		judge_worker_stuck(&v);
	out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "verdict",
			"job", js->id, "test", rec_str(js->job, "test", js->id),
			"topo", rec_str(json_object_get(js->job, "topo"), "name", "?"),
			"scheduler", rec_str(json_object_get(js->job, "scheduler"), "name", "eevdf"),
			"result", result);
	if (*reason)
		json_object_set_new(out, "reason", json_string(reason));
	if (v.retry)
		json_object_set_new(out, "retry", json_true());
	json_object_set_new(out, "details", v.details);
	if (stats)
		json_object_set_new(out, "stats", stats);
	json_object_update(out, v.payload_out);
	json_decref(v.payload_out);
	if (js->monitor)
		copy_monitor(out, js->monitor);
	if ((tl = timeline_build(js->tl, js->steps, js->workers, js->scenario_end, v.th)))
		json_object_set_new(out, "timeline", tl);
	json_object_set_new(out, "accel", json_string(accel));
	if (vm_exit)
		json_object_set(out, "wall_ms", json_object_get(vm_exit, "wall_ms"));
	json_object_set_new(out, "thresholds", v.th);
	return out;
}
