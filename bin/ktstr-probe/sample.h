/*
 * One VM's runqueues, read from its memory: per CPU nr_running, sched_ext's
 * nr_running and local DSQ depth, the rq clock, the current task's pid and
 * the host CPU time of its vCPU; sched_ext's attached scheduler and its
 * event counters summed over CPUs.
 */
#ifndef KTSTR_PROBE_SAMPLE_H
#define KTSTR_PROBE_SAMPLE_H

#include <jansson.h>

#include "cpulist.h"
#include "guestmem.h"
#include "kernel.h"
#include "samplerec.h"
#include "vcpu.h"

struct prog_seen;

struct sampler {
	struct guestmem gm;
	struct kernel_info ki;
	unsigned ncpus;
	int pid;
	int *vcpu_tids;		/* per CPU, 0 when unknown */
	int *vcpu_fds;		/* per CPU, its thread's schedstat; -1 when not open */
	int *vcpu_idle;		/* per CPU, it had no tasks at the last sample */
	unsigned vcpu_age;	/* samples read */
	struct prog_seen *prog;	/* the struct_ops programs of the last prog idr walk */
	unsigned nprog, prog_cap, prog_age;
	uint64_t prog_sch;	/* the scheduler attached at the last walk */
	uint64_t sch_seen;	/* the scheduler attached at the last sample (0: none) */
	int sch_new;		/* this sample found another scheduler attached */
	unsigned vcpus_found;
	/* the sched_ext watchdog, shortened to watchdog_ms (0: left alone) */
	unsigned watchdog_ms;
	uint64_t wd_sch, wd_stamp;	/* the scheduler it was done for; the stamp we last wrote */
	uint64_t wd_deadline;		/* jiffies by which the work, queued at the old pace, runs */
	enum { WD_IDLE, WD_WAITING, WD_DONE } wd_state;
};

/*
 * Ready to sample the VM of a job record (kernel.ksyms, kernel.btf,
 * kernel.config, topo.cpus) whose `vm` started record is vm (pid, memory).
 * With watchdog_ms, the memory is mapped writable to shorten sched_ext's
 * watchdog to it. 0, or -1 with err set (-2: the vm record names something
 * that is not its QEMU or memory: bad input).
 */
int sampler_open(struct sampler *s, json_t *job, json_t *vm, unsigned watchdog_ms,
		 char *err, size_t errlen);

/*
 * The VM now into out (cleared first; t_ms, phase and step are the
 * caller's): jiffies, the scheduler, its watchdog, programs and events, and
 * the CPUs; a CPU whose rq does not say it is that CPU (memory not set up
 * yet) is left out.
 */
void sampler_read(struct sampler *s, struct sample *out);

/* QEMU's vCPU threads, looked for until all are known (sampler_read does it too). */
void sampler_find_vcpus(struct sampler *s);

void sampler_close(struct sampler *s);

/*
 * The attached sched_ext scheduler: its struct scx_sched (scx_root), or on
 * kernels before that the static scx_ops while enabled; 0 when none.
 */
uint64_t sampler_scheduler(const struct sampler *s);
/* Its ops name into buf (NUL-terminated): 0, or -1 when it has none or cannot be read. */
int sampler_scheduler_name(const struct sampler *s, uint64_t sch, char *buf, size_t len);

/* The guest's struct cpumask at va, for the VM's CPUs, into set: 0, or -1 when unreadable. */
int sampler_read_cpumask(const struct sampler *s, uint64_t va, struct cpuset *set);

#endif
