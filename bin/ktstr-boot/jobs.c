/*
 * The runner: read records from stdin, queue jobs, keep up to -j VMs
 * running, relay their channels, enforce timeouts, end cleanly on signals.
 * One thread: every qemu is forked from it, so PR_SET_PDEATHSIG holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "jobs.h"
#include "lifeline.h"
#include "ndjson.h"
#include "paths.h"
#include "spawn.h"
#include "vm.h"

struct runner {
	struct vm_env env;
	struct vm **vms;
	size_t nvms;
	struct job *queue;		/* FIFO: queue[0] starts next */
	size_t qlen, qcap;
	struct ndjson_reader rd;	/* names the input and counts lines */
	struct linebuf in_lb;
	bool in_eof, stopping;
	int sigfd;
	int parent_fd;			/* the script that started us: readable once it is gone */
	int status;
	char **ids;			/* job ids seen (must be unique: log names) */
	size_t nids;
	char **calibrated;		/* kernel dirs whose calibration was tried */
	size_t ncal;
	long long crowd_at;		/* when the VMs running last changed (monotonic ms) */
};

/*
 * When the VMs running change (at ms now): each running one adds how many ran
 * since the last change, times how long. Its wall time depends on its company
 * when VMs share the host's CPUs, and the planner's estimates learn by it.
 */
static void crowd_note(struct runner *r, long long now)
{
	for (size_t i = 0; i < r->nvms; i++) {
		r->vms[i]->crowd_ms += (long long)r->nvms * (now - r->crowd_at);
		r->vms[i]->crowd_span_ms += now - r->crowd_at;
	}
	r->crowd_at = now;
}

static bool seen(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static void remember(char ***list, size_t *n, const char *s)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = xstrdup(s);
}

static void enqueue(struct runner *r, const struct job *j)
{
	if (r->qlen == r->qcap) {
		r->qcap = r->qcap ? 2 * r->qcap : 8;
		r->queue = xrealloc(r->queue, r->qcap * sizeof(*r->queue));
	}
	r->queue[r->qlen++] = *j;
}

static void input_line(void *ctx, char *line, size_t len)
{
	struct runner *r = ctx;
	json_t *rec = ndjson_parse_line(&r->rd, line, len);
	struct job j;
	char err[512];

	if (!rec)
		return;
	if (strcmp(ndjson_type(rec), "job")) {
		if (!r->env.o->dry_run)	/* a dry run's stdout is command lines */
			ndjson_write(stdout, rec);	/* not ours: pass it on unchanged */
		json_decref(rec);
		return;
	}
	if (job_parse(rec, r->rd.lineno, &j, err, sizeof(err)) < 0)
		ndjson_bad_record(&r->rd, rec, "%s", err);
	if (seen(r->ids, r->nids, j.id))
		ndjson_bad_record(&r->rd, rec, "field \"id\": \"%s\" is used by an earlier job", j.id);
	remember(&r->ids, &r->nids, j.id);
	enqueue(r, &j);
	/* Later stages (eval, sidecar) judge and store by the job: pass it on. */
	if (!r->env.o->dry_run)
		ndjson_write(stdout, rec);
	json_decref(rec);
}

static void input_too_long(void *ctx)
{
	struct runner *r = ctx;

	ndjson_line_too_long(r->rd.name, r->rd.lineno + 1);
}

static void read_input(struct runner *r)
{
	char buf[65536];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0)
		die(EXIT_USAGE, "%s: read error: %s", r->rd.name, strerror(errno));
	if (n == 0) {
		r->in_eof = true;
		linebuf_flush(&r->in_lb, input_line, r);
		return;
	}
	linebuf_feed(&r->in_lb, buf, (size_t)n, input_line, r);
}

/* --write-initramfs: the job's archive into DIR/<id>.cpio instead of a VM. */
static void write_initramfs(struct runner *r, struct job *j)
{
	const struct boot_opts *o = r->env.o;
	char err[512], name[160], *path, *tmp;
	long long ms;
	int fd = vm_initrd(&r->env, j, &ms, err, sizeof(err)), out = -1;
	off_t size, off = 0;
	json_t *rec;

	if (fd < 0)
		die(EXIT_INCONCLUSIVE, "job %s: %s", j->id, err);
	size = lseek(fd, 0, SEEK_END);
	snprintf(name, sizeof(name), "%s.cpio", j->id);
	path = paths_join(o->initramfs_out, name);
	tmp = xmalloc(strlen(path) + 32);
	sprintf(tmp, "%s.tmp.%d", path, (int)getpid());
	if (boot_mkdir_p(o->initramfs_out) == 0)
		out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	while (out >= 0 && off < size && sendfile(out, fd, &off, (size_t)(size - off)) > 0)
		;
	if (out < 0 || off != size || close(out) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		die(EXIT_INCONCLUSIVE, "%s: %s", path, strerror(errno));
	}
	rec = json_pack("{s:s,s:s,s:s,s:I,s:I}", "type", "initramfs", "job", j->id, "path", path,
			"bytes", (json_int_t)size, "build_ms", ms);
	ndjson_write(stdout, rec);
	json_decref(rec);
	close(fd);
	free(tmp);
	free(path);
	job_free(j);
}

