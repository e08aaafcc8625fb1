/*
 * What a VM booted from the model shows in sysfs (tests/vm/topo.bats checks
 * QEMU against it): apart from systopo.c so that its users (scx-ktstr) need
 * not link the model and jansson.
 */
#include <string.h>

#include "die.h"
#include "systopo.h"
#include "topo.h"

void systopo_from_topo(const struct topo *m, struct systopo *t)
{
	unsigned cpus = topo_cpus(m);

	memset(t, 0, sizeof(*t));
	cpuset_set_range(&t->online, 0, cpus - 1);
	t->ncpus = t->ncpu_ids = cpus;
	t->nllcs = m->llcs;
	t->llc = xcalloc(t->nllcs, sizeof(*t->llc));
	for (unsigned l = 0; l < t->nllcs; l++)
		topo_llc_cpus(m, l, &t->llc[l]);
	t->ncores = cpus / m->threads_per_core;
	t->core = xcalloc(t->ncores, sizeof(*t->core));
	for (unsigned c = 0; c < t->ncores; c++)
		topo_core_cpus(m, c, &t->core[c]);
	t->threads_per_core = m->threads_per_core;
	t->nnodes = t->nodes_online = m->numa_nodes;
	t->node = xcalloc(t->nnodes, sizeof(*t->node));
	for (unsigned n = 0; n < t->nnodes; n++)
		topo_node_cpus(m, n, &t->node[n]);
	t->cpu = xcalloc(cpus, sizeof(*t->cpu));
	for (unsigned c = 0; c < cpus; c++)
		t->cpu[c] = (struct systopo_cpu){ (int)topo_cpu_llc(m, c), (int)topo_cpu_core(m, c),
						  (int)topo_cpu_node(m, c) };
}
