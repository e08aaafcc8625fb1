/* The CPU -> LLC table the BPF scheduler uses for its per-LLC dispatch queues. */
#include <stdio.h>

#include "die.h"
#include "loader.h"
#include "systopo.h"

/*
 * LLC ids as libcommon's systopo numbers them (in order of their lowest
 * CPU); offline CPUs, and those of LLCs past KTSTR_MAX_LLCS, join LLC 0.
 * Without a readable sysfs every CPU is in LLC 0.
 */
void topo_read_llcs(struct ktstr_cfg *cfg, char *desc, size_t desclen)
{
	struct systopo t;
	char err[256];
	size_t used = 0;

	if (systopo_read("/sys", &t, err, sizeof(err)) < 0) {
		warnmsg("%s: one LLC", err);
		for (unsigned cpu = 0; cpu < cfg->nr_cpus; cpu++)
			cfg->llc_of_cpu[cpu] = 0;
		cfg->nr_llcs = 1;
		snprintf(desc, desclen, "0-%u", cfg->nr_cpus - 1);
		return;
	}
	cfg->nr_llcs = t.nllcs < KTSTR_MAX_LLCS ? t.nllcs : KTSTR_MAX_LLCS;
	for (unsigned cpu = 0; cpu < cfg->nr_cpus; cpu++) {
		const struct systopo_cpu *c = systopo_cpu(&t, cpu);

		cfg->llc_of_cpu[cpu] = c && (unsigned)c->llc < cfg->nr_llcs ? (unsigned)c->llc : 0;
	}
	desc[0] = '\0';
	for (unsigned id = 0; id < cfg->nr_llcs && used + 1 < desclen; id++) {
		char list[128];

		used += (size_t)snprintf(desc + used, desclen - used, "%s%s", id ? " " : "",
					 cpuset_str(&t.llc[id], list, sizeof(list)));
	}
	systopo_free(&t);
}
