/*
 * The scheduler under test, from the guest's `sched` events and scenario_end
 * (share/ktstr/schedulers/README.md): a scheduler that cannot
 * start, dies, is ejected by sched_ext or does not detach cleanly fails the
 * test; that is the scheduler's failure, not the harness's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scxexit.h"
#include "judge.h"
#include "verifier_log.h"

static const char *event_of(json_t *ev)
{
	return rec_str(ev, "event", "");
}

static json_t *find_event(struct job_state *js, const char *event)
{
	json_t *ev;
	size_t i;

	json_array_foreach(js->sched, i, ev)
		if (!strcmp(event_of(ev), event))
			return ev;
	return NULL;
}

static const char *sched_name(struct job_state *js)
{
	return rec_str(json_object_get(js->job, "scheduler"), "name", "the scheduler");
}

/* "exit status N" or "signal N" from an event. */
static void wait_status(json_t *ev, char *buf, size_t len)
{
	if (json_is_integer(json_object_get(ev, "signal")))
		snprintf(buf, len, "signal %lld", json_integer_value(json_object_get(ev, "signal")));
	else if (json_is_integer(json_object_get(ev, "exit_status")))
		snprintf(buf, len, "exit status %lld", json_integer_value(json_object_get(ev, "exit_status")));
	else
		snprintf(buf, len, "unknown status");
}

/*
 * The scheduler's last output lines under the detail's message. A verifier
 * log goes with its loop iterations collapsed, and also as the detail's
 * verifier_log (the failure report prints it).
 */
static void add_log(json_t *d, json_t *ev)
{
	json_t *tail = json_object_get(ev, "log_tail"), *shown;
	size_t omitted = 0;
	char heading[128];

	if (!verifier_log_present(tail)) {
		snprintf(heading, sizeof(heading), "scheduler log (last %zu lines):", json_array_size(tail));
		detail_append_lines(d, heading, tail);
		return;
	}
	shown = verifier_log_collapse(tail, &omitted);
	if (omitted)
		snprintf(heading, sizeof(heading),
			 "scheduler log (last %zu lines; %zu lines of repeated loop iterations omitted):",
			 json_array_size(tail), omitted);
	else
		snprintf(heading, sizeof(heading), "scheduler log (last %zu lines):", json_array_size(tail));
	detail_append_lines(d, heading, shown);
	json_object_set_new(d, "verifier_log", shown);
}

/*
 * Under TCG, a loader that spent at least a quarter of the attach wait on a
 * CPU and had not yet asked the kernel to enable it: busy setting up, too
 * slowly to tell. One that idled (a hang, a wait for something) still fails.
 * (In doubles: cpu_ms comes from the guest, and 4 times any integer may not fit one.)
 */
static bool slow_tcg_attach(struct verdict_ctx *v, json_t *ev)
{
	json_t *cpu = json_object_get(ev, "cpu_ms");

	return ev && !strcmp(rec_str(v->js->vm_started, "accel", "kvm"), "tcg") &&
	       !strcmp(event_of(ev), "never_attached") && !strcmp(rec_str(ev, "state", ""), "disabled") &&
	       json_is_integer(cpu) && (double)json_integer_value(cpu) * 4 >= rec_num(ev, "waited_ms");
}

/*
 * exec_failed, died_at_start, never_attached: the scenario never ran. 1 the
 * scheduler failed to start, 2 too slow a host to tell, 0 it started.
 */
