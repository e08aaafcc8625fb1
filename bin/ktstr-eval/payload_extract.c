/*
 * Metrics from a payload's output, as its definition says: every numeric
 * JSON leaf by dotted path, every "key: number" line, a regular expression,
 * or a percentile of a text histogram ("BUCKET COUNT COUNT..." lines, as
 * cyclictest -h prints).
 */
#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "payload.h"

#define MAX_RAW 4096	/* leaves kept from one output */

static void flatten(json_t *node, char *path, size_t len, size_t cap, json_t *out)
{
	const char *key;
	json_t *child;
	size_t i;

	if (json_object_size(out) >= MAX_RAW)
		return;
	if (json_is_number(node)) {
		json_object_set_new(out, path, json_real(json_number_value(node)));
		return;
	}
	if (json_is_object(node)) {
		json_object_foreach(node, key, child) {
			int n = snprintf(path + len, cap - len, "%s%s", len ? "." : "", key);

			if (n > 0 && len + (size_t)n < cap)
				flatten(child, path, len + (size_t)n, cap, out);
			path[len] = '\0';
		}
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, child) {
			int n = snprintf(path + len, cap - len, "%s%zu", len ? "." : "", i);

			if (n > 0 && len + (size_t)n < cap)
				flatten(child, path, len + (size_t)n, cap, out);
			path[len] = '\0';
		}
	}
}

/* The first JSON document in text (anything before its '{' or '[' skipped). */
static void raw_json(const char *text, json_t *out)
{
	const char *start = strpbrk(text, "{[");
	json_error_t jerr;
	json_t *doc;
	char path[1024] = "";

	if (!start || !(doc = json_loads(start, JSON_DISABLE_EOF_CHECK, &jerr)))
		return;
	flatten(doc, path, 0, sizeof(path), out);
	json_decref(doc);
}

/* A number at the start of s (after blanks): 1 when there is one. */
static int leading_number(const char *s, double *v)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!(isdigit((unsigned char)*s) || ((*s == '-' || *s == '+' || *s == '.') &&
					      (isdigit((unsigned char)s[1]) || s[1] == '.'))))
		return 0;
	*v = strtod(s, &end);
	return end != s && isfinite(*v);
}

/* "  key name:  12.5 units": the first line of each key wins. */
static void raw_lines(const char *text, json_t *out)
{
	for (const char *line = text; *line && json_object_size(out) < MAX_RAW;) {
		const char *nl = strchr(line, '\n'), *colon, *k = line;
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char key[256];
		double v;

		colon = memchr(line, ':', n);
		while (k < line + n && (*k == ' ' || *k == '\t' || *k == '-'))
			k++;
		if (colon && colon > k && (size_t)(colon - k) < sizeof(key)) {
			size_t kl = (size_t)(colon - k);
			char val[64];
			size_t vl = n - (size_t)(colon + 1 - line);

			while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
				kl--;
			memcpy(key, k, kl);
			key[kl] = '\0';
			snprintf(val, sizeof(val), "%.*s", (int)(vl < 63 ? vl : 63), colon + 1);
			if (kl && !json_object_get(out, key) && leading_number(val, &v))
				json_object_set_new(out, key, json_real(v));
		}
		line += n + (nl ? 1 : 0);
	}
}

struct acc {
	enum metric_reduce how;
	double v;
	size_t n;
};

static void acc_add(struct acc *a, double v)
{
	if (!a->n)
		a->v = v;
	else if ((a->how == RED_MAX && v > a->v) || (a->how == RED_MIN && v < a->v))
		a->v = v;
	else if (a->how == RED_SUM || a->how == RED_MEAN)
		a->v += v;
	a->n++;
}

static int acc_get(const struct acc *a, double *out)
{
	*out = a->how == RED_MEAN && a->n ? a->v / (double)a->n : a->v;
	return a->n > 0;
}

static int from_key(const struct payload_metric *m, json_t *raw, double *out)
{
	struct acc a = { .how = m->reduce };
	const char *name;
	json_t *v;

	json_object_foreach(raw, name, v)
		if (!fnmatch(m->key, name, 0))
			acc_add(&a, json_number_value(v));
	return acc_get(&a, out);
}

/* Every number in the first match (group 1 when there is one). */
static int from_regex(const struct payload_metric *m, const char *text, double *out)
{
	struct acc a = { .how = m->reduce };
	regmatch_t g[2];
	regex_t rx;
	char *part, *p, *end;

	if (regcomp(&rx, m->regex, REG_EXTENDED | REG_NEWLINE))
		return 0;
	if (regexec(&rx, text, 2, g, 0)) {
		regfree(&rx);
		return 0;
	}
	if (g[1].rm_so < 0)
		g[1] = g[0];
	part = xstrndup(text + g[1].rm_so, (size_t)(g[1].rm_eo - g[1].rm_so));
	for (p = part; *p;) {
		double v = strtod(p, &end);

		if (end != p && isfinite(v)) {
			acc_add(&a, v);
			p = end;
		} else {
			p++;
		}
	}
	free(part);
	regfree(&rx);
	return acc_get(&a, out);
}

/* P-th percentile of "BUCKET COUNT..." rows (counts summed), overflows counted past the last. */
static int from_histogram(const struct payload_metric *m, const char *text, double *out)
{
	double total = 0, last = 0, seen = 0, target;
	const char *ov = strstr(text, "# Histogram Overflows:");
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (const char *line = text; *line;) {
			const char *nl = strchr(line, '\n');
			size_t n = nl ? (size_t)(nl - line) : strlen(line);
			char buf[512], *p = buf, *end;
			double bucket, count = 0;

			snprintf(buf, sizeof(buf), "%.*s", (int)(n < 511 ? n : 511), line);
			line += n + (nl ? 1 : 0);
			if (strspn(buf, "0123456789 \t") != strlen(buf) || !isdigit((unsigned char)*buf))
				continue;
			bucket = strtod(p, &end);
			for (p = end; *p; p = end) {
				count += strtod(p, &end);
				if (end == p)
					break;
			}
			if (pass == 0) {
				total += count;
				last = bucket;
			} else if ((seen += count) >= target && count > 0) {
				*out = bucket;
				return 1;
			}
		}
		if (pass == 0) {
			for (const char *p = ov ? ov + 22 : ""; *p && *p != '\n';) {
				char *end;
				double v = strtod(p, &end);

				if (end == p)
					break;
				total += v;
				p = end;
			}
			if (total <= 0)
				return 0;
			target = ceil(m->percentile / 100 * total);
		}
	}
	*out = last + 1;	/* in the overflows: at least past the last bucket */
	return 1;
}

json_t *payload_raw_metrics(const struct payload_def *d, const char *text)
{
	json_t *raw = json_object();

	if (d->output == OUTPUT_JSON)
		raw_json(text, raw);
	else if (d->output == OUTPUT_LINES)
		raw_lines(text, raw);
	return raw;
}

int payload_metric_value(const struct payload_metric *m, json_t *raw, const char *text, double *out)
{
	switch (m->source) {
	case SRC_KEY: return from_key(m, raw, out);
	case SRC_REGEX: return from_regex(m, text, out);
	default: return from_histogram(m, text, out);
	}
}
