/* ktstr-sidecar: run records on disk, and what reads them back. */
#ifndef KTSTR_SIDECAR_H
#define KTSTR_SIDECAR_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* Subcommands: each gets argv from the subcommand's name on. */
int cmd_write(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_repro(int argc, char **argv);

/* write.c: fail beats inconclusive beats pass beats skip (as ktstr-eval). */
int result_rank(const char *r);		/* -1 for none of them */
int result_status(int worst);		/* exit status for the worst rank; -1: no jobs */

/* progress.c: `write --progress` lines on stderr. */
struct progress {
	size_t total, done;		/* jobs seen, jobs stored */
	int planned;			/* total and estimates from the run's jobs.ndjson */
	double est_done, est_left;	/* the planner's estimates, in s */
	double start_s;
	double wall_done, wall_est;	/* VM times of stored jobs, and their estimates */
	unsigned vms;			/* VMs at once the plan counted on (its -j) */
};
void progress_job(struct progress *p, json_t *job);	/* a job record came */
/* The run's planned jobs (a gauntlet's jobs.ndjson), when it has them: all jobs are known at once. */
void progress_plan(struct progress *p, const char *jobs_path);
void progress_done(struct progress *p, json_t *job, json_t *run);	/* its run record was stored */

/* stages.c: `write --stages`: each running job's stage on stderr. */
struct stages {
	int on, tty, ticking, stop, hidden, drawn;
	const char *prog;		/* what lines start with */
	struct progress *progress;	/* the gauntlet's counter, or NULL */
	double start_s;
	struct job_stage *jobs;		/* running jobs, oldest first */
	size_t njobs;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
};
/* mode "tty" (one line, overwritten, ticking) or "lines" (one per change); dies on others. */
void stages_start(struct stages *s, const char *mode, struct progress *p);
void stages_note(struct stages *s, json_t *rec);	/* a record went by */
/* Around other lines on stderr: the tty line is cleared, then drawn again below them. */
void stages_hide(struct stages *s);
void stages_show(struct stages *s);
void stages_end(struct stages *s);	/* the tty line cleared */

/* totals.c: `show --totals`: counts, failures, where they gather; returns the run's exit status. */
int totals_print(const char *run_dir, const char *run_id, json_t **recs, size_t n, int as_json);

/* brief.c: `show --brief`: the result as `ktstr run` prints it, from RUNS/RUN/stream.ndjson;
 * which (a job id or test name, or NULL for all) picks the job. */
int show_brief(const char *runs_dir, const char *run, const char *which);

/* hostinfo.c: what the host was (CPU, memory, kernel, sched tunables). */
json_t *hostinfo_collect(void);
/* $KTSTR_COMMIT, else the short HEAD (+"-dirty") of this tree, else null. */
json_t *hostinfo_project_commit(void);
/* "2026-11-26T07:05:01Z" for t into buf (>= 32 bytes). */
void iso_utc(long long t, char *buf, size_t len);

/* store.c: directories and atomic files. 0 or -1 with err filled. */
int store_mkdirs(const char *path, char *err, size_t errlen);
int store_atomic(const char *dir, const char *name, const char *text,
		 char *err, size_t errlen);
int store_write_all(int fd, const char *p, size_t n);
/* fsync a directory so a rename in it survives a crash. */
void store_sync_dir(const char *dir);
/* UTC time and pid, e.g. 20261126T070501Z-1234. */
void store_default_run_id(char *buf, size_t len);
/* safeout.c: stdout from now on shows control characters instead of sending them. */
void safeout_install(void);
/* fopen(path, "r") for a regular file only: a FIFO or device of that name would block or
 * never end (NULL and errno EINVAL for those). */
FILE *store_fopen_regular(const char *path);

/* runs.c: every run record under a runs dir, one level of run dirs deep. */
struct run_rec {
	char *run_id;		/* the run dir's name */
	char *path;		/* the record's file */
	json_t *rec;
};
struct run_set {
	struct run_rec *v;
	size_t n, cap;
};
void runs_load(const char *runs_dir, struct run_set *set);
void runs_free(struct run_set *set);
/* Run ids newest first (by earliest started_at, then id); malloc'd array. */
char **runs_ids_newest_first(const struct run_set *set, size_t *n);
void runs_ids_free(char **ids, size_t n);
/* "latest" is the newest run id, else arg itself (not copied). */
const char *runs_resolve_id(const struct run_set *set, const char *arg,
			    char **owned);

int str_ends_with(const char *s, const char *suffix);
/*
 * The arguments after a subcommand's options: from min to max (-1: any number) of them, else
 * exit 2 naming the one too many ("CMD: unexpected argument 'X' (expects WHAT)") or saying what
 * is missing.
 */
void operands(int argc, char **argv, int min, int max, const char *cmd, const char *what);
/* A --runs-dir (or $KTSTR_RUNS_DIR) that is there but no directory: exit 2. */
void runs_dir_check(const char *runs_dir);

/* Small accessors over run records. */
const char *rec_str(json_t *o, const char *key, const char *dflt);
const char *rec_kernel(json_t *rec);	/* guest release, else kernel id */
const char *rec_scheduler(json_t *rec);
/* A record's step index (from 0) counted from 1 for people; the largest stays itself. */
long long rec_step_no(json_t *index);
/*
 * A record's number as an integer for output and indexes, clamped to the type's range
 * (NaN: 0): casting a double out of range is undefined, and a record may hold any number.
 */
long long num_ll(double x);
int num_int(double x);
/* As an array index: SIZE_MAX (no such element) when negative or past size_t. */
size_t num_index(double x);
/* Flags joined with '+', "" for none, into buf. */
void rec_flags(json_t *rec, char *buf, size_t len);
/* The first detail that failed a check (not "fails": false, which only informs), or NULL. */
json_t *rec_first_failure(json_t *rec);

/* table.c: left/right aligned text columns. */
struct table {
	size_t ncols, nrows, cap;
	char **cells;		/* nrows * ncols */
	const char *align;	/* 'l' or 'r' per column */
};
void table_init(struct table *t, size_t ncols, const char *align);
void table_add(struct table *t, ...);	/* ncols strings */
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

/* metrics.c: the regression metric registry (share/ktstr/metrics.json). */
struct metric {
	const char *name, *polarity, *unit, *path, *reduce;
	double abs_gate, rel_gate;
	const char *guard_metric;	/* NULL, or skip below guard_min */
	double guard_min;
	int higher_better;
};
struct metric_set {
	json_t *doc;		/* owns the strings */
	struct metric *v;
	size_t n;
	double payload_abs_gate, payload_rel_gate;	/* for payload metrics that give none */
};
void metrics_load(const char *path, struct metric_set *ms);
void metrics_free(struct metric_set *ms);
const struct metric *metrics_find(const struct metric_set *ms, const char *name);
/* The metric's value in a run record: 1 when present, 0 when not. */
int metric_value(const struct metric *m, json_t *rec, double *out);
/* For reduce "each": the object whose members the path's '*' names, or NULL. */
json_t *metric_members(const struct metric *m, json_t *rec);

/* report.c: JUnit XML and TAP from run records. */
struct junit {
	json_t *runs;		/* run records in order */
};
void junit_init(struct junit *j);
void junit_add(struct junit *j, json_t *run);
int junit_write(const struct junit *j, const char *path, char *err, size_t errlen);
/* A file to write must be no folder and go into one that exists: nonzero when it cannot. */
int out_folder_problem(const char *path);
/* --junit FILE checked before anything is read or written: exit 2 when out_folder_problem. */
void junit_check(const char *path);
void junit_free(struct junit *j);
void tap_start(FILE *f);
void tap_line(FILE *f, size_t n, json_t *run);
void tap_plan(FILE *f, size_t n);

#endif
