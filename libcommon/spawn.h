/*
 * Child processes: start one in its own process group that dies with its
 * parent, signal the whole group, wait with a timeout.
 */
#ifndef KTSTR_SPAWN_H
#define KTSTR_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct spawn_opts {
	int stdin_fd;		/* -1: /dev/null */
	int stdout_fd;		/* -1: /dev/null */
	int stderr_fd;		/* -1: inherit */
	const int *keep_fds;	/* passed to the child at the same numbers */
	size_t nkeep;
	bool own_pgrp;		/* setpgid(0, 0): kill it as a group */
	/*
	 * PR_SET_PDEATHSIG(SIGKILL). It fires when the THREAD that forked
	 * exits, so call spawn_start() from the main thread (or another
	 * thread that lives as long as the child should).
	 */
	bool die_with_parent;
};

/*
 * Fork and exec argv[0] (searched in PATH). Every other fd the caller
 * holds should be O_CLOEXEC; keep_fds have FD_CLOEXEC cleared in the
 * child only. The child gets default signal dispositions and an empty
 * signal mask. Returns the pid, or -1 with errno set (also when exec
 * itself failed, e.g. ENOENT).
 */
pid_t spawn_start(char *const argv[], const struct spawn_opts *o);

/* kill(-pgid, sig), falling back to kill(pid) when it has no group. */
int spawn_kill_group(pid_t pid, int sig);

/* A pidfd for poll() (readable when pid exits), or -1 (ENOSYS on old kernels). */
int spawn_pidfd(pid_t pid);

/*
 * Wait for pid for up to timeout_ms (< 0: forever). Returns 1 when it
 * exited (*status as from waitpid), 0 on timeout, -1 on error.
 */
int spawn_wait_timeout(pid_t pid, int timeout_ms, int *status);

/* Monotonic clock in milliseconds. */
long long spawn_now_ms(void);

#endif
