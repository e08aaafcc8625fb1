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
	u8 steal_turn[KTSTR_MAX_CPUS];	/* per CPU: steal from a longer LLC queue first */
	struct ktstr_exit_info uei;
};

/* Per-CPU counters (map "stats"), in the order the loader prints them. */
enum ktstr_stat {
	KTSTR_STAT_ENQUEUES,
	KTSTR_STAT_DISPATCHES,	/* tasks moved from a DSQ to a local DSQ */
	KTSTR_STAT_IDLE_HITS,	/* select_cpu found an idle CPU: direct dispatch */
	KTSTR_STAT_STEALS,	/* moved from another LLC's DSQ */
	KTSTR_STAT_KICKS,	/* idle CPUs woken for a queued task */
	KTSTR_STAT_DEGRADED,	/* enqueues of the degraded cgroup's tasks */
	KTSTR_STAT_SCATTERED,	/* random placements */
	KTSTR_STAT_SLOW_SPINS,	/* enqueues that spun for --slow */
	KTSTR_STAT_STALLED,	/* user-task enqueues parked by the stall */
	KTSTR_STAT_BALANCED,	/* enqueued on a shorter LLC queue than the task's own */
	KTSTR_STAT_PENALISED,	/* disfavoured tasks of the degraded cgroup dispatched */
	KTSTR_NR_STATS,
};

#define KTSTR_STAT_NAMES { "enqueues", "dispatches", "idle_hits", "steals", "kicks", \
			   "degraded", "scattered", "slow_spins", "stalled_enqueues", \
			   "balanced", "penalised" }

#endif
