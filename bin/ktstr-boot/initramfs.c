/* Base archive (cached by content hash) + per-job suffix, concatenated. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets.h"
#include "cpio.h"
#include "die.h"
#include "scenario.h"
#include "elfdeps.h"
#include "initramfs.h"
#include "paths.h"
#include "ndjson.h"

/* Bump when the base layout changes so old cache entries are not reused. */
#define BASE_FORMAT "ktstr-initramfs-base-v2"	/* v2: busybox applet links */

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

char *initramfs_find_init(void)
{
	static const char *const rel[] = { "../guest/ktstr-init", "../libexec/ktstr/ktstr-init" };
	const char *env = getenv("KTSTR_GUEST_DIR");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env)
		return paths_join(env, "ktstr-init");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *p = paths_join(exe, rel[i]);

		if (is_file(p))
			return p;
		free(p);
	}
	return NULL;
}

static const char *find_busybox(void)
{
	const char *env = getenv("KTSTR_BUSYBOX");

	if (env && *env)
		return env;
	if (is_file("/bin/busybox"))
		return "/bin/busybox";
	if (is_file("/usr/bin/busybox"))
		return "/usr/bin/busybox";
	return NULL;
}

/* FNV-1a over the file's bytes (or over a missing-file marker). */
static uint64_t hash_file(uint64_t h, const char *path)
{
	struct stat st;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	const unsigned char *p = NULL;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0)
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (!p || p == MAP_FAILED) {
		h = (h ^ 0xff) * 0x100000001b3ULL;
	} else {
		for (off_t i = 0; i < st.st_size; i++)
			h = (h ^ p[i]) * 0x100000001b3ULL;
		munmap((void *)p, (size_t)st.st_size);
	}
	if (fd >= 0)
		close(fd);
	return (h ^ 0x0a) * 0x100000001b3ULL;	/* separator between files */
}

/* The base's directories, in the order they are written. */
static const char *const base_dirs[] = {
	"bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp",
	"run", "etc", "root", "sched", "mnt", "var",
};

/* Paths the base holds besides the applet links (which must not replace them). */
static bool in_base(const char *path)
{
	static const char *const files[] = { "usr", "dev/console", "init", "bin/busybox" };

	for (size_t i = 0; i < sizeof(base_dirs) / sizeof(base_dirs[0]); i++)
		if (!strcmp(path, base_dirs[i]))
			return true;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(path, files[i]))
			return true;
	return false;
}

/*
 * One link to /bin/busybox per applet (bin/ls, sbin/poweroff, usr/bin/env),
 * so the guest need not run `busybox --install`. The list is a function of
 * the busybox binary, whose bytes are in the base's hash already. Without it
 * the base still works: the guest installs the links itself.
 */
static void add_applet_links(struct cpio *c, const char *busybox)
{
	struct applets a;
	char err[256];

	if (applets_list(busybox, &a, err, sizeof(err)) < 0) {
		warnmsg("%s: no applet links in the initramfs (the guest will install them)", err);
		return;
	}
	for (size_t i = 0; i < a.n; i++)
		if (!in_base(a.paths[i]))
			cpio_add_symlink(c, a.paths[i], "/bin/busybox");
	applets_free(&a);
}

static int write_base(int fd, const char *init, const char *busybox)
{
	struct cpio c;

	cpio_init(&c, fd, 1);
	for (size_t i = 0; i < sizeof(base_dirs) / sizeof(base_dirs[0]); i++)
		cpio_add_dir(&c, base_dirs[i], strcmp(base_dirs[i], "tmp") ? 0755 : 01777);
	cpio_add_chardev(&c, "dev/console", 0600, 5, 1);
	cpio_add_file(&c, "init", 0755, init);
	if (busybox) {
		cpio_add_file(&c, "bin/busybox", 0755, busybox);
		add_applet_links(&c, busybox);
	}
	return cpio_finish(&c);
}

int boot_mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = strchr(p + 1, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0755) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* Write the archive into an unnamed file, then give it its name at once. */
static int build_base(const char *dir, const char *final, const char *init,
		      const char *busybox, char *err, size_t errlen)
{
	char procpath[64];
	int fd, e;

	if (boot_mkdir_p(dir) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create a file: %s", dir, strerror(errno));
		return -1;
	}
	e = write_base(fd, init, busybox);
	snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
	if (!e && fchmod(fd, 0644) == 0 &&
	    linkat(AT_FDCWD, procpath, AT_FDCWD, final, AT_SYMLINK_FOLLOW) < 0 &&
	    errno != EEXIST)	/* EEXIST: another ktstr-boot made the same one */
		e = errno;
	close(fd);
	if (e) {
		snprintf(err, errlen, "%s: %s", final, strerror(e));
		return -1;
	}
	return 0;
}

