/* What a scenario says about the CPUs its cgroups' workers are pinned to. */
#ifndef KTSTR_EVAL_WORKER_AFFINITY_H
#define KTSTR_EVAL_WORKER_AFFINITY_H

#include <stdbool.h>
#include <jansson.h>
#include "cpulist.h"

/* What the scenario says about the affinity of a cgroup's workers. */
enum aff_known {
	AFF_POOL,	/* inherit / cross_cgroup: the cgroup's cpuset */
	AFF_EXACT,	/* one "exact:LIST" for every group: LIST within the cpuset */
	AFF_FIXED,	/* fixed per group but not derivable here (llc_aligned, single_cpu, mixed) */
	AFF_VARIES,	/* differs between workers of one group (random_subset) */
};

struct aff_state {
	enum aff_known kind;
	bool seen;
	struct cpuset exact;
};

/*
 * Fold into *a (zeroed: nothing known yet) how job.scenario scen pins cgroup
 * cg's workers: its definitions' worker groups, spawn and set_affinity ops,
 * and those of cgroups whose tasks move into it. The root
 * cgroup's workers (spawn_host) are cgroup "/".
 */
void aff_of_cgroup(json_t *scen, const char *cg, struct aff_state *a);

/*
 * Whether an ancestor of cgroup cg gets a cpuset in scen: a worker record
 * gives its own cgroup's cpuset only, so its CPUs cannot be told then.
 */
bool cpuset_from_ancestor(json_t *scen, const char *cg);

#endif
