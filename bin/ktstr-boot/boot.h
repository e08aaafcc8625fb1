/* ktstr-boot: shared types of the job runner. */
#ifndef KTSTR_BOOT_H
#define KTSTR_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#include "linebuf.h"
#include "topo.h"

/* Under TCG a job's timeout_s is multiplied by this (emulation is ~3x slower). */
#define TCG_TIMEOUT_SCALE 3
#define DEFAULT_TIMEOUT_S 60
/* The graceful stop request goes this long before the hard limit. */
#define STOP_GRACE_MS 3000

/* --boot: the kernel file QEMU starts (boot_image.c). */
enum boot_mode { BOOT_AUTO, BOOT_BZIMAGE, BOOT_PVH };

struct boot_opts {
	unsigned max_jobs;	/* -j */
	enum boot_mode boot;
	char *run_dir;		/* created on first use */
	bool run_dir_made;
	char *cache_dir;
	const char *qemu;	/* $KTSTR_QEMU or qemu-system-x86_64 */
	bool verbose;
	bool interactive;	/* shell jobs without exec get /dev/tty */
	char *initramfs_out;	/* --write-initramfs DIR: archives, no VMs */
	bool dry_run;		/* command lines, no VMs, nothing made */
	long long t0_ms;	/* ktstr-boot start, for "t_ms" */
};

enum job_mode { MODE_SCENARIO, MODE_SHELL, MODE_CALIBRATE };

struct include_file {
	const char *src, *dst;
};

/* A validated job record; strings point into rec. */
struct job {
	json_t *rec;
	const char *id;
	size_t lineno;
	enum job_mode mode;
	struct topo topo;
	const char *kernel_image;
	const char *kernel_elf;		/* kernel.btf, the uncompressed ELF; may be NULL */
	const char *kernel_dir;		/* may be NULL */
	const char *kernel_config;	/* kernel.config (its HZ); may be NULL */
	const char *sched_path;		/* NULL for EEVDF */
	const char *exec;		/* shell mode command or NULL */
	unsigned timeout_s;
	bool timeout_explicit;		/* timeout_s was in the record */
	json_t *cmdline;		/* array of strings or NULL */
	struct include_file *includes;
	size_t nincludes;
	bool internal;			/* calibrate boot made by ktstr-boot */
};

/* Validate a job record; on error fills err (naming the field) and returns -1. */
int job_parse(json_t *rec, size_t lineno, struct job *job, char *err, size_t errlen);
void job_free(struct job *job);
/* A 1-CPU calibrate job for kernel of j (kallsyms capture). */
void job_make_calibrate(const struct job *j, struct job *out);

/* Accelerator decision, made once per ktstr-boot run. */
struct accel {
	bool decided;
	bool kvm;
	bool tcg_multi;		/* QEMU >= 8.1 */
	const char *bios;	/* -bios FILE, or NULL for QEMU's default */
	char why[160];
};
void accel_decide(struct accel *a, const struct boot_opts *o, const char *kernel_image);

/* mkdir -p; 0 or -1 with errno. */
int boot_mkdir_p(const char *path);


#endif
