#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "paths.h"

char *paths_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *paths_share_dir(void)
{
	/*
	 * PREFIX/bin/TOOL installed first (so a stray /usr/share/ktstr cannot override a
	 * /usr/local install), then build/bin/TOOL in a tree, then PREFIX/libexec/ktstr/TOOL.
	 */
	static const char *const rel[] = {
		"../share/ktstr", "../../share/ktstr", "../../../share/ktstr",
	};
	const char *env = getenv("KTSTR_SHARE_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			char *p = paths_join(exe, rel[i]);

			if (is_dir(p))
				return p;
			free(p);
		}
	}
	return xstrdup("/usr/local/share/ktstr");
}

static char *xdg_dir(const char *env_override, const char *xdg_var,
		     const char *home_rel, const char *leaf)
{
	const char *v = getenv(env_override), *home;
	char *base, *p;

	if (v && *v)
		return xstrdup(v);
	v = getenv(xdg_var);
	if (v && *v) {
		base = xstrdup(v);
	} else {
		home = getenv("HOME");
		base = paths_join(home && *home ? home : "/root", home_rel);
	}
	p = paths_join(base, leaf);
	free(base);
	return p;
}

char *paths_cache_dir(void)
{
	return xdg_dir("KTSTR_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "ktstr");
}

char *paths_runs_dir(void)
{
	return xdg_dir("KTSTR_RUNS_DIR", "XDG_DATA_HOME", ".local/share",
		       "ktstr/runs");
}
