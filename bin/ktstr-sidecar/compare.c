/*
 * `compare A B`: pair the jobs of two pools by what they ran (test, topo,
 * scheduler, flags, accel), average each metric over a pair's passing jobs,
 * and report changes that pass both the absolute and the relative gate.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "ndjson.h"
#include "paths.h"
#include "pool.h"
#include "sidecar.h"
#include "stats.h"

struct cmp_opts {
	char *runs_dir;
	const char *metric_names[64];
	size_t nmetric;
	struct selector filter;
	int as_json;
	int all;		/* --all: every metric, changed or not */
};

struct tally {
	size_t pairs, excluded, only_a, only_b, regressions, improvements;
	size_t not_significant;	/* past the gates, but the interval holds no change */
	size_t gate_only;	/* changes judged without an interval: too few samples */
};

struct side {
	const struct run_rec **recs;	/* passing jobs of this key */
	size_t n, all;			/* passing, and all jobs of the key */
};

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar compare [--runs-dir DIR] [--metric M]... [--filter K=V]...\n"
	      "        [--json] [--all] A B\n"
	      "A and B each pick a pool of jobs: a run id (or 'latest'), or conditions\n"
	      "K=V[,K=V] on run, test, topo, scheduler, flags, accel (V a glob: run=ab-*\n"
	      "pools runs made one by one), kernel (7.2 matches 7.2.x), commit (a\n"
	      "prefix). --filter applies to both pools. Jobs pair by\n"
	      "test, topo, scheduler, flags and accel, less the keys A or B name.\n"
	      "Each side of a pair pools its passing jobs (a run's --repeat samples, or\n"
	      "several runs): per metric the median and its spread (the interquartile\n"
	      "range, after the median as '±'). The change is B's median - A's. It is a\n"
	      "regression or an improvement (by the metric's polarity) only when\n"
	      "|change| >= the metric's abs gate AND |change|/|A| >= its rel gate (see\n"
	      "'ktstr-sidecar metrics') AND, with 3 or more samples on each side, the 95%\n"
	      "confidence interval of the change excludes 0: a percentile bootstrap of\n"
	      "the difference of medians, 2000 resamples with a fixed seed (so the same\n"
	      "pools give the same interval). Past the gates but inside the interval is\n"
	      "'not significant'. With fewer samples there is no interval: the gates\n"
	      "alone decide, and a note says so. Payload metrics (ID.METRIC) compare like\n"
	      "the registry's, with their definition's gates (rel_gate_tcg, when both\n"
	      "sides ran under TCG). --all lists every metric; N is the samples per side.\n"
	      "Jobs that did not pass on both sides are left out.\n"
	      "Exit: 1 on any regression, 0 otherwise, 2 bad arguments or nothing to pair.\n", f);
}

static void parse_opts(int argc, char **argv, struct cmp_opts *o)
{
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, 'd' },
		{ "metric", required_argument, NULL, 'm' },
		{ "filter", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'J' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(o->runs_dir); o->runs_dir = xstrdup(optarg); break;
		case 'm':
			if (o->nmetric == sizeof(o->metric_names) / sizeof(o->metric_names[0]))
				die(EXIT_USAGE, "too many --metric options");
			o->metric_names[o->nmetric++] = optarg;
			break;
		case 'f': {
			struct selector one;

			if (!strchr(optarg, '='))
				die(EXIT_USAGE, "--filter %s: expected KEY=VALUE", optarg);
			selector_parse(optarg, &one);
			for (size_t i = 0; i < one.n; i++) {
				if (o->filter.n == MAX_CONDS)
					die(EXIT_USAGE, "too many --filter conditions");
				o->filter.cond[o->filter.n++] = one.cond[i];
			}
			break;
		}
		case 'J': o->as_json = 1; break;
		case 'a': o->all = 1; break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die_option(c, argv, opts, "compare");
		}
	}
	operands(argc, argv, 2, 2, "compare", "two pools A B");
}

/* A metric's value in each of a side's jobs that have it. */
struct values {
	double *v;
	size_t n;
};

static void side_values(const struct metric *m, const struct side *s, struct values *out)
{
	out->v = xcalloc(s->n + 1, sizeof(*out->v));
	out->n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (metric_value(m, s->recs[i]->rec, &out->v[out->n]))
			out->n++;
}

