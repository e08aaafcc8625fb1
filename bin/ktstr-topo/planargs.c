/* ktstr-topo plan's usage text and options, checked before anything is planned. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "ids.h"
#include "ktstr-topo.h"
#include "plan.h"

static const char usage[] =
"usage: ktstr-topo plan [options] [SCENARIO...]\n"
"\n"
"Job records (NDJSON, for ktstr-boot) for each SCENARIO (a name, canned or of\n"
"the catalog, or a file; default: every canned one) on each topology under each\n"
"flag profile of the scheduler. Every scenario is checked as the guest reads\n"
"it first. A job that could only skip (the scenario needs more CPUs, LLCs, NUMA\n"
"nodes or SMT than the topology has, cpusets it cannot split, or scheduler\n"
"flags the profile lacks) is left out. Each record carries\n"
"\"plan\": {order, preset, profile, estimate_s, estimate_from, why, and with\n"
"-j N vms_at_once}.\n"
"\n"
"  --scenarios SET   without SCENARIO: canned (default), catalog, all (both), or\n"
"                    bench (one payload each: share/ktstr/bench)\n"
"  --category C      only the scenarios of category C ('ktstr scenarios')\n"
"  --scheduler S     a definition (share/ktstr/schedulers/S.json or one\n"
"                    'ktstr sched build' made), a loader's path, or eevdf (default)\n"
"  --sched-args A    more arguments for the scheduler, split on blanks\n"
"  --flags a,b       run under these flags (job ids SCENARIO-TOPO)\n"
"  --profiles P      all (every subset of the flags their requires allow),\n"
"                    default (none), or \"default,a+b\" (job ids\n"
"                    SCENARIO-TOPO-PROFILE, TOPO a preset's name)\n"
"  --topo T          a topology or a preset's name (repeatable; default: the\n"
"                    definition's, else 1n2l2c1t)\n"
"  --presets a,b     these gauntlet presets ('all': every one)\n"
"  --smallest        each scenario only on the smallest topology that holds it\n"
"  --fit             the presets this host can hold (--oversub F: default 1\n"
"                    under KVM, 4 under TCG)\n"
"  --kernel-json J   the kernel object ('ktstr-kernel path --json')\n"
"  --kernel-tag T    append -T to every job id (the kernel, when one run has\n"
"                    several)\n"
"  --duration S      scenario seconds (default 2)   --timeout S  VM timeout (60)\n"
"  --memory MB       VM memory                       --include FILE (repeatable)\n"
"  --map-write SPEC  MAP:FIELD=VALUE@TIME (repeatable; see 'ktstr help run')\n"
"  --budget S        only what fits S seconds of wall time: first every scenario\n"
"                    on every topology and with every flag (and none), then\n"
"                    every whole profile, then the rest; each job's estimate is\n"
"                    the median of stored runs of its scenario and topology on\n"
"                    this kernel and accelerator, else a model\n"
"  -j N              VMs at once, for the budget (default 1)\n"
"  --seed N          breaks ties between equal choices (default 0)\n"
"  --shard I/N       only the I-th of N disjoint parts of the plan (balanced by\n"
"                    estimate); the N parts together are the whole plan. So that\n"
"                    every machine plans the same, it needs --presets or --topo\n"
"                    and estimates come from the model only\n"
"  --no-history      estimates from the model only, as --shard makes them (the\n"
"                    whole plan that the shards' lists add up to)\n"
"  --accel A         kvm or tcg for the estimates (default: as ktstr-boot chooses)\n"
"  --repeat N        every job N times (ids ID.r1 .. ID.rN, \"repeat\": {index,\n"
"                    of}); compare pools the samples (--budget counts them all)\n"
"  --payload P[@CG]  also run payload P (share/ktstr/payloads/P.json) in cgroup\n"
"                    CG (default: the root) from the scenario's start (repeatable)\n"
"  --list            a line per job: id, estimate, why (instead of records)\n"
"  --shell           instead: the one job of 'ktstr shell' (a busybox shell, or\n"
"                    --exec CMD run with sh -c) on the first --topo (default\n"
"                    1n1l2c1t), with --include, --memory and --timeout\n"
"  -h, --help        this text\n"
"\n"
"Exit: 0 jobs written, 2 bad arguments or input (also: no job fits the\n"
"budget), 77 every job could only skip (the reasons on stderr).\n";

enum { O_SCHED = 256, O_SARGS, O_FLAGS, O_PROFILES, O_TOPO, O_PRESETS, O_FIT, O_OVERSUB,
       O_KERNEL, O_DURATION, O_TIMEOUT, O_MEMORY, O_INCLUDE, O_MAPWRITE, O_BUDGET, O_SEED,
       O_SHARD, O_ACCEL, O_LIST, O_SHELL, O_EXEC, O_SET, O_CATEGORY, O_SMALLEST,
       O_REPEAT, O_PAYLOAD, O_KERNEL_TAG, O_NO_HISTORY };


static double parse_seconds(const char *opt, const char *v, double max)
{
	size_t dots = 0;
	double s;

	for (const char *p = v; *p; p++)
		if (*p == '.')
			dots++;
		else if (*p < '0' || *p > '9')
			dots = 9;
	s = dots <= 1 && strcmp(v, ".") ? strtod(v, NULL) : -1;
	if (!*v || s < 0 || s > max)
		die(EXIT_USAGE, "%s '%s': not a number of seconds (at most %.0f)", opt, v, max);
	return s;
}

static double parse_factor(const char *v)
{
	char *end;
	double f = strtod(v, &end);

	if (!*v || *end || !(f > 0) || f > 1024)
		die(EXIT_USAGE, "--oversub '%s': expected a number above 0 (at most 1024)", v);
	return f;
}

static unsigned long parse_uint(const char *opt, const char *v, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		die(EXIT_USAGE, "%s '%s': not a number from %lu to %lu", opt, v, lo, hi);
	n = strtoul(v, &end, 10);
	if (*end || n < lo || n > hi)
		die(EXIT_USAGE, "%s '%s': not a number from %lu to %lu", opt, v, lo, hi);
	return n;
}

static void parse_shard(struct plan_opts *o, const char *v)
{
	unsigned i, n;
	char tail;

	if (sscanf(v, "%u/%u%c", &i, &n, &tail) != 2 || n < 1 || n > 1000 || i < 1 || i > n)
		die(EXIT_USAGE, "--shard '%s': expected I/N with 1 <= I <= N <= 1000", v);
	o->shard = i;
	o->nshards = n;
}

void plan_parse_args(int argc, char **argv, struct plan_opts *o)
{
	static const struct option lo[] = {
		{ "scheduler", required_argument, NULL, O_SCHED },
		{ "sched-args", required_argument, NULL, O_SARGS },
		{ "flags", required_argument, NULL, O_FLAGS },
		{ "profiles", required_argument, NULL, O_PROFILES },
		{ "topo", required_argument, NULL, O_TOPO },
		{ "presets", required_argument, NULL, O_PRESETS },
		{ "fit", no_argument, NULL, O_FIT },
		{ "oversub", required_argument, NULL, O_OVERSUB },
		{ "kernel-json", required_argument, NULL, O_KERNEL },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "include", required_argument, NULL, O_INCLUDE },
		{ "map-write", required_argument, NULL, O_MAPWRITE },
		{ "budget", required_argument, NULL, O_BUDGET },
		{ "jobs", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, O_SEED },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "no-history", no_argument, NULL, O_NO_HISTORY },
		{ "accel", required_argument, NULL, O_ACCEL },
		{ "list", no_argument, NULL, O_LIST },
		{ "shell", no_argument, NULL, O_SHELL },
		{ "exec", required_argument, NULL, O_EXEC },
		{ "scenarios", required_argument, NULL, O_SET },
		{ "category", required_argument, NULL, O_CATEGORY },
		{ "smallest", no_argument, NULL, O_SMALLEST },
		{ "repeat", required_argument, NULL, O_REPEAT },
		{ "payload", required_argument, NULL, O_PAYLOAD },
		{ "kernel-tag", required_argument, NULL, O_KERNEL_TAG },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	json_error_t jerr;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hj:", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage_exit(usage);
		case O_SCHED: o->sched = optarg; break;
		case O_SARGS: o->sargs = optarg; break;
		case O_FLAGS:
			if (!*optarg)	/* (no flags is --profiles default) */
				die(EXIT_USAGE, "--flags '': expected flag names, like a,b");
			o->flags = optarg;
			break;
		case O_PROFILES: o->profiles = optarg; break;
		case O_TOPO:
			o->topos = xrealloc(o->topos, (o->ntopos + 1) * sizeof(char *));
			o->topos[o->ntopos++] = optarg;
			break;
		case O_PRESETS:
			if (!*optarg || *optarg == ',' || strstr(optarg, ",,") ||
			    optarg[strlen(optarg) - 1] == ',')
				die(EXIT_USAGE, "--presets '%s': an empty preset name", optarg);
			o->presets = optarg;
			break;
		case O_FIT: o->fit = true; break;
		case O_OVERSUB: o->oversub = parse_factor(optarg); break;
		case O_KERNEL:
			json_decref(o->kernel);
			o->kernel = json_loads(optarg, 0, &jerr);
			if (!json_is_object(o->kernel))
				die(EXIT_USAGE, "--kernel-json: expected a JSON object");
			json_object_del(o->kernel, "type");
			break;
		case O_KERNEL_TAG:
			if (id_problem(optarg, 40))
				die(EXIT_USAGE, "--kernel-tag %s: %s", optarg, id_problem(optarg, 40));
			o->kernel_tag = optarg;
			break;
		case O_DURATION:
			o->duration_ms = (unsigned)floor(parse_seconds("--duration", optarg, 86400) * 1000);
			/* a job's 0 ms is the guest's default duration, not none */
			if (!o->duration_ms)
				die(EXIT_USAGE, "--duration '%s': less than 1 ms", optarg);
			break;
		case O_TIMEOUT: o->timeout_s = (unsigned)parse_uint("--timeout", optarg, 1, 86400); break;
		case O_MEMORY: o->memory_mb = (unsigned)parse_uint("--memory", optarg, 1, 1 << 24); break;
		case O_INCLUDE: job_add_include(o->includes, optarg); break;
		case O_MAPWRITE: job_add_map_write(o->writes, optarg); break;
		case O_BUDGET: o->budget_s = parse_seconds("--budget", optarg, 1e7); break;
		case 'j': o->jobs = (unsigned)parse_uint("-j", optarg, 1, 256); break;
		case O_SEED: o->seed = parse_uint("--seed", optarg, 0, 0xffffffffUL); break;
		case O_SHARD: parse_shard(o, optarg); break;
		case O_NO_HISTORY: o->no_history = true; break;
		case O_ACCEL:
			if (strcmp(optarg, "kvm") && strcmp(optarg, "tcg"))
				die(EXIT_USAGE, "--accel '%s': expected kvm or tcg", optarg);
			o->accel = optarg;
			break;
		case O_LIST: o->list = true; break;
		case O_SHELL: o->shell = true; break;
		case O_EXEC:
			if (!*optarg)
				die(EXIT_USAGE, "--exec '': expected a command");
			o->exec = optarg;
			break;
		case O_SET:
			if (strcmp(optarg, "canned") && strcmp(optarg, "catalog") && strcmp(optarg, "all") &&
			    strcmp(optarg, "bench"))
				die(EXIT_USAGE, "--scenarios '%s': expected canned, catalog, all or bench", optarg);
			o->set = optarg;
			break;
		case O_CATEGORY: o->category = optarg; break;
		case O_SMALLEST: o->smallest = true; break;
		case O_REPEAT: o->repeat = (unsigned)parse_uint("--repeat", optarg, 1, 1000); break;
		case O_PAYLOAD:
			o->payloads = xrealloc(o->payloads, (o->npayloads + 1) * sizeof(char *));
			o->payloads[o->npayloads++] = optarg;
			break;
		default: die_option(c, argv, lo, "plan");
		}
	}
	if (o->set && strcmp(o->set, "canned") && optind < argc)
		die(EXIT_USAGE, "give SCENARIO names or --scenarios, not both");
	if (o->exec && !o->shell)
		die(EXIT_USAGE, "--exec needs --shell");
	if (o->flags && o->profiles)
		die(EXIT_USAGE, "give --flags or --profiles, not both");
	if ((o->presets || o->fit) && o->ntopos)
		die(EXIT_USAGE, "give --topo or --presets/--fit, not both");
	if (o->presets && o->fit)
		die(EXIT_USAGE, "give --presets or --fit, not both");
	/* every machine must compute the same plan: neither its capacity nor its stored runs count */
	if (o->nshards && o->fit)
		die(EXIT_USAGE, "--shard needs --presets or --topo: machines may fit different presets");
	if (o->budget_s == 0)
		die(EXIT_USAGE, "--budget 0: no job fits in no time");
}
