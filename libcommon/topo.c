/*
 * The VM topology model (see topo.h): parsing "NnNlNcNt" / "N,L,C,T",
 * the derived CPU/LLC/node layout, the `topo` record and QEMU arguments.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "topo.h"

/* ACPI SLIT convention: 10 is local; QEMU's and upstream's remote default. */
#define TOPO_DIST_LOCAL 10
#define TOPO_DIST_REMOTE 20
/* Upper bound on memory_mb: 16 TiB keeps every MB -> byte product in range. */
#define TOPO_MEMORY_MB_MAX (16u * 1024 * 1024)

struct topo_axis {
	char letter;
	const char *what;
};

/* Axis order is fixed: n, l, c, t. */
static const struct topo_axis topo_axes[4] = {
	{ 'n', "NUMA nodes" },
	{ 'l', "LLCs" },
	{ 'c', "cores per LLC" },
	{ 't', "threads per core" },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Column (1-based) of p within s. */
static int col(const char *s, const char *p)
{
	return (int)(p - s) + 1;
}

/* Read axis number `axis` (a positive decimal) at *p, advancing past it. */
static int parse_axis_value(const char *s, const char **p, unsigned axis,
			    unsigned *out, char *err, size_t errlen)
{
	const char *start = *p;
	unsigned long long v = 0;

	if (**p == '\0')
		return fail(err, errlen, "column %d: missing axis '%c' (%s)",
			    col(s, *p), topo_axes[axis].letter,
			    topo_axes[axis].what);
	if (**p < '0' || **p > '9') {
		if (axis == 0)
			return fail(err, errlen,
				    "column %d: expected a number (NUMA nodes), found '%c'",
				    col(s, *p), **p);
		return fail(err, errlen, "column %d: expected a number after '%c'",
			    col(s, *p), (*p)[-1]);
	}
	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (unsigned)(**p - '0');
		if (v > UINT_MAX)
			return fail(err, errlen, "column %d: number too large (%s)",
				    col(s, start), topo_axes[axis].what);
		(*p)++;
	}
	if (v == 0)
		return fail(err, errlen, "column %d: %s must be at least 1",
			    col(s, start), topo_axes[axis].what);
	*out = (unsigned)v;
	return 0;
}

/* After an axis number in the letter form, *p must be that axis' letter. */
static int expect_axis_letter(const char *s, const char *p, unsigned axis,
			      char *err, size_t errlen)
{
	char want = topo_axes[axis].letter;

	if (*p == want)
		return 0;
	if (*p == '\0')
		return fail(err, errlen, "column %d: expected '%c' (%s) after the number",
			    col(s, p), want, topo_axes[axis].what);
	if (*p == 's' && axis <= 1)
		return fail(err, errlen,
			    "column %d: 's' (sockets) is the legacy NsNcNt/NsNlNcNt form; use NnNlNcNt, e.g. 1n2l4c2t",
			    col(s, p));
	if (strchr("nlct", *p))
		return fail(err, errlen,
			    "column %d: found '%c' where '%c' (%s) belongs; axes go in order n, l, c, t",
			    col(s, p), *p, want, topo_axes[axis].what);
	return fail(err, errlen, "column %d: expected '%c' (%s) after the number, found '%c'",
		    col(s, p), want, topo_axes[axis].what, *p);
}

/* "NnNlNcNt" into v[4]. */
static int parse_letter_form(const char *s, unsigned v[4], char *err, size_t errlen)
{
	const char *p = s;

	for (unsigned axis = 0; axis < 4; axis++) {
		if (parse_axis_value(s, &p, axis, &v[axis], err, errlen) < 0 ||
		    expect_axis_letter(s, p, axis, err, errlen) < 0)
			return -1;
		p++;
	}
	if (*p)
		return fail(err, errlen, "column %d: unexpected '%c' after the last axis",
			    col(s, p), *p);
	return 0;
}

