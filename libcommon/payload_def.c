/* Payload definitions: parse and validate (share/ktstr/payloads/README.md). */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "payload_def.h"
#include "scenario.h"

static const char *const reduce_names[] = { "first", "max", "min", "sum", "mean", NULL };

const char *metric_reduce_name(enum metric_reduce r)
{
	return reduce_names[r];
}

static int keys_ok(json_t *j, const char *const *allowed, const char *path, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	if (!json_is_object(j)) {
		strfmt(err, errlen, "%s: expected an object", path);
		return -1;
	}
	json_object_foreach(j, key, v) {
		const char *const *a;

		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (!*a) {
			strfmt(err, errlen, "%s: unknown key \"%s\"", path, key);
			return -1;
		}
	}
	return 0;
}

/* One of names (NULL-terminated) or dflt when absent; -1 when something else. */
static int pick(json_t *j, const char *key, const char *const *names, int dflt, const char *path,
		char *err, size_t errlen)
{
	json_t *v = json_object_get(j, key);
	const char *s = json_string_value(v);

	if (!v)
		return dflt;
	for (int i = 0; s && names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	strfmt(err, errlen, "%s.%s: expected one of", path, key);
	for (int i = 0; names[i]; i++)
		strfmt(err + strlen(err), errlen - strlen(err), "%s \"%s\"", i ? "," : "", names[i]);
	return -1;
}

static int gate(json_t *m, const char *key, double *out, const char *path, char *err, size_t errlen)
{
	json_t *v = json_object_get(m, key);

	*out = -1;
	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < 0 || !isfinite(json_number_value(v))) {
		strfmt(err, errlen, "%s.%s: expected a number >= 0", path, key);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

static int source_of(json_t *m, struct payload_metric *pm, const char *path, char *err, size_t errlen)
{
	json_t *re = json_object_get(m, "regex"), *key = json_object_get(m, "key");
	json_t *hist = json_object_get(m, "histogram");
	regex_t rx;
	int rc;

	if ((re != NULL) + (key != NULL) + (hist != NULL) > 1) {
		strfmt(err, errlen, "%s: give one of key, regex, histogram", path);
		return -1;
	}
	pm->source = re ? SRC_REGEX : hist ? SRC_HISTOGRAM : SRC_KEY;
	pm->key = key ? json_string_value(key) : pm->name;
	if (key && (!pm->key || !*pm->key)) {
		strfmt(err, errlen, "%s.key: expected a string", path);
		return -1;
	}
	if (re) {
		pm->regex = json_string_value(re);
		rc = pm->regex ? regcomp(&rx, pm->regex, REG_EXTENDED | REG_NEWLINE) : -1;
		if (rc) {
			strfmt(err, errlen, "%s.regex: %s", path,
			       pm->regex ? "not an extended regular expression" : "expected a string");
			return -1;
		}
		regfree(&rx);
	}
	if (hist) {
		pm->percentile = json_number_value(json_object_get(hist, "percentile"));
		if (keys_ok(hist, (const char *const[]){ "percentile", NULL }, path, err, errlen) < 0 ||
		    !(pm->percentile > 0 && pm->percentile <= 100)) {
			strfmt(err, errlen, "%s.histogram: expected {\"percentile\": P} with 0 < P <= 100", path);
			return -1;
		}
	}
	return 0;
}

static int metric_parse(json_t *m, struct payload_metric *pm, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "unit", "polarity", "key", "regex", "histogram",
					    "reduce", "stream", "abs_gate", "rel_gate", "rel_gate_tcg",
					    "description", NULL };
	static const char *const pols[] = { "higher", "lower", NULL };
	static const char *const streams[] = { "stdout", "stderr", NULL };
	int pol, red, st;

	if (keys_ok(m, keys, path, err, errlen) < 0)
		return -1;
	pm->name = json_string_value(json_object_get(m, "name"));
	if (!payload_name_ok(pm->name)) {
		strfmt(err, errlen, "%s.name: expected 1-64 letters, digits, '_', '.' or '-'", path);
		return -1;
	}
	pm->unit = json_string_value(json_object_get(m, "unit"));
	if (json_object_get(m, "unit") && !pm->unit) {
		strfmt(err, errlen, "%s.unit: expected a string", path);
		return -1;
	}
	pm->unit = pm->unit ? pm->unit : "";
	if (!json_object_get(m, "polarity")) {
		strfmt(err, errlen, "%s.polarity: missing (\"higher\" or \"lower\" is better)", path);
		return -1;
	}
	if ((pol = pick(m, "polarity", pols, 0, path, err, errlen)) < 0 ||
	    (red = pick(m, "reduce", reduce_names, RED_FIRST, path, err, errlen)) < 0 ||
	    (st = pick(m, "stream", streams, -2, path, err, errlen)) == -1)
		return -1;
	pm->polarity = pols[pol];
	pm->reduce = (enum metric_reduce)red;
	pm->stderr_stream = st == 1;
	if (gate(m, "abs_gate", &pm->abs_gate, path, err, errlen) < 0 ||
	    gate(m, "rel_gate", &pm->rel_gate, path, err, errlen) < 0 ||
	    gate(m, "rel_gate_tcg", &pm->rel_gate_tcg, path, err, errlen) < 0)
		return -1;
	return source_of(m, pm, path, err, errlen);
}

static int parse_top(json_t *doc, struct payload_def *d, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "description", "binary", "package", "default_args",
					    "output", "stream", "metrics", "checks", NULL };
	static const char *const outputs[] = { "text", "lines", "json", NULL };
	static const char *const streams[] = { "stdout", "stderr", NULL };
	json_t *a = json_object_get(doc, "default_args"), *ms = json_object_get(doc, "metrics"), *v;
	char sub[128];
	int out, st;
	size_t i;

	if (keys_ok(doc, keys, "payload", err, errlen) < 0)
		return -1;
	d->name = json_string_value(json_object_get(doc, "name"));
	d->binary = json_string_value(json_object_get(doc, "binary"));
	if (!payload_name_ok(d->name)) {
		strfmt(err, errlen, "payload.name: expected 1-64 letters, digits, '_', '.' or '-'");
		return -1;
	}
	if (!d->binary || !*d->binary) {
		strfmt(err, errlen, "payload.binary: expected a program name or an absolute path");
		return -1;
	}
	d->default_args = a ? a : json_array();
	if (!a)
		json_object_set_new(doc, "default_args", d->default_args);
	if (!json_is_array(d->default_args)) {
		strfmt(err, errlen, "payload.default_args: expected an array of strings");
		return -1;
	}
	json_array_foreach(d->default_args, i, v)
		if (!json_is_string(v)) {
			strfmt(err, errlen, "payload.default_args[%zu]: expected a string", i);
			return -1;
		}
	if ((out = pick(doc, "output", outputs, OUTPUT_TEXT, "payload", err, errlen)) < 0 ||
	    (st = pick(doc, "stream", streams, 0, "payload", err, errlen)) < 0)
		return -1;
	d->output = (enum payload_output)out;
	d->stderr_stream = st == 1;
	if (ms && !json_is_array(ms)) {
		strfmt(err, errlen, "payload.metrics: expected an array");
		return -1;
	}
	d->metrics = xcalloc(json_array_size(ms) + 1, sizeof(*d->metrics));
	json_array_foreach(ms, i, v) {
		snprintf(sub, sizeof(sub), "payload.metrics[%zu]", i);
		d->metrics[i].stderr_stream = d->stderr_stream;
		if (metric_parse(v, &d->metrics[i], sub, err, errlen) < 0)
			return -1;
		if (!json_object_get(v, "stream"))
			d->metrics[i].stderr_stream = d->stderr_stream;
		d->nmetrics = i + 1;
	}
	d->checks = json_object_get(doc, "checks");
	return d->checks ? payload_checks_parse(d->checks, "payload.checks", err, errlen) : 0;
}

int payload_def_parse(json_t *doc, struct payload_def *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->doc = json_incref(doc);
	if (parse_top(doc, d, err, errlen) < 0) {
		payload_def_free(d);
		return -1;
	}
	return 0;
}

void payload_def_free(struct payload_def *d)
{
	free(d->metrics);
	json_decref(d->doc);
	memset(d, 0, sizeof(*d));
}
