/* CPU sets and their kernel list form ("0-3,8,10-11"). */
#ifndef KTSTR_CPULIST_H
#define KTSTR_CPULIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPUSET_MAX 4096

struct cpuset {
	uint64_t bits[CPUSET_MAX / 64];
};

void cpuset_zero(struct cpuset *s);
void cpuset_set(struct cpuset *s, unsigned cpu);
bool cpuset_has(const struct cpuset *s, unsigned cpu);
unsigned cpuset_count(const struct cpuset *s);
/* Lowest CPU at or after from, or -1. */
int cpuset_next(const struct cpuset *s, unsigned from);
bool cpuset_subset(const struct cpuset *a, const struct cpuset *b);
void cpuset_set_range(struct cpuset *s, unsigned first, unsigned last);
void cpuset_and(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b);
void cpuset_or(struct cpuset *dst, const struct cpuset *src);
bool cpuset_empty(const struct cpuset *s);
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);
/* The n-th (0-based) CPU of s, or -1. */
int cpuset_nth(const struct cpuset *s, unsigned n);
/* Highest CPU of s, or -1. */
int cpuset_last(const struct cpuset *s);

/*
 * Strict parse: only digits, '-' and ',' with first <= last; an empty
 * string is the empty set. On error returns -1 and writes a message that
 * names the 1-based column into err.
 */
int cpulist_parse(const char *str, struct cpuset *out, char *err, size_t errlen);

/* Compact list form into buf; returns the length it needed (snprintf-like). */
size_t cpulist_format(const struct cpuset *s, char *buf, size_t len);
/* The list form in a fixed buffer (truncated if it does not fit); returns buf. */
const char *cpuset_str(const struct cpuset *s, char *buf, size_t len);

/*
 * The list form as a JSON string (cpulist_json.c, apart so that programs
 * without jansson can use the rest); json_t is jansson's struct json_t.
 */
struct json_t;
struct json_t *cpuset_json(const struct cpuset *s);

#endif
