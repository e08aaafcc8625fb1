/* The qemu command line of one VM. */
#ifndef KTSTR_BOOT_QEMU_H
#define KTSTR_BOOT_QEMU_H

#include <stdbool.h>

#include "boot.h"

#define QEMU_MAX_NODES 64

/* The fds the VM uses; numbers are the same in the qemu process. */
struct qemu_fds {
	int initrd;
	int mem[QEMU_MAX_NODES];	/* one unlinked tmpfs file per NUMA node */
	unsigned nmem;
	int console;			/* -1: interactive, ttyS0 on qemu's stdio */
	int events;
	int kallsyms;			/* -1 unless calibrate mode */
	const char *qmp_path;		/* QMP socket qemu listens on, or NULL */
};

/*
 * The kernel command line ktstr-boot always sets (before job.cmdline).
 * sysrq_always_enabled: SysRq-D (sched_ext's dump) from the host's keyboard,
 * whatever sysrq mask the kernel was built with.
 * cryptomgr.notests: the crypto self-tests check no code a test uses; under TCG
 * they cost seconds of boot and their threads compete with init for the vCPUs.
 * init_on_alloc=0: a throwaway guest need not zero every page it allocates,
 * emulated work under TCG. initcall_blacklist: the built-in X.509 keyring and
 * the encrypted-keys type are for module signatures and disk keys, which no
 * test uses; they took about 0.3 s of a TCG boot (with init_on_alloc, about
 * 0.5 s of a 6.9 s run of steady on 8 vCPUs).
 */
#define KERNEL_CMDLINE_BASE \
	"console=ttyS0 quiet loglevel=4 panic=-1 nokaslr rdinit=/init " \
	"mitigations=off tsc=reliable no_timer_check i8042.noaux i8042.nomux " \
	"i8042.nopnp i8042.dumbkbd sysrq_always_enabled cryptomgr.notests init_on_alloc=0 " \
	"initcall_blacklist=load_system_certificate_list,init_encrypted"

/* NULL-terminated, malloc'd; free with qemu_argv_free(). kernel: the -kernel file. */
char **qemu_argv(const struct boot_opts *o, const struct accel *a, const struct job *j,
		 const char *kernel, const struct qemu_fds *fds);
void qemu_argv_free(char **argv);
/* The argv as one line the shell reads back as the same words (--verbose, --dry-run). */
char *qemu_argv_join(char *const *argv);

#endif
