/* Stop workers and collect their reports with one shared deadline. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "init.h"

#define COLLECT_DEADLINE_MS 5000

struct report_buf {
	struct worker *w;
	char *buf;
	size_t len, cap;
	bool eof;
};

/* Read what is there; true at EOF (or a read error). */
static bool report_read(struct report_buf *rb)
{
	char chunk[4096];
	ssize_t n = read(rb->w->report_fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n <= 0)
		return true;
	if (rb->len + (size_t)n + 1 > rb->cap) {
		rb->cap = (rb->len + (size_t)n + 1) * 2;
		rb->buf = xrealloc(rb->buf, rb->cap);
	}
	memcpy(rb->buf + rb->len, chunk, (size_t)n);
	rb->len += (size_t)n;
	rb->buf[rb->len] = '\0';
	return false;
}

static void read_reports(struct report_buf *rb, unsigned n)
{
	struct pollfd *pfd = xcalloc(n, sizeof(*pfd));
	uint64_t deadline = mono_ns() + COLLECT_DEADLINE_MS * 1000000ull;
	unsigned open_n = n;

	while (open_n && mono_ns() < deadline) {
		unsigned k = 0;

		for (unsigned i = 0; i < n; i++)
			if (!rb[i].eof)
				pfd[k++] = (struct pollfd){ rb[i].w->report_fd, POLLIN, 0 };
		if (poll(pfd, k, (int)((deadline - mono_ns()) / 1000000 + 1)) <= 0)
			continue;
		for (unsigned i = 0, j = 0; i < n; i++) {
			if (rb[i].eof)
				continue;
			if (pfd[j++].revents && report_read(&rb[i])) {
				rb[i].eof = true;
				open_n--;
			}
		}
	}
	free(pfd);
}

static void reap_worker(struct worker *w)
{
	int st;

	if (w->reaped)
		return;
	while (waitpid(w->pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = -1;
			break;
		}
	}
	w->reaped = true;
	w->status = st;
}

static json_t *exit_info(const struct worker *w, bool timed_out)
{
	if (timed_out)
		return json_string("timed out");
	if (w->status == -1)
		return json_string("wait failed");
	if (WIFSIGNALED(w->status))
		return json_sprintf("signaled %d", WTERMSIG(w->status));
	return json_sprintf("exited %d", WEXITSTATUS(w->status));
}

/* The report a worker sent, or a synthetic one saying why there is none. */
static json_t *final_report(struct report_buf *rb)
{
	json_t *rep = rb->eof && rb->buf ? json_loads(rb->buf, 0, NULL) : NULL;
	bool ok = json_is_object(rep) && WIFEXITED(rb->w->status) && WEXITSTATUS(rb->w->status) == 0;

	if (ok) {
		json_object_set_new(rep, "completed", json_true());
		json_object_set_new(rep, "exit_info", json_null());
		return rep;
	}
	json_decref(rep);
	return json_pack("{s:i, s:i, s:i, s:o, s:b, s:o}", "tid", (int)rb->w->pid, "work_units", 0,
			 "iterations", 0, "cpus_used", json_string(""), "completed", 0,
			 "exit_info", exit_info(rb->w, !rb->eof));
}

void workers_collect(struct worker_set *ws, bool (*pick)(const struct worker *, const void *),
		     const void *arg, struct runner *r)
{
	struct report_buf *rb = xcalloc(ws->n ? ws->n : 1, sizeof(*rb));
	unsigned n = 0, keep = 0;

	for (unsigned i = 0; i < ws->n; i++) {
		if (!pick(&ws->w[i], arg))
			continue;
		rb[n++].w = &ws->w[i];
		if (ws->w[i].start_fd >= 0) {	/* never started: let it go */
			close(ws->w[i].start_fd);
			ws->w[i].start_fd = -1;
		}
		kill(ws->w[i].pid, SIGUSR1);
	}
	read_reports(rb, n);
	for (unsigned i = 0; i < n; i++) {
		if (!rb[i].eof)
			kill(rb[i].w->pid, SIGKILL);
		reap_worker(rb[i].w);
		kill(-rb[i].w->pid, SIGKILL);	/* sweep its process group (ForkExit children) */
		close(rb[i].w->report_fd);
		runner_emit_worker(r, rb[i].w, final_report(&rb[i]));
		free(rb[i].buf);
		free(rb[i].w->cgroup);
		rb[i].w->pid = 0;
	}
	for (unsigned i = 0; i < ws->n; i++)	/* drop the collected ones */
		if (ws->w[i].pid)
			ws->w[keep++] = ws->w[i];
	ws->n = keep;
	free(rb);
}
