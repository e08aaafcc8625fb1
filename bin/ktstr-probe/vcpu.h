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

/*
 * The host's schedstat of thread tid of pid, opened once (an fd, or -1) and
 * read at each sample: the CPU time the thread ran and the time it waited
 * runnable for a host CPU, in ns. 0, or -1 when unreadable.
 */
int vcpu_open_schedstat(int pid, int tid);
int vcpu_read_schedstat(int fd, int64_t *run_ns, int64_t *wait_ns);

#endif
