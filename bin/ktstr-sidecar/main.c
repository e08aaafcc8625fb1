/*
 * ktstr-sidecar: the end of the pipeline. `write` stores one run record per
 * judged job; `list`, `show` and `compare` read them back; `merge` joins runs.
 */
#include <stdio.h>
#include <string.h>

#include "die.h"
#include "lifeline.h"
#include "nearest.h"
#include "sidecar.h"
#include "version.h"

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar COMMAND [ARGS]\n"
	      "\n"
	      "  write [--runs-dir DIR] [--run-id ID] [--junit FILE] [--tap] [--pass]\n"
	      "        store a run record per verdict read on stdin under\n"
	      "        RUNS/RUN-ID/JOB.json; print a summary record per job\n"
	      "  list [--runs-dir DIR] [--json]\n"
	      "        runs, newest first, with pass/fail counts\n"
	      "  show [--runs-dir DIR] [--json] [--totals] [--brief] RUN|latest [TEST|JOB]\n"
	      "        a readable report of a run or of its matching jobs; --brief:\n"
	      "        the result as 'ktstr run' prints it\n"
	      "  compare [--runs-dir DIR] [--metric M]... [--filter K=V]... [--json] A B\n"
	      "        compare two pools of jobs metric by metric; exit 1 on a regression\n"
	      "  metrics [--json]\n"
	      "        the metric registry compare uses\n"
	      "  merge [--runs-dir DIR] [--run-id ID] [--json] RUN...\n"
	      "        join stored runs (a gauntlet's shards) into one new run\n"
	      "  trace [--runs-dir DIR] RUN|latest [JOB|TEST] > trace.json\n"
	      "        the run as Chrome/Perfetto trace-event JSON\n"
	      "  report [--runs-dir DIR] [-o FILE] RUN|latest [JOB|TEST]\n"
	      "        the run as one self-contained HTML page; print its path\n"
	      "  repro plan [--runs-dir DIR] RUN|latest [JOB...]\n"
	      "  repro store [--runs-dir DIR] --run-id ID\n"
	      "        the job records of a run's reruns with BPF tracing; keep what they traced\n"
	      "\n"
	      "RUNS is --runs-dir, else $KTSTR_RUNS_DIR, else\n"
	      "${XDG_DATA_HOME:-~/.local/share}/ktstr/runs. See 'ktstr-sidecar COMMAND --help'.\n"
	      "Exit: 0 ok, 1 a verdict failed / a regression, 2 usage or bad input,\n"
	      "3 inconclusive or cannot store, 77 every job skipped.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "write", cmd_write },	    { "list", cmd_list },
		{ "show", cmd_show },	    { "compare", cmd_compare },
		{ "metrics", cmd_metrics },  { "merge", cmd_merge },
		{ "trace", cmd_trace },	    { "report", cmd_report },
		{ "repro", cmd_repro },
	};

	die_setprog(argv[0]);
	version_option(argc, argv);
	lifeline_to_parent();
	if (argc < 2)
		die(EXIT_USAGE, "which command? (write, list, show, compare, metrics, merge, trace, "
				"report, repro; see 'ktstr-sidecar --help')");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		die_setprog_front();
		usage(stdout);
		return EXIT_PASS;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (cmds[i].fn != cmd_write && cmds[i].fn != cmd_repro)	/* stdout is NDJSON (or TAP) */
			safeout_install();
		if (cmds[i].fn != cmd_write)	/* a pipeline's stage names itself */
			die_setprog_front();
		return cmds[i].fn(argc - 1, argv + 1);
	}
	{
		const char *names[sizeof(cmds) / sizeof(cmds[0])];
		const char *near;

		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			names[i] = cmds[i].name;
		near = nearest_word(argv[1], names, sizeof(cmds) / sizeof(cmds[0]));
		if (near)
			die(EXIT_USAGE, "unknown command '%s': did you mean '%s'? (see 'ktstr-sidecar --help')",
			    argv[1], near);
	}
	die(EXIT_USAGE, "unknown command '%s' (see 'ktstr-sidecar --help')", argv[1]);
}
