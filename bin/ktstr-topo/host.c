/*
 * The host's capacity from sysfs: online CPUs, LLC groups (the highest
 * data/unified cache level's shared_cpu_list), SMT siblings, NUMA nodes.
 * $KTSTR_SYSFS_ROOT stands in for /sys so tests can use a fake tree.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "ktstr-topo.h"

struct sysfs {
	const char *root;
	bool fake;
};

/* Read a one-line sysfs file into buf without its newline; -1 if absent. */
static int sysfs_line(const struct sysfs *fs, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", fs->root, rel);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	return 0;
}

/* A cpu list file; absent is -1, malformed ends the tool. */
static int sysfs_cpulist(const struct sysfs *fs, const char *rel, struct cpuset *out)
{
	char buf[CPUSET_MAX * 6], err[128];

	if (sysfs_line(fs, rel, buf, sizeof(buf)) < 0)
		return -1;
	if (cpulist_parse(buf, out, err, sizeof(err)) < 0)
		die(EXIT_INCONCLUSIVE, "%s/%s: %s", fs->root, rel, err);
	return 0;
}

/* CPUs sharing cpu's last-level cache; false if sysfs has no cache info. */
static bool cpu_llc(const struct sysfs *fs, unsigned cpu, struct cpuset *out)
{
	int best_level = -1;

	for (unsigned i = 0;; i++) {
		char rel[128], val[64];
		struct cpuset shared;
		int level;

		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/cache/index%u/level", cpu, i);
		if (sysfs_line(fs, rel, val, sizeof(val)) < 0)
			break;
		level = atoi(val);
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/cache/index%u/type", cpu, i);
		if (sysfs_line(fs, rel, val, sizeof(val)) == 0 && !strcmp(val, "Instruction"))
			continue;
		snprintf(rel, sizeof(rel),
			 "devices/system/cpu/cpu%u/cache/index%u/shared_cpu_list", cpu, i);
		if (level > best_level && sysfs_cpulist(fs, rel, &shared) == 0) {
			best_level = level;
			*out = shared;
		}
	}
	return best_level >= 0;
}

/* Add cpu's LLC group to h unless an identical one is there already. */
static void host_add_llc(struct host *h, const struct cpuset *llc)
{
	unsigned n;

	for (unsigned i = 0; i < h->llcs; i++)
		if (!memcmp(&h->llc_cpus[i], llc, sizeof(*llc)))
			return;
	h->llc_cpus = xrealloc(h->llc_cpus, (h->llcs + 1) * sizeof(*llc));
	h->llc_cpus[h->llcs++] = *llc;
	n = cpuset_count(llc);
	if (n > h->max_cpus_per_llc)
		h->max_cpus_per_llc = n;
}

static void host_read_cpus(const struct sysfs *fs, struct host *h)
{
	bool have_cache = true;

	for (int c = cpuset_next(&h->online, 0); c >= 0; c = cpuset_next(&h->online, (unsigned)c + 1)) {
		char rel[128];
		struct cpuset set;

		if (have_cache && cpu_llc(fs, (unsigned)c, &set))
			host_add_llc(h, &set);
		else
			have_cache = false;
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
		if (sysfs_cpulist(fs, rel, &set) == 0 && cpuset_count(&set) > h->threads_per_core)
			h->threads_per_core = cpuset_count(&set);
	}
	if (!have_cache) {
		/* No cache information: count the machine as one LLC. */
		h->llcs = 0;
		h->max_cpus_per_llc = 0;
		host_add_llc(h, &h->online);
	}
}

/* Online CPUs that sched_getaffinity lets us use (the real host only). */
static unsigned host_allowed_cpus(const struct sysfs *fs, const struct host *h)
{
	cpu_set_t mask;
	unsigned n = 0;

	if (fs->fake || sched_getaffinity(0, sizeof(mask), &mask) < 0)
		return h->cpus;
	for (unsigned c = 0; c < CPUSET_MAX && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &mask) && cpuset_has(&h->online, c))
			n++;
	return n ? n : h->cpus;
}

void host_read(struct host *h)
{
	const char *env = getenv("KTSTR_SYSFS_ROOT");
	struct sysfs fs = { env && *env ? env : "/sys", env && *env };
	struct cpuset nodes;

	memset(h, 0, sizeof(*h));
	if (sysfs_cpulist(&fs, "devices/system/cpu/online", &h->online) < 0)
		die(EXIT_INCONCLUSIVE, "%s/devices/system/cpu/online: %s", fs.root,
		    strerror(errno));
	h->cpus = cpuset_count(&h->online);
	if (h->cpus == 0)
		die(EXIT_INCONCLUSIVE, "%s/devices/system/cpu/online: no CPUs", fs.root);
	h->threads_per_core = 1;
	host_read_cpus(&fs, h);
	h->numa_nodes = 1;
	if (sysfs_cpulist(&fs, "devices/system/node/online", &nodes) == 0 &&
	    cpuset_count(&nodes) > 0)
		h->numa_nodes = cpuset_count(&nodes);
	h->allowed_cpus = host_allowed_cpus(&fs, h);
}

void host_free(struct host *h)
{
	free(h->llc_cpus);
	h->llc_cpus = NULL;
}

static json_t *cpuset_string(const struct cpuset *s)
{
	char buf[CPUSET_MAX * 6];

	cpulist_format(s, buf, sizeof(buf));
	return json_string(buf);
}

json_t *host_to_json(const struct host *h)
{
	json_t *llcs = json_array();
	json_t *rec;

	for (unsigned i = 0; i < h->llcs; i++)
		json_array_append_new(llcs, cpuset_string(&h->llc_cpus[i]));
	rec = json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:o, s:I, s:b, s:I}",
		"type", "host",
		"cpus", (json_int_t)h->cpus,
		"allowed_cpus", (json_int_t)h->allowed_cpus,
		"online", cpuset_string(&h->online),
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
