/* Reading a VM's runqueues (see sample.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "jsonbuf.h"
#include "progs.h"
#include "runnable.h"
#include "sample.h"
#include "scenario.h"
#include "vcpu.h"
#include "weight.h"

static const char *str_at(json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

/* The memory files of a `vm` record: [{node, fd, size_mb}], in node order. */
static int vm_memory(json_t *vm, int *fds, size_t *sizes, unsigned *n, char *err, size_t errlen)
{
	json_t *mem = json_object_get(vm, "memory"), *m;
	size_t i;

	*n = 0;
	if (!json_array_size(mem) || json_array_size(mem) > GUESTMEM_MAX_NODES) {
		snprintf(err, errlen, "vm record: no \"memory\" files to read");
		return -1;
	}
	json_array_foreach(mem, i, m) {
		json_int_t fd = json_integer_value(json_object_get(m, "fd"));
		json_int_t mb = json_integer_value(json_object_get(m, "size_mb"));

		if (fd <= 2 || mb <= 0) {
			snprintf(err, errlen, "vm record: memory[%zu] needs fd and size_mb", i);
			return -1;
		}
		fds[i] = (int)fd;
		sizes[i] = (size_t)mb << 20;
	}
	*n = (unsigned)i;
	return 0;
}

/*
 * The vm record names a process and its memory files: map them only when
 * that process is a QEMU and each file is at least as large as claimed
 * (mapping past a file's end would fault). -1: gone (a finished VM, a stored
 * stream), -2: not what the record says (bad input).
 */
static int vm_check(int pid, const int *fds, const size_t *sizes, unsigned n, char *err, size_t errlen)
{
	char path[64], exe[4096];
	const char *base;
	struct stat st;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if ((len = readlink(path, exe, sizeof(exe) - 1)) < 0) {
		snprintf(err, errlen, "vm record: pid %d: %s", pid, strerror(errno));
		return errno == ENOENT || errno == ESRCH ? -1 : -2;
	}
	exe[len] = '\0';
	base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	if (strncmp(base, "qemu-system-", 12) && strncmp(base, "qemu-kvm", 8)) {
		snprintf(err, errlen, "vm record: pid %d is not a QEMU (it runs %s)", pid, exe);
		return -2;
	}
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fds[i]);
		if (stat(path, &st)) {
			snprintf(err, errlen, "vm record: memory[%u]: %s: %s", i, path, strerror(errno));
			return errno == ENOENT ? -1 : -2;
		}
		if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizes[i]) {
			snprintf(err, errlen, "vm record: memory[%u] (%s) is %s of %lld bytes, not the %zu MiB it claims",
				 i, path, S_ISREG(st.st_mode) ? "a file" : "not a file", (long long)st.st_size,
				 sizes[i] >> 20);
			return -2;
		}
	}
	return 0;
}

/*
 * The shortened watchdog, allowing a scenario's lightest workers their
 * weight: a SCHED_IDLE or nice 19 worker may wait 100 times as long as a
 * nice-0 one before it is starved, and the kernel's watchdog does not weigh
 * tasks. So the timeout grows by that factor, up to 30 s (the sched_ext
 * default); the host's own runnable-wait check still sees every task.
 */
static unsigned watchdog_light(json_t *job, unsigned watchdog_ms)
{
	json_t *body = json_object_get(job, "scenario");
	struct scenario sc;
	char err[256];
	double f, ms;

	if (!watchdog_ms || !json_is_object(body) || scenario_parse(body, &sc, err, sizeof(err)))
		return watchdog_ms;
	f = scenario_wait_factor(&sc);
	scenario_free(&sc);
	ms = watchdog_ms * f;
	if (f <= 1 || watchdog_ms >= WEIGHT_WATCHDOG_MAX_MS)
		return watchdog_ms;
	return ms > WEIGHT_WATCHDOG_MAX_MS ? WEIGHT_WATCHDOG_MAX_MS : (unsigned)ms;
}

