/* The topology scenarios resolve against: read from sysfs, or built from a topo record. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "init.h"

void cpuset_and(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

void cpuset_or(struct cpuset *dst, const struct cpuset *src)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		dst->bits[i] |= src->bits[i];
}

bool cpuset_empty(const struct cpuset *s)
{
	return cpuset_next(s, 0) < 0;
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

int cpuset_nth(const struct cpuset *s, unsigned n)
{
	for (int c = cpuset_next(s, 0); c >= 0; c = cpuset_next(s, (unsigned)c + 1))
		if (n-- == 0)
			return c;
	return -1;
}

const char *cpuset_str(const struct cpuset *s, char *buf, size_t len)
{
	cpulist_format(s, buf, len);
	return buf;
}

json_t *cpuset_json(const struct cpuset *s)
{
	char buf[1024];

	return json_string(cpuset_str(s, buf, sizeof(buf)));
}

static int read_cpulist(const char *path, struct cpuset *out)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return cpulist_parse(buf, out, NULL, 0) < 0 ? -1 : 0;
}

/* The CPUs sharing cpu's last-level cache: index3, else the highest index there is. */
static int read_llc_of(unsigned cpu, struct cpuset *out)
{
	char path[160];

	for (int idx = 3; idx >= 0; idx--) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%u/cache/index%d/shared_cpu_list", cpu, idx);
		if (read_cpulist(path, out) == 0)
			return 0;
	}
	return -1;
}

static void add_llc(struct gtopo *t, const struct cpuset *llc)
{
	for (unsigned i = 0; i < t->nllcs; i++)
		if (cpuset_equal(&t->llc[i], llc))
			return;
	t->llc = xrealloc(t->llc, (t->nllcs + 1) * sizeof(*t->llc));
	t->llc[t->nllcs++] = *llc;
}

static int cmp_first_cpu(const void *a, const void *b)
{
	return cpuset_next(a, 0) - cpuset_next(b, 0);
}

static void read_nodes(struct gtopo *t)
{
	char path[160];

	for (unsigned n = 0; n < 1024; n++) {
		struct cpuset cpus;

		snprintf(path, sizeof(path), "/sys/devices/system/node/node%u", n);
		if (access(path, F_OK) != 0)
			break;
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/cpulist", n);
		if (read_cpulist(path, &cpus) < 0)
			cpuset_zero(&cpus);
		t->node = xrealloc(t->node, (t->nnodes + 1) * sizeof(*t->node));
		t->node[t->nnodes++] = cpus;
	}
	if (t->nnodes == 0) {	/* no NUMA in the kernel: one node holds everything */
		t->node = xmalloc(sizeof(*t->node));
		t->node[0] = t->online;
		t->nnodes = 1;
	}
}

int gtopo_from_sysfs(struct gtopo *t, char *err, size_t errlen)
{
	char path[160];
	struct cpuset sib;

	memset(t, 0, sizeof(*t));
	if (read_cpulist("/sys/devices/system/cpu/online", &t->online) < 0) {
		snprintf(err, errlen, "cannot read /sys/devices/system/cpu/online");
		return -1;
	}
	t->ncpus = cpuset_count(&t->online);
	for (int c = cpuset_next(&t->online, 0); c >= 0; c = cpuset_next(&t->online, (unsigned)c + 1)) {
		struct cpuset llc;

		if (read_llc_of((unsigned)c, &llc) < 0) {
			cpuset_zero(&llc);	/* no cache info: every CPU its own LLC */
			cpuset_set(&llc, (unsigned)c);
		}
		add_llc(t, &llc);
	}
	qsort(t->llc, t->nllcs, sizeof(*t->llc), cmp_first_cpu);
	read_nodes(t);
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
		 cpuset_next(&t->online, 0));
	t->threads_per_core = read_cpulist(path, &sib) == 0 ? cpuset_count(&sib) : 1;
	return 0;
}

static int record_axis(json_t *rec, const char *key, unsigned *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(rec, key);

	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 4096) {
		snprintf(err, errlen, "topo.%s: expected an integer from 1 to 4096", key);
		return -1;
	}
	*out = (unsigned)json_integer_value(v);
	return 0;
}

int gtopo_from_record(struct gtopo *t, json_t *rec, char *err, size_t errlen)
{
	unsigned n, l, c, th;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(rec)) {
		snprintf(err, errlen, "topo: expected an object");
		return -1;
	}
	if (record_axis(rec, "numa_nodes", &n, err, errlen) ||
	    record_axis(rec, "llcs", &l, err, errlen) ||
	    record_axis(rec, "cores_per_llc", &c, err, errlen) ||
	    record_axis(rec, "threads_per_core", &th, err, errlen))
		return -1;
	if (l % n || l * c * th > CPUSET_MAX) {
		snprintf(err, errlen, "topo: %u LLCs do not split over %u nodes, or too many CPUs", l, n);
		return -1;
	}
	t->ncpus = l * c * th;
	t->nllcs = l;
	t->nnodes = n;
	t->threads_per_core = th;
	t->llc = xcalloc(l, sizeof(*t->llc));
	t->node = xcalloc(n, sizeof(*t->node));
	cpuset_set_range(&t->online, 0, t->ncpus - 1);
	for (unsigned i = 0; i < l; i++) {
		cpuset_set_range(&t->llc[i], i * c * th, (i + 1) * c * th - 1);
		cpuset_or(&t->node[i / (l / n)], &t->llc[i]);	/* LLCs split evenly, in order */
	}
	return 0;
}

void gtopo_free(struct gtopo *t)
{
	free(t->llc);
	free(t->node);
	t->llc = t->node = NULL;
}

void gtopo_usable(const struct gtopo *t, struct cpuset *out)
{
	int last = -1;

	*out = t->online;
	if (t->ncpus <= 2)
		return;
	for (int c = cpuset_next(out, 0); c >= 0; c = cpuset_next(out, (unsigned)c + 1))
		last = c;
	out->bits[last / 64] &= ~(UINT64_C(1) << (last % 64));
}

char *gtopo_name(const struct gtopo *t)
{
	char buf[64];
	unsigned cores = t->ncpus / (t->nllcs ? t->nllcs : 1) / (t->threads_per_core ? t->threads_per_core : 1);

	snprintf(buf, sizeof(buf), "%un%ul%uc%ut", t->nnodes, t->nllcs, cores, t->threads_per_core);
	return xstrdup(buf);
}
