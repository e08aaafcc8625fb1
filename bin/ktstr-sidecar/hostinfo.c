/* Host context for run records: results depend on the machine they ran on. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "sidecar.h"

void iso_utc(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* First line of a small file, trailing newline removed; NULL if unreadable. */
static char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *s;

	if (!f)
		return NULL;
	s = fgets(buf, (int)len, f);
	fclose(f);
	if (s)
		buf[strcspn(buf, "\n")] = '\0';
	return s;
}

/* The value of "key<spaces>: value" in a /proc file, or null. */
static json_t *proc_field(const char *path, const char *key)
{
	char line[1024];
	size_t klen = strlen(key);
	json_t *v = json_null();
	FILE *f = fopen(path, "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, key, klen) || !colon ||
		    strspn(line + klen, " \t") != (size_t)(colon - line - (long)klen))
			continue;
		colon++;
		colon += strspn(colon, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		json_decref(v);
		v = json_string(colon);
		break;
	}
	fclose(f);
	return v;
}

static json_t *mem_total_kb(void)
{
	json_t *s = proc_field("/proc/meminfo", "MemTotal");
	json_t *v = json_is_string(s) ? json_integer(strtoll(json_string_value(s), NULL, 10))
				      : json_null();

	json_decref(s);
	return v;
}

/* /proc/sys/kernel/sched_* as name -> value text (sorted by name). */
static json_t *sched_tunables(void)
{
	json_t *o = json_object();
	struct dirent **ents = NULL;
	int n = scandir("/proc/sys/kernel", &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char path[PATH_MAX], val[256];

		if (!strncmp(ents[i]->d_name, "sched_", 6)) {
			snprintf(path, sizeof(path), "/proc/sys/kernel/%s", ents[i]->d_name);
			if (read_line(path, val, sizeof(val)))
				json_object_set_new(o, ents[i]->d_name, json_string(val));
		}
		free(ents[i]);
	}
	free(ents);
	return o;
}

/* The word in [brackets] of a sysfs choice file, e.g. THP "always [madvise] never". */
static json_t *sysfs_choice(const char *path)
{
	char buf[256], *l, *r;

	if (!read_line(path, buf, sizeof(buf)) || !(l = strchr(buf, '[')) ||
	    !(r = strchr(l, ']')))
		return json_null();
	*r = '\0';
	return json_string(l + 1);
}

static json_t *line_or_null(const char *path)
{
	char buf[4096];

	return read_line(path, buf, sizeof(buf)) ? json_string(buf) : json_null();
}

json_t *hostinfo_collect(void)
{
	struct utsname u;
	int have_uts = uname(&u) == 0;

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "cpu_model", proc_field("/proc/cpuinfo", "model name"),
			 "cpu_vendor", proc_field("/proc/cpuinfo", "vendor_id"),
			 "online_cpus", line_or_null("/sys/devices/system/cpu/online"),
			 "total_memory_kb", mem_total_kb(),
			 "kernel_name", have_uts ? json_string(u.sysname) : json_null(),
			 "kernel_release", have_uts ? json_string(u.release) : json_null(),
			 "arch", have_uts ? json_string(u.machine) : json_null(),
			 "kernel_cmdline", line_or_null("/proc/cmdline"),
			 "thp_enabled", sysfs_choice("/sys/kernel/mm/transparent_hugepage/enabled"),
			 "sched_tunables", sched_tunables());
}

/* Run git with args in dir; its first output line into buf. 0 on success. */
static int git_line(const char *dir, const char *const args[], char *buf, size_t len)
{
	int fd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fd) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		char *argv[8] = { "git", "-C", (char *)dir };
		size_t i;

		for (i = 0; args[i] && i < 4; i++)
			argv[3 + i] = (char *)args[i];
		argv[3 + i] = NULL;
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		if (!freopen("/dev/null", "w", stderr))
			_exit(127);
		execvp("git", argv);
		_exit(127);
	}
	close(fd[1]);
	n = read(fd[0], buf, len - 1);
	close(fd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The source tree this binary was built from: build/bin/TOOL -> ../.. */
static int source_tree(char *dir, size_t len)
{
	char exe[PATH_MAX], git[PATH_MAX + 8];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			return -1;
		*slash = '\0';
		if (up == 0)
			continue;
		snprintf(git, sizeof(git), "%s/.git", exe);
		if (stat(git, &st) == 0) {
			snprintf(dir, len, "%s", exe);
			return 0;
		}
	}
	return -1;
}

json_t *hostinfo_project_commit(void)
{
	static const char *const head[] = { "rev-parse", "--short=7", "HEAD", NULL };
	static const char *const dirty[] = { "status", "--porcelain",
					     "--untracked-files=no", NULL };
	const char *env = getenv("KTSTR_COMMIT");
	char dir[PATH_MAX], sha[128], changes[64];

	if (env && *env)
		return json_string(env);
	if (source_tree(dir, sizeof(dir)) || git_line(dir, head, sha, sizeof(sha)) || !*sha)
		return json_null();
	if (!git_line(dir, dirty, changes, sizeof(changes)) && *changes)
		strncat(sha, "-dirty", sizeof(sha) - strlen(sha) - 1);
	return json_string(sha);
}
