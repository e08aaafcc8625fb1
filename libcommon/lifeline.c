#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lifeline.h"

static long parent_pid(void)
{
	const char *env = getenv("KTSTR_PARENT_PID");
	char *end;
	long want;

	if (!env || !*env)
		return -1;
	want = strtol(env, &end, 10);
	return *end || want <= 1 ? -1 : want;
}

int lifeline_pidfd(void)
{
	long want = parent_pid();

#ifdef SYS_pidfd_open
	if (want > 1)
		return (int)syscall(SYS_pidfd_open, (pid_t)want, 0);
#endif
	return -1;
}

bool lifeline_gone(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return pidfd >= 0 && poll(&p, 1, 0) > 0;
}

void lifeline_to_parent(void)
{
	long want = parent_pid();

	if (want <= 1)
		return;
	if (getppid() == (pid_t)want) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
			return;
		if (getppid() == (pid_t)want)
			return;
		/* it died between the two looks: the signal will not come */
	} else if (kill((pid_t)want, 0) == 0 || errno != ESRCH) {
		return;	/* a grandchild of a live parent: its own reader watches it */
	}
	raise(SIGTERM);
}
