/* Scheduler supervision in the guest. */
#ifndef KTSTR_SCHED_H
#define KTSTR_SCHED_H

#include "init.h"
#include "repro.h"
#include "scxdump.h"

#define SCHED_LOG "/tmp/sched.log"		/* the scheduler's stdout + stderr, whole */
#define SCX_SYSFS "/sys/kernel/sched_ext"
#define SCHED_ATTACH_TIMEOUT_MS 5000		/* default of job.scheduler.attach_timeout_ms */
#define SCHED_POLL_MS 100			/* runtime checks while the scenario runs */
#define SCHED_LOG_TAIL_LINES 20
#define SCHED_KMSG_MAX 64			/* kmsg events per run */
#define SCHED_BACKTRACE_MAX 32

struct sched {
	struct events *ev;
	bool active;		/* a sched_ext scheduler was started (not EEVDF) */
	pid_t pid;		/* its process; 0 once reaped */
	char name[64];		/* job.scheduler.name */
	char ops[128];		/* root/ops when it attached */
	bool exited;		/* reaped: status is valid */
	int status;
	bool stopping;		/* sched_stop asked it to go: the exit is expected */
	int died_step;		/* -1, or the step during which it died / was ejected */
	uint64_t next_poll_ns;
	uint64_t not_enabled_since_ns;	/* state left "enabled" while the process lived */
	/* /dev/kmsg, read from the scheduler's start on */
	int kmsg_fd;
	unsigned nkmsg;
	bool disabled_seen;	/* a "BPF scheduler ... disabled (...)" line */
	bool disabled_is_error;	/* printed at KERN_ERR: an error exit */
	uint64_t disabled_seen_ns;
	char exit_reason[128], exit_msg[512];
	json_t *backtrace;	/* the stack lines the kernel prints after an error exit */
	bool kernel_exit_sent;
	char exit_kind[24];	/* "ERROR_STALL", ... once known */
	bool death_sent;	/* the died event went out */
	const char *start_failure;	/* "exec_failed", "died_at_start", "never_attached" */
	struct scx_dump dump;	/* the kernel's sched_ext dumps, from the scheduler's start on */
	struct repro repro;	/* the BPF tracer of a --repro rerun */
};

/*
 * Start job.scheduler unless it is EEVDF and wait until it attached. 0 when it
 * did (or none is needed); -1 with the scenario_end reason in why, after the
 * exec_failed / died_at_start / never_attached event.
 */
int sched_start(struct sched *s, struct events *ev, json_t *job, char *why, size_t len);
/* Check the process, sched_ext's state and kmsg (at most every SCHED_POLL_MS unless force). */
void sched_poll(struct sched *s, unsigned step, bool force);
/* Emit kernel_exit once sched_ext says the kernel ended the scheduler (final: no more waiting). */
void sched_check_kernel_exit(struct sched *s, unsigned step, bool final);
/* A child reaped elsewhere: true when it was the scheduler. */
bool sched_note_exit(struct sched *s, pid_t pid, int status);
/* SIGINT, up to 2 s, SIGKILL; wait for "disabled"; emit detached (step: the last one run). */
void sched_stop(struct sched *s, unsigned step);
/* sched_died, sched_died_step, sched_exit_kind for scenario_end. */
void sched_summary(const struct sched *s, json_t *rec);
void sched_close(struct sched *s);

/* schedlog.c: what the scheduler and the kernel said */
/* The last SCHED_LOG_TAIL_LINES lines of SCHED_LOG as a JSON array. */
json_t *sched_log_tail(void);
/* The loader's own exit record in SCHED_LOG ({"event":"exit","kind":..}), or NULL. */
json_t *sched_log_exit_record(void);
/* Open /dev/kmsg at its end, non-blocking; -1 when it cannot. */
int kmsg_open(void);
/* Read what kmsg has: emit sched_ext lines, note a "disabled" line. */
void kmsg_drain(struct sched *s);
/* enum scx_exit_kind name from the reason the kernel prints, "UNKNOWN" if unknown. */
/* Add exit_status or signal from a wait status. */
void json_add_wait_status(json_t *rec, int status);

#endif
