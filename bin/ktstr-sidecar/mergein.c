/* ktstr-sidecar merge: the runs being merged, found, loaded and checked (see merge.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "merge.h"
#include "paths.h"
#include "sidecar.h"

/* Joined in input order rather than copied. */
int merge_is_joined(const char *name)
{
	return !strcmp(name, "stream.ndjson") || !strcmp(name, "jobs.ndjson");
}

/* The run record stored in file name, or NULL. */
json_t *merge_record_of(const struct input *in, const char *name)
{
	char job[256];
	size_t n = strlen(name);

	if (!str_ends_with(name, ".json") || n - 5 >= sizeof(job))
		return NULL;
	memcpy(job, name, n - 5);
	job[n - 5] = '\0';
	return json_object_get(in->recs, job);
}

int merge_has_file(const struct input *in, const char *name)
{
	for (size_t i = 0; i < in->nfiles; i++)
		if (!strcmp(in->files[i], name))
			return 1;
	return 0;
}

/* A bare name is a run id in RUNS first, then a directory here. */
void merge_input_find(const struct merge *m, struct input *in, const char *arg)
{
	char *p = NULL;
	struct stat st;

	in->arg = arg;
	if (!strchr(arg, '/') && strcmp(arg, ".") && strcmp(arg, "..")) {
		p = paths_join(m->runs_dir, arg);
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			free(p);
			p = NULL;
		}
	}
	if (!p && stat(arg, &st) < 0)
		die(EXIT_USAGE, "merge: %s: no such run in %s, nor a directory", arg, m->runs_dir);
	if (!p && !S_ISDIR(st.st_mode))
		die(EXIT_USAGE, "merge: %s: not a run directory", arg);
	in->dir = realpath(p ? p : arg, NULL);
	free(p);
	if (!in->dir)
		die(EXIT_USAGE, "merge: %s: %s", arg, strerror(errno));
	in->dev = st.st_dev;
	in->ino = st.st_ino;
}

/*
 * A JSON file of the run: a run record into in->recs (other JSON files are copied as they
 * are): 0, or -1 with the one-line error in err (the caller frees what it holds, then exits).
 */
static int note_json(struct input *in, const char *name, const char *path, char *err,
		     size_t errlen)
{
	FILE *f = store_fopen_regular(path);
	size_t stem = strlen(name) - 5;
	json_error_t jerr;
	const char *job;
	json_t *rec;

	if (!f) {
		snprintf(err, errlen, "merge: %s/%s: cannot read: %s", in->arg, name, strerror(errno));
		return -1;
	}
	rec = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!rec) {
		snprintf(err, errlen, "merge: %s/%s:%d: %s", in->arg, name, jerr.line, jerr.text);
		return -1;
	}
	if (strcmp(rec_str(rec, "type", ""), "run")) {
		json_decref(rec);	/* not a run record: copied as it is */
		return 0;
	}
	job = rec_str(rec, "job", "");
	if (strlen(job) != stem || strncmp(job, name, stem))
		snprintf(err, errlen, "merge: %s/%s: a run record whose \"job\" is not '%.*s'",
			 in->arg, name, (int)stem, name);
	else if (result_rank(rec_str(rec, "result", "")) < 0)
		snprintf(err, errlen, "merge: %s/%s: \"result\" must be pass, fail, skip or "
			 "inconclusive", in->arg, name);
	if (*err) {
		json_decref(rec);
		return -1;
	}
	json_object_set_new(in->recs, job, rec);
	return 0;
}

void merge_input_load(struct input *in)
{
	struct dirent **ents = NULL;
	int n = scandir(in->dir, &ents, NULL, alphasort);
	json_t *odd = json_array(), *v;	/* not files: said once it is a run */
	char err[PATH_MAX + 256] = "";
	size_t k;

	if (n < 0)
		die(EXIT_USAGE, "merge: %s: cannot read: %s", in->arg, strerror(errno));
	in->files = xcalloc((size_t)n + 1, sizeof(*in->files));
	in->recs = json_object();
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char *path = paths_join(in->dir, name);
		struct stat st;

		if (*err || name[0] == '.') {
			/* hidden: temp files, the pipeline's own bookkeeping */
		} else if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			json_array_append_new(odd, json_string(name));
		} else {
			in->files[in->nfiles++] = xstrdup(name);
			if (str_ends_with(name, ".json"))
				note_json(in, name, path, err, sizeof(err));
		}
		free(path);
		free(ents[i]);
	}
	free(ents);
	if (*err) {
		json_decref(odd);
		die(EXIT_USAGE, "%s", err);
	}
	if (!json_object_size(in->recs))
		die(EXIT_USAGE, "merge: %s: not a run directory (no run records)", in->arg);
	json_array_foreach(odd, k, v)
		warnmsg("merge: %s/%s: not a regular file; not copied", in->arg,
			json_string_value(v));
	json_decref(odd);
}

