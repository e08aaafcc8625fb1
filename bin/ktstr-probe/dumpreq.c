/* SysRq-D once per VM when a task has waited too long (see dumpreq.h). */
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "dumpreq.h"
#include "qmp.h"

void dumpreq_init(struct dumpreq *d, json_t *vm, long long dump_ms)
{
	const char *qmp = json_string_value(json_object_get(vm, "qmp"));

	memset(d, 0, sizeof(*d));
	d->qmp = qmp ? xstrdup(qmp) : NULL;
	d->dump_ms = dump_ms;
}

void dumpreq_free(struct dumpreq *d)
{
	free(d->qmp);
	d->qmp = NULL;
}

/* The waiter of the sample with the longest counted wait and its CPU entry, or NULL. */
static json_t *longest_waiter(json_t *sample, json_t **cpu_of)
{
	json_t *cpu, *w, *best = NULL;
	size_t i, j;

	json_array_foreach(json_object_get(sample, "cpus"), i, cpu)
		json_array_foreach(json_object_get(cpu, "waiting"), j, w)
			if (!best || json_integer_value(json_object_get(w, "counted_ms")) >
					     json_integer_value(json_object_get(best, "counted_ms"))) {
				best = w;
				*cpu_of = cpu;
			}
	return best;
}

json_t *dumpreq_check(struct dumpreq *d, json_t *sample, const char *job)
{
	json_t *w, *rec, *cpu = NULL;
	char err[256] = "";
	int rc;

	if (d->asked || !d->qmp || !d->dump_ms || !json_is_string(json_object_get(sample, "scheduler")) ||
	    !(w = longest_waiter(sample, &cpu)) ||
	    json_integer_value(json_object_get(w, "counted_ms")) < d->dump_ms)
		return NULL;
	d->asked = 1;
	rc = qmp_sysrq(d->qmp, 'D', err, sizeof(err));
	rec = json_pack("{s:s, s:s, s:O, s:s, s:O, s:O, s:O, s:O, s:b}", "type", "dump_request",
			"job", job, "t_ms", json_object_get(sample, "t_ms"), "why", "runnable_wait",
			"pid", json_object_get(w, "pid"), "comm", json_object_get(w, "comm"),
			"cpu", json_object_get(cpu, "cpu"), "wait_ms", json_object_get(w, "counted_ms"),
			"sent", rc == 0);
	if (rc)
		json_object_set_new(rec, "error", json_string(err));
	return rec;
}
