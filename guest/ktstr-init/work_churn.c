/* Work types that change their own scheduling: NiceSweep, AffinityChurn, PolicyChurn; and Sequence. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "work.h"

#define IO_BYTES 65536

struct phase_stat {
	uint64_t units, runs;
};

static void phase_add(struct work_ctx *c, struct phase_stat *st, unsigned units)
{
	st->units += units;
	c->t->units += units;
	telem_tick(c->t);
}

/* What IoSync does once: write 64 KiB, fdatasync, sleep 100 us. */
static void io_once(struct work_ctx *c, int fd, const char *buf)
{
	if (fd >= 0 && pwrite(fd, buf, IO_BYTES, 0) == IO_BYTES)
		fdatasync(fd);
	timed_sleep(c->t, 100000);
}

static void run_phase(struct work_ctx *c, const struct phase *ph, struct phase_stat *st, int fd,
		      const char *buf)
{
	uint64_t ns = (uint64_t)ph->ms * 1000000u, end = mono_ns() + ns;

	st->runs++;
	if (ph->kind == PHASE_SLEEP) {
		timed_sleep(c->t, ns);
		phase_add(c, st, 1);
		return;
	}
	while (!*c->stop && mono_ns() < end) {
		if (ph->kind == PHASE_SPIN) {
			spin(1024);
			phase_add(c, st, 1024);
		} else if (ph->kind == PHASE_YIELD) {
			timed_yield(c->t);
			phase_add(c, st, 1);
		} else {
			io_once(c, fd, buf);
			phase_add(c, st, 1);
		}
	}
}

static int seq_file(const struct work *w)
{
	char path[64];
	int fd;

	for (unsigned i = 0; i < w->nphases; i++) {
		if (w->phases[i].kind != PHASE_IO)
			continue;
		snprintf(path, sizeof(path), "/tmp/ktstr-seq-%d", (int)getpid());
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		unlink(path);
		return fd;
	}
	return -1;
}

void loop_sequence(struct work_ctx *c)
{
	struct phase_stat st[WORK_MAX_PHASES] = { { 0, 0 } };
	char *buf = calloc(1, IO_BYTES);
	int fd = seq_file(c->w);
	json_t *arr = json_array();

	while (!*c->stop && buf)
		for (unsigned i = 0; i < c->w->nphases && !*c->stop; i++)
			run_phase(c, &c->w->phases[i], &st[i], fd, buf);
	for (unsigned i = 0; i < c->w->nphases; i++)
		json_array_append_new(arr, json_pack("{s:s, s:i, s:I, s:I}",
			"kind", phase_name(c->w->phases[i].kind), "ms", c->w->phases[i].ms,
			"runs", (json_int_t)st[i].runs, "units", (json_int_t)st[i].units));
	json_object_set_new(c->extra, "phases", arr);
	if (fd >= 0)
		close(fd);
	free(buf);
}

/* 512 spins, the next nice level of -20..19, a yield; nice 0 again at the end. */
void loop_nice_sweep(struct work_ctx *c)
{
	int nice = -20, lo = 20, hi = -21, end;
	uint64_t changes = 0, errors = 0;

	while (!*c->stop) {
		spin(512);
		c->t->units += 512;
		if (setpriority(PRIO_PROCESS, 0, nice) == 0) {
			changes++;
			lo = nice < lo ? nice : lo;
			hi = nice > hi ? nice : hi;
		} else {
			errors++;
			if (nice < 0 && (errno == EACCES || errno == EPERM))
				nice = -1;	/* no CAP_SYS_NICE: the negative levels are skipped */
		}
		nice = nice == 19 ? -20 : nice + 1;
		timed_yield(c->t);
		telem_tick(c->t);
	}
	setpriority(PRIO_PROCESS, 0, 0);
	errno = 0;
	end = getpriority(PRIO_PROCESS, 0);
	json_object_set_new(c->extra, "nice_sweep", json_pack("{s:o, s:o, s:I, s:I, s:o}",
		"min", changes ? json_integer(lo) : json_null(), "max", changes ? json_integer(hi) : json_null(),
		"changes", (json_int_t)changes, "errors", (json_int_t)errors,
		"nice_at_end", errno ? json_null() : json_integer(end)));
}

