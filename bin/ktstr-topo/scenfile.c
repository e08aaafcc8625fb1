/* Scenario files: canned names or paths, their requirements of a topology. */
#include <dirent.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "nearest.h"
#include "paths.h"
#include "plan.h"

static char *share_folder(const char *folder)
{
	char *share = paths_share_dir(), *d = paths_join(share, folder);

	free(share);
	return d;
}

/* The scenario names of a folder of share/ktstr, sorted; n set. */
static char **folder_names(const char *folder, size_t *n)
{
	char *dir = share_folder(folder);
	struct dirent **ents;
	char **names;
	int got = scandir(dir, &ents, NULL, alphasort);

	*n = 0;
	if (got < 0 && strcmp(folder, "scenarios")) {	/* an install without a catalog or bench */
		free(dir);
		return xcalloc(1, sizeof(char *));
	}
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

static void nearest(const char *arg, const char *folder, size_t *best, char *near, size_t len,
		    size_t *off)
{
	size_t n, limit = strlen(arg) / 3 > 2 ? strlen(arg) / 3 : 2;
	char **names = folder_names(folder, &n);

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(arg, names[i]);

		if (d <= limit && d < *best) {
			*best = d;
			*off = 0;
			*near = '\0';
		}
		if (d == *best)
			*off += (size_t)snprintf(near + *off, *off < len ? len - *off : 0, "%s%s",
						 *off ? " or " : "", names[i]);
		free(names[i]);
	}
	free(names);
}

/* "unknown scenario 'X'", with the closest names when some are close. */
static noreturn void die_unknown(const char *arg)
{
	size_t best = SIZE_MAX, off = 0;
	char near[256] = "";

	nearest(arg, "scenarios", &best, near, sizeof(near), &off);
	nearest(arg, "catalog", &best, near, sizeof(near), &off);
	if (off)
		die(EXIT_USAGE, "unknown scenario '%s' (did you mean %s? 'ktstr scenarios' lists them)",
		    arg, near);
	die(EXIT_USAGE, "unknown scenario '%s' ('ktstr scenarios' lists them)", arg);
}

/* share/ktstr/FOLDER/NAME.json when it exists, else NULL. */
static char *named_file(const char *folder, const char *name)
{
	char *dir = share_folder(folder), *leaf = xmalloc(strlen(name) + 6), *f;
	struct stat st;

	sprintf(leaf, "%s.json", name);
	f = paths_join(dir, leaf);
	free(dir);
	free(leaf);
	if (stat(f, &st) == 0 && S_ISREG(st.st_mode))
		return f;
	free(f);
	return NULL;
}

/* A Custom work binary that ktstr-boot would put where the guest mounts over it. */
static void check_custom_paths(const struct scenfile *sc)
{
	json_t *paths = json_object(), *v;
	const char *path, *mnt;
	struct stat st;

	scenario_custom_paths(sc->body, paths);
	json_object_foreach(paths, path, v)
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (mnt = scenario_guest_mount(path)))
			die(EXIT_USAGE, "scenario file %s: Custom work path %s: the guest mounts its own "
			    "%.*s over it; put the binary elsewhere", sc->file, path, (int)strlen(mnt) - 1, mnt);
	json_decref(paths);
}