static int judge_start(struct verdict_ctx *v, char *reason, size_t len)
{
	const char *start = rec_str(v->js->scenario_end, "sched_start", NULL);
	const char *why = rec_str(v->js->scenario_end, "reason", NULL);
	json_t *ev = NULL, *d;
	char st[64];

	if (!(ev = find_event(v->js, "exec_failed")) && !(ev = find_event(v->js, "died_at_start")) &&
	    !(ev = find_event(v->js, "never_attached")) && !start)
		return 0;
	if (ev)
		start = event_of(ev);
	if (!strcmp(start, "exec_failed")) {
		d = detail_add(v, "SchedulerStart", true, "scheduler %s could not be started: %s",
			       sched_name(v->js), rec_str(ev, "message", why ? why : "exec failed"));
	} else if (!strcmp(start, "died_at_start")) {
		json_t *tail = json_object_get(ev, "log_tail");
		char rej[512] = "";
		/* a loader the verifier refused: say what it refused, and why, first */
		const char *sep = verifier_log_present(tail) &&
				  verifier_log_rejection(tail, rej, sizeof(rej)) ? ": " : "";

		wait_status(ev, st, sizeof(st));
		d = why ? detail_add(v, "SchedulerDied", true, "%s%s%s", why, sep, rej) :
			detail_add(v, "SchedulerDied", true, "scheduler %s died at start (%s)%s%s",
				   sched_name(v->js), st, sep, rej);
	} else if (slow_tcg_attach(v, ev)) {
		/* alive and busy, the kernel never asked to enable: TCG too slow to tell */
		d = detail_add(v, "SchedulerStart", false,
			       "scheduler %s had not attached after %.0f ms under TCG, its loader busy "
			       "(%.0f ms on a CPU) and sched_ext not yet enabling (state %s): too slow a "
			       "host to tell; raise the definition's attach_timeout_ms or use KVM",
			       sched_name(v->js), rec_num(ev, "waited_ms"), rec_num(ev, "cpu_ms"),
			       rec_str(ev, "state", "unknown"));
		add_log(d, ev);
		snprintf(reason, len, "%s", rec_str(d, "message", ""));
		return 2;
	} else if (why) {
		d = detail_add(v, "SchedulerStart", true, "%s", why);
	} else {
		d = detail_add(v, "SchedulerStart", true,
			       "scheduler %s never attached within %.0f ms (sched_ext state %s)",
			       sched_name(v->js), rec_num(ev, "waited_ms"), rec_str(ev, "state", "unknown"));
	}
	add_log(d, ev);
	snprintf(reason, len, "%s", rec_str(d, "message", ""));
	if (strchr(reason, '\n'))
		*strchr(reason, '\n') = '\0';
	return 1;
}

struct exit_info {
	char kind[32], reason[128], message[512];
};

/*
 * The guest saw the state leave "enabled" before the kernel's line arrived
 * (kind UNKNOWN, source sysfs): take the reason from a later kmsg event
 * `... disabled (REASON)` and the message from the `sched_ext: OPS: ...` line after it.
 */
static bool exit_from_kmsg(struct job_state *js, struct exit_info *x)
{
	const char *line, *open, *close;
	bool found = false;
	json_t *ev;
	size_t i;

	json_array_foreach(js->sched, i, ev) {
		if (strcmp(event_of(ev), "kmsg"))
			continue;
		line = rec_str(ev, "line", "");
		if (found) {	/* the line after "disabled (...)" */
			const char *p = strstr(line, "sched_ext: ");

			if (p && (p = strchr(p + 11, ':')))
				snprintf(x->message, sizeof(x->message), "%s", p + 2);
			break;
		}
		if (!strstr(line, "\" disabled (") || !(open = strstr(line, "disabled (")) ||
		    !(close = strrchr(line, ')')) || close < open + 10)
			continue;
		snprintf(x->reason, sizeof(x->reason), "%.*s", (int)(close - open - 10), open + 10);
		if (!strcmp(scx_exit_kind_of(x->reason), "UNREG"))
			continue;	/* the loader went away: not an ejection */
		snprintf(x->kind, sizeof(x->kind), "%s", scx_exit_kind_of(x->reason));
		found = true;
	}
	return found;
}

