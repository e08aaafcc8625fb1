/* The work types' loops. A "work unit" is one spin or one blocking op. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "work.h"
#include "ndjson.h"

void spin(unsigned n)
{
	volatile uint64_t x = 1;

	for (unsigned i = 0; i < n; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
}

void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	nanosleep(&ts, NULL);
}

void timed_sleep(struct telem *t, uint64_t ns)
{
	uint64_t t0 = mono_ns(), el;

	sleep_ns(ns);
	el = mono_ns() - t0;
	telem_wake(t, el > ns ? el - ns : 0);
}

void timed_yield(struct telem *t)
{
	uint64_t t0 = mono_ns();

	sched_yield();
	telem_wake(t, mono_ns() - t0);
}

static void loop_simple(struct work_ctx *c)
{
	enum work_kind k = c->w->kind;

	while (!*c->stop) {
		if (k != WORK_YIELD_HEAVY) {
			spin(1024);
			c->t->units += 1024;
		} else {
			c->t->units++;
		}
		if (k != WORK_CPU_SPIN)
			sched_yield();
		telem_tick(c->t);
	}
}

static void loop_io_sync(struct work_ctx *c)
{
	char path[64], *buf = calloc(1, 65536);
	int fd;

	snprintf(path, sizeof(path), "/tmp/ktstr-io-%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path);
	while (!*c->stop && fd >= 0 && buf) {
		if (pwrite(fd, buf, 65536, 0) < 0)
			break;
		fdatasync(fd);
		c->t->units += 16;	/* a checkpoint every 64 writes */
		timed_sleep(c->t, 100000);
		telem_tick(c->t);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
}

static void loop_bursty(struct work_ctx *c)
{
	uint64_t burst = (uint64_t)c->w->param[0] * 1000000u, pause = (uint64_t)c->w->param[1] * 1000000u;

	while (!*c->stop) {
		uint64_t end = mono_ns() + burst;

		while (!*c->stop && mono_ns() < end) {
			spin(1024);
			c->t->units += 1024;
			telem_tick(c->t);
		}
		if (!*c->stop)
			timed_sleep(c->t, pause);
	}
}

/* The token is the sender's timestamp: the receiver's wake latency. */
bool pipe_recv(struct work_ctx *c)
{
	struct pollfd pfd = { c->p->rfd, POLLIN, 0 };
	uint64_t stamp;

	while (!*c->stop) {
		int n = poll(&pfd, 1, 100);

		if (n < 0 && errno != EINTR)
			return false;
		if (n <= 0)
			continue;
		if (read(c->p->rfd, &stamp, sizeof(stamp)) != sizeof(stamp))
			return false;
		telem_wake(c->t, mono_ns() - stamp);
		return true;
	}
	return false;
}

bool pipe_send(struct work_ctx *c)
{
	uint64_t stamp = mono_ns();

	return write(c->p->wfd, &stamp, sizeof(stamp)) == sizeof(stamp);
}

static void loop_pipe_io(struct work_ctx *c)
{
	if (c->p->first && !pipe_send(c))
		return;
	while (pipe_recv(c)) {
		spin(c->w->param[0]);
		c->t->units += c->w->param[0];
		telem_tick(c->t);
		if (!pipe_send(c))
			return;
	}
}

long futex_wait(volatile uint32_t *addr, uint32_t val, uint64_t timeout_ns)
{
	struct timespec tmo = { (time_t)(timeout_ns / 1000000000u), (long)(timeout_ns % 1000000000u) };

	return syscall(SYS_futex, addr, FUTEX_WAIT, val, &tmo, NULL, 0);
}

