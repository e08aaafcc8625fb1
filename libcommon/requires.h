/*
 * What a scenario needs of a topology ("requires": CPUs, LLCs, NUMA nodes,
 * SMT). The guest skips a scenario that does not get it; the planner does
 * not plan such a job.
 */
#ifndef KTSTR_REQUIRES_H
#define KTSTR_REQUIRES_H

#include <stdbool.h>
#include <stddef.h>

#include "systopo.h"

struct requires {
	unsigned min_cpus, min_llcs, min_numa;
	bool smt;
};

/* NULL when t has what r needs, else why not ("needs >= 2 LLCs, topology has 1") in why. */
const char *requires_unmet(const struct requires *r, const struct systopo *t, char *why, size_t len);

#endif