/* "N,L,C,T" into v[4]. */
static int parse_comma_form(const char *s, unsigned v[4], char *err, size_t errlen)
{
	const char *p = s;

	for (unsigned axis = 0; axis < 4; axis++) {
		if (*p < '0' || *p > '9') {
			if (*p == '\0')
				return fail(err, errlen, "column %d: missing value %u (%s) of N,L,C,T",
					    col(s, p), axis + 1, topo_axes[axis].what);
			return fail(err, errlen, "column %d: expected a number (%s), found '%c'",
				    col(s, p), topo_axes[axis].what, *p);
		}
		if (parse_axis_value(s, &p, axis, &v[axis], err, errlen) < 0)
			return -1;
		if (axis == 3)
			break;
		if (*p == '\0')
			return fail(err, errlen, "column %d: missing value %u (%s) of N,L,C,T",
				    col(s, p), axis + 2, topo_axes[axis + 1].what);
		if (*p != ',')
			return fail(err, errlen, "column %d: expected ',' after the number, found '%c'",
				    col(s, p), *p);
		p++;
	}
	if (*p)
		return fail(err, errlen, "column %d: unexpected '%c' after the last value",
			    col(s, p), *p);
	return 0;
}

/* Whole-topology rules that have no column: even LLC split, CPU count. */
static int check_axes(const unsigned v[4], char *err, size_t errlen)
{
	unsigned long long cpus;

	if (v[1] % v[0])
		return fail(err, errlen, "%u LLCs cannot be split evenly over %u NUMA nodes",
			    v[1], v[0]);
	if (__builtin_mul_overflow((unsigned long long)v[1], v[2], &cpus) ||
	    __builtin_mul_overflow(cpus, v[3], &cpus))
		return fail(err, errlen, "the CPU count %u*%u*%u overflows", v[1], v[2], v[3]);
	if (cpus > CPUSET_MAX)
		return fail(err, errlen, "%llu CPUs is more than the %d supported",
			    cpus, CPUSET_MAX);
	return 0;
}

int topo_parse(const char *s, struct topo *t, char *err, size_t errlen)
{
	unsigned v[4];
	int rc;

	rc = strchr(s, ',') ? parse_comma_form(s, v, err, errlen)
			    : parse_letter_form(s, v, err, errlen);
	if (rc < 0 || check_axes(v, err, errlen) < 0)
		return -1;
	t->numa_nodes = v[0];
	t->llcs = v[1];
	t->cores_per_llc = v[2];
	t->threads_per_core = v[3];
	t->memory_mb = topo_default_memory_mb(t);
	return 0;
}

unsigned topo_cpus(const struct topo *t)
{
	return t->llcs * t->cores_per_llc * t->threads_per_core;
}

unsigned topo_llcs_per_node(const struct topo *t)
{
	return t->llcs / t->numa_nodes;
}

/*
 * Default memory: max(cpus * 64, 512) MB (upstream's per-CPU floor, with a
 * floor that fits our initramfs and workers), rounded up to a multiple of
 * 2 * numa_nodes so that every node gets the same size in whole 2 MB units
 * (QEMU backends and huge-page-aligned node boundaries).
 */
unsigned topo_default_memory_mb(const struct topo *t)
{
	unsigned mb = topo_cpus(t) * 64, unit = 2 * t->numa_nodes;

	if (mb < 512)
		mb = 512;
	return (mb + unit - 1) / unit * unit;
}

int topo_check_memory_mb(const struct topo *t, unsigned long long mb,
			 char *err, size_t errlen)
{
	if (mb == 0)
		return fail(err, errlen, "memory must be at least 1 MB");
	if (mb > TOPO_MEMORY_MB_MAX)
		return fail(err, errlen, "%llu MB is more than the %u MB supported",
			    mb, TOPO_MEMORY_MB_MAX);
	if (mb % (2 * t->numa_nodes))
		return fail(err, errlen,
			    "%llu MB does not split over %u NUMA node%s in 2 MB units (use a multiple of %u)",
			    mb, t->numa_nodes, t->numa_nodes == 1 ? "" : "s",
			    2 * t->numa_nodes);
	return 0;
}

