/*
 * `write --stages tty|lines`: where each running job is (booting, scheduler attached, step
 * i/N, judging) and how long the run has taken, read from the records passing by. tty: one
 * line on stderr, overwritten, its clock ticking each second (a thread: the reader blocks on
 * stdin); lines: a line per change, for logs.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "ndjson.h"
#include "sidecar.h"

struct job_stage {
	char *id;
	char what[96];
	char sched[64];		/* its sched_ext scheduler, "" under EEVDF */
	unsigned nsteps;
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fmt_elapsed(double s, char *buf, size_t len)
{
	long t = (long)s;

	if (s < 60)
		snprintf(buf, len, "%.1f s", s);
	else if (t < 3600)
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
}

static unsigned term_columns(void)
{
	struct winsize ws;

	return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col : 80;
}

/* The tty line: [done/total] JOB: STAGE, ... (elapsed), cut to the terminal's width. */
static void draw(struct stages *s)
{
	char line[1024], t[32];
	size_t n = 0, cols = term_columns() - 1;

	line[0] = '\0';
	if (!s->njobs && !(s->progress && s->progress->total)) {
		fputs("\r\033[K", stderr);	/* nothing running, nothing to count */
		fflush(stderr);
		return;
	}
	n += snprintf(line, sizeof(line), "%s: ", s->prog);
	if (s->progress && s->progress->total)
		n += snprintf(line + n, sizeof(line) - n, "[%zu/%zu]%s", s->progress->done,
			      s->progress->total, s->njobs ? " " : "");
	for (size_t i = 0; i < s->njobs && n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s: %s", i ? ", " : "",
			      s->jobs[i].id, s->jobs[i].what);
	fmt_elapsed(mono_s() - s->start_s, t, sizeof(t));
	if (n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " (%s)", t);
	if (strlen(line) > cols)
		line[cols] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	s->drawn = 1;
}

static void *ticker(void *arg)
{
	struct stages *s = arg;
	struct timespec until;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&s->wake, &s->lock, &until);
		if (!s->stop && !s->hidden)
			draw(s);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void stages_start(struct stages *s, const char *mode, struct progress *p)
{
	const char *prog = getenv("KTSTR_PROG");
	sigset_t all, old;

	if (!strcmp(mode, "tty"))
		s->tty = 1;
	else if (strcmp(mode, "lines"))
		die(EXIT_USAGE, "--stages %s: use tty or lines", mode);
	s->on = 1;
	s->prog = prog && *prog ? prog : die_prog();
	s->progress = p;
	s->start_s = mono_s();
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	if (!s->tty)
		return;
	sigfillset(&all);	/* signals are the reader's to take */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&s->thread, NULL, ticker, s) == 0)
		s->ticking = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static struct job_stage *find(struct stages *s, const char *id, int add)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (!strcmp(s->jobs[i].id, id))
			return &s->jobs[i];
	if (!add)
		return NULL;
	s->jobs = xrealloc(s->jobs, (s->njobs + 1) * sizeof(*s->jobs));
	memset(&s->jobs[s->njobs], 0, sizeof(*s->jobs));
	s->jobs[s->njobs].id = xstrdup(id);
	return &s->jobs[s->njobs++];
}

static void drop(struct stages *s, struct job_stage *j)
{
	free(j->id);
	memmove(j, j + 1, (size_t)(s->jobs + s->njobs - (j + 1)) * sizeof(*j));
	s->njobs--;
}

/* The stage a record starts, or NULL when it starts none. */
static const char *stage_of(json_t *rec, struct job_stage *j, char *buf, size_t len)
{
	const char *type = ndjson_type(rec);
	const char *phase = rec_str(rec, "phase", ""), *event = rec_str(rec, "event", "");
	json_t *index = json_object_get(rec, "index");

	if (!strcmp(type, "guest") && !strcmp(phase, "init") && j->sched[0]) {
		snprintf(buf, len, "starting scheduler %s", j->sched);
		return buf;
	}
	if (!strcmp(type, "guest") && !strcmp(phase, "init"))
		return "booted";
	if (!strcmp(type, "sched") && !strcmp(event, "attached")) {
		snprintf(buf, len, "scheduler %.60s attached", rec_str(rec, "name", "?"));
		return buf;
	}
	if (!strcmp(type, "sched") && !strcmp(event, "died"))
		return "scheduler died";
	if (!strcmp(type, "sched") && !strcmp(event, "kernel_exit"))
		return "scheduler ejected";
	if (!strcmp(type, "step") && json_is_integer(index)) {
		snprintf(buf, len, "step %lld/%u", (long long)json_integer_value(index) + 1,
			 j->nsteps);
		return buf;
	}
	if (!strcmp(type, "scenario_end"))
		return "scenario done";
	if (!strcmp(type, "vm") && !strcmp(phase, "exited"))
		return "judging";
	return NULL;
}

static void set_stage(struct stages *s, struct job_stage *j, const char *what)
{
	char t[32];

	if (!strcmp(j->what, what))
		return;
	snprintf(j->what, sizeof(j->what), "%s", what);
	if (s->tty) {
		if (!s->hidden)
			draw(s);
		return;
	}
	fmt_elapsed(mono_s() - s->start_s, t, sizeof(t));
	fprintf(stderr, "%s: %s: %s (%s)\n", s->prog, j->id, what, t);
	fflush(stderr);
}

void stages_note(struct stages *s, json_t *rec)
{
	const char *type = ndjson_type(rec);
	const char *id = rec_str(rec, !strcmp(type, "job") ? "id" : "job", NULL);
	struct job_stage *j;
	json_t *steps;
	char buf[96];
	const char *what;

	if (!s->on || !id)
		return;
	pthread_mutex_lock(&s->lock);
	if (!strcmp(type, "job")) {
		j = find(s, id, 1);
		steps = json_object_get(json_object_get(rec, "scenario"), "steps");
		j->nsteps = json_array_size(steps) ? (unsigned)json_array_size(steps) : 1;
		snprintf(j->sched, sizeof(j->sched), "%s",
			 rec_str(json_object_get(rec, "scheduler"), "name", "eevdf"));
		if (!strcmp(j->sched, "eevdf"))
			j->sched[0] = '\0';
		set_stage(s, j, "booting");
	} else if ((j = find(s, id, 0))) {
		if (!strcmp(type, "verdict")) {
			drop(s, j);
			if (s->tty && !s->hidden)
				draw(s);
		} else if ((what = stage_of(rec, j, buf, sizeof(buf)))) {
			set_stage(s, j, what);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

void stages_hide(struct stages *s)
{
	if (!s->on)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->tty && s->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		s->drawn = 0;
	}
	s->hidden = 1;
}

void stages_show(struct stages *s)
{
	if (!s->on)
		return;
	s->hidden = 0;
	if (s->tty && s->njobs)
		draw(s);
	pthread_mutex_unlock(&s->lock);
}

void stages_end(struct stages *s)
{
	if (!s->on)
		return;
	stages_hide(s);
	s->stop = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (s->ticking)
		pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->njobs; i++)
		free(s->jobs[i].id);
	free(s->jobs);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	s->on = 0;
}
