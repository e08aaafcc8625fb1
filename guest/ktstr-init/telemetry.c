/* Worker telemetry: checkpoints, gaps, CPUs, migrations, wake latency, schedstat. */
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <inttypes.h>
#include <unistd.h>

#include "telemetry.h"

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* /proc/self/schedstat: cpu time (ns), run delay (ns), run count. */
static void read_schedstat(uint64_t out[3])
{
	FILE *f = fopen("/proc/self/schedstat", "re");

	out[0] = out[1] = out[2] = 0;
	if (!f)
		return;
	if (fscanf(f, "%" SCNu64 " %" SCNu64 " %" SCNu64, &out[0], &out[1], &out[2]) != 3)
		out[0] = out[1] = out[2] = 0;
	fclose(f);
}

static uint32_t shared_step(const struct telem *t)
{
	return t->shared ? __atomic_load_n(&t->shared->step, __ATOMIC_ACQUIRE) : 0;
}

/* The step index a raw shared value stands for (never below the worker's first step). */
static unsigned step_index(const struct telem *t, uint32_t s)
{
	if (s < t->start_step)
		s = t->start_step;
	return s < MAX_STEPS ? s : MAX_STEPS - 1;
}

/* A CPU seen at a checkpoint; counted into the current step only when attributed. */
static void note_cpu(struct telem *t, int cpu, bool attributed)
{
	if (cpu < 0)
		return;
	if (t->last_cpu >= 0 && cpu != t->last_cpu)
		t->migrations++;
	t->last_cpu = cpu;
	cpuset_set(&t->used, (unsigned)cpu);
	if (!attributed)
		return;
	cpuset_set(&t->step[t->cur_step].used, (unsigned)cpu);
	t->step[t->cur_step].seen = true;
}

void telem_start(struct telem *t, struct run_shared *sh, unsigned start_step)
{
	memset(t, 0, sizeof(*t));
	t->shared = sh;
	t->start_step = start_step;
	t->last_cpu = -1;
	t->max_gap_cpu = -1;
	t->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	t->cur_step = step_index(t, start_step);
	read_schedstat(t->sched0);
	t->cpu0_ns = cpu_ns();
	t->start_ns = t->last_ckpt_ns = mono_ns();
	note_cpu(t, sched_getcpu(), shared_step(t) != STEP_TRANSITION);
}

/* Work done since the last checkpoint belongs to the step that was current then. */
static void flush_units(struct telem *t)
{
	t->step[t->cur_step].units += t->units - t->ckpt_units;
	t->step[t->cur_step].seen = true;
	t->ckpt_units = t->units;
}

/* Leave a note for the parent (which emits worker_stuck); the first STUCK_SLOTS only. */
static void note_stuck(struct telem *t, uint64_t gap_ns, int cpu)
{
	uint32_t slot;
	struct stuck_note *n;

	if (!t->shared)
		return;
	slot = __atomic_fetch_add(&t->shared->nstuck, 1, __ATOMIC_SEQ_CST);
	if (slot >= STUCK_SLOTS)
		return;
	n = &t->shared->stuck[slot];
	n->tid = (int32_t)getpid();
	n->cpu = cpu;
	n->gap_ms = (uint32_t)(gap_ns / 1000000u);
	__atomic_store_n(&n->ready, 1, __ATOMIC_RELEASE);
}

/*
 * The CPU is read between two reads of the shared step and counts into a step
 * only when both say the same step: the parent moves the counter to
 * STEP_TRANSITION before a step's ops and to the new index after them (cpuset
 * writes return once the kernel has moved the task), so a CPU read while the
 * CPUs allowed were changing, or before a preemption that spanned the step
 * boundary, is never counted in the new step. Units stay with the old step.
 */
