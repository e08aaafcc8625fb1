/* Payload records: metrics from their output, and their checks. */
#ifndef KTSTR_EVAL_PAYLOAD_H
#define KTSTR_EVAL_PAYLOAD_H

#include <jansson.h>

#include "judge.h"
#include "payload_def.h"

/* payload_extract.c: the automatic metrics of an output (json leaves, key: lines); {} for text. */
json_t *payload_raw_metrics(const struct payload_def *d, const char *text);
/* One defined metric from raw or the text: 1 when found. */
int payload_metric_value(const struct payload_metric *m, json_t *raw, const char *text, double *out);

/*
 * payload.c: each payload record of the job judged (exit status, checks);
 * sets "payloads" (one object per run) and "payload_metrics" ({ID.METRIC:
 * {value, unit, polarity}}) on out when there were any.
 */
void judge_payloads(struct verdict_ctx *v, json_t *out);

#endif
