/*
 * One `sample` record as the probe holds it: filled from guest memory
 * (sample.c) or from a recorded line (sampleparse.c), judged by the monitor
 * and written out again (samplefmt.c). A key that may be missing has a bit
 * in `has`; while missing, its value is what the summary assumes then. The
 * arrays and the text are reused from one sample to the next, so a sample
 * allocates nothing once they have grown.
 */
#ifndef KTSTR_PROBE_SAMPLEREC_H
#define KTSTR_PROBE_SAMPLEREC_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <jansson.h>

#include "counterset.h"

/* A text offset that names no text: the key is missing. */
#define SAMPLE_NO_TEXT ((size_t)-1)

/* The values of a BPF program's counter in struct sample's progs. */
enum { PROG_CNT, PROG_NSECS, PROG_VERIFIED_INSNS, PROG_JITED_BYTES };

enum {	/* struct sample_waiter.has */
	SW_TGID = 1 << 0,
	SW_KTHREAD = 1 << 1,
	SW_WEIGHT = 1 << 2,
	SW_COUNTED = 1 << 3,
};

/* A task of a CPU's "waiting" list: missing pid, wait_ms 0, weight and runnable_at -1. */
struct sample_waiter {
	long long pid, tgid, weight, runnable_at, wait_ms, counted_ms;
	bool kthread;
	unsigned has;
	char comm[64];		/* "" when missing (the summary keeps 31 bytes) */
	size_t allowed;		/* text, or SAMPLE_NO_TEXT */
};

enum {	/* struct sample_cpu.has */
	SC_SCX_NR_RUNNING = 1 << 0,
	SC_LOCAL_DSQ_DEPTH = 1 << 1,
	SC_RUN_DELAY = 1 << 2,
	SC_PCOUNT = 1 << 3,
	SC_CURR_PID = 1 << 4,
	SC_RUNNABLE = 1 << 5,
	SC_WAITING = 1 << 6,
	SC_SCHEDSTAT = 1 << 7,
	SC_VCPU_NS = 1 << 8,
	SC_VCPU_WAIT_NS = 1 << 9,
};

/* One "cpus" entry: missing cpu and curr_pid -1, scx_nr_running -1, the others 0. */
struct sample_cpu {
	long long cpu, nr_running, rq_clock;
	long long scx_nr_running, local_dsq_depth, run_delay_ns, pcount, curr_pid, runnable;
	long long vcpu_ns, vcpu_wait_ns;
	unsigned has;
	struct sample_waiter *waiting;
	size_t nwaiting, capwaiting;
	struct counterset schedstat;	/* v[0]: a missing or non-integer value is 0 */
};

enum {	/* struct sample.has */
	S_JIFFIES = 1 << 0,
	S_WATCHDOG_MS = 1 << 1,
	S_PROGS = 1 << 2,
	S_EVENTS = 1 << 3,
};

struct sample {
	long long t_ms, step;	/* missing t_ms 0; step -1 before the scenario's first */
	char phase[16];		/* "" when missing */
	long long jiffies, watchdog_ms;
	unsigned has;
	size_t scheduler;	/* text, or SAMPLE_NO_TEXT */
	struct counterset progs;	/* by program name, PROG_* values */
	struct counterset events;	/* v[0]; only integer values */
	struct sample_cpu *cpus;
	size_t ncpus, capcpus;
	json_t *domains;	/* "sched_domains", borrowed; NULL when missing */
	char *text;		/* the strings that have no fixed room */
	size_t text_len, text_cap;
};

/* src into dst of size bytes, cut short to fit (as snprintf's "%s", without its cost). */
static inline void sample_copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Empty: no keys but the ones every sample has, at their missing values. */
void sample_clear(struct sample *s);
void sample_free(struct sample *s);

/* A new "cpus" entry, every key missing (valid until the next one). */
struct sample_cpu *sample_add_cpu(struct sample *s);
/* A new waiter of c, every key missing (valid until the next one). */
struct sample_waiter *sample_add_waiter(struct sample_cpu *c);

/* A copy of str kept in s's text: its offset. */
size_t sample_add_text(struct sample *s, const char *str);
/* The text at off, or NULL for SAMPLE_NO_TEXT. */
const char *sample_text(const struct sample *s, size_t off);

#endif
