/* `show`: a run (or some of its jobs) as a readable report. */
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "maprec.h"
#include "ndjson.h"
#include "paths.h"
#include "repro.h"
#include "sidecar.h"

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar show [--runs-dir DIR] [--json] [--totals] [--brief]\n"
	      "                           [--tap] [--junit FILE] RUN|latest [TEST|JOB]\n"
	      "Report a run's jobs: test, scheduler, topology, kernel, accel, result,\n"
	      "failed checks, per-cgroup stats, logs. TEST|JOB picks jobs by test\n"
	      "name or job id. --json prints the stored records, one per line.\n"
	      "--totals: the failed and inconclusive jobs (planned ones never stored\n"
	      "count as inconclusive), where failures gather by scenario, preset and\n"
	      "profile, and 'N passed, N failed, N skipped, N inconclusive'; with\n"
	      "--json one \"summary\" record. Exit as the run went: 0, 1 a job failed,\n"
	      "3 one inconclusive, 77 every job skipped.\n"
	      "--brief: the result as 'ktstr run' prints it, from the run's stream.ndjson\n"
	      "(the verdict, its details; for a job that did not pass also cgroups,\n"
	      "monitor, scheduler output, console and sched_ext dumps).\n"
	      "--tap: the jobs as TAP (version 13, details in YAML blocks) instead;\n"
	      "--junit FILE: also write them as JUnit XML to FILE.\n", f);
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void print_upper(const char *s)
{
	for (; *s; s++)
		putchar(toupper((unsigned char)*s));
}

static void print_scheduler(json_t *rec)
{
	json_t *args = json_object_get(json_object_get(rec, "scheduler"), "args"), *a;
	char flags[512];
	size_t i;

	printf("  scheduler  %s", rec_scheduler(rec));
	json_array_foreach(args, i, a)
		printf(" %s", json_string_value(a) ? json_string_value(a) : "?");
	rec_flags(rec, flags, sizeof(flags));
	if (*flags)
		printf(" (flags %s)", flags);
	putchar('\n');
}

static void print_vm(json_t *rec)
{
	json_t *k = json_object_get(rec, "kernel"), *vm = json_object_get(rec, "vm");
	const char *id = rec_str(k, "id", NULL), *rel = rec_str(k, "release", NULL);

	printf("  kernel     %s", rel ? rel : id ? id : "?");
	if (rel && id && strcmp(rel, id))
		printf(" (cache id %s)", id);
	printf("\n  accel      %s", rec_str(rec, "accel", "?"));
	if (json_is_number(json_object_get(vm, "wall_ms")))
		printf(", VM %.1f s", num(vm, "wall_ms") / 1000.0);
	if (rec_str(vm, "exit_reason", NULL))
		printf(", exit %s", rec_str(vm, "exit_reason", ""));
	putchar('\n');
}

static void print_details(json_t *rec)
{
	json_t *details = json_object_get(rec, "details"), *d;
	size_t i;

	if (!json_array_size(details))
		return;
	puts(!strcmp(rec_str(rec, "result", ""), "fail") ? "  failed checks:" : "  details:");
	json_array_foreach(details, i, d)
		printf("    %s: %s\n", rec_str(d, "kind", "?"), rec_str(d, "message", ""));
}

static void print_stats(json_t *stats)
{
	const char *name;
	json_t *cg;

	if (!json_is_object(stats))
		return;
	/* counts as numbers: a record's may be past any integer (a cast would be undefined) */
	printf("  stats: %.0f workers, %.0f work units\n",
	       num(stats, "workers"), num(stats, "total_work_units"));
	json_object_foreach(json_object_get(stats, "cgroups"), name, cg)
		printf("    %s: %.0f workers, %.0f work units, off-CPU %.1f-%.1f%% "
		       "(spread %.1f%%), max gap %.0f ms\n", name,
		       num(cg, "num_workers"),
		       num(cg, "total_work_units"),
		       num(cg, "min_off_cpu_pct"), num(cg, "max_off_cpu_pct"),
		       num(cg, "spread_pct"), num(cg, "max_gap_ms"));
}

/* The monitor summary's scalar fields, as they are. */
static void print_monitor(json_t *mon)
{
	const char *key;
	json_t *v;
	int n = 0;

	if (!json_is_object(mon))
		return;
	printf("  monitor:");
	json_object_foreach(mon, key, v) {
		char *s;

		if (json_is_object(v) || json_is_array(v))
			continue;
		if (json_is_real(v)) {	/* 0.944, not 0.94399999999999995 */
			printf("%s %s=%g", n++ ? "," : "", key, json_real_value(v));
			continue;
		}
		s = json_dumps(v, JSON_ENCODE_ANY | NDJSON_REALS);
		printf("%s %s=%s", n++ ? "," : "", key, s ? s : "?");
		free(s);
	}
	putchar('\n');
}