long futex_wake(volatile uint32_t *addr, int n)
{
	return syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* Futex word 0 says whose turn it is (0: first, 1: second); words 2-3 hold the wake stamp. */
static void loop_futex(struct work_ctx *c)
{
	volatile uint32_t *turn = c->p->futex;
	volatile uint64_t *stamp = (volatile uint64_t *)(c->p->futex + 2);
	uint32_t me = c->p->first ? 0 : 1;
	struct timespec tmo = { 0, 100000000 };

	while (!*c->stop) {
		uint32_t cur = __atomic_load_n(turn, __ATOMIC_ACQUIRE);

		if (cur != me) {
			syscall(SYS_futex, turn, FUTEX_WAIT, cur, &tmo, NULL, 0);
			continue;
		}
		if (*stamp)	/* 0: nobody has woken us yet */
			telem_wake(c->t, mono_ns() - *stamp);
		spin(c->w->param[0]);
		c->t->units += c->w->param[0];
		telem_tick(c->t);
		*stamp = mono_ns();
		__atomic_store_n(turn, 1 - me, __ATOMIC_RELEASE);
		syscall(SYS_futex, turn, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
}

static void loop_cache(struct work_ctx *c)
{
	size_t size = (size_t)c->w->param[0] * 1024, stride = c->w->param[1];
	volatile unsigned char *buf = calloc(1, size);

	while (!*c->stop && buf) {
		for (size_t i = 0; i < size; i += stride)
			buf[i]++;
		c->t->units += size / stride;
		if (c->w->kind == WORK_CACHE_YIELD)
			timed_yield(c->t);
		telem_tick(c->t);
	}
	free((void *)buf);
}

static void loop_fork_exit(struct work_ctx *c)
{
	while (!*c->stop) {
		uint64_t t0 = mono_ns();
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			break;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		telem_wake(c->t, mono_ns() - t0);
		c->t->units++;
		telem_tick(c->t);
	}
}

static void loop_page_fault(struct work_ctx *c)
{
	size_t size = (size_t)c->w->param[0] * 1024, pages = size / 4096;
	unsigned char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t rng = 0x2545f4914f6cdd1dull ^ (uint64_t)getpid();

	if (buf == MAP_FAILED || pages == 0)
		return;
	madvise(buf, size, MADV_NOHUGEPAGE);
	while (!*c->stop) {
		for (unsigned i = 0; i < c->w->param[1]; i++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			buf[(rng % pages) * 4096] = 1;
		}
		spin(c->w->param[2]);
		madvise(buf, size, MADV_DONTNEED);
		c->t->units += c->w->param[1];
		telem_tick(c->t);
	}
	munmap(buf, size);
}

static void run_loop(struct work_ctx *c)
{
	switch (c->w->kind) {
	case WORK_CPU_SPIN:
	case WORK_YIELD_HEAVY:
	case WORK_MIXED: loop_simple(c); break;
	case WORK_IO_SYNC: loop_io_sync(c); break;
	case WORK_BURSTY: loop_bursty(c); break;
	case WORK_PIPE_IO: loop_pipe_io(c); break;
	case WORK_FUTEX_PING_PONG: loop_futex(c); break;
	case WORK_CACHE_PRESSURE:
	case WORK_CACHE_YIELD: loop_cache(c); break;
	case WORK_FORK_EXIT: loop_fork_exit(c); break;
	case WORK_PAGE_FAULT_CHURN: loop_page_fault(c); break;
	case WORK_CACHE_PIPE: loop_cache_pipe(c); break;
	case WORK_FUTEX_FAN_OUT:
	case WORK_FAN_OUT_COMPUTE: loop_fan_out(c); break;
	case WORK_SEQUENCE: loop_sequence(c); break;
	case WORK_NICE_SWEEP: loop_nice_sweep(c); break;
	case WORK_AFFINITY_CHURN: loop_affinity_churn(c); break;
	case WORK_POLICY_CHURN: loop_policy_churn(c); break;
	case WORK_MUTEX_CONTENTION: loop_mutex(c); break;
	case WORK_CUSTOM: loop_custom(c); break;
	case WORK_KIND_COUNT: break;
	}
}

void work_run(const struct work *w, const struct partner *p, struct run_shared *sh,
	      unsigned start_step, int report_fd, volatile int *stop)
{
	struct telem *t = malloc(sizeof(*t));
	struct work_ctx c = { w, p, t, stop, json_object() };
	char comm[17] = "";
	json_t *rep;
	char *line;

	if (!t)
		return;
	prctl(PR_GET_NAME, comm);	/* what kernel messages call this worker */
	telem_start(t, sh, start_step);
	run_loop(&c);
	rep = telem_report(t);
	free(t);
	json_object_set_new(rep, "comm", json_string(comm));
	json_object_update(rep, c.extra);	/* the loop's own fields win */
	json_decref(c.extra);
	line = json_dumps(rep, JSON_COMPACT | NDJSON_REALS);
	json_decref(rep);
	if (line)
		write_all(report_fd, line, strlen(line));
	free(line);
}
