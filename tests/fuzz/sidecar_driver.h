/*
 * What the sidecar fuzz targets share: a runs directory holding one run,
 * "r", whose FILE is each input, read back by commands as the command line
 * would run them.
 */
#ifndef KTSTR_FUZZ_SIDECAR_DRIVER_H
#define KTSTR_FUZZ_SIDECAR_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#define SIDECAR_RUN "r"
/* An argument that stands for a file the command may write, in the runs directory. */
#define SIDECAR_OUT "@out"

struct sidecar_cmd {
	int (*fn)(int argc, char **argv);
	const char *args[8];	/* after --runs-dir DIR, NULL-terminated */
};

/* Write the input as the run's file (e.g. "job.json"), then run each command on it. */
void sidecar_fuzz_one(const char *file, const struct sidecar_cmd *cmds, size_t ncmds,
		      const uint8_t *data, size_t size);

#endif
