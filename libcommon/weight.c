/*
 * A scheduler that runs heavier tasks first may leave a light one waiting:
 * sched_ext hands a scheduler the kernel's weight scaled to 100 for nice 0,
 * at least 1, so SCHED_IDLE (weight 3) and nice 19 (weight 15) both weigh 1
 * there and may wait 100 times as long as a nice-0 task. The judge, the host
 * monitor and the kernel watchdog's allowance all scale by this one factor.
 */
#include <sched.h>
#include <string.h>

#include "scenario.h"
#include "weight.h"

double weight_of(int policy, int nice)
{
	/* the kernel's nice-to-weight table, nice -20 to 19 */
	static const int weight[] = {
		88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
		9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
		1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
		110, 87, 70, 56, 45, 36, 29, 23, 18, 15 };

	if (policy == SCHED_IDLE)
		return 3;
	if (policy != SCHED_OTHER && policy != SCHED_BATCH)
		return 0;
	nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
	return weight[nice + 20];
}

/* A worker record's policy name ("normal", "idle", "fifo:1"...) as a policy. */
static int policy_named(const char *policy)
{
	if (!strcmp(policy, "idle"))
		return SCHED_IDLE;
	if (!strcmp(policy, "normal") || !strcmp(policy, "batch"))
		return SCHED_OTHER;
	return SCHED_FIFO;
}

double weight_of_named(const char *policy, int nice)
{
	return weight_of(policy_named(policy), nice);
}

double weight_wait_factor(int policy, int nice)
{
	double k = weight_of(policy, nice), scx;

	if (k <= 0 || k >= 1024)
		return 1;
	scx = (double)(long long)(k * 100 / 1024 + 0.5);
	return 100 / (scx < 1 ? 1 : scx);
}

double weight_wait_factor_named(const char *policy, int nice)
{
	return weight_wait_factor(policy_named(policy), nice);
}

static double groups_factor(const struct group *g, unsigned n, double f)
{
	for (unsigned i = 0; i < n; i++) {
		double x = weight_wait_factor(g[i].policy.policy, g[i].nice);

		f = x > f ? x : f;
	}
	return f;
}

static double defs_factor(const struct cgdef *d, unsigned n, double f)
{
	for (unsigned i = 0; i < n; i++)
		f = groups_factor(d[i].groups, d[i].ngroups, f);
	return f;
}

double scenario_wait_factor(const struct scenario *s)
{
	double f = defs_factor(s->defs, s->ndefs, 1);

	for (unsigned i = 0; i < s->nsteps; i++) {
		const struct step *st = &s->steps[i];

		f = defs_factor(st->defs, st->ndefs, f);
		for (unsigned k = 0; k < st->nops; k++)
			if (st->ops[k].kind == OP_SPAWN || st->ops[k].kind == OP_SPAWN_HOST)
				f = groups_factor(&st->ops[k].group, 1, f);
	}
	return f;
}
