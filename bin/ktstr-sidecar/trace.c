/*
 * `trace`: a stored run as Chrome trace-event JSON (Perfetto, chrome://tracing).
 * One process per job; per-CPU counter tracks from the monitor's samples;
 * instants for the scheduler, the steps, stalls and the verdict; a span per
 * worker. Every time is on ktstr-boot's clock (stream.h), in microseconds.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "paths.h"
#include "sidecar.h"
#include "stream.h"
#include "ndjson.h"

#define TID_GUEST 1	/* the guest's events */
#define TID_HOST 2	/* what the host saw: monitor findings, the VM, the verdict */

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar trace [--runs-dir DIR] RUN|latest [JOB|TEST] > trace.json\n"
	      "A run's stream.ndjson as Chrome trace-event JSON for Perfetto (ui.perfetto.dev)\n"
	      "or chrome://tracing: a process per job; counter tracks per CPU (nr_running,\n"
	      "scx_nr_running, local_dsq_depth, run_delay_us: the runqueue's wait in each\n"
	      "sample interval); instants for the scheduler's attach, detach and exit, the\n"
	      "steps, rq-clock stalls, long waits, dumps and the verdict; a span per worker\n"
	      "and per VM. Time: us since ktstr-boot started; guest events are placed by the\n"
	      "samples around them, within a sample interval (otherData.jobs[].aligned false:\n"
	      "neither samples nor a monitor summary, placed by the VM's exit).\n", f);
}

struct ev {
	double ts;
	size_t seq;
	json_t *e;
};

struct trace {
	struct ev *v;
	size_t n, cap;
};

static void add(struct trace *t, double ts_ms, json_t *e)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	ts_ms = round(ts_ms * 1000);
	json_object_set_new(e, "ts", json_integer(num_ll(ts_ms)));
	t->v[t->n] = (struct ev){ ts_ms, t->n, e };
	t->n++;
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void instant(struct trace *t, int pid, int tid, double ms, const char *name, json_t *args)
{
	add(t, ms, json_pack("{s:s, s:s, s:s, s:i, s:i, s:o}", "name", name, "ph", "i", "s", "t",
			     "pid", pid, "tid", tid, "args", args ? args : json_object()));
}

static void meta(struct trace *t, int pid, int tid, const char *what, const char *name)
{
	add(t, 0, json_pack("{s:s, s:s, s:i, s:i, s:{s:s}}", "name", what, "ph", "M",
			    "pid", pid, "tid", tid, "args", "name", name));
}

static void counter(struct trace *t, int pid, double ms, int cpu, const char *what, double v)
{
	char name[64];

	snprintf(name, sizeof(name), "cpu%d %s", cpu, what);
	add(t, ms, json_pack("{s:s, s:s, s:i, s:i, s:{s:f}}", "name", name, "ph", "C", "pid", pid,
			     "tid", 0, "args", what, v));
}

static void sample_counters(struct trace *t, int pid, const struct job_stream *js)
{
	json_t *s, *c, *prev = NULL;
	size_t i, k;

	json_array_foreach(js->samples, i, s) {
		double ms = stream_sample_ms(js, s);

		json_array_foreach(json_object_get(s, "cpus"), k, c) {
			int cpu = num_int(num(c, "cpu"));
			static const char *const fields[] = { "nr_running", "scx_nr_running",
							      "local_dsq_depth" };

			for (size_t f = 0; f < 3; f++)
				if (json_is_number(json_object_get(c, fields[f])))
					counter(t, pid, ms, cpu, fields[f], num(c, fields[f]));
			if (json_is_number(json_object_get(c, "run_delay_ns")) && prev) {
				json_t *p = json_array_get(json_object_get(prev, "cpus"), k);

				if (p && num(p, "cpu") == cpu && num(c, "run_delay_ns") >= num(p, "run_delay_ns"))
					counter(t, pid, ms, cpu, "run_delay_us",
						round((num(c, "run_delay_ns") - num(p, "run_delay_ns")) / 1000));
			}
		}
		prev = s;
	}
}

