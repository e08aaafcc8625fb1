/* ktstr-boot's private folder (QMP sockets), removed when ktstr-boot exits. */
#ifndef KTSTR_BOOT_PRIVDIR_H
#define KTSTR_BOOT_PRIVDIR_H

#include <stddef.h>

/* The folder, made on first use; NULL with err when it cannot be made. */
const char *privdir_get(char *err, size_t errlen);
/* What its name will look like, made nothing (--dry-run); malloc'd. */
char *privdir_pattern(void);

#endif
