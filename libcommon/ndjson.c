#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "ndjson.h"

void ndjson_reader_init(struct ndjson_reader *r, FILE *f, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->name = name;
}

void ndjson_reader_free(struct ndjson_reader *r)
{
	free(r->line);
	r->line = NULL;
	r->cap = 0;
}

static int line_is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

void ndjson_line_too_long(const char *name, size_t lineno)
{
	die(EXIT_USAGE, "%s:%zu: %s", name, lineno, NDJSON_LINE_TOO_LONG);
}

/* One line into r->line (NUL-terminated, with its '\n' if any): its length, -1 at end of input. */
static ssize_t read_line(struct ndjson_reader *r)
{
	size_t len = 0;
	int c;

	flockfile(r->f);
	errno = 0;
	while ((c = getc_unlocked(r->f)) != EOF) {
		if (len >= NDJSON_LINE_MAX && c != '\n') {
			funlockfile(r->f);
			ndjson_line_too_long(r->name, r->lineno + 1);
		}
		if (len + 2 > r->cap) {
			r->cap = r->cap ? r->cap * 2 : 4096;
			r->line = xrealloc(r->line, r->cap);
		}
		r->line[len++] = (char)c;
		if (c == '\n')
			break;
	}
	funlockfile(r->f);
	if (c == EOF && ferror(r->f))
		die(EXIT_USAGE, "%s: read error: %s", r->name, strerror(errno));
	if (!len)
		return -1;
	r->line[len] = '\0';
	return (ssize_t)len;
}

/* The last line, with no newline, is not a record: the writer stopped inside it. */
static int cut_short(struct ndjson_reader *r, size_t n)
{
	char err[JSON_ERROR_TEXT_LENGTH + 64];
	json_t *rec;

	if (!r->cut_ok || r->line[n - 1] == '\n' || !ndjson_check_line(r->line, n, &rec, err, sizeof(err)))
		return 0;
	warnmsg("%s:%zu: the input ends inside a record (its writer stopped in the middle): "
		"that record is left out", r->name, r->lineno + 1);
	r->cut = 1;
	return 1;
}

json_t *ndjson_read(struct ndjson_reader *r)
{
	ssize_t n;

	for (;;) {
		json_t *rec;

		n = read_line(r);
		if (n < 0 || cut_short(r, (size_t)n))
			return NULL;
		rec = ndjson_parse_line(r, r->line, (size_t)n);
		if (rec)
			return rec;
	}
}

int ndjson_check_line(const char *line, size_t len, json_t **rec, char *err, size_t errlen)
{
	json_error_t jerr;

	*rec = NULL;
	if (len != strlen(line)) {
		snprintf(err, errlen, ": NUL byte in input");
		return -1;
	}
	if (line_is_blank(line))
		return 0;
	*rec = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	if (!*rec) {
		snprintf(err, errlen, ":%d: %s", jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(*rec))
		snprintf(err, errlen, ": record is not a JSON object");
	else if (!json_is_string(json_object_get(*rec, "type")))
		snprintf(err, errlen, ": record has no string \"type\"");
	else
		return 0;
	json_decref(*rec);
	*rec = NULL;
	return -1;
}

json_t *ndjson_parse_line(struct ndjson_reader *r, const char *line, size_t len)
{
	char err[JSON_ERROR_TEXT_LENGTH + 64];
	json_t *rec;

	r->lineno++;
	if (ndjson_check_line(line, len, &rec, err, sizeof(err)))
		die(EXIT_USAGE, "%s:%zu%s", r->name, r->lineno, err);
	return rec;
}

void ndjson_bad_record(const struct ndjson_reader *r, json_t *rec,
		       const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	die(EXIT_USAGE, "%s:%zu: %s record: %s", r->name, r->lineno,
	    ndjson_type(rec), msg);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * One write(2) per record where f has an fd: the next stage, or the stored stream, then never
 * holds half a record unless the writer dies inside that one call (stdio would split a long
 * record at its buffer's size, and a kill between the pieces would cut it).
 */
void ndjson_write(FILE *f, json_t *rec)
{
	char *s = json_dumps(rec, JSON_COMPACT | NDJSON_REALS);
	size_t n;
	int fd = fileno(f), bad;

	if (!s)
		die(EXIT_INCONCLUSIVE, "cannot format a %s record", ndjson_type(rec));
	n = strlen(s);
	s = xrealloc(s, n + 2);
	s[n++] = '\n';
	s[n] = '\0';
	if (fd >= 0)
		bad = fflush(f) == EOF || write_all(fd, s, n) < 0;
	else
		bad = fputs(s, f) == EOF || fflush(f) == EOF;
	free(s);
	if (bad)
		die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
}

const char *ndjson_type(json_t *rec)
{
	const char *t = json_string_value(json_object_get(rec, "type"));

	return t ? t : "";
}