/* The loader's own {"event":"exit"} record (scx-ktstr prints one) in a log tail. */
static bool exit_from_loader(struct job_state *js, struct exit_info *x)
{
	json_t *ev, *line, *rec;
	size_t i, j;

	json_array_foreach(js->sched, i, ev) {
		json_array_foreach(json_object_get(ev, "log_tail"), j, line) {
			const char *s = json_string_value(line);

			if (!s || s[0] != '{' || !(rec = json_loads(s, 0, NULL)))
				continue;
			if (!strcmp(rec_str(rec, "event", ""), "exit") &&
			    strcmp(rec_str(rec, "kind", "NONE"), "NONE")) {
				snprintf(x->kind, sizeof(x->kind), "%s", rec_str(rec, "kind", "UNKNOWN"));
				snprintf(x->reason, sizeof(x->reason), "%s", rec_str(rec, "reason", ""));
				snprintf(x->message, sizeof(x->message), "%s",
					 rec_str(rec, "msg", rec_str(rec, "message", "")));
				json_decref(rec);
				return true;
			}
			json_decref(rec);
		}
	}
	return false;
}

static void exit_info_of(struct job_state *js, json_t *ev, struct exit_info *x)
{
	snprintf(x->kind, sizeof(x->kind), "%s", rec_str(ev, "kind", "UNKNOWN"));
	snprintf(x->reason, sizeof(x->reason), "%s", rec_str(ev, "reason", ""));
	snprintf(x->message, sizeof(x->message), "%s", rec_str(ev, "message", ""));
	if (!strcmp(x->kind, "UNKNOWN")) {
		struct exit_info better = { "", "", "" };

		if (exit_from_kmsg(js, &better) || exit_from_loader(js, &better))
			*x = better;
	}
	if (!x->message[0]) {
		/* the guest caught "disabled (...)" before the kernel's next line: it came later */
		struct exit_info more = { "", "", "" };

		if ((exit_from_kmsg(js, &more) && more.message[0]) ||
		    (exit_from_loader(js, &more) && more.message[0]))
			snprintf(x->message, sizeof(x->message), "%s", more.message);
	}
}

/* A stalled task "comm[pid] failed to run for ..." or a "CPU N" in the kernel's message. */
static void note_stall_target(json_t *d, const char *msg)
{
	const char *fail = strstr(msg, "] failed to run"), *open, *cpu;
	long pid;

	if (fail) {
		for (open = fail; open > msg && *open != '['; open--)
			;
		if (*open == '[' && sscanf(open + 1, "%ld", &pid) == 1) {
			const char *start = open;

			while (start > msg && start[-1] != ' ' && start[-1] != '(')
				start--;
			json_object_set_new(d, "task", json_stringn(start, (size_t)(open - start)));
			json_object_set_new(d, "pid", json_integer(pid));
		}
	}
	if ((cpu = strstr(msg, "CPU ")) || (cpu = strstr(msg, "cpu")))
		for (const char *p = cpu + 3; *p == ' ' || (*p >= '0' && *p <= '9'); p++)
			if (*p != ' ') {
				json_object_set_new(d, "cpu", json_integer(strtol(p, NULL, 10)));
				break;
			}
}

static json_t *kernel_exit_detail(struct verdict_ctx *v, json_t *ev)
{
	struct exit_info x;
	char when[128];
	json_t *d;

	exit_info_of(v->js, ev, &x);
	step_phrase(v, json_integer_value(json_object_get(ev, "step")), json_object_get(ev, "t_ms"),
		    when, sizeof(when));
	d = detail_add(v, "SchedulerDied", true, "sched_ext disabled the scheduler during %s: %s%s%s (%s)",
		       when, x.reason[0] ? x.reason : "no reason given", x.message[0] ? ": " : "",
		       x.message, x.kind);
	json_object_set_new(d, "exit_kind", json_string(x.kind));
	note_stall_target(d, x.message);
	return d;
}

