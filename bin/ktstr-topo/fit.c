/*
 * Which topologies a test may use: constraint bounds plus, with --fit,
 * upstream's host-capacity rule (total CPUs, LLC count and CPUs per LLC
 * each within what the host has), each host figure multiplied by the
 * oversubscription factor.
 */
#include <limits.h>
#include <stdio.h>

#include "ktstr-topo.h"

void constraints_init(struct constraints *c)
{
	*c = (struct constraints){
		.min_cpus = 1, .max_cpus = UINT_MAX,
		.min_llcs = 1, .max_llcs = UINT_MAX,
		.min_numa = 1, .max_numa = UINT_MAX,
		.oversub = 1.0,
	};
}

/* Check lo <= v <= hi for one axis; false with why set otherwise. */
static bool within(unsigned v, unsigned lo, unsigned hi, const char *what,
		   const char *opt, char *why, size_t len)
{
	if (v < lo)
		snprintf(why, len, "%u %s, fewer than --min-%s %u", v, what, opt, lo);
	else if (v > hi)
		snprintf(why, len, "%u %s, more than --max-%s %u", v, what, opt, hi);
	return v >= lo && v <= hi;
}

static unsigned scaled(unsigned v, double factor)
{
	double x = (double)v * factor;

	return x >= (double)UINT_MAX ? UINT_MAX : (unsigned)x;
}

static bool host_holds(const struct constraints *c, const struct topo *t,
		       char *why, size_t len)
{
	unsigned cpus = scaled(c->host->allowed_cpus, c->oversub);
	unsigned llcs = scaled(c->host->llcs, c->oversub);
	unsigned per_llc = scaled(c->host->max_cpus_per_llc, c->oversub);
	unsigned want_per_llc = t->cores_per_llc * t->threads_per_core;

	if (topo_cpus(t) > cpus)
		snprintf(why, len, "needs %u CPUs, the host holds %u (oversub %g)",
			 topo_cpus(t), cpus, c->oversub);
	else if (t->llcs > llcs)
		snprintf(why, len, "needs %u LLCs, the host holds %u (oversub %g)",
			 t->llcs, llcs, c->oversub);
	else if (want_per_llc > per_llc)
		snprintf(why, len, "needs %u CPUs per LLC, the host holds %u (oversub %g)",
			 want_per_llc, per_llc, c->oversub);
	else
		return true;
	return false;
}

bool constraints_accept(const struct constraints *c, const struct topo *t,
			char *why, size_t len)
{
	if (!within(topo_cpus(t), c->min_cpus, c->max_cpus, "CPUs", "cpus", why, len) ||
	    !within(t->llcs, c->min_llcs, c->max_llcs, "LLCs", "llcs", why, len) ||
	    !within(t->numa_nodes, c->min_numa, c->max_numa, "NUMA nodes", "numa", why, len))
		return false;
	if (c->smt && t->threads_per_core < 2) {
		snprintf(why, len, "no SMT, --smt requires it");
		return false;
	}
	return !c->host || host_holds(c, t, why, len);
}
