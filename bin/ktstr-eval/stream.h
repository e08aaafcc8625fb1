/* ktstr-eval's work on one record stream, apart from main() so a fuzz target can drive it. */
#ifndef KTSTR_EVAL_STREAM_H
#define KTSTR_EVAL_STREAM_H

#include <stdio.h>
#include <jansson.h>

#include "ndjson.h"
#include "readahead.h"

struct eval_opts {
	json_t *checks, *overrides;
};

/*
 * Copy every record of ra to out and add a verdict per job when its VM exits
 * (and, at the end, an inconclusive one per job whose VM never did). rd names
 * the input in errors. Returns the exit status: 0 all pass, 1 a verdict failed,
 * 3 inconclusive, 77 all skipped. Bad input ends the tool (exit 2).
 */
int eval_stream(struct readahead *ra, struct ndjson_reader *rd, FILE *out,
		const struct eval_opts *o);

#endif
