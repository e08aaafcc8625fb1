/*
 * Watching the scheduler while the scenario runs: its
 * process (reaped by init's SIGCHLD polling or here), sched_ext's state and the
 * kernel's sched_ext messages. Nothing is stopped: the scenario runs on (the
 * kernel falls back to EEVDF) and its workers still report.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "scxexit.h"
#include "sched.h"

#define EXIT_MSG_WAIT_MS 100	/* for the message line that follows "disabled (...)" */
#define STATE_GRACE_MS 1000	/* state off "enabled" with no kernel line yet */
#define EXIT_LINE_WAIT_MS 500	/* kmsg drain before a kernel_exit without the kernel's line */

static void mark_died(struct sched *s, unsigned step)
{
	if (s->died_step < 0)
		s->died_step = (int)step;
}

/* kind/reason/message from the loader's own exit record when the kernel said nothing. */
static void fill_from_loader(json_t *ev)
{
	json_t *rec = sched_log_exit_record();
	const char *msg;

	if (!rec)
		return;
	json_object_set(ev, "kind", json_object_get(rec, "kind"));
	if (json_is_string(json_object_get(rec, "reason")))
		json_object_set(ev, "reason", json_object_get(rec, "reason"));
	msg = json_string_value(json_object_get(rec, "msg")) ?: json_string_value(json_object_get(rec, "message"));
	if (msg)
		json_object_set_new(ev, "message", json_string(msg));
	json_object_set_new(ev, "source", json_string("loader"));
	json_decref(rec);
}

static void emit_kernel_exit(struct sched *s, unsigned step, const char *state)
{
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "type", "sched", "event", "kernel_exit",
			       "name", s->name, "ops", s->ops);

	if (s->disabled_seen) {
		json_object_set_new(ev, "kind", json_string(scx_exit_kind_of(s->exit_reason)));
		json_object_set_new(ev, "reason", json_string(s->exit_reason));
		json_object_set_new(ev, "message", s->exit_msg[0] ? json_string(s->exit_msg) : json_null());
		json_object_set_new(ev, "source", json_string("kmsg"));
		if (json_array_size(s->backtrace))
			json_object_set(ev, "backtrace", s->backtrace);
	} else {
		json_object_set_new(ev, "kind", json_string("UNKNOWN"));
		json_object_set_new(ev, "reason", json_sprintf("sched_ext state is %s", state));
		json_object_set_new(ev, "message", json_null());
		json_object_set_new(ev, "source", json_string("sysfs"));
		fill_from_loader(ev);
	}
	strfmt(s->exit_kind, sizeof(s->exit_kind), "%s", json_string_value(json_object_get(ev, "kind")));
	json_object_set_new(ev, "step", json_integer(step));
	json_object_set_new(ev, "state", json_string(state));
	json_object_set_new(ev, "process_alive", json_boolean(!s->exited));
	s->kernel_exit_sent = true;
	mark_died(s, step);
	events_emit(s->ev, ev);
}

/*
 * The state leaves "enabled" (reads "disabling") before the kernel prints
 * `BPF scheduler "X" disabled (REASON)`: wait a bounded time for that line
 * (and an error's message line after it) so kind and reason come from it.
 */
static void await_exit_line(struct sched *s)
{
	uint64_t end = mono_ns() + EXIT_LINE_WAIT_MS * 1000000ull;

	for (;;) {
		uint64_t now = mono_ns();
		struct pollfd pfd = { s->kmsg_fd, POLLIN, 0 };

		kmsg_drain(s);
		if (s->disabled_seen && (!s->disabled_is_error || s->exit_msg[0] ||
					 now - s->disabled_seen_ns >= EXIT_MSG_WAIT_MS * 1000000ull))
			break;
		if (s->kmsg_fd < 0 || now >= end)
			break;
		poll(&pfd, 1, (int)((end - now) / 1000000u) + 1);	/* kmsg: readable on a new record */
	}
	kmsg_drain(s);	/* the backtrace printed right after the message */
}

static bool state_left_enabled(void)
{
	char state[64];

	return sysfs_read_line(SCX_SYSFS "/state", state, sizeof(state)) == 0 && strcmp(state, "enabled");
}

