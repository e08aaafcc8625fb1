/* Topology-relative cpusets, worker affinities and scheduling policies. */
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "die.h"
#include "scenario.h"

static int get_uint(json_t *obj, const char *key, unsigned *out, const char *path,
		    char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4096) {
		strfmt(err, errlen, "%s.%s: expected an integer from 0 to 4096", path, key);
		return -1;
	}
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int get_frac(json_t *v, double *out, const char *what, char *err, size_t errlen)
{
	if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) {
		strfmt(err, errlen, "%s: expected a fraction from 0 to 1", what);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

static const char *const spec_keys[SPEC_KIND_COUNT] = {
	"llc", "numa", "range", "disjoint", "overlap", "exact", "holdback", "misaligned", "cpu_at"
};

static int parse_partition(json_t *v, struct cpuspec *s, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "index", "of", "frac" };
	unsigned nkeys = s->kind == SPEC_DISJOINT ? 2 : 3;
	const char *key;
	json_t *x;
	char sub[256];

	strfmt(sub, sizeof(sub), "%s.%s", path, spec_keys[s->kind]);
	if (!json_is_object(v)) {
		strfmt(err, errlen, "%s: expected an object", sub);
		return -1;
	}
	json_object_foreach(v, key, x) {
		unsigned k;

		for (k = 0; k < nkeys && strcmp(keys[k], key); k++)
			;
		if (k == nkeys) {
			strfmt(err, errlen, "%s: unknown key \"%s\"", sub, key);
			return -1;
		}
	}
	if (get_uint(v, "index", &s->index, sub, err, errlen) ||
	    get_uint(v, "of", &s->of, sub, err, errlen))
		return -1;
	if (s->of == 0 || s->index >= s->of) {
		strfmt(err, errlen, "%s: index %u must be below of %u", sub, s->index, s->of);
		return -1;
	}
	if (s->kind != SPEC_DISJOINT) {
		char what[300];

		strfmt(what, sizeof(what), "%s.frac", sub);
		return get_frac(json_object_get(v, "frac"), &s->a, what, err, errlen);
	}
	return 0;
}

static int parse_range(json_t *v, struct cpuspec *s, const char *path, char *err, size_t errlen)
{
	char what[300];

	strfmt(what, sizeof(what), "%s.range", path);
	if (!json_is_array(v) || json_array_size(v) != 2) {
		strfmt(err, errlen, "%s: expected [start_frac, end_frac]", what);
		return -1;
	}
	if (get_frac(json_array_get(v, 0), &s->a, what, err, errlen) ||
	    get_frac(json_array_get(v, 1), &s->b, what, err, errlen))
		return -1;
	if (s->a >= s->b) {
		strfmt(err, errlen, "%s: start %g must be below end %g", what, s->a, s->b);
		return -1;
	}
	return 0;
}

static int parse_exact(json_t *v, struct cpuset *out, const char *what, char *err, size_t errlen)
{
	char why[128];

	if (!json_is_string(v)) {
		strfmt(err, errlen, "%s: expected a CPU list string like \"0-3,6\"", what);
		return -1;
	}
	if (cpulist_parse(json_string_value(v), out, why, sizeof(why)) < 0) {
		strfmt(err, errlen, "%s: \"%s\": %s", what, json_string_value(v), why);
		return -1;
	}
	if (cpuset_empty(out)) {
		strfmt(err, errlen, "%s: empty CPU list", what);
		return -1;
	}
	return 0;
}

