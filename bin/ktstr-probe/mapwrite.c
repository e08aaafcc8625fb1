/* Host-side writes into the scheduler's maps (see mapwrite.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "mapval.h"
#include "mapwrite.h"

static int is_count(json_t *v, long long max)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= max;
}

/* One entry: NULL when well formed, else what is wrong with it. */
static const char *entry_problem(json_t *e)
{
	json_t *field = json_object_get(e, "field"), *size = json_object_get(e, "size");
	int has_at_ms = json_object_get(e, "at_ms") != NULL;
	int has_step = json_object_get(e, "at_step") != NULL;

	if (!json_is_object(e))
		return "not an object";
	if (!json_string_length(json_object_get(e, "map")))
		return "needs \"map\" (a map name or its suffix, e.g. \"bss\")";
	if (field && !json_string_length(field))
		return "\"field\" must be a non-empty string";
	if (!field == !json_object_get(e, "offset"))
		return "needs \"field\" or \"offset\" with \"size\", not both";
	if (!field && (!is_count(json_object_get(e, "offset"), 1 << 30) || !is_count(size, 8) ||
		       (json_integer_value(size) & (json_integer_value(size) - 1)) ||
		       !json_integer_value(size)))
		return "\"offset\" must be a byte offset and \"size\" 1, 2, 4 or 8";
	if (!json_is_integer(json_object_get(e, "value")))
		return "\"value\" must be an integer";
	if (has_at_ms == has_step)
		return "needs \"at_ms\" or \"at_step\", not both";
	if (has_at_ms && !is_count(json_object_get(e, "at_ms"), 86400000))
		return "\"at_ms\" must be milliseconds after the first step (0 to 86400000)";
	if (has_step && !is_count(json_object_get(e, "at_step"), 1 << 20))
		return "\"at_step\" must be a step index";
	if (json_object_get(e, "key") && !is_count(json_object_get(e, "key"), 0xffffffffLL))
		return "\"key\" must be an array index";
	return NULL;
}

int map_writes_check(json_t *map_writes, char *err, size_t errlen)
{
	json_t *e;
	size_t i;

	if (!map_writes)
		return 0;
	if (!json_is_array(map_writes)) {
		snprintf(err, errlen, "map_writes must be an array");
		return -1;
	}
	json_array_foreach(map_writes, i, e) {
		const char *why = entry_problem(e);

		if (why) {
			snprintf(err, errlen, "map_writes[%zu]: %s", i, why);
			return -1;
		}
	}
	return 0;
}

void map_writes_load(struct map_writes *ws, json_t *map_writes)
{
	json_t *e;
	size_t i;

	memset(ws, 0, sizeof(*ws));
	if (!json_array_size(map_writes))
		return;
	ws->w = xcalloc(json_array_size(map_writes), sizeof(*ws->w));
	json_array_foreach(map_writes, i, e) {
		struct map_write *w = &ws->w[ws->n++];

		w->spec = json_incref(e);
		w->map = json_string_value(json_object_get(e, "map"));
		w->field = json_string_value(json_object_get(e, "field"));
		w->offset = (size_t)json_integer_value(json_object_get(e, "offset"));
		w->size = (size_t)json_integer_value(json_object_get(e, "size"));
		w->key = (uint32_t)json_integer_value(json_object_get(e, "key"));
		w->value = json_integer_value(json_object_get(e, "value"));
		w->at_ms = json_integer_value(json_object_get(e, "at_ms"));
		w->at_step = json_object_get(e, "at_step") ?
			(int)json_integer_value(json_object_get(e, "at_step")) : -1;
	}
}

void map_writes_free(struct map_writes *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		json_decref(ws->w[i].spec);
	free(ws->w);
	memset(ws, 0, sizeof(*ws));
}

int map_write_matches(const struct map_write *w, const char *name)
{
	size_t n = strlen(name), k = strlen(w->map);

	if (!strcmp(name, w->map))
		return 1;
	return k < n && !strcmp(name + n - k, w->map) && (w->map[0] == '.' || name[n - k - 1] == '.');
}

/* Does v fit in size bytes, signed or unsigned? */
static int fits(long long v, size_t size)
{
	if (size >= 8)
		return 1;
	return v >= -(1ll << (size * 8 - 1)) && v < (1ll << (size * 8));
}

