/*
 * The attached scheduler's BPF programs, found through the kernel's prog
 * idr: each struct_ops program's name, runs and time (kept by the kernel
 * while kernel.bpf_stats_enabled is 1).
 */
#include <string.h>

#include "idr.h"
#include "progs.h"

struct prog_walk {
	struct sampler *s;
	json_t *progs;
};

/* One struct_ops program: its name and call count and time summed over CPUs into progs. */
static void add_prog(void *ctx, uint64_t prog)
{
	struct prog_walk *w = ctx;
	struct sampler *s = w->s;
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
	if ((o = json_object_get(w->progs, name))) {	/* same name twice: one line */
		cnt += (uint64_t)json_integer_value(json_object_get(o, "cnt"));
		nsecs += (uint64_t)json_integer_value(json_object_get(o, "nsecs"));
	}
	json_object_set_new(w->progs, name, json_pack("{s:I, s:I}", "cnt", (json_int_t)cnt,
						      "nsecs", (json_int_t)nsecs));
}

void progs_read(struct sampler *s, json_t *rec)
{
	const struct kernel_info *ki = &s->ki;
	struct prog_walk w = { s, NULL };

	if (ki->prog_type_struct_ops < 0 || ki->prog_type == OFF_NONE || ki->prog_aux == OFF_NONE ||
	    ki->prog_stats == OFF_NONE || ki->aux_name == OFF_NONE || ki->stats_cnt == OFF_NONE ||
	    ki->stats_nsecs == OFF_NONE)
		return;
	w.progs = json_object();
	if (idr_walk(&s->gm, ki, ki->prog_idr, add_prog, &w) > 0 && json_object_size(w.progs))
		json_object_set_new(rec, "progs", w.progs);
	else
		json_decref(w.progs);
}
