/* weight.h: a task's weight, and how much longer than a nice-0 task a lighter one may wait for a CPU. */
#ifndef KTSTR_WEIGHT_H
#define KTSTR_WEIGHT_H

struct scenario;

/* Highest wait factor the probe's watchdog allowance may reach, in ms. */
#define WEIGHT_WATCHDOG_MAX_MS 30000

/*
 * The kernel's weight of a task of this policy and nice (1024 for nice 0,
 * 3 for SCHED_IDLE); 0 for real-time policies, which are not weighed.
 */
double weight_of(int policy, int nice);
/* The same from a worker record's policy name ("normal", "idle", "fifo:1"...). */
double weight_of_named(const char *policy, int nice);
/*
 * 100 / w, w being the sched_ext weight of a task of this policy and nice
 * (the kernel's weight scaled to 100 for nice 0, at least 1): 1 for nice
 * <= 0 and real-time tasks, 100 for SCHED_IDLE and nice 19.
 */
double weight_wait_factor(int policy, int nice);
/* The same from a worker record's policy name ("normal", "idle", "fifo:1"...). */
double weight_wait_factor_named(const char *policy, int nice);
/* The largest factor among a scenario's worker groups, in any cgroup or step. */
double scenario_wait_factor(const struct scenario *s);

#endif
