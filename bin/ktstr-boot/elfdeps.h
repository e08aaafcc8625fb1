/* The shared libraries an ELF executable needs, found like ld.so would. */
#ifndef KTSTR_BOOT_ELFDEPS_H
#define KTSTR_BOOT_ELFDEPS_H

#include <stddef.h>

struct elfdeps {
	char **paths;	/* host paths: the interpreter, then DT_NEEDED closure */
	size_t n, cap;
};

/*
 * Walk PT_INTERP and DT_NEEDED of binary, recursively (RPATH/RUNPATH,
 * /etc/ld.so.conf, the default directories). A static binary yields none.
 * Returns 0, 1 when binary is not ELF at all (a script: no paths), or -1
 * with a message in err (a library that cannot be found or is not ELF).
 */
int elfdeps_collect(const char *binary, struct elfdeps *out, char *err, size_t errlen);
void elfdeps_free(struct elfdeps *d);

#endif
