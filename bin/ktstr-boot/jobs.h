/* The job runner of ktstr-boot. */
#ifndef KTSTR_BOOT_JOBS_H
#define KTSTR_BOOT_JOBS_H

#include "boot.h"

/* Run every job read from stdin; returns the exit status (0 or 3). */
int runner_run(struct boot_opts *o);

#endif
