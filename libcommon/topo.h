/*
 * The VM topology model: NUMA nodes x LLCs x cores x SMT threads, CPUs
 * numbered LLC-major (LLC l holds CPUs l*C*T .. (l+1)*C*T-1, a core's
 * threads are adjacent), LLCs split evenly over nodes in order.
 */
#ifndef KTSTR_TOPO_H
#define KTSTR_TOPO_H

#include <stddef.h>
#include <jansson.h>

#include "cpulist.h"

struct topo {
	unsigned numa_nodes;
	unsigned llcs;		/* in total, not per node */
	unsigned cores_per_llc;
	unsigned threads_per_core;
	unsigned memory_mb;	/* whole VM; a multiple of numa_nodes */
};

/*
 * Parse "NnNlNcNt" or "N,L,C,T". Sets memory_mb to topo_default_memory_mb().
 * On error returns -1 with a message naming the 1-based column in err.
 */
int topo_parse(const char *s, struct topo *t, char *err, size_t errlen);

unsigned topo_cpus(const struct topo *t);
unsigned topo_llcs_per_node(const struct topo *t);
unsigned topo_default_memory_mb(const struct topo *t);
/*
 * Whether mb works as t's memory_mb (positive, not absurd, splits over the
 * nodes in 2 MB units); -1 with err ("... MB does not split ...") if not.
 */
int topo_check_memory_mb(const struct topo *t, unsigned long long mb,
			 char *err, size_t errlen);
/* "2n4l4c2t" into buf. */
void topo_name(const struct topo *t, char *buf, size_t len);

void topo_node_cpus(const struct topo *t, unsigned node, struct cpuset *out);
void topo_llc_cpus(const struct topo *t, unsigned llc, struct cpuset *out);
/* A core's SMT threads (core: the global id topo_cpu_core gives). */
void topo_core_cpus(const struct topo *t, unsigned core, struct cpuset *out);
unsigned topo_cpu_llc(const struct topo *t, unsigned cpu);
unsigned topo_cpu_node(const struct topo *t, unsigned cpu);
unsigned topo_cpu_core(const struct topo *t, unsigned cpu); /* global core id */
unsigned topo_distance(const struct topo *t, unsigned a, unsigned b);

/* The `topo` record. */
json_t *topo_to_json(const struct topo *t);
/* Read back the axes (and memory_mb) of a topo record; -1 with err. */
int topo_from_json(json_t *rec, struct topo *t, char *err, size_t errlen);

/*
 * QEMU arguments for this topology: -smp, -m, one memory-backend-file per
 * node, -numa node/cpu/dist. node_mem_paths[i] is node i's mem-path
 * (e.g. "/proc/self/fd/5"); NULL means "/dev/shm" for every node.
 * Returns a NULL-terminated malloc'd vector of malloc'd strings;
 * free it with topo_qemu_args_free().
 */
/* The most vCPUs QEMU's pc machine (what ktstr-boot starts) takes; more is refused up front. */
#define TOPO_QEMU_MAX_CPUS 255
char **topo_qemu_args(const struct topo *t, const char *const *node_mem_paths);
void topo_qemu_args_free(char **argv);

#endif
