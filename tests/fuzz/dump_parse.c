/*
 * Fuzz the guest's sched_ext dump parser (ktstr-init's dumpparse.c) on trace text,
 * with pauses between lines taken from the input's bytes so that dumps close for
 * quiet and resume. Whatever it is fed, it must send every sched_ext_dump line
 * once, in order, and number each dump's parts and lines without a gap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "scxdump.h"

struct input {
	const uint8_t *data;
	size_t size;
	struct dump_parser p;
	size_t want, got;		/* dump lines fed, and sent */
	long dump;			/* the last record's dump number */
	long part, next_line;		/* what that dump's next part must say */
};

static void fail(const char *what, long a, long b)
{
	fprintf(stderr, "dump parser: %s (%ld, expected %ld)\n", what, a, b);
	abort();
}

static void check_record(void *arg, json_t *rec)
{
	struct input *in = arg;
	long dump = (long)json_integer_value(json_object_get(rec, "dump"));
	long part = (long)json_integer_value(json_object_get(rec, "part"));
	long first = (long)json_integer_value(json_object_get(rec, "first_line"));
	size_t n = json_array_size(json_object_get(rec, "lines"));

	if (dump != in->dump) {
		if (dump != in->dump + 1)
			fail("dump number", dump, in->dump + 1);
		in->dump = dump;
		in->part = in->next_line = 0;
	}
	if (part != in->part)
		fail("part number", part, in->part);
	if (first != in->next_line)
		fail("first_line", first, in->next_line);
	if (!json_is_string(json_object_get(rec, "trigger")))
		fail("no trigger", 0, 1);
	in->part++;
	in->next_line += (long)n;
	in->got += n;
	json_decref(rec);
}

static void parse(void *ctx)
{
	struct input *in = ctx;
	char *text = fuzz_cstr(in->data, in->size), *line = text, *nl;
	uint64_t now = 0;

	dump_parser_init(&in->p, check_record, in);
	do {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		/* 0, 0.4, 0.8 or 1.2 s after the line before: some pauses close a dump for quiet */
		now += (uint64_t)((unsigned char)line[0] % 4) * 400000000ull;
		if (strstr(line, ": sched_ext_dump: ") || !strncmp(line, "sched_ext_dump: ", 16))
			in->want++;
		dump_parser_tick(&in->p, now);
		dump_parser_line(&in->p, line, now);
		line = nl ? nl + 1 : NULL;
	} while (line);
	dump_parser_close(&in->p);
	dump_parser_free(&in->p);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { .data = data, .size = size };
	bool died;

	fuzz_init();
	died = fuzz_call(parse, &in, NULL);
	fuzz_end(died);
	if (died)
		fail("died on trace text", 1, 0);
	if (in.got != in.want)
		fail("lines sent", (long)in.got, (long)in.want);
	return 0;
}
