#include <stdio.h>

#include "requires.h"

const char *requires_unmet(const struct requires *r, const struct systopo *t, char *why, size_t len)
{
	if (t->ncpus < r->min_cpus)
		snprintf(why, len, "needs >= %u CPUs, topology has %u", r->min_cpus, t->ncpus);
	else if (t->nllcs < r->min_llcs)
		snprintf(why, len, "needs >= %u LLCs, topology has %u", r->min_llcs, t->nllcs);
	else if (t->nnodes < r->min_numa)
		snprintf(why, len, "needs >= %u NUMA nodes, topology has %u", r->min_numa, t->nnodes);
	else if (r->smt && t->threads_per_core < 2)
		snprintf(why, len, "needs SMT, topology has 1 thread per core");
	else
		return NULL;
	return why;
}
