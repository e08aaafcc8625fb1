#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

long long spawn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Put fd at target (or /dev/null when fd < 0); only async-signal-safe calls. */
static int child_stdio(int fd, int target, int null_flags)
{
	int nfd = fd;

	if (fd < 0) {
		nfd = open("/dev/null", null_flags);
		if (nfd < 0)
			return -1;
	}
	if (nfd == target)
		return fcntl(target, F_SETFD, 0);
	if (dup2(nfd, target) < 0)
		return -1;
	if (fd < 0)
		close(nfd);
	return 0;
}

static void child_reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);	/* EINVAL for SIGKILL etc. is fine */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child_report_and_exit(int errpipe)
{
	int e = errno;

	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static void child_exec(char *const argv[], const struct spawn_opts *o,
		       pid_t parent, int errpipe)
{
	if (o->own_pgrp && setpgid(0, 0) < 0)
		child_report_and_exit(errpipe);
	if (o->die_with_parent) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			child_report_and_exit(errpipe);
		if (getppid() != parent)	/* parent died before prctl */
			_exit(127);
	}
	child_reset_signals();
	/* stdin/stdout first: stderr may be a dup of one of the kept fds */
	if (child_stdio(o->stdin_fd, 0, O_RDONLY) < 0 ||
	    child_stdio(o->stdout_fd, 1, O_WRONLY) < 0 ||
	    (o->stderr_fd >= 0 && child_stdio(o->stderr_fd, 2, O_WRONLY) < 0))
		child_report_and_exit(errpipe);
	for (size_t i = 0; i < o->nkeep; i++)
		if (fcntl(o->keep_fds[i], F_SETFD, 0) < 0)
			child_report_and_exit(errpipe);
	execvp(argv[0], argv);
	child_report_and_exit(errpipe);
}

pid_t spawn_start(char *const argv[], const struct spawn_opts *o)
{
	pid_t parent = getpid(), pid;
	int errpipe[2], child_errno = 0;
	ssize_t n;

	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(errpipe[0]);
		close(errpipe[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		close(errpipe[0]);
		child_exec(argv, o, parent, errpipe[1]);
	}
	close(errpipe[1]);
	if (o->own_pgrp)
		setpgid(pid, pid);	/* no race with an early spawn_kill_group() */
	do
		n = read(errpipe[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(errpipe[0]);
	if (n > 0) {	/* exec failed: reap the child and report why */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = child_errno ? child_errno : ECHILD;
		return -1;
	}
	return pid;
}

int spawn_kill_group(pid_t pid, int sig)
{
	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (kill(-pid, sig) == 0)
		return 0;
	return kill(pid, sig);
}

int spawn_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Without pidfds: poll waitpid(WNOHANG) every 10 ms. */
static int wait_by_polling(pid_t pid, int timeout_ms, int *status)
{
	long long end = spawn_now_ms() + timeout_ms;
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (timeout_ms >= 0 && spawn_now_ms() >= end)
			return 0;
		nanosleep(&tick, NULL);
	}
}

int spawn_wait_timeout(pid_t pid, int timeout_ms, int *status)
{
	long long end = spawn_now_ms() + timeout_ms;
	int pfd, r;

	if (timeout_ms < 0) {
		while (waitpid(pid, status, 0) < 0)
			if (errno != EINTR)
				return -1;
		return 1;
	}
	pfd = spawn_pidfd(pid);
	if (pfd < 0)
		return wait_by_polling(pid, timeout_ms, status);
	for (;;) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		long long left = end - spawn_now_ms();

		r = poll(&p, 1, left > 0 ? (int)left : 0);
		if (r > 0 || (r == 0 && left <= 0))
			break;
		if (r < 0 && errno != EINTR)
			break;
	}
	close(pfd);
	if (r < 0)
		return -1;
	if (r == 0)
		return 0;
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 1;
}
