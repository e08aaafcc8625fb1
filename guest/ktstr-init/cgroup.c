/* Scenario cgroups under /sys/fs/cgroup/ktstr. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

static int write_file(const char *path, const char *text, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0) {
		strfmt(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	/* cgroup files take one write; "" (clear) is a write of one newline */
	n = len ? write(fd, text, len) : write(fd, "\n", 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		errno = e;
		strfmt(err, errlen, "write \"%s\" to %s: %s", text, path, strerror(e));
		return -1;
	}
	close(fd);
	return 0;
}

static void cg_path(const char *name, const char *file, char *out, size_t len)
{
	snprintf(out, len, "%s/%s%s%s", CGROUP_PARENT, name, file ? "/" : "", file ? file : "");
}

static int enable_cpuset(const char *dir, char *err, size_t errlen)
{
	char path[600];

	strfmt(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	return write_file(path, "+cpuset", err, errlen);
}

int cg_setup(char *err, size_t errlen)
{
	if (mkdir(CGROUP_PARENT, 0755) < 0 && errno != EEXIST) {
		strfmt(err, errlen, "mkdir %s: %s", CGROUP_PARENT, strerror(errno));
		return -1;
	}
	if (enable_cpuset(CGROUP_ROOT, err, errlen) < 0)
		return -1;
	return enable_cpuset(CGROUP_PARENT, err, errlen);
}

/*
 * For every ancestor of name below the parent (not name itself): mkdir it
 * (with_cpuset false) or pass +cpuset on to its children (true).
 */
static int walk_ancestors(const char *name, bool with_cpuset, char *err, size_t errlen)
{
	char path[512], *slash;

	cg_path(name, NULL, path, sizeof(path));
	slash = path + strlen(CGROUP_PARENT);
	while ((slash = strchr(slash + 1, '/'))) {
		*slash = '\0';
		if (with_cpuset && enable_cpuset(path, err, errlen) < 0)
			return -1;
		if (!with_cpuset && mkdir(path, 0755) < 0 && errno != EEXIST) {
			strfmt(err, errlen, "mkdir %s: %s", path, strerror(errno));
			return -1;
		}
		*slash = '/';
	}
	return 0;
}

/* mkdir every component (idempotent). */
int cg_create(const char *name, char *err, size_t errlen)
{
	char path[512];

	if (walk_ancestors(name, false, err, errlen) < 0)
		return -1;
	cg_path(name, NULL, path, sizeof(path));
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		strfmt(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Intermediate cgroups get +cpuset only when a child needs a cpuset: a
 * cgroup with controllers enabled for its children cannot hold tasks itself
 * while a child is populated (no-internal-process rule), which would break
 * moving tasks up and down a nested tree.
 */
/* The first line of a file into buf (newline dropped); -1 when unreadable. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * Some kernels (6.12) keep cgroup v1's rule in v2 and refuse to empty the
 * cpuset.cpus of a cgroup with tasks (ENOSPC). There a clear writes the
 * parent's effective CPUs instead, which is what the cleared cgroup would run
 * on, and returns 1 with note saying so.
 */
int cg_set_cpuset(const char *name, const struct cpuset *cpus, char *err, size_t errlen,
		  char *note, size_t notelen)
{
	char path[512], parent[512], list[1024], *slash;

	if (walk_ancestors(name, true, err, errlen) < 0)
		return -1;
	cg_path(name, "cpuset.cpus", path, sizeof(path));
	if (write_file(path, cpus ? cpuset_str(cpus, list, sizeof(list)) : "", err, errlen) == 0)
		return 0;
	if (cpus || errno != ENOSPC)
		return -1;
	cg_path(name, NULL, parent, sizeof(parent));
	slash = strrchr(parent, '/');
	strfmt(slash, sizeof(parent) - (size_t)(slash - parent), "/cpuset.cpus.effective");
	if (read_line(parent, list, sizeof(list)) < 0 || !list[0] ||
	    write_file(path, list, err, errlen) < 0)
		return -1;
	strfmt(note, notelen, "this kernel refuses an empty cpuset.cpus for a cgroup with tasks "
	       "(ENOSPC): %s cleared by writing its parent's effective CPUs %s", name, list);
	return 1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000 };

	nanosleep(&ts, NULL);
}

/* ESRCH (gone) is fine; EBUSY (sched_ext cgroup_prep_move) is retried 3 x 100 ms. */
static int move_pid_to(const char *procs, pid_t pid, char *err, size_t errlen)
{
	char num[32];

	strfmt(num, sizeof(num), "%d", (int)pid);
	for (int tries = 0;; tries++) {
		if (write_file(procs, num, err, errlen) == 0 || errno == ESRCH)
			return 0;
		if (errno != EBUSY || tries == 3)
			return -1;
		sleep_ms(100);
	}
}

int cg_move_pid(const char *name, pid_t pid, char *err, size_t errlen)
{
	char procs[512];

	if (name && *name)
		cg_path(name, "cgroup.procs", procs, sizeof(procs));
	else
		strfmt(procs, sizeof(procs), "%s/cgroup.procs", CGROUP_ROOT);
	return move_pid_to(procs, pid, err, errlen);
}

/* Move every process listed in dir's cgroup.procs into the procs file dst. */
static int move_procs_of(const char *dir, const char *dst, char *err, size_t errlen)
{
	char path[900];
	FILE *f;
	int pid, rc = 0;

	strfmt(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f) {
		strfmt(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	while (fscanf(f, "%d", &pid) == 1)
		if (move_pid_to(dst, pid, err, errlen) < 0)
			rc = -1;
	fclose(f);
	return rc;
}

int cg_move_all(const char *from, const char *to, char *err, size_t errlen)
{
	char src[512], dst[512];

	cg_path(from, NULL, src, sizeof(src));
	cg_path(to, "cgroup.procs", dst, sizeof(dst));
	return move_procs_of(src, dst, err, errlen);
}

/* Depth first: drain each cgroup's tasks to the root, then rmdir it. */
static int remove_tree(const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		char sub[768];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		strfmt(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (remove_tree(sub, err, errlen) < 0)
			rc = -1;
	}
	closedir(d);
	move_procs_of(dir, CGROUP_ROOT "/cgroup.procs", err, errlen);
	if (rmdir(dir) < 0 && errno != ENOENT) {
		strfmt(err, errlen, "rmdir %s: %s", dir, strerror(errno));
		rc = -1;
	}
	return rc;
}

int cg_remove(const char *name, char *err, size_t errlen)
{
	char path[512];

	cg_path(name, NULL, path, sizeof(path));
	return remove_tree(path, err, errlen);
}

int cg_teardown(char *err, size_t errlen)
{
	return remove_tree(CGROUP_PARENT, err, errlen);
}
