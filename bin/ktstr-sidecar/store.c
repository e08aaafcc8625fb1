/* Files that are either whole or absent: temp file, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "paths.h"
#include "sidecar.h"

void store_default_run_id(char *buf, size_t len)
{
	char t[32];
	time_t now = time(NULL);

	strftime(t, sizeof(t), "%Y%m%dT%H%M%SZ", gmtime(&now));
	snprintf(buf, len, "%s-%ld", t, (long)getpid());
}

FILE *store_fopen_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if (!(f = fdopen(fd, "r")))
		close(fd);
	return f;
}

int store_mkdirs(const char *path, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot create %s: %s", path,
			 errno ? strerror(errno) : "not a directory");
		return -1;
	}
	return 0;
}

int store_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void store_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * The file written with no name (O_TMPFILE) and linked in whole: killed at any moment, even by
 * SIGKILL, it leaves nothing. Over an existing file it goes through a temp name and a rename
 * (two calls apart). 0 done, -1 failed (err), 1 no O_TMPFILE here (or no /proc).
 */
static int store_unnamed(const char *dir, const char *final, const char *text,
			 char *err, size_t errlen)
{
	char proc[64], tmp[PATH_MAX];
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644), rc = -1, saved;

	if (fd < 0)
		return errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL ? 1 : -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", final, (int)getpid());
	if (store_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0 || fchmod(fd, 0644) < 0)
		goto out;
	if (linkat(AT_FDCWD, proc, AT_FDCWD, final, AT_SYMLINK_FOLLOW) == 0) {
		rc = 0;
	} else if (errno == EEXIST) {
		unlink(tmp);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
			rc = rename(tmp, final);
			if (rc < 0) {
				saved = errno;
				unlink(tmp);
				errno = saved;
			}
		}
	} else if (errno == ENOENT && access(proc, F_OK) < 0) {
		rc = 1;		/* no /proc: the named temp file's way */
	}
out:
	saved = errno;
	close(fd);
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", final, strerror(saved));
	return rc;
}

int store_atomic(const char *dir, const char *name, const char *text,
		 char *err, size_t errlen)
{
	char *final = paths_join(dir, name), tmp[PATH_MAX];
	int fd, saved, rc = store_unnamed(dir, final, text, err, errlen);

	if (rc <= 0) {
		if (rc == 0)
			store_sync_dir(dir);
		free(final);
		return rc;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", final, strerror(errno));
		free(final);
		return -1;
	}
	if (store_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0 ||
	    fchmod(fd, 0644) < 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, final) < 0) {
		saved = errno;
		goto fail;
	}
	store_sync_dir(dir);
	free(final);
	return 0;
fail:
	unlink(tmp);
	snprintf(err, errlen, "cannot write %s: %s", final, strerror(saved));
	free(final);
	return -1;
}