/*
 * A new base makes the others stale (ktstr-init or busybox changed):
 * remove them. A ktstr-boot still using one keeps its open fd.
 */
static void prune_other_bases(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *p;

		if (n != 21 || strcmp(de->d_name + 16, ".cpio") || !strcmp(de->d_name, keep))
			continue;
		p = paths_join(dir, de->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
}

int initramfs_base_get(struct initramfs_base *b, const char *cache_dir,
		       char *err, size_t errlen)
{
	const char *busybox = find_busybox();
	char name[64], *dir;
	struct stat st;
	uint64_t h = 0xcbf29ce484222325ULL;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->init_path = initramfs_find_init();
	if (!b->init_path || !is_file(b->init_path)) {
		snprintf(err, errlen, "guest init %s not found (run 'make'; "
			 "$KTSTR_GUEST_DIR names its folder)",
			 b->init_path ? b->init_path : "ktstr-init");
		return -1;
	}
	if (busybox && !is_file(busybox)) {	/* only $KTSTR_BUSYBOX can name a missing one */
		snprintf(err, errlen, "busybox %s ($KTSTR_BUSYBOX) is not a file", busybox);
		return -1;
	}
	if (!busybox)
		warnmsg("busybox not found (install busybox-static): shell mode will not work");
	for (const char *s = BASE_FORMAT; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	h = hash_file(hash_file(h, b->init_path), busybox);
	dir = paths_join(cache_dir, "initramfs");
	snprintf(name, sizeof(name), "%016llx.cpio", (unsigned long long)h);
	b->path = paths_join(dir, name);
	if (!is_file(b->path)) {
		if (build_base(dir, b->path, b->init_path, busybox, err, errlen) < 0) {
			free(dir);
			return -1;
		}
		prune_other_bases(dir, name);
	}
	free(dir);
	b->fd = open(b->path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0 || fstat(b->fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", b->path, strerror(errno));
		return -1;
	}
	b->size = st.st_size;
	return 0;
}

void initramfs_base_close(struct initramfs_base *b)
{
	if (b->fd >= 0)
		close(b->fd);
	free(b->path);
	free(b->init_path);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}

/* include {src,dst}: a file, or a folder copied recursively (symlinks followed). */
static void add_include(struct cpio *c, const char *src, const char *dst, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (c->err || stat(src, &st) < 0) {
		if (!c->err)
			c->err = errno;
		return;
	}
	if (S_ISREG(st.st_mode)) {
		cpio_add_file(c, dst, st.st_mode & 07777, src);
		return;
	}
	if (!S_ISDIR(st.st_mode) || depth > 32)
		return;		/* sockets, devices, deep loops: skipped */
	cpio_add_dir(c, dst, st.st_mode & 07777);
	d = opendir(src);
	if (!d) {
		c->err = errno;
		return;
	}
	while ((de = readdir(d)) && !c->err) {
		char *s, *t;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		s = paths_join(src, de->d_name);
		t = paths_join(dst, de->d_name);
		add_include(c, s, t, depth + 1);
		free(s);
		free(t);
	}
	closedir(d);
}

/* A binary at dst and its libraries at their host paths; what names it in errors. */
static int add_binary(struct cpio *c, const char *path, const char *dst, const char *what,
		      char *err, size_t errlen)
{
	struct elfdeps deps;

	if (!is_file(path)) {
		snprintf(err, errlen, "%s %s: %s", what, path,
			 access(path, F_OK) ? strerror(errno) : "not a regular file");
		return -1;
	}
	/* A script (#!) needs no libraries; its interpreter must be in the guest. */
	if (elfdeps_collect(path, &deps, err, errlen) < 0)
		return -1;
	/* Keep the mode: a binary that is not executable must fail in the guest, visibly. */
	cpio_add_file(c, dst, access(path, X_OK) ? 0644 : 0755, path);
	for (size_t i = 0; i < deps.n; i++)
		cpio_add_file(c, deps.paths[i], 0755, deps.paths[i]);
	elfdeps_free(&deps);
	return 0;
}

/* The scheduler at /sched/<basename>. */
static int add_scheduler(struct cpio *c, const char *path, char *err, size_t errlen)
{
	char *dst = paths_join("sched", strrchr(path, '/') + 1);
	int rc = add_binary(c, path, dst, "scheduler.path", err, errlen);

	free(dst);
	return rc;
}

/*
 * Custom work binaries at their own paths in the guest. A path that is no
 * file here is left to the guest (an --include, or a guest binary such as
 * busybox); if it is missing there too, the worker reports the exec error.
 */
static int add_custom_work(struct cpio *c, json_t *scenario, char *err, size_t errlen)
{
	json_t *paths = json_object(), *v;
	const char *path, *mnt;
	int rc = 0;

	scenario_custom_paths(scenario, paths);
	json_object_foreach(paths, path, v) {
		if (rc || !is_file(path))
			continue;
		if ((mnt = scenario_guest_mount(path))) {
			snprintf(err, errlen, "Custom work path %s: the guest mounts its own %.*s over it; "
				 "put the binary elsewhere", path, (int)strlen(mnt) - 1, mnt);
			rc = -1;
		} else {
			rc = add_binary(c, path, path + 1, "Custom work path", err, errlen);
		}
	}
	json_decref(paths);
	return rc;
}

/*
 * A --repro rerun's tracer at /repro/ktstr-repro: it is built beside
 * ktstr-init (with scx-ktstr, when a kernel was cached for vmlinux.h).
 */
static int add_tracer(struct cpio *c, const struct initramfs_base *b, char *err, size_t errlen)
{
	char *dir = xstrdup(b->init_path), *slash = strrchr(dir, '/'), *path;
	int rc;

	if (slash)
		*slash = '\0';
	path = paths_join(slash ? dir : ".", "ktstr-repro");
	if (!is_file(path)) {
		snprintf(err, errlen, "the job asks for a repro trace, but %s is not built "
			 "(it needs a kernel's BTF: run 'make kernel')", path);
		rc = -1;
	} else {
		rc = add_binary(c, path, "repro/ktstr-repro", "repro tracer", err, errlen);
	}
	free(path);
	free(dir);
	return rc;
}

static int write_suffix(int fd, const struct initramfs_base *b, const struct job *j, char *err,
			size_t errlen)
{
	char *json = json_dumps(j->rec, JSON_COMPACT | NDJSON_REALS);
	size_t n = strlen(json);
	struct cpio c;
	int e;

	json = xrealloc(json, n + 2);
	memcpy(json + n, "\n", 2);
	cpio_init(&c, fd, 100000);	/* inode numbers apart from the base's */
	cpio_add_data(&c, "job.json", 0644, json, n + 1);
	free(json);
	if ((j->sched_path && add_scheduler(&c, j->sched_path, err, errlen) < 0) ||
	    add_custom_work(&c, json_object_get(j->rec, "scenario"), err, errlen) < 0) {
		cpio_free(&c);
		return -1;
	}
	if (json_is_object(json_object_get(j->rec, "repro")) && add_tracer(&c, b, err, errlen) < 0) {
		cpio_free(&c);
		return -1;
	}
	if (json_object_get(j->rec, "payloads") &&
	    initramfs_add_payloads(&c, json_object_get(j->rec, "payloads"), err, errlen) < 0) {
		cpio_free(&c);
		return -1;
	}
	for (size_t i = 0; i < j->nincludes && !c.err; i++) {
		add_include(&c, j->includes[i].src, j->includes[i].dst, 0);
		if (c.err) {
			snprintf(err, errlen, "include %s: %s", j->includes[i].src,
				 strerror(c.err));
			cpio_free(&c);
			return -1;
		}
	}
	e = cpio_finish(&c);
	if (e) {
		snprintf(err, errlen, "writing the initramfs: %s", strerror(e));
		return -1;
	}
	return 0;
}

int initramfs_for_job(const struct initramfs_base *b, const struct job *j,
		      char *err, size_t errlen)
{
	int fd = memfd_create("ktstr-initrd", MFD_CLOEXEC);
	off_t off = 0;

	if (fd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	while (off < b->size) {
		ssize_t n = sendfile(fd, b->fd, &off, (size_t)(b->size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "copying %s: %s", b->path,
				 n < 0 ? strerror(errno) : "file shrank");
			close(fd);
			return -1;
		}
	}
	if (write_suffix(fd, b, j, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}
