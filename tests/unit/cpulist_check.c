/* cpulist_check LIST: print LIST in compact form, or the parse error (exit 2). */
#include <stdio.h>

#include "cpulist.h"
#include "die.h"

int main(int argc, char **argv)
{
	char err[128], out[CPUSET_MAX * 6];
	struct cpuset set;

	die_setprog(argv[0]);
	if (argc != 2)
		die(EXIT_USAGE, "usage: cpulist_check LIST");
	if (cpulist_parse(argv[1], &set, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "%s: %s", argv[1], err);
	cpulist_format(&set, out, sizeof(out));
	if (printf("%s\n", out) < 0 || fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error");
	return EXIT_PASS;
}
