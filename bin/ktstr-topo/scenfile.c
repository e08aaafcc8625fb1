/* Scenario files: canned names or paths, their requirements of a topology. */
#include <dirent.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "paths.h"
#include "plan.h"

static char *scenario_dir(void)
{
	char *share = paths_share_dir(), *d = paths_join(share, "scenarios");

	free(share);
	return d;
}

/* The canned names, sorted; n set. */
static char **canned_names(size_t *n)
{
	char *dir = scenario_dir();
	struct dirent **ents;
	char **names;
	int got = scandir(dir, &ents, NULL, alphasort);

	*n = 0;
	if (got < 0)
		die(EXIT_USAGE, "%s: cannot read the scenario folder", dir);
	names = xcalloc((size_t)got + 1, sizeof(*names));
	for (int i = 0; i < got; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 5 && !strcmp(ents[i]->d_name + len - 5, ".json") && ents[i]->d_name[0] != '.')
			names[(*n)++] = xstrndup(ents[i]->d_name, len - 5);
		free(ents[i]);
	}
	free(ents);
	free(dir);
	return names;
}

/* Levenshtein distance, for suggestions. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *row = xcalloc(lb + 1, sizeof(*row)), d;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

/* "unknown scenario 'X'", with the closest canned names when some are close. */
static noreturn void die_unknown(const char *arg)
{
	size_t n, off = 0, best = SIZE_MAX, limit = strlen(arg) / 3 > 2 ? strlen(arg) / 3 : 2;
	char **names = canned_names(&n), near[256] = "", *dir = scenario_dir();

	for (size_t i = 0; i < n; i++)
		if (edit_distance(arg, names[i]) < best)
			best = edit_distance(arg, names[i]);
	for (size_t i = 0; i < n && best <= limit; i++)
		if (edit_distance(arg, names[i]) == best)
			off += (size_t)snprintf(near + off, off < sizeof(near) ? sizeof(near) - off : 0,
						"%s%s", off ? " or " : "", names[i]);
	if (off)
		die(EXIT_USAGE, "unknown scenario '%s' (did you mean %s? see %s/)", arg, near, dir);
	die(EXIT_USAGE, "unknown scenario '%s' (see %s/)", arg, dir);
}

static unsigned require_count(const struct scenario *sc, json_t *req, const char *key)
{
	json_t *v = json_object_get(req, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4096)
		die(EXIT_USAGE, "scenario file %s: requires.%s: expected an integer from 0 to 4096",
		    sc->file, key);
	return (unsigned)json_integer_value(v);
}

void scenario_load(struct scenario *sc, const char *arg)
{
	size_t len = strlen(arg);
	json_error_t jerr;
	json_t *req, *smt;
	struct stat st;
	const char *base;

	memset(sc, 0, sizeof(*sc));
	if (strchr(arg, '/') || (len > 5 && !strcmp(arg + len - 5, ".json"))) {
		if (stat(arg, &st) < 0 || !S_ISREG(st.st_mode))
			die(EXIT_USAGE, "scenario file %s: no such file", arg);
		sc->file = xstrdup(arg);
	} else {
		char *dir = scenario_dir(), *leaf = xmalloc(len + 6);

		sprintf(leaf, "%s.json", arg);
		sc->file = paths_join(dir, leaf);
		free(dir);
		free(leaf);
		if (!*arg || strchr(arg, '.') || stat(sc->file, &st) < 0)
			die_unknown(arg);
	}
	base = strrchr(sc->file, '/') ? strrchr(sc->file, '/') + 1 : sc->file;
	len = strlen(base);
	sc->name = xstrndup(base, len > 5 && !strcmp(base + len - 5, ".json") ? len - 5 : len);
	sc->body = json_load_file(sc->file, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(sc->body))
		die(EXIT_USAGE, "scenario file %s: not a JSON object", sc->file);
	req = json_object_get(sc->body, "requires");
	if (req && !json_is_object(req))
		die(EXIT_USAGE, "scenario file %s: requires: expected an object", sc->file);
	sc->req.min_cpus = require_count(sc, req, "min_cpus");
	sc->req.min_llcs = require_count(sc, req, "min_llcs");
	sc->req.min_numa = require_count(sc, req, "min_numa");
	smt = json_object_get(req, "smt");
	if (smt && !json_is_boolean(smt))
		die(EXIT_USAGE, "scenario file %s: requires.smt: expected true or false", sc->file);
	sc->req.smt = json_is_true(smt);
}

struct scenario *scenarios_canned(size_t *n)
{
	char **names = canned_names(n);
	struct scenario *s = xcalloc(*n ? *n : 1, sizeof(*s));

	for (size_t i = 0; i < *n; i++) {
		scenario_load(&s[i], names[i]);
		free(names[i]);
	}
	free(names);
	return s;
}

bool scenario_fits(const struct scenario *sc, const struct topo *t, char *why, size_t len)
{
	struct systopo sys;
	bool fits;

	systopo_from_topo(t, &sys);	/* what the guest will see, as it judges */
	fits = !requires_unmet(&sc->req, &sys, why, len);
	systopo_free(&sys);
	return fits;
}

void scenario_free(struct scenario *sc)
{
	free(sc->name);
	free(sc->file);
	json_decref(sc->body);
}