void scenfile_load(struct scenfile *sc, const char *arg)
{
	size_t len = strlen(arg);
	json_error_t jerr;
	struct stat st;
	const char *base;
	char err[512];

	memset(sc, 0, sizeof(*sc));
	if (strchr(arg, '/') || (len > 5 && !strcmp(arg + len - 5, ".json"))) {
		if (stat(arg, &st) < 0 || !S_ISREG(st.st_mode))
			die(EXIT_USAGE, "scenario file %s: no such file", arg);
		sc->file = xstrdup(arg);
	} else if (!*arg || strchr(arg, '.') ||
		   !((sc->file = named_file("scenarios", arg)) || (sc->file = named_file("catalog", arg)) ||
		     (sc->file = named_file("bench", arg)))) {
		die_unknown(arg);
	}
	base = strrchr(sc->file, '/') ? strrchr(sc->file, '/') + 1 : sc->file;
	len = strlen(base);
	sc->name = xstrndup(base, len > 5 && !strcmp(base + len - 5, ".json") ? len - 5 : len);
	sc->body = json_load_file(sc->file, JSON_REJECT_DUPLICATES, &jerr);
	if (!sc->body)
		die(EXIT_USAGE, "scenario file %s: line %d: %s", sc->file, jerr.line, jerr.text);
	if (scenario_parse(sc->body, &sc->model, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "scenario file %s: %s", sc->file, err);
	check_custom_paths(sc);
	sc->payloads = payloads_resolve(&sc->model, sc->file);
}

/*
 * --payload NAME[@CGROUP]: a run_payload op first in the first step (the
 * payload runs from the start beside the workers; the scenario's end stops
 * it), checked again as the guest reads it.
 */
void scenfile_add_payload(struct scenfile *sc, const char *spec)
{
	char *name = xstrdup(spec), *at = strchr(name, '@'), err[512];
	json_t *steps = json_object_get(sc->body, "steps"), *ops, *op;

	if (at)
		*at++ = '\0';
	op = json_pack("{s:s, s:s}", "op", "run_payload", "payload", name);
	if (at)
		json_object_set_new(op, "cgroup", json_string(at));
	if (!json_is_array(steps) || !json_array_size(steps)) {
		steps = json_pack("[{}]");
		json_object_set_new(sc->body, "steps", steps);
	}
	ops = json_object_get(json_array_get(steps, 0), "ops");
	if (!json_is_array(ops)) {
		ops = json_array();
		json_object_set_new(json_array_get(steps, 0), "ops", ops);
	}
	json_array_insert_new(ops, 0, op);
	scenario_free(&sc->model);
	if (scenario_parse(sc->body, &sc->model, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "--payload %s in %s: %s", spec, sc->name, err);
	json_decref(sc->payloads);
	sc->payloads = payloads_resolve(&sc->model, sc->file);
	free(name);
}

struct scenfile *scenfiles_in(const char *folder, size_t *n)
{
	char **names = folder_names(folder, n), *dir = share_folder(folder);
	struct scenfile *s = xcalloc(*n ? *n : 1, sizeof(*s));

	for (size_t i = 0; i < *n; i++) {
		char *leaf = xmalloc(strlen(names[i]) + 6), *f;

		sprintf(leaf, "%s.json", names[i]);
		f = paths_join(dir, leaf);
		scenfile_load(&s[i], f);
		free(f);
		free(leaf);
		free(names[i]);
	}
	free(names);
	free(dir);
	return s;
}

bool scenfile_fits(const struct scenfile *sc, const struct topo *t, char *why, size_t len)
{
	struct systopo sys;
	bool fits;

	systopo_from_topo(t, &sys);	/* what the guest will see, as it judges */
	fits = !requires_unmet(&sc->model.req, &sys, why, len) &&
	       !scenario_cpusets_unresolvable(&sc->model, &sys, why, len);
	systopo_free(&sys);
	return fits;
}

void scenfile_free(struct scenfile *sc)
{
	free(sc->name);
	free(sc->file);
	json_decref(sc->body);
	json_decref(sc->payloads);
	scenario_free(&sc->model);
}

/* Move the scenarios of category into the first places; returns how many. */
static size_t keep_category(struct scenfile *s, size_t n, const char *category)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(s[i].model.category, category)) {
			scenfile_free(&s[i]);
			continue;
		}
		if (kept != i)
			s[kept] = s[i];
		kept++;
	}
	return kept;
}

struct scenfile *scenfiles_select(char *const *args, size_t nargs, const char *set,
				  const char *category, size_t *n)
{
	struct scenfile *s;

	if (nargs) {
		s = xcalloc(nargs, sizeof(*s));
		for (size_t i = 0; i < nargs; i++)
			scenfile_load(&s[i], args[i]);
		*n = nargs;
	} else if (!strcmp(set, "all")) {
		size_t nc, nk;
		struct scenfile *c = scenfiles_in("scenarios", &nc), *k = scenfiles_in("catalog", &nk);

		s = xrealloc(c, (nc + nk + 1) * sizeof(*s));
		memcpy(s + nc, k, nk * sizeof(*s));
		free(k);
		*n = nc + nk;
	} else {
		s = scenfiles_in(!strcmp(set, "canned") ? "scenarios" : set, n);
	}
	if (category && !(*n = keep_category(s, *n, category)))
		die(EXIT_USAGE, "no scenario of category '%s' ('ktstr scenarios' lists them)", category);
	return s;
}
