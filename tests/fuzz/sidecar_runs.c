/*
 * Fuzz ktstr-sidecar's reading of stored run records: the input is one
 * RUNS/RUN/JOB.json, read back by list, show (text, --json, --totals, --tap
 * and --junit) and compare, each as the command line would run it.
 */
#include "sidecar.h"
#include "sidecar_driver.h"

#define RUN SIDECAR_RUN

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sidecar_cmd cmds[] = {
		{ cmd_list, { NULL } },
		{ cmd_list, { "--json", NULL } },
		{ cmd_show, { RUN, NULL } },
		{ cmd_show, { "--json", "latest", NULL } },
		{ cmd_show, { "--totals", RUN, NULL } },
		{ cmd_show, { "--totals", "--json", RUN, NULL } },
		{ cmd_show, { "--tap", "--junit", SIDECAR_OUT, RUN, NULL } },
		{ cmd_compare, { RUN, RUN, NULL } },
		{ cmd_compare, { "--json", RUN, RUN, NULL } },
	};

	sidecar_fuzz_one("job.json", cmds, sizeof(cmds) / sizeof(cmds[0]), data, size);
	return 0;
}
