/*
 * The host's capacity: its topology from sysfs (libcommon/systopo.c), and
 * the CPUs our affinity mask allows. $KTSTR_SYSFS_ROOT stands in for /sys
 * so tests can use a fake tree.
 */
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "ktstr-topo.h"

/* Online CPUs that sched_getaffinity lets us use (the real host only). */
static unsigned host_allowed_cpus(const struct host *h, bool fake)
{
	cpu_set_t mask;
	unsigned n = 0;

	if (fake || sched_getaffinity(0, sizeof(mask), &mask) < 0)
		return h->cpus;
	for (unsigned c = 0; c < CPUSET_MAX && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &mask) && cpuset_has(&h->sys.online, c))
			n++;
	return n ? n : h->cpus;
}

void host_read(struct host *h)
{
	const char *env = getenv("KTSTR_SYSFS_ROOT");
	bool fake = env && *env;
	char err[PATH_MAX + 128];

	memset(h, 0, sizeof(*h));
	if (systopo_read(fake ? env : "/sys", &h->sys, err, sizeof(err)) < 0)
		die(EXIT_INCONCLUSIVE, "%s", err);
	h->cpus = h->sys.ncpus;
	h->llcs = h->sys.nllcs;
	for (unsigned i = 0; i < h->llcs; i++)
		if (cpuset_count(&h->sys.llc[i]) > h->max_cpus_per_llc)
			h->max_cpus_per_llc = cpuset_count(&h->sys.llc[i]);
	h->numa_nodes = h->sys.nodes_online;
	h->threads_per_core = h->sys.threads_per_core;
	h->allowed_cpus = host_allowed_cpus(h, fake);
}

void host_free(struct host *h)
{
	systopo_free(&h->sys);
}

json_t *host_to_json(const struct host *h)
{
	json_t *llcs = json_array();
	json_t *rec;

	for (unsigned i = 0; i < h->llcs; i++)
		json_array_append_new(llcs, cpuset_json(&h->sys.llc[i]));
	rec = json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:o, s:I, s:b, s:I}",
		"type", "host",
		"cpus", (json_int_t)h->cpus,
		"allowed_cpus", (json_int_t)h->allowed_cpus,
		"online", cpuset_json(&h->sys.online),
		"llcs", (json_int_t)h->llcs,
		"max_cpus_per_llc", (json_int_t)h->max_cpus_per_llc,
		"llc_cpus", llcs,
		"numa_nodes", (json_int_t)h->numa_nodes,
		"smt", h->threads_per_core > 1,
		"threads_per_core", (json_int_t)h->threads_per_core);
	if (!rec)
		die(EXIT_INCONCLUSIVE, "out of memory");
	return rec;
}
