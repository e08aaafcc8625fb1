/*
 * cpulist_check LIST: print LIST in compact form, or the parse error (exit 2).
 * cpulist_check --subset A B: exit 0 if A lies inside B, else 1.
 * cpulist_check --ops A B: the set operations on A and B, one a line.
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

/* and, or, equal, empty, last and the CPUs nth finds. */
static void print_ops(const char *sa, const char *sb)
{
	char out[CPUSET_MAX * 6];
	struct cpuset a, b, both, either;

	parse_or_die(sa, &a);
	parse_or_die(sb, &b);
	cpuset_and(&both, &a, &b);
	either = a;
	cpuset_or(&either, &b);
	printf("and %s\n", cpuset_str(&both, out, sizeof(out)));
	printf("or %s\n", cpuset_str(&either, out, sizeof(out)));
	printf("equal %d, empty %d %d, last %d %d\n", cpuset_equal(&a, &b),
	       cpuset_empty(&a), cpuset_empty(&b), cpuset_last(&a), cpuset_last(&b));
	printf("nth of A:");
	for (unsigned n = 0; n <= cpuset_count(&a); n++)
		printf(" %d", cpuset_nth(&a, n));
	printf("\n");
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
	if (argc == 4 && !strcmp(argv[1], "--ops")) {
		print_ops(argv[2], argv[3]);
		return EXIT_PASS;
	}
	if (argc != 2)
		die(EXIT_USAGE, "usage: cpulist_check LIST | --subset A B | --ops A B");
	parse_or_die(argv[1], &set);
	cpulist_format(&set, out, sizeof(out));
	if (printf("%s\n", out) < 0 || fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error");
	return EXIT_PASS;
}
