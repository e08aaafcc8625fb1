/*
 * `show --brief`: a run's result as `ktstr run` prints it: the verdict line, its
 * details, and for a job that did not pass what helps to see why. It reads the
 * run's stream.ndjson, not the stored run records: the console lines, the
 * scheduler's output and the dumps' parts are only in the stream. Its text is
 * what `ktstr run` printed when a jq program made it, value for value (jqval.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "ids.h"
#include "jqval.h"
#include "ndjson.h"
#include "paths.h"
#include "repro.h"
#include "runrec.h"
#include "sidecar.h"
#include "stream.h"

#define CONSOLE_LINES 10	/* the console's last lines */
#define SCHED_LINES 10		/* the scheduler's last output lines */

/* What the brief needs from the stream, gathered in one pass. */
struct brief {
	const char *job;	/* only this job's records; NULL: all of them */
	size_t matched;		/* records of that job */
	json_t *verdict;	/* the first verdict */
	json_t *monitor;	/* the first monitor summary */
	json_t *sched;		/* the last sched record with a log_tail */
	json_t *console;	/* the last CONSOLE_LINES console records */
	json_t *dumps;		/* every dump record (a dump comes in parts) */
	json_t *stored;		/* the run records' dumps: where each is stored */
	json_t *repro;		/* the first repro record: what a traced rerun saw */
};

static int is_type(json_t *rec, const char *type)
{
	return !strcmp(ndjson_type(rec), type);
}

/* The job a record belongs to (a job record names itself by "id"). */
static const char *job_of(json_t *rec)
{
	return rec_str(rec, is_type(rec, "job") ? "id" : "job", NULL);
}

static void keep(json_t **slot, json_t *rec)
{
	json_decref(*slot);
	*slot = json_incref(rec);
}

static void note(struct brief *b, json_t *rec)
{
	const char *job = job_of(rec);

	if (b->job && (!job || strcmp(job, b->job)))
		return;
	b->matched++;
	if (is_type(rec, "verdict") && !b->verdict)
		keep(&b->verdict, rec);
	else if (is_type(rec, "monitor") && !b->monitor)
		keep(&b->monitor, rec);
	else if (is_type(rec, "sched") && jq_truthy(json_object_get(rec, "log_tail")))
		keep(&b->sched, rec);
	else if (is_type(rec, "console")) {
		json_array_append(b->console, rec);
		if (json_array_size(b->console) > CONSOLE_LINES)
			json_array_remove(b->console, 0);
	} else if (is_type(rec, "dump")) {
		json_array_append(b->dumps, rec);
	} else if (is_type(rec, "repro") && !b->repro) {
		keep(&b->repro, rec);
	} else if (is_type(rec, "run")) {
		json_t *where = jq_values(json_object_get(rec, "dumps"));

		json_array_extend(b->stored, where);
		json_decref(where);
	}
}

static void read_stream(struct brief *b, FILE *f, const char *path)
{
	struct ndjson_reader rd;
	json_t *rec;

	ndjson_reader_init(&rd, f, path);
	while ((rec = ndjson_read(&rd))) {
		note(b, rec);
		json_decref(rec);
	}
	ndjson_reader_free(&rd);
}

/* The job of the first verdict for the job or test which, else which itself (malloc'd). */
static char *resolve_job(FILE *f, const char *path, const char *which)
{
	struct ndjson_reader rd;
	char *job = NULL;
	json_t *rec;

	ndjson_reader_init(&rd, f, path);
	while (!job && (rec = ndjson_read(&rd))) {
		if (is_type(rec, "verdict") && job_of(rec) &&
		    (!strcmp(job_of(rec), which) || !strcmp(rec_str(rec, "test", ""), which)))
			job = xstrdup(job_of(rec));
		json_decref(rec);
	}
	ndjson_reader_free(&rd);
	rewind(f);
	return job ? job : xstrdup(which);
}

