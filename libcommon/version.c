#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "version.h"

#ifndef KTSTR_VERSION
#define KTSTR_VERSION "unknown"
#endif

const char ktstr_version[] = KTSTR_VERSION;

void version_option(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "--version"))
		return;
	if (printf("%s %s\n", die_prog(), ktstr_version) < 0 || fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
	exit(EXIT_PASS);
}
