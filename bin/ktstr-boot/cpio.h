/* A newc cpio writer (the format the kernel unpacks as initramfs). */
#ifndef KTSTR_BOOT_CPIO_H
#define KTSTR_BOOT_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cpio {
	int fd;
	unsigned next_ino;
	int err;		/* first errno; later calls do nothing */
	char **dirs;		/* directories already written (parents once) */
	size_t ndirs, capdirs;
	char *buf;		/* small writes are gathered here */
	size_t buflen;
};

/* Write to fd from its current offset; inodes start at first_ino. */
void cpio_init(struct cpio *c, int fd, unsigned first_ino);
/* Each path is absolute or relative to the archive root; parents are added. */
void cpio_add_dir(struct cpio *c, const char *path, mode_t perm);
void cpio_add_data(struct cpio *c, const char *path, mode_t perm,
		   const void *data, size_t len);
/* The content of the host file src (symlinks followed). */
void cpio_add_file(struct cpio *c, const char *path, mode_t perm, const char *src);
/* A symbolic link at path pointing to target (kept as written). */
void cpio_add_symlink(struct cpio *c, const char *path, const char *target);
void cpio_add_chardev(struct cpio *c, const char *path, mode_t perm,
		      unsigned major, unsigned minor);
/* Trailer; returns 0 or an errno (also of any earlier failure). */
int cpio_finish(struct cpio *c);
/* Free memory without writing (after an error). */
void cpio_free(struct cpio *c);

#endif