int sampler_open(struct sampler *s, json_t *job, json_t *vm, unsigned watchdog_ms,
		 char *err, size_t errlen)
{
	const char *ksyms = str_at(job, "kernel", "ksyms"), *btf = str_at(job, "kernel", "btf");
	const char *dir = str_at(job, "kernel", "dir");
	json_int_t cpus = json_integer_value(json_object_get(json_object_get(job, "topo"), "cpus"));
	int fds[GUESTMEM_MAX_NODES], ok = 1;
	size_t sizes[GUESTMEM_MAX_NODES];
	char ksyms_in_dir[4096];
	unsigned n;
	int rc;
	uint64_t pob;

	memset(s, 0, sizeof(*s));
	if (!ksyms && dir) {
		/* a kernel's first job: ktstr-boot's calibrate boot wrote them before this VM */
		snprintf(ksyms_in_dir, sizeof(ksyms_in_dir), "%s/kallsyms", dir);
		ksyms = ksyms_in_dir;
	}
	if (!ksyms || !btf) {
		snprintf(err, errlen, "job has no kernel.ksyms (or kernel.dir) and kernel.btf (kallsyms and vmlinux)");
		return -1;
	}
	if (cpus <= 0 || cpus > 4096) {
		snprintf(err, errlen, "job has no topo.cpus");
		return -1;
	}
	if (vm_memory(vm, fds, sizes, &n, err, errlen))
		return -2;
	s->pid = (int)json_integer_value(json_object_get(vm, "pid"));
	if (s->pid <= 0) {
		snprintf(err, errlen, "vm record has no pid");
		return -2;
	}
	if ((rc = vm_check(s->pid, fds, sizes, n, err, errlen)) ||
	    kernel_info_load(&s->ki, ksyms, btf, str_at(job, "kernel", "config"), err, errlen))
		return rc ? rc : -1;
	/* writable to shorten the watchdog, or for the job's map_writes */
	if (guestmem_open(&s->gm, s->pid, fds, sizes, n,
			  watchdog_ms > 0 || json_array_size(json_object_get(job, "map_writes")) > 0,
			  err, errlen))
		return -1;
	s->watchdog_ms = watchdog_light(job, watchdog_ms);
	/* a kernel built without KASLR-stable values still says where its direct map is */
	pob = s->ki.page_offset_base ? guestmem_u64(&s->gm, s->ki.page_offset_base, &ok) : 0;
	if (ok && pob >> 47 == 0x1ffff)
		s->gm.page_offset = pob;
	/* BPF programs live in vmalloc space: the kernel's page tables, when 4-level */
	ok = 1;
	if (s->ki.init_top_pgt &&
	    !(s->ki.pgtable_l5_enabled && guestmem_u32(&s->gm, s->ki.pgtable_l5_enabled, &ok)) && ok)
		guestmem_use_page_tables(&s->gm, s->ki.init_top_pgt);
	s->ncpus = (unsigned)cpus;
	s->vcpu_tids = xcalloc(s->ncpus, sizeof(*s->vcpu_tids));
	s->vcpu_fds = xcalloc(s->ncpus, sizeof(*s->vcpu_fds));
	s->vcpu_idle = xcalloc(s->ncpus, sizeof(*s->vcpu_idle));
	for (unsigned c = 0; c < s->ncpus; c++)
		s->vcpu_fds[c] = -1;
	return 0;
}

/* The rq's schedstat counters into c, when the kernel has them. */
static void read_schedstat(struct sampler *s, uint64_t rq, struct sample_cpu *c)
{
	int ok = 1;

	for (unsigned i = 0; i < KERNEL_NSCHEDSTAT; i++)
		if (s->ki.rq_schedstat[i] != OFF_NONE)
			counterset_add_value(&c->schedstat, kernel_schedstat_name[i],
					     guestmem_u32(&s->gm, rq + s->ki.rq_schedstat[i], &ok));
	if (ok && c->schedstat.n)
		c->has |= SC_SCHEDSTAT;
	else
		counterset_clear(&c->schedstat);
}

