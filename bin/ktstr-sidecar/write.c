/*
 * `write`: the end of the pipeline. Remembers each job's records and, at its
 * verdict, stores one run record RUNS/RUN-ID/JOB.json and prints a summary.
 * Records are consumed, not passed on (--pass copies them to stdout too).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "die.h"
#include "opterr.h"
#include "ids.h"
#include "ndjson.h"
#include "paths.h"
#include "runrec.h"
#include "sidecar.h"

struct writer {
	char *runs_dir, *run_dir;
	const char *junit_path;
	int tap, pass;
	struct progress *progress;	/* NULL: no --progress */
	const char *stages_mode;	/* NULL: no --stages */
	struct stages stages;
	struct run_ctx ctx;
	char run_id[RUN_ID_MAX + 1];
	struct junit junit;
	size_t njobs;
	int worst;		/* rank of the worst result so far, -1 none */
};

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar write [--runs-dir DIR] [--run-id ID] [--junit FILE]\n"
	      "                            [--tap] [--pass] [--progress] [--stages tty|lines]\n"
	      "                            < records.ndjson\n"
	      "For each verdict on stdin, store the job's run record (verdict, job,\n"
	      "kernel, accel, host, commit, logs) as RUNS/RUN-ID/JOB.json, written\n"
	      "atomically, and print {\"type\":\"run\",\"job\",\"test\",\"result\",\"path\"}.\n"
	      "  --runs-dir DIR  default $KTSTR_RUNS_DIR, else ~/.local/share/ktstr/runs\n"
	      "  --run-id ID     default UTC time and pid, e.g. 20261126T070501Z-1234\n"
	      "  --junit FILE    also write a JUnit XML report (one testcase per job)\n"
	      "  --tap           print TAP on stdout instead of run records\n"
	      "  --pass          copy every input record to stdout as well\n"
	      "  --progress      a line on stderr per stored job: [3/52] PASS JOB 6.1 s,\n"
	      "                  ETA 2m10s (from the jobs' plan.estimate_s)\n"
	      "  --stages tty|lines  each running job's stage on stderr (booting,\n"
	      "                  scheduler attached, step 2/3, judging) and the time\n"
	      "                  since the start: tty one line, overwritten; lines one\n"
	      "                  line per change\n"
	      "Exit: 0 all pass, 1 a verdict failed, 3 inconclusive or cannot store,\n"
	      "77 all skipped, 2 bad input (naming the line).\n", f);
}

int result_rank(const char *r)
{
	static const char *const order[] = { "skip", "pass", "inconclusive", "fail" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(r, order[i]))
			return i;
	return -1;
}

int result_status(int worst)
{
	static const int status[] = { EXIT_SKIP, EXIT_PASS, EXIT_INCONCLUSIVE, EXIT_FAIL };

	return worst < 0 ? EXIT_PASS : status[worst];
}

static void parse_opts(int argc, char **argv, struct writer *w)
{
	const char *why;
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, 'd' },
		{ "run-id", required_argument, NULL, 'r' },
		{ "junit", required_argument, NULL, 'j' },
		{ "tap", no_argument, NULL, 't' },
		{ "pass", no_argument, NULL, 'p' },
		{ "progress", no_argument, NULL, 'P' },
		{ "stages", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(w->runs_dir); w->runs_dir = xstrdup(optarg); break;
		case 'r':
			if ((why = id_problem(optarg, RUN_ID_MAX)))
				die(EXIT_USAGE, "--run-id '%s': the run id %s", optarg, why);
			snprintf(w->run_id, sizeof(w->run_id), "%s", optarg);
			break;
		case 'j': w->junit_path = optarg; break;
		case 't': w->tap = 1; break;
		case 'p': w->pass = 1; break;
		case 'P': w->progress = xcalloc(1, sizeof(*w->progress)); break;
		case 'S': w->stages_mode = optarg; break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die_option(c, argv, opts, "write");
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "write: unexpected argument '%s'", argv[optind]);
	runs_dir_check(w->runs_dir);
	if (w->junit_path)
		junit_check(w->junit_path);
}

