/* Reading run records back: the JSON files of RUNS/RUN-ID/ whose "type" is "run". */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "paths.h"
#include "sidecar.h"

const char *rec_str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

const char *rec_kernel(json_t *rec)
{
	json_t *k = json_object_get(rec, "kernel");

	return rec_str(k, "release", rec_str(k, "id", "?"));
}

const char *rec_scheduler(json_t *rec)
{
	json_t *s = json_object_get(rec, "scheduler");

	return json_is_string(s) ? json_string_value(s) : rec_str(s, "name", "?");
}

long long rec_step_no(json_t *index)
{
	long long i = json_is_real(index) ? num_ll(json_real_value(index)) :
					    (long long)json_integer_value(index);

	return i < LLONG_MAX ? i + 1 : i;
}

long long num_ll(double x)
{
	if (!(x == x))
		return 0;
	if (x >= 9223372036854775807.0)	/* 2^63 */
		return LLONG_MAX;
	return x <= -9223372036854775808.0 ? LLONG_MIN : (long long)x;
}

int num_int(double x)
{
	if (!(x == x))
		return 0;
	return x >= INT_MAX ? INT_MAX : x <= INT_MIN ? INT_MIN : (int)x;
}

size_t num_index(double x)
{
	return x >= 0 && x < 18446744073709551615.0 ? (size_t)x : SIZE_MAX;
}

void rec_flags(json_t *rec, char *buf, size_t len)
{
	size_t i, used = 0;
	json_t *f;

	buf[0] = '\0';
	json_array_foreach(json_object_get(rec, "flags"), i, f)
		if (json_is_string(f) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "+" : "",
						 json_string_value(f));
}

json_t *rec_first_failure(json_t *rec)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(rec, "details"), i, d)
		if (!json_is_false(json_object_get(d, "fails")))
			return d;
	return NULL;
}

int str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static void set_add(struct run_set *set, const char *run_id, char *path, json_t *rec)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xrealloc(set->v, set->cap * sizeof(*set->v));
	}
	set->v[set->n++] = (struct run_rec){ xstrdup(run_id), path, rec };
}

/* The run records in one run dir, in file name order; others are skipped. */
static void load_run_dir(const char *dir, const char *run_id, struct run_set *set)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		json_error_t jerr;
		char *path;
		json_t *rec;
		FILE *f;

		if (name[0] == '.' || !str_ends_with(name, ".json")) {
			free(ents[i]);
			continue;
		}
		path = paths_join(dir, name);
		if (!(f = store_fopen_regular(path))) {
			warnmsg("skipping %s: %s", path, errno == EINVAL ? "not a regular file"
									  : strerror(errno));
			rec = NULL;
		} else if (!(rec = json_loadf(f, 0, &jerr))) {
			warnmsg("skipping %s:%d: %s", path, jerr.line, jerr.text);
		}
		if (f)
			fclose(f);
		if (rec && !strcmp(rec_str(rec, "type", ""), "run")) {
			set_add(set, run_id, path, rec);
		} else {
			json_decref(rec);
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
}

void operands(int argc, char **argv, int min, int max, const char *cmd, const char *what)
{
	if (argc - optind < min)
		die(EXIT_USAGE, "%s: expects %s (see '%s %s --help')", cmd, what, die_prog(), cmd);
	if (max >= 0 && argc - optind > max)
		die(EXIT_USAGE, "%s: unexpected argument '%s' (expects %s)", cmd, argv[optind + max],
		    what);
}

void runs_dir_check(const char *runs_dir)
{
	struct stat st;

	if (!*runs_dir)
		die(EXIT_USAGE, "runs dir '': an empty path");
	/* ENOTDIR: a part of the path is a file */
	if (stat(runs_dir, &st) == 0 ? !S_ISDIR(st.st_mode) : errno == ENOTDIR)
		die(EXIT_USAGE, "runs dir %s: not a directory", runs_dir);
}

void runs_load(const char *runs_dir, struct run_set *set)
{
	struct dirent **ents = NULL;
	int n;

	runs_dir_check(runs_dir);
	n = scandir(runs_dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char *dir = paths_join(runs_dir, ents[i]->d_name);
		struct stat st;

		if (ents[i]->d_name[0] != '.' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			load_run_dir(dir, ents[i]->d_name, set);
		free(dir);
		free(ents[i]);
	}
	free(ents);
}

void runs_free(struct run_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].run_id);
		free(set->v[i].path);
		json_decref(set->v[i].rec);
	}
	free(set->v);
	set->v = NULL;
	set->n = set->cap = 0;
}

struct run_key {
	char *id;
	const char *started;	/* earliest started_at of its jobs */
};

static int newest_first(const void *a, const void *b)
{
	const struct run_key *x = a, *y = b;
	int c = strcmp(y->started, x->started);

	return c ? c : strcmp(y->id, x->id);
}

char **runs_ids_newest_first(const struct run_set *set, size_t *n)
{
	struct run_key *keys = xcalloc(set->n + 1, sizeof(*keys));
	size_t nk = 0;
	char **ids;

	for (size_t i = 0; i < set->n; i++) {
		const char *st = rec_str(set->v[i].rec, "started_at", "");
		size_t k;

		for (k = 0; k < nk && strcmp(keys[k].id, set->v[i].run_id); k++)
			;
		if (k == nk)
			keys[nk++] = (struct run_key){ set->v[i].run_id, st };
		else if (strcmp(st, keys[k].started) < 0)
			keys[k].started = st;
	}
	qsort(keys, nk, sizeof(*keys), newest_first);
	ids = xcalloc(nk + 1, sizeof(*ids));
	for (size_t k = 0; k < nk; k++)
		ids[k] = xstrdup(keys[k].id);
	free(keys);
	*n = nk;
	return ids;
}

void runs_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

const char *runs_resolve_id(const struct run_set *set, const char *arg, char **owned)
{
	size_t n;
	char **ids;

	*owned = NULL;
	if (strcmp(arg, "latest"))
		return arg;
	ids = runs_ids_newest_first(set, &n);
	if (n)
		*owned = xstrdup(ids[0]);
	runs_ids_free(ids, n);
	return *owned;
}
