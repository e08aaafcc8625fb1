/*
 * A job's map_writes: values the probe stores into the scheduler's array
 * maps from the host, once each, at a time after the scenario's first step
 * (at_ms) or when a step starts (at_step):
 *   {"map": "bss", "field": "state.stall", "value": 1, "at_ms": 1000}
 *   {"map": "bss", "offset": 4, "size": 4, "value": 1, "at_step": 1, "key": 0}
 * The map by its name or a suffix after a '.' ("bss" is "ktstr.bss"), the
 * field by its path in the map's BTF, or a raw offset and size.
 */
#ifndef KTSTR_PROBE_MAPWRITE_H
#define KTSTR_PROBE_MAPWRITE_H

#include <jansson.h>

#include "maps.h"

struct map_write {
	json_t *spec;		/* the job's entry */
	const char *map, *field;	/* field NULL: offset and size */
	size_t offset, size;
	uint32_t key;
	long long value, at_ms;
	int at_step;		/* -1: at_ms */
	int done;
};

struct map_writes {
	struct map_write *w;
	size_t n;
};

/* What a write needs at the moment it is applied. */
struct map_write_ctx {
	const struct guestmem *gm;
	const struct kernel_info *ki;
	const struct map_set *maps;		/* the scheduler's, as last read */
	const struct btf *const *btfs;		/* per map of maps, or NULL */
	int attached;				/* a scheduler is attached */
	const char *job;
	long long t_ms, scenario_ms;
};

/* 0 when map_writes (NULL: none) is well formed, else -1 with err naming the entry. */
int map_writes_check(json_t *map_writes, char *err, size_t errlen);

/* The checked entries of map_writes into ws. */
void map_writes_load(struct map_writes *ws, json_t *map_writes);
void map_writes_free(struct map_writes *ws);

/* Does the map named name match w's map? */
int map_write_matches(const struct map_write *w, const char *name);

/* Apply w now (it is done afterwards): its map_write record, with the old and new value or an error. */
json_t *map_write_apply(struct map_write *w, const struct map_write_ctx *ctx);

/* A map_write record with an error for each write never applied, into out. */
void map_writes_unapplied(struct map_writes *ws, const char *job, long long t_ms, json_t *out);

#endif
