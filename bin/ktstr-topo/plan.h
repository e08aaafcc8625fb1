/*
 * ktstr-topo plan: job records from scenarios x topologies x flag profiles
 * of a scheduler, chosen to cover the most in a time budget.
 */
#ifndef KTSTR_TOPO_PLAN_H
#define KTSTR_TOPO_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "requires.h"
#include "scenario.h"
#include "topo.h"

/* A scheduler as a job runs it: from a definition, a loader's path, or eevdf. */
struct sched {
	char *name;
	json_t *def;		/* the definition file's object; NULL for eevdf or a path */
	char *def_path;
	char *path;		/* absolute loader path; NULL for eevdf */
	json_t *extra_args;	/* array: --sched-args split on blanks */
	char **flag_names;	/* declared flags, in order */
	size_t nflags;
	char *topology;		/* the definition's default topology */
	char **caps;		/* "capabilities": flags it always has */
	size_t ncaps;
	char *other_kernels;	/* the loader is built for other kernels only: why it cannot run */
};

/* One flag profile: the active flags as a bitmask over sched.flag_names. */
typedef unsigned long profile_t;

/* share/ktstr/schedulers/NAME.json, a 'ktstr sched build' one, a path, or eevdf. */
void sched_resolve(struct sched *s, const char *spec, const char *extra, const char *kernel_id);
/* Dies when the definition's loader is built for other kernels only (after the flags are
 * checked: a mistyped flag is said first). */
void sched_check_kernel(const struct sched *s);
/* Dies when the definition's loader is not built. */
void sched_check_binary(const struct sched *s);
/* The profiles of --profiles WANT ("all", "default", "a+b,c"); n set. Dies on bad ones. */
profile_t *sched_profiles(const struct sched *s, const char *want, size_t *n);
/* The one profile of --flags a,b; dies on an unknown flag or a missing requirement. */
profile_t sched_flags(const struct sched *s, const char *flags);
/* "default" or "a+b" into buf. */
void profile_name(const struct sched *s, profile_t p, char *buf, size_t len);
/* The capabilities and the flags active under p; free the array, not the names. */
char **sched_flags_active(const struct sched *s, profile_t p, unsigned *n);
/* The job's "scheduler" object and "cmdline" array under profile p. */
json_t *sched_job_object(const struct sched *s, profile_t p);
json_t *sched_cmdline(const struct sched *s);
void sched_free(struct sched *s);

/* A scenario file: its name (test), path, content and what the content says. */
struct scenfile {
	char *name;
	char *file;
	json_t *body;
	struct scenario model;
	json_t *payloads;	/* the job's "payloads", or NULL when it runs none */
};

/* payloads.c: each payload the scenario runs, validated and found on this host; dies (2) otherwise. */
json_t *payloads_resolve(const struct scenario *s, const char *scen_file);

/*
 * NAME (canned, then catalog) or a file path, parsed and checked as the
 * guest will read it; dies with the closest names for an unknown one and
 * with the JSON path of the first problem for a malformed one.
 */
void scenfile_load(struct scenfile *sc, const char *arg);
/* Every scenario of a folder of share/ktstr ("scenarios": the canned ones, "catalog"), by name. */
struct scenfile *scenfiles_in(const char *folder, size_t *n);
/* --payload NAME[@CGROUP]: run that payload from the scenario's start; dies on a bad one. */
void scenfile_add_payload(struct scenfile *sc, const char *spec);
/* true when the scenario can run on t (requirements, cpusets), else false and why. */
/*
 * The scenarios of a plan: the args when there are some, else the set
 * ("canned", "catalog" or "all"); only those of category when it is not
 * NULL (dies when none is). n set.
 */
struct scenfile *scenfiles_select(char *const *args, size_t nargs, const char *set,
				  const char *category, size_t *n);
bool scenfile_fits(const struct scenfile *sc, const struct topo *t, char *why, size_t len);
void scenfile_free(struct scenfile *sc);

/* A topology a job may run on: a preset or a TOPO argument. */
struct target {
	char *label;		/* the preset's name, or the topology's */
	bool preset;
	struct topo topo;
};

/* One job the plan may choose. */
struct cand {
	size_t scen, target, prof;	/* indexes */
	profile_t profile;
	double est_s;		/* estimated VM seconds */
	bool from_history;
	bool chosen;
	size_t order;		/* position in the plan once chosen */
	char why[256];		/* what it covered first, once chosen */
};

/* The estimate model and the history of stored runs. */
struct estimator;
/* kvm or tcg, as ktstr-boot will choose. */
const char *accel_detect(void);
/* Stored runs of this kernel (NULL: any) and accelerator, newest first; or the model only. */
struct estimator *estimator_new(const char *kernel_id, const char *accel, bool history,
			       unsigned jobs);
/*
 * VM seconds for a job of scheduler sched; *hist true when stored runs gave
 * it (of this scheduler if there are some, else of any).
 */
double estimate(const struct estimator *e, const char *sched, const char *test,
		const struct topo *t, unsigned duration_ms, bool *hist);
void estimator_free(struct estimator *e);

/* The names of the plan's axes, for the reasons it gives. */
struct plan_names {
	const char *const *scen, *const *target, *const *flag, *const *prof;
	size_t nscen, ntarget, nflag, nprof;
};

/*
 * Choose candidates under budget_s seconds of wall time with jobs VMs at
 * once (budget_s <= 0: all): first until every scenario x target and
 * scenario x flag pair is covered, then what covers new combinations,
 * ties broken by seed. Sets chosen, order and why; returns how many.
 */
size_t cover_select(struct cand *c, size_t n, const struct plan_names *names, double budget_s,
		    unsigned jobs, unsigned long seed);
/* Shard i of n (1-based) of the chosen ones, balanced by estimate: others unchosen. */
void cover_shard(struct cand *c, size_t n, unsigned i, unsigned nshards);

/* --include FILE into an include array; --map-write SPEC into a map_writes array. */
void job_add_include(json_t *includes, const char *file);
void job_add_map_write(json_t *writes, const char *spec);

/* What the plan is asked for: ktstr-topo plan's options. */
struct plan_opts {
	const char *sched, *sargs, *flags, *profiles, *presets, *accel, *exec;
	const char *set, *category;	/* --scenarios canned|catalog|all, --category */
	char **topos;
	size_t ntopos;
	bool fit, list, shell, smallest;
	bool no_history;		/* --no-history (implied by --shard) */
	double oversub, budget_s;
	json_t *kernel, *includes, *writes;
	unsigned duration_ms, timeout_s, memory_mb, jobs, shard, nshards;
	unsigned repeat;		/* --repeat N: every job N times */
	char **payloads;		/* --payload specs */
	size_t npayloads;
	unsigned long seed;
	const char *kernel_tag;		/* --kernel-tag: appended to job ids */
};

/* The topologies: --topo ones, presets (named, all, or those that fit), or the scheduler's; n set. */
struct target *targets(const struct plan_opts *o, const struct sched *s, size_t *n);

/* planargs.c: the options into o (optind past them); dies (2) on bad ones, exits on --help. */
void plan_parse_args(int argc, char **argv, struct plan_opts *o);
int plan_main(int argc, char **argv);
int scenlist_main(int argc, char **argv);

#endif