static void print_verdict(json_t *v)
{
	json_t *result = json_object_get(v, "result"), *d, *details;
	const char *s;
	size_t i;

	jq_put(json_object_get(v, "test"), stdout);
	jq_put_in(" on ", json_object_get(v, "topo"), stdout);
	jq_put_in(" under ", json_object_get(v, "scheduler"), stdout);
	fputs(": ", stdout);
	if (json_is_string(result))	/* ascii_upcase */
		for (s = json_string_value(result); *s; s++)
			putchar(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	else
		jq_put(result, stdout);
	if (jq_truthy(json_object_get(v, "reason"))) {
		fputs(" (", stdout);
		jq_put(json_object_get(v, "reason"), stdout);
		putchar(')');
	}
	putchar('\n');
	/* each detail's first line; jq split "" into no lines, so an empty message is null */
	details = jq_values(json_object_get(v, "details"));
	json_array_foreach(details, i, d) {
		json_t *msg = json_object_get(d, "message");

		jq_put_in("  ", json_object_get(d, "kind"), stdout);
		fputs(": ", stdout);
		if (json_is_string(msg) && json_string_length(msg))
			fwrite(json_string_value(msg), 1, strcspn(json_string_value(msg), "\n"),
			       stdout);
		else
			fputs("null", stdout);
		putchar('\n');
	}
	json_decref(details);
}

static void print_stats(json_t *v)
{
	json_t *stats = json_object_get(v, "stats"), *wall = json_object_get(v, "wall_ms");
	char secs[48];

	if (!jq_truthy(stats))
		return;
	jq_number_text(jq_truthy(wall) ? json_number_value(wall) / 1000 : 0, secs, sizeof(secs));
	jq_put_in("  ", json_object_get(stats, "workers"), stdout);
	jq_put_in(" workers, ", json_object_get(stats, "total_work_units"), stdout);
	printf(" work units, VM %s s (", secs);
	jq_put(json_object_get(v, "accel"), stdout);
	puts(")");
}

/* A number rounded down, as jq's floor prints it (here without libm). */
static void put_floor(json_t *v)
{
	double x = json_number_value(v), t;
	char buf[48];

	/* from 2**52 on a double is whole */
	if (x != 0 && x > -4503599627370496.0 && x < 4503599627370496.0) {
		t = (double)(long long)x;
		x = t > x ? t - 1 : t;
	}
	jq_number_text(x, buf, sizeof(buf));
	fputs(buf, stdout);
}

static void print_cgroup(const char *name, json_t *cg)
{
	json_t *zero = json_integer(0);

	printf("  cgroup %s: ", name);
	jq_put(json_object_get(cg, "num_workers"), stdout);
	jq_put_in(" workers, ", jq_alt(json_object_get(cg, "total_work_units"), zero), stdout);
	fputs(" units, off-CPU ", stdout);
	put_floor(jq_alt(json_object_get(cg, "min_off_cpu_pct"), zero));
	putchar('-');
	put_floor(jq_alt(json_object_get(cg, "max_off_cpu_pct"), zero));
	jq_put_in("%, max gap ", json_object_get(cg, "max_gap_ms"), stdout);
	puts(" ms");
	json_decref(zero);
}

static void print_cgroups(json_t *v)
{
	json_t *cgs = json_object_get(json_object_get(v, "stats"), "cgroups"), *cg;
	const char *name;
	size_t i;

	json_object_foreach(cgs, name, cg)
		print_cgroup(name, cg);
	json_array_foreach(cgs, i, cg) {	/* an array's keys are its indices */
		char key[32];

		snprintf(key, sizeof(key), "%zu", i);
		print_cgroup(key, cg);
	}
}

/* The ratio of the first imbalance window held for 5 samples. */
static json_t *held_5(json_t *mon)
{
	json_t *windows = jq_values(json_object_get(mon, "imbalance_windows")), *w, *ratio = NULL;
	size_t i;

	json_array_foreach(windows, i, w)
		if (!jq_cmp_num(json_object_get(w, "samples"), 5)) {
			ratio = json_object_get(w, "ratio");
			break;
		}
	json_decref(windows);
	return jq_truthy(ratio) ? ratio : NULL;	/* mon still holds it */
}

static void print_monitor(json_t *mon)
{
	json_t *zero, *held;

	if (!mon || jq_cmp_num(json_object_get(mon, "samples"), 0) <= 0)
		return;
	zero = json_integer(0);
	held = held_5(mon);
	jq_put_in("  monitor: ", json_object_get(mon, "samples"), stdout);
	jq_put_in(" samples, imbalance max ", json_object_get(mon, "max_imbalance_ratio"), stdout);
	fputs(" (held 5: ", stdout);
	if (held)
		jq_put(held, stdout);
	else
		putchar('-');
	jq_put_in("), local DSQ max ", json_object_get(mon, "max_local_dsq_depth"), stdout);
	jq_put_in(", rq-clock stalls ", json_object_get(mon, "stall_count"), stdout);
	if (jq_truthy(json_object_get(mon, "events"))) {
		jq_put_in(", fallback ", jq_alt(json_object_get(mon, "fallback_rate"), zero), stdout);
		jq_put_in("/s, keep-last ", jq_alt(json_object_get(mon, "keep_last_rate"), zero),
			   stdout);
		fputs("/s per CPU", stdout);
	}
	putchar('\n');
	json_decref(zero);
}

/* The timeline's degradations, each under its step: where the run got worse. */
static void print_degradations(json_t *v)
{
	json_t *e, *c;
	size_t i, k;

	json_array_foreach(json_object_get(v, "timeline"), i, e)
		json_array_foreach(json_object_get(e, "changes"), k, c) {
			if (strcmp(rec_str(c, "change", ""), "degradation"))
				continue;
			printf("  step %lld (%s): degradation: %s %g -> %g\n",
			       rec_step_no(json_object_get(e, "step")),
			       rec_str(e, "op", "?"), rec_str(c, "metric", "?"),
			       json_number_value(json_object_get(c, "from")),
			       json_number_value(json_object_get(c, "to")));
		}
}

/* Lines under a heading, each after prefix; from the first index on. */
static void print_lines(const char *heading, json_t *lines, size_t from, const char *prefix)
{
	size_t i;

	if (heading)
		puts(heading);
	for (i = from; i < json_array_size(lines); i++) {
		jq_put_cat(prefix, json_array_get(lines, i), stdout);
		putchar('\n');
	}
}

/* Why the scheduler did not load (the verifier's log), else what it printed last. */
static void print_sched_output(struct brief *b)
{
	json_t *details = jq_values(json_object_get(b->verdict, "details")), *d, *vlog = NULL;
	json_t *tail = json_object_get(b->sched, "log_tail");
	size_t i;

	json_array_foreach(details, i, d)
		if (jq_truthy(vlog = json_object_get(d, "verifier_log")))
			break;
	if (jq_truthy(vlog)) {
		json_t *lines = jq_values(vlog);

		print_lines("  verifier log (repeated loop iterations collapsed):", lines, 0, "    ");
		json_decref(lines);
	} else if (json_array_size(tail)) {
		print_lines("  scheduler output (last lines):", tail,
			    json_array_size(tail) > SCHED_LINES ? json_array_size(tail) - SCHED_LINES : 0,
			    "    ");
	}
	json_decref(details);
}

static void print_console(struct brief *b)
{
	json_t *rec;
	size_t i;

	if (!json_array_size(b->console))
		return;
	puts("  console:");
	json_array_foreach(b->console, i, rec) {
		jq_put_cat("    ", json_object_get(rec, "line"), stdout);
		putchar('\n');
	}
}

/* Parts in dump order, each dump's parts by part number, else as they came. */
struct part {
	json_t *rec;
	size_t idx;
};

static int part_order(const void *pa, const void *pb)
{
	const struct part *a = pa, *b = pb;
	int r = jq_cmp(json_object_get(a->rec, "dump"), json_object_get(b->rec, "dump"));

	if (!r)
		r = jq_cmp(json_object_get(a->rec, "part"), json_object_get(b->rec, "part"));
	return r ? r : a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Where the run record says the whole dump is, or NULL. */
static json_t *stored_path(struct brief *b, json_t *dump)
{
	json_t *s;
	size_t i;

	json_array_foreach(b->stored, i, s)
		if (!jq_cmp(json_object_get(s, "dump"), dump))
			return jq_truthy(json_object_get(s, "path")) ? json_object_get(s, "path") : NULL;
	return NULL;
}

/* One dump: what triggered it, its first lines, the file with all of them. */
static void print_dump(struct brief *b, struct part *parts, size_t n)
{
	json_t *d = parts[0].rec, *lines = json_array(), *msg = json_object_get(d, "message");
	json_t *path = stored_path(b, json_object_get(d, "dump"));
	size_t total, i;

	for (i = 0; i < n; i++)
		if (json_is_array(json_object_get(parts[i].rec, "lines")))
			json_array_extend(lines, json_object_get(parts[i].rec, "lines"));
	total = json_array_size(lines);
	jq_put_in("  sched_ext dump ", json_object_get(d, "dump"), stdout);
	jq_put_in(" (", json_object_get(d, "trigger"), stdout);
	if (jq_truthy(json_object_get(d, "reason")))
		jq_put_cat(": ", json_object_get(d, "reason"), stdout);
	if (jq_truthy(msg) && jq_cmp_str(msg, ""))
		jq_put_cat(": ", msg, stdout);
	printf("), first %zu of %zu lines:\n", total < DUMP_HEAD_LINES ? total : DUMP_HEAD_LINES,
	       total);
	while (json_array_size(lines) > DUMP_HEAD_LINES)
		json_array_remove(lines, json_array_size(lines) - 1);
	print_lines(NULL, lines, 0, "    | ");
	fputs("    whole dump: ", stdout);
	if (path)
		jq_put(path, stdout);
	else
		fputs("not stored", stdout);
	putchar('\n');
	json_decref(lines);
}

static void print_dumps(struct brief *b)
{
	size_t n = json_array_size(b->dumps), i, start;
	struct part *parts = xcalloc(n + 1, sizeof(*parts));

	for (i = 0; i < n; i++)
		parts[i] = (struct part){ json_array_get(b->dumps, i), i };
	qsort(parts, n, sizeof(*parts), part_order);
	for (start = 0; start < n; start = i) {
		for (i = start + 1; i < n && !jq_cmp(json_object_get(parts[i].rec, "dump"),
						   json_object_get(parts[start].rec, "dump")); i++)
			;
		print_dump(b, parts + start, i - start);
	}
	free(parts);
}

/* "  payload hackbench in cg_0: exited 0 after 1.5 s; time 1.29 s" per payload run. */
static void print_payloads(json_t *v)
{
	json_t *p, *m;
	const char *name;
	size_t i;

	json_array_foreach(json_object_get(v, "payloads"), i, p) {
		const char *sep = "; ";

		printf("  payload %s", rec_str(p, "id", "?"));
		if (json_is_string(json_object_get(p, "cgroup")))
			printf(" in %s", rec_str(p, "cgroup", ""));
		printf(": %s", rec_str(p, "status", "?"));
		if (json_is_integer(json_object_get(p, "exit_code")))
			printf(" %lld", (long long)json_integer_value(json_object_get(p, "exit_code")));
		if (json_is_number(json_object_get(p, "elapsed_ms")))
			printf(" after %.1f s", json_number_value(json_object_get(p, "elapsed_ms")) / 1000);
		json_object_foreach(json_object_get(p, "metrics"), name, m) {
			printf("%s%s %.6g%s%s", sep, name, json_number_value(json_object_get(m, "value")),
			       *rec_str(m, "unit", "") ? " " : "", rec_str(m, "unit", ""));
			sep = ", ";
		}
		putchar('\n');
	}
}

static void print_brief(struct brief *b, const char *run_dir)
{
	json_t *v = b->verdict, *result = json_object_get(v, "result");

	if (!v) {
		printf("no verdict: see %s\n", run_dir);
		return;
	}
	print_verdict(v);
	print_stats(v);
	print_payloads(v);
	if (jq_cmp_str(result, "pass") && jq_cmp_str(result, "skip")) {
		print_cgroups(v);
		print_monitor(b->monitor);
		print_degradations(v);
		print_sched_output(b);
		print_console(b);
		print_dumps(b);
		if (b->repro)
			repro_print(stdout, b->repro);
	}
	printf("  records and logs: %s\n", run_dir);
}

/* RUNS/RUN ("latest": the newest run), dying as `show` does when there is none. */
char *run_dir_of(const char *runs_dir, const char *run)
{
	struct run_set set = { 0 };
	const char *id = run;
	char *owned = NULL, *dir;
	struct stat st;

	runs_dir_check(runs_dir);
	if (!strcmp(run, "latest")) {
		runs_load(runs_dir, &set);
		id = runs_resolve_id(&set, run, &owned);
	}
	if (!id || id_problem(id, RUN_ID_MAX))
		die(EXIT_USAGE, "no run '%s' in %s", run, runs_dir);
	dir = paths_join(runs_dir, id);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		die(EXIT_USAGE, "no run '%s' in %s", run, runs_dir);
	free(owned);
	runs_free(&set);
	return dir;
}

int show_brief(const char *runs_dir, const char *run, const char *which)
{
	struct brief b = { .console = json_array(), .dumps = json_array(), .stored = json_array() };
	char *dir = run_dir_of(runs_dir, run), *path = paths_join(dir, "stream.ndjson"), *job = NULL;
	FILE *f = store_fopen_regular(path);

	if (!f)
		die(EXIT_USAGE, "run %s: %s: %s (only a run of `ktstr run` or `ktstr gauntlet` has one)",
		    run, path, errno == EINVAL ? "not a regular file" : strerror(errno));
	if (which)
		b.job = job = resolve_job(f, path, which);
	read_stream(&b, f, path);
	fclose(f);
	if (which && !b.matched)
		die(EXIT_USAGE, "run %s has no job or test '%s'", run, which);
	print_brief(&b, dir);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	json_decref(b.verdict);
	json_decref(b.monitor);
	json_decref(b.sched);
	json_decref(b.console);
	json_decref(b.dumps);
	json_decref(b.stored);
	json_decref(b.repro);
	free(job);
	free(path);
	free(dir);
	return EXIT_PASS;
}
