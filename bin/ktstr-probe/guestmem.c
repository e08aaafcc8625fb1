/* Guest RAM through QEMU's memory files (see guestmem.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "die.h"
#include "guestmem.h"

#define KERNEL_MAP GUESTMEM_KERNEL_MAP
#define DIRECT_MAP 0xffff888000000000ull	/* page_offset_base with nokaslr */
#define DIRECT_MAP_SPAN GUESTMEM_DIRECT_MAP_SPAN
/* QEMU's pc machine: from 3.5 GiB of RAM, RAM above 3 GiB moves above 4 GiB. */
#define PC_SPLIT_AT 0xe0000000ull
#define PC_LOWMEM 0xc0000000ull
#define FOUR_GIB 0x100000000ull
#define TLB_SLOTS 256		/* pages remembered, by virtual page number */

/*
 * A page found by walking the page tables, and the entry that mapped it: a
 * later batch takes the page again if that entry still says the same (one
 * read instead of four; the kernel frees no page tables of its vmalloc
 * space, so the path to the entry stays).
 */
struct tlb_slot {
	uint64_t vpn, pfn;
	const uint64_t *leaf;	/* the mapping entry in guest RAM, NULL: slot unused */
	uint64_t leaf_val;
	unsigned gen;		/* the batch that used it last */
};

struct guestmem_tlb {
	unsigned gen;		/* the batch; 0: none open */
	struct tlb_slot slot[TLB_SLOTS];
};

int guestmem_open(struct guestmem *gm, int pid, const int *fds, const size_t *sizes,
		  unsigned n, int writable, char *err, size_t errlen)
{
	memset(gm, 0, sizeof(*gm));
	gm->page_offset = DIRECT_MAP;
	gm->writable = writable;
	if (n == 0 || n > GUESTMEM_MAX_NODES) {
		snprintf(err, errlen, "%u memory nodes (1 to %d supported)", n, GUESTMEM_MAX_NODES);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		char path[64];
		void *p;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fds[i]);
		fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errlen, "guest memory %s: %s", path, strerror(errno));
			guestmem_close(gm);
			return -1;
		}
		p = mmap(NULL, sizes[i], PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
		close(fd);	/* the mapping keeps the file, even after QEMU exits */
		if (p == MAP_FAILED) {
			snprintf(err, errlen, "guest memory %s: mmap: %s", path, strerror(errno));
			guestmem_close(gm);
			return -1;
		}
		gm->node[gm->n].base = p;
		gm->node[gm->n++].size = sizes[i];
		gm->total += sizes[i];
	}
	/* (past PC_LOWMEM the pc machine may have its hole) */
	gm->fast_size = gm->total >= PC_SPLIT_AT && gm->node[0].size > PC_LOWMEM ? PC_LOWMEM : gm->node[0].size;
	gm->tlb = xcalloc(1, sizeof(*gm->tlb));
	gm->trace = xcalloc(1, sizeof(*gm->trace));
	return 0;
}

void guestmem_close(struct guestmem *gm)
{
	for (unsigned i = 0; i < gm->n; i++)
		munmap((void *)gm->node[i].base, gm->node[i].size);
	gm->n = 0;
	gm->total = 0;
	gm->fast_size = 0;
	free(gm->tlb);
	gm->tlb = NULL;
	free(gm->trace);
	gm->trace = NULL;
}

void guestmem_batch_begin(const struct guestmem *gm)
{
	static unsigned gen;

	if (gm->tlb)
		gm->tlb->gen = ++gen ? gen : ++gen;	/* (never 0) */
	if (gm->trace) {
		struct guestmem_trace *t = gm->trace;

		/* into L2, not L1: some wait there while the sample reads others and makes its system calls */
		for (unsigned i = 0; i < t->n; i++)
			__builtin_prefetch((const void *)t->line[i], 0, 2);
		t->n = 0;
		memset(t->recent, 0, sizeof(t->recent));
		t->on = 1;
	}
}

void guestmem_trace_stop(const struct guestmem *gm)
{
	if (gm->trace)
		gm->trace->on = 0;
}

void guestmem_batch_end(const struct guestmem *gm)
{
	if (gm->tlb)
		gm->tlb->gen = 0;
	if (gm->trace)
		gm->trace->on = 0;
}

/* Offset into the RAM files of guest-physical pa, or -1 (a hole, or past the end). */
static int64_t ram_offset(const struct guestmem *gm, uint64_t pa)
{
	if (gm->total >= PC_SPLIT_AT) {
		if (pa >= PC_LOWMEM && pa < FOUR_GIB)
			return -1;
		if (pa >= FOUR_GIB)
			pa = pa - FOUR_GIB + PC_LOWMEM;
	}
	return pa < gm->total ? (int64_t)pa : -1;
}

/* Where len bytes at guest-physical pa are in the host's mappings, or NULL. */
static unsigned char *phys_addr(const struct guestmem *gm, uint64_t pa, size_t len)
{
	int64_t off = ram_offset(gm, pa);

	if (off < 0 || ram_offset(gm, pa + len - 1) != off + (int64_t)len - 1)
		return NULL;
	for (unsigned i = 0; i < gm->n; i++) {
		if ((uint64_t)off < gm->node[i].size) {
			if ((uint64_t)off + len > gm->node[i].size)
				return NULL;	/* straddles two nodes: not one object */
			return (unsigned char *)gm->node[i].base + off;
		}
		off -= (int64_t)gm->node[i].size;
	}
	return NULL;
}

#define PTE_PRESENT 0x1ull
#define PTE_HUGE 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

/*
 * va through the guest kernel's page tables (4-level): 0 and *pa, or -1
 * when not mapped. The entry that mapped it goes to *leaf (when not NULL).
 */