/* The CPUs of set, in order; their count. */
static unsigned cpus_of(const cpu_set_t *set, int *cpus)
{
	unsigned n = 0;

	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, set))
			cpus[n++] = i;
	return n;
}

/* The CPUs the worker's cgroup allows now (its cpuset may have changed); 0 when unknown. */
static unsigned cgroup_cpus(int *cpus)
{
	char rel[256] = "", path[512], list[1024], err[128];
	struct cpuset cs;
	cpu_set_t set;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f || fscanf(f, "0::%255s", rel) != 1) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpuset.cpus.effective", strcmp(rel, "/") ? rel : "");
	if (sysfs_read_line(path, list, sizeof(list)) < 0 || cpulist_parse(list, &cs, err, sizeof(err)) < 0)
		return 0;
	CPU_ZERO(&set);
	for (int i = cpuset_next(&cs, 0); i >= 0 && i < CPU_SETSIZE; i = cpuset_next(&cs, (unsigned)i + 1))
		CPU_SET(i, &set);
	return cpus_of(&set, cpus);
}

/* Spin, pin itself to a random CPU of the ones it may use, yield; its affinity back at the end. */
void loop_affinity_churn(struct work_ctx *c)
{
	int cpus[CPU_SETSIZE];
	uint64_t rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid(), changes = 0, errors = 0;
	cpu_set_t orig, one;
	unsigned n;

	if (sched_getaffinity(0, sizeof(orig), &orig) < 0)
		return;
	n = cpus_of(&orig, cpus);
	while (!*c->stop && n) {
		spin(c->w->param[0]);
		c->t->units += c->w->param[0];
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		CPU_ZERO(&one);
		CPU_SET(cpus[rng % n], &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0) {
			changes++;
		} else {
			errors++;
			if (errno == EINVAL)	/* the CPU left the cpuset */
				n = cgroup_cpus(cpus);
		}
		timed_yield(c->t);
		telem_tick(c->t);
	}
	sched_setaffinity(0, sizeof(orig), &orig);
	json_object_set_new(c->extra, "affinity_churn", json_pack("{s:I, s:I}",
		"changes", (json_int_t)changes, "errors", (json_int_t)errors));
}

static const struct churn_policy {
	int policy, prio;
	const char *name;
} churn_policies[] = {
	{ SCHED_OTHER, 0, "normal" }, { SCHED_BATCH, 0, "batch" }, { SCHED_IDLE, 0, "idle" },
	{ SCHED_FIFO, 1, "fifo" }, { SCHED_RR, 1, "rr" },
};
#define NPOLICIES (sizeof(churn_policies) / sizeof(churn_policies[0]))

static int set_policy(unsigned i)
{
	struct sched_param sp = { .sched_priority = churn_policies[i].prio };

	return sched_setscheduler(0, churn_policies[i].policy, &sp);
}

/* Which of churn_policies the worker runs under; NPOLICIES for another one. */
static unsigned policy_now(void)
{
	int p = sched_getscheduler(0);

	for (unsigned i = 0; i < NPOLICIES; i++)
		if (churn_policies[i].policy == p)
			return i;
	return NPOLICIES;
}

/* Spin (counted under the policy it ran with), take the next policy, yield; SCHED_OTHER at the end. */
void loop_policy_churn(struct work_ctx *c)
{
	uint64_t iters[NPOLICIES] = { 0 }, errors = 0;
	unsigned cur = policy_now(), next = cur < NPOLICIES ? (cur + 1) % NPOLICIES : 0;
	json_t *by = json_object();

	while (!*c->stop) {
		spin(c->w->param[0]);
		c->t->units += c->w->param[0];
		if (cur < NPOLICIES)
			iters[cur]++;
		if (set_policy(next) == 0)
			cur = next;
		else
			errors++;	/* no CAP_SYS_NICE for fifo/rr: they are skipped */
		next = (next + 1) % NPOLICIES;
		timed_yield(c->t);
		telem_tick(c->t);
	}
	set_policy(0);
	for (unsigned i = 0; i < NPOLICIES; i++)
		json_object_set_new(by, churn_policies[i].name, json_integer((json_int_t)iters[i]));
	json_object_set_new(c->extra, "policy_churn", json_pack("{s:o, s:I}", "iterations", by,
		"errors", (json_int_t)errors));
}