/* The scheduler's attach, detach and exits, the steps, dumps, the scenario's end. */
static void guest_instants(struct trace *t, int pid, const struct job_stream *js)
{
	json_t *g;
	size_t i;
	char name[512];

	json_array_foreach(js->guest, i, g) {
		const char *type = rec_str(g, "type", ""), *ev = rec_str(g, "event", "");
		double ms = stream_guest_ms(js, g);

		*name = '\0';
		if (!strcmp(type, "sched") && !strcmp(ev, "attached"))
			snprintf(name, sizeof(name), "attach %s", rec_str(g, "name", "?"));
		else if (!strcmp(type, "sched") && !strcmp(ev, "detached"))
			snprintf(name, sizeof(name), "detach %s", rec_str(g, "name", "?"));
		else if (!strcmp(type, "sched") && !strcmp(ev, "kernel_exit"))
			snprintf(name, sizeof(name), "exit %s: %s", rec_str(g, "kind", "?"),
				 rec_str(g, "reason", "?"));
		else if (!strcmp(type, "sched") && (!strcmp(ev, "died") || !strcmp(ev, "worker_stuck")))
			snprintf(name, sizeof(name), "%s", !strcmp(ev, "died") ? "scheduler died" :
				 "worker stuck");
		else if (!strcmp(type, "step"))
			snprintf(name, sizeof(name), "step %lld", rec_step_no(json_object_get(g, "index")));
		else if (!strcmp(type, "dump") && num(g, "part") == 0)
			snprintf(name, sizeof(name), "sched_ext dump %lld (%s)", num_ll(num(g, "dump")),
				 rec_str(g, "trigger", "?"));
		else if (!strcmp(type, "scenario_end"))
			snprintf(name, sizeof(name), "scenario end");
		if (!*name)
			continue;
		json_t *args = json_deep_copy(g), *e;
		size_t k;

		json_object_del(args, "type");
		json_object_del(args, "job");
		json_object_del(args, "lines");
		json_object_del(args, "log_tail");
		/* a step carries what the verdict's timeline says of it */
		json_array_foreach(json_object_get(js->verdict, "timeline"), k, e)
			if (!strcmp(type, "step") && num(e, "step") == num(g, "index"))
				json_object_set(args, "timeline", e);
		instant(t, pid, TID_GUEST, ms, name, args);
	}
}

/* A span per worker: from its step's start, for its wall time. */
static void worker_spans(struct trace *t, int pid, const struct job_stream *js)
{
	json_t *w, *s, *step0 = NULL;
	size_t i, k;
	char name[128];

	json_array_foreach(js->workers, i, w) {
		int tid = num_int(num(w, "tid"));

		step0 = NULL;
		json_array_foreach(js->steps, k, s)
			if (num(s, "index") == num(w, "step"))
				step0 = s;
		if (!step0 || !tid)
			continue;
		snprintf(name, sizeof(name), "%s worker %d", rec_str(w, "cgroup", "?"), tid);
		meta(t, pid, tid, "thread_name", name);
		add(t, stream_guest_ms(js, step0), json_pack(
			"{s:s, s:s, s:i, s:i, s:I, s:{s:O?, s:O?, s:O?, s:O?, s:O?}}",
			"name", rec_str(w, "work_type", "worker"), "ph", "X", "pid", pid, "tid", tid,
			"dur", num_ll(round(num(w, "wall_time_ns") / 1000)), "args",
			"work_units", json_object_get(w, "work_units"),
			"max_gap_ms", json_object_get(w, "max_gap_ms"),
			"migrations", json_object_get(w, "migration_count"),
			"cpus_used", json_object_get(w, "cpus_used"),
			"off_cpu_ns", json_object_get(w, "off_cpu_ns")));
	}
}

