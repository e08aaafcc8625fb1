/*
 * ktstr-eval: pass every record through and, when a job's VM exits,
 * append a verdict for it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "die.h"
#include "lifeline.h"
#include "judge.h"
#include "ndjson.h"
#include "readahead.h"
#include "version.h"

static void usage(FILE *f)
{
	fputs("usage: ktstr-eval [--checks FILE] [--check KEY=VALUE]...\n"
	      "Read a ktstr record stream on stdin, copy it to stdout and add a\n"
	      "verdict record for each job when its VM exits.\n"
	      "\n"
	      "Thresholds (later wins): FILE's (default share/ktstr/checks.json) \"defaults\",\n"
	      "its \"profiles\" entry for the VM's accelerator (tcg, kvm), the job's\n"
	      "scheduler.checks, scenario.checks and checks, then each --check (a number,\n"
	      "true, false, or null to turn a check off). Unknown keys are errors (exit 2).\n"
	      "\n"
	      "  --checks FILE      thresholds file instead of share/ktstr/checks.json\n"
	      "  --check KEY=VALUE  override one threshold, e.g. --check isolation=true\n"
	      "  -h, --help         this text\n"
	      "\n"
	      "Wake latency is summarised per worker in the guest: a cgroup's p99 (and median,\n"
	      "CV) is its worst worker's. \"step I of N\" in messages counts steps from 1.\n"
	      "An inconclusive verdict with \"retry\": true blames the harness or the emulator\n"
	      "(multi-threaded TCG's code-patching race, an RCU stall under EEVDF): the same job may\n"
	      "pass when run again.\n"
	      "Exit: 0 all pass, 1 a verdict failed, 2 bad input, 3 inconclusive, 77 all skipped.\n",
	      f);
}

/* fail beats inconclusive beats pass beats skip. */
static int rank(const char *result)
{
	if (!strcmp(result, "fail"))
		return 3;
	if (!strcmp(result, "inconclusive"))
		return 2;
	return !strcmp(result, "pass") ? 1 : 0;
}

static void emit(json_t *verdict, int *worst)
{
	int r = rank(json_string_value(json_object_get(verdict, "result")));

	if (r > *worst)
		*worst = r;
	ndjson_write(stdout, verdict);
	json_decref(verdict);
}

static int is_vm_exit(json_t *rec)
{
	const char *phase = json_string_value(json_object_get(rec, "phase"));

	return !strcmp(ndjson_type(rec), "vm") && phase && !strcmp(phase, "exited");
}

/* The record exactly as it came, one line. */
static void pass_through(const char *line, size_t n)
{
	while (n && line[n - 1] == '\r')
		n--;
	if (fwrite(line, 1, n, stdout) != n || putchar('\n') == EOF)
		die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
}

/* Parsing is most of the work: one parser thread per online CPU, up to 4. */
static unsigned parser_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

struct eval_opts {
	json_t *checks, *overrides;
};

/* One record: pass it on, remember what the verdict needs, judge at VM exit. */
static void handle(struct ndjson_reader *rd, json_t *rec, const char *line, size_t n,
		   struct job_list *jobs, const struct eval_opts *o, int *worst, int *any)
{
	const char *id = json_string_value(json_object_get(rec, "job"));
	struct job_state *js;
	char err[512];

	if (!strcmp(ndjson_type(rec), "job")) {
		id = json_string_value(json_object_get(rec, "id"));
		if (checks_validate_job(rec, err, sizeof(err)))
			ndjson_bad_record(rd, rec, "%s", err);
	} else if (record_validate(rec, err, sizeof(err))) {
		ndjson_bad_record(rd, rec, "%s", err);
	}
	pass_through(line, n);
	if (!id)
		return;
	js = job_state_get(jobs, id);
	job_state_note(js, rec);
	if (is_vm_exit(rec)) {
		emit(judge_job(js, rec, o->checks, o->overrides), worst);
		job_state_drop(jobs, js);	/* judged: a later record starts afresh */
		*any = 1;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "checks", required_argument, NULL, 'c' },
		{ "check", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const int status[] = { EXIT_SKIP, EXIT_PASS, EXIT_INCONCLUSIVE, EXIT_FAIL };
	struct eval_opts o = { .overrides = json_object() };
	const char *checks_path = NULL;
	struct job_list jobs = { 0 };
	struct job_state *js;
	const struct input_line *in;
	struct ndjson_reader rd;
	struct readahead *ra;
	int c, worst = -1, any = 0;

	die_setprog(argv[0]);
	version_option(argc, argv);
	lifeline_to_parent();
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': checks_path = optarg; break;
		case 'k': checks_parse_override(o.overrides, optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	o.checks = checks_load(checks_path);
	ndjson_reader_init(&rd, stdin, "stdin");
	ra = readahead_open(0, job_state_wants, parser_threads());
	while ((in = readahead_next(ra, &rd))) {
		if (!in->rec) {	/* a type only copied through */
			pass_through(in->line, in->len);
			if (in->job)
				job_state_get(&jobs, in->job);	/* as handle() would: same job order */
			continue;
		}
		handle(&rd, in->rec, in->line, in->len, &jobs, &o, &worst, &any);
		json_decref(in->rec);
	}
	readahead_close(ra);
	/* Jobs whose VM never reported its exit: inconclusive, oldest first. */
	while ((js = job_list_oldest(&jobs))) {
		if (js->job) {
			emit(judge_job(js, NULL, o.checks, o.overrides), &worst);
			any = 1;
		}
		job_state_drop(&jobs, js);
	}
	job_list_free(&jobs);
	ndjson_reader_free(&rd);
	if (fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
	json_decref(o.checks);
	json_decref(o.overrides);
	return any ? status[worst < 0 ? 1 : worst] : EXIT_PASS;
}
