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
