/* Start one VM, watch it, and say how it ended. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boot_image.h"
#include "die.h"
#include "lifeline.h"
#include "ndjson.h"
#include "paths.h"
#include "privdir.h"
#include "qemu.h"
#include "spawn.h"
#include "vm.h"

/* Both ends O_CLOEXEC (the child clears it on its own end); ours non-blocking. */
static int channel(int *host, int *guest)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	*host = sv[0];
	*guest = sv[1];
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Guest RAM: unnamed tmpfs files, readable by others via /proc/<pid>/fd/N. */
static int open_memory(struct vm *vm, struct qemu_fds *f, char *err, size_t errlen)
{
	unsigned nodes = vm->job.topo.numa_nodes;
	unsigned long long node_mb = vm->job.topo.memory_mb / nodes;

	if (nodes > QEMU_MAX_NODES) {
		snprintf(err, errlen, "%u NUMA nodes: at most %d", nodes, QEMU_MAX_NODES);
		return -1;
	}
	vm->memory = json_array();
	for (unsigned i = 0; i < nodes; i++) {
		int fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

		if (fd < 0 || ftruncate(fd, (off_t)(node_mb << 20)) < 0) {
			snprintf(err, errlen, "guest memory in /dev/shm: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		f->mem[f->nmem++] = fd;
		json_array_append_new(vm->memory, json_pack("{s:I,s:I,s:I}", "node", (json_int_t)i,
							     "fd", (json_int_t)fd, "size_mb", (json_int_t)node_mb));
	}
	return 0;
}

static char *default_run_dir(void)
{
	char *runs = paths_runs_dir(), name[64], *dir;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);	/* the same form as bin/ktstr's run dirs */
	strftime(name, sizeof(name), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(name + strlen(name), sizeof(name) - strlen(name), "-%d", (int)getpid());
	dir = paths_join(runs, name);
	free(runs);
	return dir;
}

static int open_log(struct vm *vm, struct boot_opts *o, char *err, size_t errlen)
{
	char name[200];

	if (!o->run_dir)
		o->run_dir = default_run_dir();
	if (!o->run_dir_made) {
		if (boot_mkdir_p(o->run_dir) < 0) {
			snprintf(err, errlen, "run dir %s: %s", o->run_dir, strerror(errno));
			return -1;
		}
		o->run_dir_made = true;
	}
	snprintf(name, sizeof(name), "%s.console.log", vm->job.id);
	vm->log_path = paths_join(o->run_dir, name);
	vm->log_fd = open(vm->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (vm->log_fd < 0) {
		snprintf(err, errlen, "%s: %s", vm->log_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Shell mode without a command gets the user's terminal as ttyS0. */
static int open_terminal(const struct job *j, const struct boot_opts *o)
{
	int fd;

	if (j->mode != MODE_SHELL || j->exec)
		return -1;
	if (!o->interactive) {
		warnmsg("job %s: shell mode without exec: the console goes to the log "
			"(--interactive gives it this terminal)", j->id);
		return -1;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		warnmsg("job %s: shell mode without exec but no terminal (%s): "
			"the console goes to the log only", j->id, strerror(errno));
	return fd;
}

static int needs_kallsyms_port(const struct job *j)
{
	return j->mode == MODE_CALIBRATE && j->kernel_dir;
}

static int open_channels(struct vm *vm, struct qemu_fds *f, int tty, int *errpipe,
			 char *err, size_t errlen)
{
	int p[2];

	f->console = f->events = f->kallsyms = -1;
	if ((tty < 0 && channel(&vm->con_fd, &f->console) < 0) ||
	    channel(&vm->ev_fd, &f->events) < 0 ||
	    (needs_kallsyms_port(&vm->job) && channel(&vm->ks_fd, &f->kallsyms) < 0) ||
	    pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	vm->err_fd = p[0];
	*errpipe = p[1];
	if (needs_kallsyms_port(&vm->job)) {
		vm->ks_out_fd = open(vm->job.kernel_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
		if (vm->ks_out_fd < 0) {
			snprintf(err, errlen, "kernel.dir %s: %s", vm->job.kernel_dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The QMP socket's path: short, since a unix socket path has at most 107 bytes. */
static int qmp_socket_path(struct vm *vm, struct vm_env *env, struct qemu_fds *f,
			   char *err, size_t errlen)
{
	const char *dir = privdir_get(err, errlen);
	char name[32];

	if (!dir)
		return -1;
	snprintf(name, sizeof(name), "vm%u.qmp", ++env->vms_started);
	vm->qmp_path = paths_join(dir, name);
	if (strlen(vm->qmp_path) > 107) {
		snprintf(err, errlen, "QMP socket path %s: longer than a unix socket allows "
			 "(set XDG_RUNTIME_DIR or TMPDIR to a shorter folder)", vm->qmp_path);
		return -1;
	}
	f->qmp_path = vm->qmp_path;
	return 0;
}

static void set_timers(struct vm *vm, const struct accel *a)
{
	long long hard = (long long)vm->job.timeout_s * 1000 * (a->kvm ? 1 : TCG_TIMEOUT_SCALE);
	long long grace = hard / 2 < STOP_GRACE_MS ? hard / 2 : STOP_GRACE_MS;

	vm->t_start = spawn_now_ms();
	if (vm->interactive && !vm->job.timeout_explicit)
		return;		/* a user's shell has no deadline unless asked */
	vm->timeout_ms = hard;
	vm->stop_at = vm->t_start + hard - grace;
	vm->kill_at = vm->t_start + hard;
}

static void close_qemu_fds(struct qemu_fds *f)
{
	close_fd(&f->initrd);
	for (unsigned i = 0; i < f->nmem; i++)
		close_fd(&f->mem[i]);
	f->nmem = 0;
	close_fd(&f->console);
	close_fd(&f->events);
	close_fd(&f->kallsyms);
}

static int launch(struct vm *vm, struct vm_env *env, struct qemu_fds *f, int tty,
		  int errpipe, char *err, size_t errlen)
{
	int keep[QEMU_MAX_NODES + 4];
	size_t nkeep = 0;
	struct spawn_opts so = {
		.stdin_fd = tty, .stdout_fd = tty >= 0 ? tty : errpipe, .stderr_fd = errpipe,
		.own_pgrp = tty < 0,	/* an interactive qemu stays in the terminal's group */
		.die_with_parent = true,
	};
	char **argv;

	/* getting here can take seconds (QEMU's facts, the initramfs): no VM for a script gone */
	if (lifeline_gone(env->parent_fd))
		die(EXIT_INCONCLUSIVE, "the script that started us is gone; stopping the VMs");
	argv = qemu_argv(env->o, &env->accel, &vm->job, vm->boot_file, f);

	keep[nkeep++] = f->initrd;
	for (unsigned i = 0; i < f->nmem; i++)
		keep[nkeep++] = f->mem[i];
	keep[nkeep++] = f->events;
	if (f->console >= 0)
		keep[nkeep++] = f->console;
	if (f->kallsyms >= 0)
		keep[nkeep++] = f->kallsyms;
	so.keep_fds = keep;
	so.nkeep = nkeep;
	if (env->o->verbose) {
		char *line = qemu_argv_join(argv);

		warnmsg("job %s: %s", vm->job.id, line);
		free(line);
	}
	set_timers(vm, &env->accel);
	vm->pid = spawn_start(argv, &so);
	if (vm->pid < 0)
		snprintf(err, errlen, "cannot run %s: %s", env->o->qemu, strerror(errno));
	qemu_argv_free(argv);
	return vm->pid < 0 ? -1 : 0;
}

static void write_started(struct vm *vm, const struct vm_env *env)
{
	json_t *rec = json_pack("{s:s,s:s,s:s,s:I,s:s,s:O,s:I,s:I}", "type", "vm",
				"job", vm->job.id, "phase", "started", "pid", (json_int_t)vm->pid,
				"accel", env->accel.kvm ? "kvm" : "tcg", "memory", vm->memory,
				"timeout_ms", vm->timeout_ms,
				"t_ms", vm->t_start - env->o->t0_ms);

	json_object_set_new(rec, "console_log", vm->interactive ? json_null()
							   : json_string(vm->log_path));
	json_object_set_new(rec, "qmp", vm->qmp_path ? json_string(vm->qmp_path) : json_null());
	json_object_set_new(rec, "boot", json_string(vm->boot_kind));
	json_object_set_new(rec, "initramfs_bytes", json_integer(vm->initrd_bytes));
	json_object_set_new(rec, "initramfs_ms", json_integer(vm->initrd_ms));
	if (!vm->job.internal)
		ndjson_write(stdout, rec);
	json_decref(rec);
}

int vm_prepare(const struct job *j, struct vm_env *env, const char **boot_file,
	       const char **boot_kind, char *err, size_t errlen)
{
	if (access(j->kernel_image, R_OK) < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "kernel image %s not found: run 'ktstr kernel fetch'",
				 j->kernel_image);
		else
			snprintf(err, errlen, "kernel image %s: %s", j->kernel_image,
				 strerror(errno));
		return -1;
	}
	accel_decide(&env->accel, env->o, j->kernel_image);
	return boot_image_pick(j, env->o->boot, boot_file, boot_kind, err, errlen);
}

int vm_initrd(struct vm_env *env, const struct job *j, long long *ms, char *err, size_t errlen)
{
	long long t0 = spawn_now_ms();
	int fd;

	if (!env->base_ready) {
		if (initramfs_base_get(&env->base, env->o->cache_dir, err, errlen) < 0)
			return -1;
		env->base_ready = true;
	}
	fd = initramfs_for_job(&env->base, j, err, errlen);
	*ms = spawn_now_ms() - t0;
	return fd;
}

int vm_start(struct vm *vm, struct vm_env *env, char *err, size_t errlen)
{
	struct qemu_fds f = { .initrd = -1, .console = -1, .events = -1, .kallsyms = -1 };
	int tty = -1, errpipe = -1, rc = -1;

	vm->pid = -1;
	vm->con_fd = vm->ev_fd = vm->ks_fd = vm->err_fd = vm->log_fd = vm->ks_out_fd = -1;
	if (vm_prepare(&vm->job, env, &vm->boot_file, &vm->boot_kind, err, errlen) < 0)
		return -1;
	tty = open_terminal(&vm->job, env->o);
	vm->interactive = tty >= 0;
	f.initrd = vm_initrd(env, &vm->job, &vm->initrd_ms, err, errlen);
	if (f.initrd >= 0)
		vm->initrd_bytes = lseek(f.initrd, 0, SEEK_END);
	if (f.initrd >= 0 && open_memory(vm, &f, err, errlen) == 0 &&
	    open_log(vm, env->o, err, errlen) == 0 &&
	    open_channels(vm, &f, tty, &errpipe, err, errlen) == 0 &&
	    qmp_socket_path(vm, env, &f, err, errlen) == 0 &&
	    launch(vm, env, &f, tty, errpipe, err, errlen) == 0)
		rc = 0;
	close_qemu_fds(&f);	/* qemu has its own copies now */
	close_fd(&errpipe);
	close_fd(&tty);
	if (rc == 0)
		write_started(vm, env);
	return rc;
}

bool vm_owns_fd(const struct vm *vm, int fd)
{
	return fd >= 0 && (fd == vm->con_fd || fd == vm->ev_fd || fd == vm->ks_fd ||
			   fd == vm->err_fd);
}

void vm_on_input(struct vm *vm, int fd, const struct boot_opts *o)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {	/* EOF: qemu closed it (exit) */
		if (fd == vm->con_fd)
			close_fd(&vm->con_fd);
		else if (fd == vm->ev_fd)
			close_fd(&vm->ev_fd);
		else if (fd == vm->ks_fd)
			close_fd(&vm->ks_fd);
		else if (fd == vm->err_fd)
			close_fd(&vm->err_fd);
		return;
	}
	if (fd == vm->con_fd)
		relay_console_bytes(vm, buf, (size_t)n, o);
	else if (fd == vm->ev_fd)
		relay_event_bytes(vm, buf, (size_t)n, o);
	else if (fd == vm->err_fd)
		relay_stderr_bytes(vm, buf, (size_t)n, o);
	else if (fd == vm->ks_fd && vm->ks_out_fd >= 0) {
		if (write(vm->ks_out_fd, buf, (size_t)n) != n) {
			warnmsg("job %s: writing kallsyms: %s", vm->job.id, strerror(errno));
			close_fd(&vm->ks_out_fd);
		}
		vm->ks_bytes += (unsigned long long)n;
	}
}

long long vm_tick(struct vm *vm, long long now)
{
	static const char stop[] = "{\"type\":\"stop\"}\n";

	if (vm->exited)
		return 0;
	if (vm->stop_at && now >= vm->stop_at) {
		vm->stop_at = 0;
		vm->stop_sent = true;
		if (vm->ev_fd >= 0 && write(vm->ev_fd, stop, sizeof(stop) - 1) < 0)
			warnmsg("job %s: stop request: %s", vm->job.id, strerror(errno));
	}
	if (vm->kill_at && now >= vm->kill_at) {
		vm->kill_at = 0;
		vm->timed_out = true;
		spawn_kill_group(vm->pid, SIGKILL);
	}
	if (vm->stop_at)
		return vm->stop_at;
	return vm->kill_at;
}

void vm_kill(struct vm *vm)
{
	if (vm->exited || vm->pid <= 0)
		return;
	if (!vm->timed_out)
		vm->killed = true;
	if (vm->interactive)
		kill(vm->pid, SIGKILL);
	else
		spawn_kill_group(vm->pid, SIGKILL);
}
