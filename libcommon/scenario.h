/*
 * The scenario model: cgroups, their cpusets and worker groups, and the
 * steps that change them. Parsed from a scenario file here, so that the
 * guest (which runs it) and the host (which checks it before booting) read
 * it the same way.
 */
#ifndef KTSTR_SCENARIO_H
#define KTSTR_SCENARIO_H

#include <stdbool.h>
#include <jansson.h>

#include "cpulist.h"
#include "requires.h"
#include "systopo.h"

/* Usable CPUs: every online CPU but the last when there are more than 2 (it stays for init). */
void scenario_usable_cpus(const struct systopo *t, struct cpuset *out);
/* "1n2l2c1t", malloc'd. */
char *scenario_topo_name(const struct systopo *t);

#define MAX_STEPS 64

enum spec_kind { SPEC_LLC, SPEC_NUMA, SPEC_RANGE, SPEC_DISJOINT, SPEC_OVERLAP, SPEC_EXACT,
		 SPEC_HOLDBACK, SPEC_MISALIGNED, SPEC_CPU_AT, SPEC_KIND_COUNT };
struct cpuspec {
	enum spec_kind kind;
	unsigned index, of;
	double a, b;		/* range fractions; overlap, holdback and cpu_at fraction in a */
	struct cpuset exact;
};

enum aff_kind { AFF_INHERIT, AFF_RANDOM_SUBSET, AFF_LLC_ALIGNED, AFF_CROSS_CGROUP,
		AFF_SINGLE_CPU, AFF_EXACT, AFF_FIRST };
struct affinity {
	enum aff_kind kind;
	struct cpuset exact;
	unsigned first;		/* AFF_FIRST: the pool's first N CPUs */
};

/* A worker group's NUMA memory policy (set_mempolicy); nodes as a bit set. */
enum mem_kind { MEM_DEFAULT, MEM_LOCAL, MEM_BIND, MEM_PREFERRED, MEM_INTERLEAVE };
struct mem_policy {
	enum mem_kind kind;
	struct cpuset nodes;
};

enum work_kind { WORK_CPU_SPIN, WORK_YIELD_HEAVY, WORK_MIXED, WORK_IO_SYNC, WORK_BURSTY,
		 WORK_PIPE_IO, WORK_FUTEX_PING_PONG, WORK_CACHE_PRESSURE, WORK_CACHE_YIELD,
		 WORK_FORK_EXIT, WORK_PAGE_FAULT_CHURN, WORK_CACHE_PIPE, WORK_FUTEX_FAN_OUT,
		 WORK_FAN_OUT_COMPUTE, WORK_SEQUENCE, WORK_NICE_SWEEP, WORK_AFFINITY_CHURN,
		 WORK_POLICY_CHURN, WORK_MUTEX_CONTENTION, WORK_CUSTOM, WORK_KIND_COUNT };
#define WORK_MAX_PARAMS 4
#define WORK_MAX_PHASES 16
#define WORK_MAX_ARGS 64
enum phase_kind { PHASE_SPIN, PHASE_SLEEP, PHASE_YIELD, PHASE_IO };
struct phase {
	enum phase_kind kind;
	unsigned ms;
};
struct work {
	enum work_kind kind;
	unsigned param[WORK_MAX_PARAMS];
	unsigned nphases;			/* Sequence */
	struct phase phases[WORK_MAX_PHASES];
	char **argv;		/* Custom: path, args, NULL; owned by the scenario (work_free) */
};
struct work_type_info {
	const char *name;
	unsigned group_size;	/* workers per group (pairs: 2); see work_group_size */
	const char *param_name[WORK_MAX_PARAMS];
	unsigned param_default[WORK_MAX_PARAMS];
};
const struct work_type_info *work_info(enum work_kind k);
/* Workers per group: fan-out types fan_out + 1, MutexContention its contenders. */
unsigned work_group_size(const struct work *w);
int work_parse(json_t *j, struct work *w, const char *path, char *err, size_t errlen);
json_t *work_json(const struct work *w);
const char *phase_name(enum phase_kind k);
void work_free(struct work *w);
/* Every "path" of a {"type": "Custom"} work in j (a scenario's JSON), as the keys of out. */
void scenario_custom_paths(json_t *j, json_t *out);
/* The guest's own mount ("/tmp/", ...) that would hide a file put at path, else NULL. */
const char *scenario_guest_mount(const char *path);

struct policy {
	int policy;		/* SCHED_OTHER, SCHED_BATCH, ... */
	int prio;
};

struct group {
	unsigned count;
	bool per_cpu;		/* "count": "per_cpu": one worker per online CPU */
	struct work work;
	struct policy policy;
	int nice;
	struct affinity affinity;
	struct mem_policy mem;
};

struct cgdef {
	char *name;
	unsigned per_cpu;	/* a generator: NAME_0.. on one CPU each, at most this many */
	bool has_cpuset;	/* for a generator: the CPUs it takes, else the usable ones */
	struct cpuspec cpuset;
	unsigned ngroups;
	struct group *groups;
};

