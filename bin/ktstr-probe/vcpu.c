/* vCPU threads from /proc/PID/task (see vcpu.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu.h"

unsigned vcpu_find_threads(int pid, int *tids, unsigned ncpus)
{
	char path[64], comm[64], accel[8];
	struct dirent *de;
	unsigned found = 0, cpu;
	DIR *d;

	memset(tids, 0, ncpus * sizeof(*tids));
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if (!(d = opendir(path)))
		return 0;
	while ((de = readdir(d))) {
		int tid = atoi(de->d_name);
		FILE *f;

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(comm, sizeof(comm), f) && sscanf(comm, "CPU %u/%7s", &cpu, accel) == 2 &&
		    cpu < ncpus && !tids[cpu]) {
			tids[cpu] = tid;
			found++;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

int vcpu_sched_ns(int pid, int tid, int64_t *run_ns, int64_t *wait_ns)
{
	char path[64];
	long long run = -1, wait = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	if (!(f = fopen(path, "r")))
		return -1;
	if (fscanf(f, "%lld %lld", &run, &wait) != 2)
		run = wait = -1;
	fclose(f);
	*run_ns = run;
	*wait_ns = wait;
	return run < 0 || wait < 0 ? -1 : 0;
}
