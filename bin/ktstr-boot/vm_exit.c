/* How a VM ended: drain its channels, classify, store kallsyms, report. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ndjson.h"
#include "paths.h"
#include "spawn.h"
#include "vm.h"

/* After qemu is gone every channel ends in EOF; read up to it. */
static void drain(struct vm *vm, const struct boot_opts *o)
{
	int *fds[] = { &vm->con_fd, &vm->ev_fd, &vm->ks_fd, &vm->err_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		int guard = 100000;	/* 6 GB at 64 KB a read: never a spin */

		while (*fds[i] >= 0 && guard--) {
			int fd = *fds[i];

			fcntl(fd, F_SETFL, 0);	/* blocking: the writer has exited */
			vm_on_input(vm, fd, o);
		}
	}
	relay_flush(vm, o);
}

struct outcome {
	const char *reason;
	json_t *exit_code;	/* guest debug-exit code or null */
	char message[256];
};

static void classify(const struct vm *vm, struct outcome *out)
{
	int st = vm->status;
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;

	out->exit_code = json_null();
	out->message[0] = '\0';
	/*
	 * qemu exits (code << 1) | 1 on isa-debug-exit, and 1 on its own
	 * errors, which come before the guest ever says anything. A panic
	 * exits 0 (panic=-1 -no-reboot).
	 */
	if (code > 0 && (code & 1) && !(code == 1 && (vm->qemu_complained || !vm->guest_spoke)))
		out->exit_code = json_integer(code >> 1);
	if (vm->killed) {
		out->reason = "killed";
		snprintf(out->message, sizeof(out->message), "killed by ktstr-boot (signal)");
	} else if (vm->saw_panic) {
		out->reason = "panic";
	} else if (vm->timed_out) {
		out->reason = "timeout";
		snprintf(out->message, sizeof(out->message),
			 "no exit after %lld ms; killed", vm->timeout_ms);
	} else if (vm->stop_sent && WIFEXITED(st)) {
		out->reason = "timeout";
		snprintf(out->message, sizeof(out->message),
			 "guest stopped on the host's stop request (deadline near)");
	} else if (WIFSIGNALED(st)) {
		out->reason = "killed";
		snprintf(out->message, sizeof(out->message), "qemu killed by signal %d",
			 WTERMSIG(st));
	} else if (code == 0 || !json_is_null(out->exit_code)) {
		out->reason = "poweroff";
	} else {
		out->reason = "error";
		snprintf(out->message, sizeof(out->message), "qemu exited %d%s%s", code,
			 vm->qemu_error ? ": " : "", vm->qemu_error ? vm->qemu_error : "");
	}
}

/*
 * Whether the capture's first lines show real addresses: with kptr_restrict
 * in force every one is zero. (Kernels with zero-based per-CPU symbols, such
 * as 6.12, start with a few true zeros.)
 */
static bool kallsyms_real(int fd)
{
	char head[4097];
	ssize_t n = pread(fd, head, sizeof(head) - 1, 0);

	if (n < 17)
		return false;
	head[n] = '\0';
	for (char *line = head; line && line + 16 <= head + n;) {
		if (strspn(line, "0") < 16)
			return true;
		if ((line = strchr(line, '\n')))
			line++;
	}
	return false;
}

/* Only a whole, real capture becomes <kernel.dir>/kallsyms (link + rename). */
static void store_kallsyms(struct vm *vm, const struct outcome *out)
{
	char proc[64], *tmp, *final;
	bool ok;

	if (vm->ks_out_fd < 0)
		return;
	ok = !strcmp(out->reason, "poweroff") && json_integer_value(out->exit_code) == 0 &&
	     !json_is_null(out->exit_code) && vm->ks_bytes > 4096 && kallsyms_real(vm->ks_out_fd);
	if (!ok) {
		warnmsg("job %s: no usable kallsyms from the guest (%llu bytes, %s)",
			vm->job.id, vm->ks_bytes, out->reason);
		return;
	}
	final = paths_join(vm->job.kernel_dir, "kallsyms");
	tmp = xmalloc(strlen(final) + 32);
	sprintf(tmp, "%s.tmp.%d", final, (int)getpid());
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", vm->ks_out_fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0 ||
	    rename(tmp, final) < 0) {
		warnmsg("job %s: storing %s: %s", vm->job.id, final, strerror(errno));
		unlink(tmp);
	} else if (vm->job.internal || getenv("KTSTR_VERBOSE")) {
		warnmsg("stored %s (%llu bytes)", final, vm->ks_bytes);
	}
	free(tmp);
	free(final);
}

static json_t *qemu_status_json(int st)
{
	return WIFEXITED(st) ? json_integer(WEXITSTATUS(st)) : json_null();
}

const char *vm_finish(struct vm *vm, const struct boot_opts *o)
{
	struct outcome out;
	long long now = spawn_now_ms();
	json_t *rec;

	drain(vm, o);
	classify(vm, &out);
	store_kallsyms(vm, &out);
	rec = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:I,s:I}", "type", "vm", "job", vm->job.id,
			"phase", "exited", "reason", out.reason, "exit_code", out.exit_code,
			"qemu_status", qemu_status_json(vm->status),
			"wall_ms", now - vm->t_start, "t_ms", now - o->t0_ms);
	if (WIFSIGNALED(vm->status))
		json_object_set_new(rec, "qemu_signal", json_integer(WTERMSIG(vm->status)));
	if (vm->crowd_span_ms > 0)	/* on average over its life, to a tenth */
		json_object_set_new(rec, "vms_at_once",
				    json_real((double)((10 * vm->crowd_ms + vm->crowd_span_ms / 2) /
						       vm->crowd_span_ms) / 10));
	json_object_set_new(rec, "console_log", vm->interactive ? json_null()
							   : json_string(vm->log_path));
	if (out.message[0])
		json_object_set_new(rec, "message", json_string(out.message));
	if (!vm->job.internal)
		ndjson_write(stdout, rec);
	if (o->verbose || !strcmp(out.reason, "error"))
		warnmsg("job %s: %s after %lld ms%s%s", vm->job.id, out.reason,
			now - vm->t_start, out.message[0] ? ": " : "", out.message);
	json_decref(rec);
	return out.reason;
}

void vm_free(struct vm *vm)
{
	int *fds[] = { &vm->con_fd, &vm->ev_fd, &vm->ks_fd, &vm->err_fd,
		       &vm->log_fd, &vm->ks_out_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	linebuf_free(&vm->con_lb);
	linebuf_free(&vm->ev_lb);
	linebuf_free(&vm->err_lb);
	json_decref(vm->memory);
	free(vm->log_path);
	if (vm->qmp_path)
		unlink(vm->qmp_path);	/* qemu removes it on a clean exit, not when killed */
	free(vm->qmp_path);
	free(vm->qemu_error);
	job_free(&vm->job);
	free(vm);
}

void vm_report_error(const struct job *j, const char *msg, const struct boot_opts *o)
{
	json_t *rec = json_pack("{s:s,s:s,s:s,s:s,s:n,s:n,s:i,s:n,s:s,s:I}", "type", "vm",
				"job", j->id, "phase", "exited", "reason", "error",
				"exit_code", "qemu_status", "wall_ms", 0, "console_log",
				"message", msg, "t_ms", spawn_now_ms() - o->t0_ms);

	warnmsg("job %s: %s", j->id, msg);
	if (!j->internal)
		ndjson_write(stdout, rec);
	json_decref(rec);
}
