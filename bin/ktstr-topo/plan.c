/*
 * ktstr-topo plan: the job records of a run or a gauntlet. Every scenario
 * on every topology under every flag profile that can run there, or under
 * --budget the ones that cover the most, each with why and how long.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "ids.h"
#include "ktstr-topo.h"
#include "ndjson.h"
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
       O_REPEAT, O_PAYLOAD, O_KERNEL_TAG };


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

static void parse_args(int argc, char **argv, struct plan_opts *o)
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

struct plan {
	struct plan_opts o;
	struct sched sched;
	struct scenfile *scen;
	size_t nscen;
	struct target *target;
	size_t ntarget;
	profile_t *prof;
	char **prof_names;
	size_t nprof;
	bool gauntlet_ids;	/* SCENARIO-TARGET-PROFILE */
	struct cand *cand;
	size_t ncand;
};

/* Whether profile k (with the scheduler's capabilities) has the flags scenario s needs. */
static bool flags_suit(const struct plan *p, size_t s, size_t k, char *why, size_t len)
{
	unsigned n;
	char **have = sched_flags_active(&p->sched, p->prof[k], &n);
	bool ok = !scenario_flags_unmet(&p->scen[s].model, have, n, why, len);

	free(have);
	return ok;
}

/* Every scenario x topology x profile that can run; 77 with the reasons when none can. */
static void candidates(struct plan *p)
{
	struct estimator *est = estimator_new(json_string_value(json_object_get(p->o.kernel, "id")),
					      p->o.accel, !p->o.nshards, p->o.jobs);
	char why[200], first[300] = "";

	p->cand = xcalloc(p->nscen * p->ntarget * p->nprof + 1, sizeof(*p->cand));
	for (size_t s = 0; s < p->nscen; s++) {
		size_t placed = 0;	/* jobs of scenario s so far */

		for (size_t t = 0; t < p->ntarget; t++) {
			bool hist;
			double e;

			if (p->o.smallest && placed)
				break;
			if (!scenfile_fits(&p->scen[s], &p->target[t].topo, why, sizeof(why))) {
				if (!*first)
					snprintf(first, sizeof(first), "%s on %s: %s", p->scen[s].name,
						 p->target[t].label, why);
				continue;
			}
			e = estimate(est, p->sched.name, p->scen[s].name, &p->target[t].topo,
				     p->o.duration_ms, &hist);
			for (size_t k = 0; k < p->nprof; k++) {
				struct cand *c;

				if (!flags_suit(p, s, k, why, sizeof(why))) {
					if (!*first)
						snprintf(first, sizeof(first), "%s under %s %s: %s",
							 p->scen[s].name, p->sched.name, p->prof_names[k], why);
					continue;
				}
				c = &p->cand[p->ncand++];

				c->scen = s;
				c->target = t;
				c->prof = k;
				c->profile = p->prof[k];
				c->est_s = round(e * 10) / 10;	/* as shown: sums add up */
				c->from_history = hist;
				placed++;
			}
		}
	}
	estimator_free(est);
	if (!p->ncand)
		die(EXIT_SKIP, "nothing can run: %s", first);
}

static void job_id(const struct plan *p, const struct cand *c, char *buf, size_t len)
{
	const char *tag = p->o.kernel_tag;

	if (p->gauntlet_ids)
		snprintf(buf, len, "%s-%s-%s%s%s", p->scen[c->scen].name, p->target[c->target].label,
			 p->prof_names[c->prof], tag ? "-" : "", tag ? tag : "");
	else
		snprintf(buf, len, "%s-%s%s%s", p->scen[c->scen].name, p->target[c->target].label,
			 tag ? "-" : "", tag ? tag : "");
}

static json_t *job_record(const struct plan *p, const struct cand *c, const char *id)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "type", "job", "id", id,
			      "test", p->scen[c->scen].name, "mode", "scenario");
	json_t *pl;

	json_object_set_new(j, "topo", topo_to_json(&p->target[c->target].topo));
	if (p->o.kernel)
		json_object_set(j, "kernel", p->o.kernel);
	json_object_set_new(j, "scheduler", sched_job_object(&p->sched, c->profile));
	json_object_set(j, "scenario", p->scen[c->scen].body);
	if (p->scen[c->scen].payloads)
		json_object_set(j, "payloads", p->scen[c->scen].payloads);
	json_object_set_new(j, "duration_ms", json_integer(p->o.duration_ms));
	json_object_set_new(j, "timeout_s", json_integer(p->o.timeout_s));
	json_object_set_new(j, "cmdline", sched_cmdline(&p->sched));
	json_object_set(j, "include", p->o.includes);
	if (json_array_size(p->o.writes))
		json_object_set(j, "map_writes", p->o.writes);
	pl = json_pack("{s:I, s:s, s:f, s:s, s:s}", "order", (json_int_t)c->order + 1,
		       "profile", p->prof_names[c->prof], "estimate_s", round(c->est_s * 10) / 10,
		       "estimate_from", c->from_history ? "history" : "model", "why", c->why);
	if (p->target[c->target].preset)
		json_object_set_new(pl, "preset", json_string(p->target[c->target].label));
	if (p->o.nshards)
		json_object_set_new(pl, "shard", json_sprintf("%u/%u", p->o.shard, p->o.nshards));
	if (p->o.jobs > 1)	/* (what the estimates counted on: progress shares the rest by it) */
		json_object_set_new(pl, "vms_at_once", json_integer(p->o.jobs));
	json_object_set_new(j, "plan", pl);
	return j;
}