static int walk_page_tables(const struct guestmem *gm, uint64_t va, uint64_t *pa, struct tlb_slot *leaf)
{
	static const unsigned shift[] = { 39, 30, 21, 12 };
	uint64_t table = gm->pgd_pa;

	for (unsigned level = 0; level < 4; level++) {
		const uint64_t *p = (const void *)phys_addr(gm, table + ((va >> shift[level]) & 511) * 8, 8);
		uint64_t entry;

		if (!p)
			return -1;
		guestmem_note(gm, p);
		entry = __atomic_load_n(p, __ATOMIC_RELAXED);
		if (!(entry & PTE_PRESENT))
			return -1;
		if (leaf) {
			leaf->leaf = p;
			leaf->leaf_val = entry;
		}
		if ((level == 1 || level == 2) && (entry & PTE_HUGE)) {	/* a 1 GiB or 2 MiB page */
			uint64_t span = 1ull << shift[level];

			*pa = (entry & PTE_ADDR & ~(span - 1)) | (va & (span - 1));
			return 0;
		}
		table = entry & PTE_ADDR;
	}
	*pa = table | (va & 0xfff);
	return 0;
}

/*
 * va through the page tables; within a batch, the page found for it
 * already (checked once per batch: see struct tlb_slot).
 */
static int translate(const struct guestmem *gm, uint64_t va, uint64_t *pa)
{
	struct guestmem_tlb *tlb = gm->tlb;
	uint64_t vpn = va >> 12;
	struct tlb_slot *t = tlb ? &tlb->slot[vpn % TLB_SLOTS] : NULL;

	if (!t || !tlb->gen)
		return walk_page_tables(gm, va, pa, NULL);
	if (t->leaf && t->vpn == vpn && t->gen != tlb->gen)
		guestmem_note(gm, t->leaf);
	if (t->leaf && t->vpn == vpn &&
	    (t->gen == tlb->gen || __atomic_load_n(t->leaf, __ATOMIC_RELAXED) == t->leaf_val)) {
		t->gen = tlb->gen;
		*pa = t->pfn << 12 | (va & 0xfff);
		return 0;
	}
	if (walk_page_tables(gm, va, pa, t)) {
		t->leaf = NULL;	/* (not remembered: tried again) */
		return -1;
	}
	t->vpn = vpn;
	t->pfn = *pa >> 12;
	t->gen = tlb->gen;
	return 0;
}

/* Where len bytes at kernel address va are in the host's mappings, or NULL. */
static unsigned char *host_addr(const struct guestmem *gm, uint64_t va, size_t len)
{
	uint64_t pa;

	if (va >= KERNEL_MAP)
		pa = va - KERNEL_MAP + gm->phys_base;
	else if (va >= gm->page_offset && va - gm->page_offset < DIRECT_MAP_SPAN)
		pa = va - gm->page_offset;
	else if (!gm->pgd_pa || (va & 0xfff) + len > 4096 || translate(gm, va, &pa))
		return NULL;	/* user space, NULL, or across a page: not read */
	return phys_addr(gm, pa, len);
}

void guestmem_prefetch_slow(const struct guestmem *gm, uint64_t va)
{
	const unsigned char *p = gm->tlb && gm->tlb->gen ? host_addr(gm, va, 1) : NULL;

	if (p)	/* (only within a batch: a walk of its own would cost more than it saves) */
		__builtin_prefetch(p);
}

void guestmem_use_page_tables(struct guestmem *gm, uint64_t pgd_va)
{
	gm->pgd_pa = pgd_va >= KERNEL_MAP ? pgd_va - KERNEL_MAP + gm->phys_base : 0;
}

int guestmem_read_slow(const struct guestmem *gm, uint64_t va, void *buf, size_t len)
{
	const unsigned char *p = host_addr(gm, va, len);

	if (!p)
		return -1;
	guestmem_note(gm, p);
	memcpy(buf, p, len);
	return 0;
}

int guestmem_put_u64(const struct guestmem *gm, uint64_t va, uint64_t v)
{
	unsigned char *p = host_addr(gm, va, sizeof(v));

	if (!p || !gm->writable || va % sizeof(v))
		return -1;
	/* one aligned store, as the guest's WRITE_ONCE would be */
	__atomic_store_n((uint64_t *)(void *)p, v, __ATOMIC_RELAXED);
	return 0;
}

int guestmem_read_span(const struct guestmem *gm, uint64_t va, void *buf, size_t len)
{
	unsigned char *out = buf;

	while (len) {
		size_t n = 4096 - (va & 0xfff);

		if (n > len)
			n = len;
		if (guestmem_read(gm, va, out, n))
			return -1;
		va += n;
		out += n;
		len -= n;
	}
	return 0;
}

int guestmem_write(const struct guestmem *gm, uint64_t va, const void *buf, size_t len)
{
	unsigned char *p = len && len <= 8 ? host_addr(gm, va, len) : NULL;
	uint64_t v = 0;

	if (!p || !gm->writable)
		return -1;
	memcpy(&v, buf, len);
	/* an aligned field in one store, as the guest's WRITE_ONCE would be */
	if (len == 8 && va % 8 == 0)
		__atomic_store_n((uint64_t *)(void *)p, v, __ATOMIC_RELAXED);
	else if (len == 4 && va % 4 == 0)
		__atomic_store_n((uint32_t *)(void *)p, (uint32_t)v, __ATOMIC_RELAXED);
	else if (len == 2 && va % 2 == 0)
		__atomic_store_n((uint16_t *)(void *)p, (uint16_t)v, __ATOMIC_RELAXED);
	else
		memcpy(p, buf, len);
	return 0;
}
