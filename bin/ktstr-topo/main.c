/*
 * ktstr-topo: VM topologies as `topo` records (or QEMU arguments), the
 * gauntlet presets, the host's capacity, and which presets fit it.
 */
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "ktstr-topo.h"
#include "ndjson.h"
#include "plan.h"
#include "version.h"

/* Upstream's per-test defaults, applied to presets under --fit. */
#define FIT_DEFAULT_MAX_NUMA 1
#define FIT_DEFAULT_MAX_LLCS 12
#define FIT_DEFAULT_MAX_CPUS 192

static const char usage[] =
"usage: ktstr-topo [options] TOPO...     a topo record per topology\n"
"       ktstr-topo [options] --presets   the gauntlet presets\n"
"       ktstr-topo [options] --fit       the presets this host can hold\n"
"       ktstr-topo --host                this host's capacity record\n"
"       ktstr-topo plan [options] [SCENARIO...]\n"
"                                        job records of a run or a gauntlet\n"
"                                        (see 'ktstr-topo plan --help')\n"
"       ktstr-topo scenarios [options] [NAME...]\n"
"                                        the scenarios, canned and catalog\n"
"\n"
"TOPO is NnNlNcNt (NUMA nodes, LLCs in total, cores per LLC, threads per\n"
"core; e.g. 2n4l4c2t) or N,L,C,T, or a preset's name (smt-2llc; its record\n"
"then names the preset). LLCs must split evenly over the nodes.\n"
"Memory defaults to max(cpus*64, 512) MB, rounded up to split over the\n"
"nodes in 2 MB units.\n"
"\n"
"  --memory MB      VM memory instead of the default (or a preset's own)\n"
"  --qemu           print QEMU arguments, one line per topology\n"
"  --presets        the gauntlet presets (share/ktstr/presets.json)\n"
"  --fit            drop topologies the host cannot hold: CPUs, LLCs and\n"
"                   CPUs per LLC each at most the host's times --oversub;\n"
"                   implies --presets when no TOPO is given, and then\n"
"                   --max-numa/--max-llcs/--max-cpus default to 1/12/192\n"
"  --oversub F      host capacity multiplier for --fit (default 1.0; under\n"
"                   TCG, where vCPUs are threads, e.g. 4 allows bigger VMs)\n"
"  --min-cpus N  --max-cpus N  --min-llcs N  --max-llcs N\n"
"  --min-numa N  --max-numa N\n"
"                   keep only topologies within these bounds\n"
"  --smt            keep only topologies with SMT (threads > 1)\n"
"  --host           describe this host ($KTSTR_SYSFS_ROOT replaces /sys)\n"
"  -h, --help       this text\n"
"\n"
"Exit: 0 records written, 2 bad arguments or input, 3 host unreadable,\n"
"77 no topology passed the filters.\n";

enum { OPT_MEMORY = 256, OPT_QEMU, OPT_PRESETS, OPT_HOST, OPT_FIT, OPT_OVERSUB,
       OPT_MIN_CPUS, OPT_MAX_CPUS, OPT_MIN_LLCS, OPT_MAX_LLCS,
       OPT_MIN_NUMA, OPT_MAX_NUMA, OPT_SMT };

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "qemu", no_argument, NULL, OPT_QEMU },
	{ "presets", no_argument, NULL, OPT_PRESETS },
	{ "host", no_argument, NULL, OPT_HOST },
	{ "fit", no_argument, NULL, OPT_FIT },
	{ "oversub", required_argument, NULL, OPT_OVERSUB },
	{ "min-cpus", required_argument, NULL, OPT_MIN_CPUS },
	{ "max-cpus", required_argument, NULL, OPT_MAX_CPUS },
	{ "min-llcs", required_argument, NULL, OPT_MIN_LLCS },
	{ "max-llcs", required_argument, NULL, OPT_MAX_LLCS },
	{ "min-numa", required_argument, NULL, OPT_MIN_NUMA },
	{ "max-numa", required_argument, NULL, OPT_MAX_NUMA },
	{ "smt", no_argument, NULL, OPT_SMT },
	{ NULL, 0, NULL, 0 },
};

struct options {
	bool qemu, presets, host, fit, filter;
	unsigned long long memory_mb;		/* 0: default */
	struct constraints cons;
	bool max_given[3];			/* cpus, llcs, numa */
};

void usage_exit(const char *text)
{
	if (help_put(text, stdout) == EOF || fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error");
	exit(EXIT_PASS);
}

/* A positive decimal integer option value, else exit 2 naming the option. */
static unsigned long long parse_count(const char *opt, const char *val,
				      unsigned long long max)
{
	unsigned long long v = 0;
	const char *p = val;

	if (!*p)
		die(EXIT_USAGE, "--%s '': expected a positive integer", opt);
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			die(EXIT_USAGE, "--%s '%s': expected a positive integer", opt, val);
		v = v * 10 + (unsigned)(*p - '0');
		if (v > max)
			die(EXIT_USAGE, "--%s %s: more than %llu", opt, val, max);
	}
	if (v == 0)
		die(EXIT_USAGE, "--%s %s: must be at least 1", opt, val);
	return v;
}

