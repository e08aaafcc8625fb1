/* A CPU set as a JSON string of its list form (see cpulist.h). */
#include <jansson.h>

#include "cpulist.h"

json_t *cpuset_json(const struct cpuset *s)
{
	char buf[CPUSET_MAX * 6];	/* every CPU listed alone, "4095," */

	cpulist_format(s, buf, sizeof(buf));
	return json_string(buf);
}
