/*
 * Fuzz ktstr-sidecar's reading of stored run records: the input is one
 * RUNS/RUN/JOB.json, read back by list, show (text, --json, --totals, --tap
 * and --junit) and compare, each as the command line would run it.
 */
#include <sys/stat.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "sidecar.h"

#define RUN "r"

static char runs_dir[512], record[600], junit[600];

struct command {
	int (*fn)(int argc, char **argv);
	const char *args[8];
};

static void run_command(void *ctx)
{
	const struct command *c = ctx;
	char *argv[12];
	int argc = 0;

	argv[argc++] = (char *)"cmd";
	argv[argc++] = (char *)"--runs-dir";
	argv[argc++] = runs_dir;
	for (size_t i = 0; c->args[i]; i++)
		argv[argc++] = (char *)c->args[i];
	argv[argc] = NULL;
	optind = 0;	/* getopt starts afresh for each command */
	(void)c->fn(argc, argv);
}

static void setup(void)
{
	static char outbuf[BUFSIZ];
	char dir[560];

	fuzz_init();
	snprintf(runs_dir, sizeof(runs_dir), "%s/ktstr-fuzz.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (strlen(runs_dir) >= sizeof(runs_dir) - 1 || !mkdtemp(runs_dir))
		abort();
	snprintf(dir, sizeof(dir), "%s/" RUN, runs_dir);
	snprintf(record, sizeof(record), "%s/job.json", dir);
	snprintf(junit, sizeof(junit), "%s/junit.xml", runs_dir);
	if (mkdir(dir, 0700) < 0)
		abort();
	safeout_install();	/* as main() does for every command but write */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
}

static void cleanup(void)
{
	unlink(record);
	unlink(junit);
	snprintf(record, sizeof(record), "%s/" RUN, runs_dir);
	rmdir(record);
	rmdir(runs_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct command cmds[] = {
		{ cmd_list, { NULL } },
		{ cmd_list, { "--json", NULL } },
		{ cmd_show, { RUN, NULL } },
		{ cmd_show, { "--json", "latest", NULL } },
		{ cmd_show, { "--totals", RUN, NULL } },
		{ cmd_show, { "--totals", "--json", RUN, NULL } },
		{ cmd_show, { "--tap", "--junit", junit, RUN, NULL } },
		{ cmd_compare, { RUN, RUN, NULL } },
		{ cmd_compare, { "--json", RUN, RUN, NULL } },
	};
	FILE *f;

	if (!*runs_dir) {
		setup();
		atexit(cleanup);
	}
	f = fopen(record, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		bool died = fuzz_call(run_command, (void *)&cmds[i], NULL);

		clearerr(stdout);
		fuzz_end(died);
	}
	return 0;
}
