/* `list`: one line per run, newest first. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "ndjson.h"
#include "paths.h"
#include "sidecar.h"

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar list [--runs-dir DIR] [--json]\n"
	      "Runs newest first: id, start time, jobs, results, kernels, schedulers.\n"
	      "  --json  one {\"type\":\"run_summary\",...} record per run\n", f);
}

/* Append s to a JSON array unless it is there already. */
static void add_distinct(json_t *arr, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v), s))
			return;
	json_array_append_new(arr, json_string(s));
}

/* The summary of one run's records. */
static json_t *summarize(const struct run_set *set, const char *id)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:[], s:[], s:n}",
			      "type", "run_summary", "run_id", id, "started_at", "",
			      "jobs", 0, "pass", 0, "fail", 0, "skip", 0, "inconclusive", 0,
			      "kernels", "schedulers", "project_commit");

	for (size_t i = 0; i < set->n; i++) {
		json_t *rec = set->v[i].rec, *commit = json_object_get(rec, "project_commit");
		const char *st = rec_str(rec, "started_at", ""), *res = rec_str(rec, "result", "");
		const char *first = rec_str(s, "started_at", "");

		if (strcmp(set->v[i].run_id, id))
			continue;
		if (!*first || (*st && strcmp(st, first) < 0))
			json_object_set_new(s, "started_at", json_string(st));
		json_object_set_new(s, "jobs", json_integer(json_integer_value(
						       json_object_get(s, "jobs")) + 1));
		if (json_object_get(s, res))
			json_object_set_new(s, res, json_integer(json_integer_value(
							    json_object_get(s, res)) + 1));
		add_distinct(json_object_get(s, "kernels"), rec_kernel(rec));
		add_distinct(json_object_get(s, "schedulers"), rec_scheduler(rec));
		if (json_is_string(commit))
			json_object_set(s, "project_commit", commit);
	}
	return s;
}

static char *joined(json_t *arr)
{
	size_t i, len = 1;
	json_t *v;
	char *out;

	json_array_foreach(arr, i, v)
		len += strlen(json_string_value(v)) + 1;
	out = xcalloc(1, len);
	json_array_foreach(arr, i, v) {
		if (i)
			strcat(out, ",");
		strcat(out, json_string_value(v));
	}
	return out;
}

static void add_row(struct table *t, json_t *s)
{
	char n[5][24];
	const char *keys[] = { "jobs", "pass", "fail", "skip", "inconclusive" };
	char *k = joined(json_object_get(s, "kernels"));
	char *sc = joined(json_object_get(s, "schedulers"));

	for (int i = 0; i < 5; i++)
		snprintf(n[i], sizeof(n[i]), "%lld",
			 (long long)json_integer_value(json_object_get(s, keys[i])));
	table_add(t, rec_str(s, "run_id", ""), rec_str(s, "started_at", ""), n[0], n[1],
		  n[2], n[3], n[4], k, sc);
	free(k);
	free(sc);
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *runs_dir = paths_runs_dir(), **ids;
	struct run_set set = { 0 };
	int c, as_json = 0;
	struct table t;
	size_t n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(runs_dir); runs_dir = xstrdup(optarg); break;
		case 'J': as_json = 1; break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die_option(c, argv, opts, "list");
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "list: unexpected argument '%s'", argv[optind]);
	runs_load(runs_dir, &set);
	ids = runs_ids_newest_first(&set, &n);
	table_init(&t, 9, "llrrrrrll");
	table_add(&t, "RUN", "STARTED", "JOBS", "PASS", "FAIL", "SKIP", "INC", "KERNEL",
		  "SCHEDULER");
	for (size_t i = 0; i < n; i++) {
		json_t *s = summarize(&set, ids[i]);

		if (as_json)
			ndjson_write(stdout, s);
		else
			add_row(&t, s);
		json_decref(s);
	}
	if (!n)
		warnmsg("no runs in %s", runs_dir);
	else if (!as_json)
		table_print(&t, stdout);
	table_free(&t);
	runs_ids_free(ids, n);
	runs_free(&set);
	free(runs_dir);
	if (fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	return EXIT_PASS;
}