void topo_name(const struct topo *t, char *buf, size_t len)
{
	snprintf(buf, len, "%un%ul%uc%ut", t->numa_nodes, t->llcs,
		 t->cores_per_llc, t->threads_per_core);
}

void topo_llc_cpus(const struct topo *t, unsigned llc, struct cpuset *out)
{
	unsigned per_llc = t->cores_per_llc * t->threads_per_core;

	cpuset_zero(out);
	cpuset_set_range(out, llc * per_llc, (llc + 1) * per_llc - 1);
}

void topo_node_cpus(const struct topo *t, unsigned node, struct cpuset *out)
{
	unsigned per_node = topo_llcs_per_node(t) * t->cores_per_llc *
			    t->threads_per_core;

	cpuset_zero(out);
	cpuset_set_range(out, node * per_node, (node + 1) * per_node - 1);
}

void topo_core_cpus(const struct topo *t, unsigned core, struct cpuset *out)
{
	cpuset_zero(out);
	cpuset_set_range(out, core * t->threads_per_core,
			 (core + 1) * t->threads_per_core - 1);
}

unsigned topo_cpu_llc(const struct topo *t, unsigned cpu)
{
	return cpu / (t->cores_per_llc * t->threads_per_core);
}

unsigned topo_cpu_node(const struct topo *t, unsigned cpu)
{
	return topo_cpu_llc(t, cpu) / topo_llcs_per_node(t);
}

unsigned topo_cpu_core(const struct topo *t, unsigned cpu)
{
	return cpu / t->threads_per_core;
}

unsigned topo_distance(const struct topo *t, unsigned a, unsigned b)
{
	(void)t;
	return a == b ? TOPO_DIST_LOCAL : TOPO_DIST_REMOTE;
}

static json_t *nodes_json(const struct topo *t)
{
	json_t *nodes = json_array();
	unsigned per_node = topo_llcs_per_node(t);

	for (unsigned n = 0; n < t->numa_nodes; n++) {
		json_t *llcs = json_array();
		struct cpuset cpus;

		for (unsigned l = n * per_node; l < (n + 1) * per_node; l++)
			json_array_append_new(llcs, json_integer(l));
		topo_node_cpus(t, n, &cpus);
		json_array_append_new(nodes, json_pack("{s:I, s:o, s:I, s:o}",
			"id", (json_int_t)n, "cpus", cpuset_json(&cpus),
			"memory_mb", (json_int_t)(t->memory_mb / t->numa_nodes),
			"llcs", llcs));
	}
	return nodes;
}

static json_t *llc_list_json(const struct topo *t)
{
	json_t *list = json_array();

	for (unsigned l = 0; l < t->llcs; l++) {
		struct cpuset cpus;

		topo_llc_cpus(t, l, &cpus);
		json_array_append_new(list, json_pack("{s:I, s:o, s:I}",
			"id", (json_int_t)l, "cpus", cpuset_json(&cpus),
			"node", (json_int_t)(l / topo_llcs_per_node(t))));
	}
	return list;
}

static json_t *cpu_list_json(const struct topo *t)
{
	json_t *list = json_array();
	unsigned threads = t->threads_per_core;

	for (unsigned c = 0; c < topo_cpus(t); c++) {
		unsigned core = topo_cpu_core(t, c);
		struct cpuset sib;

		topo_core_cpus(t, core, &sib);
		json_array_append_new(list, json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}",
			"cpu", (json_int_t)c,
			"llc", (json_int_t)topo_cpu_llc(t, c),
			"node", (json_int_t)topo_cpu_node(t, c),
			"core", (json_int_t)core,
			"thread", (json_int_t)(c % threads),
			"siblings", cpuset_json(&sib)));
	}
	return list;
}