void telem_tick(struct telem *t)
{
	uint64_t now, gap;
	uint32_t before, after;
	int cpu;

	t->iterations++;
	if (t->units / 1024 == t->ckpt_units / 1024)
		return;
	now = mono_ns();
	gap = now - t->last_ckpt_ns;
	before = shared_step(t);
	cpu = sched_getcpu();
	after = shared_step(t);
	if (gap > WORKER_STUCK_GAP_MS * 1000000ull)
		note_stuck(t, gap, cpu);
	if (gap > t->max_gap_ns) {
		t->max_gap_ns = gap;
		t->max_gap_cpu = cpu;
		t->max_gap_at_ns = now - t->start_ns;
	}
	t->last_ckpt_ns = now;
	flush_units(t);
	if (before == after && after != STEP_TRANSITION)
		t->cur_step = step_index(t, after);
	note_cpu(t, cpu, before == after && after != STEP_TRANSITION);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void telem_wake(struct telem *t, uint64_t ns)
{
	double d;

	t->wake_total++;
	d = (double)ns - t->wake_mean;
	t->wake_mean += d / (double)t->wake_total;
	t->wake_m2 += d * ((double)ns - t->wake_mean);
	if (ns > t->wake_max)
		t->wake_max = ns;
	if (t->nres < WAKE_RESERVOIR_CAP) {
		if (t->nres == t->rescap) {
			size_t cap = t->rescap ? t->rescap * 2 : 256;
			uint64_t *p = realloc(t->res, cap * sizeof(*p));

			if (!p)
				return;
			t->res = p;
			t->rescap = cap;
		}
		t->res[t->nres++] = ns;
	} else {
		uint64_t j = xorshift(&t->rng) % t->wake_total;

		if (j < WAKE_RESERVOIR_CAP)
			t->res[j] = ns;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p-th percentile of the sorted reservoir: index ceil(n*p) - 1. */
static uint64_t percentile(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)ceil((double)n * p);

	return n ? v[i ? i - 1 : 0] : 0;
}

static json_t *wake_json(struct telem *t)
{
	double sd, cv = 0;

	qsort(t->res, t->nres, sizeof(*t->res), cmp_u64);
	if (t->wake_total >= 2 && t->wake_mean > 0) {
		sd = sqrt(t->wake_m2 / (double)(t->wake_total - 1));
		cv = sd / t->wake_mean;
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:f}", "count", (json_int_t)t->wake_total,
			 "p50_ns", (json_int_t)percentile(t->res, t->nres, 0.5),
			 "p99_ns", (json_int_t)percentile(t->res, t->nres, 0.99),
			 "max_ns", (json_int_t)t->wake_max, "cv", round(cv * 10000) / 10000);
}

static json_t *steps_json(const struct telem *t)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < MAX_STEPS; i++) {
		if (!t->step[i].seen)
			continue;
		json_array_append_new(arr, json_pack("{s:i, s:o, s:I}", "index", i,
						     "cpus_used", cpuset_json(&t->step[i].used),
						     "work_units", (json_int_t)t->step[i].units));
	}
	return arr;
}

json_t *telem_report(struct telem *t)
{
	uint64_t wall = mono_ns() - t->start_ns, cpu = cpu_ns() - t->cpu0_ns, s1[3];
	json_t *rep;

	read_schedstat(s1);
	flush_units(t);
	rep = json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:I, s:o, s:I, s:o, s:I, s:I, s:I, s:o}",
			"tid", (int)getpid(),
			"work_units", (json_int_t)t->units,
			"iterations", (json_int_t)t->iterations,
			"cpu_time_ns", (json_int_t)cpu,
			"wall_time_ns", (json_int_t)wall,
			"off_cpu_ns", (json_int_t)(wall > cpu ? wall - cpu : 0),
			"max_gap_ms", (json_int_t)(t->max_gap_ns / 1000000),
			"max_gap_cpu", t->max_gap_cpu,
			"max_gap_at_ms", (json_int_t)(t->max_gap_at_ns / 1000000),
			"cpus_used", cpuset_json(&t->used),
			"migration_count", (json_int_t)t->migrations,
			"wake_latency", wake_json(t),
			"schedstat_run_delay_ns", (json_int_t)(s1[1] - t->sched0[1]),
			"schedstat_run_count", (json_int_t)(s1[2] - t->sched0[2]),
			"schedstat_cpu_time_ns", (json_int_t)(s1[0] - t->sched0[0]),
			"steps", steps_json(t));
	free(t->res);
	t->res = NULL;
	return rep;
}
