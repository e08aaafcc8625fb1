/* Does the guest's sysfs show the topology the job asked for? */
#include <stdio.h>

#include "init.h"

static void mismatch(json_t *list, const char *what, const struct cpuset *want,
		     const struct cpuset *have)
{
	char a[256], b[256];

	json_array_append_new(list, json_sprintf("%s: expected %s, sysfs says %s", what,
						  cpuset_str(want, a, sizeof(a)),
						  cpuset_str(have, b, sizeof(b))));
}

static void compare_sets(json_t *list, const char *kind, const struct cpuset *want, unsigned nwant,
			 const struct cpuset *have, unsigned nhave)
{
	char what[64];

	if (nwant != nhave)
		json_array_append_new(list, json_sprintf("%s: expected %u, sysfs has %u", kind,
							  nwant, nhave));
	for (unsigned i = 0; i < nwant && i < nhave; i++) {
		if (cpuset_equal(&want[i], &have[i]))
			continue;
		strfmt(what, sizeof(what), "%.20s %u", kind, i);
		mismatch(list, what, &want[i], &have[i]);
	}
}

bool topo_check(struct events *ev, const struct systopo *want, const struct systopo *have)
{
	json_t *list = json_array();
	bool ok;

	if (!cpuset_equal(&want->online, &have->online))
		mismatch(list, "online cpus", &want->online, &have->online);
	compare_sets(list, "llc", want->llc, want->nllcs, have->llc, have->nllcs);
	compare_sets(list, "numa node", want->node, want->nnodes, have->node, have->nnodes);
	if (want->threads_per_core != have->threads_per_core)
		json_array_append_new(list, json_sprintf("smt: expected %u threads per core, sysfs says %u",
							  want->threads_per_core, have->threads_per_core));
	ok = json_array_size(list) == 0;
	events_emit(ev, json_pack("{s:s, s:b, s:o}", "type", "topo_check", "ok", ok,
				  "mismatches", list));
	return ok;
}
