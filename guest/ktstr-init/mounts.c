/*
 * The filesystems PID 1 needs. proc, sys, dev and /tmp come first (the event
 * port and the job need them); the rest, whose mounts are slow under TCG
 * (cgroup2 alone takes 10-25 ms), are mounted by a child while init reads the
 * job and the topology, and mount_late_wait() joins it before anything uses them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

struct mount_entry {
	const char *src, *dir, *type;
	unsigned long flags;
	const char *data;
	bool optional;		/* a kernel without it (ENODEV) still runs scenarios */
};

static const struct mount_entry early_mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL, false },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, NULL, false },
};

/*
 * favordynmods: moving a task between cgroups (every worker start, every
 * move_all_tasks op) then takes no RCU grace period.
 */
static const struct mount_entry late_mounts[] = {
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "favordynmods", false },
	{ "debugfs", "/sys/kernel/debug", "debugfs", 0, NULL, true },
	{ "tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL, true },
	{ "bpf", "/sys/fs/bpf", "bpf", 0, NULL, true },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, NULL, true },
};

/* Mount one entry; 0, or -1 with the message in msg. */
static int mount_one(const struct mount_entry *m, char *msg, size_t len)
{
	mkdir(m->dir, 0755);
	if (mount(m->src, m->dir, m->type, m->flags, m->data) == 0 || errno == EBUSY)
		return 0;
	/* a kernel older than the option (6.0): mount without it */
	if (errno == EINVAL && m->data && mount(m->src, m->dir, m->type, m->flags, NULL) == 0)
		return 0;
	if (m->optional && errno == ENODEV)
		return 0;
	strfmt(msg, len, "mount %s on %s: %s", m->type, m->dir, strerror(errno));
	return -1;
}

/* Failures are queued as messages: the event port needs /sys and /dev first. */
void mount_early(json_t *failures)
{
	char msg[256];

	for (size_t i = 0; i < sizeof(early_mounts) / sizeof(early_mounts[0]); i++)
		if (mount_one(&early_mounts[i], msg, sizeof(msg)) < 0)
			json_array_append_new(failures, json_string(msg));
	symlink("/proc/self/fd", "/dev/fd");
	symlink("/proc/self/fd/0", "/dev/stdin");
	symlink("/proc/self/fd/1", "/dev/stdout");
	symlink("/proc/self/fd/2", "/dev/stderr");
}

/* Mount the late entries; each failure is one line on fd (or into failures when fd < 0). */
static void mount_late_entries(int fd, json_t *failures)
{
	char msg[256];

	for (size_t i = 0; i < sizeof(late_mounts) / sizeof(late_mounts[0]); i++) {
		if (mount_one(&late_mounts[i], msg, sizeof(msg)) == 0)
			continue;
		if (fd < 0) {
			json_array_append_new(failures, json_string(msg));
			continue;
		}
		strfmt(msg + strlen(msg), sizeof(msg) - strlen(msg), "\n");
		if (write_all(fd, msg, strlen(msg)) < 0)
			break;
	}
}

void mount_late_start(struct late_mounts *lm)
{
	int p[2] = { -1, -1 };

	lm->pid = -1;
	lm->fd = -1;
	lm->failures = json_array();
	if (pipe2(p, O_CLOEXEC) == 0 && (lm->pid = fork()) == 0) {
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);	/* init's crash handlers must not power the VM off */
		close(p[0]);
		mount_late_entries(p[1], NULL);
		_exit(0);
	}
	if (lm->pid > 0) {
		close(p[1]);
		lm->fd = p[0];
		return;
	}
	if (p[0] >= 0) {	/* no child: mount them here */
		close(p[0]);
		close(p[1]);
	}
	lm->pid = -1;
	mount_late_entries(-1, lm->failures);
}

void mount_late_wait(struct late_mounts *lm, json_t *failures)
{
	char buf[2048], *line, *save = NULL;
	size_t len = 0;
	ssize_t n;
	size_t i;
	json_t *msg;

	if (lm->fd >= 0) {	/* EOF: the child is done (its end closes when it exits) */
		while (len < sizeof(buf) - 1 &&
		       ((n = read(lm->fd, buf + len, sizeof(buf) - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
			len += n > 0 ? (size_t)n : 0;
		buf[len] = '\0';
		close(lm->fd);
		lm->fd = -1;
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			json_array_append_new(failures, json_string(line));
	}
	if (lm->pid > 0)
		while (waitpid(lm->pid, NULL, 0) < 0 && errno == EINTR)
			;
	lm->pid = -1;
	json_array_foreach(lm->failures, i, msg)
		json_array_append(failures, msg);
	json_array_clear(lm->failures);
}

void mount_late_free(struct late_mounts *lm)
{
	json_decref(lm->failures);
	lm->failures = NULL;
}
