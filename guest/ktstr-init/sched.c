/*
 * Starting and stopping the scheduler under test:
 * exec it with its log in SCHED_LOG, wait until sched_ext says it is enabled and
 * root/ops names it, and at the end ask it to go and check that it detached.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "sched.h"

#define ATTACH_POLL_MS 50
/*
 * SIGINT, then SIGKILL after this. Loaders exit within a second, but one
 * waiting for a vCPU on a busy TCG host took over 2 s of guest time.
 */
#define STOP_GRACE_MS 5000
#define DETACH_WAIT_MS 2000	/* for the state to read "disabled" */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static unsigned ms_since(uint64_t t0_ns)
{
	return (unsigned)((mono_ns() - t0_ns) / 1000000u);
}

static json_t *sched_event(const struct sched *s, const char *event)
{
	return json_pack("{s:s, s:s, s:s}", "type", "sched", "event", event, "name", s->name);
}

/* Where the binary is in the guest: guest_path, path, /sched/<basename of path>, /sched/<name>. */
static void resolve_binary(json_t *sj, const char *name, char *out, size_t len)
{
	const char *gp = json_string_value(json_object_get(sj, "guest_path"));
	const char *path = json_string_value(json_object_get(sj, "path"));
	const char *base = path ? (strrchr(path, '/') ? strrchr(path, '/') + 1 : path) : name;
	char cand[3][512];
	unsigned n = 0;

	if (gp)
		strfmt(cand[n++], sizeof(cand[0]), "%s", gp);
	if (path)
		strfmt(cand[n++], sizeof(cand[0]), "%s", path);
	strfmt(cand[n++], sizeof(cand[0]), "/sched/%s", base);
	for (unsigned i = 0; i < n; i++) {
		if (access(cand[i], F_OK) == 0) {
			strfmt(out, len, "%s", cand[i]);
			return;
		}
	}
	strfmt(out, len, "%s", cand[0]);	/* the error names the first choice */
}

/* argv: binary, job.scheduler.args..., NULL (malloc'd array, borrowed strings). */
static char **build_argv(const char *bin, json_t *args, char *err, size_t errlen)
{
	size_t n = json_array_size(args), i;
	char **argv;
	json_t *a;

	if (args && !json_is_array(args)) {
		strfmt(err, errlen, "job.scheduler.args: expected an array of strings");
		return NULL;
	}
	argv = xcalloc(n + 2, sizeof(*argv));
	argv[0] = (char *)bin;
	json_array_foreach(args, i, a) {
		if (!json_is_string(a)) {
			strfmt(err, errlen, "job.scheduler.args[%zu]: expected a string", i);
			free(argv);
			return NULL;
		}
		argv[i + 1] = (char *)json_string_value(a);
	}
	return argv;
}

static noreturn void exec_child(char **argv, int logfd, int errfd)
{
	int null = open("/dev/null", O_RDONLY);
	sigset_t none;
	int e;

	setpgid(0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);	/* init's crash handlers must not power the VM off */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(null, 0);
	dup2(logfd, 1);
	dup2(logfd, 2);
	execv(argv[0], argv);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		e = 0;
	_exit(127);
}

