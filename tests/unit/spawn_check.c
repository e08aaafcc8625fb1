/* Drives libcommon/spawn for tests/unit/spawn.bats. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

static void report(int r, int st)
{
	if (r == 0)
		printf("timeout\n");
	else if (r < 0)
		printf("error %s\n", strerror(errno));
	else if (WIFEXITED(st))
		printf("exited %d\n", WEXITSTATUS(st));
	else
		printf("signaled %d\n", WTERMSIG(st));
}

/* spawn_check TIMEOUT_MS CMD ARGS...: start, wait, kill the group if still running. */
int main(int argc, char **argv)
{
	struct spawn_opts o = { .stdin_fd = -1, .stdout_fd = 1, .stderr_fd = -1,
				.own_pgrp = true, .die_with_parent = true };
	int st = 0, r, timeout;
	pid_t pid;

	if (argc < 3 || sscanf(argv[1], "%d", &timeout) != 1) {
		fprintf(stderr, "usage: spawn_check TIMEOUT_MS CMD [ARGS...]\n");
		return 2;
	}
	fflush(stdout);
	pid = spawn_start(argv + 2, &o);
	if (pid < 0) {
		printf("spawn failed: %s\n", strerror(errno));
		return 0;
	}
	printf("pgid %s\n", getpgid(pid) == pid ? "own" : "shared");
	r = spawn_wait_timeout(pid, timeout, &st);
	report(r, st);
	if (r == 0) {
		spawn_kill_group(pid, SIGKILL);
		r = spawn_wait_timeout(pid, 5000, &st);
		report(r, st);
	}
	return 0;
}