int spec_parse(json_t *j, struct cpuspec *s, const char *path, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	char what[300];

	memset(s, 0, sizeof(*s));
	if (!json_is_object(j) || json_object_size(j) != 1) {
		strfmt(err, errlen, "%s: expected one of {\"llc\":N}, {\"numa\":N}, {\"range\":[a,b]}, "
			 "{\"disjoint\":{..}}, {\"overlap\":{..}}, {\"exact\":\"LIST\"}, {\"holdback\":{..}}, "
			 "{\"misaligned\":0|1}, {\"cpu_at\":F}", path);
		return -1;
	}
	json_object_foreach(j, key, v) {
		unsigned k;

		for (k = 0; k < SPEC_KIND_COUNT && strcmp(spec_keys[k], key); k++)
			;
		if (k == SPEC_KIND_COUNT) {
			strfmt(err, errlen, "%s: unknown cpuset form \"%s\"", path, key);
			return -1;
		}
		s->kind = (enum spec_kind)k;
		strfmt(what, sizeof(what), "%s.%s", path, key);
		if (k == SPEC_MISALIGNED && (!json_is_integer(v) || json_integer_value(v) < 0 ||
					     json_integer_value(v) > 1)) {
			strfmt(err, errlen, "%s: expected 0 (the CPUs before the split) or 1 (from it on)", what);
			return -1;
		}
		if (k <= SPEC_NUMA && !json_is_integer(v)) {
			strfmt(err, errlen, "%s: expected an index", what);
			return -1;
		}
		if (k <= SPEC_NUMA && (json_integer_value(v) < 0 || json_integer_value(v) > 4096)) {
			strfmt(err, errlen, "%s: index out of range", what);
			return -1;
		}
		if (k <= SPEC_NUMA || k == SPEC_MISALIGNED)
			s->index = (unsigned)json_integer_value(v);
		else if (k == SPEC_CPU_AT)
			return get_frac(v, &s->a, what, err, errlen);
		else if (k == SPEC_RANGE)
			return parse_range(v, s, path, err, errlen);
		else if (k == SPEC_EXACT)
			return parse_exact(v, &s->exact, what, err, errlen);
		else
			return parse_partition(v, s, path, err, errlen);
	}
	return 0;
}

/* CPUs number lo..hi-1 (positions) of the usable list. */
static void slice(const struct cpuset *usable, unsigned lo, unsigned hi, struct cpuset *out)
{
	cpuset_zero(out);
	for (unsigned i = lo; i < hi; i++) {
		int c = cpuset_nth(usable, i);

		if (c >= 0)
			cpuset_set(out, (unsigned)c);
	}
}

/* An LLC's or node's usable CPUs; all of them when the held-back CPU was the only one. */
static void usable_part(const struct cpuset *part, const struct cpuset *usable, struct cpuset *out)
{
	cpuset_and(out, part, usable);
	if (cpuset_empty(out))
		*out = *part;
}

static int resolve_partition(const struct cpuspec *s, const struct cpuset *usable, unsigned len,
			     struct cpuset *out, char *err, size_t errlen)
{
	unsigned chunk = len / s->of, lo, hi;

	if (chunk == 0) {
		strfmt(err, errlen, "not enough CPUs: %u parts of %u usable CPUs", s->of, len);
		return -1;
	}
	lo = s->index * chunk;
	hi = s->index == s->of - 1 ? len : lo + chunk;
	if (s->kind == SPEC_OVERLAP) {
		unsigned widen = (unsigned)ceil(chunk * s->a);

		lo = lo > widen ? lo - widen : 0;
		hi = hi + widen < len ? hi + widen : len;
	}
	slice(usable, lo, hi, out);
	return 0;
}

/* The forms cut at a position of the usable list: holdback, misaligned, cpu_at. */
static int resolve_cut(const struct cpuspec *s, const struct systopo *t,
		       const struct cpuset *usable, unsigned len, struct cpuset *out,
		       char *err, size_t errlen)
{
	unsigned keep, split;
	struct cpuset llc0;

	switch (s->kind) {
	case SPEC_HOLDBACK:
		keep = len - (unsigned)(len * s->a);
		if (keep / s->of == 0) {
			strfmt(err, errlen, "not enough CPUs: %u parts of the %u left when %u of %u usable "
				 "CPUs are held back", s->of, keep, len - keep, len);
			return -1;
		}
		return resolve_partition(s, usable, keep, out, err, errlen);
	case SPEC_MISALIGNED:
		/* Half way through LLC 0, so the second part starts inside it. */
		cpuset_and(&llc0, &t->llc[0], usable);
		split = (t->nllcs > 1 ? cpuset_count(&llc0) : len) / 2;
		if (split == 0 || split >= len) {
			strfmt(err, errlen, "not enough CPUs: LLC 0 has %u usable CPUs, too few to split",
				 t->nllcs > 1 ? cpuset_count(&llc0) : len);
			return -1;
		}
		slice(usable, s->index ? split : 0, s->index ? len : split, out);
		return 0;
	default:	/* SPEC_CPU_AT */
		if (len == 0) {
			strfmt(err, errlen, "not enough CPUs: no usable CPU");
			return -1;
		}
		split = (unsigned)(len * s->a);
		split = split < len ? split : len - 1;
		slice(usable, split, split + 1, out);
		return 0;
	}
}

