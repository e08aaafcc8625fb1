/*
 * Named integer counters: sched_ext's events, each BPF program's runs, time
 * and sizes, a runqueue's schedstats. A sample fills them and the monitor
 * keeps copies; the array and the names' buffer are reused, so once they
 * have grown, neither allocates again.
 */
#ifndef KTSTR_PROBE_COUNTERSET_H
#define KTSTR_PROBE_COUNTERSET_H

#include <stddef.h>

/* Values per name (a BPF program has 4: see progs.h). */
#define COUNTER_VALUES 4

struct counter {
	size_t name;		/* offset in the set's names */
	long long v[COUNTER_VALUES];
	unsigned has;		/* bit i: v[i] is set */
};

struct counterset {
	struct counter *c;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
};

/* Empty, keeping the memory. */
void counterset_clear(struct counterset *s);
void counterset_free(struct counterset *s);

/* A new counter named name, no values set (valid until the next add). */
struct counter *counterset_add(struct counterset *s, const char *name);
/* A new counter named name with its one value v (v[0]). */
void counterset_add_value(struct counterset *s, const char *name, long long v);
/* The counter named name, or NULL. */
struct counter *counterset_find(const struct counterset *s, const char *name);
const char *counter_name(const struct counterset *s, const struct counter *c);

/* dst becomes a copy of src. */
void counterset_copy(struct counterset *dst, const struct counterset *src);

#endif
