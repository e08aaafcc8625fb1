/*
 * JSON values as jq 1.6 treats them, for text that must read exactly as a jq
 * program printed it: what counts as true, how values order, and "\(v)".
 * A NULL value (a missing key) is jq's null.
 */
#ifndef KTSTR_SIDECAR_JQVAL_H
#define KTSTR_SIDECAR_JQVAL_H

#include <stdio.h>
#include <jansson.h>

/* Neither null nor false. */
int jq_truthy(json_t *v);
/* a // b: a when it is truthy, else b. */
json_t *jq_alt(json_t *a, json_t *b);
/* jq's total order (null < false < true < numbers < strings < arrays < objects). */
int jq_cmp(json_t *a, json_t *b);
/* jq_cmp against a number or a string, the comparisons the brief makes. */
int jq_cmp_num(json_t *v, double n);
int jq_cmp_str(json_t *v, const char *s);
/* The values .[]? yields: an array's elements, an object's values, else none (new array). */
json_t *jq_values(json_t *v);
/* "\(v)": a string as it is, anything else as compact JSON, numbers as jq 1.6 prints them. */
void jq_put(json_t *v, FILE *f);
/* "PREFIX\(v)" */
void jq_put_in(const char *prefix, json_t *v, FILE *f);
/* "PREFIX" + v: null adds nothing. */
void jq_put_cat(const char *prefix, json_t *v, FILE *f);
/* A number as jq 1.6 prints it (shortest text that reads back the same), into buf (>= 32). */
void jq_number_text(double d, char *buf, size_t len);

#endif