int spec_resolve(const struct cpuspec *s, const struct systopo *t, struct cpuset *out,
		 char *err, size_t errlen)
{
	struct cpuset usable;
	unsigned len, i;
	char buf[256];

	scenario_usable_cpus(t, &usable);
	len = cpuset_count(&usable);
	switch (s->kind) {
	case SPEC_LLC:
		i = s->index < t->nllcs ? s->index : t->nllcs - 1;	/* clamped */
		usable_part(&t->llc[i], &usable, out);
		return 0;
	case SPEC_NUMA:
		i = s->index < t->nnodes ? s->index : t->nnodes - 1;
		usable_part(&t->node[i], &usable, out);
		if (!cpuset_empty(out))
			return 0;
		strfmt(err, errlen, "NUMA node %u has no CPUs", i);
		return -1;
	case SPEC_RANGE:
		slice(&usable, (unsigned)(len * s->a), (unsigned)(len * s->b), out);
		if (!cpuset_empty(out))
			return 0;
		strfmt(err, errlen, "not enough CPUs: range [%g, %g) of %u usable CPUs is empty",
			 s->a, s->b, len);
		return -1;
	case SPEC_DISJOINT:
	case SPEC_OVERLAP:
		return resolve_partition(s, &usable, len, out, err, errlen);
	case SPEC_EXACT:
		*out = s->exact;
		if (cpuset_subset(out, &t->online))
			return 0;
		strfmt(err, errlen, "CPUs %s are not all online (online: %s)",
			 cpuset_str(&s->exact, buf, sizeof(buf) / 2),
			 cpuset_str(&t->online, buf + sizeof(buf) / 2, sizeof(buf) / 2));
		return -1;
	case SPEC_HOLDBACK:
	case SPEC_MISALIGNED:
	case SPEC_CPU_AT:
	case SPEC_KIND_COUNT:
		return resolve_cut(s, t, &usable, len, out, err, errlen);
	}
	return -1;
}

json_t *spec_json(const struct cpuspec *s)
{
	switch (s->kind) {
	case SPEC_LLC: return json_pack("{s:i}", "llc", s->index);
	case SPEC_NUMA: return json_pack("{s:i}", "numa", s->index);
	case SPEC_RANGE: return json_pack("{s:[f,f]}", "range", s->a, s->b);
	case SPEC_DISJOINT:
		return json_pack("{s:{s:i,s:i}}", "disjoint", "index", s->index, "of", s->of);
	case SPEC_OVERLAP:
		return json_pack("{s:{s:i,s:i,s:f}}", "overlap", "index", s->index, "of", s->of,
				 "frac", s->a);
	case SPEC_EXACT: return json_pack("{s:o}", "exact", cpuset_json(&s->exact));
	case SPEC_HOLDBACK:
		return json_pack("{s:{s:f,s:i,s:i}}", "holdback", "frac", s->a, "index", s->index,
				 "of", s->of);
	case SPEC_MISALIGNED: return json_pack("{s:i}", "misaligned", s->index);
	case SPEC_CPU_AT: return json_pack("{s:f}", "cpu_at", s->a);
	case SPEC_KIND_COUNT: break;
	}
	return json_null();
}

static const char *const aff_names[] = { "inherit", "random_subset", "llc_aligned",
					 "cross_cgroup", "single_cpu" };

