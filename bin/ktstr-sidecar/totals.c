/*
 * `show --totals`: how a run of many jobs went. Its planned jobs (the run's
 * jobs.ndjson, when it has one) without a stored record count as
 * inconclusive; where failures gather is told by scenario, preset, profile
 * and kernel, so a topology, a flag or a kernel that breaks a scheduler
 * stands out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "ndjson.h"
#include "paths.h"
#include "sidecar.h"

#define NDIM 4

struct tjob {
	const char *id, *result, *dim[NDIM];	/* scenario, preset, profile, kernel */
	json_t *rec;				/* NULL: planned, never stored */
};

static const char *const dim_name[NDIM] = { "scenario", "preset", "profile", "kernel" };

/* The run's plan: job records, or an empty array when it has none. */
static json_t *load_plan(const char *run_dir)
{
	char *path = paths_join(run_dir, "jobs.ndjson");
	json_t *plan = json_array(), *rec;
	FILE *f = store_fopen_regular(path);
	struct ndjson_reader rd;

	if (f) {
		ndjson_reader_init(&rd, f, path);
		while ((rec = ndjson_read(&rd)))
			json_array_append_new(plan, rec);
		ndjson_reader_free(&rd);
		fclose(f);
	}
	free(path);
	return plan;
}

static json_t *plan_of(json_t *plan, const char *id)
{
	json_t *j;
	size_t i;

	json_array_foreach(plan, i, j)
		if (!strcmp(rec_str(j, "id", ""), id))
			return j;
	return NULL;
}

static void fill_dims(struct tjob *t, json_t *job, json_t *rec, char *profile, size_t len)
{
	json_t *pl = json_object_get(job, "plan");

	t->dim[0] = rec ? rec_str(rec, "test", "?") : rec_str(job, "test", "?");
	t->dim[1] = rec_str(pl, "preset", rec ? rec_str(rec, "topo", "?") :
			    rec_str(json_object_get(job, "topo"), "name", "?"));
	if (rec_str(pl, "profile", NULL)) {
		t->dim[2] = rec_str(pl, "profile", NULL);
	} else {
		rec_flags(rec, profile, len);
		t->dim[2] = *profile ? profile : "default";
	}
	t->dim[3] = rec_str(json_object_get(rec ? rec : job, "kernel"), "id", "?");
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct tjob *)a)->id, ((const struct tjob *)b)->id);
}

/* "failed by preset: smt-2llc 3/3, tiny-1llc 1/14" when that dimension has more than one value. */
static void clusters(const struct tjob *t, size_t n, int d, json_t *out, int as_json)
{
	const char **seen = xcalloc(n + 1, sizeof(*seen));
	size_t nseen = 0, printed = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < nseen && strcmp(seen[k], t[i].dim[d]); k++)
			;
		if (k == nseen)
			seen[nseen++] = t[i].dim[d];
	}
	for (size_t k = 0; k < nseen && nseen > 1; k++) {
		size_t jobs = 0, failed = 0;

		for (size_t i = 0; i < n; i++)
			if (!strcmp(t[i].dim[d], seen[k])) {
				jobs++;
				failed += !strcmp(t[i].result, "fail");
			}
		if (!failed)
			continue;
		if (as_json)
			json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:I}", "by", dim_name[d],
							     "value", seen[k], "failed", (json_int_t)failed,
							     "jobs", (json_int_t)jobs));
		else if (printed++)
			printf(", %s %zu/%zu", seen[k], failed, jobs);
		else
			printf("failed by %s: %s %zu/%zu", dim_name[d], seen[k], failed, jobs);
	}
	if (printed)
		putchar('\n');
	free(seen);
}

int totals_print(const char *run_dir, const char *run_id, json_t **recs, size_t n, int as_json)
{
	json_t *plan = load_plan(run_dir), *j, *failures = json_array(), *cl = json_array();
	size_t np = json_array_size(plan), nt = 0, i, count[4] = { 0 };
	struct tjob *t = xcalloc(n + np + 1, sizeof(*t));
	char (*prof)[256] = xcalloc(n + np + 1, sizeof(*prof));
	static const char *const result_names[4] = { "skip", "pass", "inconclusive", "fail" };
	int worst = -1;

	for (i = 0; i < n; i++, nt++) {
		t[nt].rec = recs[i];
		t[nt].id = rec_str(recs[i], "job", "?");
		t[nt].result = rec_str(recs[i], "result", "inconclusive");
		fill_dims(&t[nt], plan_of(plan, t[nt].id), recs[i], prof[nt], sizeof(prof[nt]));
	}
	json_array_foreach(plan, i, j) {
		size_t k;

		for (k = 0; k < n && strcmp(t[k].id, rec_str(j, "id", "")); k++)
			;
		if (k < n)
			continue;
		t[nt].id = rec_str(j, "id", "?");
		t[nt].result = "inconclusive";
		fill_dims(&t[nt], j, NULL, prof[nt], sizeof(prof[nt]));
		nt++;
	}
	qsort(t, nt, sizeof(*t), by_id);
	for (i = 0; i < nt; i++) {
		int r = result_rank(t[i].result);
		json_t *d0 = rec_first_failure(t[i].rec);
		const char *kind = rec_str(d0, "kind", NULL), *msg = rec_str(d0, "message", NULL);

		if (r < 0)
			r = 2;
		count[r]++;
		if (r > worst)
			worst = r;
		if (r < 2)
			continue;
		if (!t[i].rec)
			kind = NULL, msg = "no verdict stored (the job did not finish)";
		else if (r == 2 || !kind)
			kind = NULL, msg = rec_str(t[i].rec, "reason", "");
		if (as_json) {
			json_t *f = json_pack("{s:s, s:s, s:s}", "job", t[i].id, "result", result_names[r],
					      "message", msg ? msg : "");

			if (kind)
				json_object_set_new(f, "kind", json_string(kind));
			json_array_append_new(failures, f);
		} else {
			printf("%s %s: %s%s%.*s\n", r == 3 ? "FAIL" : "INCONCLUSIVE", t[i].id,
			       kind ? kind : "", kind ? ": " : "", (int)strcspn(msg ? msg : "", "\n"),
			       msg ? msg : "");
		}
	}
	for (int d = 0; d < NDIM; d++)
		clusters(t, nt, d, cl, as_json);
	if (as_json) {
		json_t *s = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "type", "summary",
				      "run", run_id, "jobs", (json_int_t)nt, "passed", (json_int_t)count[1],
				      "failed", (json_int_t)count[3], "skipped", (json_int_t)count[0],
				      "inconclusive", (json_int_t)count[2], "failures", failures,
				      "clusters", cl);

		ndjson_write(stdout, s);
		json_decref(s);
	} else {
		printf("%zu passed, %zu failed, %zu skipped, %zu inconclusive\n", count[1], count[3],
		       count[0], count[2]);
		json_decref(failures);
		json_decref(cl);
	}
	json_decref(plan);
	free(t);
	free(prof);
	return result_status(worst);
}
