/*
 * ndjson_peek_line: a record's type and job without building it. A scanner
 * for the JSON that ktstr's own records use (ASCII strings, no \u escapes,
 * numbers jansson reads without overflow) that says "unsure" about
 * everything else, so it never accepts a line that ndjson_check_line would
 * refuse. ktstr-eval copies most records (samples) through untouched; for
 * them this check costs a fraction of building jansson's tree.
 */
#include <string.h>

#include "ndjson.h"

#define MAX_DEPTH 32	/* deeper: unsure (jansson allows 2048) */
#define MAX_KEYS 256	/* open keys across the nesting, for duplicate checks */
#define MAX_INT_DIGITS 18	/* fits a long long, jansson's integer */
#define MAX_REAL_DIGITS 200	/* with an exponent of 2 digits: no overflow */

enum slot { SLOT_NONE, SLOT_TYPE, SLOT_JOB };

struct span {
	const char *p;
	size_t n;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	return s;
}

static const char *skip_digits(const char *s, const char *end)
{
	while (s < end && is_digit(*s))
		s++;
	return s;
}

/*
 * A string from its opening quote: past the closing one, or NULL when not
 * sure. *plain says it has no escapes. Control bytes are errors for jansson;
 * non-ASCII needs its UTF-8 check; \u needs its surrogate and NUL checks.
 */
static const char *scan_string(const char *s, const char *end, int *plain)
{
	*plain = 1;
	for (s++; s < end; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"')
			return s + 1;
		if (c < 0x20 || c >= 0x80)
			return NULL;
		if (c != '\\')
			continue;
		if (++s == end)
			return NULL;
		switch (*s) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			*plain = 0;
			break;
		default:
			return NULL;
		}
	}
	return NULL;
}

/* A number: past it, or NULL when not sure jansson reads it. */
static const char *scan_number(const char *s, const char *end)
{
	const char *int0, *exp0;
	size_t int_digits;
	int real = 0;

	if (s < end && *s == '-')
		s++;
	int0 = s;
	if (s < end && *s == '0')
		s++;
	else if (s < end && is_digit(*s))
		s = skip_digits(s, end);
	else
		return NULL;
	int_digits = (size_t)(s - int0);
	if (s < end && *s == '.') {
		if (++s == end || !is_digit(*s))
			return NULL;
		s = skip_digits(s, end);
		real = 1;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		if (++s < end && (*s == '+' || *s == '-'))
			s++;
		exp0 = s;
		s = skip_digits(s, end);
		if (s == exp0 || s - exp0 > 2)
			return NULL;
		real = 1;
	}
	if (int_digits > (real ? MAX_REAL_DIGITS : MAX_INT_DIGITS))
		return NULL;
	return s;
}

/* A key is new in its object: jansson is told to reject duplicates. */
static int key_is_new(const struct span *keys, size_t from, size_t to, struct span k)
{
	for (size_t i = from; i < to; i++)
		if (keys[i].n == k.n && !memcmp(keys[i].p, k.p, k.n))
			return 0;
	return 1;
}

static enum slot top_key_slot(struct span k)
{
	if (k.n == 4 && !memcmp(k.p, "type", 4))
		return SLOT_TYPE;
	if (k.n == 3 && !memcmp(k.p, "job", 3))
		return SLOT_JOB;
	return SLOT_NONE;
}

int ndjson_peek_line(const char *line, size_t len, struct ndjson_peek *pk)
{
	const char *s = line, *end = line + len, *v;
	char open[MAX_DEPTH];		/* '{' or '[' per level */
	size_t key_base[MAX_DEPTH];	/* each open object's first key */
	struct span keys[MAX_KEYS], k;
	size_t nkeys = 0;
	int depth = 0, plain, have_type = 0;
	enum slot slot = SLOT_NONE;

	pk->type[0] = '\0';
	pk->job = NULL;
	pk->job_len = 0;
	s = skip_ws(s, end);
	if (s == end || *s != '{')
		return 0;	/* blank or not an object: ndjson_check_line says which */
	for (;;) {
		/* s: the start of a value; slot: what it is to the top-level object */
		switch (*s) {
		case '{':
		case '[':
			if (depth == MAX_DEPTH)
				return 0;
			open[depth] = *s;
			key_base[depth++] = nkeys;
			s = skip_ws(s + 1, end);
			if (s < end && *s == (open[depth - 1] == '{' ? '}' : ']')) {
				depth--;
				s++;
				break;
			}
			if (open[depth - 1] == '{')
				goto key;
			if (s == end)
				return 0;
			slot = SLOT_NONE;
			continue;
		case '"':
			v = s + 1;
			if (!(s = scan_string(s, end, &plain)))
				return 0;
			if (slot == SLOT_NONE)
				break;
			if (!plain || (slot == SLOT_TYPE && (size_t)(s - 1 - v) >= sizeof(pk->type)))
				return 0;	/* unescaping is jansson's job */
			if (slot == SLOT_TYPE) {
				memcpy(pk->type, v, (size_t)(s - 1 - v));
				pk->type[s - 1 - v] = '\0';
				have_type = 1;
			} else {
				pk->job = v;
				pk->job_len = (size_t)(s - 1 - v);
			}
			break;
		case 't':
		case 'f':
		case 'n':
			v = *s == 't' ? "true" : *s == 'f' ? "false" : "null";
			if ((size_t)(end - s) < strlen(v) || memcmp(s, v, strlen(v)))
				return 0;
			s += strlen(v);
			break;
		default:
			if (!(s = scan_number(s, end)))
				return 0;
			break;
		}
		if (slot == SLOT_TYPE && !have_type)
			return 0;	/* a "type" that is not a string: an error */
		/* after a value: a separator, a close, or the end of the line */
		for (;;) {
			s = skip_ws(s, end);
			if (depth == 0)
				return s == end && have_type;
			if (s == end)
				return 0;
			if (*s == ',') {
				s = skip_ws(s + 1, end);
				if (open[depth - 1] == '{')
					goto key;
				if (s == end)
					return 0;
				slot = SLOT_NONE;
				goto next_value;
			}
			if (*s != (open[depth - 1] == '{' ? '}' : ']'))
				return 0;
			nkeys = key_base[--depth];
			s++;
		}
key:
		if (s == end || *s != '"')
			return 0;
		k.p = s + 1;
		if (!(s = scan_string(s, end, &plain)) || !plain)
			return 0;	/* escaped keys: duplicates need unescaping */
		k.n = (size_t)(s - 1 - k.p);
		if (nkeys == MAX_KEYS || !key_is_new(keys, key_base[depth - 1], nkeys, k))
			return 0;
		keys[nkeys++] = k;
		s = skip_ws(s, end);
		if (s == end || *s != ':')
			return 0;
		s = skip_ws(s + 1, end);
		if (s == end)
			return 0;
		slot = depth == 1 ? top_key_slot(k) : SLOT_NONE;
next_value:
		;
	}
}
