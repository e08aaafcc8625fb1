/* ktstr-topo internals: gauntlet presets, the host's capacity, filters. */
#ifndef KTSTR_TOPO_TOOL_H
#define KTSTR_TOPO_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "systopo.h"
#include "topo.h"

struct preset {
	char *name;
	struct topo topo;
};

/* share/ktstr/presets.json; a broken file ends the tool with exit 2. */
struct preset *presets_load(size_t *count);
void presets_free(struct preset *p, size_t count);

/* The topology of the preset called name, into t; false if there is none (a TOPO argument
 * may be a preset's name). */
bool presets_find(const char *name, struct topo *t);
/* After why a word is no topology, when it could have been a preset's name. */
#define NOT_A_PRESET "; not a preset either (see ktstr topo --presets)"

/* What the host can hold, from sysfs ($KTSTR_SYSFS_ROOT replaces /sys). */
struct host {
	struct systopo sys;		/* online CPUs, LLCs, SMT groups, nodes */
	unsigned cpus;			/* online */
	unsigned allowed_cpus;		/* online and in our affinity mask */
	unsigned llcs;
	unsigned max_cpus_per_llc;
	unsigned numa_nodes;		/* online ones, memory-only included */
	unsigned threads_per_core;	/* widest SMT sibling group */
};

/* Fills h; a host we cannot read ends the tool with exit 3. */
void host_read(struct host *h);
void host_free(struct host *h);
json_t *host_to_json(const struct host *h);

/* Bounds on a topology; max_* UINT_MAX means no bound. */
struct constraints {
	unsigned min_cpus, max_cpus;
	unsigned min_llcs, max_llcs;
	unsigned min_numa, max_numa;
	bool smt;			/* require threads_per_core > 1 */
	const struct host *host;	/* non-NULL: also check host capacity */
	double oversub;			/* host capacity multiplier */
};

void constraints_init(struct constraints *c);
/* true if t passes; else false with the reason in why. */
bool constraints_accept(const struct constraints *c, const struct topo *t,
			char *why, size_t len);

/* --help: text on stdout, checked, exit 0. */
_Noreturn void usage_exit(const char *text);

#endif
