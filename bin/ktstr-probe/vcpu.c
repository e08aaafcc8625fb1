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
		int tid = atoi(de->d_name), fd;
		ssize_t n;

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		comm[n > 0 ? n : 0] = '\0';
		if (sscanf(comm, "CPU %u/%7s", &cpu, accel) == 2 && cpu < ncpus && !tids[cpu]) {
			tids[cpu] = tid;
			found++;
		}
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

/* A decimal number at *p, advanced past it: 0, or -1 when there is none. */
static int number(const char **p, int64_t *v)
{
	const char *q = *p;
	uint64_t n = 0;

	if (*q < '0' || *q > '9')
		return -1;
	while (*q >= '0' && *q <= '9' && n <= INT64_MAX / 10)
		n = n * 10 + (uint64_t)(*q++ - '0');
	if ((*q >= '0' && *q <= '9') || n > INT64_MAX)
		return -1;	/* (too large) */
	*v = (int64_t)n;
	*p = q;
	return 0;
}

int vcpu_read_schedstat(int fd, int64_t *run_ns, int64_t *wait_ns)
{
	char buf[96];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	const char *p = buf;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "run wait timeslices\n" (the kernel's fixed form) */
	if (number(&p, run_ns) || *p++ != ' ' || number(&p, wait_ns))
		return -1;
	return 0;
}
