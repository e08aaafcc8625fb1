/* scx-ktstr loader: open, configure, load and attach the embedded BPF scheduler. */
#ifndef SCX_KTSTR_LOADER_H
#define SCX_KTSTR_LOADER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scx_ktstr.h"

struct bpf_object;
struct bpf_link;

/* Loader options; defaults in main.c. */
struct ktstr_opts {
	uint32_t timeout_ms;
	uint64_t slice_us;
	uint64_t stall_after_ms;
	uint64_t error_after_ms;
	uint64_t slow_us;
	bool scatter;
	uint64_t starve_kthread_after_ms;
	bool one_cpu;
	uint32_t overcharge;
	bool degrade;
	const char *degrade_cgroup;	/* leaf name or path; default "cg_1" */
	uint64_t stats_ms;
	bool verbose;
};

struct ktstr_sched {
	struct bpf_object *obj;
	struct bpf_link *link;
	struct ktstr_cfg *cfg;		/* .rodata image, valid until load */
	struct ktstr_state *state;	/* in bss, valid after load */
	void *bss;			/* our mmap of the .bss map */
	size_t bss_len;
	int stats_fd;
	char *log_buf;			/* verifier log */
};

/* Fill cfg->llc_of_cpu/nr_llcs from sysfs; writes a "0-1 2-3" summary to desc. */
void topo_read_llcs(struct ktstr_cfg *cfg, char *desc, size_t desclen);

/* Each returns 0, or -1 after printing why to stderr. */
int sched_open(struct ktstr_sched *s, const struct ktstr_opts *o);
int sched_load(struct ktstr_sched *s);
int sched_attach(struct ktstr_sched *s);
void sched_close(struct ktstr_sched *s);

/* Sum of the per-CPU counters into out[KTSTR_NR_STATS]. */
int sched_read_stats(const struct ktstr_sched *s, uint64_t *out);

#endif