int sampler_read_cpumask(const struct sampler *s, uint64_t va, struct cpuset *set)
{
	unsigned words = (s->ncpus + 63) / 64 < CPUSET_MAX / 64 ? (s->ncpus + 63) / 64 : CPUSET_MAX / 64;
	int ok = 1;

	cpuset_zero(set);
	for (unsigned w = 0; ok && w < words; w++)
		set->bits[w] = guestmem_u64(&s->gm, va + 8ull * w, &ok);
	if (s->ncpus % 64 && (s->ncpus + 63) / 64 <= CPUSET_MAX / 64)
		set->bits[(s->ncpus - 1) / 64] &= (1ull << (s->ncpus % 64)) - 1;
	return ok ? 0 : -1;
}

/* One CPU's runqueue into out, left out when it does not read back as CPU c. */
static void read_cpu(struct sampler *s, unsigned c, uint64_t jiffies, struct sample *out)
{
	const struct kernel_info *ki = &s->ki;
	const struct guestmem *gm = &s->gm;
	int ok = 1;
	uint64_t rq = ki->runqueues + guestmem_u64(gm, ki->per_cpu_offset + 8ull * c, &ok);
	uint64_t curr;
	struct sample_cpu *o;

	if (!ok || guestmem_u32(gm, rq + ki->rq_cpu, &ok) != c || !ok)
		return;
	o = sample_add_cpu(out);
	o->cpu = c;
	o->nr_running = guestmem_u32(gm, rq + ki->rq_nr_running, &ok);
	o->rq_clock = (long long)guestmem_u64(gm, rq + ki->rq_clock, &ok);
	if (ki->rq_scx_nr_running != OFF_NONE) {
		o->scx_nr_running = guestmem_u32(gm, rq + ki->rq_scx_nr_running, &ok);
		o->has |= SC_SCX_NR_RUNNING;
	}
	if (ki->rq_scx_local_dsq_nr != OFF_NONE) {
		o->local_dsq_depth = guestmem_u32(gm, rq + ki->rq_scx_local_dsq_nr, &ok);
		o->has |= SC_LOCAL_DSQ_DEPTH;
	}
	if (ki->rq_run_delay != OFF_NONE && ki->rq_pcount != OFF_NONE) {
		/* time tasks waited on this rq before running, and how many times they ran */
		o->run_delay_ns = (long long)guestmem_u64(gm, rq + ki->rq_run_delay, &ok);
		o->pcount = (long long)guestmem_u64(gm, rq + ki->rq_pcount, &ok);
		o->has |= SC_RUN_DELAY | SC_PCOUNT;
	}
	curr = guestmem_u64(gm, rq + ki->rq_curr, &ok);
	if (curr) {
		int pid_ok = 1;
		int32_t pid = (int32_t)guestmem_u32(gm, curr + ki->task_pid, &pid_ok);

		if (pid_ok) {
			o->curr_pid = pid;
			o->has |= SC_CURR_PID;
		}
	}
	runnable_read(s, rq, jiffies, out, o);
	read_schedstat(s, rq, o);
	if (!ok)
		out->ncpus--;	/* (its memory is the next CPU's) */
}

/*
 * sched_ext ejects a scheduler whose runnable tasks wait longer than its
 * watchdog timeout: 30 s unless the scheduler asks for less, longer than a
 * test. The probe shortens it from the host. The timeout is per scheduler
 * on newer kernels (scx_sched.watchdog_timeout) and the global
 * scx_watchdog_timeout before them. A delayed work checks the runnable lists
 * every scx_watchdog_interval (or, where that variable does not exist, every
 * half timeout, read when the work queues itself again), while scx_tick
 * ejects the scheduler when that work has not stamped scx_watchdog_timestamp
 * within the timeout. So the interval is shortened too where it exists, and
 * the stamp kept fresh until the work, still queued with the old delay, has
 * run once (it then writes a stamp of its own and keeps the new pace): the
 * first check comes at the old pace (15 s after attaching, for 30 s), the
 * next ones every half of watchdog_ms. Past the old delay and a second more,
 * the stamp is left alone: a work that does not run is the kernel's to report.
 * id names the attached scheduler (a new one starts over); timeout is the
 * address of its timeout.
 */
