/*
 * The tracer of a --repro rerun as ktstr-init's child: its stdin takes
 * "attach" and "report", its stdout gives status lines (consumed here) and
 * one `repro` record (sent to the host). A tracer that fails or hangs costs
 * the rerun its trace, never the run: the scenario goes on without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "repro.h"

#define READY_MS 60000		/* loading its kprobes: seconds under TCG on a busy host */
#define ATTACHED_MS 20000
#define REPORT_MS 20000

static void send_error(struct repro *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void send_error(struct repro *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	events_emit(r->ev, json_pack("{s:s, s:s}", "type", "repro", "error", msg));
	r->sent = true;
}

static void on_line(void *arg, char *line, size_t len)
{
	struct repro *r = arg;
	json_t *rec = json_loadb(line, len, 0, NULL);
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *event = json_string_value(json_object_get(rec, "event"));

	if (type && !strcmp(type, "repro_status") && event) {
		r->ready |= !strcmp(event, "ready");
		r->attached |= !strcmp(event, "attached");
	} else if (type && !strcmp(type, "repro") && !r->sent) {
		r->sent = true;
		events_emit(r->ev, json_incref(rec));
	}
	json_decref(rec);
}

/* Read what is there; false once its stdout ended. */
static bool drain(struct repro *r)
{
	char buf[65536];

	while (r->from >= 0) {
		ssize_t n = read(r->from, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return true;	/* EAGAIN: nothing more now */
		if (n == 0) {
			linebuf_flush(&r->lb, on_line, r);
			close(r->from);
			r->from = -1;
			return false;
		}
		linebuf_feed(&r->lb, buf, (size_t)n, on_line, r);
	}
	return false;
}

/* Until *flag, the tracer's end or ms pass; *flag at the end. */
static bool wait_for(struct repro *r, const bool *flag, unsigned ms)
{
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000u;

	while (!*flag && drain(r) && !*flag && mono_ns() < end) {
		struct pollfd pfd = { r->from, POLLIN, 0 };

		poll(&pfd, 1, 100);
	}
	return *flag;
}

static void say(struct repro *r, const char *line)
{
	if (r->to >= 0 && write_all(r->to, line, strlen(line)) < 0) {
		close(r->to);
		r->to = -1;
	}
}

/* argv: the tracer, --functions a,b, --pid, --comm, --events from job.repro. */
static char **tracer_argv(json_t *rj)
{
	json_t *fns = json_object_get(rj, "functions"), *f;
	json_int_t pid = json_integer_value(json_object_get(rj, "pid"));
	json_int_t events = json_integer_value(json_object_get(rj, "events"));
	const char *comm = json_string_value(json_object_get(rj, "comm"));
	char **argv = xcalloc(12, sizeof(*argv)), list[4096] = "", num[24];
	size_t i, n = 0, used = 0;

	argv[n++] = xstrdup(REPRO_TRACER);
	json_array_foreach(fns, i, f)
		if (json_is_string(f) && used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? "," : "",
						 json_string_value(f));
	if (*list && used < sizeof(list)) {
		argv[n++] = xstrdup("--functions");
		argv[n++] = xstrdup(list);
	}
	if (pid > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)pid);
		argv[n++] = xstrdup("--pid");
		argv[n++] = xstrdup(num);
	}
	if (comm) {
		argv[n++] = xstrdup("--comm");
		argv[n++] = xstrdup(comm);
	}
	if (events > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)events);
		argv[n++] = xstrdup("--events");
		argv[n++] = xstrdup(num);
	}
	return argv;
}

static pid_t spawn_tracer(char **argv, int *to, int *from)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);	/* not init's crash handlers */
		dup2(in[0], 0);
		dup2(out[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*to = in[1];
	*from = out[0];
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return -1;
	}
	fcntl(*from, F_SETFL, O_NONBLOCK);
	return pid;	/* (a write to a tracer gone: PID 1 gets no SIGPIPE it has no handler for) */
}

void repro_start(struct repro *r, struct events *ev, json_t *job)
{
	json_t *rj = json_object_get(job, "repro");
	char **argv;

	memset(r, 0, sizeof(*r));
	r->to = r->from = -1;
	r->ev = ev;
	if (!json_is_object(rj))
		return;
	if (access(REPRO_TRACER, X_OK) < 0) {
		send_error(r, "%s: %s (the host's ktstr-boot packs it when the job has \"repro\")",
			   REPRO_TRACER, strerror(errno));
		return;
	}
	argv = tracer_argv(rj);
	r->pid = spawn_tracer(argv, &r->to, &r->from);
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
	if (r->pid < 0) {
		r->pid = 0;
		send_error(r, "cannot start %s: %s", REPRO_TRACER, strerror(errno));
		return;
	}
	if (!wait_for(r, &r->ready, READY_MS) && !r->sent)
		send_error(r, "%s did not get its probes in within %d s", REPRO_TRACER, READY_MS / 1000);
}

void repro_scheduler_attached(struct repro *r)
{
	if (!r->pid || !r->ready)
		return;
	say(r, "attach\n");
	wait_for(r, &r->attached, ATTACHED_MS);	/* else only the kernel functions are traced */
}

void repro_poll(struct repro *r)
{
	if (r->pid)
		drain(r);
}

void repro_ask(struct repro *r)
{
	if (r->pid && !r->asked) {
		say(r, "report\n");
		r->asked = true;
	}
}

void repro_end(struct repro *r)
{
	if (!r->pid)
		return;
	repro_ask(r);
	if (r->to >= 0)
		close(r->to);	/* end of its stdin: report now */
	r->to = -1;
	if (!wait_for(r, &r->sent, REPORT_MS))
		send_error(r, "%s gave no record within %d s", REPRO_TRACER, REPORT_MS / 1000);
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);	/* ECHILD if init's reaper had it already */
	if (r->from >= 0)
		close(r->from);
	r->from = -1;
	linebuf_free(&r->lb);
	r->pid = 0;
}