/* payload_metrics.NAME.value: NAME holds dots ("hackbench.time"), so no path walk. */
static void payload_values(const char *name, const struct side *s, struct values *out)
{
	out->v = xcalloc(s->n + 1, sizeof(*out->v));
	out->n = 0;
	for (size_t i = 0; i < s->n; i++) {
		json_t *e = json_object_get(json_object_get(s->recs[i]->rec, "payload_metrics"), name);

		if (json_is_number(json_object_get(e, "value")))
			out->v[out->n++] = json_number_value(json_object_get(e, "value"));
	}
}

static int guard_ok(const struct metric_set *ms, const struct metric *m,
		    const struct side *a, const struct side *b)
{
	const struct side *sides[] = { a, b };
	const struct metric *g;
	int ok = 1;

	if (!m->guard_metric)
		return 1;
	g = metrics_find(ms, m->guard_metric);
	for (int i = 0; i < 2; i++) {
		struct values v;
		struct stats_summary s;

		side_values(g, sides[i], &v);
		stats_summary(v.v, v.n, &s);
		ok &= v.n > 0 && s.median >= m->guard_min;
		free(v.v);
	}
	return ok;
}

/* "10%", "1.5x", "4500 ms", "+200": the value with its unit. */
static void fmt_num(char *buf, size_t len, double v, int sign, const char *unit)
{
	int n = snprintf(buf, len, sign ? "%+.6g" : "%.6g", v);

	if (*unit && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%s",
			 strcmp(unit, "%") && strcmp(unit, "x") ? " " : "", unit);
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* What compare found for one metric of one pair of sides. */
struct change {
	struct stats_summary a, b;
	double delta, rel, lo, hi;
	int has_ci;		/* both sides have STATS_MIN_SAMPLES */
	const char *verdict;	/* regression, improvement, not_significant, none */
};

/* "12.5 s ±0.3" (the median, and the interquartile range when there are 2 or more). */
static void fmt_side(char *buf, size_t len, const struct stats_summary *s, const char *unit)
{
	char v[48], sp[48];

	fmt_num(v, sizeof(v), s->median, 0, unit);
	if (s->n < 2) {
		snprintf(buf, len, "%s", v);
		return;
	}
	snprintf(sp, sizeof(sp), "%.3g", s->iqr);
	snprintf(buf, len, "%s ±%s", v, sp);
}

static void report_change(const struct cmp_opts *o, struct table *t, const char *key,
			  const struct metric *m, const struct change *c)
{
	char sa[128], sb[128], sd[48], sr[32], sn[48], ci[96], lo[32], hi[32];

	if (o->as_json) {
		json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f}",
					"type", "compare_change", "change", c->verdict, "key", key,
					"metric", m->name, "unit", m->unit, "polarity", m->polarity,
					"a", c->a.median, "b", c->b.median, "delta", c->delta, "rel", c->rel);

		json_object_update_new(rec, json_pack("{s:I, s:I, s:f, s:f, s:o, s:o, s:s}",
			"a_n", (json_int_t)c->a.n, "b_n", (json_int_t)c->b.n,
			"a_spread", c->a.iqr, "b_spread", c->b.iqr,
			"ci_low", c->has_ci ? json_real(c->lo) : json_null(),
			"ci_high", c->has_ci ? json_real(c->hi) : json_null(),
			"ci", c->has_ci ? "bootstrap 95% of the median's change" : "too few samples"));
		ndjson_write(stdout, rec);
		json_decref(rec);
		return;
	}
	fmt_side(sa, sizeof(sa), &c->a, m->unit);
	fmt_side(sb, sizeof(sb), &c->b, m->unit);
	fmt_num(sd, sizeof(sd), c->delta, 1, m->unit);
	snprintf(sr, sizeof(sr), "%+.1f%%", c->rel * 100);
	snprintf(sn, sizeof(sn), "%zu/%zu", c->a.n, c->b.n);
	snprintf(lo, sizeof(lo), "%+.3g", c->lo);
	snprintf(hi, sizeof(hi), "%+.3g", c->hi);
	snprintf(ci, sizeof(ci), c->has_ci ? "[%s, %s]" : "-", lo, hi);
	table_add(t, !strcmp(c->verdict, "not_significant") ? "not significant" :
		  !strcmp(c->verdict, "none") ? "-" : c->verdict, key, m->name, sa, sb, sd, sr, sn, ci);
}

static int strp_cmp(const void *a, const void *b);

/*
 * One metric of one pair of sides, given each side's values: the change of
 * the median counts when it passes both gates and, with STATS_MIN_SAMPLES on
 * each side, its bootstrap interval excludes 0.
 */
static void judge_values(const struct cmp_opts *o, const char *key, const struct metric *m,
			 const struct values *va, const struct values *vb, struct table *t,
			 struct tally *tl)
{
	struct change c = { .verdict = "none" };
	int gated;

