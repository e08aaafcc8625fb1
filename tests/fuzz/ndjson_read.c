/*
 * Fuzz the NDJSON line reader: ndjson_read over a stream (ktstr-eval and the
 * sidecar read this way), linebuf + ndjson_parse_line (ktstr-boot's way), which
 * must take and refuse the same streams, and ndjson_peek_line, which must never
 * vouch for a line that ndjson_check_line refuses or reads differently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "linebuf.h"
#include "ndjson.h"

struct input {
	const uint8_t *data;
	size_t size;
	FILE *f;
	size_t nrec;
	struct ndjson_reader rd;
	struct linebuf lb;
};

static void read_stream(void *ctx)
{
	struct input *in = ctx;
	json_t *rec;

	ndjson_reader_init(&in->rd, in->f, "fuzz");
	while ((rec = ndjson_read(&in->rd))) {
		in->nrec++;
		json_decref(rec);
	}
	ndjson_reader_free(&in->rd);
}

static void line_to_record(void *ctx, char *line, size_t len)
{
	struct input *in = ctx;
	json_t *rec = ndjson_parse_line(&in->rd, line, len);

	if (rec) {
		in->nrec++;
		json_decref(rec);
	}
}

/* In pieces of a few sizes, as reads from a pipe come. */
static void feed_linebuf(void *ctx)
{
	struct input *in = ctx;
	size_t off = 0, piece = 1;

	ndjson_reader_init(&in->rd, NULL, "fuzz");
	while (off < in->size) {
		size_t n = in->size - off < piece ? in->size - off : piece;

		linebuf_feed(&in->lb, (const char *)in->data + off, n, line_to_record, in);
		off += n;
		piece = piece * 3 % 61 + 1;
	}
	linebuf_flush(&in->lb, line_to_record, in);
	linebuf_free(&in->lb);
}

/* Each line: a peek that says yes must agree with the full check. */
static void check_peeks(const uint8_t *data, size_t size)
{
	char *copy = fuzz_cstr(data, size), *p = copy, *end = copy + size;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), err[256];
		size_t len = (nl ? nl : end) - p;
		struct ndjson_peek pk;
		json_t *rec;
		const char *job;

		p[len] = '\0';
		if (ndjson_peek_line(p, len, &pk)) {
			if (ndjson_check_line(p, len, &rec, err, sizeof(err)) || !rec) {
				fprintf(stderr, "peek took a line the check refuses%s\n", err);
				abort();
			}
			job = json_string_value(json_object_get(rec, "job"));
			if (strcmp(pk.type, ndjson_type(rec)) || !job != !pk.job ||
			    (job && (strlen(job) != pk.job_len || memcmp(job, pk.job, pk.job_len)))) {
				fprintf(stderr, "peek read type or job otherwise than jansson\n");
				abort();
			}
			json_decref(rec);
		}
		p += len + 1;
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input a = { .data = data, .size = size }, b = { .data = data, .size = size };
	bool died_a, died_b;

	fuzz_init();
	a.f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
	if (!a.f)
		abort();
	died_a = fuzz_call(read_stream, &a, NULL);
	fclose(a.f);
	fuzz_end(died_a);
	died_b = fuzz_call(feed_linebuf, &b, NULL);
	fuzz_end(died_b);
	if (died_a != died_b || (!died_a && a.nrec != b.nrec)) {
		fprintf(stderr, "ndjson_read %s (%zu records), linebuf %s (%zu records)\n",
			died_a ? "refused" : "took", a.nrec, died_b ? "refused" : "took", b.nrec);
		abort();
	}
	check_peeks(data, size);
	return 0;
}
