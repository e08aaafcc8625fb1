/*
 * cpulist_check LIST: print LIST in compact form, or the parse error (exit 2).
 * cpulist_check --subset A B: exit 0 if A lies inside B, else 1.
 */
#include <stdio.h>
#include <string.h>

#include "cpulist.h"
#include "die.h"

static void parse_or_die(const char *s, struct cpuset *set)
{
	char err[128];

	if (cpulist_parse(s, set, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "%s: %s", s, err);
}

int main(int argc, char **argv)
{
	char out[CPUSET_MAX * 6];
	struct cpuset set, outer;

	die_setprog(argv[0]);
	if (argc == 4 && !strcmp(argv[1], "--subset")) {
		parse_or_die(argv[2], &set);
		parse_or_die(argv[3], &outer);
		if (cpuset_subset(&set, &outer))
			return EXIT_PASS;
		fprintf(stderr, "%s is not inside %s\n", argv[2], argv[3]);
		return EXIT_FAIL;
	}
	if (argc != 2)
		die(EXIT_USAGE, "usage: cpulist_check LIST | --subset A B");
	parse_or_die(argv[1], &set);
	cpulist_format(&set, out, sizeof(out));
	if (printf("%s\n", out) < 0 || fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error");
	return EXIT_PASS;
}