enum op_kind { OP_ADD_CGROUP, OP_REMOVE_CGROUP, OP_SET_CPUSET, OP_CLEAR_CPUSET,
	       OP_SWAP_CPUSETS, OP_SPAWN, OP_STOP_CGROUP, OP_SET_AFFINITY, OP_SPAWN_HOST,
	       OP_MOVE_ALL_TASKS, OP_RUN_PAYLOAD, OP_WAIT_PAYLOAD, OP_KILL_PAYLOAD };

/* run_payload / wait_payload / kill_payload (scenario_payload.c). */
struct payload_op {
	char *payload;		/* the definition's name (run_payload) */
	char *id;		/* the handle later ops name; default: the payload's name */
	char **args;		/* NULL: the definition's default_args */
	unsigned nargs;
	unsigned timeout_ms;	/* run/wait: 0 = none */
	int signal;		/* kill_payload: SIGTERM, SIGINT or SIGKILL */
	json_t *checks;		/* run_payload's "checks" as written, or NULL */
};

struct op {
	enum op_kind kind;
	char *a, *b;		/* cgroup names (a: cgroup/from/a, b: to/b) */
	struct cpuspec spec;
	struct group group;
	struct affinity affinity;
	struct payload_op pl;
};

enum hold_kind { HOLD_FRAC, HOLD_MS, HOLD_LOOP };
struct hold {
	enum hold_kind kind;
	double frac;
	unsigned ms;
};

struct step {
	unsigned nops;
	struct op *ops;
	unsigned ndefs;
	struct cgdef *defs;	/* step-local: removed when the step ends */
	struct hold hold;
	json_t *ops_json;	/* as written, for the step event */
};

#define SCENARIO_MAX_FLAGS 16
struct scenario {
	char *name;
	char *category, *description;	/* "" when not given */
	char **flags_need, **flags_excl;	/* scheduler flags it needs / cannot run under */
	unsigned nflags_need, nflags_excl;
	struct requires req;
	unsigned ndefs;
	struct cgdef *defs;	/* backdrop: live through every step */
	unsigned nsteps;
	struct step *steps;
};

/* Parse; -1 with "path: what is wrong" in err. */
int scenario_parse(json_t *j, struct scenario *s, char *err, size_t errlen);
/* scenario_parse's last check: the names ops and steps use exist where used (-1 and err). */
int scenario_check_refs(const struct scenario *s, char *err, size_t errlen);
void scenario_free(struct scenario *s);
/* scenario_meta.c: category, description and flags of the top level. */
int scenario_parse_meta(json_t *j, struct scenario *s, char *err, size_t errlen);
void scenario_free_meta(struct scenario *s);
/* NULL when the flags in have[] suit the scenario, else why not (in why). */
const char *scenario_flags_unmet(const struct scenario *s, char *const *have, unsigned nhave,
				 char *why, size_t len);

int spec_parse(json_t *j, struct cpuspec *s, const char *path, char *err, size_t errlen);
int spec_resolve(const struct cpuspec *s, const struct systopo *t, struct cpuset *out,
		 char *err, size_t errlen);
json_t *spec_json(const struct cpuspec *s);
int affinity_parse(json_t *j, struct affinity *a, const char *path, char *err, size_t errlen);
json_t *affinity_json(const struct affinity *a);
int policy_parse(json_t *j, struct policy *p, const char *path, char *err, size_t errlen);
json_t *policy_json(const struct policy *p);
int mem_policy_parse(json_t *j, struct mem_policy *m, const char *path, char *err, size_t errlen);
json_t *mem_policy_json(const struct mem_policy *m);
const char *op_name(enum op_kind k);

/* scenario_payload.c: parse a payload op's own keys (o->kind set, "op" checked). */
int payload_op_parse(json_t *j, struct op *o, const char *path, char *err, size_t errlen);
void payload_op_free(struct op *o);
json_t *payload_op_json(const struct op *o);
/* A cgroup name below the scenario's parent: "cg_0", "cg_0/sub". */
bool valid_cgroup_name(const char *s);
/* A payload or handle name: [A-Za-z0-9_.-], 1-64 characters, not starting with '.'. */
bool payload_name_ok(const char *s);
/* Each check of a run_payload "checks" array; -1 with err naming the problem. */
int payload_checks_parse(json_t *checks, const char *path, char *err, size_t errlen);
/*
 * Every payload name a scenario runs, once each (borrowed strings; free the
 * array). Ops naming a handle no earlier run_payload started fail the parse.
 */
const char **scenario_payloads(const struct scenario *s, unsigned *n);

/* The number of workers a group forks on this topology. */
unsigned group_count(const struct group *g, const struct systopo *t);

/* scenario_plan.c: what a scenario resolves to on a topology (the host's check) */
/*
 * Replace each per_cpu generator by the cgroups it makes on t (one per CPU of
 * its pool); one whose pool does not resolve stays, for the check below.
 */
void scenario_expand(struct scenario *s, const struct systopo *t);
/* NULL when every static cpuset and memory-policy node list fits t, else why not (in why). */
const char *scenario_cpusets_unresolvable(const struct scenario *s, const struct systopo *t,
					  char *why, size_t len);
json_t *plan_json(const struct scenario *s, const struct systopo *t, unsigned duration_ms);

#endif
