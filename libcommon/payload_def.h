/*
 * Payload definitions (share/ktstr/payloads/NAME.json): which binary, its
 * default arguments, and how metrics come out of its output. The planner
 * validates them before any VM starts; ktstr-eval reads them back from the
 * job to extract and judge the metrics.
 */
#ifndef KTSTR_PAYLOAD_DEF_H
#define KTSTR_PAYLOAD_DEF_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

enum payload_output { OUTPUT_TEXT, OUTPUT_LINES, OUTPUT_JSON };
enum metric_source { SRC_KEY, SRC_REGEX, SRC_HISTOGRAM };
enum metric_reduce { RED_FIRST, RED_MAX, RED_MIN, RED_SUM, RED_MEAN };

struct payload_metric {
	const char *name, *unit, *polarity;	/* polarity "higher" or "lower" */
	enum metric_source source;
	const char *key;	/* SRC_KEY: a JSON dotted path ('*' any member) or a "key:" line's key */
	const char *regex;	/* SRC_REGEX: extended, one line; group 1 (else the match) */
	double percentile;	/* SRC_HISTOGRAM: of a text histogram ("BUCKET COUNT..." lines) */
	enum metric_reduce reduce;	/* over several values */
	bool stderr_stream;	/* read stderr rather than the definition's stream */
	double abs_gate, rel_gate;	/* compare's gates; -1: the registry's payload default */
	double rel_gate_tcg;	/* the relative gate when both sides ran under TCG; -1: rel_gate */
};

struct payload_def {
	json_t *doc;		/* owns the strings */
	const char *name, *binary;
	json_t *default_args;	/* array of strings */
	enum payload_output output;
	bool stderr_stream;
	struct payload_metric *metrics;
	size_t nmetrics;
	json_t *checks;		/* default checks (array), may be empty */
};

/* Validate doc (a new reference is taken); -1 with "what: why" in err. */
int payload_def_parse(json_t *doc, struct payload_def *d, char *err, size_t errlen);
void payload_def_free(struct payload_def *d);
const char *metric_reduce_name(enum metric_reduce r);

#endif
