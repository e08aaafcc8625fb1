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

double weight_wait_factor(int policy, int nice)
{
	/* the kernel's nice-to-weight table, nice 1 to 19 */
	static const int weight[] = { 820, 655, 526, 423, 335, 272, 215, 172, 137, 110,
				      87, 70, 56, 45, 36, 29, 23, 18, 15 };
	double k, scx;

	if (policy == SCHED_IDLE)
		k = 3;
	else if (policy != SCHED_OTHER && policy != SCHED_BATCH)
		return 1;
	else if (nice >= 1 && nice <= 19)
		k = weight[nice - 1];
	else
		return 1;
	scx = (double)(long long)(k * 100 / 1024 + 0.5);
	return 100 / (scx < 1 ? 1 : scx);
}

double weight_wait_factor_named(const char *policy, int nice)
{
	if (!strcmp(policy, "idle"))
		return weight_wait_factor(SCHED_IDLE, nice);
	if (!strcmp(policy, "normal") || !strcmp(policy, "batch"))
		return weight_wait_factor(SCHED_OTHER, nice);
	return 1;
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
