/* What a worker measures about itself while it runs. */
#ifndef KTSTR_TELEMETRY_H
#define KTSTR_TELEMETRY_H

#include "init.h"

#define WAKE_RESERVOIR_CAP 100000

struct step_telem {
	struct cpuset used;
	uint64_t units;
	bool seen;
};

struct telem {
	struct run_shared *shared;
	uint64_t units, iterations;
	uint64_t start_ns, last_ckpt_ns, ckpt_units;
	uint64_t max_gap_ns, max_gap_at_ns;
	int max_gap_cpu, last_cpu;
	uint64_t migrations;
	struct cpuset used;
	struct step_telem step[MAX_STEPS];
	unsigned cur_step, start_step;
	/* wake latency: reservoir + running mean/variance over every sample */
	uint64_t *res;
	size_t nres, rescap;
	uint64_t wake_total, wake_max, rng;
	double wake_mean, wake_m2;
	uint64_t cpu0_ns, sched0[3];
};

void telem_start(struct telem *t, struct run_shared *sh, unsigned start_step);
/* After each outer iteration: a checkpoint whenever work_units crossed a multiple of 1024. */
void telem_tick(struct telem *t);
void telem_wake(struct telem *t, uint64_t ns);
/* The report as JSON; frees what telem holds. */
json_t *telem_report(struct telem *t);

#endif