	if (!va->n || !vb->n)
		return;
	stats_summary(va->v, va->n, &c.a);
	stats_summary(vb->v, vb->n, &c.b);
	if (c.a.median == 0 && c.b.median == 0 && !o->all)
		return;
	c.delta = c.b.median - c.a.median;
	c.rel = c.a.median != 0 ? c.delta / fabs(c.a.median) : 0;
	gated = fabs(c.delta) >= m->abs_gate && fabs(c.rel) >= m->rel_gate;
	c.has_ci = va->n >= STATS_MIN_SAMPLES && vb->n >= STATS_MIN_SAMPLES;
	if (c.has_ci)
		stats_bootstrap(va->v, va->n, vb->v, vb->n, &c.lo, &c.hi);
	if (gated && (!c.has_ci || c.lo > 0 || c.hi < 0)) {
		int bad = m->higher_better ? c.delta < 0 : c.delta > 0;

		c.verdict = bad ? "regression" : "improvement";
		*(bad ? &tl->regressions : &tl->improvements) += 1;
		tl->gate_only += !c.has_ci;
	} else if (gated) {
		c.verdict = "not_significant";
		tl->not_significant++;
	} else if (!o->all) {
		return;
	}
	report_change(o, t, key, m, &c);
}

static void gate_metric(const struct cmp_opts *o, const struct metric_set *ms,
			const char *key, const struct metric *m, const struct side *a,
			const struct side *b, struct table *t, struct tally *tl)
{
	struct values va, vb;

	if (!guard_ok(ms, m, a, b))
		return;
	side_values(m, a, &va);
	side_values(m, b, &vb);
	judge_values(o, key, m, &va, &vb, t, tl);
	free(va.v);
	free(vb.v);
}

/* The members a reduce-each metric names in either side's jobs (an object used as a set). */
static json_t *each_members(const struct metric *m, const struct side *a, const struct side *b)
{
	const struct side *sides[] = { a, b };
	json_t *names = json_object(), *v;
	const char *name;

	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sides[s]->n; i++)
			json_object_foreach(metric_members(m, sides[s]->recs[i]->rec), name, v)
				json_object_set_new(names, name, json_true());
	return names;
}

/* A reduce-each metric, gated per member as "NAME[member]" (members in name order). */
static void gate_each(const struct cmp_opts *o, const struct metric_set *ms, const char *key,
		      const struct metric *m, const struct side *a, const struct side *b,
		      struct table *t, struct tally *tl)
{
	const char *star = strstr(m->path, ".*"), *name;
	json_t *names = each_members(m, a, b), *v;
	const char **sorted = xcalloc(json_object_size(names) + 1, sizeof(*sorted));
	size_t n = 0;

	json_object_foreach(names, name, v)
		sorted[n++] = name;
	qsort(sorted, n, sizeof(*sorted), strp_cmp);
	for (size_t i = 0; i < n; i++) {
		struct metric one = *m;
		char path[512], label[256];

		snprintf(path, sizeof(path), "%.*s.%s%s", (int)(star - m->path), m->path, sorted[i],
			 star + 2);
		snprintf(label, sizeof(label), "%s[%s]", m->name, sorted[i]);
		one.path = path;
		one.name = label;
		one.reduce = "value";
		gate_metric(o, ms, key, &one, a, b, t, tl);
	}
	free(sorted);
	json_decref(names);
}

/*
 * Payload metrics (payload_metrics.ID.METRIC in the records): unit, polarity
 * and gates come with the record, else the registry's payload_default gates.
 * Under TCG a metric's rel_gate_tcg, if it has one, stands for rel_gate: there
 * a benchmark's median moves more from run to run than its repeats within
 * one run show, and the interval sees only the latter.
 */