static void start_vm(struct runner *r, struct job *j)
{
	struct vm *vm = xcalloc(1, sizeof(*vm));
	char err[512];

	vm->job = *j;
	if (vm_start(vm, &r->env, err, sizeof(err)) < 0) {
		if (vm->job.internal) {
			warnmsg("kernel %s: no calibrate boot: %s", vm->job.kernel_image, err);
		} else {
			vm_report_error(&vm->job, err, r->env.o);
			r->status = EXIT_INCONCLUSIVE;
		}
		vm_free(vm);
		return;
	}
	if (vm->job.internal)
		warnmsg("kernel %s: no kallsyms yet; calibrate boot (once per kernel)",
			vm->job.kernel_image);
	crowd_note(r, vm->t_start);	/* (before it joins: the time so far was the others') */
	r->vms = xrealloc(r->vms, (r->nvms + 1) * sizeof(*r->vms));
	r->vms[r->nvms++] = vm;
}

/* --dry-run: the command line instead of the VM. */
static void print_vm(struct runner *r, struct job *j)
{
	char err[512];

	if (dryrun_print(&r->env, j, err, sizeof(err)) < 0) {
		warnmsg("job %s: %s", j->id, err);
		if (!j->internal)
			r->status = EXIT_INCONCLUSIVE;
	}
	job_free(j);
}

static bool calibrating(const struct runner *r, const char *dir)
{
	for (size_t i = 0; i < r->nvms; i++)
		if (r->vms[i]->job.mode == MODE_CALIBRATE && r->vms[i]->job.kernel_dir &&
		    !strcmp(r->vms[i]->job.kernel_dir, dir))
			return true;
	return false;
}

/* A job on a kernel without cached symbols waits for a calibrate boot first. */
static bool needs_calibration(const struct job *j)
{
	char *p;
	bool missing;

	if (!j->kernel_dir || j->mode == MODE_CALIBRATE || access(j->kernel_image, R_OK) < 0)
		return false;
	p = paths_join(j->kernel_dir, "kallsyms");
	missing = access(p, F_OK) < 0;
	free(p);
	return missing;
}

static void start_ready(struct runner *r)
{
	while (!r->stopping && r->qlen && r->nvms < r->env.o->max_jobs) {
		struct job head = r->queue[0];

		if (!r->env.o->initramfs_out && needs_calibration(&head)) {
			struct job cal;

			if (calibrating(r, head.kernel_dir))
				return;		/* wait for it */
			if (!seen(r->calibrated, r->ncal, head.kernel_dir)) {
				remember(&r->calibrated, &r->ncal, head.kernel_dir);
				job_make_calibrate(&head, &cal);
				if (r->env.o->dry_run)
					print_vm(r, &cal);
				else
					start_vm(r, &cal);
				continue;
			}
		}
		memmove(r->queue, r->queue + 1, --r->qlen * sizeof(*r->queue));
		if (r->env.o->initramfs_out)
			write_initramfs(r, &head);
		else if (r->env.o->dry_run)
			print_vm(r, &head);
		else
			start_vm(r, &head);
	}
}

static void reap(struct runner *r)
{
	for (size_t i = 0; i < r->nvms;) {
		struct vm *vm = r->vms[i];
		const char *reason;

		if (waitpid(vm->pid, &vm->status, WNOHANG) != vm->pid) {
			i++;
			continue;
		}
		vm->exited = true;
		crowd_note(r, spawn_now_ms());
		reason = vm_finish(vm, r->env.o);
		if (!vm->job.internal &&
		    (!strcmp(reason, "error") || !strcmp(reason, "killed")))
			r->status = EXIT_INCONCLUSIVE;
		vm_free(vm);
		r->vms[i] = r->vms[--r->nvms];
	}
}

static void on_signal(struct runner *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		if (r->stopping)	/* second signal: leave now; PDEATHSIG kills qemu */
			die(EXIT_INCONCLUSIVE, "killed by signal %u", si.ssi_signo);
		warnmsg("signal %u: stopping %zu VM(s)", si.ssi_signo, r->nvms);
		r->stopping = true;
		r->status = EXIT_INCONCLUSIVE;
		for (size_t i = 0; i < r->nvms; i++)
			vm_kill(r->vms[i]);
	}
	reap(r);
}

