/*
 * Fuzz topologies: names ("1n2l2c1t", "1,2,2,1") through topo_parse, and `topo`
 * records (an input that starts with '{') through topo_from_json. What parses
 * must survive the way back: its name and record read back to the same axes,
 * and it must give QEMU arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "topo.h"

struct input {
	const uint8_t *data;
	size_t size;
};

static void same_or_abort(const struct topo *a, const struct topo *b, const char *how)
{
	if (a->numa_nodes != b->numa_nodes || a->llcs != b->llcs ||
	    a->cores_per_llc != b->cores_per_llc || a->threads_per_core != b->threads_per_core ||
	    a->memory_mb != b->memory_mb) {
		fprintf(stderr, "topology changed on its way back through %s\n", how);
		abort();
	}
}

/* A parsed topology: its name, its record and its QEMU arguments. */
static void round_trip(const struct topo *t)
{
	struct topo back;
	char name[64], err[256];
	json_t *rec;

	topo_name(t, name, sizeof(name));
	if (topo_parse(name, &back, err, sizeof(err)) < 0) {
		fprintf(stderr, "its own name %s does not parse: %s\n", name, err);
		abort();
	}
	back.memory_mb = t->memory_mb;
	same_or_abort(t, &back, "its name");
	rec = topo_to_json(t);
	if (topo_from_json(rec, &back, err, sizeof(err)) < 0) {
		fprintf(stderr, "its own record does not read back: %s\n", err);
		abort();
	}
	same_or_abort(t, &back, "its record");
	json_decref(rec);
	if (topo_cpus(t) <= TOPO_QEMU_MAX_CPUS)
		topo_qemu_args_free(topo_qemu_args(t, NULL));
}

static void parse(void *ctx)
{
	struct input *in = ctx;
	char *s = fuzz_cstr(in->data, in->size), err[256];
	struct topo t;

	if (s[0] == '{') {
		json_t *rec = json_loads(s, 0, NULL);

		if (rec && topo_from_json(rec, &t, err, sizeof(err)) == 0)
			round_trip(&t);
		json_decref(rec);
	} else if (topo_parse(s, &t, err, sizeof(err)) == 0) {
		round_trip(&t);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	bool died = fuzz_call(parse, &in, NULL);

	fuzz_end(died);
	return 0;
}
