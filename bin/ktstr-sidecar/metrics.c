/* The metric registry: name, polarity, gates, and where the value lives. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "ndjson.h"
#include "paths.h"
#include "sidecar.h"

/* "each": the path's one '*' names members that compare gates one by one. */
static const char *const reducers[] = { "max", "min", "sum", "value", "each", NULL };

static int in_list(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* One registry entry into m; dies naming the file and entry when malformed. */
static void metric_parse(const char *path, size_t i, json_t *e, struct metric *m)
{
	static const char *const pol[] = { "lower", "higher", NULL };
	json_t *guard = json_object_get(e, "skip_unless");

	m->name = rec_str(e, "name", NULL);
	m->polarity = rec_str(e, "polarity", NULL);
	m->unit = rec_str(e, "unit", "");
	m->path = rec_str(e, "path", NULL);
	m->reduce = rec_str(e, "reduce", "value");
	m->abs_gate = json_number_value(json_object_get(e, "abs_gate"));
	m->rel_gate = json_number_value(json_object_get(e, "rel_gate"));
	if (!m->name || !m->path || !in_list(m->polarity, pol) ||
	    !in_list(m->reduce, reducers) ||
	    !json_is_number(json_object_get(e, "abs_gate")) ||
	    !json_is_number(json_object_get(e, "rel_gate")) || m->abs_gate < 0 ||
	    m->rel_gate < 0)
		die(EXIT_USAGE, "%s: metrics[%zu]: needs name, path, polarity lower|higher, "
		    "abs_gate >= 0, rel_gate >= 0, reduce max|min|sum|value|each", path, i);
	if (!strcmp(m->reduce, "each") &&
	    (!strstr(m->path, ".*") || strchr(strstr(m->path, ".*") + 2, '*')))
		die(EXIT_USAGE, "%s: metrics[%zu]: reduce each needs one '.*' in its path", path, i);
	m->higher_better = !strcmp(m->polarity, "higher");
	if (guard) {
		m->guard_metric = rec_str(guard, "metric", NULL);
		m->guard_min = json_number_value(json_object_get(guard, "at_least"));
		if (!m->guard_metric)
			die(EXIT_USAGE, "%s: metrics[%zu]: skip_unless needs a metric", path, i);
	}
}

void metrics_load(const char *path, struct metric_set *ms)
{
	char *def = NULL, *share;
	json_error_t jerr;
	json_t *arr, *e;
	size_t i;

	if (!path) {
		share = paths_share_dir();
		def = paths_join(share, "metrics.json");
		free(share);
		path = def;
	}
	ms->doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!ms->doc)
		die(EXIT_USAGE, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	arr = json_object_get(ms->doc, "metrics");
	if (!json_is_array(arr))
		die(EXIT_USAGE, "%s: no \"metrics\" array", path);
	ms->n = json_array_size(arr);
	ms->v = xcalloc(ms->n + 1, sizeof(*ms->v));
	json_array_foreach(arr, i, e)
		metric_parse(path, i, e, &ms->v[i]);
	for (i = 0; i < ms->n; i++)
		if (ms->v[i].guard_metric && !metrics_find(ms, ms->v[i].guard_metric))
			die(EXIT_USAGE, "%s: %s: skip_unless names unknown metric '%s'", path,
			    ms->v[i].name, ms->v[i].guard_metric);
	ms->payload_abs_gate = 0;
	ms->payload_rel_gate = 0.05;
	if ((e = json_object_get(ms->doc, "payload_default"))) {
		if (!json_is_number(json_object_get(e, "abs_gate")) || !json_is_number(json_object_get(e, "rel_gate")))
			die(EXIT_USAGE, "%s: payload_default needs abs_gate and rel_gate", path);
		ms->payload_abs_gate = json_number_value(json_object_get(e, "abs_gate"));
		ms->payload_rel_gate = json_number_value(json_object_get(e, "rel_gate"));
	}
	free(def);
}

void metrics_free(struct metric_set *ms)
{
	free(ms->v);
	json_decref(ms->doc);
}

const struct metric *metrics_find(const struct metric_set *ms, const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->v[i].name, name))
			return &ms->v[i];
	return NULL;
}