static void add_pfd(struct pollfd *pfd, size_t *n, int fd)
{
	if (fd < 0)
		return;
	pfd[*n].fd = fd;
	pfd[*n].events = POLLIN;
	pfd[*n].revents = 0;
	(*n)++;
}

/* One poll() round: wait for input, a VM's bytes, a signal or a deadline. */
static void poll_once(struct runner *r, struct pollfd *pfd)
{
	long long now = spawn_now_ms(), next = 0;
	size_t n = 0;
	int timeout = -1;

	add_pfd(pfd, &n, r->sigfd);
	if (r->nvms)
		add_pfd(pfd, &n, r->parent_fd);
	if (!r->in_eof && !r->stopping && r->qlen == 0)	/* backpressure: one queue */
		add_pfd(pfd, &n, STDIN_FILENO);
	for (size_t i = 0; i < r->nvms; i++) {
		struct vm *vm = r->vms[i];
		long long d = vm_tick(vm, now);

		if (d && (!next || d < next))
			next = d;
		add_pfd(pfd, &n, vm->con_fd);
		add_pfd(pfd, &n, vm->ev_fd);
		add_pfd(pfd, &n, vm->ks_fd);
		add_pfd(pfd, &n, vm->err_fd);
	}
	if (r->nvms) {	/* a reader that went away (a killed stage) ends the VMs now */
		pfd[n].fd = STDOUT_FILENO;
		pfd[n].events = 0;
		pfd[n++].revents = 0;
	}
	if (next)
		timeout = next > now ? (int)(next - now) : 0;
	if (poll(pfd, n, timeout) < 0) {
		if (errno != EINTR)
			die(EXIT_INCONCLUSIVE, "poll: %s", strerror(errno));
		return;
	}
	for (size_t k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		if (pfd[k].fd == STDOUT_FILENO)
			die(EXIT_INCONCLUSIVE, "stdout: the reader is gone; stopping the VMs");
		if (pfd[k].fd == r->parent_fd)
			die(EXIT_INCONCLUSIVE, "the script that started us is gone; stopping the VMs");
		if (pfd[k].fd == r->sigfd)
			on_signal(r);
		else if (pfd[k].fd == STDIN_FILENO)
			read_input(r);
		else
			for (size_t i = 0; i < r->nvms; i++)
				if (vm_owns_fd(r->vms[i], pfd[k].fd))
					vm_on_input(r->vms[i], pfd[k].fd, r->env.o);
	}
}

static int signals_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		die(EXIT_INCONCLUSIVE, "signalfd: %s", strerror(errno));
	return fd;
}

static void runner_free(struct runner *r)
{
	for (size_t i = 0; i < r->qlen; i++)
		job_free(&r->queue[i]);
	free(r->queue);
	free(r->vms);
	for (size_t i = 0; i < r->nids; i++)
		free(r->ids[i]);
	free(r->ids);
	for (size_t i = 0; i < r->ncal; i++)
		free(r->calibrated[i]);
	free(r->calibrated);
	linebuf_free(&r->in_lb);
	if (r->env.base_ready)
		initramfs_base_close(&r->env.base);
	close(r->sigfd);
	if (r->parent_fd >= 0)
		close(r->parent_fd);
}

int runner_run(struct boot_opts *o)
{
	struct runner r = { 0 };
	struct pollfd *pfd = NULL;
	size_t pfd_cap = 0;
	int status;

	r.env.o = o;
	r.sigfd = signals_fd();
	r.parent_fd = lifeline_pidfd();
	r.env.parent_fd = r.parent_fd;
	ndjson_reader_init(&r.rd, stdin, "stdin");
	r.in_lb.max = NDJSON_LINE_MAX;
	r.in_lb.too_long = input_too_long;
	for (;;) {
		start_ready(&r);
		reap(&r);	/* a child that ended before its SIGCHLD was read */
		if ((r.in_eof || r.stopping) && (r.qlen == 0 || r.stopping) && r.nvms == 0)
			break;
		if (pfd_cap < 4 + 4 * r.nvms) {
			pfd_cap = 4 + 4 * r.nvms;	/* signals, parent, stdin, stdout, 4 per VM */
			pfd = xrealloc(pfd, pfd_cap * sizeof(*pfd));
		}
		poll_once(&r, pfd);
	}
	free(pfd);
	status = r.status;
	runner_free(&r);
	return status;
}
