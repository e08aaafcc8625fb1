/* The CPU -> LLC table the BPF scheduler uses for its per-LLC dispatch queues. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpulist.h"
#include "die.h"
#include "loader.h"

/*
 * CPUs sharing cpu's last-level cache: cache/index3 (L3), else the highest
 * index present. False when sysfs says nothing (no cache info, offline CPU).
 */
static bool read_llc_cpus(unsigned cpu, struct cpuset *out)
{
	char path[128], line[1024], err[128];

	for (int index = 3; index >= 0; index--) {
		FILE *f;
		bool ok;

		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%u/cache/index%d/shared_cpu_list", cpu, index);
		f = fopen(path, "re");
		if (!f)
			continue;
		ok = fgets(line, sizeof(line), f) != NULL;
		fclose(f);
		line[strcspn(line, "\n")] = '\0';
		if (ok && cpulist_parse(line, out, err, sizeof(err)) == 0 && cpuset_has(out, cpu))
			return true;
	}
	return false;
}

/*
 * LLC ids are numbered in order of their lowest CPU; a CPU sysfs says
 * nothing about joins LLC 0.
 */
void topo_read_llcs(struct ktstr_cfg *cfg, char *desc, size_t desclen)
{
	struct cpuset *llcs = xcalloc(KTSTR_MAX_LLCS, sizeof(*llcs));
	struct cpuset cpus;
	size_t used = 0;

	cfg->nr_llcs = 0;
	for (unsigned cpu = 0; cpu < cfg->nr_cpus; cpu++) {
		unsigned id = 0;

		cfg->llc_of_cpu[cpu] = 0;
		if (!read_llc_cpus(cpu, &cpus))
			continue;
		while (id < cfg->nr_llcs && !cpuset_has(&llcs[id], cpu))
			id++;
		if (id == cfg->nr_llcs && id < KTSTR_MAX_LLCS)
			llcs[cfg->nr_llcs++] = cpus;
		cfg->llc_of_cpu[cpu] = id < KTSTR_MAX_LLCS ? id : 0;
	}
	if (cfg->nr_llcs == 0) {
		cfg->nr_llcs = 1;
		cpuset_zero(&llcs[0]);
		cpuset_set_range(&llcs[0], 0, cfg->nr_cpus - 1);
	}
	desc[0] = '\0';
	for (unsigned id = 0; id < cfg->nr_llcs && used + 1 < desclen; id++) {
		char list[128];

		cpulist_format(&llcs[id], list, sizeof(list));
		used += (size_t)snprintf(desc + used, desclen - used, "%s%s", id ? " " : "", list);
	}
	free(llcs);
}
