/*
 * What a scenario says about itself rather than what it runs: its category
 * and the scheduler flags it needs or cannot run under. The guest ignores
 * them; the planner chooses by them.
 */
#include <stdio.h>
#include <string.h>

#include "die.h"
#include "scenario.h"

/* Lower-case words joined by '-' or '_': "llc", "reject-pin", "sched_class". */
static bool valid_word(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static int parse_names(json_t *j, char ***out, unsigned *n, const char *path, char *err, size_t errlen)
{
	size_t i;
	json_t *v;

	if (!j)
		return 0;
	if (!json_is_array(j) || json_array_size(j) > SCENARIO_MAX_FLAGS) {
		strfmt(err, errlen, "%s: expected an array of at most %d flag names", path,
		       SCENARIO_MAX_FLAGS);
		return -1;
	}
	*out = xcalloc(json_array_size(j) + 1, sizeof(**out));
	json_array_foreach(j, i, v) {
		if (!json_is_string(v) || !valid_word(json_string_value(v))) {
			strfmt(err, errlen, "%s[%zu]: expected a flag name like \"llc\" or \"reject-pin\"",
			       path, i);
			return -1;
		}
		(*out)[(*n)++] = xstrdup(json_string_value(v));
	}
	return 0;
}

static bool listed(char *const *names, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

int scenario_parse_meta(json_t *j, struct scenario *s, char *err, size_t errlen)
{
	json_t *v = json_object_get(j, "category"), *f;
	const char *key;

	if (v && (!json_is_string(v) || !valid_word(json_string_value(v)))) {
		strfmt(err, errlen, "scenario.category: expected a lower-case word like \"stress\"");
		return -1;
	}
	s->category = xstrdup(v ? json_string_value(v) : "");
	v = json_object_get(j, "description");
	if (v && !json_is_string(v)) {
		strfmt(err, errlen, "scenario.description: expected a string");
		return -1;
	}
	s->description = xstrdup(v ? json_string_value(v) : "");
	if (!(f = json_object_get(j, "flags")))
		return 0;
	if (!json_is_object(f)) {
		strfmt(err, errlen, "scenario.flags: expected {\"requires\": [...], \"excludes\": [...]}");
		return -1;
	}
	json_object_foreach(f, key, v)
		if (strcmp(key, "requires") && strcmp(key, "excludes")) {
			strfmt(err, errlen, "scenario.flags: unknown key \"%s\"", key);
			return -1;
		}
	if (parse_names(json_object_get(f, "requires"), &s->flags_need, &s->nflags_need,
			"scenario.flags.requires", err, errlen) < 0 ||
	    parse_names(json_object_get(f, "excludes"), &s->flags_excl, &s->nflags_excl,
			"scenario.flags.excludes", err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < s->nflags_need; i++)
		if (listed(s->flags_excl, s->nflags_excl, s->flags_need[i])) {
			strfmt(err, errlen, "scenario.flags: \"%s\" is both required and excluded",
			       s->flags_need[i]);
			return -1;
		}
	return 0;
}

const char *scenario_flags_unmet(const struct scenario *s, char *const *have, unsigned nhave,
				 char *why, size_t len)
{
	for (unsigned i = 0; i < s->nflags_need; i++)
		if (!listed(have, nhave, s->flags_need[i])) {
			strfmt(why, len, "needs the scheduler flag %s", s->flags_need[i]);
			return why;
		}
	for (unsigned i = 0; i < s->nflags_excl; i++)
		if (listed(have, nhave, s->flags_excl[i])) {
			strfmt(why, len, "cannot run under the scheduler flag %s", s->flags_excl[i]);
			return why;
		}
	return NULL;
}

void scenario_free_meta(struct scenario *s)
{
	for (unsigned i = 0; i < s->nflags_need; i++)
		free(s->flags_need[i]);
	for (unsigned i = 0; i < s->nflags_excl; i++)
		free(s->flags_excl[i]);
	free(s->flags_need);
	free(s->flags_excl);
	free(s->category);
	free(s->description);
}
