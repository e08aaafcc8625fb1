/*
 * ktstr-eval: pass every record through and, when a job's VM exits,
 * append a verdict for it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "die.h"
#include "judge.h"
#include "ndjson.h"

static void usage(FILE *f)
{
	fputs("usage: ktstr-eval [--checks FILE] [--check KEY=VALUE]...\n"
	      "Read a ktstr record stream on stdin, copy it to stdout and add a\n"
	      "verdict record for each job when its VM exits.\n"
	      "Exit: 0 all pass, 1 a verdict failed, 3 inconclusive, 77 all skipped.\n",
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "checks", required_argument, NULL, 'c' },
		{ "check", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const int status[] = { EXIT_SKIP, EXIT_PASS, EXIT_INCONCLUSIVE, EXIT_FAIL };
	json_t *overrides = json_object(), *checks, *rec;
	const char *checks_path = NULL;
	struct job_state *jobs = NULL, *js;
	struct ndjson_reader rd;
	int c, worst = -1, any = 0;

	die_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': checks_path = optarg; break;
		case 'k': checks_parse_override(overrides, optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	checks = checks_load(checks_path);
	ndjson_reader_init(&rd, stdin, "stdin");
	while ((rec = ndjson_read(&rd))) {
		const char *id = json_string_value(json_object_get(rec, "job"));

		if (!strcmp(ndjson_type(rec), "job"))
			id = json_string_value(json_object_get(rec, "id"));
		ndjson_write(stdout, rec);
		if (id) {
			js = job_state_get(&jobs, id);
			job_state_note(js, rec);
			if (is_vm_exit(rec)) {
				emit(judge_job(js, rec, checks, overrides), &worst);
				js->id[0] = '\0'; /* judged: a later record starts afresh */
				any = 1;
			}
		}
		json_decref(rec);
	}
	for (js = jobs; js; js = js->next)
		if (js->id[0] && js->job) {
			emit(judge_job(js, NULL, checks, overrides), &worst);
			any = 1;
		}
	while (jobs) {
		js = jobs->next;
		job_state_free(jobs);
		jobs = js;
	}
	ndjson_reader_free(&rd);
	json_decref(checks);
	json_decref(overrides);
	return any ? status[worst < 0 ? 1 : worst] : EXIT_PASS;
}
