#include <stdio.h>
#include <string.h>

#include "cpulist.h"

void cpuset_zero(struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

void cpuset_set(struct cpuset *s, unsigned cpu)
{
	if (cpu < CPUSET_MAX)
		s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

bool cpuset_has(const struct cpuset *s, unsigned cpu)
{
	return cpu < CPUSET_MAX && (s->bits[cpu / 64] >> (cpu % 64) & 1);
}

unsigned cpuset_count(const struct cpuset *s)
{
	unsigned n = 0;

	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		n += (unsigned)__builtin_popcountll(s->bits[i]);
	return n;
}

int cpuset_next(const struct cpuset *s, unsigned from)
{
	for (unsigned c = from; c < CPUSET_MAX; c++)
		if (cpuset_has(s, c))
			return (int)c;
	return -1;
}

bool cpuset_subset(const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

void cpuset_set_range(struct cpuset *s, unsigned first, unsigned last)
{
	for (unsigned c = first; c <= last && c < CPUSET_MAX; c++)
		cpuset_set(s, c);
}

void cpuset_and(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

void cpuset_or(struct cpuset *dst, const struct cpuset *src)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		dst->bits[i] |= src->bits[i];
}

bool cpuset_empty(const struct cpuset *s)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		if (s->bits[i])
			return false;
	return true;
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

int cpuset_nth(const struct cpuset *s, unsigned n)
{
	for (int c = cpuset_next(s, 0); c >= 0; c = cpuset_next(s, (unsigned)c + 1))
		if (n-- == 0)
			return c;
	return -1;
}

int cpuset_last(const struct cpuset *s)
{
	for (size_t i = CPUSET_MAX / 64; i-- > 0;)
		if (s->bits[i])
			return (int)(i * 64 + 63 - (size_t)__builtin_clzll(s->bits[i]));
	return -1;
}

/*
 * Read a decimal CPU number at *p and advance past it. Returns the number,
 * or -1 with *why set when there is none or it is out of range.
 */
static long parse_cpu(const char **p, const char **why)
{
	const char *start = *p;
	long v = 0;

	if (**p < '0' || **p > '9') {
		*why = **p ? "expected a CPU number" : "list ends early";
		return -1;
	}
	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		if (v >= CPUSET_MAX) {
			*p = start;	/* name the number, not its digit */
			*why = "CPU number too large";
			return -1;
		}
		(*p)++;
	}
	return v;
}

int cpulist_parse(const char *str, struct cpuset *out, char *err, size_t errlen)
{
	const char *p = str, *why = NULL;

	cpuset_zero(out);
	if (*p == '\0')
		return 0;
	for (;;) {
		long first = parse_cpu(&p, &why), last;
		const char *at;
		int range = 0;

		if (first < 0)
			goto bad;
		last = first;
		if (*p == '-') {
			p++;
			range = 1;
			at = p;
			last = parse_cpu(&p, &why);
			if (last < 0)
				goto bad;
			if (last < first) {
				p = at;
				why = "range goes backwards";
				goto bad;
			}
		}
		cpuset_set_range(out, (unsigned)first, (unsigned)last);
		if (*p == '\0')
			return 0;
		if (*p != ',') {
			why = range ? "expected ','" : "expected ',' or '-'";
			goto bad;
		}
		p++;
	}
bad:
	snprintf(err, errlen, "column %td: %s", p - str + 1, why);
	return -1;
}

size_t cpulist_format(const struct cpuset *s, char *buf, size_t len)
{
	size_t used = 0;
	int c = cpuset_next(s, 0);

	if (len)
		buf[0] = '\0';
	while (c >= 0) {
		int end = c;
		char piece[32];
		int n;

		while (end + 1 < CPUSET_MAX && cpuset_has(s, (unsigned)end + 1))
			end++;
		if (end == c)
			n = snprintf(piece, sizeof(piece), "%s%d", used ? "," : "", c);
		else
			n = snprintf(piece, sizeof(piece), "%s%d-%d", used ? "," : "", c, end);
		if (used + (size_t)n < len)
			memcpy(buf + used, piece, (size_t)n + 1);
		used += (size_t)n;
		c = end + 1 < CPUSET_MAX ? cpuset_next(s, (unsigned)end + 1) : -1;
	}
	return used;
}

const char *cpuset_str(const struct cpuset *s, char *buf, size_t len)
{
	cpulist_format(s, buf, len);
	return buf;
}
