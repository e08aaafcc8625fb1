/*
 * What the tracer's BPF half (repro.bpf.c) and its loader share: the per
 * function configuration written into .rodata before load, the ring of
 * events, and the state both sides read (the ring's head, the freeze, the
 * exit that triggered it).
 */
#ifndef KTSTR_REPRO_H
#define KTSTR_REPRO_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define REPRO_MAX_ARGS 6
#define REPRO_MAX_KPROBES 24	/* kernel functions of the crash path */
#define REPRO_MAX_FENTRY 32	/* struct_ops callbacks (sched_ext_ops has fewer) */
#define REPRO_MAX_FUNCS (REPRO_MAX_KPROBES + REPRO_MAX_FENTRY)
#define REPRO_RING 16384	/* events kept; a power of two */
#define REPRO_COMM_LEN 16
#define REPRO_MSG_LEN 256

#define REPRO_NO_FIELD 0xffffffffu	/* the kernel has no such field (of the size read) */

/*
 * Byte offsets of the fields the BPF side reads, from the running kernel's
 * BTF. The loader fills them in rather than libbpf's CO-RE relocation, which
 * would parse the kernel's BTF again for each object: the callbacks' object
 * is loaded between the scheduler's attach and the scenario's start.
 */
struct repro_offsets {
	__u32 task_pid, task_comm, task_cpu, task_nr_cpus_allowed, task_cpus_ptr;
	__u32 task_scx_flags, task_scx_weight, task_scx_slice, task_scx_dsq_vtime;
	__u32 task_scx_dsq, task_scx_ddsp_dsq_id, task_scx_ddsp_enq_flags;
	__u32 dsq_id;			/* struct scx_dispatch_q */
	__u32 rq_cpu;			/* struct rq */
	__u32 sch_exit_info;		/* struct scx_sched */
	__u32 exit_info_msg;		/* struct scx_exit_info */
	__u32 map_id, map_flags;	/* struct bpf_map */
};

/* How to read one traced function's arguments (1 + the argument's index; 0: none). */
struct repro_func_cfg {
	__u8 task_arg;		/* a struct task_struct * */
	__u8 rq_arg;		/* a struct rq * */
	__u8 mask_arg;		/* a const struct cpumask * */
	__u8 nargs;		/* arguments to copy, at most REPRO_MAX_ARGS */
};

#define REPRO_TASK_HAS_DSQ 1	/* the task sits on a DSQ: dsq_id is valid */
#define REPRO_TASK_DDSP 2	/* ddsp_dsq_id and ddsp_enq_flags exist on this kernel */

/* A task as an event saw it. */
struct repro_task {
	__s32 pid;
	__s32 cpu;		/* the CPU it last ran on */
	char comm[REPRO_COMM_LEN];
	__u32 scx_flags;	/* p->scx.flags */
	__u32 weight;		/* p->scx.weight */
	__u32 nr_cpus_allowed;	/* the weight of p->cpus_ptr */
	__u32 flags;		/* REPRO_TASK_* */
	__u64 cpus;		/* p->cpus_ptr, CPUs 0-63 */
	__u64 dsq_id;		/* p->scx.dsq->id */
	__u64 ddsp_dsq_id;	/* where select_cpu directed it */
	__u64 ddsp_enq_flags;
	__u64 slice;		/* p->scx.slice, ns */
	__u64 dsq_vtime;
};

#define REPRO_EV_TASK_ARG 1	/* task is the function's task argument (else current) */
#define REPRO_EV_RQ 2		/* rq_cpu is valid */
#define REPRO_EV_MASK 4		/* mask is valid */

struct repro_event {
	__u64 seq;		/* 1 + its index in the ring's history; 0: never written */
	__u64 t_ns;		/* bpf_ktime_get_ns() */
	__u64 args[REPRO_MAX_ARGS];
	__u64 mask;		/* the cpumask argument, CPUs 0-63 */
	struct repro_task task;
	__s32 cur_pid;		/* the task running on cpu */
	__u32 cpu;
	__u16 func;		/* index into the funcs configuration */
	__u16 flags;		/* REPRO_EV_* */
	__s32 rq_cpu;
};

/* The exit that froze the ring (fexit of the kernel's scx_vexit). */
struct repro_trigger {
	__u64 t_ns;
	__u64 head;		/* the ring's head when it froze */
	__s32 pid;		/* current: the task on whose behalf the exit was raised */
	__u32 cpu;
	__s32 kind;		/* enum scx_exit_kind */
	__s32 exit_cpu;
	char comm[REPRO_COMM_LEN];
	char msg[REPRO_MSG_LEN];	/* scx_exit_info.msg */
};

/* The one entry of the state map. */
struct repro_state {
	__u64 head;		/* events written so far */
	__u32 frozen;		/* no more events: the exit came, or the loader asked */
	__u32 triggered;	/* trigger holds the exit */
	__s32 held_pid;		/* a scheduler's loader stopped before it attached (0: none yet) */
	__u32 held_map_id;	/* the struct_ops map it filled */
	struct repro_trigger trigger;
};

#endif
