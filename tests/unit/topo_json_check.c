/*
 * topo_json_check < RECORDS: read each record back with topo_from_json and
 * print the topo record it describes; an invalid one exits 2 naming the line.
 */
#include <stdio.h>

#include "die.h"
#include "ndjson.h"
#include "topo.h"

int main(int argc, char **argv)
{
	struct ndjson_reader r;
	json_t *rec;

	(void)argc;
	die_setprog(argv[0]);
	ndjson_reader_init(&r, stdin, "stdin");
	while ((rec = ndjson_read(&r))) {
		struct topo t;
		char err[200];
		json_t *out;

		if (topo_from_json(rec, &t, err, sizeof(err)) < 0)
			ndjson_bad_record(&r, rec, "%s", err);
		out = topo_to_json(&t);
		ndjson_write(stdout, out);
		json_decref(out);
		json_decref(rec);
	}
	ndjson_reader_free(&r);
	return EXIT_PASS;
}
