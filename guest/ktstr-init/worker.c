/* Worker processes: fork blocked, start once in their cgroup, stop on SIGUSR1, report. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/mempolicy.h>

#include "die.h"
#include "init.h"


/* The child's stop flag: a signal handler can only reach a static. */
static volatile int worker_stop;

static void on_stop(int sig)
{
	(void)sig;
	worker_stop = 1;
}

/* What the parent sends through the start pipe (one atomic write, < PIPE_BUF). */
struct start_msg {
	unsigned step;		/* the step it starts in (the shared page may lag) */
	int policy, prio, nice;
	int has_affinity;
	struct cpuset affinity;
	struct mem_policy mem;
};

void workers_init(struct worker_set *ws)
{
	memset(ws, 0, sizeof(*ws));
	ws->shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ws->shared == MAP_FAILED)
		ws->shared = NULL;
}

void workers_free(struct worker_set *ws)
{
	for (unsigned i = 0; i < ws->n; i++)
		free(ws->w[i].cgroup);
	free(ws->w);
	if (ws->shared)
		munmap(ws->shared, 4096);
	memset(ws, 0, sizeof(*ws));
}

/* Keep only fds 0-2 and the worker's own, renumbered from 3. */
static void child_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			fds[i] = fcntl(fds[i], F_DUPFD, 100 + (int)i);
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			fds[i] = dup2(fds[i], 3 + (int)i);
	close_range(3 + n, ~0U, 0);
}

static void child_setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };	/* no SA_RESTART: blocking ops return */

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);	/* init's crash handlers must not power the VM off */
	sigaction(SIGUSR1, &sa, NULL);
	/*
	 * A partner that stopped first has closed its pipe end: the write fails
	 * (EPIPE) and the loop ends, instead of SIGPIPE killing the worker
	 * before it reports.
	 */
	signal(SIGPIPE, SIG_IGN);
}

/* The group's NUMA memory policy, by the syscall: no libnuma in the guest. */
static void child_mempolicy(const struct mem_policy *mp)
{
	static const int modes[] = { [MEM_LOCAL] = MPOL_LOCAL, [MEM_BIND] = MPOL_BIND,
				     [MEM_PREFERRED] = MPOL_PREFERRED, [MEM_INTERLEAVE] = MPOL_INTERLEAVE };
	unsigned long mask[CPUSET_MAX / (8 * sizeof(unsigned long))] = { 0 };
	int last = cpuset_last(&mp->nodes);

	if (mp->kind == MEM_DEFAULT)
		return;
	for (int n = cpuset_next(&mp->nodes, 0); n >= 0; n = cpuset_next(&mp->nodes, (unsigned)n + 1))
		mask[n / (8 * sizeof(unsigned long))] |= 1UL << (n % (8 * sizeof(unsigned long)));
	/* maxnode counts bits and the kernel drops the last one it is given */
	if (syscall(SYS_set_mempolicy, modes[mp->kind], mp->kind == MEM_LOCAL ? NULL : mask,
		    mp->kind == MEM_LOCAL ? 0UL : (unsigned long)last + 2) < 0)
		fprintf(stderr, "ktstr-init: worker %d: set_mempolicy: %s\n", getpid(), strerror(errno));
}

static void child_apply(const struct start_msg *m)
{
	struct sched_param sp = { .sched_priority = m->prio };
	cpu_set_t set;

	if (m->has_affinity) {
		CPU_ZERO(&set);
		for (int c = cpuset_next(&m->affinity, 0); c >= 0 && c < CPU_SETSIZE;
		     c = cpuset_next(&m->affinity, (unsigned)c + 1))
			CPU_SET(c, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			fprintf(stderr, "ktstr-init: worker %d: sched_setaffinity: %s\n", getpid(), strerror(errno));
	}
	if (m->policy != SCHED_OTHER && sched_setscheduler(0, m->policy, &sp) < 0)
		fprintf(stderr, "ktstr-init: worker %d: sched_setscheduler: %s\n", getpid(), strerror(errno));
	if (m->nice && setpriority(PRIO_PROCESS, 0, m->nice) < 0)
		fprintf(stderr, "ktstr-init: worker %d: setpriority: %s\n", getpid(), strerror(errno));
	child_mempolicy(&m->mem);
}

/*
 * The worker's comm: "<cgroup>:<index>" ("cg_0:3", "host:0"), with the group
 * when it is not the first ("cg_0:1.3"). The kernel keeps 15 characters, so a
 * long cgroup path gives way to its last component, then to that one's tail.
 */
static void worker_comm(const char *cgroup, unsigned group, unsigned index, char out[16])
{
	char idx[16];
	const char *cg = *cgroup ? cgroup : "host", *slash = strrchr(cg, '/');
	size_t room;

	if (group)
		snprintf(idx, sizeof(idx), ":%u.%u", group, index);
	else
		snprintf(idx, sizeof(idx), ":%u", index);
	room = strlen(idx) < 15 ? 15 - strlen(idx) : 0;
	if (strlen(cg) > room && slash)
		cg = slash + 1;
	if (strlen(cg) > room)
		cg += strlen(cg) - room;
	snprintf(out, 16, "%s%s", cg, idx);
}

static void worker_child(pid_t parent, const struct worker *wk, struct partner p, int start_fd,
			 int report_fd, struct run_shared *sh)
{
	int fds[4] = { start_fd, report_fd, p.rfd, p.wfd };
	struct start_msg m;
	char comm[16];
	ssize_t n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	worker_comm(wk->cgroup, wk->group, wk->index, comm);
	prctl(PR_SET_NAME, comm);	/* stall reports and dumps name the worker */
	if (getppid() != parent)
		_exit(1);
	setpgid(0, 0);
	child_setup_signals();
	child_fds(fds, 4);
	p.rfd = fds[2];
	p.wfd = fds[3];
	do
		n = read(fds[0], &m, sizeof(m));
	while (n < 0 && errno == EINTR && !worker_stop);
	if (n != sizeof(m))
		_exit(0);	/* never started */
	child_apply(&m);
	work_run(&wk->work, &p, sh, m.step, fds[1], &worker_stop);
	_exit(0);
}

static struct worker *worker_add(struct worker_set *ws)
{
	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? ws->cap * 2 : 16;
		ws->w = xrealloc(ws->w, ws->cap * sizeof(*ws->w));
	}
	memset(&ws->w[ws->n], 0, sizeof(ws->w[0]));
	return &ws->w[ws->n++];
}