static void shorten_watchdog(struct sampler *s, uint64_t id, uint64_t timeout, struct sample *out)
{
	const struct kernel_info *ki = &s->ki;
	const struct guestmem *gm = &s->gm;
	uint64_t want = (uint64_t)s->watchdog_ms * ki->hz / 1000, cur, now, stamp;
	int ok = 1;

	cur = guestmem_u64(gm, timeout, &ok);
	if (!ok || !cur)
		return;
	if (s->wd_sch != id) {	/* another scheduler attached */
		s->wd_sch = id;
		s->wd_state = WD_IDLE;
	}
	if (want && gm->writable && ki->jiffies && ki->scx_watchdog_timestamp && s->wd_state != WD_DONE) {
		now = guestmem_u64(gm, ki->jiffies, &ok);
		stamp = guestmem_u64(gm, ki->scx_watchdog_timestamp, &ok);
		if (ok && s->wd_state == WD_IDLE && cur > want) {
			uint64_t old_intv = ki->scx_watchdog_interval ?
				guestmem_u64(gm, ki->scx_watchdog_interval, &ok) : cur / 2;

			if (!ok)
				return;
			s->wd_deadline = stamp + old_intv + ki->hz;
			guestmem_put_u64(gm, ki->scx_watchdog_timestamp, now);
			guestmem_put_u64(gm, timeout, want);
			if (ki->scx_watchdog_interval)
				guestmem_put_u64(gm, ki->scx_watchdog_interval, want / 2 ? want / 2 : 1);
			s->wd_stamp = now;
			s->wd_state = WD_WAITING;
			cur = want;
		} else if (ok && s->wd_state == WD_WAITING &&
			   (stamp != s->wd_stamp || (int64_t)(now - s->wd_deadline) > 0)) {
			s->wd_state = WD_DONE;	/* the work ran at the new pace, or is the kernel's case */
		} else if (ok && s->wd_state == WD_WAITING) {
			guestmem_put_u64(gm, ki->scx_watchdog_timestamp, now);
			s->wd_stamp = now;
		}
	}
	out->watchdog_ms = (long long)(cur * 1000 / ki->hz);
	out->has |= S_WATCHDOG_MS;
}

/*
 * Kernels before scx_root (6.12 to 6.15) have one scheduler, the static
 * scx_ops, attached while scx_ops_enable_state_var says enabled; their
 * watchdog timeout is the global scx_watchdog_timeout.
 */
uint64_t sampler_scheduler(const struct sampler *s)
{
	const struct kernel_info *ki = &s->ki;
	uint64_t sch = 0;
	int ok = 1;

	if (ki->scx_root)
		sch = guestmem_u64(&s->gm, ki->scx_root, &ok);
	else if (ki->scx_ops && ki->scx_ops_enable_state && ki->scx_ops_enabled >= 0 &&
		 guestmem_u32(&s->gm, ki->scx_ops_enable_state, &ok) == (uint32_t)ki->scx_ops_enabled)
		sch = ki->scx_ops;
	return ok ? sch : 0;
}

int sampler_scheduler_name(const struct sampler *s, uint64_t sch, char *buf, size_t len)
{
	const struct kernel_info *ki = &s->ki;
	uint64_t off = ki->scx_root ? ki->sch_ops_name : ki->ops_static_name;
	size_t n = ki->scx_root ? ki->ops_name_len : ki->ops_static_name_len;

	if (n >= len)
		n = len - 1;
	if (off == OFF_NONE || !n || guestmem_read(&s->gm, sch + off, buf, n))
		return -1;
	buf[n] = '\0';
	return buf[0] ? 0 : -1;
}

