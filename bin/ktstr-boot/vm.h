/* One VM: its channels, timers and the records it produces. */
#ifndef KTSTR_BOOT_VM_H
#define KTSTR_BOOT_VM_H

#include <stdbool.h>
#include <sys/types.h>

#include "boot.h"
#include "initramfs.h"

/* Console records per VM, and lines kept after a panic/oops line. */
#define CONSOLE_RECORDS_MAX 200
#define CONSOLE_CONTEXT_LINES 30

struct vm {
	struct job job;
	pid_t pid;
	int status;			/* from waitpid once exited */
	bool exited;
	int con_fd, ev_fd, ks_fd, err_fd;	/* host ends; -1 when closed */
	struct linebuf con_lb, ev_lb, err_lb;
	int log_fd;
	char *log_path;
	char *qmp_path;			/* its QMP socket (in the private folder), or NULL */
	int ks_out_fd;			/* unnamed file in kernel.dir */
	unsigned long long ks_bytes;
	json_t *memory;			/* [{node, fd, size_mb}] for the records */
	long long t_start, stop_at, kill_at;	/* monotonic ms; 0 = none */
	long long crowd_ms;		/* VMs running (itself too) summed over its ms */
	long long crowd_span_ms;	/* the ms summed so far */
	long long timeout_ms;		/* the hard limit, TCG-scaled; 0 = none */
	bool stop_sent, timed_out, killed, saw_panic, qemu_complained;
	bool interactive;
	bool guest_spoke;		/* any console or event bytes */
	unsigned console_records, context_left;
	char *qemu_error;		/* first qemu stderr line */
	const char *boot_file;		/* -kernel: the bzImage or, for PVH, the ELF */
	const char *boot_kind;		/* "bzimage" or "pvh" */
	long long initrd_ms;		/* building base (first job) + job part */
	off_t initrd_bytes;
};

/* What every VM shares. */
struct vm_env {
	struct boot_opts *o;
	struct accel accel;
	struct initramfs_base base;
	bool base_ready;
	unsigned vms_started;		/* names the QMP sockets */
	int parent_fd;			/* lifeline_pidfd(), or -1 */
};

/* The kernel is there, the accelerator decided and the -kernel file picked; -1 with err. */
int vm_prepare(const struct job *j, struct vm_env *env, const char **boot_file,
	       const char **boot_kind, char *err, size_t errlen);
/*
 * Start the job's VM; writes the "started" record. On failure writes
 * nothing and returns -1 with a message in err.
 */
int vm_start(struct vm *vm, struct vm_env *env, char *err, size_t errlen);
bool vm_owns_fd(const struct vm *vm, int fd);
/* The job's initramfs as a memfd (base made or found on first use). */
int vm_initrd(struct vm_env *env, const struct job *j, long long *ms, char *err, size_t errlen);
/* Read whatever fd (one of the vm's: check vm_owns_fd) has. */
void vm_on_input(struct vm *vm, int fd, const struct boot_opts *o);
/* Timers: stop request, then kill. Returns the next deadline or 0. */
long long vm_tick(struct vm *vm, long long now);
/* Kill the group (reason "killed" unless it already timed out). */
void vm_kill(struct vm *vm);
/*
 * After waitpid: drain channels, classify, write the "exited" record.
 * Returns the reason ("poweroff", "panic", ...).
 */
const char *vm_finish(struct vm *vm, const struct boot_opts *o);
void vm_free(struct vm *vm);

/* The "exited" record for a job that never got a VM (reason "error"). */
void vm_report_error(const struct job *j, const char *msg, const struct boot_opts *o);

/* dryrun.c: --dry-run: the job's QEMU command line on stdout instead of a VM; -1 with err. */
int dryrun_print(struct vm_env *env, const struct job *j, char *err, size_t errlen);

/* relay.c */
void relay_console_bytes(struct vm *vm, const char *data, size_t n, const struct boot_opts *o);
void relay_event_bytes(struct vm *vm, const char *data, size_t n, const struct boot_opts *o);
void relay_stderr_bytes(struct vm *vm, const char *data, size_t n, const struct boot_opts *o);
void relay_flush(struct vm *vm, const struct boot_opts *o);
/* A copy of s with invalid UTF-8 and control characters replaced by '?'. */
char *relay_clean_text(const char *s, size_t n);

#endif