/* The monitor's rq-clock stalls and long waits, the VM's life and the verdict. */
static void host_events(struct trace *t, int pid, const struct job_stream *js)
{
	json_t *m = js->monitor, *x, *judged = json_array(), *s, *v = js->verdict;
	double exit_ms = js->vm_exited ? num(js->vm_exited, "t_ms") : js->vm_ms;
	size_t i;
	char name[512];

	json_array_foreach(js->samples, i, s)
		if (!strcmp(rec_str(s, "phase", ""), "scenario"))
			json_array_append(judged, s);
	json_array_foreach(json_object_get(m, "stalls"), i, x) {
		json_t *at = json_array_get(judged, num_index(num(x, "end_sample")));

		snprintf(name, sizeof(name), "rq-clock stall cpu%lld", num_ll(num(x, "cpu")));
		if (at)
			instant(t, pid, TID_HOST, stream_sample_ms(js, at), name, json_deep_copy(x));
	}
	json_array_foreach(json_object_get(m, "long_waits"), i, x) {
		snprintf(name, sizeof(name), "wait %lld ms: %s[%lld] cpu%lld", num_ll(num(x, "wait_ms")),
			 rec_str(x, "comm", "?"), num_ll(num(x, "pid")), num_ll(num(x, "cpu")));
		instant(t, pid, TID_HOST, js->vm_ms + num(x, "t_ms"), name, json_deep_copy(x));
	}
	json_decref(judged);
	if (js->vm_started)
		add(t, js->vm_ms, json_pack("{s:s, s:s, s:i, s:i, s:I, s:{s:O?, s:O?}}", "name", "vm",
					     "ph", "X", "pid", pid, "tid", TID_HOST,
					     "dur", num_ll(round((exit_ms - js->vm_ms) * 1000)),
					     "args", "accel", json_object_get(js->vm_started, "accel"),
					     "exit", json_object_get(js->vm_exited, "reason")));
	if (v) {
		json_t *d = rec_first_failure(v);
		const char *why = rec_str(v, "reason", rec_str(d, "kind", NULL));
		double at;

		snprintf(name, sizeof(name), "%s%s%s", rec_str(v, "result", "?"), why ? ": " : "",
			 why ? why : "");
		instant(t, pid, TID_HOST, stream_failure_ms(js, &at) ? at : exit_ms, name,
			json_pack("{s:O?}", "details", json_object_get(v, "details")));
	}
}

static int ev_order(const void *pa, const void *pb)
{
	const struct ev *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static json_t *trace_run(struct run_stream *rs, struct job_stream *only)
{
	struct trace t = { 0 };
	json_t *events = json_array(), *jobs = json_array();

	for (size_t i = 0; i < rs->n; i++) {
		struct job_stream *js = &rs->jobs[i];
		int pid = (int)i + 1;

		if ((only && js != only) || !js->job)
			continue;
		meta(&t, pid, 0, "process_name", js->id);
		meta(&t, pid, TID_GUEST, "thread_name", "guest");
		meta(&t, pid, TID_HOST, "thread_name", "host");
		sample_counters(&t, pid, js);
		guest_instants(&t, pid, js);
		worker_spans(&t, pid, js);
		host_events(&t, pid, js);
		json_array_append_new(jobs, json_pack("{s:s, s:i, s:b, s:f, s:f}", "job", js->id,
						      "pid", pid, "aligned", js->aligned,
						      "vm_start_ms", js->vm_ms,
						      "guest_start_ms", js->guest_ms));
	}
	if (t.n)	/* a stream without jobs has no events: t.v is NULL, qsort's UB */
		qsort(t.v, t.n, sizeof(*t.v), ev_order);
	for (size_t i = 0; i < t.n; i++)
		json_array_append_new(events, t.v[i].e);
	free(t.v);
	return json_pack("{s:o, s:s, s:{s:s, s:s, s:o}}", "traceEvents", events,
			 "displayTimeUnit", "ms", "otherData", "clock",
			 "us since ktstr-boot started", "run", strrchr(rs->dir, '/') ?
			 strrchr(rs->dir, '/') + 1 : rs->dir, "jobs", jobs);
}

int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *runs_dir = paths_runs_dir();
	struct job_stream *only = NULL;
	struct run_stream rs;
	json_t *out;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(runs_dir); runs_dir = xstrdup(optarg); break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die_option(c, argv, opts, "trace");
		}
	}
	operands(argc, argv, 1, 2, "trace", "RUN [JOB|TEST]");
	stream_load(&rs, runs_dir, argv[optind]);
	if (argc - optind == 2 && !(only = stream_find(&rs, argv[optind + 1])))
		die(EXIT_USAGE, "run %s has no job or test '%s'", argv[optind], argv[optind + 1]);
	out = trace_run(&rs, only);
	if (json_dumpf(out, stdout, JSON_COMPACT | NDJSON_REALS) || putchar('\n') == EOF || fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	json_decref(out);
	stream_free(&rs);
	free(runs_dir);
	return EXIT_PASS;
}
