/* Which kernel file a VM boots: the bzImage, or the uncompressed vmlinux through PVH. */
#ifndef KTSTR_BOOT_BOOT_IMAGE_H
#define KTSTR_BOOT_BOOT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "boot.h"

/* "auto", "bzimage" or "pvh"; -1 for anything else. */
int boot_mode_parse(const char *s);

/*
 * Is path a whole x86-64 ELF kernel with the PVH entry note (Xen PHYS32_ENTRY), which
 * QEMU's -kernel starts directly? The answer is kept per path while the file is unchanged.
 */
bool boot_elf_has_pvh(const char *path);

/*
 * The -kernel file for job j under mode m, and its kind ("pvh" or "bzimage").
 * -1 with a message in err when m is pvh and the job's kernel has no such ELF.
 */
int boot_image_pick(const struct job *j, enum boot_mode m, const char **file,
		    const char **kind, char *err, size_t errlen);

#endif
