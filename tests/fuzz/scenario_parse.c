/*
 * Fuzz the scenario language: scenario_parse on a scenario file's JSON, then
 * what the host and the guest do with a scenario that parses, on a few VM
 * topologies: the planner's fit check (requires, static cpusets), and the
 * guest's expansion of per-CPU generators and its plan of every step.
 */
#include <stdlib.h>

#include "harness.h"
#include "scenario.h"
#include "topo.h"

struct input {
	const uint8_t *data;
	size_t size;
};

static const char *const topologies[] = { "1n1l1c1t", "1n2l2c1t", "2n4l2c2t" };

static void on_topology(json_t *j, const char *name)
{
	struct scenario s;
	struct systopo sys;
	struct topo m;
	char why[512];
	unsigned n;

	if (topo_parse(name, &m, why, sizeof(why)) < 0 || scenario_parse(j, &s, why, sizeof(why)) < 0)
		return;
	systopo_from_topo(&m, &sys);
	free(scenario_payloads(&s, &n));
	if (!requires_unmet(&s.req, &sys, why, sizeof(why)))
		(void)scenario_cpusets_unresolvable(&s, &sys, why, sizeof(why));
	scenario_expand(&s, &sys);
	json_decref(plan_json(&s, &sys, 1000));
	scenario_free(&s);
	systopo_free(&sys);
}

static void parse(void *ctx)
{
	struct input *in = ctx;
	char *text = fuzz_cstr(in->data, in->size), why[512];
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	struct scenario s;

	free(text);
	if (j && scenario_parse(j, &s, why, sizeof(why)) == 0) {
		scenario_free(&s);
		for (size_t i = 0; i < sizeof(topologies) / sizeof(topologies[0]); i++)
			on_topology(j, topologies[i]);
	}
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	bool died = fuzz_call(parse, &in, NULL);

	fuzz_end(died);
	return 0;
}
