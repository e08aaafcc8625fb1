/*
 * A running VM's RAM, read from the host: ktstr-boot gives QEMU one tmpfs
 * file per NUMA node and names its fd in the `vm` record; the probe maps
 * /proc/QEMU/fd/N. Kernel addresses are translated without page tables for
 * the kernel image (nokaslr) and the direct map, which hold the runqueues,
 * tasks and sched_ext's structures; anything else (vmalloc: BPF programs)
 * by walking the kernel's own 4-level page tables once pgd_pa is set.
 */
#ifndef KTSTR_PROBE_GUESTMEM_H
#define KTSTR_PROBE_GUESTMEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GUESTMEM_MAX_NODES 16
#define GUESTMEM_KERNEL_MAP 0xffffffff80000000ull	/* __START_KERNEL_map */
#define GUESTMEM_DIRECT_MAP_SPAN (64ull << 40)	/* 4-level paging: 64 TiB of direct map */

struct guestmem_tlb;

#define GUESTMEM_TRACE_MAX 1024	/* lines of guest RAM remembered per batch */

/*
 * The lines of guest RAM a batch read, in order: the next batch asks for
 * them all first (a sample reads mostly what the last one did, and after
 * the sleep between samples every one is a cache miss; asked for together,
 * the misses overlap instead of coming one after another).
 */
struct guestmem_trace {
	uintptr_t line[GUESTMEM_TRACE_MAX];
	uintptr_t recent[4];		/* the last lines noted */
	unsigned n;
	int on;
};

struct guestmem {
	unsigned n;
	struct {
		const unsigned char *base;
		size_t size;
	} node[GUESTMEM_MAX_NODES];
	size_t total;
	size_t fast_size;			/* from 0, RAM of node 0 with no hole in it */
	uint64_t phys_base, page_offset;	/* for the two translations */
	uint64_t pgd_pa;			/* init_top_pgt's physical address, 0: no walks */
	int writable;
	struct guestmem_tlb *tlb;		/* pages found by page-table walks */
	struct guestmem_trace *trace;		/* what the current batch read */
};

/*
 * Map the fds (in QEMU's table) of pid, node after node in guest-physical
 * order; writable too when writable is set. 0, or -1 with err set (nothing
 * left mapped).
 */
int guestmem_open(struct guestmem *gm, int pid, const int *fds, const size_t *sizes,
		  unsigned n, int writable, char *err, size_t errlen);
void guestmem_close(struct guestmem *gm);

/* Walk the page tables rooted at the kernel-image address pgd_va for other addresses. */
void guestmem_use_page_tables(struct guestmem *gm, uint64_t pgd_va);

/*
 * Between these two (one sample's reads), the pages found by walking the
 * page tables are remembered: a sample reads the same vmalloc pages many
 * times, and the next one mostly the same pages again (a page of an earlier
 * batch is checked against the entry that mapped it). Outside a batch
 * every read walks the tables. The lines a batch reads (until
 * guestmem_trace_stop) are asked for as the next one begins.
 */
void guestmem_batch_begin(const struct guestmem *gm);
void guestmem_batch_end(const struct guestmem *gm);
/* The batch's reads from here on are not asked for ahead next time (reads not made every sample). */
void guestmem_trace_stop(const struct guestmem *gm);

/* Copy len bytes at kernel virtual address va: 0, or -1 when not in RAM. */
int guestmem_read_slow(const struct guestmem *gm, uint64_t va, void *buf, size_t len);

/*
 * Where len bytes at va are when va is in the kernel image or the direct
 * map and in node 0 (most reads: inline, no call), else NULL: ask
 * guestmem_read_slow.
 */
static inline const unsigned char *guestmem_fast(const struct guestmem *gm, uint64_t va, size_t len)
{
	uint64_t pa;

	if (va >= GUESTMEM_KERNEL_MAP)
		pa = va - GUESTMEM_KERNEL_MAP + gm->phys_base;
	else if (va >= gm->page_offset && va - gm->page_offset < GUESTMEM_DIRECT_MAP_SPAN)
		pa = va - gm->page_offset;
	else
		return NULL;
	return pa < gm->fast_size && len <= gm->fast_size - pa ? gm->node[0].base + pa : NULL;
}

/* The line at host address p was read: noted for the next batch. */
static inline void guestmem_note(const struct guestmem *gm, const void *p)
{
	struct guestmem_trace *t = gm->trace;
	uintptr_t line = (uintptr_t)p & ~(uintptr_t)63;

	/* (a line read again soon after is mostly one of the last few) */
	if (t && t->on && t->n < GUESTMEM_TRACE_MAX && line != t->recent[0] && line != t->recent[1] &&
	    line != t->recent[2] && line != t->recent[3]) {
		t->recent[t->n % 4] = line;
		t->line[t->n++] = line;
	}
}

static inline int guestmem_read(const struct guestmem *gm, uint64_t va, void *buf, size_t len)
{
	const unsigned char *p = guestmem_fast(gm, va, len);

	if (!p)
		return guestmem_read_slow(gm, va, buf, len);
	guestmem_note(gm, p);
	memcpy(buf, p, len);
	return 0;
}

void guestmem_prefetch_slow(const struct guestmem *gm, uint64_t va);

/*
 * Have the host start loading the line at va (a hint: nothing is read or
 * checked). A sample's reads are cache misses one after the other; asked
 * for together first, they overlap.
 */
static inline void guestmem_prefetch(const struct guestmem *gm, uint64_t va)
{
	const unsigned char *p = guestmem_fast(gm, va, 1);

	if (p)
		__builtin_prefetch(p);
	else
		guestmem_prefetch_slow(gm, va);
}

static inline uint64_t guestmem_u64(const struct guestmem *gm, uint64_t va, int *ok)
{
	uint64_t v = 0;

	if (guestmem_read(gm, va, &v, sizeof(v)))
		*ok = 0;
	return v;
}

static inline uint32_t guestmem_u32(const struct guestmem *gm, uint64_t va, int *ok)
{
	uint32_t v = 0;

	if (guestmem_read(gm, va, &v, sizeof(v)))
		*ok = 0;
	return v;
}

/*
 * Copy len bytes at va page by page, as vmalloc'd objects (BPF maps, BTF)
 * need: 0, or -1 when any page of it is not mapped.
 */
int guestmem_read_span(const struct guestmem *gm, uint64_t va, void *buf, size_t len);

/* Store len (1 to 8) bytes at va, within one page, in a writable mapping: 0, or -1. */
int guestmem_write(const struct guestmem *gm, uint64_t va, const void *buf, size_t len);

/* Store a u64 at va (a mapping opened writable): 0, or -1. */
int guestmem_put_u64(const struct guestmem *gm, uint64_t va, uint64_t v);

#endif