static long long as_number(uint64_t raw, size_t size, int is_signed)
{
	if (is_signed && size < 8 && (raw >> (size * 8 - 1)) & 1)
		raw |= ~0ull << (size * 8);
	return (long long)raw;
}

/* Store w's value; 0 with the old and new value in rec, or -1 with err. */
static int store(struct map_write *w, const struct map_write_ctx *ctx, json_t *rec, char *err,
		 size_t errlen)
{
	const struct map_snap *m = NULL;
	const struct btf *btf = NULL;
	size_t off = w->offset, size = w->size;
	uint64_t va, before = 0, after = 0;
	int is_signed = 0;

	for (unsigned i = 0; !m && i < ctx->maps->n; i++)
		if (map_write_matches(w, ctx->maps->m[i].name)) {
			m = &ctx->maps->m[i];
			btf = ctx->btfs ? ctx->btfs[i] : NULL;
		}
	if (!ctx->attached || !m) {
		snprintf(err, errlen, !ctx->attached ? "no scheduler attached" :
			 "the scheduler has no map named %s", w->map);
		return -1;
	}
	json_object_set_new(rec, "map", json_string(m->name));
	if (w->field && !btf) {
		snprintf(err, errlen, "map %s: no BTF to find %s in", m->name, w->field);
		return -1;
	}
	if (w->field && mapval_field(btf, m->value_type_id, w->field, &off, &size, &is_signed, err, errlen))
		return -1;
	if (off + size > m->value_size) {
		snprintf(err, errlen, "bytes %zu-%zu are past the %u-byte value", off, off + size - 1,
			 m->value_size);
		return -1;
	}
	if (!fits(w->value, size)) {
		snprintf(err, errlen, "value %lld does not fit in %zu bytes", w->value, size);
		return -1;
	}
	if (!(va = maps_array_value(ctx->ki, m, w->key))) {
		if (m->type == MAP_ARRAY)
			snprintf(err, errlen, "key %u is past the map's %u entries", w->key,
				 m->max_entries);
		else
			snprintf(err, errlen, "map %s is a %s map: writes go to array maps", m->name,
				 maps_type_name(ctx->ki, m->type));
		return -1;
	}
	va += off;
	if (guestmem_read(ctx->gm, va, &before, size) ||
	    guestmem_write(ctx->gm, va, &w->value, size) || guestmem_read(ctx->gm, va, &after, size)) {
		snprintf(err, errlen, ctx->gm->writable ? "guest memory at %#llx not mapped" :
			 "guest memory is mapped read-only", (unsigned long long)va);
		return -1;
	}
	json_object_set_new(rec, "offset", json_integer((json_int_t)off));
	json_object_set_new(rec, "size", json_integer((json_int_t)size));
	json_object_set_new(rec, "old", json_integer(as_number(before, size, is_signed)));
	json_object_set_new(rec, "new", json_integer(as_number(after, size, is_signed)));
	return 0;
}

/* The record of a write: the job's entry, when it was due and when it happened. */
static json_t *write_record(const struct map_write *w, const char *job, long long t_ms)
{
	json_t *rec = json_pack("{s:s, s:s, s:I}", "type", "map_write", "job", job, "t_ms",
				(json_int_t)t_ms);
	const char *keys[] = { "map", "field", "key", "value", "at_ms", "at_step" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(w->spec, keys[i]))
			json_object_set(rec, keys[i], json_object_get(w->spec, keys[i]));
	return rec;
}

json_t *map_write_apply(struct map_write *w, const struct map_write_ctx *ctx)
{
	json_t *rec = write_record(w, ctx->job, ctx->t_ms);
	char err[256];

	w->done = 1;
	if (ctx->scenario_ms >= 0)
		json_object_set_new(rec, "scenario_ms", json_integer(ctx->scenario_ms));
	if (store(w, ctx, rec, err, sizeof(err)))
		json_object_set_new(rec, "error", json_string(err));
	return rec;
}

void map_writes_unapplied(struct map_writes *ws, const char *job, long long t_ms, json_t *out)
{
	for (size_t i = 0; i < ws->n; i++) {
		json_t *rec;

		if (ws->w[i].done)
			continue;
		ws->w[i].done = 1;
		rec = write_record(&ws->w[i], job, t_ms);
		json_object_set_new(rec, "error", json_string(ws->w[i].at_step >= 0 ?
			"never applied: the run had no such step" :
			"never applied: the run ended first"));
		json_array_append_new(out, rec);
	}
}