/* What the verifier processed to load each of the scheduler's BPF programs, and the total. */
static void print_verified(json_t *mon)
{
	json_t *progs = json_object_get(mon, "progs"), *p, *v;
	long long total = 0;
	const char *name;
	int n = 0;

	json_object_foreach(progs, name, p)	/* a record's counts may be anything: saturate */
		if (json_is_integer(v = json_object_get(p, "verified_insns")) &&
		    __builtin_add_overflow(total, (long long)json_integer_value(v), &total))
			total = json_integer_value(v) > 0 ? LLONG_MAX : LLONG_MIN;
	json_object_foreach(progs, name, p) {
		if (!json_is_integer(v = json_object_get(p, "verified_insns")))
			continue;
		if (!n++)
			printf("  verified   %lld insns:", total);
		printf("%s %s %lld", n > 1 ? "," : "", name, (long long)json_integer_value(v));
	}
	if (n)
		putchar('\n');
}

/* A number as %g prints it, or "-" when absent. */
static void put_metric(const char *label, json_t *v, const char *unit)
{
	if (json_is_number(v))
		printf(", %s %g%s", label, json_number_value(v), unit);
}

/* The run step by step, and what changed past the timeline thresholds. */
static void print_timeline(json_t *tl)
{
	json_t *e, *c;
	size_t i, k;

	if (!json_array_size(tl))
		return;
	puts("  timeline:");
	json_array_foreach(tl, i, e) {
		printf("    step %lld (%s): %lld samples", rec_step_no(json_object_get(e, "step")),
		       rec_str(e, "op", "?"),
		       (long long)json_integer_value(json_object_get(e, "samples")));
		put_metric("imbalance", json_object_get(e, "avg_imbalance_ratio"), "");
		put_metric("local DSQ", json_object_get(e, "avg_local_dsq_depth"), "");
		put_metric("run delay", json_object_get(e, "avg_run_delay_us"), " us");
		put_metric("fallback", json_object_get(e, "fallback_rate"), "/s");
		put_metric("keep-last", json_object_get(e, "keep_last_rate"), "/s");
		put_metric("work", json_object_get(e, "work_rate"), "/s");
		put_metric("slowest worker", json_object_get(e, "slowest_worker_pct"), "%");
		putchar('\n');
		json_array_foreach(json_object_get(e, "changes"), k, c) {
			printf("      ");
			print_upper(rec_str(c, "change", "?"));
			printf(": %s %g -> %g\n", rec_str(c, "metric", "?"),
			       json_number_value(json_object_get(c, "from")),
			       json_number_value(json_object_get(c, "to")));
		}
	}
}

/* The kernel's sched_ext dumps: what triggered each, its first lines, and the file with all of it. */
static void print_dumps(json_t *rec, const char *rec_path)
{
	const char *slash = strrchr(rec_path, '/');
	int dirlen = slash ? (int)(slash - rec_path) : 1;
	json_t *d, *line;
	size_t i, k;

	json_array_foreach(json_object_get(rec, "dumps"), i, d) {
		long long n = (long long)json_integer_value(json_object_get(d, "lines"));
		const char *reason = rec_str(d, "reason", NULL), *msg = rec_str(d, "message", NULL);

		printf("  sched_ext dump %lld (%s", (long long)json_integer_value(json_object_get(d, "dump")),
		       rec_str(d, "trigger", "?"));
		if (reason)
			printf(": %s", reason);
		if (msg && *msg)
			printf(": %s", msg);
		printf("), first %zu of %lld lines%s:\n", json_array_size(json_object_get(d, "head")), n,
		       json_is_false(json_object_get(d, "complete")) ? " (incomplete: lines were lost)" : "");
		json_array_foreach(json_object_get(d, "head"), k, line)
			printf("    | %s\n", json_string_value(line) ? json_string_value(line) : "");
		printf("    whole dump: %.*s/%s\n", slash ? dirlen : 1, slash ? rec_path : ".",
		       rec_str(d, "file", "?"));
	}
}

static void print_job(const struct run_rec *r)
{
	json_t *rec = r->rec;
	const char *reason = rec_str(rec, "reason", NULL);

	printf("\n%s on %s under %s: ", rec_str(rec, "test", "?"), rec_str(rec, "topo", "?"),
	       rec_scheduler(rec));
	print_upper(rec_str(rec, "result", "?"));
	putchar('\n');
	if (reason)
		printf("  reason     %s\n", reason);
	printf("  job        %s\n", rec_str(rec, "job", "?"));
	print_scheduler(rec);
	print_vm(rec);
	print_details(rec);
	print_stats(json_object_get(rec, "stats"));
	print_monitor(json_object_get(rec, "monitor"));
	print_timeline(json_object_get(rec, "timeline"));
	maprec_print(json_object_get(rec, "maps"));
	print_verified(json_object_get(rec, "monitor"));
	print_dumps(rec, r->path);
	if (json_is_object(json_object_get(rec, "repro")))
		repro_print(stdout, json_object_get(rec, "repro"));
	printf("  console    %s\n",
	       rec_str(json_object_get(rec, "logs"), "console_log", "(none)"));
	printf("  record     %s\n", r->path);
}

static int job_matches(json_t *rec, const char *which)
{
	return !which || !strcmp(rec_str(rec, "job", ""), which) ||
	       !strcmp(rec_str(rec, "test", ""), which);
}

