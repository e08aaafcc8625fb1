#include <sys/stat.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "sidecar.h"
#include "sidecar_driver.h"

static char runs_dir[512], input[600], out[600];

static void run_command(void *ctx)
{
	const struct sidecar_cmd *c = ctx;
	char *argv[12];
	int argc = 0;

	argv[argc++] = (char *)"cmd";
	argv[argc++] = (char *)"--runs-dir";
	argv[argc++] = runs_dir;
	for (size_t i = 0; c->args[i]; i++)
		argv[argc++] = strcmp(c->args[i], SIDECAR_OUT) ? (char *)c->args[i] : out;
	argv[argc] = NULL;
	optind = 0;	/* getopt starts afresh for each command */
	(void)c->fn(argc, argv);
}

static void setup(const char *file)
{
	static char outbuf[BUFSIZ];
	char dir[560];

	fuzz_init();
	snprintf(runs_dir, sizeof(runs_dir), "%s/ktstr-fuzz.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (strlen(runs_dir) >= sizeof(runs_dir) - 1 || !mkdtemp(runs_dir))
		abort();
	snprintf(dir, sizeof(dir), "%s/" SIDECAR_RUN, runs_dir);
	snprintf(input, sizeof(input), "%s/%s", dir, file);
	snprintf(out, sizeof(out), "%s/out", runs_dir);
	if (mkdir(dir, 0700) < 0)
		abort();
	safeout_install();	/* as main() does for every command but write */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
}

static void cleanup(void)
{
	unlink(input);
	unlink(out);
	snprintf(input, sizeof(input), "%s/" SIDECAR_RUN, runs_dir);
	rmdir(input);
	rmdir(runs_dir);
}

void sidecar_fuzz_one(const char *file, const struct sidecar_cmd *cmds, size_t ncmds,
		      const uint8_t *data, size_t size)
{
	FILE *f;

	if (!*runs_dir) {
		setup(file);
		atexit(cleanup);
	}
	f = fopen(input, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	for (size_t i = 0; i < ncmds; i++) {
		bool died = fuzz_call(run_command, (void *)&cmds[i], NULL);

		clearerr(stdout);
		fuzz_end(died);
	}
}
