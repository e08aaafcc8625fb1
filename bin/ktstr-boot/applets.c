/* `busybox --list-full` read into a list of archive paths. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applets.h"
#include "die.h"
#include "spawn.h"

/* busybox's output, whole; NULL with err when it did not run or failed. */
static char *run_list_full(const char *busybox, char *err, size_t errlen)
{
	char *argv[] = { (char *)busybox, (char *)"--list-full", NULL };
	struct spawn_opts so = { .stdin_fd = -1, .stderr_fd = -1 };
	size_t len = 0, cap = 16384;
	char *out;
	int p[2], st;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return NULL;
	}
	so.stdout_fd = p[1];
	pid = spawn_start(argv, &so);
	if (pid < 0)
		snprintf(err, errlen, "%s: %s", busybox, strerror(errno));
	close(p[1]);
	out = xmalloc(cap);
	while (pid > 0) {
		if (len + 1 == cap)
			out = xrealloc(out, cap *= 2);
		n = read(p[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	out[len] = '\0';
	if (pid > 0 && (spawn_wait_timeout(pid, -1, &st) != 1 ||
			!WIFEXITED(st) || WEXITSTATUS(st)))
		snprintf(err, errlen, "%s --list-full failed", busybox);
	else if (pid > 0)
		return out;
	free(out);
	return NULL;
}

/* A relative path with no empty, "." or ".." component. */
static bool plain_path(const char *s)
{
	if (!*s || *s == '/' || s[strlen(s) - 1] == '/')
		return false;
	for (const char *c = s; c; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (*c == '/' || !strncmp(c, "./", 2) || !strcmp(c, ".") ||
		    !strncmp(c, "../", 3) || !strcmp(c, ".."))
			return false;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int applets_list(const char *busybox, struct applets *a, char *err, size_t errlen)
{
	char *out = run_list_full(busybox, err, errlen), *save = NULL;
	size_t cap = 0, kept = 0;

	memset(a, 0, sizeof(*a));
	if (!out)
		return -1;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!plain_path(line)) {
			snprintf(err, errlen, "%s --list-full: not a relative path: '%.64s'",
				 busybox, line);
			free(out);
			applets_free(a);
			return -1;
		}
		if (a->n == cap)
			a->paths = xrealloc(a->paths, (cap = cap ? 2 * cap : 512) * sizeof(char *));
		a->paths[a->n++] = xstrdup(line);
	}
	free(out);
	if (a->n)
		qsort(a->paths, a->n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < a->n; i++) {	/* drop repeats */
		if (kept && !strcmp(a->paths[kept - 1], a->paths[i]))
			free(a->paths[i]);
		else
			a->paths[kept++] = a->paths[i];
	}
	a->n = kept;
	return 0;
}

void applets_free(struct applets *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->paths[i]);
	free(a->paths);
	memset(a, 0, sizeof(*a));
}
