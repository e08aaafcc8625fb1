/* Shell mode (busybox sh -c, or an interactive shell on the console) and calibrate mode. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

static int wait_exit_code(pid_t pid, int *sig)
{
	int st;

	*sig = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFSIGNALED(st)) {
		*sig = WTERMSIG(st);
		return 128 + *sig;
	}
	return WEXITSTATUS(st);
}

#define BUSYBOX "/bin/busybox"

/*
 * The applet links: `busybox --install -s /bin` takes 20-40 ms under TCG, so
 * it runs beside the command instead of before it. The command does not need
 * them: busybox sh runs its applets itself (busybox-static has
 * FEATURE_SH_STANDALONE and FEATURE_PREFER_APPLETS: `cat`, `ls`, `env ls`,
 * `xargs echo` all work with no /bin/cat); /bin/sh, which #! scripts and
 * system() need, is made first. Returns the installer's pid, or -1.
 */
static pid_t start_busybox_install(struct events *ev)
{
	pid_t pid;

	if (access(BUSYBOX, X_OK) < 0) {
		events_error(ev, BUSYBOX " is missing from the initramfs (install busybox-static)");
		return -1;
	}
	if (symlink(BUSYBOX, "/bin/sh") < 0 && errno != EEXIST)
		events_error(ev, "symlink /bin/sh: %s", strerror(errno));
	if (access("/bin/ls", F_OK) == 0)
		return -1;	/* the initramfs has the links already */
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);	/* the console belongs to an interactive shell */
		execl(BUSYBOX, "busybox", "--install", "-s", "/bin", (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		events_error(ev, "fork: %s", strerror(errno));
	return pid;
}

/* Wait for the installer when block, else only note it if it is done; report a failure. */
static void finish_busybox_install(struct events *ev, pid_t pid, bool block)
{
	int st;
	pid_t r;

	if (pid <= 0)
		return;
	while ((r = waitpid(pid, &st, block ? 0 : WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == pid && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		events_error(ev, "busybox --install -s /bin failed");
}

/* Bytes of buf[0..len) that end on a whole UTF-8 character; the rest waits for more. */
static size_t utf8_whole(const char *buf, size_t len)
{
	for (size_t back = 1; back <= 3 && back <= len; back++) {
		unsigned char c = (unsigned char)buf[len - back];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

		if ((c & 0xc0) == 0x80)
			continue;	/* a continuation byte: look further back */
		return need > back ? len - back : len;
	}
	return len;
}

struct stream {
	int fd;
	const char *name;
	char buf[4096 + 4];
	size_t held;
};

/* Read once and send what is whole as an output event; false at EOF. */
static bool pump(struct events *ev, struct stream *s)
{
	ssize_t n = read(s->fd, s->buf + s->held, 4096);
	size_t len, whole;

	if (n < 0 && errno == EINTR)
		return true;
	len = s->held + (n > 0 ? (size_t)n : 0);
	whole = n > 0 ? utf8_whole(s->buf, len) : len;	/* at EOF flush everything */
	if (whole)
		events_emit(ev, json_pack("{s:s, s:s, s:o}", "type", "output", "stream", s->name,
					  "data", json_bytes(s->buf, whole)));
	memmove(s->buf, s->buf + whole, len - whole);
	s->held = len - whole;
	return n > 0;
}

static pid_t spawn_sh_c(const char *cmd, int out_w, int err_w)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setsid();
		dup2(null, 0);
		dup2(out_w, 1);
		dup2(err_w, 2);
		execl(BUSYBOX, "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Forward output until both pipes close, or the shell is gone and they stay quiet. */
static void forward_output(struct events *ev, struct stream *s, pid_t pid)
{
	bool open_[2] = { true, true }, exited = false;

	while (open_[0] || open_[1]) {
		struct pollfd pfd[2] = { { open_[0] ? s[0].fd : -1, POLLIN, 0 },
					 { open_[1] ? s[1].fd : -1, POLLIN, 0 } };
		int n = poll(pfd, 2, 100);

		if (n == 0 && exited)
			break;	/* a background child holds the pipe: stop waiting */
		if (n == 0) {
			siginfo_t si = { .si_pid = 0 };

			/* WNOWAIT: the status stays for wait_exit_code() */
			exited = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
				 si.si_pid == pid;
		}
		for (int i = 0; i < 2 && n > 0; i++)
			if (pfd[i].revents && !pump(ev, &s[i]))
				open_[i] = false;
	}
}

static int run_command(struct events *ev, const char *cmd)
{
	int out[2], errp[2], code, sig;
	struct stream s[2] = { { .name = "stdout" }, { .name = "stderr" } };
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		events_error(ev, "pipe: %s", strerror(errno));
		return 1;
	}
	pid = spawn_sh_c(cmd, out[1], errp[1]);
	close(out[1]);
	close(errp[1]);
	s[0].fd = out[0];
	s[1].fd = errp[0];
	if (pid < 0) {
		events_error(ev, "fork: %s", strerror(errno));
		code = 1;
	} else {
		forward_output(ev, s, pid);
		code = wait_exit_code(pid, &sig);
		events_emit(ev, sig ? json_pack("{s:s, s:i, s:i}", "type", "exec", "status", code, "signal", sig)
				    : json_pack("{s:s, s:i}", "type", "exec", "status", code));
	}
	close(out[0]);
	close(errp[0]);
	return code;
}

/* busybox sh on the console with job control: its own session, the console as ctty. */
static int run_interactive(struct events *ev)
{
	pid_t pid = fork();
	int sig;

	if (pid == 0) {
		int fd;

		setsid();
		fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			ioctl(fd, TIOCSCTTY, 1);
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		execl("/bin/sh", "-sh", (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		events_error(ev, "fork: %s", strerror(errno));
		return 1;
	}
	wait_exit_code(pid, &sig);
	return 0;
}

int run_shell(struct events *ev, json_t *job)
{
	json_t *cmd = json_object_get(job, "exec");
	pid_t installer;
	int code;

	if (cmd && !json_is_string(cmd)) {
		events_error(ev, "job.exec: expected a string");
		return 1;
	}
	installer = start_busybox_install(ev);
	if (!cmd) {
		finish_busybox_install(ev, installer, true);
		return run_interactive(ev);
	}
	code = run_command(ev, json_string_value(cmd));
	finish_busybox_install(ev, installer, false);	/* power-off ends it if it still runs */
	return code;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = write_all(fd, text, strlen(text));
	close(fd);
	return rc;
}

/* Copy /proc/kallsyms (with real addresses) to the ktstr.kallsyms port. */
int run_calibrate(struct events *ev)
{
	char path[128], buf[65536];
	int in, out;
	long total = 0;
	ssize_t n;

	if (write_text("/proc/sys/kernel/kptr_restrict", "0") < 0)
		events_error(ev, "kptr_restrict: %s", strerror(errno));
	if (virtio_port_path("ktstr.kallsyms", path, sizeof(path)) < 0 ||
	    (out = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
		events_error(ev, "no ktstr.kallsyms virtio port");
		return 1;
	}
	in = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	while (in >= 0 && (n = read(in, buf, sizeof(buf))) > 0 && write_all(out, buf, (size_t)n) == 0)
		total += n;
	if (in < 0)
		events_error(ev, "/proc/kallsyms: %s", strerror(errno));
	else
		close(in);
	close(out);
	ev->bytes += (uint64_t)total;	/* bulk: power-off lets QEMU drain it */
	events_emit(ev, json_pack("{s:s, s:I}", "type", "calibrate", "kallsyms_bytes", (json_int_t)total));
	return in < 0 || total == 0;
}
