/*
 * The kernel's IDRs (prog_idr, map_idr) in guest memory: an xarray whose
 * leaves are object pointers and whose inner entries are tagged xa_node
 * pointers of 64 slots.
 */
#ifndef KTSTR_PROBE_IDR_H
#define KTSTR_PROBE_IDR_H

#include <stdint.h>

#include "guestmem.h"
#include "kernel.h"

/* Objects visited per walk at most: a garbage tree cannot loop forever. */
#define IDR_MAX_ENTRIES 4096

/*
 * Call fn(ctx, ptr) for each object pointer in the idr at kernel address
 * idr (e.g. ki->prog_idr). Returns the entries seen, or -1 when this kernel's
 * BTF lacks the idr's layout or the idr cannot be read.
 */
int idr_walk(const struct guestmem *gm, const struct kernel_info *ki, uint64_t idr,
	     void (*fn)(void *ctx, uint64_t ptr), void *ctx);

#endif
