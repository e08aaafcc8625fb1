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

/*
 * Strict parse: only digits, '-' and ',' with first <= last; an empty
 * string is the empty set. On error returns -1 and writes a message that
 * names the 1-based column into err.
 */
int cpulist_parse(const char *str, struct cpuset *out, char *err, size_t errlen);

/* Compact list form into buf; returns the length it needed (snprintf-like). */
size_t cpulist_format(const struct cpuset *s, char *buf, size_t len);

#endif
