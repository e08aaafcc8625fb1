/*
 * The payloads a scenario runs: each definition (share/ktstr/payloads/NAME.json)
 * validated and its binary found on this host before any VM starts. The job
 * carries them as "payloads": {NAME: {path, args, definition}}; ktstr-boot packs
 * each path (with its libraries) as /payload/NAME.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "paths.h"
#include "payload_def.h"
#include "plan.h"

/* $KTSTR_PAYLOADS_DIR, else share/ktstr/payloads; into buf (no allocation: die() may follow). */
static void def_path(const char *name, char *buf, size_t len)
{
	const char *env = getenv("KTSTR_PAYLOADS_DIR");
	char *share = paths_share_dir();

	if (env && *env)
		snprintf(buf, len, "%s/%s.json", env, name);
	else
		snprintf(buf, len, "%s/payloads/%s.json", share, name);
	free(share);
}

static bool executable(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* An absolute path as given, else the first executable of that name on $PATH. */
static char *find_binary(const char *bin)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, real[PATH_MAX];

	if (strchr(bin, '/'))
		return bin[0] == '/' && executable(bin) && realpath(bin, real) ? xstrdup(real) : NULL;
	copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *p = paths_join(*dir ? dir : ".", bin);

		if (executable(p) && realpath(p, real)) {
			free(p);
			free(copy);
			return xstrdup(real);
		}
		free(p);
	}
	free(copy);
	return NULL;
}

static json_t *resolve_one(const char *name, const char *scen_file)
{
	char file[PATH_MAX], *bin, err[512];
	struct payload_def d;
	json_error_t jerr;
	json_t *doc, *out;

	def_path(name, file, sizeof(file));
	doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		die(EXIT_USAGE, "scenario file %s: payload \"%s\": %s%s%s", scen_file, name, file,
		    jerr.line > 0 ? ": " : ": no such definition", jerr.line > 0 ? jerr.text : "");
	if (payload_def_parse(doc, &d, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "payload definition %s: %s", file, err);
	if (strcmp(d.name, name))
		die(EXIT_USAGE, "payload definition %s: payload.name \"%s\" is not the file's name", file, d.name);
	bin = find_binary(d.binary);
	if (!bin)
		die(EXIT_USAGE, "payload \"%s\": binary %s not found on this host (%s%s)", name, d.binary,
		    json_string_value(json_object_get(doc, "package")) ? "install the package " : "see ",
		    json_string_value(json_object_get(doc, "package")) ?
		    json_string_value(json_object_get(doc, "package")) : file);
	out = json_pack("{s:s, s:O, s:O}", "path", bin, "args", d.default_args, "definition", doc);
	free(bin);
	payload_def_free(&d);
	json_decref(doc);
	return out;
}

json_t *payloads_resolve(const struct scenario *s, const char *scen_file)
{
	unsigned n;
	const char **names = scenario_payloads(s, &n);
	json_t *out = n ? json_object() : NULL;

	for (unsigned i = 0; i < n; i++)
		json_object_set_new(out, names[i], resolve_one(names[i], scen_file));
	free(names);
	return out;
}
