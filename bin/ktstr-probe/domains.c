/* Walking rq->sd and its parents in guest memory (see domains.h). */
#include "cpulist.h"
#include "cpulistfmt.h"
#include "domains.h"

#define MAX_LEVELS 8	/* SMT, MC, PKG, NUMA levels: a loop in garbage ends here */

static json_t *domain_json(struct sampler *s, uint64_t sd)
{
	const struct kernel_info *ki = &s->ki;
	char name[16] = "", span[256];
	struct cpuset set;
	uint64_t name_ptr;
	int ok = 1;
	json_t *o;

	if (sampler_read_cpumask(s, sd + ki->sd_span, &set))
		return NULL;
	cpulist_format_words(&set, span, sizeof(span));
	o = json_pack("{s:i, s:s}", "level", (int)guestmem_u32(&s->gm, sd + ki->sd_level, &ok), "span", span);
	name_ptr = ki->sd_name != OFF_NONE ? guestmem_u64(&s->gm, sd + ki->sd_name, &ok) : 0;
	if (name_ptr && !guestmem_read(&s->gm, name_ptr, name, sizeof(name) - 1) && name[0])
		json_object_set_new(o, "name", json_string(name));
	if (ki->sd_flags != OFF_NONE)
		json_object_set_new(o, "flags", json_integer(guestmem_u32(&s->gm, sd + ki->sd_flags, &ok)));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *domains_read(struct sampler *s)
{
	const struct kernel_info *ki = &s->ki;
	json_t *out;
	int any = 0;

	if (ki->rq_sd == OFF_NONE || ki->sd_parent == OFF_NONE || ki->sd_level == OFF_NONE ||
	    ki->sd_span == OFF_NONE)
		return NULL;
	out = json_array();
	for (unsigned c = 0; c < s->ncpus; c++) {
		int ok = 1;
		uint64_t rq = ki->runqueues + guestmem_u64(&s->gm, ki->per_cpu_offset + 8ull * c, &ok);
		uint64_t sd = ok ? guestmem_u64(&s->gm, rq + ki->rq_sd, &ok) : 0;
		json_t *levels = json_array(), *d;

		for (unsigned l = 0; ok && sd && l < MAX_LEVELS; l++) {
			if (!(d = domain_json(s, sd)))
				break;
			json_array_append_new(levels, d);
			sd = guestmem_u64(&s->gm, sd + ki->sd_parent, &ok);
		}
		any |= json_array_size(levels) > 0;
		json_array_append_new(out, json_pack("{s:i, s:o}", "cpu", (int)c, "domains", levels));
	}
	if (!any) {
		json_decref(out);
		return NULL;
	}
	return out;
}
