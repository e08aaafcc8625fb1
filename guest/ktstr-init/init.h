/* ktstr-init: the guest's PID 1. Shared types of its parts. */
#ifndef KTSTR_INIT_H
#define KTSTR_INIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "cpulist.h"
#include "die.h"
#include "requires.h"
#include "scenario.h"
#include "systopo.h"

/* ---- events.c: NDJSON events to the host ---- */
struct events {
	int fd;			/* the ktstr.events port, or 1 (console) */
	uint64_t t0_ns;		/* CLOCK_MONOTONIC when init started */
	uint64_t bytes;		/* written so far (events and shell output) */
};

uint64_t mono_ns(void);
void events_init(struct events *ev, int fd);
/* Send from now on to fd (t_ms keeps counting from events_init). */
void events_set_fd(struct events *ev, int fd);
/* Add "t_ms", write one line, drop the reference to rec. */
void events_emit(struct events *ev, json_t *rec);
void events_error(struct events *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t events_t_ms(const struct events *ev);
/* /dev path of the virtio port named name (mknod if needed); -1 if none. */
int virtio_port_path(const char *name, char *path, size_t len);
/* Write all of buf; -1 on error. */
int write_all(int fd, const void *buf, size_t len);
/* JSON string of arbitrary bytes (invalid UTF-8 becomes U+FFFD). */
json_t *json_bytes(const char *buf, size_t len);

/* ---- mounts.c ---- */
/* proc, sysfs, devtmpfs, /tmp; failures appended as messages. */
void mount_early(json_t *failures);
/* cgroup2, debugfs, tracefs, bpf, /dev/shm: mounted by a child while init goes on. */
struct late_mounts {
	pid_t pid;		/* the child, or -1 */
	int fd;			/* its failure messages, one a line; EOF when it is done */
	json_t *failures;	/* when there was no child */
};
void mount_late_start(struct late_mounts *lm);
/* Wait until they are mounted; failures appended. Safe to call again. */
void mount_late_wait(struct late_mounts *lm, json_t *failures);
void mount_late_free(struct late_mounts *lm);

/* ---- gtopo.c: the topology a scenario runs on ---- */
/*
 * A struct systopo: the VM's sysfs (systopo_read), or what a `topo` record
 * promises (the record's model, topo.h, as systopo_from_topo shows it).
 */
int gtopo_from_record(struct systopo *t, json_t *rec, char *err, size_t errlen);

/* ---- topocheck.c ---- */
/* Compare; emit topo_check; true when they match. */
bool topo_check(struct events *ev, const struct systopo *want, const struct systopo *have);

/* ---- cgroup.c ---- */
#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_PARENT CGROUP_ROOT "/ktstr"
int cg_setup(char *err, size_t errlen);
int cg_create(const char *name, char *err, size_t errlen);
int cg_set_cpuset(const char *name, const struct cpuset *cpus, char *err, size_t errlen,
		  char *note, size_t notelen);
int cg_move_pid(const char *name, pid_t pid, char *err, size_t errlen);
int cg_move_all(const char *from, const char *to, char *err, size_t errlen);
int cg_remove(const char *name, char *err, size_t errlen);
/* Remove the parent and everything below it, depth first. */
int cg_teardown(char *err, size_t errlen);

/* ---- work.c / telemetry in the worker ---- */
/* A worker whose checkpoint gap passed WORKER_STUCK_GAP_MS tells the parent here. */
#define WORKER_STUCK_GAP_MS 2000	/* a gap over 2 s is noted */
#define STUCK_SLOTS 64
struct stuck_note {
	volatile uint32_t ready;	/* set last: the other fields are written */
	int32_t tid, cpu;
	uint32_t gap_ms;
};
/*
 * run_shared.step while a step's ops are being applied: a checkpoint taken
 * then belongs to no step, since the CPUs it may use are changing under it.
 */
#define STEP_TRANSITION UINT32_MAX
/* What the parent shares with every worker (one MAP_SHARED page). */
struct run_shared {
	volatile uint32_t step;		/* the running step, or STEP_TRANSITION */
	volatile uint32_t nstuck;	/* notes claimed so far (may pass STUCK_SLOTS) */
	struct stuck_note stuck[STUCK_SLOTS];
};
/* Resources a worker shares with the rest of its group (pairs, fan-outs, contenders). */
struct partner {
	int rfd, wfd;			/* PipeIo, CachePipe: read from / write to partner */
	volatile uint32_t *futex;	/* a page the group shares (futex words, stamps) */
	bool first;			/* first of its group: the fan-out messenger */
	unsigned rank, size;		/* its place in the group, the group's size */
};
/* Run the work loop until stopped; write the JSON report to report_fd. */
void work_run(const struct work *w, const struct partner *p, struct run_shared *sh,
	      unsigned start_step, int report_fd, volatile int *stop);

/* ---- worker.c ---- */
struct worker {
	pid_t pid;
	char *cgroup;		/* "" for host workers */
	unsigned group, index, step;
	struct work work;
	struct affinity affinity;
	struct policy policy;	/* as started: NiceSweep and PolicyChurn change their own */
	int nice;
	int start_fd, report_fd;
	bool reaped;
	int status;
};
struct payload_set;
struct worker_set {
	struct worker *w;
	unsigned n, cap;
	struct run_shared *shared;
	struct payload_set *payloads;	/* the scenario's payload processes (payload.c) */
};
void workers_init(struct worker_set *ws);
void workers_free(struct worker_set *ws);
/* Fork a group's workers (blocked); they are appended to ws. -1 with err. */
int workers_spawn(struct worker_set *ws, const char *cgroup, unsigned group_idx,
		  const struct group *g, unsigned step, char *err, size_t errlen);
/* Release the workers from first on: send each its affinity and let it run. */
void worker_start(struct worker *w, const struct group *g,
		  const struct cpuset *affinity);
/*
 * Stop every worker for which pick() is true, collect the reports with a
 * shared 5 s deadline and emit one worker event each; remove them from ws.
 */
struct runner;
void workers_collect(struct worker_set *ws, bool (*pick)(const struct worker *, const void *),
		     const void *arg, struct runner *r);
/* Note a reaped child's status; false if it was not a worker. */
bool workers_note_exit(struct worker_set *ws, pid_t pid, int status);

/* ---- payload.c ---- */
struct payload_set *payloads_new(void);
void payloads_free(struct payload_set *ps);
/* Note a reaped child's status; false if it was not a payload. */
bool payloads_note_exit(struct payload_set *ps, pid_t pid, int status);

/* ---- runner.c ---- */
int run_scenario(struct events *ev, json_t *job, const struct systopo *topo);
/* Annotate a worker report with the cgroup's cpusets per step and emit it. */
void runner_emit_worker(struct runner *r, const struct worker *w, json_t *report);

/* ---- exec.c ---- */
int run_shell(struct events *ev, json_t *job);		/* returns the exit code */
int run_calibrate(struct events *ev);

/* ---- main.c ---- */
struct sched;
/* Reap every exited child: workers are noted in ws, the scheduler in sc (either may be NULL). */
void reap_children(struct worker_set *ws, struct sched *sc);

/* events.c: first line of a sysfs file into buf ("" when empty); -1 when it cannot be read. */
int sysfs_read_line(const char *path, char *buf, size_t len);

#endif