static void compare_payload_metrics(const struct cmp_opts *o, const struct metric_set *ms,
				    const char *key, const struct side *a, const struct side *b,
				    struct table *t, struct tally *tl)
{
	const struct side *sides[] = { a, b };
	json_t *names = json_object(), *v, *e = NULL;
	const char **sorted, *name;
	size_t n = 0;
	int tcg = a->n && b->n && !strcmp(rec_str(a->recs[0]->rec, "accel", ""), "tcg") &&
		  !strcmp(rec_str(b->recs[0]->rec, "accel", ""), "tcg");

	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sides[s]->n; i++)
			json_object_foreach(json_object_get(sides[s]->recs[i]->rec, "payload_metrics"), name, v)
				if (!json_object_get(names, name))
					json_object_set(names, name, v);
	sorted = xcalloc(json_object_size(names) + 1, sizeof(*sorted));
	json_object_foreach(names, name, v)
		sorted[n++] = name;
	qsort(sorted, n, sizeof(*sorted), strp_cmp);
	for (size_t i = 0; i < n; i++) {
		struct metric m = { .name = sorted[i], .reduce = "value" };
		struct values va, vb;
		int selected = !o->nmetric;

		for (size_t k = 0; k < o->nmetric; k++)
			selected |= !strcmp(o->metric_names[k], m.name);
		if (!selected)
			continue;
		e = json_object_get(names, sorted[i]);
		m.unit = rec_str(e, "unit", "");
		m.polarity = !strcmp(rec_str(e, "polarity", "lower"), "higher") ? "higher" : "lower";
		m.higher_better = !strcmp(m.polarity, "higher");
		m.abs_gate = json_is_number(json_object_get(e, "abs_gate")) ?
			     json_number_value(json_object_get(e, "abs_gate")) : ms->payload_abs_gate;
		m.rel_gate = json_is_number(json_object_get(e, "rel_gate")) ?
			     json_number_value(json_object_get(e, "rel_gate")) : ms->payload_rel_gate;
		if (tcg && json_is_number(json_object_get(e, "rel_gate_tcg")))
			m.rel_gate = json_number_value(json_object_get(e, "rel_gate_tcg"));
		payload_values(m.name, a, &va);
		payload_values(m.name, b, &vb);
		judge_values(o, key, &m, &va, &vb, t, tl);
		free(va.v);
		free(vb.v);
	}
	free(sorted);
	json_decref(names);
}

/* Every selected metric of one pair of sides. */
static void compare_pair(const struct cmp_opts *o, const struct metric_set *ms,
			 const char *key, const struct side *a, const struct side *b,
			 struct table *t, struct tally *tl)
{
	for (size_t i = 0; i < ms->n; i++) {
		const struct metric *m = &ms->v[i];
		int selected = !o->nmetric;

		for (size_t k = 0; k < o->nmetric; k++)
			selected |= !strcmp(o->metric_names[k], m->name);
		if (!selected)
			continue;
		if (!strcmp(m->reduce, "each"))
			gate_each(o, ms, key, m, a, b, t, tl);
		else
			gate_metric(o, ms, key, m, a, b, t, tl);
	}
	compare_payload_metrics(o, ms, key, a, b, t, tl);
}

/* Jobs of one pool with this pairing key. */
static void side_collect(const struct run_set *set, const char *const *keys,
			 const unsigned char *in, const char *key, struct side *s)
{
	s->recs = xcalloc(set->n + 1, sizeof(*s->recs));
	s->n = s->all = 0;
	for (size_t i = 0; i < set->n; i++) {
		if (!in[i] || strcmp(keys[i], key))
			continue;
		s->all++;
		if (!strcmp(rec_str(set->v[i].rec, "result", ""), "pass"))
			s->recs[s->n++] = &set->v[i];
	}
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct pairing keys of both pools, sorted. */
static const char **distinct_keys(char **keys, const unsigned char *ina,
				  const unsigned char *inb, size_t n, size_t *nk)
{
	const char **out = xcalloc(n + 1, sizeof(*out));

	*nk = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (!ina[i] && !inb[i])
			continue;
		for (k = 0; k < *nk && strcmp(out[k], keys[i]); k++)
			;
		if (k == *nk)
			out[(*nk)++] = keys[i];
	}
	qsort(out, *nk, sizeof(*out), strp_cmp);
	return out;
}

