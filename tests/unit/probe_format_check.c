/*
 * Drives ktstr-probe's hand-written sample records (samplefmt.c) for
 * tests/unit/probe_format.bats:
 *   probe_format_check records    each `sample` line of stdin parsed and written again: "ok N",
 *                                 or the first line whose text differs from jansson's, exit 1
 *   probe_format_check utf8       each line of stdin, hex bytes: "ok N" when the probe and
 *                                 jansson agree on all of them being a JSON string, else exit 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "../../bin/ktstr-probe/samplefmt.h"
#include "../../bin/ktstr-probe/sampleparse.h"
#include "ndjson.h"

static int records(void)
{
	struct sample s = { 0 };
	struct jsonbuf b = { 0 };
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	int rc = 0;

	while (!rc && (len = getline(&line, &cap, stdin)) > 0) {
		json_t *rec = json_loads(line, 0, NULL);
		char *want;

		if (!rec || strcmp(json_string_value(json_object_get(rec, "type")) ?: "", "sample")) {
			json_decref(rec);
			continue;
		}
		sample_parse(&s, rec);
		b.len = 0;
		sample_format(&s, json_string_value(json_object_get(rec, "job")) ?: "", &b);
		want = json_dumps(rec, JSON_COMPACT | NDJSON_REALS);
		if (strlen(want) != b.len || memcmp(want, b.p, b.len)) {
			printf("jansson: %s\nprobe:   %.*s\n", want, (int)b.len, b.p);
			rc = 1;
		}
		free(want);
		json_decref(rec);
		n++;
	}
	if (!rc)
		printf("ok %zu\n", n);
	sample_free(&s);
	jsonbuf_free(&b);
	free(line);
	return rc;
}

static int utf8(void)
{
	char line[256], bytes[128];
	size_t n = 0;

	while (fgets(line, sizeof(line), stdin)) {
		size_t k = 0;
		unsigned v;
		json_t *str;

		for (const char *p = line; k < sizeof(bytes) - 1 && sscanf(p, "%2x", &v) == 1; p += 2)
			bytes[k++] = (char)v;
		bytes[k] = '\0';
		str = json_string(bytes);
		if (!str != !jsonbuf_utf8_ok(bytes)) {
			printf("%s: jansson %s, probe %s\n", strtok(line, "\n"), str ? "takes it" : "refuses it",
			       str ? "refuses it" : "takes it");
			json_decref(str);
			return 1;
		}
		json_decref(str);
		n++;
	}
	printf("ok %zu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "records"))
		return records();
	if (argc == 2 && !strcmp(argv[1], "utf8"))
		return utf8();
	fprintf(stderr, "usage: probe_format_check records|utf8 < input\n");
	return 2;
}