/* The attached sched_ext scheduler's name and event totals into out, if there is one. */
static void read_scheduler(struct sampler *s, struct sample *out)
{
	const struct kernel_info *ki = &s->ki;
	const struct guestmem *gm = &s->gm;
	int64_t total[KERNEL_MAX_EVENTS] = { 0 };
	char name[129];
	uint64_t sch = sampler_scheduler(s), pcpu;
	int ok = 1;

	s->sch_new = sch && sch != s->sch_seen;
	s->sch_seen = sch;
	if (!sch) {
		s->wd_sch = 0;	/* a scheduler attaching later starts over */
		return;
	}
	if (!sampler_scheduler_name(s, sch, name, sizeof(name)) && jsonbuf_utf8_ok(name))
		out->scheduler = sample_add_text(out, name);
	if (ki->scx_root && ki->sch_watchdog_timeout != OFF_NONE)
		shorten_watchdog(s, sch, sch + ki->sch_watchdog_timeout, out);
	else if (ki->scx_watchdog_timeout)
		shorten_watchdog(s, sch, ki->scx_watchdog_timeout, out);
	progs_read(s, sch, out);
	if (!ki->scx_root)
		return;		/* the static scx_ops keeps no event counters */
	if (ki->sch_pcpu == OFF_NONE || ki->pcpu_event_stats == OFF_NONE || !ki->nevents)
		return;
	pcpu = guestmem_u64(gm, sch + ki->sch_pcpu, &ok);
	for (unsigned c = 0; ok && c < s->ncpus; c++) {
		uint64_t base = pcpu + guestmem_u64(gm, ki->per_cpu_offset + 8ull * c, &ok) +
				ki->pcpu_event_stats;

		for (unsigned e = 0; ok && e < ki->nevents; e++)
			total[e] += (int64_t)guestmem_u64(gm, base + ki->event_off[e], &ok);
	}
	if (!ok)
		return;
	for (unsigned e = 0; e < ki->nevents; e++)
		counterset_add_value(&out->events, ki->event_name[e], total[e]);
	out->has |= S_EVENTS;
}

void sampler_find_vcpus(struct sampler *s)
{
	/* vCPU threads exist once QEMU runs the guest; look until all are known */
	if (s->vcpus_found >= s->ncpus)
		return;
	s->vcpus_found = vcpu_find_threads(s->pid, s->vcpu_tids, s->ncpus);
	for (unsigned c = 0; c < s->ncpus; c++)	/* (opening them is part of the start) */
		if (s->vcpu_tids[c] && s->vcpu_fds[c] < 0)
			s->vcpu_fds[c] = vcpu_open_schedstat(s->pid, s->vcpu_tids[c]);
}

/*
 * The lines of the runqueues and event counts that this sample reads,
 * asked for ahead (see guestmem_prefetch): for a sample that the last one
 * did not read the same (see guestmem_batch_begin).
 */
static void prefetch_cpus(struct sampler *s, uint64_t sch)
{
	const struct kernel_info *ki = &s->ki;
	const struct guestmem *gm = &s->gm;
	const uint64_t rq_off[] = {
		ki->rq_cpu, ki->rq_nr_running, ki->rq_clock, ki->rq_curr, ki->rq_scx_nr_running,
		ki->rq_scx_local_dsq_nr, ki->rq_run_delay, ki->rq_pcount, ki->rq_scx_runnable_list,
		ki->rq_schedstat[0], ki->rq_schedstat[KERNEL_NSCHEDSTAT - 1],
	};
	uint64_t events = 0;
	int ok = 1;

	if (sch && ki->scx_root && ki->sch_pcpu != OFF_NONE && ki->pcpu_event_stats != OFF_NONE &&
	    ki->nevents)
		events = guestmem_u64(gm, sch + ki->sch_pcpu, &ok) + ki->pcpu_event_stats;
	for (unsigned c = 0; c < s->ncpus; c++) {
		uint64_t pcpu_off;

		ok = 1;
		pcpu_off = guestmem_u64(gm, ki->per_cpu_offset + 8ull * c, &ok);
		for (unsigned k = 0; ok && k < sizeof(rq_off) / sizeof(rq_off[0]); k++)
			if (rq_off[k] != OFF_NONE)
				guestmem_prefetch(gm, ki->runqueues + pcpu_off + rq_off[k]);
		for (unsigned e = 0; ok && events && e < ki->nevents; e += 8)	/* (8 counts a line) */
			guestmem_prefetch(gm, events + pcpu_off + ki->event_off[e]);
	}
}