int affinity_parse(json_t *j, struct affinity *a, const char *path, char *err, size_t errlen)
{
	const char *s = json_string_value(j);

	memset(a, 0, sizeof(*a));
	if (s && !strncmp(s, "exact:", 6)) {
		json_t *list = json_string(s + 6);
		int rc;

		a->kind = AFF_EXACT;
		rc = parse_exact(list, &a->exact, path, err, errlen);
		json_decref(list);
		return rc;
	}
	if (s && !strncmp(s, "first:", 6)) {
		int n = 0, used = 0;

		a->kind = AFF_FIRST;
		if (sscanf(s + 6, "%d%n", &n, &used) == 1 && s[6 + used] == '\0' && n >= 1 && n <= 4096) {
			a->first = (unsigned)n;
			return 0;
		}
		strfmt(err, errlen, "%s: \"%s\": expected first:N with N from 1 to 4096", path, s);
		return -1;
	}
	for (unsigned k = 0; s && k < 5; k++) {
		if (!strcmp(s, aff_names[k])) {
			a->kind = (enum aff_kind)k;
			return 0;
		}
	}
	strfmt(err, errlen, "%s: expected inherit, random_subset, llc_aligned, cross_cgroup, "
		 "single_cpu, \"exact:LIST\" or \"first:N\"", path);
	return -1;
}

json_t *affinity_json(const struct affinity *a)
{
	char buf[1024];

	if (a->kind == AFF_FIRST)
		return json_sprintf("first:%u", a->first);
	if (a->kind != AFF_EXACT)
		return json_string(aff_names[a->kind]);
	return json_sprintf("exact:%s", cpuset_str(&a->exact, buf, sizeof(buf)));
}

int policy_parse(json_t *j, struct policy *p, const char *path, char *err, size_t errlen)
{
	const char *s = json_string_value(j);
	int prio, n = 0;

	p->prio = 0;
	if (s && !strcmp(s, "normal"))
		p->policy = SCHED_OTHER;
	else if (s && !strcmp(s, "batch"))
		p->policy = SCHED_BATCH;
	else if (s && !strcmp(s, "idle"))
		p->policy = SCHED_IDLE;
	else if (s && (sscanf(s, "fifo:%d%n", &prio, &n) == 1 || sscanf(s, "rr:%d%n", &prio, &n) == 1) &&
		 s[n] == '\0' && prio >= 1 && prio <= 99) {
		p->policy = s[0] == 'f' ? SCHED_FIFO : SCHED_RR;
		p->prio = prio;
	} else {
		strfmt(err, errlen, "%s: expected normal, batch, idle, fifo:PRIO or rr:PRIO (1-99)", path);
		return -1;
	}
	return 0;
}

json_t *policy_json(const struct policy *p)
{
	switch (p->policy) {
	case SCHED_BATCH: return json_string("batch");
	case SCHED_IDLE: return json_string("idle");
	case SCHED_FIFO: return json_sprintf("fifo:%d", p->prio);
	case SCHED_RR: return json_sprintf("rr:%d", p->prio);
	}
	return json_string("normal");
}

static const char *const mem_names[] = { "default", "local", "bind", "preferred", "interleave" };

int mem_policy_parse(json_t *j, struct mem_policy *m, const char *path, char *err, size_t errlen)
{
	const char *s = json_string_value(j), *colon = s ? strchr(s, ':') : NULL;
	size_t n = colon ? (size_t)(colon - s) : (s ? strlen(s) : 0);
	char why[128];

	memset(m, 0, sizeof(*m));
	for (unsigned k = 0; s && k < 5; k++) {
		if (strlen(mem_names[k]) != n || strncmp(s, mem_names[k], n))
			continue;
		m->kind = (enum mem_kind)k;
		if ((k >= MEM_BIND) != (colon != NULL))
			break;		/* nodes where none go, or none where they must */
		if (!colon)
			return 0;
		if (cpulist_parse(colon + 1, &m->nodes, why, sizeof(why)) < 0) {
			strfmt(err, errlen, "%s: \"%s\": %s", path, s, why);
			return -1;
		}
		if (cpuset_empty(&m->nodes) || (k == MEM_PREFERRED && cpuset_count(&m->nodes) != 1))
			break;
		return 0;
	}
	strfmt(err, errlen, "%s: expected default, local, bind:NODES, preferred:NODE or interleave:NODES",
		 path);
	return -1;
}

json_t *mem_policy_json(const struct mem_policy *m)
{
	char buf[256];

	if (m->kind < MEM_BIND)
		return json_string(mem_names[m->kind]);
	return json_sprintf("%s:%s", mem_names[m->kind], cpuset_str(&m->nodes, buf, sizeof(buf)));
}
