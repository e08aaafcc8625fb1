/* ktstr-sidecar merge: the runs being merged (mergein.c) and the merge (merge.c). */
#ifndef KTSTR_SIDECAR_MERGE_H
#define KTSTR_SIDECAR_MERGE_H

#include <sys/types.h>
#include <jansson.h>

#include "ids.h"

struct input {
	const char *arg;	/* as given, for messages */
	char *dir;		/* its real path */
	char **files;		/* regular files but hidden ones, by name */
	size_t nfiles;
	json_t *recs;		/* job id -> run record */
	dev_t dev;
	ino_t ino;
};

struct merge {
	char *runs_dir, *final;	/* final: the new run's absolute path */
	char run_id[RUN_ID_MAX + 1];
	int as_json, default_id;
	struct input *in;
	size_t nin;
};

/* Joined in input order rather than copied (stream.ndjson, jobs.ndjson). */
int merge_is_joined(const char *name);
/* The run record stored in file name, or NULL. */
json_t *merge_record_of(const struct input *in, const char *name);
int merge_has_file(const struct input *in, const char *name);
/* A bare name is a run id in the runs folder first, then a directory here; else exit 2. */
void merge_input_find(const struct merge *m, struct input *in, const char *arg);
/* Its files and run records; bad JSON or a record that is not its file's: exit 2. */
void merge_input_load(struct input *in);
/* The same run twice, a job or a file in two runs: one line, exit 2. */
void merge_check_inputs(const struct merge *m);
/* Runs from different kernels, accelerators or schedulers: a line each on stderr. */
void merge_warn_differences(const struct merge *m);

#endif
