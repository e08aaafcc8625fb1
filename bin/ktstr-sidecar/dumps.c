/*
 * The kernel's sched_ext dumps of a job: `dump` records are parts (the guest
 * sends a long dump in pieces), joined here by dump number and stored whole as
 * RUNS/RUN-ID/JOB.dump-N.txt beside the run record, which names each file and
 * keeps its first lines.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "runrec.h"
#include "sidecar.h"

/* What a part says about its dump as a whole (the same in every part). */
static const char *const about_keys[] = { "trigger", "exit_kind", "reason", "message" };

const char *dump_part_check(json_t *rec)
{
	json_t *n = json_object_get(rec, "dump"), *lines = json_object_get(rec, "lines"), *l;
	json_t *first = json_object_get(rec, "first_line");
	size_t i;

	if (!json_is_integer(n) || json_integer_value(n) < 1)
		return "\"dump\" must be a dump number from 1";
	if (first && (!json_is_integer(first) || json_integer_value(first) < 0))
		return "\"first_line\" must be a line number from 0";
	if (!json_is_array(lines))
		return "\"lines\" must be an array of strings";
	json_array_foreach(lines, i, l)
		if (!json_is_string(l))
			return "\"lines\" must be an array of strings";
	if (!json_is_string(json_object_get(rec, "trigger")))
		return "\"trigger\" must be a string";
	return NULL;
}

/* A value a part knows: not null, and not the trigger "unknown" of a part before the heading. */
static bool about_known(json_t *v)
{
	return v && !json_is_null(v) && !(json_is_string(v) && !strcmp(json_string_value(v), "unknown"));
}

static json_t *dump_entry(json_t *dumps, json_int_t n, json_t *part)
{
	json_t *d;
	size_t i;

	json_array_foreach(dumps, i, d)
		if (json_integer_value(json_object_get(d, "dump")) == n)
			return d;
	d = json_pack("{s:I, s:[], s:b, s:b, s:i}", "dump", (json_int_t)n, "lines", "last", 0,
		      "missing", 0, "lost_events", 0);
	for (i = 0; i < sizeof(about_keys) / sizeof(about_keys[0]); i++) {
		json_t *v = json_object_get(part, about_keys[i]);

		json_object_set_new(d, about_keys[i], v ? json_incref(v) : json_null());
	}
	json_array_append_new(dumps, d);
	return d;
}

void dumps_note(json_t *dumps, json_t *part)
{
	json_t *d = dump_entry(dumps, json_integer_value(json_object_get(part, "dump")), part);
	json_t *lines = json_object_get(d, "lines"), *first = json_object_get(part, "first_line");
	json_int_t lost = json_integer_value(json_object_get(part, "lost_events"));
	size_t i;

	/* a first part sent before the dump's heading was read knows less than a later one */
	for (i = 0; i < sizeof(about_keys) / sizeof(about_keys[0]); i++) {
		json_t *v = json_object_get(part, about_keys[i]);

		if (about_known(v) && !about_known(json_object_get(d, about_keys[i])))
			json_object_set(d, about_keys[i], v);
	}

	/* a part that does not start where the last one ended: lines are missing */
	if (first && json_integer_value(first) != (json_int_t)json_array_size(lines))
		json_object_set_new(d, "missing", json_true());
	json_array_extend(lines, json_object_get(part, "lines"));
	if (json_is_true(json_object_get(part, "last")))
		json_object_set_new(d, "last", json_true());
	if (lost > json_integer_value(json_object_get(d, "lost_events")))
		json_object_set_new(d, "lost_events", json_integer(lost));
}

/* The lines as one text, each ended by a newline (malloc'd). */
static char *dump_text(json_t *lines)
{
	size_t len = 1, i;
	json_t *l;
	char *text, *p;

	json_array_foreach(lines, i, l)
		len += json_string_length(l) + 1;
	p = text = xmalloc(len);
	json_array_foreach(lines, i, l) {
		memcpy(p, json_string_value(l), json_string_length(l));
		p += json_string_length(l);
		*p++ = '\n';
	}
	*p = '\0';
	return text;
}

/* What the run record says about one stored dump. */
static json_t *dump_summary(json_t *d, const char *file)
{
	json_t *lines = json_object_get(d, "lines"), *head = json_array(), *s;
	size_t i;

	for (i = 0; i < json_array_size(lines) && i < DUMP_HEAD_LINES; i++)
		json_array_append(head, json_array_get(lines, i));
	s = json_pack("{s:O}", "dump", json_object_get(d, "dump"));
	for (i = 0; i < sizeof(about_keys) / sizeof(about_keys[0]); i++)
		json_object_set(s, about_keys[i], json_object_get(d, about_keys[i]));
	json_object_set_new(s, "lines", json_integer((json_int_t)json_array_size(lines)));
	json_object_set_new(s, "complete", json_boolean(json_is_true(json_object_get(d, "last")) &&
							!json_is_true(json_object_get(d, "missing"))));
	json_object_set(s, "lost_events", json_object_get(d, "lost_events"));
	json_object_set_new(s, "file", json_string(file));
	json_object_set_new(s, "head", head);
	return s;
}

json_t *dumps_store(json_t *dumps, const char *dir, const char *job, char *err, size_t errlen)
{
	json_t *out = json_array(), *d;
	size_t i;

	json_array_foreach(dumps, i, d) {
		char name[300], *text = dump_text(json_object_get(d, "lines"));
		int rc;

		snprintf(name, sizeof(name), "%s.dump-%lld.txt", job,
			 (long long)json_integer_value(json_object_get(d, "dump")));
		rc = store_atomic(dir, name, text, err, errlen);
		free(text);
		if (rc < 0) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, dump_summary(d, name));
	}
	return out;
}