static void print_summary(const struct cmp_opts *o, const struct pools *p,
			  const struct tally *tl, double load_a, double load_b)
{
	char buf[256];
	const char *note = host_load_note(load_a, load_b, buf, sizeof(buf));
	json_t *rec;

	if (!o->as_json) {
		if (note)
			puts(note);
		if (tl->gate_only)
			printf("note: %zu %s judged by the gates alone: too few samples for a confidence "
			       "interval (it needs %d on each side: ktstr run --repeat)\n", tl->gate_only,
			       plural(tl->gate_only, "change", "changes"), STATS_MIN_SAMPLES);
		printf("%zu %s compared (%zu not passing on both sides, %zu only in A, "
		       "%zu only in B): %zu %s, %zu %s", tl->pairs,
		       plural(tl->pairs, "pair", "pairs"), tl->excluded, tl->only_a, tl->only_b,
		       tl->regressions, plural(tl->regressions, "regression", "regressions"),
		       tl->improvements, plural(tl->improvements, "improvement", "improvements"));
		if (tl->not_significant)
			printf(", %zu not significant", tl->not_significant);
		putchar('\n');
		return;
	}
	rec = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"type", "compare_summary", "a", p->a.text, "b", p->b.text,
			"a_jobs", (json_int_t)p->na, "b_jobs", (json_int_t)p->nb,
			"pairs", (json_int_t)tl->pairs, "excluded", (json_int_t)tl->excluded,
			"only_a", (json_int_t)tl->only_a, "only_b", (json_int_t)tl->only_b,
			"regressions", (json_int_t)tl->regressions,
			"improvements", (json_int_t)tl->improvements);
	json_object_set_new(rec, "not_significant", json_integer((json_int_t)tl->not_significant));
	json_object_set_new(rec, "gate_only", json_integer((json_int_t)tl->gate_only));
	json_object_set_new(rec, "a_host_load", load_a >= 0 ? json_real(load_a) : json_null());
	json_object_set_new(rec, "b_host_load", load_b >= 0 ? json_real(load_b) : json_null());
	ndjson_write(stdout, rec);
	json_decref(rec);
}

static void compare_pools(const struct run_set *set, const struct cmp_opts *o,
			  const struct metric_set *ms, struct pools *p, struct tally *tl)
{
	size_t nk;
	const char **keys = distinct_keys(p->keys, p->in_a, p->in_b, set->n, &nk);
	struct table t;

	table_init(&t, 9, "lllrrrrrr");
	table_add(&t, "CHANGE", "JOB", "METRIC", "A", "B", "DELTA", "REL", "N", "95% CI");
	for (size_t k = 0; k < nk; k++) {
		struct side a, b;

		side_collect(set, (const char *const *)p->keys, p->in_a, keys[k], &a);
		side_collect(set, (const char *const *)p->keys, p->in_b, keys[k], &b);
		if (!a.all)
			tl->only_b++;
		else if (!b.all)
			tl->only_a++;
		else if (!a.n || !b.n)
			tl->excluded++;
		else {
			tl->pairs++;
			compare_pair(o, ms, keys[k], &a, &b, &t, tl);
		}
		free(a.recs);
		free(b.recs);
	}
	if (!o->as_json) {
		printf("A: %s (%zu %s), B: %s (%zu %s)\n", p->a.text, p->na,
		       plural(p->na, "job", "jobs"), p->b.text, p->nb, plural(p->nb, "job", "jobs"));
		if (t.nrows > 1)
			table_print(&t, stdout);
	}
	table_free(&t);
	free(keys);
}

int cmd_compare(int argc, char **argv)
{
	struct cmp_opts o = { .runs_dir = paths_runs_dir() };
	struct run_set set = { 0 };
	struct metric_set ms = { 0 };
	struct pools p = { 0 };
	struct tally tl = { 0 };
	char *latest[2];

	parse_opts(argc, argv, &o);
	metrics_load(NULL, &ms);
	for (size_t i = 0; i < o.nmetric; i++)
		if (!metrics_find(&ms, o.metric_names[i]) && !strchr(o.metric_names[i], '.'))
			die(EXIT_USAGE, "--metric %s: unknown (see '%s metrics'; payload metrics are ID.METRIC)",
			    o.metric_names[i], die_prog());
	runs_load(o.runs_dir, &set);
	for (int i = 0; i < 2; i++) {
		const char *sel = runs_resolve_id(&set, argv[optind + i], &latest[i]);

		if (!sel)
			die(EXIT_USAGE, "%s: no runs in %s", argv[optind + i], o.runs_dir);
		selector_parse(sel, i ? &p.b : &p.a);
	}
	p.a.text = argv[optind];
	p.b.text = argv[optind + 1];
	pools_select(&set, &o.filter, o.runs_dir, &p);
	compare_pools(&set, &o, &ms, &p, &tl);
	if (!tl.pairs && !tl.excluded)
		die(EXIT_USAGE, "A and B have no jobs in common to compare "
		    "(%zu only in A, %zu only in B)", tl.only_a, tl.only_b);
	print_summary(&o, &p, &tl, pool_host_load(&set, p.in_a), pool_host_load(&set, p.in_b));
	if (fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	pools_free(&p, set.n);
	selector_free(&o.filter);
	runs_free(&set);
	metrics_free(&ms);
	free(latest[0]);
	free(latest[1]);
	free(o.runs_dir);
	return tl.regressions ? EXIT_FAIL : EXIT_PASS;
}
