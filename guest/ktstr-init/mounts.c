/* The filesystems PID 1 needs before anything else. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"

struct mount_entry {
	const char *src, *dir, *type;
	unsigned long flags;
	bool optional;		/* a kernel without it (ENODEV) still runs scenarios */
};

static const struct mount_entry mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, false },
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
	{ "debugfs", "/sys/kernel/debug", "debugfs", 0, true },
	{ "tracefs", "/sys/kernel/tracing", "tracefs", 0, true },
	{ "bpf", "/sys/fs/bpf", "bpf", 0, true },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, false },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, true },
};

/* Failures are queued as messages: the event port needs /sys and /dev first. */
uint64_t mount_t[16];
void mount_all(json_t *failures)
{
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		const struct mount_entry *m = &mounts[i];
		mount_t[i] = mono_ns();

		mkdir(m->dir, 0755);
		if (mount(m->src, m->dir, m->type, m->flags, NULL) == 0 || errno == EBUSY)
			continue;
		if (!m->optional || errno != ENODEV)
			json_array_append_new(failures, json_sprintf("mount %s on %s: %s",
							 m->type, m->dir, strerror(errno)));
	}
	mount_t[9] = mono_ns();
	symlink("/proc/self/fd", "/dev/fd");
	symlink("/proc/self/fd/0", "/dev/stdin");
	symlink("/proc/self/fd/1", "/dev/stdout");
	symlink("/proc/self/fd/2", "/dev/stderr");
}
