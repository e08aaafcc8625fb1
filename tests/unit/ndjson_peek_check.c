/*
 * ndjson_peek_check [--mutate N] < IN: hold ndjson_peek_line to its promise
 * that it accepts only lines ndjson_check_line accepts, with the same type
 * and job. Without --mutate: one line out per line in, "sure TYPE JOB" (JOB
 * "-" when none) or "unsure". With --mutate N: N random edits of every line
 * (deleted, inserted, replaced bytes, cuts, copied spans) checked the same
 * way, then "LINES lines, MUTANTS mutants: S sure, U unsure". Exit 1 and the
 * line on the first disagreement.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "ndjson.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;	/* fixed: every run edits alike */

static size_t rnd(size_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (size_t)(rng % n) : 0;
}

/* 1 sure, 0 unsure; exits 1 when sure disagrees with ndjson_check_line. */
static int check(const char *line, size_t len)
{
	char err[256];
	struct ndjson_peek pk;
	const char *job;
	json_t *rec;
	int sure = ndjson_peek_line(line, len, &pk);

	if (!sure)
		return 0;
	if (ndjson_check_line(line, len, &rec, err, sizeof(err)) || !rec)
		die(EXIT_FAIL, "sure of a line jansson refuses (%s): %.*s", rec ? "" : err, (int)len, line);
	job = json_string_value(json_object_get(rec, "job"));
	if (strcmp(pk.type, ndjson_type(rec)) || !job != !pk.job ||
	    (job && (strlen(job) != pk.job_len || memcmp(job, pk.job, pk.job_len))))
		die(EXIT_FAIL, "type or job differ from jansson's: %.*s", (int)len, line);
	json_decref(rec);
	return 1;
}

/* One to three edits of line into buf (room for 2 * len + 8 and a NUL). */
static size_t mutate(const char *line, size_t len, char *buf)
{
	static const char alphabet[] = "{}[]\",:0123456789-.eE+tfnrulasx\\ \t\x01\x80\xc3\xa9";
	size_t n = len, edits = 1 + rnd(3);

	memcpy(buf, line, len);
	while (edits--) {
		size_t i = rnd(n + 1), j;

		switch (rnd(5)) {
		case 0:	/* delete a byte */
			if (i < n)
				memmove(buf + i, buf + i + 1, n-- - i - 1);
			break;
		case 1:	/* insert a byte (a NUL now and then) */
			memmove(buf + i + 1, buf + i, n++ - i);
			buf[i] = rnd(40) ? alphabet[rnd(sizeof(alphabet) - 1)] : '\0';
			break;
		case 2:	/* replace a byte */
			if (i < n)
				buf[i] = alphabet[rnd(sizeof(alphabet) - 1)];
			break;
		case 3:	/* cut the line */
			n = i;
			break;
		default:	/* copy a span of up to 16 bytes after itself: duplicate keys */
			j = i + rnd(17);
			if (j > n)
				j = n;
			if (n + (j - i) > 2 * len + 8)
				break;
			memmove(buf + j + (j - i), buf + j, n - j);
			memmove(buf + j, buf + i, j - i);
			n += j - i;
			break;
		}
	}
	buf[n] = '\0';
	return n;
}

int main(int argc, char **argv)
{
	size_t cap = 0, lines = 0, mutants = 0, sure = 0;
	long per_line = 0;
	char *line = NULL, *buf;
	ssize_t n;

	die_setprog(argv[0]);
	if (argc == 3 && !strcmp(argv[1], "--mutate"))
		per_line = strtol(argv[2], NULL, 10);
	else if (argc != 1)
		die(EXIT_USAGE, "usage: ndjson_peek_check [--mutate N] < IN");
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		lines++;
		if (!per_line) {
			struct ndjson_peek pk;

			if (check(line, (size_t)n) && ndjson_peek_line(line, (size_t)n, &pk))
				printf("sure %s %.*s\n", pk.type, pk.job ? (int)pk.job_len : 1,
				       pk.job ? pk.job : "-");
			else
				puts("unsure");
			continue;
		}
		buf = xmalloc(2 * (size_t)n + 9);
		for (long m = 0; m < per_line; m++, mutants++)
			sure += (size_t)check(buf, mutate(line, (size_t)n, buf));
		free(buf);
	}
	free(line);
	if (per_line)
		printf("%zu lines, %zu mutants: %zu sure, %zu unsure\n", lines, mutants, sure,
		       mutants - sure);
	return EXIT_PASS;
}
