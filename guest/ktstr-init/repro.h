/*
 * A rerun of a failed job with BPF tracing (job.repro, from `ktstr run
 * --repro`): ktstr-init runs the tracer /repro/ktstr-repro beside the
 * scheduler and passes its one `repro` record on to the host.
 */
#ifndef KTSTR_INIT_REPRO_H
#define KTSTR_INIT_REPRO_H

#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

#include "init.h"
#include "linebuf.h"

#define REPRO_TRACER "/repro/ktstr-repro"

struct repro {
	pid_t pid;		/* the tracer; 0 when there is none */
	int to, from;		/* its stdin; its stdout (non-blocking) */
	struct linebuf lb;
	struct events *ev;
	bool ready, attached;	/* its status lines came */
	bool sent;		/* a repro record went to the host */
	bool asked;		/* "report" was written */
};

/* Before the scheduler starts: run the tracer if the job asks, wait until its probes are in. */
void repro_start(struct repro *r, struct events *ev, json_t *job);
/* The scheduler attached: the tracer puts fentry programs on its callbacks (waited for). */
void repro_scheduler_attached(struct repro *r);
/* Pass on what the tracer printed. */
void repro_poll(struct repro *r);
/* The scheduler ended: ask for the record now, in case no error exit froze the ring. */
void repro_ask(struct repro *r);
/* Ask, wait for the record (a bounded time), reap the tracer. Safe to call again. */
void repro_end(struct repro *r);

#endif
