/* The attached scheduler's BPF programs, read from guest memory. */
#ifndef KTSTR_PROBE_PROGS_H
#define KTSTR_PROBE_PROGS_H

#include "sample.h"

/*
 * "progs": {name: {cnt, nsecs, verified_insns, jited_bytes}} of every
 * struct_ops program into out, if any.
 */
void progs_read(struct sampler *s, uint64_t sch, struct sample *out);

#endif
