/*
 * systopo_check --sysfs ROOT: what libcommon/systopo reads from the sysfs
 * tree at ROOT (exit 3 with the error when it cannot).
 * systopo_check --topo NnNlNcNt: what a VM of that model shows.
 * One line per LLC, core, node and CPU, for exact comparison.
 */
#include <stdio.h>
#include <string.h>

#include "die.h"
#include "systopo.h"
#include "topo.h"

static void print_sets(const char *what, const struct cpuset *sets, unsigned n)
{
	char buf[CPUSET_MAX * 6];

	for (unsigned i = 0; i < n; i++)
		printf("%s %u: %s\n", what, i,
		       cpuset_empty(&sets[i]) ? "none" : cpuset_str(&sets[i], buf, sizeof(buf)));
}

static void print_systopo(const struct systopo *t)
{
	char buf[CPUSET_MAX * 6];

	printf("online %s (%u CPUs)\n", cpuset_str(&t->online, buf, sizeof(buf)), t->ncpus);
	print_sets("llc", t->llc, t->nllcs);
	print_sets("core", t->core, t->ncores);
	printf("threads_per_core %u\n", t->threads_per_core);
	print_sets("node", t->node, t->nnodes);
	printf("nodes_online %u\n", t->nodes_online);
	for (unsigned c = 0; c < t->ncpu_ids; c++) {
		const struct systopo_cpu *p = systopo_cpu(t, c);

		if (p)
			printf("cpu %u: llc %d, core %d, node %d\n", c, p->llc, p->core, p->node);
		else
			printf("cpu %u: offline\n", c);
	}
}

int main(int argc, char **argv)
{
	struct systopo t;
	char err[512];

	die_setprog(argv[0]);
	if (argc != 3)
		die(EXIT_USAGE, "usage: systopo_check --sysfs ROOT | --topo NnNlNcNt");
	if (!strcmp(argv[1], "--sysfs")) {
		if (systopo_read(argv[2], &t, err, sizeof(err)) < 0)
			die(EXIT_INCONCLUSIVE, "%s", err);
	} else if (!strcmp(argv[1], "--topo")) {
		struct topo m;

		if (topo_parse(argv[2], &m, err, sizeof(err)) < 0)
			die(EXIT_USAGE, "%s: %s", argv[2], err);
		systopo_from_topo(&m, &t);
	} else {
		die(EXIT_USAGE, "usage: systopo_check --sysfs ROOT | --topo NnNlNcNt");
	}
	print_systopo(&t);
	systopo_free(&t);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error");
	return EXIT_PASS;
}
