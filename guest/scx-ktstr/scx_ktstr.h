/*
 * What the BPF half (scx_ktstr.bpf.c) and the loader (main.c, loader.c) share:
 * the configuration written into .rodata before load, the state in .bss that
 * both sides read and write, and the per-CPU counters.
 */
#ifndef SCX_KTSTR_H
#define SCX_KTSTR_H

#ifndef __VMLINUX_H__
#include <stdint.h>
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
typedef int64_t s64;
typedef uint8_t u8;
#endif

#define KTSTR_MAX_CPUS 1024	/* CPUs the cpu -> LLC table covers */
#define KTSTR_MAX_LLCS 64	/* one dispatch queue per LLC, ids 0..nr_llcs-1 */
#define KTSTR_DEGRADE_DSQ 0x10000	/* the degraded cgroup's queue */
#define KTSTR_PENALTY_DSQ 0x10001	/* its disfavoured tasks: served rarely */
#define KTSTR_STALL_DSQ 0x10002	/* user tasks parked by a stall: never served */
#define KTSTR_STARVE_DSQ 0x10003	/* the kthread parked by --starve-kthread-after: never served */
#define KTSTR_ONE_CPU_DSQ 0x10004	/* --one-cpu: served by cfg.one_cpu_id only */
#define KTSTR_COMM_LEN 16	/* TASK_COMM_LEN */
#define KTSTR_NAME_LEN 64
#define KTSTR_REASON_LEN 128
#define KTSTR_MSG_LEN 1024

/* .rodata "cfg": filled by the loader before load, constant afterwards. */
struct ktstr_cfg {
	u32 nr_cpus;		/* possible CPUs, <= KTSTR_MAX_CPUS */
	u32 nr_llcs;		/* <= KTSTR_MAX_LLCS */
	u64 slice_ns;
	u64 stall_after_ns;	/* 0: never */
	u64 error_after_ns;	/* 0: never */
	u64 slow_ns;		/* spin this long in every enqueue; 0: no */
	u32 scatter;		/* random CPU placement */
	u32 degrade;		/* deprioritise the cgroup named degrade_name */
	u32 degrade_cpu;	/* the one CPU that runs the degraded cgroup */
	u32 pad;
	u64 starve_kthread_after_ns;	/* 0: never */
	u32 one_cpu;		/* run every task on one_cpu_id (or its first allowed CPU) */
	u32 one_cpu_id;
	u32 overcharge;		/* > 1: every second task of a cgroup pays this many times its use */
	u32 pad2;
	char degrade_name[KTSTR_NAME_LEN];
	u32 llc_of_cpu[KTSTR_MAX_CPUS];
};

/* Exit information recorded by ops.exit (like scx's user_exit_info). */
struct ktstr_exit_info {
	s64 exit_code;
	char reason[KTSTR_REASON_LEN];
	char msg[KTSTR_MSG_LEN];
	s32 kind;		/* enum scx_exit_kind; written last: non-zero = exited */
	s32 pad;
};

/* .bss "state": shared at run time (the loader sees it through mmap). */
struct ktstr_state {
	u32 stall;		/* 1: stall user tasks (loader: /tmp/ktstr_stall) */
	u32 crash;		/* 1: scx_bpf_error() at the next dispatch */
	u32 error_fired;	/* the injected error was raised */
	u32 stalling;		/* user tasks are being parked */
	u64 start_ns;		/* bpf_ktime_get_ns() at ops.init */
	u64 vtime_now;		/* the vtime of the latest task to start running */
	u64 degrade_vtime_now;	/* the same for the degraded cgroup's queue */
	u64 degrade_turn;	/* the degrade CPU alternates between its queues */
	u64 degrade_seen;	/* tasks of the degraded cgroup seen so far */
	u64 penalty_served_ns;	/* when the penalty queue was last served */
	u64 starved_pid;	/* the kthread --starve-kthread-after parked; 0: none yet */
	s32 starved_cpu;	/* the one CPU it may run on */
	u32 pad2;
	char starved_comm[KTSTR_COMM_LEN];
	u64 starved_at_ns;	/* since ops.init; written last: non-zero = the fields above are set */
	u8 steal_turn[KTSTR_MAX_CPUS];	/* per CPU: steal from a longer LLC queue first */
	struct ktstr_exit_info uei;
};

/*
 * Per-CPU counters, in the order the loader prints them: (enum suffix, name).
 * Map "stats" holds one struct ktstr_stats, so the map's own BTF names them
 * for whoever reads it (the host's probe among them).
 */
#define KTSTR_STATS(X)							\
	X(ENQUEUES, enqueues)						\
	X(DISPATCHES, dispatches)	/* tasks moved from a DSQ to a local DSQ */ \
	X(IDLE_HITS, idle_hits)	/* select_cpu found an idle CPU: direct dispatch */ \
	X(STEALS, steals)	/* moved from another LLC's DSQ */	\
	X(KICKS, kicks)		/* idle CPUs woken for a queued task */	\
	X(DEGRADED, degraded)	/* enqueues of the degraded cgroup's tasks */ \
	X(SCATTERED, scattered)	/* random placements */			\
	X(SLOW_SPINS, slow_spins)	/* enqueues that spun for --slow */	\
	X(STALLED, stalled_enqueues)	/* user-task enqueues parked by the stall */ \
	X(BALANCED, balanced)	/* enqueued on a shorter LLC queue than the task's own */ \
	X(PENALISED, penalised)	/* disfavoured tasks of the degraded cgroup dispatched */

#define KTSTR_STAT_ENUM(suffix, name) KTSTR_STAT_##suffix,
#define KTSTR_STAT_FIELD(suffix, name) u64 name;
#define KTSTR_STAT_NAME(suffix, name) #name,

enum ktstr_stat { KTSTR_STATS(KTSTR_STAT_ENUM) KTSTR_NR_STATS };

/* The counters as u64s in enum order: stat_inc() indexes them. */
struct ktstr_stats {
	KTSTR_STATS(KTSTR_STAT_FIELD)
};

_Static_assert(sizeof(struct ktstr_stats) == KTSTR_NR_STATS * sizeof(u64), "stats are u64s");

#define KTSTR_STAT_NAMES { KTSTR_STATS(KTSTR_STAT_NAME) }

#endif