/* The same run twice, a job or a file in two runs: one line, exit 2. */
void merge_check_inputs(const struct merge *m)
{
	json_t *owner = json_object();	/* file name -> the input that has it */
	char err[2 * PATH_MAX + 256] = "";

	for (size_t i = 0; !*err && i < m->nin; i++) {
		const struct input *in = &m->in[i], *prev;

		for (size_t j = 0; !*err && j < i; j++)
			if (m->in[j].dev == in->dev && m->in[j].ino == in->ino)
				snprintf(err, sizeof(err), "merge: %s and %s are the same run",
					 m->in[j].arg, in->arg);
		/* records first, so a job in two runs is named as one (not by its log) */
		for (size_t k = 0; !*err && k < 2 * in->nfiles; k++) {
			const char *name = in->files[k % in->nfiles];
			json_t *o = json_object_get(owner, name), *rec;

			if (merge_is_joined(name) || (k < in->nfiles) != !!merge_record_of(in, name))
				continue;
			if (!o) {
				json_object_set_new(owner, name, json_integer((json_int_t)i));
				continue;
			}
			prev = &m->in[json_integer_value(o)];
			rec = merge_record_of(prev, name);
			if (rec || (rec = merge_record_of(in, name)))
				snprintf(err, sizeof(err), "merge: job %s is in both %s and %s",
					 rec_str(rec, "job", "?"), prev->arg, in->arg);
			else
				snprintf(err, sizeof(err), "merge: file %s is in both %s and %s", name,
					 prev->arg, in->arg);
		}
	}
	json_decref(owner);	/* (before exiting too: a sanitizer counts what is held) */
	if (*err)
		die(EXIT_USAGE, "%s", err);
}

static const char *rec_accel(json_t *rec)
{
	return rec_str(rec, "accel", "?");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* An input's distinct values of one field, sorted and joined with ','. */
static char *input_values(const struct input *in, const char *(*get)(json_t *))
{
	size_t n = 0, len = 1, i;
	const char **v = xcalloc(json_object_size(in->recs) + 1, sizeof(*v));
	const char *key;
	json_t *rec;
	char *out;

	json_object_foreach(in->recs, key, rec)
		v[n++] = get(rec);
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	out = xcalloc(1, len);
	for (i = 0; i < n; i++)
		if (!i || strcmp(v[i], v[i - 1]))
			strcat(strcat(out, *out ? "," : ""), v[i]);
	free(v);
	return out;
}

/* Mixed machines are legitimate for shards, but worth a line each. */
void merge_warn_differences(const struct merge *m)
{
	static const struct {
		const char *what;
		const char *(*get)(json_t *);
	} fields[] = { { "kernel", rec_kernel }, { "accel", rec_accel },
		       { "scheduler", rec_scheduler } };

	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		char **v = xcalloc(m->nin, sizeof(*v)), line[2048];
		size_t used, i, j;
		int differ = 0;

		for (i = 0; i < m->nin; i++) {
			v[i] = input_values(&m->in[i], fields[f].get);
			differ |= strcmp(v[i], v[0]) != 0;
		}
		used = (size_t)snprintf(line, sizeof(line), "merge: the runs differ in %s:",
					fields[f].what);
		for (i = 0; differ && i < m->nin; i++) {
			for (j = 0; j < i && strcmp(v[j], v[i]); j++)
				;
			if (j == i && used < sizeof(line))
				used += (size_t)snprintf(line + used, sizeof(line) - used, "%s %s (%s)",
							 i ? "," : "", v[i], m->in[i].arg);
		}
		if (differ)
			warnmsg("%s", line);
		for (i = 0; i < m->nin; i++)
			free(v[i]);
		free(v);
	}
}