static int shown_jobs(const struct run_set *set, const char *id, const char *which)
{
	int n = 0;

	for (size_t i = 0; i < set->n; i++)
		n += !strcmp(set->v[i].run_id, id) && job_matches(set->v[i].rec, which);
	return n;
}

static void print_header(const struct run_set *set, const char *id)
{
	const char *started = NULL, *commit = NULL;

	for (size_t i = 0; i < set->n; i++) {
		const char *st = rec_str(set->v[i].rec, "started_at", NULL);

		if (strcmp(set->v[i].run_id, id))
			continue;
		if (st && (!started || strcmp(st, started) < 0))
			started = st;
		if (!commit)
			commit = rec_str(set->v[i].rec, "project_commit", NULL);
	}
	printf("run %s (started %s, commit %s)\n", id, started ? started : "?",
	       commit ? commit : "unknown");
}

/* --tap on stdout and/or --junit FILE: the run's matching jobs in file name order. */
static void show_reports(struct run_set *set, const char *id, const char *which, int tap,
			 const char *junit_path)
{
	struct junit j;
	size_t n = 0;
	char err[1024];

	junit_init(&j);
	if (tap)
		tap_start(stdout);
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->v[i].run_id, id) || !job_matches(set->v[i].rec, which))
			continue;
		if (tap)
			tap_line(stdout, ++n, set->v[i].rec);
		junit_add(&j, set->v[i].rec);
	}
	if (tap)
		tap_plan(stdout, n);
	if (junit_path && junit_write(&j, junit_path, err, sizeof(err)) < 0)
		die(EXIT_INCONCLUSIVE, "--junit: %s", err);
	junit_free(&j);
}

/* --totals: the run's counts and failures; its exit status is the run's. */
static int show_totals(char *runs_dir, struct run_set *set, const char *id, int as_json)
{
	char *dir = paths_join(runs_dir, id), *jobs = paths_join(dir, "jobs.ndjson");
	json_t **recs = xcalloc(set->n + 1, sizeof(*recs));
	size_t n = 0;
	int rc;
	FILE *f;

	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].run_id, id))
			recs[n++] = set->v[i].rec;
	if (!n && !(f = store_fopen_regular(jobs)))
		die(EXIT_USAGE, "no run '%s' in %s", id, runs_dir);
	else if (!n)
		fclose(f);
	rc = totals_print(dir, id, recs, n, as_json);
	if (fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	free(recs);
	free(dir);
	free(jobs);
	runs_free(set);
	free(runs_dir);
	return rc;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'J' },
		{ "totals", no_argument, NULL, 'T' },
		{ "brief", no_argument, NULL, 'B' },
		{ "tap", no_argument, NULL, 't' },
		{ "junit", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *runs_dir = paths_runs_dir(), *owned;
	struct run_set set = { 0 };
	const char *id, *which, *junit_path = NULL;
	int c, as_json = 0, shown = 0, totals = 0, brief = 0, tap = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(runs_dir); runs_dir = xstrdup(optarg); break;
		case 'J': as_json = 1; break;
		case 'T': totals = 1; break;
		case 'B': brief = 1; break;
		case 't': tap = 1; break;
		case 'j': junit_path = optarg; break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die_option(c, argv, opts, "show");
		}
	}
	operands(argc, argv, 1, 2, "show", "RUN [TEST|JOB]");
	if (junit_path)
		junit_check(junit_path);
	which = argc - optind == 2 ? argv[optind + 1] : NULL;
	if ((tap || junit_path) && (as_json || totals || brief))
		die(EXIT_USAGE, "show: --tap and --junit go without --json, --totals and --brief");
	if (brief) {	/* from the run's stream: no need to load every run record */
		if (as_json || totals)
			die(EXIT_USAGE, "show: --brief goes without --json and --totals");
		c = show_brief(runs_dir, argv[optind], which);
		free(runs_dir);
		return c;
	}
	runs_load(runs_dir, &set);
	id = runs_resolve_id(&set, argv[optind], &owned);
	if (totals)
		return show_totals(runs_dir, &set, id, as_json);
	for (size_t i = 0; id && i < set.n; i++)
		if (!strcmp(set.v[i].run_id, id))
			shown += 1 + job_matches(set.v[i].rec, which);
	if (!shown)
		die(EXIT_USAGE, "no run '%s' in %s", argv[optind], runs_dir);
	if (which && !shown_jobs(&set, id, which))
		die(EXIT_USAGE, "run %s has no job or test '%s'", id, which);
	if (tap || junit_path)
		show_reports(&set, id, which, tap, junit_path);
	else if (!as_json)
		print_header(&set, id);
	for (size_t i = 0; i < set.n && !tap && !junit_path; i++) {
		if (strcmp(set.v[i].run_id, id) || !job_matches(set.v[i].rec, which))
			continue;
		if (as_json)
			ndjson_write(stdout, set.v[i].rec);
		else
			print_job(&set.v[i]);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	free(owned);
	runs_free(&set);
	free(runs_dir);
	return EXIT_PASS;
}
