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
#include "opterr.h"
#include "lifeline.h"
#include "judge.h"
#include "ndjson.h"
#include "readahead.h"
#include "stream.h"
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
	      "Each of a verdict's details is {kind, message, fails}: fails is true for a\n"
	      "failed check, false for what only informs (a warning, the kernel's console\n"
	      "lines, a missing monitor that was accepted).\n"
	      "Wake latency is summarised per worker in the guest: a cgroup's p99 (and median,\n"
	      "CV) is its worst worker's. \"step I of N\" in messages counts steps from 1.\n"
	      "An inconclusive verdict with \"retry\": true blames the harness or the emulator\n"
	      "(multi-threaded TCG's code-patching race, an RCU stall under EEVDF): the same job may\n"
	      "pass when run again.\n"
	      "Exit: 0 all pass, 1 a verdict failed, 2 bad input, 3 inconclusive, 77 all skipped.\n",
	      f);
}

/* Parsing is most of the work: one parser thread per online CPU, up to 4. */
static unsigned parser_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "checks", required_argument, NULL, 'c' },
		{ "check", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct eval_opts o = { .overrides = json_object() };
	const char *checks_path = NULL;
	struct ndjson_reader rd;
	struct readahead *ra;
	int c, status;

	die_setprog(argv[0]);
	version_option(argc, argv);
	lifeline_to_parent();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': checks_path = optarg; break;
		case 'k': checks_parse_override(o.overrides, optarg); break;
		case 'h': usage(stdout); return 0;
		default: die_option(c, argv, opts, NULL);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	o.checks = checks_load(checks_path);
	ndjson_reader_init(&rd, stdin, "stdin");
	ra = readahead_open(0, job_state_wants, parser_threads());
	status = eval_stream(ra, &rd, stdout, &o);
	readahead_close(ra);
	ndjson_reader_free(&rd);
	if (fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
	json_decref(o.checks);
	json_decref(o.overrides);
	return status;
}
