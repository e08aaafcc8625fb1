/*
 * Payloads: benchmark binaries the host packed at /payload/NAME (with their
 * libraries), run in a scenario's cgroup beside the workers. Each is its own
 * process group, so hackbench's or stress-ng's children end with it. Output
 * goes to files in /tmp; the host extracts metrics from it (ktstr-eval).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

#define OUTPUT_CAP (192 * 1024)	/* bytes of each stream sent to the host (a record stays < 1 MiB) */
#define STOP_GRACE_MS 2000	/* after the signal, before SIGKILL */

struct payload_proc {
	char *id, *payload, *cgroup;
	json_t *args, *checks;
	pid_t pid;
	unsigned step;
	uint64_t start_ns, deadline_ns;	/* deadline 0: none */
	bool reaped, timed_out, stopped;	/* stopped: by kill_payload or the scenario's end */
	int status;
	char out_path[96], err_path[96];
};

struct payload_set {
	struct payload_proc *v;
	unsigned n;
};

struct payload_set *payloads_new(void)
{
	return xcalloc(1, sizeof(struct payload_set));
}

bool payloads_note_exit(struct payload_set *ps, pid_t pid, int status)
{
	for (unsigned i = 0; ps && i < ps->n; i++)
		if (ps->v[i].pid == pid && !ps->v[i].reaped) {
			ps->v[i].reaped = true;
			ps->v[i].status = status;
			return true;
		}
	return false;
}

static struct payload_proc *find(struct payload_set *ps, const char *id)
{
	for (unsigned i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].id, id))
			return &ps->v[i];
	return NULL;
}

/* Read len bytes at off into buf; the count read. */
static size_t read_at(int fd, char *buf, size_t len, off_t off)
{
	size_t n = 0;
	ssize_t got;

	while (n < len && (got = pread(fd, buf + n, len - n, off + (off_t)n)) > 0)
		n += (size_t)got;
	return n;
}

/*
 * A file's text for the host: all of it up to OUTPUT_CAP bytes, else its
 * head (a JSON document starts there) and its tail (summaries end there).
 * *total is its whole size.
 */
static json_t *read_output(const char *path, json_int_t *total)
{
	static const char cut[] = "\n[... output left out ...]\n";
	char *buf = xmalloc(OUTPUT_CAP + sizeof(cut));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0, head = OUTPUT_CAP * 2 / 3, tail = OUTPUT_CAP - head;
	struct stat st;
	json_t *s;

	*total = 0;
	if (fd >= 0 && fstat(fd, &st) == 0) {
		*total = (json_int_t)st.st_size;
		if (st.st_size <= OUTPUT_CAP) {
			n = read_at(fd, buf, OUTPUT_CAP, 0);
		} else {
			n = read_at(fd, buf, head, 0);
			memcpy(buf + n, cut, sizeof(cut) - 1);
			n += sizeof(cut) - 1;
			n += read_at(fd, buf + n, tail, st.st_size - (off_t)tail);
		}
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	s = json_bytes(buf, n);
	free(buf);
	return s;
}

static void report(struct runner *r, struct payload_proc *p)
{
	json_int_t out_n, err_n;
	json_t *ev = json_pack("{s:s, s:s, s:s, s:o, s:i, s:i, s:O}", "type", "payload", "id", p->id,
			       "payload", p->payload, "cgroup", p->cgroup ? json_string(p->cgroup) : json_null(),
			       "step", p->step, "pid", (int)p->pid, "args", p->args);
	const char *status = p->timed_out ? "timed_out" : p->stopped ? "stopped" :
			     WIFSIGNALED(p->status) ? "signaled" : "exited";

	json_object_set_new(ev, "status", json_string(status));
	json_object_set_new(ev, "exit_code", WIFEXITED(p->status) ? json_integer(WEXITSTATUS(p->status)) : json_null());
	json_object_set_new(ev, "signal", WIFSIGNALED(p->status) ? json_integer(WTERMSIG(p->status)) : json_null());
	json_object_set_new(ev, "elapsed_ms", json_integer((json_int_t)((mono_ns() - p->start_ns) / 1000000u)));
	json_object_set_new(ev, "stdout", read_output(p->out_path, &out_n));
	json_object_set_new(ev, "stderr", read_output(p->err_path, &err_n));
	json_object_set_new(ev, "stdout_bytes", json_integer(out_n));
	json_object_set_new(ev, "stderr_bytes", json_integer(err_n));
	if (p->checks)
		json_object_set(ev, "checks", p->checks);
	events_emit(r->ev, ev);
}

static void forget(struct payload_set *ps, struct payload_proc *p)
{
	free(p->id);
	free(p->payload);
	free(p->cgroup);
	json_decref(p->args);
	json_decref(p->checks);
	*p = ps->v[--ps->n];
}

/* The child: wait for the go byte (it is in its cgroup then), then exec. */
static void child_exec(int go, const char *bin, char *const *argv, const struct payload_proc *p)
{
	static char *const envp[] = { "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/tmp", "TMPDIR=/tmp",
				      "LANG=C", NULL };
	int in = open("/dev/null", O_RDONLY), out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char c;

	setpgid(0, 0);
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	if (chdir("/tmp") < 0)
		_exit(126);
	execve(bin, argv, envp);
	dprintf(2, "ktstr-init: exec %s: %s\n", bin, strerror(errno));
	_exit(127);
}

static char **argv_of(const char *name, json_t *args)
{
	char **argv = xcalloc(json_array_size(args) + 2, sizeof(char *));
	size_t i;
	json_t *a;

	argv[0] = (char *)name;
	json_array_foreach(args, i, a)
		argv[i + 1] = (char *)json_string_value(a);
	return argv;
}

/* The op's args, else the job's (the definition's default_args, resolved on the host). */
static json_t *args_of(struct runner *r, const struct op *o)
{
	json_t *a;

	if (o->pl.args) {
		a = json_array();
		for (unsigned i = 0; i < o->pl.nargs; i++)
			json_array_append_new(a, json_string(o->pl.args[i]));
		return a;
	}
	a = json_object_get(json_object_get(r->payload_defs, o->pl.payload), "args");
	return json_is_array(a) ? json_deep_copy(a) : json_array();
}

void payload_run(struct runner *r, const struct op *o)
{
	struct payload_set *ps = r->ws.payloads;
	struct payload_proc *p;
	char bin[128], err[512], **argv;
	int go[2];

	snprintf(bin, sizeof(bin), "/payload/%s", o->pl.payload);
	if (access(bin, X_OK) < 0) {
		runner_error(r, "run_payload %s: %s is not in the VM (the job's \"payloads\" names "
			     "what the host packs)", o->pl.id, bin);
		return;
	}
	if (pipe2(go, O_CLOEXEC) < 0) {
		runner_error(r, "run_payload %s: pipe: %s", o->pl.id, strerror(errno));
		return;
	}
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof(*p));
	p->id = xstrdup(o->pl.id);
	p->payload = xstrdup(o->pl.payload);
	p->cgroup = o->a ? xstrdup(o->a) : NULL;
	p->args = args_of(r, o);
	p->checks = o->pl.checks ? json_incref(o->pl.checks) : NULL;
	p->step = r->step;
	snprintf(p->out_path, sizeof(p->out_path), "/tmp/ktstr-payload-%s.out", p->id);
	snprintf(p->err_path, sizeof(p->err_path), "/tmp/ktstr-payload-%s.err", p->id);
	argv = argv_of(o->pl.payload, p->args);
	p->pid = fork();
	if (p->pid == 0)
		child_exec(go[0], bin, argv, p);
	free(argv);
	close(go[0]);
	if (p->pid < 0) {
		runner_error(r, "run_payload %s: fork: %s", o->pl.id, strerror(errno));
		close(go[1]);
		forget(ps, p);
		return;
	}
	setpgid(p->pid, p->pid);	/* both sides: kill(-pid) works from now on */
	if (p->cgroup && cg_move_pid(p->cgroup, p->pid, err, sizeof(err)) < 0)
		runner_error(r, "move payload %s into %s: %s", p->id, p->cgroup, err);
	p->start_ns = mono_ns();
	p->deadline_ns = o->pl.timeout_ms ? p->start_ns + (uint64_t)o->pl.timeout_ms * 1000000u : 0;
	if (write(go[1], "g", 1) < 0)
		runner_error(r, "run_payload %s: start: %s", p->id, strerror(errno));
	close(go[1]);
}

