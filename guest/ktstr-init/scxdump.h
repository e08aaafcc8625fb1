/*
 * The kernel's sched_ext debug dump (per-CPU state, runnable tasks, the BPF
 * backtrace, event counters), which sched_ext writes line by line through the
 * sched_ext_dump trace event on an error exit and on SysRq-D. Read from a
 * tracefs instance of our own and sent to the host as `dump` records.
 */
#ifndef KTSTR_SCXDUMP_H
#define KTSTR_SCXDUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "init.h"
#include "linebuf.h"

#define DUMP_PART_LINES 400	/* lines per `dump` record: a big dump comes in parts */
#define DUMP_QUIET_MS 1000	/* a dump with its heading and no new line this long is complete */

/*
 * dumpparse.c: trace text ("comm-pid [cpu] flags ts: sched_ext_dump: LINE")
 * into dumps. A dump is written in one go under a lock with interrupts off, so
 * its lines share one task and CPU; a new one starts where those change or at
 * its heading line ("... triggered exit kind N ...", "Debug dump triggered by
 * ..."), with the scheduler's name line before the heading. A dump closed
 * for quiet goes on if its task and CPU write again before anything else.
 */
struct dump_parser {
	void (*emit)(void *arg, json_t *rec);	/* takes the reference */
	void *emit_arg;
	bool open;		/* a dump is being collected */
	char ctx[128];		/* its lines' "pid [cpu]" */
	json_t *lines;		/* its lines not sent yet */
	unsigned ndumps;	/* dumps begun so far (the open one's number) */
	unsigned part, sent;	/* records and lines of the open dump already sent */
	unsigned lost;		/* events the ring buffer dropped while it was written */
	json_t *about;		/* trigger, exit_kind, reason, message: once its heading is seen */
	uint64_t last_ns;	/* when its last line came */
	bool resumable;		/* it was closed for quiet: a line of its ctx continues it */
	bool resumed;		/* it was so continued */
};

void dump_parser_init(struct dump_parser *p, void (*emit)(void *arg, json_t *rec), void *arg);
/* The TIMESTAMP column of a sched_ext_dump trace line, in ns (*ns unchanged without one). */
void dump_trace_line_ns(const char *line, uint64_t *ns);
/* One line of trace_pipe text (others than sched_ext_dump are ignored). */
void dump_parser_line(struct dump_parser *p, const char *line, uint64_t now_ns);
/* Send the open dump's last part ("last": true). */
void dump_parser_close(struct dump_parser *p);
/* Close the open dump if its heading is in and no line came for DUMP_QUIET_MS. */
void dump_parser_tick(struct dump_parser *p, uint64_t now_ns);
void dump_parser_free(struct dump_parser *p);

/* scxdump.c: the tracefs side */
struct scx_dump {
	int fd;			/* the instance's trace_pipe (non-blocking), or -1 */
	struct linebuf lb;
	struct dump_parser parser;
	struct events *ev;
};

/* Enable the event in our tracefs instance; without tracefs or the event, fd stays -1. */
void scx_dump_start(struct scx_dump *d, struct events *ev);
/* Read what the trace has; close_open: the kernel is done writing (it disabled the scheduler). */
void scx_dump_poll(struct scx_dump *d, bool close_open);
/* Read the rest, send the open dump, stop. */
void scx_dump_end(struct scx_dump *d);

#endif
