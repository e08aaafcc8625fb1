/* The scheduler's BPF maps in the run record (see maprec.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maprec.h"
#include "sidecar.h"
#include "ndjson.h"

#define SHOWN_PER_MAP 16	/* scalars `show` prints per map */

void maprec_note(json_t **maps, json_t *rec)
{
	const char *type = rec_str(rec, "type", "");
	json_t *c = json_deep_copy(rec), *writes;

	if (!*maps)
		*maps = json_object();
	json_object_del(c, "type");
	json_object_del(c, "job");
	if (!strcmp(type, "map")) {	/* one per "when": the last one stands */
		json_object_set_new(*maps, rec_str(rec, "when", "unknown"), c);
		return;
	}
	if (!(writes = json_object_get(*maps, "writes"))) {
		writes = json_array();
		json_object_set_new(*maps, "writes", writes);
	}
	json_array_append_new(writes, c);
}

json_t *maprec_of(json_t *maps)
{
	return maps ? json_deep_copy(maps) : json_null();
}

static int is_zero(json_t *v)
{
	return (json_is_integer(v) && !json_integer_value(v)) || json_is_false(v) ||
	       (json_is_string(v) && !json_string_length(v)) || json_is_null(v);
}

/* The non-zero scalars under v as " path=value", up to *left of them. */
static void print_scalars(json_t *v, char *path, size_t plen, size_t cap, int *left, int *more)
{
	const char *key;
	json_t *m;

	if (json_is_object(v)) {
		json_object_foreach(v, key, m) {
			size_t n = (size_t)snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", key);

			if (plen + n < cap)
				print_scalars(m, path, plen + n, cap, left, more);
			path[plen] = '\0';
		}
		return;
	}
	if (json_is_array(v) || is_zero(v))
		return;	/* arrays are too long for a line; zeros say little */
	if (*left <= 0) {
		(*more)++;
		return;
	}
	(*left)--;
	if (json_is_string(v))
		printf(" %s=\"%s\"", path, json_string_value(v));
	else {
		char *s = json_dumps(v, JSON_ENCODE_ANY | NDJSON_REALS);

		printf(" %s=%s", path, s ? s : "?");
		free(s);
	}
}

static void print_map(json_t *m)
{
	json_t *value = json_object_get(m, "value"), *entries = json_object_get(m, "entries");
	char path[256] = "";
	int left = SHOWN_PER_MAP, more = 0;

	printf("    %s:", rec_str(m, "name", "?"));
	if (value)
		print_scalars(value, path, 0, sizeof(path), &left, &more);
	else if (entries)
		printf(" %zu entries%s", json_array_size(entries),
		       json_is_true(json_object_get(m, "truncated")) ? " (or more)" : "");
	else
		printf(" (%s, not read)", rec_str(m, "type", "?"));
	if (more)
		printf(" (+%d more)", more);
	putchar('\n');
}

void maprec_print(json_t *maps)
{
	json_t *snap = json_object_get(maps, "end"), *m, *w;
	const char *when = "at the end";
	size_t i;

	if (!snap) {
		snap = json_object_get(maps, "failure");
		when = "at the failure";
	}
	if (snap) {
		printf("  globals    %s %s%s (non-zero values)\n", rec_str(snap, "scheduler", "?"), when,
		       json_is_true(json_object_get(snap, "detached")) ? ", read as it detached" : "");
		json_array_foreach(json_object_get(snap, "maps"), i, m)
			print_map(m);
	}
	json_array_foreach(json_object_get(maps, "writes"), i, w) {
		const char *err = rec_str(w, "error", NULL);

		printf("  map write  %s %s", rec_str(w, "map", "?"),
		       rec_str(w, "field", json_object_get(w, "offset") ? "(raw)" : "?"));
		if (err)
			printf(": %s\n", err);
		else
			printf(" %lld -> %lld at %lld ms\n",
			       (long long)json_integer_value(json_object_get(w, "old")),
			       (long long)json_integer_value(json_object_get(w, "new")),
			       (long long)json_integer_value(json_object_get(w, "scenario_ms")));
	}
}