/* Checks the verdict before anything is written for it. */
static const char *verdict_job(struct ndjson_reader *rd, json_t *v)
{
	const char *id = rec_str(v, "job", NULL);
	const char *result = rec_str(v, "result", NULL), *why;

	if (!id)
		ndjson_bad_record(rd, v, "no \"job\" id");
	if ((why = id_problem(id, JOB_ID_MAX)))
		ndjson_bad_record(rd, v, "job id '%s' %s", id, why);
	if (!result || result_rank(result) < 0)
		ndjson_bad_record(rd, v, "\"result\" must be pass, fail, skip or inconclusive");
	return id;
}

/* RUNS/RUN-ID, made on first use. */
static const char *run_dir(struct writer *w)
{
	char err[1024];

	if (!w->run_dir) {
		w->run_dir = paths_join(w->runs_dir, w->run_id);
		if (store_mkdirs(w->run_dir, err, sizeof(err)) < 0)
			die(EXIT_INCONCLUSIVE, "run records: %s", err);
	}
	return w->run_dir;
}

/* Store the job's dumps beside its record and name them in it (every run record has "dumps"). */
static void store_dumps(struct writer *w, json_t *run, const struct job_seen *js)
{
	char err[1024];
	json_t *dumps = json_array();

	if (js->dumps) {
		json_decref(dumps);
		dumps = dumps_store(js->dumps, run_dir(w), js->id, err, sizeof(err));
		if (!dumps)
			die(EXIT_INCONCLUSIVE, "job %s: %s", js->id, err);
	}
	json_object_set_new(run, "dumps", dumps);
}

/* The run summary's view of the stored dumps: where each one is. */
static json_t *dumps_where(struct writer *w, json_t *run)
{
	json_t *out = json_array(), *d;
	size_t i;

	json_array_foreach(json_object_get(run, "dumps"), i, d) {
		char *path = paths_join(w->run_dir, rec_str(d, "file", ""));

		json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:s}", "dump", json_object_get(d, "dump"),
						     "trigger", json_object_get(d, "trigger"),
						     "lines", json_object_get(d, "lines"), "path", path));
		free(path);
	}
	return out;
}

/* Store the run record; die (exit 3) when it cannot be written whole. */
static char *store_run(struct writer *w, json_t *run, const char *id)
{
	char err[1024], name[256];
	char *text = json_dumps(run, JSON_INDENT(2) | NDJSON_REALS);
	size_t n;

	if (!text)
		die(EXIT_INCONCLUSIVE, "job %s: cannot format the run record", id);
	n = strlen(text);
	text = xrealloc(text, n + 2);
	memcpy(text + n, "\n", 2);
	run_dir(w);
	snprintf(name, sizeof(name), "%s.json", id);
	if (store_atomic(w->run_dir, name, text, err, sizeof(err)) < 0) {
		free(text);
		die(EXIT_INCONCLUSIVE, "job %s: %s", id, err);
	}
	free(text);
	return paths_join(w->run_dir, name);
}

static void on_verdict(struct writer *w, struct job_seen **jobs,
		       struct ndjson_reader *rd, json_t *v)
{
	const char *id = verdict_job(rd, v);
	struct job_seen *js = job_seen_get(jobs, id);
	json_t *run, *summary;
	char *path;
	int r;

	if (!w->ctx.host) {
		w->ctx.host = hostinfo_collect();
		w->ctx.project_commit = hostinfo_project_commit();
	}
	run = runrec_build(js, v, &w->ctx, (long long)time(NULL));
	if (!run)
		die(EXIT_INCONCLUSIVE, "job %s: cannot build the run record", id);
	store_dumps(w, run, js);
	path = store_run(w, run, id);
	w->njobs++;
	if (w->progress) {
		stages_hide(&w->stages);
		progress_done(w->progress, js->job, run);
		stages_show(&w->stages);
	}
	if (w->tap) {
		tap_line(stdout, w->njobs, run);
	} else {
		summary = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "run",
				    "run_id", w->run_id, "job", id,
				    "test", rec_str(run, "test", id),
				    "result", rec_str(run, "result", "?"), "path", path);
		if (json_array_size(json_object_get(run, "dumps")))
			json_object_set_new(summary, "dumps", dumps_where(w, run));
		ndjson_write(stdout, summary);
		json_decref(summary);
	}
	r = result_rank(rec_str(run, "result", ""));
	if (r > w->worst)
		w->worst = r;
	junit_add(&w->junit, run);
	json_decref(run);
	free(path);
	job_seen_drop(jobs, js);
}

