/*
 * ktstr-boot's private folder for the VMs' QMP sockets:
 * ${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}}/ktstr-boot.<pid>.XXXXXX, mode 0700, made
 * on first use and removed at exit. A SIGKILLed ktstr-boot cannot clean up, so
 * a janitor child removes the folder when the pipe from its parent closes; and
 * should that one be killed too, the next ktstr-boot removes the folders of
 * ktstr-boots that are gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "privdir.h"

/* The one folder of this process; static so that exit() and die() can remove it. */
static char privdir_path[PATH_MAX];

static const char *privdir_base(void)
{
	const char *vars[] = { "XDG_RUNTIME_DIR", "TMPDIR" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		struct stat st;

		if (v && *v == '/' && stat(v, &st) == 0 && S_ISDIR(st.st_mode) && access(v, W_OK) == 0)
			return v;
	}
	return "/tmp";
}

/* Remove dir's entries (sockets: no subfolders) and dir. */
static void remove_flat_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Folders of ktstr-boot processes that no longer exist (ours only: others' are not writable). */
static void sweep_stale(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *de;
	char path[PATH_MAX];
	struct stat st;
	int pid, end;

	while (d && (de = readdir(d))) {
		end = 0;
		if (sscanf(de->d_name, "ktstr-boot.%d.%n", &pid, &end) != 1 || !end || pid <= 0 ||
		    pid == (int)getpid())
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;	/* alive (or not ours to signal: leave it) */
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
			remove_flat_dir(path);
	}
	if (d)
		closedir(d);
}

/* Fork the janitor: it waits for EOF on a pipe whose write end only we hold, then cleans up. */
static void start_janitor(void)
{
	int p[2], null;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	switch (fork()) {
	case -1:
		close(p[0]);
		break;
	case 0:
		/* outlive a terminal's ^C or a group kill aimed at ktstr-boot, hold nothing of it,
		 * and go by a name of its own */
		prctl(PR_SET_NAME, "ktstr-boot-gc");
		setpgid(0, 0);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		null = open("/dev/null", O_RDWR);
		dup2(p[0], 0);
		dup2(null, 1);
		dup2(null, 2);
		close_range(3, ~0U, 0);
		while (read(0, &c, 1) < 0 && errno == EINTR)
			;
		remove_flat_dir(privdir_path);
		_exit(0);
	default:
		close(p[0]);	/* the write end stays open (close-on-exec) until we exit */
		return;
	}
	close(p[1]);
}

static void privdir_remove(void)
{
	if (privdir_path[0])
		remove_flat_dir(privdir_path);
	privdir_path[0] = '\0';
}

const char *privdir_get(char *err, size_t errlen)
{
	const char *base;

	if (privdir_path[0])
		return privdir_path;
	base = privdir_base();
	sweep_stale(base);
	snprintf(privdir_path, sizeof(privdir_path), "%s/ktstr-boot.%d.XXXXXX", base, (int)getpid());
	if (!mkdtemp(privdir_path)) {
		snprintf(err, errlen, "private folder in %s: %s", base, strerror(errno));
		privdir_path[0] = '\0';
		return NULL;
	}
	atexit(privdir_remove);
	start_janitor();
	return privdir_path;
}

char *privdir_pattern(void)
{
	const char *base = privdir_base();
	char *s = xmalloc(strlen(base) + 32);

	sprintf(s, "%s/ktstr-boot.<pid>.XXXXXX", base);
	return s;
}
