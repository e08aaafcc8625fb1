/*
 * The attached scheduler's BPF programs, found through the kernel's prog
 * idr: each struct_ops program's name, runs and time (kept by the kernel
 * while kernel.bpf_stats_enabled is 1), and what loading it cost: the
 * instructions the verifier processed and the size of its JITed code.
 */
#include <string.h>

#include "die.h"
#include "idr.h"
#include "jsonbuf.h"
#include "progs.h"

/* The prog idr is walked again every this many samples (a new scheduler shows within a second). */
#define PROG_REWALK_SAMPLES 10
#define PROG_MAX 256

/* One idr entry: remember it when it is a struct_ops program. */
static void note_prog(void *ctx, uint64_t prog)
{
	struct sampler *s = ctx;
	int ok = 1;

	if (s->nprog < PROG_MAX &&
	    guestmem_u32(&s->gm, prog + s->ki.prog_type, &ok) == (uint32_t)s->ki.prog_type_struct_ops && ok)
		s->prog_addr[s->nprog++] = prog;
}

/* A u32 member of the object at addr into value k of c, when the kernel has it. */
static void add_u32(const struct guestmem *gm, struct counter *c, unsigned k, uint64_t addr,
		    uint64_t off)
{
	int ok = 1;
	uint32_t v;

	c->has &= ~(1u << k);
	if (off == OFF_NONE)
		return;
	v = guestmem_u32(gm, addr + off, &ok);
	if (!ok)
		return;
	c->v[k] = v;
	c->has |= 1u << k;
}

/*
 * One struct_ops program: its name and call count and time summed over CPUs
 * into progs, with its verified_insns and jited_bytes.
 */
static void add_prog(struct sampler *s, uint64_t prog, struct counterset *progs)
{
	const struct kernel_info *ki = &s->ki;
	const struct guestmem *gm = &s->gm;
	char name[64] = "";
	uint64_t aux, stats, cnt = 0, nsecs = 0;
	size_t len = ki->aux_name_len < sizeof(name) ? ki->aux_name_len : sizeof(name) - 1;
	struct counter *o;
	int ok = 1;

	if (guestmem_u32(gm, prog + ki->prog_type, &ok) != (uint32_t)ki->prog_type_struct_ops || !ok)
		return;
	aux = guestmem_u64(gm, prog + ki->prog_aux, &ok);
	stats = guestmem_u64(gm, prog + ki->prog_stats, &ok);
	if (!ok || guestmem_read(gm, aux + ki->aux_name, name, len) || !name[0])
		return;
	name[len] = '\0';
	if (!jsonbuf_utf8_ok(name))
		return;		/* (no JSON key) */
	for (unsigned c = 0; ok && c < s->ncpus; c++) {
		uint64_t st = stats + guestmem_u64(gm, ki->per_cpu_offset + 8ull * c, &ok);

		cnt += guestmem_u64(gm, st + ki->stats_cnt, &ok);
		nsecs += guestmem_u64(gm, st + ki->stats_nsecs, &ok);
	}
	if (!ok)
		return;
	if ((o = counterset_find(progs, name))) {	/* same name twice: one entry, where the first was */
		cnt += (uint64_t)o->v[PROG_CNT];
		nsecs += (uint64_t)o->v[PROG_NSECS];
	} else {
		o = counterset_add(progs, name);
	}
	o->v[PROG_CNT] = (long long)cnt;
	o->v[PROG_NSECS] = (long long)nsecs;
	o->has |= 1u << PROG_CNT | 1u << PROG_NSECS;
	add_u32(gm, o, PROG_VERIFIED_INSNS, aux, ki->aux_verified_insns);
	add_u32(gm, o, PROG_JITED_BYTES, prog, ki->prog_jited_len);
}

/*
 * The lines add_prog reads, asked for ahead: the programs' own, then their
 * names and every CPU's counts (each program on a page of its own, each
 * CPU's counts in another unit: one miss after another when read in turn).
 */
static void prefetch_progs(struct sampler *s)
{
	const struct kernel_info *ki = &s->ki;
	const struct guestmem *gm = &s->gm;

	for (unsigned i = 0; i < s->nprog; i++) {
		guestmem_prefetch(gm, s->prog_addr[i] + ki->prog_type);
		guestmem_prefetch(gm, s->prog_addr[i] + ki->prog_aux);
		guestmem_prefetch(gm, s->prog_addr[i] + ki->prog_stats);
	}
	for (unsigned i = 0; i < s->nprog; i++) {
		int ok = 1;
		uint64_t aux = guestmem_u64(gm, s->prog_addr[i] + ki->prog_aux, &ok);
		uint64_t stats = guestmem_u64(gm, s->prog_addr[i] + ki->prog_stats, &ok);

		if (!ok)
			continue;
		guestmem_prefetch(gm, aux + ki->aux_name);
		for (unsigned c = 0; c < s->ncpus; c++)
			guestmem_prefetch(gm, stats + s->pcpu_off[c] + ki->stats_cnt);
	}
}

void progs_read(struct sampler *s, struct sample *out)
{
	const struct kernel_info *ki = &s->ki;

	if (ki->prog_type_struct_ops < 0 || ki->prog_type == OFF_NONE || ki->prog_aux == OFF_NONE ||
	    ki->prog_stats == OFF_NONE || ki->aux_name == OFF_NONE || ki->stats_cnt == OFF_NONE ||
	    ki->stats_nsecs == OFF_NONE)
		return;
	if (s->prog_age++ % PROG_REWALK_SAMPLES == 0) {	/* walking the idr costs most */
		if (!s->prog_addr)
			s->prog_addr = xcalloc(PROG_MAX, sizeof(*s->prog_addr));
		s->nprog = 0;
		idr_walk(&s->gm, ki, ki->prog_idr, note_prog, s);
	}
	prefetch_progs(s);
	for (unsigned i = 0; i < s->nprog; i++)
		add_prog(s, s->prog_addr[i], &out->progs);
	if (out->progs.n)
		out->has |= S_PROGS;
}