static json_t *died_detail(struct verdict_ctx *v, json_t *ev)
{
	char when[128], st[64];

	wait_status(ev, st, sizeof(st));
	step_phrase(v, json_integer_value(json_object_get(ev, "step")), json_object_get(ev, "t_ms"),
		    when, sizeof(when));
	return detail_add(v, "SchedulerDied", true, "scheduler died during %s: %s", when, st);
}

/* Mid-run: ejection, death, an unclean detach, or scenario_end's word for it. */
static void judge_runtime(struct verdict_ctx *v)
{
	json_t *kexit = find_event(v->js, "kernel_exit"), *died = find_event(v->js, "died");
	json_t *detached = find_event(v->js, "detached"), *d = NULL, *se = v->js->scenario_end;
	char st[64], when[128];

	if (kexit)
		d = kernel_exit_detail(v, kexit);
	if (died) {
		d = died_detail(v, died);
		add_log(d, died);
	} else if (d && detached) {
		add_log(d, detached);
	}
	if (!d && detached && json_is_false(json_object_get(detached, "clean"))) {
		wait_status(detached, st, sizeof(st));
		d = detail_add(v, "SchedulerDied", true,
			       "scheduler did not detach cleanly at the end: %s, sched_ext state %s%s", st,
			       rec_str(detached, "state", "unknown"),
			       json_is_true(json_object_get(detached, "killed")) ? ", killed after SIGINT" : "");
		add_log(d, detached);
	}
	if (!d && json_is_true(json_object_get(se, "sched_died"))) {
		json_t *step = json_object_get(se, "sched_died_step");

		step_phrase(v, json_is_integer(step) ? json_integer_value(step) : -1, NULL, when, sizeof(when));
		detail_add(v, "SchedulerDied", true, "scheduler died during %s%s%s (scenario_end says so)",
			   when, json_is_string(json_object_get(se, "sched_exit_kind")) ? ": " : "",
			   rec_str(se, "sched_exit_kind", ""));
	}
}

int judge_scheduler(struct verdict_ctx *v, char *reason, size_t len)
{
	size_t before = json_array_size(v->details);
	json_t *first;

	int started = judge_start(v, reason, len);

	if (started)
		return started;
	judge_runtime(v);
	if ((first = json_array_get(v->details, before))) {
		snprintf(reason, len, "%s", rec_str(first, "message", ""));
		if (strchr(reason, '\n'))
			*strchr(reason, '\n') = '\0';
	}
	return 0;
}

static const char *cgroup_of_tid(struct job_state *js, json_int_t tid)
{
	json_t *w;
	size_t i;

	json_array_foreach(js->workers, i, w)
		if (json_integer_value(json_object_get(w, "tid")) == tid)
			return rec_str(w, "cgroup", "/");
	return "?";
}

/* Workers' notes of gaps over the guest's 2 s watchdog: context for a failed verdict. */
void judge_worker_stuck(struct verdict_ctx *v)
{
	json_t *ev, *se = v->js->scenario_end;
	json_int_t total = json_integer_value(json_object_get(se, "workers_stuck")), n = 0;
	char when[128];
	size_t i;

	json_array_foreach(v->js->sched, i, ev) {
		if (strcmp(event_of(ev), "worker_stuck"))
			continue;
		step_phrase(v, json_integer_value(json_object_get(ev, "step")), json_object_get(ev, "t_ms"),
			    when, sizeof(when));
		detail_add(v, "WorkerStuck", false, "%s: tid %lld went %.0f ms without running on cpu %lld during %s",
			   cgroup_of_tid(v->js, json_integer_value(json_object_get(ev, "tid"))),
			   (long long)json_integer_value(json_object_get(ev, "tid")), rec_num(ev, "gap_ms"),
			   (long long)json_integer_value(json_object_get(ev, "cpu")), when);
		n++;
	}
	if (total > n)
		detail_add(v, "WorkerStuck", false, "%lld more stuck notes were not reported one by one",
			   (long long)(total - n));
}
