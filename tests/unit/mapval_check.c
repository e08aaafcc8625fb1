/*
 * Drives ktstr-probe's decoding of BPF map values (mapval.c) for
 * tests/unit/maps.bats, on a BTF blob and values recorded from a guest:
 *   mapval_check decode BTF TYPE_ID VALUE [NCPUS]  the value (NCPUS per-CPU copies: summed)
 *   mapval_check field BTF TYPE_ID PATH            "offset size signed", or the error and exit 1
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bin/ktstr-probe/mapval.h"
#include "ndjson.h"

static int usage(void)
{
	fprintf(stderr, "usage: mapval_check decode BTF TYPE_ID VALUE [NCPUS] | "
			"mapval_check field BTF TYPE_ID PATH\n");
	return 2;
}

/* The whole file, or NULL. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static int decode(const struct btf *btf, unsigned id, const char *path, unsigned ncpus)
{
	size_t len = 0, each;
	unsigned char *data = slurp(path, &len);
	json_t *sum = NULL;
	int truncated = 0;
	char *text;

	if (!data || !ncpus || len % ncpus) {
		fprintf(stderr, "mapval_check: %s: unreadable or not %u copies\n", path, ncpus);
		free(data);
		return 1;
	}
	each = len / ncpus;
	for (unsigned c = 0; c < ncpus; c++) {
		json_t *v = mapval_decode(btf, id, data + each * c, each, &truncated);

		if (!v) {
			fprintf(stderr, "mapval_check: type %u does not decode\n", id);
			json_decref(sum);
			free(data);
			return 1;
		}
		if (sum) {
			mapval_add(sum, v);
			json_decref(v);
		} else {
			sum = v;
		}
	}
	text = json_dumps(sum, JSON_COMPACT | JSON_ENCODE_ANY | NDJSON_REALS);
	printf("%s%s\n", text, truncated ? " truncated" : "");
	free(text);
	json_decref(sum);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	size_t len = 0, off, size;
	unsigned char *blob;
	struct btf *btf;
	char err[256];
	int rc, is_signed;

	if (argc < 5 || (strcmp(argv[1], "decode") && strcmp(argv[1], "field")))
		return usage();
	blob = slurp(argv[2], &len);
	btf = blob ? btf__new(blob, (unsigned)len) : NULL;
	free(blob);
	if (!btf) {
		fprintf(stderr, "mapval_check: %s: not BTF\n", argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "decode")) {
		rc = decode(btf, (unsigned)atoi(argv[3]), argv[4], argc > 5 ? (unsigned)atoi(argv[5]) : 1);
	} else if (mapval_field(btf, (unsigned)atoi(argv[3]), argv[4], &off, &size, &is_signed, err,
				sizeof(err))) {
		printf("%s\n", err);
		rc = 1;
	} else {
		printf("%zu %zu %s\n", off, size, is_signed ? "signed" : "unsigned");
		rc = 0;
	}
	btf__free(btf);
	return rc;
}
