/* The machine's topology from sysfs (see systopo.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "systopo.h"

struct reader {
	const char *root;
	char *err;
	size_t errlen;
};

/* First line of root/rel without its newline; -1 with errno when it cannot be opened. */
static int read_line(const struct reader *r, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", r->root, rel);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* A CPU or node list file: 0, 1 when absent, -1 with err when malformed. */
static int read_list(const struct reader *r, const char *rel, struct cpuset *out)
{
	char buf[CPUSET_MAX * 6], why[128];	/* every CPU listed alone, "4095," */

	if (read_line(r, rel, buf, sizeof(buf)) < 0)
		return 1;
	if (cpulist_parse(buf, out, why, sizeof(why)) < 0) {
		snprintf(r->err, r->errlen, "%s/%s: %s", r->root, rel, why);
		return -1;
	}
	return 0;
}

/* Sets told apart by content; ids in order of first appearance. */
struct groups {
	struct cpuset *set;
	int *first;		/* each set's lowest CPU: a cheap test before comparing */
	unsigned n, cap;
};

static int group_id(struct groups *g, const struct cpuset *s)
{
	int first = cpuset_next(s, 0);

	for (unsigned i = g->n; i-- > 0;)	/* CPUs come in order: the newest is likeliest */
		if (g->first[i] == first && cpuset_equal(&g->set[i], s))
			return (int)i;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 16;
		g->set = xrealloc(g->set, g->cap * sizeof(*g->set));
		g->first = xrealloc(g->first, g->cap * sizeof(*g->first));
	}
	g->set[g->n] = *s;
	g->first[g->n] = first;
	return (int)g->n++;
}

/* The groups become t's array; n its count. */
static struct cpuset *groups_take(struct groups *g, unsigned *n)
{
	*n = g->n;
	free(g->first);
	return g->set;
}

/*
 * CPUs sharing cpu's last-level cache: the highest level's that is not an
 * instruction cache and lists cpu. 0, 1 when sysfs does not say, -1 on error.
 */
static int read_llc(const struct reader *r, unsigned cpu, struct cpuset *out)
{
	int best = -1;

	for (unsigned i = 0;; i++) {
		char rel[96], val[64];
		struct cpuset shared;
		int level, rc;

		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/cache/index%u/level", cpu, i);
		if (read_line(r, rel, val, sizeof(val)) < 0)
			break;
		level = atoi(val);
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/cache/index%u/type", cpu, i);
		if (level <= best || (read_line(r, rel, val, sizeof(val)) == 0 &&
				      !strcmp(val, "Instruction")))
			continue;
		snprintf(rel, sizeof(rel),
			 "devices/system/cpu/cpu%u/cache/index%u/shared_cpu_list", cpu, i);
		rc = read_list(r, rel, &shared);
		if (rc < 0)
			return -1;
		if (rc == 0 && cpuset_has(&shared, cpu)) {
			best = level;
			*out = shared;
		}
	}
	return best >= 0 ? 0 : 1;
}

/* Each member of a CPU (or node id) set, lowest first. */
#define for_each_in(c, set) \
	for (int c = cpuset_next(set, 0); c >= 0; c = cpuset_next(set, (unsigned)c + 1))

static int read_llcs(const struct reader *r, struct systopo *t)
{
	struct groups g = { 0 };
	struct cpuset set;
	int rc = 0;

	for_each_in(c, &t->online) {
		rc = read_llc(r, (unsigned)c, &set);
		if (rc)
			break;
		t->cpu[c].llc = group_id(&g, &set);
	}
	if (rc > 0) {	/* a CPU without cache information: count one LLC */
		g.n = 0;
		group_id(&g, &t->online);
		for_each_in(c, &t->online)
			t->cpu[c].llc = 0;
	}
	t->llc = groups_take(&g, &t->nllcs);
	return rc < 0 ? -1 : 0;
}

static int read_cores(const struct reader *r, struct systopo *t)
{
	struct groups g = { 0 };

	for_each_in(c, &t->online) {
		char rel[96];
		struct cpuset sib;
		int rc;

		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
		rc = read_list(r, rel, &sib);
		if (rc < 0) {
			t->core = groups_take(&g, &t->ncores);
			return -1;
		}
		if (rc > 0 || !cpuset_has(&sib, (unsigned)c)) {
			cpuset_zero(&sib);
			cpuset_set(&sib, (unsigned)c);
		}
		t->cpu[c].core = group_id(&g, &sib);
	}
	t->core = groups_take(&g, &t->ncores);
	for (unsigned i = 0; i < t->ncores; i++)
		if (cpuset_count(&t->core[i]) > t->threads_per_core)
			t->threads_per_core = cpuset_count(&t->core[i]);
	return 0;
}

static int read_nodes(const struct reader *r, struct systopo *t)
{
	struct cpuset ids;
	int rc = read_list(r, "devices/system/node/online", &ids);
	int first;

	if (rc < 0)
		return -1;
	if (rc > 0 || cpuset_empty(&ids)) {	/* no NUMA: one node */
		cpuset_zero(&ids);
		cpuset_set(&ids, 0);
	}
	t->nodes_online = cpuset_count(&ids);
	t->nnodes = (unsigned)cpuset_last(&ids) + 1;
	t->node = xcalloc(t->nnodes, sizeof(*t->node));
	for_each_in(n, &ids) {
		char rel[96];

		snprintf(rel, sizeof(rel), "devices/system/node/node%d/cpulist", n);
		if (read_list(r, rel, &t->node[n]) < 0)
			return -1;
		for_each_in(c, &t->node[n])
			if (cpuset_has(&t->online, (unsigned)c) && t->cpu[c].node < 0)
				t->cpu[c].node = n;
	}
	first = cpuset_next(&ids, 0);
	for_each_in(c, &t->online) {
		if (t->cpu[c].node >= 0)
			continue;
		t->cpu[c].node = first;
		cpuset_set(&t->node[first], (unsigned)c);
	}
	return 0;
}

int systopo_read(const char *root, struct systopo *t, char *err, size_t errlen)
{
	struct reader r = { root, err, errlen };
	int rc;

	memset(t, 0, sizeof(*t));
	rc = read_list(&r, "devices/system/cpu/online", &t->online);
	if (rc > 0)
		snprintf(err, errlen, "%s/devices/system/cpu/online: %s", root, strerror(errno));
	if (rc)
		return -1;
	t->ncpus = cpuset_count(&t->online);
	if (t->ncpus == 0) {
		snprintf(err, errlen, "%s/devices/system/cpu/online: no CPUs", root);
		return -1;
	}
	t->ncpu_ids = (unsigned)cpuset_last(&t->online) + 1;
	t->cpu = xmalloc(t->ncpu_ids * sizeof(*t->cpu));
	for (unsigned c = 0; c < t->ncpu_ids; c++)
		t->cpu[c] = (struct systopo_cpu){ -1, -1, -1 };
	if (read_llcs(&r, t) < 0 || read_cores(&r, t) < 0 || read_nodes(&r, t) < 0) {
		systopo_free(t);
		return -1;
	}
	return 0;
}

void systopo_free(struct systopo *t)
{
	free(t->llc);
	free(t->core);
	free(t->node);
	free(t->cpu);
	memset(t, 0, sizeof(*t));
}

const struct systopo_cpu *systopo_cpu(const struct systopo *t, unsigned cpu)
{
	return cpu < t->ncpu_ids && cpuset_has(&t->online, cpu) ? &t->cpu[cpu] : NULL;
}