static int by_plan_order(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->chosen != y->chosen)
		return x->chosen ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* Job ids must be unique: two scenario files of one name would clash. */
static void check_names(const struct plan *p)
{
	for (size_t i = 0; i < p->nscen; i++)
		for (size_t k = i + 1; k < p->nscen; k++)
			if (!strcmp(p->scen[i].name, p->scen[k].name))
				die(EXIT_USAGE, "two scenarios named %s (%s, %s): job ids would clash",
				    p->scen[i].name, p->scen[i].file, p->scen[k].file);
}

/* Job i of the plan, repeat r of n (n 1: no suffix, no "repeat"). */
static void print_job(const struct plan *p, const struct cand *c, unsigned r, unsigned n)
{
	char id[512], base[500];
	json_t *j;

	job_id(p, c, base, sizeof(base));
	snprintf(id, sizeof(id), n > 1 ? "%s.r%u" : "%s", base, r + 1);
	if (p->o.list) {
		printf("%s\t~%.1f s\t%s\n", id, c->est_s, c->why);
		return;
	}
	j = job_record(p, c, id);
	if (n > 1)
		json_object_set_new(j, "repeat", json_pack("{s:i, s:i}", "index", r + 1, "of", n));
	if (json_dumpf(j, stdout, JSON_COMPACT | NDJSON_REALS) < 0 || putchar('\n') == EOF)
		die(EXIT_INCONCLUSIVE, "write error");
	json_decref(j);
}

static void print_plan(const struct plan *p, size_t n)
{
	unsigned reps = p->o.repeat ? p->o.repeat : 1;
	const char *why;
	char id[512], base[500];

	for (size_t i = 0; i < n; i++) {	/* every id before any record (the longest repeat's) */
		job_id(p, &p->cand[i], base, sizeof(base));
		snprintf(id, sizeof(id), reps > 1 ? "%s.r%u" : "%s", base, reps);
		if ((why = id_problem(id, JOB_ID_MAX)))
			die(EXIT_USAGE, "scenario %s: its job id '%s' %s", p->scen[p->cand[i].scen].file,
			    id, why);
	}
	/* round-robin: a slow host drifts over all jobs' samples alike, not one job's */
	for (unsigned r = 0; r < reps; r++)
		for (size_t i = 0; i < n; i++)
			print_job(p, &p->cand[i], r, reps);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error");
}

/* One line on stderr: what the budget bought. */
static void note_budget(const struct plan *p, size_t chosen)
{
	double total = 0;
	size_t hist = 0;

	for (size_t i = 0; i < chosen; i++) {
		total += p->cand[i].est_s;
		hist += p->cand[i].from_history;
	}
	warnmsg("%zu of %zu jobs, about %.0f s of VM time (%.0f s at -j %u), %zu estimated from stored runs",
		chosen, p->ncand, total, total / p->o.jobs, p->o.jobs, hist);
}

