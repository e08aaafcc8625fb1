/*
 * Check thresholds. Merge order (later wins): checks.json "defaults" <-
 * "profiles".<accel> <- job.scheduler.checks <- job.scenario.checks <-
 * job.checks <- --check key=value. A null value unsets a check; keys
 * starting with "_" are comments.
 */
#ifndef KTSTR_EVAL_CHECKS_H
#define KTSTR_EVAL_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* Load share/ktstr/checks.json (or path); exits 2 naming a bad key. */
json_t *checks_load(const char *path);

/*
 * Validate one layer of overrides: 0 when every key is a known check with a
 * value of the right type, else -1 with err = "unknown check 'x'" etc.
 */
int checks_validate(json_t *layer, char *err, size_t len);

/* The job's own layers (scheduler, scenario, job), checked; -1 + err naming where. */
int checks_validate_job(json_t *job, char *err, size_t len);

/* All known keys, unset ones null, merged for one job and accelerator. */
json_t *checks_merge(json_t *all, const char *accel, json_t *job, json_t *overrides);

/* Parse "key=value" into overrides; exits 2 naming the argument. */
void checks_parse_override(json_t *overrides, const char *arg);

/* Accessors on a merged object: set? and its value. */
bool check_on(json_t *th, const char *key);		/* boolean true */
bool check_limit(json_t *th, const char *key, double *v);	/* number set */

#endif
