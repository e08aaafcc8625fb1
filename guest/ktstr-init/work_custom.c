/*
 * Custom: a user's binary in a worker's slot. It inherits the worker's cgroup,
 * affinity, policy and nice; the worker reports what it can see from outside:
 * the child's CPU time (rusage), wall time, schedstat and how it ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "work.h"

#define POLL_NS 10000000ull		/* how often the worker looks at a dying child */
#define TERM_GRACE_NS 1000000000ull	/* SIGTERM, then SIGKILL after this */

/* Fork and exec argv; the exec's errno (0 when it ran) in *exec_errno. */
static pid_t start_child(char **argv, int *exec_errno)
{
	int p[2], e = 0;
	ssize_t n;
	pid_t pid;

	*exec_errno = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_DFL);	/* a user's binary gets the default its worker slot ignores */
		execv(argv[0], argv);
		e = errno;
		if (write(p[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(p[1]);
	do
		n = read(p[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == sizeof(e))
		*exec_errno = e;
	return pid;
}

/* True once the child has exited (it stays a zombie: its /proc entry is still there). */
static bool child_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

static void wait_exit(pid_t pid, uint64_t timeout_ns)
{
	uint64_t end = mono_ns() + timeout_ns;

	while (!child_exited(pid) && mono_ns() < end)
		sleep_ns(POLL_NS);
}

/* /proc/PID/schedstat: cpu time, run delay, run count (zero when unreadable). */
static void child_schedstat(pid_t pid, uint64_t s[3])
{
	char path[64];
	FILE *f;

	s[0] = s[1] = s[2] = 0;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (f && fscanf(f, "%" SCNu64 " %" SCNu64 " %" SCNu64, &s[0], &s[1], &s[2]) != 3)
		s[0] = s[1] = s[2] = 0;
	if (f)
		fclose(f);
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

static json_t *exit_json(int st)
{
	if (WIFSIGNALED(st))
		return json_sprintf("signaled %d", WTERMSIG(st));
	return json_sprintf("exited %d", WEXITSTATUS(st));
}

/* The report's measured fields, taken from the child instead of the worker. */
static void report_child(struct work_ctx *c, uint64_t wall, uint64_t cpu, const uint64_t ss[3])
{
	json_object_set_new(c->extra, "work_units", json_integer((json_int_t)(cpu / 1000)));
	json_object_set_new(c->extra, "iterations", json_integer(1));
	json_object_set_new(c->extra, "cpu_time_ns", json_integer((json_int_t)cpu));
	json_object_set_new(c->extra, "wall_time_ns", json_integer((json_int_t)wall));
	json_object_set_new(c->extra, "off_cpu_ns", json_integer((json_int_t)(wall > cpu ? wall - cpu : 0)));
	json_object_set_new(c->extra, "schedstat_cpu_time_ns", json_integer((json_int_t)ss[0]));
	json_object_set_new(c->extra, "schedstat_run_delay_ns", json_integer((json_int_t)ss[1]));
	json_object_set_new(c->extra, "schedstat_run_count", json_integer((json_int_t)ss[2]));
}

/*
 * Sleep until the child exits or the worker is told to stop. SIGUSR1 (stop)
 * is unblocked only inside ppoll, so a stop that comes just before it still
 * wakes it; the timeout covers a kernel without pidfds.
 */
static void wait_child_or_stop(struct work_ctx *c, pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct timespec tmo = { 0, 100000000 };
	sigset_t block, orig;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &orig);
	while (!*c->stop && !child_exited(pid)) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		ppoll(&pfd, fd >= 0 ? 1 : 0, &tmo, &orig);
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	if (fd >= 0)
		close(fd);
}

static void wait_stop(struct work_ctx *c)
{
	sigset_t block, orig;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &orig);
	while (!*c->stop)
		sigsuspend(&orig);
	sigprocmask(SIG_SETMASK, &orig, NULL);
}

void loop_custom(struct work_ctx *c)
{
	uint64_t t0 = mono_ns(), ended = 0, ss[3];
	bool stopped = false;
	struct rusage ru;
	int e, st = 0;
	pid_t pid = start_child(c->w->argv, &e);

	if (pid < 0)
		return;
	wait_child_or_stop(c, pid);
	if (!child_exited(pid)) {	/* told to stop: end it */
		stopped = true;
		kill(pid, SIGTERM);
		wait_exit(pid, TERM_GRACE_NS);
		kill(pid, SIGKILL);
		wait_exit(pid, TERM_GRACE_NS);
	}
	ended = mono_ns();
	child_schedstat(pid, ss);
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
		;
	report_child(c, ended - t0, tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime), ss);
	json_object_set_new(c->extra, "custom", json_pack("{s:s, s:o, s:o, s:I, s:b}",
		"path", c->w->argv[0], "exit", exit_json(st),
		"exec_error", e ? json_string(strerror(e)) : json_null(),
		"ran_ms", (json_int_t)((ended - t0) / 1000000), "stopped", stopped));
	wait_stop(c);	/* an early exit keeps its slot until the end */
}
