/* Walking an idr's xarray in guest memory (see idr.h). */
#include "idr.h"

#define XA_CHUNK 64	/* slots per xa_node */

struct walk {
	const struct guestmem *gm;
	const struct kernel_info *ki;
	void (*fn)(void *ctx, uint64_t ptr);
	void *ctx;
	unsigned seen;
};

static void walk_entry(struct walk *w, uint64_t entry, unsigned depth)
{
	int ok = 1;

	if (!entry || ++w->seen > IDR_MAX_ENTRIES || depth > 8)
		return;
	if ((entry & 3) == 0) {	/* a pointer: the object */
		w->fn(w->ctx, entry);
		return;
	}
	if ((entry & 3) != 2 || entry <= 4096)
		return;		/* a value or a retry/zero marker */
	entry -= 2;		/* an xa_node */
	for (unsigned i = 0; ok && i < XA_CHUNK; i++)
		walk_entry(w, guestmem_u64(w->gm, entry + w->ki->xa_node_slots + 8ull * i, &ok),
			   depth + 1);
}

int idr_walk(const struct guestmem *gm, const struct kernel_info *ki, uint64_t idr,
	     void (*fn)(void *ctx, uint64_t ptr), void *ctx)
{
	struct walk w = { gm, ki, fn, ctx, 0 };
	uint64_t head;
	int ok = 1;

	if (!gm->pgd_pa || !idr || ki->idr_head == OFF_NONE || ki->xa_node_slots == OFF_NONE)
		return -1;
	head = guestmem_u64(gm, idr + ki->idr_head, &ok);
	if (!ok)
		return -1;
	walk_entry(&w, head, 0);
	return (int)w.seen;
}
