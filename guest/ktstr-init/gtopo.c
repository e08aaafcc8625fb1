/*
 * The topology scenarios resolve against is a struct systopo (libcommon):
 * the VM's sysfs, or what a topo record promises. What a scenario may use
 * of it is decided here.
 */
#include <stdio.h>

#include "die.h"
#include "init.h"
#include "topo.h"

int gtopo_from_record(struct systopo *t, json_t *rec, char *err, size_t errlen)
{
	struct topo m;

	if (topo_from_json(rec, &m, err, errlen) < 0)
		return -1;
	systopo_from_topo(&m, t);
	return 0;
}

void gtopo_usable(const struct systopo *t, struct cpuset *out)
{
	int last = cpuset_last(&t->online);

	*out = t->online;
	if (t->ncpus > 2)
		out->bits[last / 64] &= ~(UINT64_C(1) << (last % 64));
}

char *gtopo_name(const struct systopo *t)
{
	char buf[64];
	unsigned cores = t->ncpus / (t->nllcs ? t->nllcs : 1) / (t->threads_per_core ? t->threads_per_core : 1);

	snprintf(buf, sizeof(buf), "%un%ul%uc%ut", t->nnodes, t->nllcs, cores, t->threads_per_core);
	return xstrdup(buf);
}
