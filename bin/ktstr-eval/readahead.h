/*
 * Input records parsed ahead on other threads and handed out in input order.
 * Every line is checked on a parser thread: by ndjson_peek_line when it can
 * vouch for it and the caller does not keep its type, else parsed by jansson
 * (ndjson_check_line) and, when not kept, freed there; so the main thread
 * only copies lines through and judges.
 */
#ifndef KTSTR_EVAL_READAHEAD_H
#define KTSTR_EVAL_READAHEAD_H

#include <stddef.h>
#include <jansson.h>

#include "ndjson.h"

struct input_line {
	const char *line;	/* as read, NUL-terminated, newline dropped */
	size_t len;
	json_t *rec;		/* the record when keep(type) said so: the caller owns it */
	const char *job;	/* else its string "job" or NULL (valid until the next call) */
	int blank;		/* (internal: blank lines are not handed out) */
};

struct readahead;

/* Read fd with up to threads parser threads; keep(type) says which records to build. */
struct readahead *readahead_open(int fd, int (*keep)(const char *type), unsigned threads);

/*
 * The next non-blank line, or NULL at the end of input. rd->lineno becomes its
 * line number. A bad line ends the tool (exit 2, "NAME:LINE[:COL]: ...") when its
 * turn comes, so every line before it has been handed out. stdout is flushed
 * before any read that may block, so a live stream sees its records promptly.
 */
const struct input_line *readahead_next(struct readahead *ra, struct ndjson_reader *rd);

/* Stop the threads and free everything (records handed out stay the caller's). */
void readahead_close(struct readahead *ra);

#endif
