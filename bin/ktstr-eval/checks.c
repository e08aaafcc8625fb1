#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "die.h"
#include "paths.h"

json_t *checks_load(const char *path)
{
	char *def = NULL;
	json_error_t jerr;
	json_t *all;

	if (!path) {
		char *share = paths_share_dir();

		def = paths_join(share, "checks.json");
		free(share);
		path = def;
	}
	all = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!all)
		die(EXIT_USAGE, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	if (!json_is_object(json_object_get(all, "defaults")))
		die(EXIT_USAGE, "%s: no \"defaults\" object", path);
	free(def);
	return all;
}

json_t *checks_for_accel(json_t *all, const char *accel, json_t *overrides)
{
	json_t *merged = json_deep_copy(json_object_get(all, "defaults"));
	json_t *prof = json_object_get(json_object_get(all, "profiles"), accel);

	if (json_is_object(prof))
		json_object_update(merged, prof);
	if (overrides)
		json_object_update(merged, overrides);
	return merged;
}

void checks_parse_override(json_t *overrides, const char *arg)
{
	const char *eq = strchr(arg, '=');
	json_t *v;
	char *key;

	if (!eq || eq == arg || !eq[1])
		die(EXIT_USAGE, "--check %s: expected KEY=VALUE", arg);
	v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
	if (!v || !(json_is_number(v) || json_is_boolean(v))) {
		json_decref(v);
		die(EXIT_USAGE, "--check %s: value must be a number or true/false", arg);
	}
	key = xstrdup(arg);
	key[eq - arg] = '\0';
	json_object_set_new(overrides, key, v);
	free(key);
}
