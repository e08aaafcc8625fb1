/*
 * Capturing sched_ext's debug dump in the guest. The kernel writes the whole
 * dump only to the sched_ext_dump trace event (the console gets the exit
 * reason and a backtrace; a SysRq-D dump goes nowhere else), so the event is
 * enabled in a tracefs instance of our own before the scheduler starts and its
 * trace_pipe is read while the scenario runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scxdump.h"

#define TRACEFS "/sys/kernel/tracing"
#define DUMP_INSTANCE TRACEFS "/instances/ktstr"
#define DUMP_EVENT "events/sched_ext/sched_ext_dump"
/* The dump lands in one CPU's buffer: room for some thousands of tasks, within 32 MiB in all. */
#define DUMP_BUFFER_KB_MAX 2048
#define DUMP_BUFFER_KB_MIN 512
#define DUMP_BUFFER_KB_TOTAL 32768

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = write_all(fd, val, strlen(val));
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

static void emit_dump(void *arg, json_t *rec)
{
	events_emit(arg, rec);
}

static void capture_failed(const char *what)
{
	/* init's stderr is the console: the run's console log says why there is no dump */
	fprintf(stderr, "ktstr-init: no sched_ext dump capture: %s: %s\n", what, strerror(errno));
}

static unsigned buffer_kb(void)
{
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	unsigned kb = ncpus > 0 ? DUMP_BUFFER_KB_TOTAL / (unsigned)ncpus : DUMP_BUFFER_KB_MAX;

	return kb > DUMP_BUFFER_KB_MAX ? DUMP_BUFFER_KB_MAX : kb < DUMP_BUFFER_KB_MIN ? DUMP_BUFFER_KB_MIN : kb;
}

void scx_dump_start(struct scx_dump *d, struct events *ev)
{
	char kb[16];

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->ev = ev;
	dump_parser_init(&d->parser, emit_dump, ev);
	if (access(TRACEFS "/" DUMP_EVENT, F_OK) < 0)
		return;		/* no tracefs, or a kernel without the event */
	if (mkdir(DUMP_INSTANCE, 0755) < 0 && errno != EEXIST) {
		capture_failed(DUMP_INSTANCE);
		return;
	}
	snprintf(kb, sizeof(kb), "%u", buffer_kb());
	if (write_file(DUMP_INSTANCE "/buffer_size_kb", kb) < 0)
		capture_failed("buffer_size_kb");	/* the default size may still do */
	/* a full buffer drops the newest lines, not the dump's head */
	write_file(DUMP_INSTANCE "/options/overwrite", "0");
	if (write_file(DUMP_INSTANCE "/" DUMP_EVENT "/enable", "1") < 0) {
		capture_failed(DUMP_EVENT "/enable");
		return;
	}
	d->fd = open(DUMP_INSTANCE "/trace_pipe", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (d->fd < 0)
		capture_failed(DUMP_INSTANCE "/trace_pipe");
}

static void feed_line(void *arg, char *line, size_t len)
{
	struct scx_dump *d = arg;

	(void)len;
	dump_parser_line(&d->parser, line, mono_ns());
}

void scx_dump_poll(struct scx_dump *d, bool close_open)
{
	char buf[16384];

	if (d->fd < 0)
		return;
	for (;;) {
		ssize_t n = read(d->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* EAGAIN: nothing more for now */
		linebuf_feed(&d->lb, buf, (size_t)n, feed_line, d);
	}
	if (close_open)
		dump_parser_close(&d->parser);
	else
		dump_parser_tick(&d->parser, mono_ns());
}

void scx_dump_end(struct scx_dump *d)
{
	scx_dump_poll(d, true);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	linebuf_free(&d->lb);
	dump_parser_free(&d->parser);
}