/* Every this many samples the host times of every vCPU are read, idle or not. */
#define VCPU_ALL_SAMPLES 10

/*
 * The host times of the vCPUs whose CPUs may need them (the stall check
 * compares a CPU with tasks across two samples, a runnable wait is counted
 * on its CPU, and idle CPUs beside a waiting task are told from held-back
 * ones): those with tasks now or at the last sample, all of them while a
 * task waits on some runnable list, and all every VCPU_ALL_SAMPLES. A CPU
 * idle at both samples has its vCPU asleep on the host, and each read is a
 * system call, most of a sample's cost.
 */
static void read_vcpus(struct sampler *s, struct sample *out)
{
	int all = s->vcpu_age++ % VCPU_ALL_SAMPLES == 0;

	for (size_t i = 0; !all && i < out->ncpus; i++)
		all = (out->cpus[i].has & SC_RUNNABLE) && out->cpus[i].runnable > 0;
	for (size_t i = 0; i < out->ncpus; i++) {	/* (one read after another: the path stays warm) */
		struct sample_cpu *o = &out->cpus[i];
		unsigned c = (unsigned)o->cpu;
		int idle = o->nr_running == 0, was_idle = s->vcpu_idle[c];
		int64_t run, wait;

		s->vcpu_idle[c] = idle;
		if ((idle && was_idle && !all) || !s->vcpu_tids[c])
			continue;
		if (s->vcpu_fds[c] < 0)
			s->vcpu_fds[c] = vcpu_open_schedstat(s->pid, s->vcpu_tids[c]);
		if (s->vcpu_fds[c] < 0 || vcpu_read_schedstat(s->vcpu_fds[c], &run, &wait))
			continue;
		o->vcpu_ns = run;
		o->vcpu_wait_ns = wait;
		o->has |= SC_VCPU_NS | SC_VCPU_WAIT_NS;
	}
}

void sampler_read(struct sampler *s, struct sample *out)
{
	uint64_t jiffies = 0;
	int ok = 1;

	sample_clear(out);
	sampler_find_vcpus(s);
	if (s->ki.jiffies && (jiffies = guestmem_u64(&s->gm, s->ki.jiffies, &ok)) && ok) {
		out->jiffies = (long long)jiffies;
		out->has |= S_JIFFIES;
	}
	prefetch_cpus(s, sampler_scheduler(s));
	read_scheduler(s, out);
	for (unsigned c = 0; c < s->ncpus; c++)
		read_cpu(s, c, ok ? jiffies : 0, out);
	read_vcpus(s, out);
}

void sampler_close(struct sampler *s)
{
	guestmem_close(&s->gm);
	for (unsigned c = 0; s->vcpu_fds && c < s->ncpus; c++)
		if (s->vcpu_fds[c] >= 0)
			close(s->vcpu_fds[c]);
	free(s->vcpu_fds);
	s->vcpu_fds = NULL;
	free(s->vcpu_idle);
	s->vcpu_idle = NULL;
	free(s->prog);
	s->prog = NULL;
	s->nprog = s->prog_cap = 0;
	free(s->vcpu_tids);
	s->vcpu_tids = NULL;
}
