/*
 * Payload binaries in the initramfs: the job's "payloads" (NAME -> {path})
 * each at /payload/NAME, with the shared libraries it needs at their host
 * paths, found the way the scheduler's are.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"
#include "die.h"
#include "elfdeps.h"
#include "initramfs.h"
#include "paths.h"
#include "scenario.h"

/* Each library once, even when several payloads need it. */
static bool seen(json_t *set, const char *path)
{
	if (json_object_get(set, path))
		return true;
	json_object_set_new(set, path, json_true());
	return false;
}

int initramfs_add_payloads(struct cpio *c, json_t *payloads, char *err, size_t errlen)
{
	json_t *p, *libs = json_object();
	const char *name;
	int rc = 0;

	json_object_foreach(payloads, name, p) {
		const char *path = json_string_value(json_object_get(p, "path"));
		struct elfdeps deps;
		struct stat st;
		char dst[96];

		if (!payload_name_ok(name) || !path || path[0] != '/') {
			snprintf(err, errlen, "field \"payloads.%s.path\": not an absolute path", name);
			rc = -1;
			break;
		}
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "payload %s: %s is not a file on this host", name, path);
			rc = -1;
			break;
		}
		if (elfdeps_collect(path, &deps, err, errlen) < 0) {
			rc = -1;
			break;
		}
		snprintf(dst, sizeof(dst), "payload/%s", name);
		cpio_add_file(c, dst, 0755, path);
		for (size_t i = 0; i < deps.n; i++)
			if (!seen(libs, deps.paths[i]))
				cpio_add_file(c, deps.paths[i], 0755, deps.paths[i]);
		elfdeps_free(&deps);
	}
	json_decref(libs);
	return rc;
}