static json_t *distances_json(const struct topo *t)
{
	json_t *rows = json_array();

	for (unsigned a = 0; a < t->numa_nodes; a++) {
		json_t *row = json_array();

		for (unsigned b = 0; b < t->numa_nodes; b++)
			json_array_append_new(row, json_integer(topo_distance(t, a, b)));
		json_array_append_new(rows, row);
	}
	return rows;
}

json_t *topo_to_json(const struct topo *t)
{
	char name[64];
	json_t *rec;

	topo_name(t, name, sizeof(name));
	rec = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
		"type", "topo", "name", name,
		"numa_nodes", (json_int_t)t->numa_nodes,
		"llcs", (json_int_t)t->llcs,
		"cores_per_llc", (json_int_t)t->cores_per_llc,
		"threads_per_core", (json_int_t)t->threads_per_core,
		"cpus", (json_int_t)topo_cpus(t),
		"memory_mb", (json_int_t)t->memory_mb);
	if (!rec)
		die(EXIT_INCONCLUSIVE, "out of memory");
	json_object_set_new(rec, "nodes", nodes_json(t));
	json_object_set_new(rec, "llc_list", llc_list_json(t));
	json_object_set_new(rec, "cpu_list", cpu_list_json(t));
	json_object_set_new(rec, "distances", distances_json(t));
	return rec;
}

/* rec[field] as a positive integer <= max, else -1 with err naming it. */
static int json_positive(json_t *rec, const char *field, json_int_t max,
			 json_int_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(rec, field);

	if (!v)
		return fail(err, errlen, "%s: missing", field);
	if (!json_is_integer(v))
		return fail(err, errlen, "%s: expected an integer", field);
	*out = json_integer_value(v);
	if (*out < 1 || *out > max)
		return fail(err, errlen, "%s: %lld is out of range 1..%lld", field,
			    (long long)*out, (long long)max);
	return 0;
}

/* Fields derived from the axes must agree with them when present. */
static int check_derived(json_t *rec, const struct topo *t, char *err, size_t errlen)
{
	json_t *name = json_object_get(rec, "name"), *cpus = json_object_get(rec, "cpus");
	char want[64];

	topo_name(t, want, sizeof(want));
	if (name && (!json_is_string(name) || strcmp(json_string_value(name), want)))
		return fail(err, errlen, "name: does not match the axes (expected \"%s\")", want);
	if (cpus && (!json_is_integer(cpus) ||
		     json_integer_value(cpus) != (json_int_t)topo_cpus(t)))
		return fail(err, errlen, "cpus: does not match the axes (expected %u)",
			    topo_cpus(t));
	return 0;
}

int topo_from_json(json_t *rec, struct topo *t, char *err, size_t errlen)
{
	static const char *const fields[4] = {
		"numa_nodes", "llcs", "cores_per_llc", "threads_per_core",
	};
	unsigned v[4];
	json_int_t x;
	char why[160];

	if (!json_is_object(rec))
		return fail(err, errlen, "topo: expected a JSON object");
	for (unsigned i = 0; i < 4; i++) {
		if (json_positive(rec, fields[i], CPUSET_MAX, &x, err, errlen) < 0)
			return -1;
		v[i] = (unsigned)x;
	}
	if (check_axes(v, why, sizeof(why)) < 0)
		return fail(err, errlen, "%s: %s", v[1] % v[0] ? "llcs" : "cpus", why);
	t->numa_nodes = v[0];
	t->llcs = v[1];
	t->cores_per_llc = v[2];
	t->threads_per_core = v[3];
	t->memory_mb = topo_default_memory_mb(t);
	if (json_object_get(rec, "memory_mb")) {
		if (json_positive(rec, "memory_mb", TOPO_MEMORY_MB_MAX, &x, err, errlen) < 0)
			return -1;
		if (topo_check_memory_mb(t, (unsigned long long)x, why, sizeof(why)) < 0)
			return fail(err, errlen, "memory_mb: %s", why);
		t->memory_mb = (unsigned)x;
	}
	return check_derived(rec, t, err, errlen);
}