/* Fork and exec; -1 with err when it could not be executed (the cloexec pipe carries errno). */
static pid_t spawn(char **argv, char *err, size_t errlen)
{
	int logfd = open(SCHED_LOG, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	int ep[2], e = 0;
	pid_t pid;
	ssize_t n;

	if (logfd < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		strfmt(err, errlen, "%s: %s", logfd < 0 ? SCHED_LOG : "pipe", strerror(errno));
		if (logfd >= 0)
			close(logfd);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		exec_child(argv, logfd, ep[1]);
	close(ep[1]);
	close(logfd);
	if (pid < 0) {
		strfmt(err, errlen, "fork: %s", strerror(errno));
		close(ep[0]);
		return -1;
	}
	setpgid(pid, pid);
	do
		n = read(ep[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == (ssize_t)sizeof(e)) {
		strfmt(err, errlen, "cannot execute %s: %s", argv[0], strerror(e));
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	return pid;
}

/* waitpid WNOHANG on the scheduler; true once it has exited. */
static bool reap_nohang(struct sched *s)
{
	int st;

	if (!s->exited && waitpid(s->pid, &st, WNOHANG) == s->pid)
		sched_note_exit(s, s->pid, st);
	return s->exited;
}

bool sched_note_exit(struct sched *s, pid_t pid, int status)
{
	if (!s || !s->active || s->exited || pid != s->pid)
		return false;
	s->exited = true;
	s->status = status;
	kill(-pid, SIGKILL);	/* anything it left in its process group */
	return true;
}

/* SIGINT, STOP_GRACE_MS, SIGKILL; true when it had to be killed. */
static bool terminate(struct sched *s)
{
	uint64_t t0 = mono_ns();

	if (reap_nohang(s))
		return false;
	kill(s->pid, SIGINT);
	while (ms_since(t0) < STOP_GRACE_MS) {
		if (reap_nohang(s))
			return false;
		sleep_ms(20);
	}
	kill(-s->pid, SIGKILL);
	kill(s->pid, SIGKILL);
	while (!reap_nohang(s))
		sleep_ms(10);
	return true;
}

/* 1 attached, 0 the process exited, -1 timed out (state in state). */
static int wait_attached(struct sched *s, unsigned timeout_ms, char *state, size_t slen)
{
	uint64_t t0 = mono_ns();

	for (;;) {
		kmsg_drain(s);
		if (sysfs_read_line(SCX_SYSFS "/state", state, slen) < 0)
			strfmt(state, slen, "unreadable");
		if (!strcmp(state, "enabled") &&
		    sysfs_read_line(SCX_SYSFS "/root/ops", s->ops, sizeof(s->ops)) == 0 && s->ops[0])
			return 1;
		if (reap_nohang(s))
			return 0;
		if (ms_since(t0) >= timeout_ms)
			return -1;
		sleep_ms(ATTACH_POLL_MS);
	}
}

/* CPU time (user + system) pid has used, in ms; -1 when it cannot be read. */
static long proc_cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	ssize_t n;
	int fd;

	strfmt(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* after "(comm)": state is field 3, utime 14, stime 15 */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

static unsigned attach_timeout(json_t *sj)
{
	json_t *t = json_object_get(sj, "attach_timeout_ms");
	json_int_t v = json_integer_value(t);

	return json_is_integer(t) && v >= 100 && v <= 600000 ? (unsigned)v : SCHED_ATTACH_TIMEOUT_MS;
}

static int exec_failed(struct sched *s, const char *bin, const char *msg, char *why, size_t len)
{
	json_t *ev = sched_event(s, "exec_failed");

	json_object_set_new(ev, "binary", json_string(bin));
	json_object_set_new(ev, "message", json_string(msg));
	events_emit(s->ev, ev);
	s->start_failure = "exec_failed";
	strfmt(why, len, "scheduler %s: %s", s->name, msg);
	return -1;
}

/* The process is running: wait for the attach and report how it went. */
static int await_attach(struct sched *s, json_t *sj, const char *bin, char *why, size_t len)
{
	const char *expect = json_string_value(json_object_get(sj, "ops"));
	unsigned timeout = attach_timeout(sj), load_ms;
	uint64_t t0 = mono_ns();
	char state[64];
	int rc = wait_attached(s, timeout, state, sizeof(state));
	json_t *ev;

	load_ms = ms_since(t0);
	if (rc == 1) {
		ev = sched_event(s, "attached");
		json_object_set_new(ev, "ops", json_string(s->ops));
		if (expect && strcmp(expect, s->ops))
			json_object_set_new(ev, "ops_expected", json_string(expect));
		json_object_set_new(ev, "load_ms", json_integer(load_ms));
		json_object_set_new(ev, "pid", json_integer(s->pid));
		json_object_set_new(ev, "binary", json_string(bin));
		json_object_set_new(ev, "args", json_is_array(json_object_get(sj, "args")) ?
					json_deep_copy(json_object_get(sj, "args")) : json_array());
		events_emit(s->ev, ev);
		repro_scheduler_attached(&s->repro);
		return 0;
	}
	if (rc == 0) {
		ev = sched_event(s, "died_at_start");
		s->start_failure = "died_at_start";
		json_add_wait_status(ev, s->status);
		strfmt(why, len, "scheduler %s died at start (%s %d)", s->name,
		       WIFSIGNALED(s->status) ? "signal" : "exit status",
		       WIFSIGNALED(s->status) ? WTERMSIG(s->status) : WEXITSTATUS(s->status));
	} else {
		long cpu_ms = proc_cpu_ms(s->pid);
		bool killed = terminate(s);

		ev = sched_event(s, "never_attached");
		json_object_set_new(ev, "killed", json_boolean(killed));
		if (cpu_ms >= 0)	/* busy initializing, or idle and hung */
			json_object_set_new(ev, "cpu_ms", json_integer(cpu_ms));
		s->start_failure = "never_attached";
		json_object_set_new(ev, "state", json_string(state));
		json_object_set_new(ev, "waited_ms", json_integer(load_ms));
		strfmt(why, len, "scheduler %s never attached within %u ms (sched_ext state %s)",
		       s->name, timeout, state);
	}
	kmsg_drain(s);
	json_object_set_new(ev, "pid", json_integer(s->pid));
	json_object_set_new(ev, "log_tail", sched_log_tail());
	events_emit(s->ev, ev);
	scx_dump_end(&s->dump);
	repro_end(&s->repro);
	return -1;
}

int sched_start(struct sched *s, struct events *ev, json_t *job, char *why, size_t len)
{
	json_t *sj = json_object_get(job, "scheduler");
	const char *name = json_string_value(json_object_get(sj, "name"));
	char bin[512], err[640], state[64];
	char **argv;

	memset(s, 0, sizeof(*s));
	s->ev = ev;
	s->kmsg_fd = -1;
	s->dump.fd = -1;
	s->repro.to = s->repro.from = -1;
	s->died_step = -1;
	s->backtrace = json_array();
	if (!name || !strcmp(name, "eevdf"))
		return 0;	/* the kernel's own scheduler: nothing to start */
	s->active = true;
	strfmt(s->name, sizeof(s->name), "%s", name);
	resolve_binary(sj, name, bin, sizeof(bin));
	if (sysfs_read_line(SCX_SYSFS "/state", state, sizeof(state)) < 0)
		return exec_failed(s, bin, "this kernel has no sched_ext (" SCX_SYSFS "/state is missing)",
				   why, len);
	if (!(argv = build_argv(bin, json_object_get(sj, "args"), err, sizeof(err))))
		return exec_failed(s, bin, err, why, len);
	s->kmsg_fd = kmsg_open();
	scx_dump_start(&s->dump, ev);
	repro_start(&s->repro, ev, job);	/* its kprobes must be in before the scheduler starts */
	s->pid = spawn(argv, err, sizeof(err));
	free(argv);
	if (s->pid < 0) {
		s->pid = 0;
		s->exited = true;
		repro_end(&s->repro);
		return exec_failed(s, bin, err, why, len);
	}
	return await_attach(s, sj, bin, why, len);
}

/* Poll the state until it reads "disabled" or DETACH_WAIT_MS pass. */
static void wait_disabled(char *state, size_t len)
{
	uint64_t t0 = mono_ns();

	while (sysfs_read_line(SCX_SYSFS "/state", state, len) == 0 && strcmp(state, "disabled") &&
	       ms_since(t0) < DETACH_WAIT_MS)
		sleep_ms(20);
}

void sched_stop(struct sched *s, unsigned step)
{
	bool was_dead, killed;
	uint64_t t0 = mono_ns();
	char state[64];
	json_t *ev;

	if (!s->active || s->start_failure)
		return;
	repro_end(&s->repro);	/* before the stop: a ring not frozen by an exit ends here */
	if (s->pid > 0 && !s->exited)
		kill(s->pid, SIGCONT);	/* in case the tracer went away holding the loader */
	was_dead = reap_nohang(s);
	s->stopping = true;
	killed = terminate(s);
	wait_disabled(state, sizeof(state));
	kmsg_drain(s);
	scx_dump_end(&s->dump);
	sched_check_kernel_exit(s, step, true);
	ev = sched_event(s, "detached");
	json_object_set_new(ev, "clean", json_boolean(!was_dead && !killed && !s->kernel_exit_sent &&
						      WIFEXITED(s->status) && !WEXITSTATUS(s->status) &&
						      !strcmp(state, "disabled")));
	json_add_wait_status(ev, s->status);
	json_object_set_new(ev, "state", json_string(state));
	json_object_set_new(ev, "killed", json_boolean(killed));
	json_object_set_new(ev, "stop_ms", json_integer(ms_since(t0)));
	json_object_set_new(ev, "log_tail", sched_log_tail());
	events_emit(s->ev, ev);
}

void sched_close(struct sched *s)
{
	if (s->kmsg_fd >= 0)
		close(s->kmsg_fd);
	s->kmsg_fd = -1;
	json_decref(s->backtrace);
	s->backtrace = NULL;
	scx_dump_end(&s->dump);
	repro_end(&s->repro);
}