static double parse_factor(const char *val)
{
	char *end;
	double f = strtod(val, &end);

	if (!*val || *end || !isfinite(f) || f <= 0 || f > 1024)
		die(EXIT_USAGE, "--oversub '%s': expected a number above 0 (at most 1024)", val);
	return f;
}

/* Constraint options: one value into the right field. */
static void set_bound(struct options *o, int opt, const char *val)
{
	static const char *const names[] = {
		"min-cpus", "max-cpus", "min-llcs", "max-llcs", "min-numa", "max-numa",
	};
	unsigned *fields[] = {
		&o->cons.min_cpus, &o->cons.max_cpus, &o->cons.min_llcs,
		&o->cons.max_llcs, &o->cons.min_numa, &o->cons.max_numa,
	};
	int i = opt - OPT_MIN_CPUS;

	*fields[i] = (unsigned)parse_count(names[i], val, CPUSET_MAX);
	if (i % 2)
		o->max_given[i / 2] = true;
	o->filter = true;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	constraints_init(&o->cons);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage_exit(usage);
		case OPT_MEMORY:
			o->memory_mb = parse_count("memory", optarg, UINT_MAX);
			break;
		case OPT_QEMU: o->qemu = true; break;
		case OPT_PRESETS: o->presets = true; break;
		case OPT_HOST: o->host = true; break;
		case OPT_FIT: o->fit = o->filter = true; break;
		case OPT_OVERSUB: o->cons.oversub = parse_factor(optarg); break;
		case OPT_SMT: o->cons.smt = o->filter = true; break;
		case ':':
		case '?':
			die_option(c, argv, long_options, NULL);
		default:
			set_bound(o, c, optarg);
		}
	}
}

/* Modes and bounds that cannot go together end the tool here. */
static void check_options(const struct options *o, int ntopos)
{
	const struct constraints *c = &o->cons;

	if (o->host && (ntopos || o->presets || o->fit || o->qemu || o->filter ||
			o->memory_mb))
		die(EXIT_USAGE, "--host takes no topologies or other options");
	if (ntopos && o->presets)
		die(EXIT_USAGE, "give topologies or --presets, not both");
	if (!ntopos && !o->presets && !o->fit && !o->host)
		die(EXIT_USAGE, "no topology given (try --help)");
	if (c->min_cpus > c->max_cpus)
		die(EXIT_USAGE, "--min-cpus %u is above --max-cpus %u%s", c->min_cpus,
		    c->max_cpus, o->max_given[0] ? "" : " (the --fit default)");
	if (c->min_llcs > c->max_llcs)
		die(EXIT_USAGE, "--min-llcs %u is above --max-llcs %u%s", c->min_llcs,
		    c->max_llcs, o->max_given[1] ? "" : " (the --fit default)");
	if (c->min_numa > c->max_numa)
		die(EXIT_USAGE, "--min-numa %u is above --max-numa %u%s", c->min_numa,
		    c->max_numa, o->max_given[2] ? "" : " (the --fit default)");
}

/* Under --fit, presets get upstream's per-test maxima unless given. */
static void apply_fit_defaults(struct options *o)
{
	if (!o->max_given[0])
		o->cons.max_cpus = FIT_DEFAULT_MAX_CPUS;
	if (!o->max_given[1])
		o->cons.max_llcs = FIT_DEFAULT_MAX_LLCS;
	if (!o->max_given[2])
		o->cons.max_numa = FIT_DEFAULT_MAX_NUMA;
}

static void print_host(void)
{
	struct host h;
	json_t *rec;

	host_read(&h);
	rec = host_to_json(&h);
	ndjson_write(stdout, rec);
	json_decref(rec);
	host_free(&h);
}

/* A topology to print: a TOPO argument (preset NULL) or a preset. */
struct entry {
	const char *label;	/* the argument or preset name, for messages */
	const char *preset;
	struct topo topo;
};

/* Parse every argument before printing anything: no half-written output. */
static struct entry *entries_from_args(int argc, char **argv)
{
	struct entry *e = xcalloc((size_t)argc, sizeof(*e));
	char err[200];

	for (int i = 0; i < argc; i++) {
		e[i].label = argv[i];
		if (topo_parse(argv[i], &e[i].topo, err, sizeof(err)) < 0) {
			if (!isalpha((unsigned char)*argv[i]) || !presets_find(argv[i], &e[i].topo))
				die(EXIT_USAGE, "%s: %s%s", *argv[i] ? argv[i] : "''", err,
				    isalpha((unsigned char)*argv[i]) ? NOT_A_PRESET : "");
			e[i].preset = argv[i];
		}
	}
	return e;
}