static bool uses_pipes(const struct work *w)
{
	return w->kind == WORK_PIPE_IO || w->kind == WORK_CACHE_PIPE;
}

static bool uses_page(const struct work *w)
{
	return w->kind == WORK_FUTEX_PING_PONG || w->kind == WORK_FUTEX_FAN_OUT ||
	       w->kind == WORK_FAN_OUT_COMPUTE || w->kind == WORK_MUTEX_CONTENTION;
}

/* Group resources for worker i; pipes[] and page persist over the group. */
static int group_setup(unsigned i, const struct work *w, int pipes[4], volatile uint32_t **page,
		       struct partner *p)
{
	memset(p, 0, sizeof(*p));
	p->rfd = p->wfd = -1;
	p->size = work_group_size(w);
	p->rank = i % p->size;
	p->first = p->rank == 0;
	if (uses_pipes(w)) {
		if (p->first && (pipe2(pipes, O_CLOEXEC) < 0 || pipe2(pipes + 2, O_CLOEXEC) < 0))
			return -1;
		p->rfd = p->first ? pipes[0] : pipes[2];
		p->wfd = p->first ? pipes[3] : pipes[1];
	} else if (uses_page(w)) {
		if (p->first) {
			void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

			if (m == MAP_FAILED)
				return -1;
			*page = m;
		}
		p->futex = *page;
	}
	return 0;
}

/* After the group's last worker is forked: each keeps its own copies. */
static void group_release(unsigned i, const struct work *w, int pipes[4], volatile uint32_t *page)
{
	if (i % work_group_size(w) != work_group_size(w) - 1)
		return;
	if (uses_pipes(w))
		for (int k = 0; k < 4; k++)
			close(pipes[k]);
	if (uses_page(w))
		munmap((void *)page, 4096);
}

static int fork_one(struct worker_set *ws, struct worker *wk, const struct partner *p,
		    char *err, size_t errlen)
{
	int start[2], report[2];
	pid_t parent = getpid(), pid;

	if (pipe2(start, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0)
		worker_child(parent, wk, *p, start[0], report[1], ws->shared);
	close(start[0]);
	close(report[1]);
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(start[1]);
		close(report[0]);
		return -1;
	}
	wk->pid = pid;
	wk->start_fd = start[1];
	wk->report_fd = report[0];
	return 0;
}

int workers_spawn(struct worker_set *ws, const char *cgroup, unsigned group_idx,
		  const struct group *g, unsigned step, char *err, size_t errlen)
{
	int pipes[4] = { -1, -1, -1, -1 };
	volatile uint32_t *page = NULL;

	for (unsigned i = 0; i < g->count; i++) {
		struct partner p;
		struct worker *wk;

		if (group_setup(i, &g->work, pipes, &page, &p) < 0) {
			snprintf(err, errlen, "partner setup: %s", strerror(errno));
			return -1;
		}
		wk = worker_add(ws);
		wk->cgroup = xstrdup(cgroup);
		wk->group = group_idx;
		wk->index = i;
		wk->step = step;
		wk->work = g->work;
		wk->affinity = g->affinity;
		wk->policy = g->policy;
		wk->nice = g->nice;
		if (fork_one(ws, wk, &p, err, errlen) < 0) {
			free(wk->cgroup);
			ws->n--;
			return -1;
		}
		group_release(i, &g->work, pipes, page);
	}
	return 0;
}

void worker_start(struct worker *w, const struct group *g, const struct cpuset *affinity)
{
	struct start_msg m = { w->step, g->policy.policy, g->policy.prio, g->nice, affinity != NULL,
			       { { 0 } }, g->mem };

	if (affinity)
		m.affinity = *affinity;
	if (w->start_fd >= 0 && write_all(w->start_fd, &m, sizeof(m)) < 0)
		fprintf(stderr, "ktstr-init: start worker %d: %s\n", (int)w->pid, strerror(errno));
	if (w->start_fd >= 0)
		close(w->start_fd);
	w->start_fd = -1;
}

bool workers_note_exit(struct worker_set *ws, pid_t pid, int status)
{
	for (unsigned i = 0; i < ws->n; i++) {
		if (ws->w[i].pid == pid) {
			ws->w[i].reaped = true;
			ws->w[i].status = status;
			return true;
		}
	}
	return false;
}
