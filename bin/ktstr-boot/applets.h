/* busybox's applet list, for the links the cached base archive carries. */
#ifndef KTSTR_BOOT_APPLETS_H
#define KTSTR_BOOT_APPLETS_H

#include <stddef.h>

struct applets {
	char **paths;		/* relative, sorted, unique: "bin/ls", "usr/bin/env" */
	size_t n;
};

/*
 * Run `busybox --list-full` and keep the paths it prints. 0, or -1 with
 * err (busybox did not run, failed, or printed something not a path).
 */
int applets_list(const char *busybox, struct applets *a, char *err, size_t errlen);
void applets_free(struct applets *a);

#endif
