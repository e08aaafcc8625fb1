/* Check thresholds: defaults <- accelerator profile <- --check key=value. */
#ifndef KTSTR_EVAL_CHECKS_H
#define KTSTR_EVAL_CHECKS_H

#include <jansson.h>

/*
 * Load share/ktstr/checks.json (or path) and the command-line overrides
 * (a JSON object). Returns the merged object for one accelerator.
 */
json_t *checks_load(const char *path);
json_t *checks_for_accel(json_t *all, const char *accel, json_t *overrides);
/* Parse "key=value" into overrides; exits 2 naming the argument. */
void checks_parse_override(json_t *overrides, const char *arg);

#endif
