/*
 * The attached scheduler's BPF programs, found through the kernel's prog
 * idr: each struct_ops program's name, runs and time (kept by the kernel
 * while kernel.bpf_stats_enabled is 1), and what loading it cost: the
 * instructions the verifier processed and the size of its JITed code.
 */
#include <string.h>

#include "die.h"
#include "idr.h"
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

/* A u32 member of the object at addr into o as key, when the kernel has it. */
static void add_u32(const struct guestmem *gm, json_t *o, const char *key, uint64_t addr,
		    uint64_t off)
{
	int ok = 1;
	uint32_t v;

	if (off == OFF_NONE)
		return;
	v = guestmem_u32(gm, addr + off, &ok);
	if (ok)
		json_object_set_new(o, key, json_integer(v));
}

/*
 * One struct_ops program: its name and call count and time summed over CPUs
 * into progs, with its verified_insns and jited_bytes.
 */
static void add_prog(struct sampler *s, uint64_t prog, json_t *progs)
{
	const struct kernel_info *ki = &s->ki;
	const struct guestmem *gm = &s->gm;
	char name[64] = "";
	uint64_t aux, stats, cnt = 0, nsecs = 0;
	size_t len = ki->aux_name_len < sizeof(name) ? ki->aux_name_len : sizeof(name) - 1;
	json_t *o;
	int ok = 1;

	if (guestmem_u32(gm, prog + ki->prog_type, &ok) != (uint32_t)ki->prog_type_struct_ops || !ok)
		return;
	aux = guestmem_u64(gm, prog + ki->prog_aux, &ok);
	stats = guestmem_u64(gm, prog + ki->prog_stats, &ok);
	if (!ok || guestmem_read(gm, aux + ki->aux_name, name, len) || !name[0])
		return;
	name[len] = '\0';
	for (unsigned c = 0; ok && c < s->ncpus; c++) {
		uint64_t st = stats + guestmem_u64(gm, ki->per_cpu_offset + 8ull * c, &ok);

		cnt += guestmem_u64(gm, st + ki->stats_cnt, &ok);
		nsecs += guestmem_u64(gm, st + ki->stats_nsecs, &ok);
	}
	if (!ok)
		return;
	if ((o = json_object_get(progs, name))) {	/* same name twice: one line */
		cnt += (uint64_t)json_integer_value(json_object_get(o, "cnt"));
		nsecs += (uint64_t)json_integer_value(json_object_get(o, "nsecs"));
	}
	o = json_pack("{s:I, s:I}", "cnt", (json_int_t)cnt, "nsecs", (json_int_t)nsecs);
	add_u32(gm, o, "verified_insns", aux, ki->aux_verified_insns);
	add_u32(gm, o, "jited_bytes", prog, ki->prog_jited_len);
	json_object_set_new(progs, name, o);
}

void progs_read(struct sampler *s, json_t *rec)
{
	const struct kernel_info *ki = &s->ki;
	json_t *progs;

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
	progs = json_object();
	for (unsigned i = 0; i < s->nprog; i++)
		add_prog(s, s->prog_addr[i], progs);
	if (json_object_size(progs))
		json_object_set_new(rec, "progs", progs);
	else
		json_decref(progs);
}
