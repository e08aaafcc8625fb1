/*
 * Fuzz ktstr-sidecar's reading of a stored run's stream: the input is one
 * RUNS/RUN/stream.ndjson, read back by show --brief, trace and report (the
 * HTML page), each as the command line would run it.
 */
#include "sidecar.h"
#include "sidecar_driver.h"

#define RUN SIDECAR_RUN

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sidecar_cmd cmds[] = {
		{ cmd_show, { "--brief", RUN, NULL } },
		{ cmd_trace, { RUN, NULL } },
		{ cmd_report, { "-o", SIDECAR_OUT, RUN, NULL } },
	};

	sidecar_fuzz_one("stream.ndjson", cmds, sizeof(cmds) / sizeof(cmds[0]), data, size);
	return 0;
}