static struct entry *entries_from_presets(const struct preset *p, size_t n)
{
	struct entry *e = xcalloc(n, sizeof(*e));

	for (size_t i = 0; i < n; i++) {
		e[i].label = e[i].preset = p[i].name;
		e[i].topo = p[i].topo;
	}
	return e;
}

static void set_memory(struct entry *e, size_t n, unsigned long long mb)
{
	char err[200];

	for (size_t i = 0; i < n; i++) {
		if (topo_check_memory_mb(&e[i].topo, mb, err, sizeof(err)) < 0)
			die(EXIT_USAGE, "--memory %llu: %s: %s", mb, e[i].label, err);
		e[i].topo.memory_mb = (unsigned)mb;
	}
}

static void print_qemu_line(const struct topo *t)
{
	char **args = topo_qemu_args(t, NULL);

	for (char **a = args; *a; a++)
		printf("%s%s", a == args ? "" : " ", *a);
	putchar('\n');
	topo_qemu_args_free(args);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error");
}

static void print_entry(const struct options *o, const struct entry *e)
{
	json_t *rec;

	if (o->qemu) {
		print_qemu_line(&e->topo);
		return;
	}
	rec = topo_to_json(&e->topo);
	if (e->preset)
		json_object_set_new(rec, "preset", json_string(e->preset));
	ndjson_write(stdout, rec);
	json_decref(rec);
}

/*
 * Print the entries that pass the filters. A TOPO argument that does not
 * pass is named on stderr; presets are dropped silently, as upstream does.
 * When none passes, one line says so, with why for each TOPO argument (exit 77).
 */
static void print_entries(const struct options *o, const struct entry *e, size_t n)
{
	size_t printed = 0, off = 0;
	char why[200], all[1024] = "", first[256] = "";

	for (size_t i = 0; i < n; i++)
		printed += constraints_accept(&o->cons, &e[i].topo, why, sizeof(why));
	for (size_t i = 0; i < n; i++) {
		if (constraints_accept(&o->cons, &e[i].topo, why, sizeof(why)))
			print_entry(o, &e[i]);
		else if (!e[i].preset && printed)
			warnmsg("%s: skipped: %s", e[i].label, why);
		else if (!e[i].preset && off < sizeof(all))
			off += (size_t)snprintf(all + off, sizeof(all) - off, "%s %s: %s",
						off ? ";" : ":", e[i].label, why);
		else if (e[i].preset && !first[0])
			snprintf(first, sizeof(first), ": %s: %s", e[i].label, why);
	}
	if (!printed && o->fit && !off)	/* presets, none fit: the smallest says why */
		warnmsg("no topology passed the filters%s%s", first, o->cons.oversub < 4 ?
			"; under TCG, where vCPUs are host threads, --oversub 4 fits as ktstr gauntlet "
			"does" : "");
	else if (!printed)
		warnmsg("no topology passed the filters%s", all);
	if (!printed)
		exit(EXIT_SKIP);
}

/* QEMU arguments it would refuse are no output: every topology is checked first. */
static void check_qemu_cpus(const struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (topo_cpus(&e[i].topo) > TOPO_QEMU_MAX_CPUS)
			die(EXIT_USAGE, "%s: %u CPUs; QEMU's pc machine takes at most %d", e[i].label,
			    topo_cpus(&e[i].topo), TOPO_QEMU_MAX_CPUS);
}

int main(int argc, char **argv)
{
	struct preset *presets = NULL;
	struct entry *entries;
	struct options o;
	struct host host;
	size_t npresets = 0, n;
	int ntopos;

	die_setprog(argv[0]);
	die_setprog_front();
	version_option(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "plan"))
		return plan_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "scenarios"))
		return scenlist_main(argc - 1, argv + 1);
	parse_options(argc, argv, &o);
	ntopos = argc - optind;
	if (o.fit && !ntopos)
		o.presets = true;
	if (o.fit && o.presets)
		apply_fit_defaults(&o);
	check_options(&o, ntopos);
	if (o.host) {
		print_host();
		return EXIT_PASS;
	}
	if (o.presets) {
		presets = presets_load(&npresets);
		entries = entries_from_presets(presets, npresets);
		n = npresets;
	} else {
		entries = entries_from_args(ntopos, argv + optind);
		n = (size_t)ntopos;
	}
	if (o.memory_mb)
		set_memory(entries, n, o.memory_mb);
	if (o.fit) {
		host_read(&host);
		o.cons.host = &host;
	}
	if (o.qemu)
		check_qemu_cpus(entries, n);
	print_entries(&o, entries, n);
	if (o.fit)
		host_free(&host);
	free(entries);
	presets_free(presets, npresets);
	return EXIT_PASS;
}
