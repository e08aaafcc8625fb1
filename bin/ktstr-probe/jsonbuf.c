/* JSON text by hand, as jansson's compact dump writes it (see jsonbuf.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "jsonbuf.h"
#include "ndjson.h"

void jsonbuf_free(struct jsonbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void jsonbuf_grow(struct jsonbuf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return;
	b->cap = b->len + n > 2 * b->cap ? b->len + n : 2 * b->cap;
	if (b->cap < 4096)
		b->cap = 4096;
	b->p = xrealloc(b->p, b->cap);
}

/* Needs a backslash: '"', '\\' and the control characters. */
static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

void jsonbuf_str(struct jsonbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *o = jsonbuf_room(b, 6 * n + 2), *start = o;	/* each byte escaped at worst as \u00XX */

	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;

		if (!needs_escape(c)) {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	b->len += (size_t)(o - start);
}

void jsonbuf_int(struct jsonbuf *b, long long v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	/* (unsigned: LLONG_MIN has no positive counterpart) */
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v, t = u;
	size_t digits = 1;
	char *o = jsonbuf_room(b, 21), *e;

	while (t >= 10) {
		t /= 10;
		digits++;
	}
	if (v < 0)
		*o++ = '-';
	e = o + digits;
	b->len += digits + (v < 0);
	while (u >= 100) {
		e -= 2;
		memcpy(e, pairs + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10)
		memcpy(e - 2, pairs + 2 * u, 2);
	else
		e[-1] = (char)('0' + u);
}

void jsonbuf_bool(struct jsonbuf *b, bool v)
{
	if (v)
		jsonbuf_lit(b, "true");
	else
		jsonbuf_lit(b, "false");
}

static int dump_cb(const char *buf, size_t size, void *data)
{
	jsonbuf_raw(data, buf, size);
	return 0;
}

int jsonbuf_json(struct jsonbuf *b, const json_t *v)
{
	size_t len = b->len;

	if (!json_dump_callback(v, dump_cb, b, JSON_COMPACT | JSON_ENCODE_ANY | NDJSON_REALS))
		return 0;
	b->len = len;
	return -1;
}

/*
 * Strict UTF-8: no stray continuation bytes, no overlong forms, no UTF-16
 * surrogates, nothing past U+10FFFF.
 */
bool jsonbuf_utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t cp;
		unsigned n;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3, cp = *p & 0x07;
		else
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;	/* (also the string's end) */
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}
