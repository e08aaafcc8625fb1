/*
 * The machine's CPU topology as sysfs shows it: online CPUs and, per CPU,
 * its LLC, its SMT siblings and its NUMA node. ktstr-topo --host reads the
 * host's, ktstr-init the VM's (and checks it against the topo record),
 * scx-ktstr its CPU -> LLC map. topo.h is the model a VM is booted from;
 * systopo_from_topo() says what such a VM's sysfs shows.
 */
#ifndef KTSTR_SYSTOPO_H
#define KTSTR_SYSTOPO_H

#include <stddef.h>

#include "cpulist.h"

/* One online CPU: indexes into llc[], core[] and node[]. */
struct systopo_cpu {
	int llc, core, node;
};

struct systopo {
	struct cpuset online;
	unsigned ncpus;			/* online */
	/*
	 * LLC: the CPUs of the highest data or unified cache level's
	 * shared_cpu_list; ids in order of the lowest CPU that reports one.
	 * When some CPU has no cache information the machine is one LLC.
	 */
	unsigned nllcs;
	struct cpuset *llc;
	/* SMT sibling groups (thread_siblings_list; a CPU without one is alone). */
	unsigned ncores;
	struct cpuset *core;
	unsigned threads_per_core;	/* the widest group */
	/*
	 * NUMA nodes by id, nnodes = highest online id + 1: memory-only and
	 * offline ids are empty. Without node files (a kernel without NUMA, a
	 * fake tree) the CPUs belong to the first online node.
	 */
	unsigned nnodes;
	struct cpuset *node;
	unsigned nodes_online;		/* how many ids node/online lists */
	unsigned ncpu_ids;		/* entries of cpu[]: highest online CPU + 1 */
	struct systopo_cpu *cpu;	/* by CPU number; offline ones are all -1 */
};

/*
 * Read root/devices/system/{cpu,node} (root is where sysfs is mounted:
 * "/sys", or a fake tree). -1 with "PATH: what is wrong" in err when the
 * online CPUs cannot be read or a list file is malformed.
 */
int systopo_read(const char *root, struct systopo *t, char *err, size_t errlen);
void systopo_free(struct systopo *t);

/* cpu's entry, or NULL when cpu is not online. */
const struct systopo_cpu *systopo_cpu(const struct systopo *t, unsigned cpu);

/* What the sysfs of a VM booted with m (topo_qemu_args) shows: systopo_topo.c. */
struct topo;
void systopo_from_topo(const struct topo *m, struct systopo *t);

#endif
