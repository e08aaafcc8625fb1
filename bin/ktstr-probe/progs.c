/*
 * The attached scheduler's BPF programs, found through the kernel's prog
 * idr: each struct_ops program's name, runs and time (kept by the kernel
 * while kernel.bpf_stats_enabled is 1), and what loading it cost: the
 * instructions the verifier processed and the size of its JITed code.
 */
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "idr.h"
#include "jsonbuf.h"
#include "progs.h"

/*
 * The prog idr is walked when another scheduler is attached (its struct_ops
 * programs are all loaded by then) and again every this many samples, in
 * case a detached scheduler's memory came back as a new one's.
 */
#define PROG_REWALK_SAMPLES 50
#define PROG_MAX 256

/*
 * A struct_ops program of the last idr walk, with what its bpf_prog_aux
 * holds fixed from its load on (its name and verified_insns): read again
 * only when the program's aux or stats pointer is another.
 */
struct prog_seen {
	uint64_t addr, aux, stats;
	int named;			/* name and verified_insns were read from aux */
	int maybe_dup;			/* another program had the same name */
	int has_verified;
	uint32_t verified_insns;
	char name[64];
};

struct prog_walk {
	struct sampler *s;
	struct prog_seen *old;		/* the last walk's, to keep what they read */
	unsigned nold;
};

/* One idr entry: remember it when it is a struct_ops program. */
static void note_prog(void *ctx, uint64_t prog)
{
	struct prog_walk *w = ctx;
	struct sampler *s = w->s;
	struct prog_seen *p;
	int ok = 1;

	if (s->nprog >= PROG_MAX ||
	    guestmem_u32(&s->gm, prog + s->ki.prog_type, &ok) != (uint32_t)s->ki.prog_type_struct_ops || !ok)
		return;
	if (s->nprog == s->prog_cap) {	/* (grown as needed: a whole PROG_MAX would be page faults) */
		s->prog_cap = s->prog_cap ? 2 * s->prog_cap : 16;
		s->prog = xrealloc(s->prog, s->prog_cap * sizeof(*s->prog));
	}
	p = &s->prog[s->nprog++];
	memset(p, 0, sizeof(*p));
	p->addr = prog;
	for (unsigned i = 0; i < w->nold; i++)
		if (w->old[i].addr == prog) {
			*p = w->old[i];
			break;
		}
}

/* The programs of the idr now, keeping what was read of those seen before. */
static void walk_progs(struct sampler *s)
{
	struct prog_walk w = { s, NULL, s->nprog };

	if (w.nold) {
		w.old = xmalloc(w.nold * sizeof(*w.old));
		memcpy(w.old, s->prog, w.nold * sizeof(*w.old));
	}
	s->nprog = 0;
	idr_walk(&s->gm, &s->ki, s->ki.prog_idr, note_prog, &w);
	free(w.old);
}

/* p's name and verified_insns from its aux: 0, or -1 when it has no usable name. */
static int read_fixed(struct sampler *s, struct prog_seen *p, uint64_t aux)
{
	const struct kernel_info *ki = &s->ki;
	size_t len = ki->aux_name_len < sizeof(p->name) ? ki->aux_name_len : sizeof(p->name) - 1;
	int ok = 1;

	p->named = 0;
	if (guestmem_read(&s->gm, aux + ki->aux_name, p->name, len) || !p->name[0])
		return -1;
	p->name[len] = '\0';
	if (!jsonbuf_utf8_ok(p->name))
		return -1;	/* (no JSON key) */
	p->has_verified = 0;
	if (ki->aux_verified_insns != OFF_NONE) {
		p->verified_insns = guestmem_u32(&s->gm, aux + ki->aux_verified_insns, &ok);
		p->has_verified = ok;
	}
	p->named = 1;
	/* the same name twice makes one entry: looked for then (else each is new) */
	for (unsigned i = 0; i < s->nprog; i++)
		if (&s->prog[i] != p && s->prog[i].named && !strcmp(s->prog[i].name, p->name))
			p->maybe_dup = s->prog[i].maybe_dup = 1;
	return 0;
}

/*
 * One struct_ops program: its name and call count and time summed over CPUs
 * into progs, with its verified_insns and jited_bytes.
 */
static void add_prog(struct sampler *s, struct prog_seen *p, struct counterset *progs)
{
	const struct kernel_info *ki = &s->ki;
	const struct guestmem *gm = &s->gm;
	uint64_t aux, stats, cnt = 0, nsecs = 0;
	struct counter *o;
	uint32_t jited;
	int ok = 1, jited_ok = 1;

	if (guestmem_u32(gm, p->addr + ki->prog_type, &ok) != (uint32_t)ki->prog_type_struct_ops || !ok)
		return;
	aux = guestmem_u64(gm, p->addr + ki->prog_aux, &ok);
	stats = guestmem_u64(gm, p->addr + ki->prog_stats, &ok);
	if (!ok)
		return;
	if (!p->named || aux != p->aux || stats != p->stats) {
		p->aux = aux;
		p->stats = stats;
		if (read_fixed(s, p, aux))
			return;
	}
	for (unsigned c = 0; ok && c < s->ncpus; c++) {
		uint64_t st = stats + guestmem_u64(gm, ki->per_cpu_offset + 8ull * c, &ok);

		cnt += guestmem_u64(gm, st + ki->stats_cnt, &ok);
		nsecs += guestmem_u64(gm, st + ki->stats_nsecs, &ok);
	}
	if (!ok)
		return;
	if (p->maybe_dup && (o = counterset_find(progs, p->name))) {	/* one entry, where the first was */
		cnt += (uint64_t)o->v[PROG_CNT];
		nsecs += (uint64_t)o->v[PROG_NSECS];
	} else {
		o = counterset_add(progs, p->name);
	}
	o->v[PROG_CNT] = (long long)cnt;
	o->v[PROG_NSECS] = (long long)nsecs;
	o->has |= 1u << PROG_CNT | 1u << PROG_NSECS;
	o->has &= ~(1u << PROG_VERIFIED_INSNS | 1u << PROG_JITED_BYTES);
	if (p->has_verified) {
		o->v[PROG_VERIFIED_INSNS] = p->verified_insns;
		o->has |= 1u << PROG_VERIFIED_INSNS;
	}
	if (ki->prog_jited_len != OFF_NONE) {
		jited = guestmem_u32(gm, p->addr + ki->prog_jited_len, &jited_ok);
		if (jited_ok) {
			o->v[PROG_JITED_BYTES] = jited;
			o->has |= 1u << PROG_JITED_BYTES;
		}
	}
}

void progs_read(struct sampler *s, uint64_t sch, struct sample *out)
{
	const struct kernel_info *ki = &s->ki;

	if (ki->prog_type_struct_ops < 0 || ki->prog_type == OFF_NONE || ki->prog_aux == OFF_NONE ||
	    ki->prog_stats == OFF_NONE || ki->aux_name == OFF_NONE || ki->stats_cnt == OFF_NONE ||
	    ki->stats_nsecs == OFF_NONE)
		return;
	if (sch != s->prog_sch || s->prog_age++ % PROG_REWALK_SAMPLES == 0) {	/* the idr walk costs most */
		s->prog_sch = sch;
		s->prog_age = 1;
		walk_progs(s);
	}
	for (unsigned i = 0; i < s->nprog; i++)
		add_prog(s, &s->prog[i], &out->progs);
	if (out->progs.n)
		out->has |= S_PROGS;
}
