/* The VM's initramfs: a cached base archive plus a per-job suffix. */
#ifndef KTSTR_BOOT_INITRAMFS_H
#define KTSTR_BOOT_INITRAMFS_H

#include <stddef.h>
#include <sys/types.h>

#include "boot.h"

struct initramfs_base {
	int fd;			/* -1 until built or found */
	off_t size;
	char *path;		/* <cache>/initramfs/<hash>.cpio */
	char *init_path;	/* the ktstr-init it holds */
};

/* Where ktstr-init is: $KTSTR_GUEST_DIR, ../guest, ../libexec/ktstr. malloc'd or NULL. */
char *initramfs_find_init(void);

/*
 * Find or build the base archive (/init, /bin/busybox and its applet links,
 * /dev/console, directories), keyed by a hash of its content. 0, or -1 with err.
 */
int initramfs_base_get(struct initramfs_base *b, const char *cache_dir,
		       char *err, size_t errlen);
void initramfs_base_close(struct initramfs_base *b);

/*
 * A memfd holding base + the job's own part (/job.json, the scheduler
 * and its libraries, include files). -1 with err.
 */
int initramfs_for_job(const struct initramfs_base *b, const struct job *j,
		      char *err, size_t errlen);

/* payloads.c: the job's payload binaries at /payload/NAME and their libraries. -1 with err. */
struct cpio;
int initramfs_add_payloads(struct cpio *c, json_t *payloads, char *err, size_t errlen);

#endif
