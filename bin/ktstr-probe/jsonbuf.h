/*
 * Writing a JSON line by hand into a reused buffer, byte for byte as
 * jansson's compact dump writes the same values: strings escaped the same
 * way, integers in decimal. Used where building a json_t per record costs
 * more than reading the guest (the sample records).
 */
#ifndef KTSTR_PROBE_JSONBUF_H
#define KTSTR_PROBE_JSONBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <jansson.h>

struct jsonbuf {
	char *p;
	size_t len, cap;
};

void jsonbuf_free(struct jsonbuf *b);
/* Room for n more bytes (the functions below make their own). */
void jsonbuf_grow(struct jsonbuf *b, size_t n);

/* Where the next n bytes go (then add what was written to len). */
static inline char *jsonbuf_room(struct jsonbuf *b, size_t n)
{
	if (b->cap - b->len < n)
		jsonbuf_grow(b, n);
	return b->p + b->len;
}

static inline void jsonbuf_raw(struct jsonbuf *b, const char *s, size_t n)
{
	memcpy(jsonbuf_room(b, n), s, n);
	b->len += n;
}

/* A literal: punctuation, a key already in quotes. */
#define jsonbuf_lit(b, s) jsonbuf_raw((b), (s), sizeof(s) - 1)
/* A string in quotes; it must be valid UTF-8 (jsonbuf_utf8_ok). */
void jsonbuf_str(struct jsonbuf *b, const char *s);
void jsonbuf_int(struct jsonbuf *b, long long v);
void jsonbuf_bool(struct jsonbuf *b, bool v);
/* A json_t, dumped compact as it is (for parts written once per run): 0, or -1 (nothing added). */
int jsonbuf_json(struct jsonbuf *b, const json_t *v);

/* s is UTF-8 that jansson takes as a string (json_string() would not fail). */
bool jsonbuf_utf8_ok(const char *s);

#endif