/* The one job of 'ktstr shell': a shell (or one command) under EEVDF, no scenario. */
static int shell_job(const struct plan_opts *o)
{
	struct target *t;
	struct sched eevdf = { .name = "eevdf" };
	struct plan_opts one = *o;
	size_t n;
	json_t *j;
	char id[96];

	if (optind < 0 || o->ntopos > 1 || o->presets || o->fit)
		die(EXIT_USAGE, "--shell takes one --topo");
	if (!o->ntopos) {
		static char *deflt[] = { "1n1l2c1t" };

		one.topos = deflt;
		one.ntopos = 1;
	}
	t = targets(&one, &eevdf, &n);
	snprintf(id, sizeof(id), "shell-%s", t[0].label);
	j = json_pack("{s:s, s:s, s:s, s:s}", "type", "job", "id", id, "test", "shell", "mode", "shell");
	json_object_set_new(j, "topo", topo_to_json(&t[0].topo));
	if (o->kernel)
		json_object_set(j, "kernel", o->kernel);
	json_object_set_new(j, "scheduler", json_pack("{s:s}", "name", "eevdf"));
	json_object_set(j, "include", o->includes);
	json_object_set_new(j, "timeout_s", json_integer(o->timeout_s));
	if (o->exec)
		json_object_set_new(j, "exec", json_string(o->exec));
	if (json_dumpf(j, stdout, JSON_COMPACT | NDJSON_REALS) < 0 || putchar('\n') == EOF || fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error");
	json_decref(j);
	free(t[0].label);
	free(t);
	return EXIT_PASS;
}

static void plan_free(struct plan *p, struct plan_names *names)
{
	for (size_t i = 0; i < p->nscen; i++)
		scenfile_free(&p->scen[i]);
	for (size_t i = 0; i < p->ntarget; i++)
		free(p->target[i].label);
	for (size_t i = 0; i < p->nprof; i++)
		free(p->prof_names[i]);
	free(p->scen);
	free(p->target);
	free(p->prof);
	free(p->prof_names);
	free(p->cand);
	free((void *)names->scen);
	free((void *)names->target);
	sched_free(&p->sched);
	json_decref(p->o.kernel);
	json_decref(p->o.includes);
	json_decref(p->o.writes);
	free(p->o.topos);
	free(p->o.payloads);
}

int plan_main(int argc, char **argv)
{
	struct plan p = { .o = { .sched = "eevdf", .set = "canned", .duration_ms = 2000,
				 .timeout_s = 60, .jobs = 1, .budget_s = -1, .includes = json_array(), .writes = json_array() } };
	struct plan_names names;
	size_t chosen;
	int rc;

	parse_args(argc, argv, &p.o);
	if (p.o.shell) {
		if (optind < argc)
			die(EXIT_USAGE, "--shell takes no scenarios");
		rc = shell_job(&p.o);
		json_decref(p.o.kernel);
		json_decref(p.o.includes);
		json_decref(p.o.writes);
		free(p.o.topos);
		return rc;
	}
	if (!p.o.accel)
		p.o.accel = accel_detect();
	sched_resolve(&p.sched, p.o.sched, p.o.sargs,
		      json_string_value(json_object_get(p.o.kernel, "id")));
	if (p.o.profiles) {
		p.prof = sched_profiles(&p.sched, p.o.profiles, &p.nprof);
		p.gauntlet_ids = true;
	} else {
		p.prof = xcalloc(1, sizeof(*p.prof));
		p.prof[0] = sched_flags(&p.sched, p.o.flags);
		p.nprof = 1;
	}
	sched_check_kernel(&p.sched);
	p.prof_names = xcalloc(p.nprof, sizeof(char *));
	for (size_t i = 0; i < p.nprof; i++) {
		char buf[512];

		profile_name(&p.sched, p.prof[i], buf, sizeof(buf));
		p.prof_names[i] = xstrdup(buf);
	}
	p.scen = scenfiles_select(argv + optind, (size_t)(argc - optind), p.o.set, p.o.category,
				  &p.nscen);
	check_names(&p);
	for (size_t i = 0; i < p.nscen; i++)
		for (size_t k = 0; k < p.o.npayloads; k++)
			scenfile_add_payload(&p.scen[i], p.o.payloads[k]);
	if (!p.o.list)
		sched_check_binary(&p.sched);
	p.target = targets(&p.o, &p.sched, &p.ntarget);
	candidates(&p);
	names = (struct plan_names){ .nscen = p.nscen, .ntarget = p.ntarget, .nflag = p.sched.nflags,
				     .nprof = p.nprof, .flag = (const char *const *)p.sched.flag_names,
				     .prof = (const char *const *)p.prof_names };
	names.scen = xcalloc(p.nscen, sizeof(char *));
	names.target = xcalloc(p.ntarget, sizeof(char *));
	for (size_t i = 0; i < p.nscen; i++)
		((const char **)names.scen)[i] = p.scen[i].name;
	for (size_t i = 0; i < p.ntarget; i++)
		((const char **)names.target)[i] = p.target[i].label;
	chosen = cover_select(p.cand, p.ncand, &names,
			      p.o.budget_s > 0 && p.o.repeat ? p.o.budget_s / p.o.repeat : p.o.budget_s,
			      p.o.jobs, p.o.seed);
	if (!chosen)
		die(EXIT_USAGE, "no job fits the budget of %g s", p.o.budget_s);
	qsort(p.cand, p.ncand, sizeof(*p.cand), by_plan_order);
	if (p.o.budget_s > 0)
		note_budget(&p, chosen);
	if (p.o.nshards) {
		cover_shard(p.cand, chosen, p.o.shard, p.o.nshards);
		qsort(p.cand, chosen, sizeof(*p.cand), by_plan_order);
		while (chosen && !p.cand[chosen - 1].chosen)
			chosen--;
	}
	print_plan(&p, chosen);
	plan_free(&p, &names);
	return EXIT_PASS;
}
