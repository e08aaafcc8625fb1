/*
 * jq 1.6's value semantics (see jqval.h): the brief replaced a jq program and
 * prints what it printed, so numbers, truth and order follow jq, not jansson
 * (which writes 0.34 as 0.34000000000000002, where jq printed 0.34).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "jqval.h"

int jq_truthy(json_t *v)
{
	return v && !json_is_null(v) && !json_is_false(v);
}

json_t *jq_alt(json_t *a, json_t *b)
{
	return jq_truthy(a) ? a : b;
}

/* jq's kinds in their order. */
static int kind(json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_FALSE: return 1;
	case JSON_TRUE: return 2;
	case JSON_INTEGER: case JSON_REAL: return 3;
	case JSON_STRING: return 4;
	case JSON_ARRAY: return 5;
	case JSON_OBJECT: return 6;
	default: return 0;
	}
}

static int str_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int r = memcmp(a, b, na < nb ? na : nb);

	return r ? (r < 0 ? -1 : 1) : na < nb ? -1 : na > nb;
}

static int key_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return str_cmp(x, strlen(x), y, strlen(y));
}

/* An object's keys, sorted (as jq compares objects: keys first, then values by key). */
static const char **sorted_keys(json_t *o, size_t *n)
{
	const char **keys = xmalloc((json_object_size(o) + 1) * sizeof(*keys)), *k;
	json_t *v;

	*n = 0;
	json_object_foreach(o, k, v)
		keys[(*n)++] = k;
	qsort(keys, *n, sizeof(*keys), key_cmp);
	return keys;
}

static int obj_cmp(json_t *a, json_t *b)
{
	size_t na, nb, i;
	const char **ka = sorted_keys(a, &na), **kb = sorted_keys(b, &nb);
	int r = 0;

	for (i = 0; !r && i < na && i < nb; i++)
		r = key_cmp(&ka[i], &kb[i]);
	if (!r)
		r = na < nb ? -1 : na > nb;
	for (i = 0; !r && i < na; i++)
		r = jq_cmp(json_object_get(a, ka[i]), json_object_get(b, ka[i]));
	free(ka);
	free(kb);
	return r;
}

int jq_cmp(json_t *a, json_t *b)
{
	int ka = kind(a), kb = kind(b), r = 0;
	size_t i;

	if (ka != kb)
		return ka < kb ? -1 : 1;
	switch (ka) {
	case 3: {
		double x = json_number_value(a), y = json_number_value(b);

		return x < y ? -1 : x > y;
	}
	case 4:
		return str_cmp(json_string_value(a), json_string_length(a),
			       json_string_value(b), json_string_length(b));
	case 5:
		for (i = 0; !r; i++) {
			int a_done = i >= json_array_size(a), b_done = i >= json_array_size(b);

			if (a_done || b_done)
				return b_done - a_done;
			r = jq_cmp(json_array_get(a, i), json_array_get(b, i));
		}
		return r;
	case 6:
		return obj_cmp(a, b);
	default:
		return 0;
	}
}

int jq_cmp_num(json_t *v, double n)
{
	json_t *x = json_real(n);
	int r = jq_cmp(v, x);

	json_decref(x);
	return r;
}

int jq_cmp_str(json_t *v, const char *s)
{
	json_t *x = json_string(s);
	int r = jq_cmp(v, x);

	json_decref(x);
	return r;
}

json_t *jq_values(json_t *v)
{
	json_t *out = json_array(), *e;
	const char *k;

	if (json_is_array(v))
		json_array_extend(out, v);
	else
		json_object_foreach(v, k, e)
			json_array_append(out, e);
	return out;
}

/* The fewest significant digits that read back as d (> 0): digits into dig, point position. */
static void shortest_digits(double d, char *dig, int *decpt)
{
	char buf[40], *p, *e;
	int n = 0;

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	e = strchr(buf, 'e');
	for (p = buf; p < e; p++)
		if (*p != '.')
			dig[n++] = *p;
	while (n > 1 && dig[n - 1] == '0')
		n--;
	dig[n] = '\0';
	*decpt = atoi(e + 1) + 1;
}

void jq_number_text(double d, char *buf, size_t len)
{
	char dig[24], out[48], *b = out;
	int decpt, nd;

	if (isnan(d)) {
		snprintf(buf, len, "null");
		return;
	}
	d = d > DBL_MAX ? DBL_MAX : d < -DBL_MAX ? -DBL_MAX : d;
	if (signbit(d))
		*b++ = '-';
	if (d == 0) {
		snprintf(buf, len, "%s0", signbit(d) ? "-" : "");
		return;
	}
	shortest_digits(fabs(d), dig, &decpt);
	nd = (int)strlen(dig);
	if (decpt <= -4 || decpt > nd + 15) {	/* d.ddde+XX, two exponent digits at least */
		b += sprintf(b, "%c%s%s", dig[0], nd > 1 ? "." : "", dig + 1);
		sprintf(b, "e%c%02d", decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
	} else if (decpt <= 0) {
		sprintf(b, "0.%.*s%s", -decpt, "0000", dig);
	} else if (decpt < nd) {
		sprintf(b, "%.*s.%s", decpt, dig, dig + decpt);
	} else {
		sprintf(b, "%s%.*s", dig, decpt - nd, "000000000000000");
	}
	snprintf(buf, len, "%s", out);
}

/* A string as jq writes it in JSON: only quotes, backslashes and control characters escaped. */
static void put_json_string(const char *s, size_t n, FILE *f)
{
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" :
				  c == '\t' ? "\\t" : c == '\r' ? "\\r" : c == '\b' ? "\\b" :
				  c == '\f' ? "\\f" : NULL;

		if (esc)
			fputs(esc, f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

static void put_json(json_t *v, FILE *f)
{
	char num[48];
	const char *k;
	json_t *e;
	size_t i;
	int n = 0;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		put_json_string(json_string_value(v), json_string_length(v), f);
		break;
	case JSON_INTEGER: case JSON_REAL:
		jq_number_text(json_number_value(v), num, sizeof(num));
		fputs(num, f);
		break;
	case JSON_TRUE: fputs("true", f); break;
	case JSON_FALSE: fputs("false", f); break;
	case JSON_ARRAY:
		putc('[', f);
		json_array_foreach(v, i, e) {
			if (i)
				putc(',', f);
			put_json(e, f);
		}
		putc(']', f);
		break;
	case JSON_OBJECT:
		putc('{', f);
		json_object_foreach(v, k, e) {
			if (n++)
				putc(',', f);
			put_json_string(k, strlen(k), f);
			putc(':', f);
			put_json(e, f);
		}
		putc('}', f);
		break;
	default: fputs("null", f);
	}
}

void jq_put(json_t *v, FILE *f)
{
	if (json_is_string(v))
		fwrite(json_string_value(v), 1, json_string_length(v), f);
	else
		put_json(v, f);
}

void jq_put_in(const char *prefix, json_t *v, FILE *f)
{
	fputs(prefix, f);
	jq_put(v, f);
}

void jq_put_cat(const char *prefix, json_t *v, FILE *f)
{
	fputs(prefix, f);
	if (v && !json_is_null(v))
		jq_put(v, f);
}
