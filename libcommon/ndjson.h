/* NDJSON streams on jansson: one object per line, each with a "type". */
#ifndef KTSTR_NDJSON_H
#define KTSTR_NDJSON_H

#include <stdio.h>
#include <jansson.h>

/*
 * The longest line a reader takes (the biggest real record, a scheduler's dump or map, is far
 * smaller): past it the tool exits 2 instead of holding a stream that never ends its line.
 */
#define NDJSON_LINE_MAX ((size_t)16 << 20)
#define NDJSON_LINE_TOO_LONG "line longer than 16 MiB (a record is one line)"

/*
 * The encoding flag for every JSON the tools write: reals with 15 significant digits, as a
 * person writes them (1.4, where jansson's default 17 print 1.3999999999999999). A decimal of
 * 15 significant digits comes back unchanged through a double, and no measurement here has
 * more digits than that.
 */
#define NDJSON_REALS JSON_REAL_PRECISION(15)

struct ndjson_reader {
	FILE *f;
	const char *name;	/* input name for errors: "stdin" or a path */
	size_t lineno;
	char *line;
	size_t cap;
	int cut_ok;	/* set by the caller: a last line cut short ends the input (below) */
	int cut;	/* it did */
};

void ndjson_reader_init(struct ndjson_reader *r, FILE *f, const char *name);
void ndjson_reader_free(struct ndjson_reader *r);

/*
 * Next record, or NULL at end of input. Blank lines are skipped. A line
 * that is not a JSON object with a string "type" ends the tool with exit 2
 * and "NAME:LINE:COL: what is wrong". With cut_ok, a last line that has no
 * newline and is no record (a stage killed while writing it) ends the input
 * instead, with a warning and cut set.
 */
json_t *ndjson_read(struct ndjson_reader *r);

/*
 * The same checks on one line the caller read itself (e.g. from a
 * non-blocking fd): counts the line, returns NULL for a blank one.
 */
json_t *ndjson_parse_line(struct ndjson_reader *r, const char *line, size_t len);

/*
 * ndjson_parse_line's checks without the line count and without dying, so
 * any thread may call it. 0: *rec is the record, or NULL for a blank line.
 * -1: *rec is NULL and err holds what follows "NAME:LINE" in the message
 * (":COL: text" or ": text"). line must be NUL-terminated at len.
 */
int ndjson_check_line(const char *line, size_t len, json_t **rec, char *err, size_t errlen);

/*
 * What ndjson_peek_line finds: the record's type, and its "job" string (not
 * NUL-terminated, in the line) or NULL when it has none or a non-string one.
 */
struct ndjson_peek {
	char type[32];
	const char *job;
	size_t job_len;
};

/*
 * A cheap look at a line without building the record: 1 when the line is
 * surely one that ndjson_check_line accepts (pk filled), 0 when unsure (a
 * blank or bad line, or one with what only jansson should judge: \u escapes,
 * non-ASCII, big numbers, escaped keys, deep nesting). Thread-safe.
 */
int ndjson_peek_line(const char *line, size_t len, struct ndjson_peek *pk);

/* Exit 2: line LINENO of NAME is longer than NDJSON_LINE_MAX. */
void ndjson_line_too_long(const char *name, size_t lineno) __attribute__((__noreturn__));

/* Exit 2 with "NAME:LINE: type: message" about the record just read. */
void ndjson_bad_record(const struct ndjson_reader *r, json_t *rec,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4), __noreturn__));

/* Write one record as one line and flush; a failed write is fatal. */
void ndjson_write(FILE *f, json_t *rec);

/* The record's "type", or "" when it has none. */
const char *ndjson_type(json_t *rec);

#endif