void sched_check_kernel_exit(struct sched *s, unsigned step, bool final)
{
	uint64_t now = mono_ns();
	char state[64];

	if (!s->active || s->start_failure || s->kernel_exit_sent)
		return;
	if (sysfs_read_line(SCX_SYSFS "/state", state, sizeof(state)) < 0)
		strfmt(state, sizeof(state), "unreadable");
	if (s->disabled_seen) {
		/* "unregistered from user space": the loader went away (died, or we stopped it) */
		if (!strcmp(scx_exit_kind_of(s->exit_reason), "UNREG"))
			return;
		if (!final && s->disabled_is_error && !s->exit_msg[0] &&
		    now - s->disabled_seen_ns < EXIT_MSG_WAIT_MS * 1000000ull)
			return;
		emit_kernel_exit(s, step, state);
		return;
	}
	if (s->stopping || s->exited || !strcmp(state, "enabled")) {
		s->not_enabled_since_ns = 0;
		return;
	}
	/* Ejected while the process lives, and the kernel has not said why (yet). */
	if (!s->not_enabled_since_ns)
		s->not_enabled_since_ns = now;
	if (!final && now - s->not_enabled_since_ns < STATE_GRACE_MS * 1000000ull)
		return;
	await_exit_line(s);
	if (s->disabled_seen && !strcmp(scx_exit_kind_of(s->exit_reason), "UNREG"))
		return;
	if (sysfs_read_line(SCX_SYSFS "/state", state, sizeof(state)) < 0)
		strfmt(state, sizeof(state), "unreadable");
	emit_kernel_exit(s, step, state);
}

static void emit_died(struct sched *s, unsigned step)
{
	json_t *ev = json_pack("{s:s, s:s, s:s, s:i, s:i}", "type", "sched", "event", "died",
			       "name", s->name, "step", (int)step, "pid", (int)s->pid);
	json_t *loader = sched_log_exit_record();

	json_add_wait_status(ev, s->status);
	if (loader)
		json_object_set_new(ev, "loader_exit", loader);
	json_object_set_new(ev, "log_tail", sched_log_tail());
	s->death_sent = true;
	mark_died(s, step);
	events_emit(s->ev, ev);
}

void sched_poll(struct sched *s, unsigned step, bool force)
{
	uint64_t now = mono_ns();
	int st;

	if (!s || !s->active || s->start_failure || s->stopping)
		return;
	if (!force && now < s->next_poll_ns)
		return;
	s->next_poll_ns = now + SCHED_POLL_MS * 1000000ull;
	kmsg_drain(s);
	repro_poll(&s->repro);
	/* the kernel writes an error's dump before it says "disabled": that closes the dump */
	scx_dump_poll(&s->dump, s->disabled_seen);
	if (!s->exited && waitpid(s->pid, &st, WNOHANG) == s->pid)
		sched_note_exit(s, s->pid, st);
	/*
	 * The kernel ended it and the loader followed: the kernel's lines first (the "disabled"
	 * line, and an error's message after it), so kernel_exit precedes died.
	 */
	if (s->exited && !s->death_sent &&
	    (s->disabled_seen ? !s->kernel_exit_sent : state_left_enabled()))
		await_exit_line(s);
	sched_check_kernel_exit(s, step, force || (s->exited && !s->death_sent));
	if (s->exited && !s->death_sent)
		emit_died(s, step);
	if (s->kernel_exit_sent || s->exited)
		repro_ask(&s->repro);	/* an exit that did not freeze the tracer's ring */
}

void sched_summary(const struct sched *s, json_t *rec)
{
	json_object_set_new(rec, "sched_died", json_boolean(s->died_step >= 0 ||
							    (s->start_failure && !strcmp(s->start_failure, "died_at_start"))));
	json_object_set_new(rec, "sched_died_step", s->died_step >= 0 ? json_integer(s->died_step) : json_null());
	if (s->kernel_exit_sent)
		json_object_set_new(rec, "sched_exit_kind", json_string(s->exit_kind));
	if (s->start_failure)
		json_object_set_new(rec, "sched_start", json_string(s->start_failure));
}