struct reduction {
	const char *how;
	double acc;
	size_t n;
};

static void reduce_one(struct reduction *r, double v)
{
	if (!r->n)
		r->acc = v;
	else if ((!strcmp(r->how, "max") || !strcmp(r->how, "each")) && v > r->acc)
		r->acc = v;
	else if (!strcmp(r->how, "min") && v < r->acc)
		r->acc = v;
	else if (!strcmp(r->how, "sum"))
		r->acc += v;
	r->n++;	/* "value": the first one found */
}

static void walk(json_t *node, const char *path, struct reduction *r);

/* A child found by the path: a leaf number, or more path to follow. */
static void visit(json_t *child, const char *rest, struct reduction *r)
{
	if (rest)
		walk(child, rest, r);
	else if (json_is_number(child))
		reduce_one(r, json_number_value(child));
}

/* Walk "a.b.*.c" from node; '*' is every member of an object or array. */
static void walk(json_t *node, const char *path, struct reduction *r)
{
	const char *dot = strchr(path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path);
	const char *rest = dot ? dot + 1 : NULL, *key;
	char seg[128];
	json_t *child;
	size_t i;

	if (len >= sizeof(seg))
		return;
	memcpy(seg, path, len);
	seg[len] = '\0';
	if (strcmp(seg, "*")) {
		child = json_object_get(node, seg);
		if (child)
			visit(child, rest, r);
	} else if (json_is_object(node)) {
		json_object_foreach(node, key, child)
			visit(child, rest, r);
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			visit(child, rest, r);
	}
}

int metric_value(const struct metric *m, json_t *rec, double *out)
{
	struct reduction r = { .how = m->reduce };

	walk(rec, m->path, &r);
	*out = r.acc;
	return r.n > 0;
}

json_t *metric_members(const struct metric *m, json_t *rec)
{
	const char *star = strstr(m->path, ".*");
	char prefix[256];
	json_t *node = rec;

	if (!star || (size_t)(star - m->path) >= sizeof(prefix))
		return NULL;
	memcpy(prefix, m->path, (size_t)(star - m->path));
	prefix[star - m->path] = '\0';
	for (char *seg = prefix, *dot; node && seg; seg = dot ? dot + 1 : NULL) {
		if ((dot = strchr(seg, '.')))
			*dot = '\0';
		node = json_object_get(node, seg);
	}
	return json_is_object(node) ? node : NULL;
}

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar metrics [--json]\n"
	      "The metrics compare gates on (share/ktstr/metrics.json): a change is a\n"
	      "regression or improvement only when |B-A| >= abs_gate AND |B-A|/|A| >= rel_gate\n"
	      "(and, with 3 samples a side, the change's confidence interval excludes 0).\n",
	      f);
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct metric_set ms = { 0 };
	int c, as_json = 0;
	struct table t;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'J': as_json = 1; break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die_option(c, argv, opts, "metrics");
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "metrics: unexpected argument '%s'", argv[optind]);
	metrics_load(NULL, &ms);
	table_init(&t, 6, "llrrll");
	table_add(&t, "METRIC", "BETTER", "ABS", "REL", "UNIT", "PATH");
	for (size_t i = 0; i < ms.n; i++) {
		json_t *e = json_array_get(json_object_get(ms.doc, "metrics"), i);
		char a[32], r[32];

		if (as_json) {
			ndjson_write(stdout, e);
			continue;
		}
		snprintf(a, sizeof(a), "%g", ms.v[i].abs_gate);
		snprintf(r, sizeof(r), "%g%%", ms.v[i].rel_gate * 100);
		table_add(&t, ms.v[i].name, ms.v[i].polarity, a, r, ms.v[i].unit,
			  ms.v[i].path);
	}
	if (!as_json) {
		table_print(&t, stdout);
		printf("Payload metrics (ID.METRIC, share/ktstr/payloads): polarity and unit from their "
		       "definition; gates too, else abs %g, rel %g%%.\n", ms.payload_abs_gate,
		       ms.payload_rel_gate * 100);
	}
	table_free(&t);
	metrics_free(&ms);
	return fflush(stdout) == EOF ? EXIT_INCONCLUSIVE : EXIT_PASS;
}
