/* How much CPU groups of tasks could use at once, given the CPUs each may run on. */
#ifndef KTSTR_EVAL_CPUFLOW_H
#define KTSTR_EVAL_CPUFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include "cpulist.h"

/*
 * A maximum flow from n groups (group i wants demand[i] CPUs and may run on
 * sets[i]) through the CPUs (1 each): flow[i] is what group i gets when the
 * CPUs are shared out to use as many as possible. False (flow untouched)
 * when groups x CPUs is too large to compute.
 */
bool cpuflow_max(const struct cpuset *sets, const double *demand, size_t n, double *flow);

#endif
