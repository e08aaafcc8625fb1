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

/* The waiter of the sample with the longest counted wait and its CPU, or NULL. */
static const struct sample_waiter *longest_waiter(const struct sample *sample,
						  const struct sample_cpu **cpu_of)
{
	const struct sample_waiter *best = NULL;

	for (size_t i = 0; i < sample->ncpus; i++)
		for (size_t j = 0; j < sample->cpus[i].nwaiting; j++) {
			const struct sample_waiter *w = &sample->cpus[i].waiting[j];

			if (!best || w->counted_ms > best->counted_ms) {
				best = w;
				*cpu_of = &sample->cpus[i];
			}
		}
	return best;
}

json_t *dumpreq_check(struct dumpreq *d, const struct sample *sample, const char *job)
{
	const struct sample_waiter *w;
	const struct sample_cpu *cpu = NULL;
	char err[256] = "";
	json_t *rec;
	int rc;

	if (d->asked || !d->qmp || !d->dump_ms || sample->scheduler == SAMPLE_NO_TEXT ||
	    !(w = longest_waiter(sample, &cpu)) || w->counted_ms < d->dump_ms)
		return NULL;
	d->asked = 1;
	rc = qmp_sysrq(d->qmp, 'D', err, sizeof(err));
	rec = json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:I, s:I, s:b}", "type", "dump_request",
			"job", job, "t_ms", (json_int_t)sample->t_ms, "why", "runnable_wait",
			"pid", (json_int_t)w->pid, "comm", w->comm, "cpu", (json_int_t)cpu->cpu,
			"wait_ms", (json_int_t)w->counted_ms, "sent", rc == 0);
	if (rc)
		json_object_set_new(rec, "error", json_string(err));
	return rec;
}
