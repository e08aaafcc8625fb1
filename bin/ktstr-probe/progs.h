/* The attached scheduler's BPF programs, read from guest memory. */
#ifndef KTSTR_PROBE_PROGS_H
#define KTSTR_PROBE_PROGS_H

#include <jansson.h>

#include "sample.h"

/* "progs": {name: {cnt, nsecs}} of every struct_ops program into rec, if any. */
void progs_read(struct sampler *s, json_t *rec);

#endif
