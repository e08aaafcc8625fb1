/* newc cpio: "070701", 13 hex fields, name, data, each padded to 4 bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"
#include "die.h"

#define CPIO_BUF 65536

void cpio_init(struct cpio *c, int fd, unsigned first_ino)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->next_ino = first_ino;
	c->buf = xmalloc(CPIO_BUF);
}

static void write_all(struct cpio *c, const void *p, size_t n)
{
	const char *s = p;

	while (n && !c->err) {
		ssize_t w = write(c->fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->err = w < 0 ? errno : EIO;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void flush(struct cpio *c)
{
	write_all(c, c->buf, c->buflen);
	c->buflen = 0;
}

static void put(struct cpio *c, const void *p, size_t n)
{
	if (c->buflen + n > CPIO_BUF)
		flush(c);
	if (n > CPIO_BUF) {
		write_all(c, p, n);
		return;
	}
	memcpy(c->buf + c->buflen, p, n);
	c->buflen += n;
}

static void pad4(struct cpio *c, size_t n)
{
	static const char zeros[4];

	if (n % 4)
		put(c, zeros, 4 - n % 4);
}

static void header(struct cpio *c, const char *name, mode_t mode, size_t size,
		   unsigned nlink, unsigned rmaj, unsigned rmin)
{
	char h[160];
	size_t namesize = strlen(name) + 1;

	if (size > 0xffffffffu) {	/* newc sizes are 32-bit */
		if (!c->err)
			c->err = EFBIG;
		return;
	}
	snprintf(h, sizeof(h),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 c->next_ino++, (unsigned)mode, 0u, 0u, nlink, 0u, (unsigned)size,
		 0u, 0u, rmaj, rmin, (unsigned)namesize, 0u);
	put(c, h, 110);
	put(c, name, namesize);
	pad4(c, 110 + namesize);
}

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

static bool dir_seen(struct cpio *c, const char *d)
{
	for (size_t i = 0; i < c->ndirs; i++)
		if (!strcmp(c->dirs[i], d))
			return true;
	return false;
}

static void add_dir_once(struct cpio *c, const char *d, mode_t perm)
{
	if (!*d || dir_seen(c, d))
		return;
	if (c->ndirs == c->capdirs) {
		c->capdirs = c->capdirs ? 2 * c->capdirs : 32;
		c->dirs = xrealloc(c->dirs, c->capdirs * sizeof(*c->dirs));
	}
	c->dirs[c->ndirs++] = xstrdup(d);
	header(c, d, S_IFDIR | perm, 0, 2, 0, 0);
}

/* Every parent of path ("a/b/c" -> "a", "a/b"), each once per archive. */
static void add_parents(struct cpio *c, const char *path)
{
	char *p = xstrdup(path);

	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		add_dir_once(c, p, 0755);
		*s = '/';
	}
	free(p);
}

void cpio_add_dir(struct cpio *c, const char *path, mode_t perm)
{
	path = rel(path);
	add_parents(c, path);
	add_dir_once(c, path, perm);
}

void cpio_add_data(struct cpio *c, const char *path, mode_t perm,
		   const void *data, size_t len)
{
	path = rel(path);
	add_parents(c, path);
	header(c, path, S_IFREG | perm, len, 1, 0, 0);
	put(c, data, len);
	pad4(c, len);
}

static void copy_fd(struct cpio *c, int src, size_t len)
{
	flush(c);
	while (len && !c->err) {
		ssize_t n = sendfile(c->fd, src, NULL, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->err = n < 0 ? errno : EIO;	/* file shrank underneath */
			return;
		}
		len -= (size_t)n;
	}
}

void cpio_add_file(struct cpio *c, const char *path, mode_t perm, const char *src)
{
	struct stat st;
	int fd;

	if (c->err)
		return;
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		c->err = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		return;
	}
	path = rel(path);
	add_parents(c, path);
	header(c, path, S_IFREG | perm, (size_t)st.st_size, 1, 0, 0);
	copy_fd(c, fd, (size_t)st.st_size);
	close(fd);
	pad4(c, (size_t)st.st_size);
}

void cpio_add_symlink(struct cpio *c, const char *path, const char *target)
{
	size_t len = strlen(target);

	path = rel(path);
	add_parents(c, path);
	/* newc keeps a link's target as its data, without a NUL */
	header(c, path, S_IFLNK | 0777, len, 1, 0, 0);
	put(c, target, len);
	pad4(c, len);
}

void cpio_add_chardev(struct cpio *c, const char *path, mode_t perm,
		      unsigned major, unsigned minor)
{
	path = rel(path);
	add_parents(c, path);
	header(c, path, S_IFCHR | perm, 0, 1, major, minor);
}

void cpio_free(struct cpio *c)
{
	for (size_t i = 0; i < c->ndirs; i++)
		free(c->dirs[i]);
	free(c->dirs);
	free(c->buf);
	c->dirs = NULL;
	c->buf = NULL;
	c->ndirs = c->capdirs = 0;
}

int cpio_finish(struct cpio *c)
{
	int err;

	header(c, "TRAILER!!!", 0, 0, 1, 0, 0);
	flush(c);
	err = c->err;
	cpio_free(c);
	return err;
}
