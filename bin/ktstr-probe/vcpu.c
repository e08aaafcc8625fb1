/* vCPU threads from /proc/PID/task (see vcpu.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int vcpu_open_schedstat(int pid, int tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int vcpu_read_schedstat(int fd, int64_t *run_ns, int64_t *wait_ns)
{
	char buf[96];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long long run, wait;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%lld %lld", &run, &wait) != 2 || run < 0 || wait < 0)
		return -1;
	*run_ns = run;
	*wait_ns = wait;
	return 0;
}