/*
 * SIGTERM, SIGINT and SIGHUP (how a killed front end takes its stages along) end the writer
 * only while it waits for input: never with half a record in the stream or a run record
 * half-stored. Blocked, they wait for the next read.
 */
static void stop_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(how, &set, NULL);
}

static json_t *read_record(struct ndjson_reader *rd)
{
	json_t *rec;

	stop_signals(SIG_UNBLOCK);
	rec = ndjson_read(rd);
	stop_signals(SIG_BLOCK);
	return rec;
}

static void read_stream(struct writer *w, struct job_seen **jobs)
{
	struct ndjson_reader rd;
	json_t *rec;

	ndjson_reader_init(&rd, stdin, "stdin");
	rd.cut_ok = 1;	/* a stage before us was killed: what came whole is stored */
	while ((rec = read_record(&rd))) {
		const char *type = ndjson_type(rec);
		const char *id = rec_str(rec, !strcmp(type, "job") ? "id" : "job", NULL);

		if (w->pass)
			ndjson_write(stdout, rec);
		if (!strcmp(type, "dump") && dump_part_check(rec))
			ndjson_bad_record(&rd, rec, "%s", dump_part_check(rec));
		if (!strcmp(type, "job") && id && w->progress)
			progress_job(w->progress, rec);
		stages_note(&w->stages, rec);	/* a verdict ends the job's stages before its line */
		if (!strcmp(type, "verdict"))
			on_verdict(w, jobs, &rd, rec);
		else if (id)
			job_seen_note(job_seen_get(jobs, id), rec);
		json_decref(rec);
	}
	if (rd.cut && w->worst < 2)
		w->worst = 2;	/* inconclusive */
	ndjson_reader_free(&rd);
}

/* Jobs that ran but were never judged: nothing stored, say so. */
static void report_unjudged(struct writer *w, struct job_seen **jobs)
{
	while (*jobs) {
		if ((*jobs)->job) {
			warnmsg("job %s: no verdict in the stream (is ktstr-eval in the "
				"pipeline?); nothing stored", (*jobs)->id);
			if (w->worst < 2)
				w->worst = 2;
		}
		job_seen_drop(jobs, *jobs);
	}
}

int cmd_write(int argc, char **argv)
{
	struct writer w = { .worst = -1 };
	struct job_seen *jobs = NULL;
	char err[1024];
	int rc;

	/* A file size limit must give an error we can report, not a kill. */
	signal(SIGXFSZ, SIG_IGN);
	stop_signals(SIG_BLOCK);
	w.runs_dir = paths_runs_dir();
	snprintf(w.run_id, sizeof(w.run_id), "%s", "");
	parse_opts(argc, argv, &w);
	if (!w.run_id[0])
		store_default_run_id(w.run_id, sizeof(w.run_id));
	w.ctx.run_id = w.run_id;
	if (w.progress) {
		char *dir = paths_join(w.runs_dir, w.run_id), *jobs = paths_join(dir, "jobs.ndjson");

		progress_plan(w.progress, jobs);
		free(dir);
		free(jobs);
	}
	if (w.stages_mode)
		stages_start(&w.stages, w.stages_mode, w.progress);
	junit_init(&w.junit);
	if (w.tap)
		tap_start(stdout);
	read_stream(&w, &jobs);
	stages_end(&w.stages);
	report_unjudged(&w, &jobs);
	if (w.tap)
		tap_plan(stdout, w.njobs);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	if (w.junit_path && junit_write(&w.junit, w.junit_path, err, sizeof(err)) < 0)
		die(EXIT_INCONCLUSIVE, "--junit: %s", err);
	rc = result_status(w.worst);
	junit_free(&w.junit);
	json_decref(w.ctx.host);
	json_decref(w.ctx.project_commit);
	free(w.runs_dir);
	free(w.run_dir);
	free(w.progress);
	return rc;
}