/* Signal the group, wait STOP_GRACE_MS, then SIGKILL; reaped afterwards. */
static void stop(struct runner *r, struct payload_proc *p, int sig)
{
	uint64_t end = mono_ns() + (uint64_t)STOP_GRACE_MS * 1000000u;
	pid_t pid = p->pid;

	kill(-pid, sig);
	while (!p->reaped && mono_ns() < end) {
		usleep(10000);
		reap_children(&r->ws, r->sched);
	}
	if (!p->reaped) {
		kill(-pid, SIGKILL);
		while (!p->reaped && waitpid(pid, &p->status, 0) == pid)
			p->reaped = true;
	}
	kill(-pid, SIGKILL);	/* children that outlived their parent */
}

/* Report the payloads that ended; kill those past their deadline. */
void payloads_poll(struct runner *r)
{
	struct payload_set *ps = r->ws.payloads;

	for (unsigned i = 0; ps && i < ps->n;) {
		struct payload_proc *p = &ps->v[i];

		if (!p->reaped && p->deadline_ns && mono_ns() >= p->deadline_ns) {
			p->timed_out = true;
			stop(r, p, SIGKILL);
		}
		if (!p->reaped) {
			i++;
			continue;
		}
		kill(-p->pid, SIGKILL);
		report(r, p);
		forget(ps, p);
	}
}

void payload_wait(struct runner *r, const struct op *o)
{
	struct payload_proc *p = find(r->ws.payloads, o->pl.id);
	uint64_t end;

	if (!p)		/* it ended and was reported already */
		return;
	end = o->pl.timeout_ms ? mono_ns() + (uint64_t)o->pl.timeout_ms * 1000000u : 0;
	if (end && (!p->deadline_ns || end < p->deadline_ns))
		p->deadline_ns = end;
	while ((p = find(r->ws.payloads, o->pl.id)))
		runner_sleep_ms(r, 20);
}

void payload_kill(struct runner *r, const struct op *o)
{
	struct payload_proc *p = find(r->ws.payloads, o->pl.id);

	if (!p)
		return;
	if (!p->reaped) {
		p->stopped = true;
		stop(r, p, o->pl.signal);
	}
	payloads_poll(r);
}

/* The scenario is over: stop what still runs (SIGTERM) and report everything. */
void payloads_end(struct runner *r)
{
	struct payload_set *ps = r->ws.payloads;

	for (unsigned i = 0; ps && i < ps->n; i++)
		if (!ps->v[i].reaped) {
			ps->v[i].stopped = true;
			stop(r, &ps->v[i], SIGTERM);
		}
	payloads_poll(r);
}

void payloads_free(struct payload_set *ps)
{
	while (ps && ps->n)
		forget(ps, &ps->v[0]);
	if (ps)
		free(ps->v);
	free(ps);
}
