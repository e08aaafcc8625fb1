/*
 * ktstr-probe: copy a job stream through and, while each job's VM runs, read
 * its runqueues from guest memory every interval: a `sample` record each
 * time, and a `monitor` summary just before the VM's exit record.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "opterr.h"
#include "lifeline.h"
#include "domains.h"
#include "dumpreq.h"
#include "linebuf.h"
#include "mapwatch.h"
#include "monitor.h"
#include "ndjson.h"
#include "sample.h"
#include "samplefmt.h"
#include "sampleparse.h"
#include "version.h"

enum phase { PHASE_BOOT, PHASE_SETTLE, PHASE_SCENARIO, PHASE_AFTER };
static const char *const phase_name[] = { "boot", "settle", "scenario", "after" };

struct opts {
	unsigned interval_ms, settle_ms, watchdog_ms, dump_ms;
	int samples, replay;
};

struct job {
	struct job *next;
	char *id;
	json_t *rec;		/* the job record */
	struct sampler smp;
	int opened, sampling;	/* smp is open; the guest is up */
	char err[256];		/* why there are no samples */
	enum phase phase;
	long long step;		/* index of the scenario's latest step, -1 before the first */
	long long start_ms, settle_until_ms;
	struct monitor *mon;
	struct mapwatch *maps;	/* the scheduler's BPF maps: records and writes */
	struct dumpreq dump;	/* SysRq-D once a task has waited too long */
	int domains_read;	/* the sched domains went into a sample */
	struct sample cur;	/* the latest sample, its memory reused */
	json_t *map_recs;	/* the map records of a sample (kept empty between samples) */
	long long open_cpu_ns, sample_cpu_ns, nsampled, ntimed;	/* what watching this VM cost: start, samples */
};

static void usage(FILE *f)
{
	fputs("usage: ktstr-probe [--interval-ms N] [--settle-ms N] [--watchdog-ms N] [--no-samples]\n"
	      "                   [--dump-after-ms N] [--replay]\n"
	      "Copy a ktstr record stream from stdin to stdout and, while each job's VM runs,\n"
	      "read its runqueues from guest memory: one `sample` record per interval, and a\n"
	      "`monitor` summary (imbalance, local DSQ depth, rq-clock stalls, sched_ext event\n"
	      "rates, how long runnable tasks waited, CPUs idle beside waiting tasks) just\n"
	      "before the VM's exit record. Samples are judged from --settle-ms after the\n"
	      "scenario's first step to its end (their \"phase\" says which); runnable waits\n"
	      "count from the first sample to the VM's end. A wait counts only the time the\n"
	      "host let the task's vCPU run.\n"
	      "The attached scheduler's BPF maps, decoded with their BTF, go into `map`\n"
	      "records when it fails and at the run's end (before the monitor record); the\n"
	      "job's map_writes are stored into them at their time, each a `map_write` record.\n"
	      "\n"
	      "  --interval-ms N    sampling period (default 100)\n"
	      "  --settle-ms N      left out after the scenario starts (default 500)\n"
	      "  --watchdog-ms N    shorten sched_ext's stall watchdog to N ms by writing guest\n"
	      "                     memory, when the scheduler's own is longer (default 4000;\n"
	      "                     0 leaves it and maps the memory read-only)\n"
	      "  --dump-after-ms N  the first time a task has waited N ms while a scheduler is\n"
	      "                     attached, ask the guest for sched_ext's dump (SysRq-D\n"
	      "                     through the vm record's QMP socket) and write a\n"
	      "                     dump_request record (default 1000; 0: never)\n"
	      "  --no-samples       write only the monitor summaries\n"
	      "  --replay           read no memory: summarise the stream's own sample records\n"
	      "                     again (its monitor records are replaced)\n"
	      "  -h, --help         this text\n"
	      "Exit: 0, or 2 for bad input (also a vm record that names a process that is not\n"
	      "QEMU, or memory files smaller than it claims). A VM that cannot be read gets a\n"
	      "monitor record with \"samples\": 0 and its \"error\".\n",
	      f);
}

