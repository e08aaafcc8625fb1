/*
 * What every fuzz target shares: the tools end on bad input through die(), which
 * exits; here it jumps back to the target instead, and what the input had
 * allocated is freed, as the exit would have dropped it.
 */
#ifndef KTSTR_FUZZ_HARNESS_H
#define KTSTR_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Once, from LLVMFuzzerInitialize or the first input. */
void fuzz_init(void);

/*
 * Run fn(ctx) as one input: true when the tool's code died (its status in
 * *status), false when fn returned. Allocations are tracked from here to
 * fuzz_end, so the caller may clean up what it owns in between.
 */
bool fuzz_call(void (*fn)(void *ctx), void *ctx, int *status);

/*
 * After fuzz_call: when it died, close the streams and descriptors it left open and
 * free every allocation it left behind; when it returned, abort on a stream or
 * descriptor it left open (its leaked memory is libFuzzer's to find).
 */
void fuzz_end(bool died);

/* The input as a NUL-terminated string (malloc'd), cut at its first NUL. */
char *fuzz_cstr(const uint8_t *data, size_t size);

#endif
