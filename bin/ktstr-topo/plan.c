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
#include "ids.h"
#include "ktstr-topo.h"
#include "ndjson.h"
#include "plan.h"

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
					      p->o.accel, !p->o.nshards && !p->o.no_history, p->o.jobs);
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

/* One line on stderr: what the budget bought, or what of it this shard runs (of whole). */
static void note_budget(const struct plan *p, size_t chosen, size_t whole)
{
	double total = 0;
	size_t hist = 0;

	for (size_t i = 0; i < chosen; i++) {
		total += p->cand[i].est_s;
		hist += p->cand[i].from_history;
	}
	if (p->o.nshards)
		warnmsg("shard %u/%u: %zu of the plan's %zu jobs (of %zu), about %.0f s of VM time "
			"(%.0f s at -j %u); estimates from the model only, the same on every machine "
			"(--no-history: the whole plan so)", p->o.shard, p->o.nshards, chosen, whole,
			p->ncand, total, total / p->o.jobs, p->o.jobs);
	else
		warnmsg("%zu of %zu jobs, about %.0f s of VM time (%.0f s at -j %u), "
			"%zu estimated from stored runs", chosen, p->ncand, total, total / p->o.jobs,
			p->o.jobs, hist);
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
	size_t chosen, whole;
	int rc;

	plan_parse_args(argc, argv, &p.o);
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
	whole = chosen;
	if (p.o.nshards) {
		cover_shard(p.cand, chosen, p.o.shard, p.o.nshards);
		qsort(p.cand, chosen, sizeof(*p.cand), by_plan_order);
		while (chosen && !p.cand[chosen - 1].chosen)
			chosen--;
	}
	if (p.o.budget_s > 0 || p.o.nshards)
		note_budget(&p, chosen, whole);
	print_plan(&p, chosen);
	plan_free(&p, &names);
	return EXIT_PASS;
}