/* CPU time of this thread: what sampling costs the host, in ns. */
static long long thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct job *job_find(struct job *jobs, const char *id)
{
	for (; jobs && id; jobs = jobs->next)
		if (!strcmp(jobs->id, id))
			return jobs;
	return NULL;
}

static struct job *job_add(struct job **jobs, const char *id)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->id = xstrdup(id);
	j->next = *jobs;
	*jobs = j;
	return j;
}

static void job_free(struct job **jobs, struct job *j)
{
	struct job **pp = jobs;

	while (*pp != j)
		pp = &(*pp)->next;
	*pp = j->next;
	if (j->opened)
		sampler_close(&j->smp);
	monitor_free(j->mon);
	mapwatch_free(j->maps);
	dumpreq_free(&j->dump);
	sample_free(&j->cur);
	json_decref(j->map_recs);
	json_decref(j->rec);
	free(j->id);
	free(j);
}

/*
 * Stdout: records go into one buffer, written out at each turn of the main
 * loop (a sample record is written straight into it, not copied there).
 */
static struct jsonbuf out;

/* out written: 0, or -1 with errno set. */
static int write_out(void)
{
	size_t done = 0;

	while (done < out.len) {
		ssize_t n = write(1, out.p + done, out.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	out.len = 0;
	return 0;
}

static void flush_out(void)
{
	if (write_out())
		die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
}

/* At exit (after die() too): what was copied through so far still goes out. */
static void flush_out_at_exit(void)
{
	if (write_out() == 0)
		jsonbuf_free(&out);
}

static void put_line(const char *line, size_t n)
{
	jsonbuf_raw(&out, line, n);
	jsonbuf_lit(&out, "\n");
}

static void put_record(json_t *rec)
{
	if (jsonbuf_json(&out, rec))
		die(EXIT_INCONCLUSIVE, "write error: a record that is not JSON");
	jsonbuf_lit(&out, "\n");
}

/* The map records mapwatch_* gave (freed). */
static void put_map_records(json_t *recs)
{
	json_t *r;
	size_t i;

	json_array_foreach(recs, i, r)
		put_record(r);
	json_decref(recs);
}

/* The end-of-run map records of the job (before its monitor record). */
static void put_maps_end(struct job *j)
{
	json_t *out = json_array();

	if (j->opened)
		mapwatch_end(j->maps, &j->smp, now_ms() - j->start_ms, out);
	put_map_records(out);
}

/* The job's monitor record, now. */
static void put_monitor(struct job *j)
{
	json_t *m, *lacks;

	if (!j->mon)
		return;
	m = monitor_summary(j->mon, j->id);
	if (j->err[0])
		json_object_set_new(m, "error", json_string(j->err));
	json_object_set_new(m, "t_ms", json_integer(j->start_ms ? now_ms() - j->start_ms : 0));
	if (j->opened && (lacks = kernel_lacks(&j->smp.ki)))
		json_object_set_new(m, "kernel_lacks", lacks);
	/* what watching cost this thread: the start (symbols, BTF, the first sample, a new
	 * scheduler's programs and maps) and the mean of every other sample */
	if (j->opened)
		json_object_set_new(m, "probe", json_pack("{s:I, s:I, s:I}",
			"start_cpu_us", (json_int_t)(j->open_cpu_ns / 1000), "samples", (json_int_t)j->nsampled,
			"cpu_us_per_sample", (json_int_t)(j->ntimed ? j->sample_cpu_ns / j->ntimed / 1000 : 0)));
	put_record(m);
	json_decref(m);
}

/*
 * Host CPU time a vCPU needs between samples for its rq clock to have to
 * move: 10 guest ticks. Under TCG a busy vCPU thread
 * gets only a share of a host core (25 ms in 100 ms with 4 vCPUs on 2 cores),
 * and 2 ticks of it deliver the timer interrupts just as well.
 */
static long long preempt_ns(json_t *vm, unsigned hz)
{
	const char *accel = json_string_value(json_object_get(vm, "accel"));

	return (accel && !strcmp(accel, "tcg") ? 2 : 10) * (1000000000LL / (hz ? hz : 250));
}

/* A VM started: open its memory (sampling starts when the guest is up). */
static void vm_started(struct job *j, json_t *vm, const struct opts *o)
{
	long long cpu0 = thread_cpu_ns();
	int rc = 0;

	j->start_ms = now_ms();
	j->phase = PHASE_BOOT;
	j->step = -1;
	if (!o->replay && !j->rec)
		snprintf(j->err, sizeof(j->err), "no job record before the vm record");
	else if (!o->replay &&
		 (rc = sampler_open(&j->smp, j->rec, vm, o->watchdog_ms, j->err, sizeof(j->err))) == 0)
		j->opened = 1;
	j->open_cpu_ns = thread_cpu_ns() - cpu0;
	if (rc == -2)
		die(EXIT_USAGE, "job %s: %s", j->id, j->err);
	if (!o->replay && !j->opened)
		warnmsg("job %s: no monitor: %s", j->id, j->err);
	mapwatch_free(j->maps);
	j->maps = j->opened ? mapwatch_new(j->rec, j->id) : NULL;
	monitor_free(j->mon);
	j->mon = monitor_new(o->interval_ms, preempt_ns(vm, j->opened ? j->smp.ki.hz : 250));
	dumpreq_free(&j->dump);
	dumpreq_init(&j->dump, vm, j->opened ? o->dump_ms : 0);
}

/* One record of the stream: note what the sampling needs; copy it on. */
static void handle(struct job **jobs, json_t *rec, const char *line, size_t n, const struct opts *o)
{
	const char *type = ndjson_type(rec), *id = json_string_value(json_object_get(rec, "job"));
	const char *phase = json_string_value(json_object_get(rec, "phase"));
	struct job *j;

	if (!strcmp(type, "job")) {
		char err[256];

		id = json_string_value(json_object_get(rec, "id"));
		if (mapwatch_check_job(rec, err, sizeof(err)))
			die(EXIT_USAGE, "job %s: %s", id ? id : "?", err);
		put_line(line, n);
		if (!id)
			return;
		if (!(j = job_find(*jobs, id)))
			j = job_add(jobs, id);
		json_decref(j->rec);
		j->rec = json_incref(rec);
		return;
	}
	j = job_find(*jobs, id);
	if (!j && id && !strcmp(type, "vm"))
		j = job_add(jobs, id);
	if (!strcmp(type, "monitor") && o->replay)
		return;	/* replaced by ours */
	if (!strcmp(type, "sample") && o->replay && j && j->mon) {
		sample_parse(&j->cur, rec);
		monitor_add(j->mon, &j->cur);
		sample_store_counted(&j->cur, rec);	/* its waits counted again */
		put_record(rec);
		return;
	}
	if (j && !strcmp(type, "vm") && phase && !strcmp(phase, "exited")) {
		put_maps_end(j);
		put_monitor(j);
		put_line(line, n);
		job_free(jobs, j);
		return;
	}
	put_line(line, n);
	if (!j)
		return;
	if (j->maps && j->sampling) {	/* writes due at a step; a failure the guest saw */
		json_t *out = json_array();

		mapwatch_record(j->maps, &j->smp, rec, now_ms() - j->start_ms, out);
		put_map_records(out);
	}
	if (!strcmp(type, "vm") && phase && !strcmp(phase, "started"))
		vm_started(j, rec, o);
	else if (!strcmp(type, "guest") && phase && !strcmp(phase, "init") && j->opened && !j->sampling) {
		long long cpu0 = thread_cpu_ns();

		j->sampling = 1;
		sampler_find_vcpus(&j->smp);	/* once: part of the start, not of a sample */
		j->open_cpu_ns += thread_cpu_ns() - cpu0;
	}
	else if (!strcmp(type, "step")) {
		if (json_is_integer(json_object_get(rec, "index")))
			j->step = json_integer_value(json_object_get(rec, "index"));
		if (j->phase == PHASE_BOOT) {
			j->phase = PHASE_SETTLE;
			j->settle_until_ms = now_ms() + o->settle_ms;
		}
	} else if (!strcmp(type, "scenario_end"))
		j->phase = PHASE_AFTER;
}

/* One sample of every VM that is up. */
static void sample_all(struct job *jobs, const struct opts *o)
{
	long long now = now_ms();

	for (struct job *j = jobs; j; j = j->next) {
		json_t *domains = NULL, *dump;
		long long cpu0, cost;

		if (!j->sampling)
			continue;
		cpu0 = thread_cpu_ns();
		if (j->phase == PHASE_SETTLE && now >= j->settle_until_ms)
			j->phase = PHASE_SCENARIO;
		guestmem_batch_begin(&j->smp.gm);
		sampler_read(&j->smp, &j->cur);
		guestmem_trace_stop(&j->smp.gm);
		j->cur.t_ms = now - j->start_ms;
		sample_copy_str(j->cur.phase, sizeof(j->cur.phase), phase_name[j->phase]);
		j->cur.step = j->step;
		if (j->phase == PHASE_SCENARIO && !j->domains_read) {	/* built by now; once per run */
			long long d0 = thread_cpu_ns(), d;

			j->domains_read = 1;
			j->cur.domains = domains = domains_read(&j->smp);
			d = thread_cpu_ns() - d0;
			j->open_cpu_ns += d;	/* a cost of the start, not of a sample */
			cpu0 += d;
		}
		monitor_add(j->mon, &j->cur);
		if (o->samples) {
			sample_format(&j->cur, j->id, &out);
			jsonbuf_lit(&out, "\n");
		}
		json_decref(domains);
		if ((dump = dumpreq_check(&j->dump, &j->cur, j->id))) {
			put_record(dump);
			json_decref(dump);
		}
		if (j->maps) {
			if (!j->map_recs)
				j->map_recs = json_array();
			mapwatch_sample(j->maps, &j->smp, now - j->start_ms, j->map_recs);
			if (json_array_size(j->map_recs)) {
				put_map_records(json_incref(j->map_recs));
				json_array_clear(j->map_recs);
			}
		}
		guestmem_batch_end(&j->smp.gm);
		cost = thread_cpu_ns() - cpu0;
		/* the first sample touches every page it reads; one that finds a new scheduler
		 * walks its programs and maps: both are part of the start */
		if (!j->nsampled || j->smp.sch_new) {
			j->open_cpu_ns += cost;
		} else {
			j->sample_cpu_ns += cost;
			j->ntimed++;
		}
		j->nsampled++;
	}
}

static int any_sampling(const struct job *jobs)
{
	for (; jobs; jobs = jobs->next)
		if (jobs->sampling)
			return 1;
	return 0;
}

static unsigned parse_ms(const char *opt, const char *s, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
		die(EXIT_USAGE, "%s %s: expected milliseconds from %u to %u", opt, s, lo, hi);
	return (unsigned)v;
}

struct input {
	struct ndjson_reader rd;
	struct linebuf lb;
	struct job **jobs;
	const struct opts *o;
};

static void input_too_long(void *ctx)
{
	struct input *in = ctx;

	ndjson_line_too_long(in->rd.name, in->rd.lineno + 1);
}

/* One input line: check it, copy it on, note what sampling needs. */
static void input_line(void *ctx, char *line, size_t n)
{
	struct input *in = ctx;
	json_t *rec;

	while (n && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	if ((rec = ndjson_parse_line(&in->rd, line, n))) {
		handle(in->jobs, rec, line, n, in->o);
		json_decref(rec);
	}
}

/* Read what stdin has, handle each whole line; 0 at end of input. */
static int read_input(struct input *in)
{
	char buf[65536];
	ssize_t got;

	do
		got = read(0, buf, sizeof(buf));
	while (got < 0 && errno == EINTR);
	if (got < 0)
		die(EXIT_USAGE, "stdin: read error: %s", strerror(errno));
	if (got == 0) {
		linebuf_flush(&in->lb, input_line, in);	/* the last line had no newline */
		return 0;
	}
	linebuf_feed(&in->lb, buf, (size_t)got, input_line, in);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "settle-ms", required_argument, NULL, 's' },
		{ "watchdog-ms", required_argument, NULL, 'w' },
		{ "dump-after-ms", required_argument, NULL, 'd' },
		{ "no-samples", no_argument, NULL, 'n' },
		{ "replay", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct opts o = { .interval_ms = 100, .settle_ms = 500, .watchdog_ms = 4000, .dump_ms = 1000,
			  .samples = 1 };
	struct job *jobs = NULL;
	struct input in = { .lb = { .max = NDJSON_LINE_MAX, .too_long = input_too_long },
			    .jobs = &jobs, .o = &o };
	long long next_tick = 0;
	int c, more = 1;

	die_setprog(argv[0]);
	version_option(argc, argv);
	lifeline_to_parent();
	atexit(flush_out_at_exit);
	json_object_seed(1);
	/* the maps' snapshots free and take again the same memory: no page faults for it each time */
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		switch (c) {
		case 'i': o.interval_ms = parse_ms("--interval-ms", optarg, 10, 60000); break;
		case 's': o.settle_ms = parse_ms("--settle-ms", optarg, 0, 600000); break;
		case 'd': o.dump_ms = parse_ms("--dump-after-ms", optarg, 0, 600000); break;
		case 'w':
			o.watchdog_ms = parse_ms("--watchdog-ms", optarg, 0, 30000);
			if (o.watchdog_ms && o.watchdog_ms < 1000)
				die(EXIT_USAGE, "--watchdog-ms %s: expected 0, or 1000 to 30000", optarg);
			break;
		case 'n': o.samples = 0; break;
		case 'r': o.replay = 1; break;
		case 'h': usage(stdout); return EXIT_PASS;
		default: die_option(c, argv, lopts, NULL);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s' (the stream comes on stdin)", argv[optind]);
	ndjson_reader_init(&in.rd, stdin, "stdin");
	while (more) {
		/* stdout too: a next stage that is gone ends us even while nothing is written */
		struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = 1 } };
		long long now = now_ms();
		int timeout = -1;

		if (any_sampling(jobs)) {
			if (!next_tick || now >= next_tick) {
				sample_all(jobs, &o);
				/* a late tick is not made up: the next is one interval on */
				next_tick = (next_tick && now - next_tick < o.interval_ms ? next_tick : now) +
					    o.interval_ms;
			}
			timeout = (int)(next_tick - now_ms());
			if (timeout < 0)
				timeout = 0;
		} else {
			next_tick = 0;
		}
		flush_out();
		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_INCONCLUSIVE, "poll: %s", strerror(errno));
		}
		if (p[1].revents & POLLERR)
			die(EXIT_INCONCLUSIVE, "write error: stdout's reader is gone");
		if (p[0].revents)
			more = read_input(&in);
	}
	/* VMs whose exit never came: their summaries still, oldest first */
	while (jobs) {
		struct job *j = jobs;

		while (j->next)
			j = j->next;
		put_maps_end(j);
		put_monitor(j);
		job_free(&jobs, j);
	}
	flush_out();
	linebuf_free(&in.lb);
	ndjson_reader_free(&in.rd);
	return EXIT_PASS;
}
