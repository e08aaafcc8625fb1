/* ndjson_check < IN: read every record with ndjson_read and write it back. */
#include <stdio.h>

#include "die.h"
#include "ndjson.h"

int main(int argc, char **argv)
{
	struct ndjson_reader r;
	json_t *rec;

	(void)argc;
	die_setprog(argv[0]);
	ndjson_reader_init(&r, stdin, "stdin");
	while ((rec = ndjson_read(&r))) {
		ndjson_write(stdout, rec);
		json_decref(rec);
	}
	ndjson_reader_free(&r);
	return EXIT_PASS;
}
