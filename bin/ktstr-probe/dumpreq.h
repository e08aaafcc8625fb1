/*
 * Asking a live scheduler's kernel for its sched_ext dump: the first time a
 * task has waited dump_ms (counted as the monitor counts it) while a
 * scheduler is attached, press SysRq-D in the guest through QEMU's QMP
 * socket. The guest forwards the dump; the probe says that it asked.
 */
#ifndef KTSTR_PROBE_DUMPREQ_H
#define KTSTR_PROBE_DUMPREQ_H

#include <jansson.h>

#include "samplerec.h"

struct dumpreq {
	char *qmp;		/* the vm record's QMP socket, NULL: none */
	long long dump_ms;	/* 0: never ask */
	int asked;
};

/* Ready for the VM of vm (a `vm` started record). */
void dumpreq_init(struct dumpreq *d, json_t *vm, long long dump_ms);
void dumpreq_free(struct dumpreq *d);

/*
 * After one sample (its waiters' counted_ms already set): a `dump_request`
 * record when this sample made the probe ask (caller owns it), else NULL.
 */
json_t *dumpreq_check(struct dumpreq *d, const struct sample *sample, const char *job);

#endif
