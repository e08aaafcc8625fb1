/*
 * ktstr-probe's `map` and `map_write` records of a job, as the run record's
 * "maps": {"end": {...}, "failure": {...}, "writes": [...]} (each record
 * without type and job), and their brief form in `show`.
 */
#ifndef KTSTR_SIDECAR_MAPREC_H
#define KTSTR_SIDECAR_MAPREC_H

#include <jansson.h>

/* Keep rec (a map or map_write record) in *maps, made on first use. */
void maprec_note(json_t **maps, json_t *rec);

/* The run record's "maps" (new reference): maps, or null when there were none. */
json_t *maprec_of(json_t *maps);

/* The scheduler's end-of-run globals, their non-zero scalars, and the writes, briefly. */
void maprec_print(json_t *maps);

#endif
