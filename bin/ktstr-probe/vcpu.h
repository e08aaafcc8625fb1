/*
 * QEMU's vCPU threads ("CPU N/TCG", "CPU N/KVM") and the host CPU time each
 * has had: a runqueue clock that stands still on a vCPU the host did not run
 * is not a guest stall.
 */
#ifndef KTSTR_PROBE_VCPU_H
#define KTSTR_PROBE_VCPU_H

#include <stdint.h>

/* tids[cpu] for cpu < ncpus (0 when not found); the number found. */
unsigned vcpu_find_threads(int pid, int *tids, unsigned ncpus);

/* Host CPU time of thread tid of pid in ns, or -1 when unreadable. */
int64_t vcpu_run_ns(int pid, int tid);

#endif
