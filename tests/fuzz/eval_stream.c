/*
 * Fuzz ktstr-eval over whole record streams: the input is the stream on its
 * stdin, read by the same parser threads (one here) and judged by the same
 * eval_stream() as the tool; its records and verdicts go to /dev/null.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "checks.h"
#include "harness.h"
#include "judge.h"
#include "stream.h"

struct input {
	struct readahead *ra;
	struct ndjson_reader rd;
};

static struct eval_opts opts;
static FILE *out;
static int in_fd = -1;

static void judge(void *ctx)
{
	struct input *in = ctx;

	(void)eval_stream(in->ra, &in->rd, out, &opts);
}

static void setup(void)
{
	static char outbuf[BUFSIZ];

	fuzz_init();
	opts.checks = checks_load(NULL);	/* $KTSTR_SHARE_DIR/checks.json */
	opts.overrides = json_object();
	out = fopen("/dev/null", "w");
	in_fd = memfd_create("stdin", 0);
	if (!out || in_fd < 0)
		abort();
	setvbuf(out, outbuf, _IOFBF, sizeof(outbuf));	/* no buffer for a died input to free */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	bool died;

	if (in_fd < 0)
		setup();
	if (ftruncate(in_fd, 0) < 0 || pwrite(in_fd, data, size, 0) != (ssize_t)size ||
	    lseek(in_fd, 0, SEEK_SET) < 0)
		abort();
	ndjson_reader_init(&in.rd, NULL, "stdin");
	in.ra = readahead_open(in_fd, job_state_wants, 1);
	died = fuzz_call(judge, &in, NULL);
	readahead_close(in.ra);
	clearerr(out);
	fuzz_end(died);
	return 0;
}
