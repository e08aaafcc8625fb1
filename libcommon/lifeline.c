#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lifeline.h"

void lifeline_to_parent(void)
{
	const char *env = getenv("KTSTR_PARENT_PID");
	char *end;
	long want;

	if (!env || !*env)
		return;
	want = strtol(env, &end, 10);
	if (*end || want <= 1)
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
