/* A CPU set's list form, a word at a time (see cpulistfmt.h). */
#include <stdint.h>
#include <string.h>

#include "cpulistfmt.h"

#define WORDS (CPUSET_MAX / 64)

/* The first CPU from `from` on that is in s (want 1) or not in s (want 0); CPUSET_MAX if none. */
static unsigned next_bit(const struct cpuset *s, unsigned from, int want)
{
	for (unsigned w = from / 64; w < WORDS; w++) {
		uint64_t bits = want ? s->bits[w] : ~s->bits[w];

		if (w == from / 64)
			bits &= ~UINT64_C(0) << (from % 64);
		if (bits)
			return w * 64 + (unsigned)__builtin_ctzll(bits);
	}
	return CPUSET_MAX;
}

/* v in decimal at p: the length. */
static size_t decimal(char *p, unsigned v)
{
	char tmp[10];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	for (size_t i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

size_t cpulist_format_words(const struct cpuset *s, char *buf, size_t len)
{
	size_t used = 0;
	unsigned c = next_bit(s, 0, 1);

	if (len)
		buf[0] = '\0';
	while (c < CPUSET_MAX) {
		unsigned end = next_bit(s, c, 0) - 1;	/* the last of this run */
		char piece[32];
		size_t n = 0;

		if (used)
			piece[n++] = ',';
		n += decimal(piece + n, c);
		if (end != c) {
			piece[n++] = '-';
			n += decimal(piece + n, end);
		}
		piece[n] = '\0';
		if (used + n < len)
			memcpy(buf + used, piece, n + 1);
		used += n;
		c = end + 1 < CPUSET_MAX ? next_bit(s, end + 1, 1) : CPUSET_MAX;
	}
	return used;
}
