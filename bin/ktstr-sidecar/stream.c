/* A run's stream.ndjson by job, on one clock (stream.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "ndjson.h"
#include "paths.h"
#include "sidecar.h"
#include "stream.h"

/* Record types whose t_ms is ktstr-init's clock. */
static int guest_clock(const char *type)
{
	static const char *const guest[] = { "guest", "topo_check", "sched", "step", "worker",
					     "scenario_end", "dump", "payload" };

	for (size_t i = 0; i < sizeof(guest) / sizeof(guest[0]); i++)
		if (!strcmp(type, guest[i]))
			return 1;
	return 0;
}

/* Bounds on (VM clock - guest clock) from the stream's order, as the probe wrote it. */
struct align {
	double last_sample, lo, hi;	/* NAN: none yet */
	json_t *pending;		/* guest times seen since the last sample */
};

static struct job_stream *job_get(struct run_stream *rs, struct align **al, const char *id)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->jobs[i].id, id))
			return &rs->jobs[i];
	rs->jobs = xrealloc(rs->jobs, (rs->n + 1) * sizeof(*rs->jobs));
	*al = xrealloc(*al, (rs->n + 1) * sizeof(**al));
	(*al)[rs->n] = (struct align){ NAN, NAN, NAN, json_array() };
	rs->jobs[rs->n] = (struct job_stream){
		.id = xstrdup(id), .samples = json_array(), .guest = json_array(),
		.console = json_array(), .steps = json_array(), .workers = json_array(),
		.sched = json_array(), .dumps = json_array(),
	};
	return &rs->jobs[rs->n++];
}

static void keep(json_t **slot, json_t *rec)
{
	if (!*slot)
		*slot = json_incref(rec);
}

/*
 * The probe copies each guest record on when it reads it, between two of its
 * samples: the sample after it was taken later than the guest wrote it (an
 * upper bound on the offset), the one before it earlier than the probe read it.
 */
static void align_note(struct align *a, json_t *rec, int is_sample)
{
	double t = json_number_value(json_object_get(rec, "t_ms"));
	json_t *g;
	size_t i;

	if (!json_is_number(json_object_get(rec, "t_ms")))
		return;
	if (is_sample) {
		json_array_foreach(a->pending, i, g)
			if (isnan(a->hi) || t - json_number_value(g) < a->hi)
				a->hi = t - json_number_value(g);
		json_array_clear(a->pending);
		a->last_sample = t;
		return;
	}
	json_array_append_new(a->pending, json_real(t));
	if (!isnan(a->last_sample) && (isnan(a->lo) || a->last_sample - t > a->lo))
		a->lo = a->last_sample - t;
}

static void job_clear(struct job_stream *js)
{
	json_t **all[] = { &js->job, &js->vm_started, &js->vm_exited, &js->verdict, &js->run,
			   &js->monitor, &js->scenario_end, &js->samples, &js->guest,
			   &js->console, &js->steps, &js->workers, &js->sched, &js->dumps, &js->repro };

	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		json_decref(*all[k]);
		*all[k] = NULL;
	}
}

/* A job run again (a gauntlet's retry): its new records replace the first attempt's. */
static void job_restart(struct job_stream *js, struct align *a)
{
	job_clear(js);
	js->samples = json_array();
	js->guest = json_array();
	js->console = json_array();
	js->steps = json_array();
	js->workers = json_array();
	js->sched = json_array();
	js->dumps = json_array();
	json_decref(a->pending);
	*a = (struct align){ NAN, NAN, NAN, json_array() };
}

static void note(struct run_stream *rs, struct align **al, json_t *rec)
{
	const char *type = ndjson_type(rec), *phase = json_string_value(json_object_get(rec, "phase"));
	const char *id = rec_str(rec, !strcmp(type, "job") ? "id" : "job", NULL);
	struct job_stream *js;

	if (!id)
		return;
	js = job_get(rs, al, id);
	if (!strcmp(type, "job") && js->vm_started)
		job_restart(js, &(*al)[js - rs->jobs]);
	if (!strcmp(type, "sample")) {
		json_array_append(js->samples, rec);
		align_note(&(*al)[js - rs->jobs], rec, 1);
		return;
	}
	if (guest_clock(type)) {
		json_array_append(js->guest, rec);
		align_note(&(*al)[js - rs->jobs], rec, 0);
	}
	if (!strcmp(type, "job"))
		keep(&js->job, rec);
	else if (!strcmp(type, "vm") && phase && !strcmp(phase, "started"))
		keep(&js->vm_started, rec);
	else if (!strcmp(type, "vm") && phase && !strcmp(phase, "exited"))
		keep(&js->vm_exited, rec);
	else if (!strcmp(type, "verdict"))
		keep(&js->verdict, rec);
	else if (!strcmp(type, "run"))
		keep(&js->run, rec);
	else if (!strcmp(type, "monitor"))
		keep(&js->monitor, rec);
	else if (!strcmp(type, "scenario_end"))
		keep(&js->scenario_end, rec);
	else if (!strcmp(type, "repro"))
		keep(&js->repro, rec);
	else if (!strcmp(type, "console"))
		json_array_append(js->console, rec);
	else if (!strcmp(type, "step"))
		json_array_append(js->steps, rec);
	else if (!strcmp(type, "worker"))
		json_array_append(js->workers, rec);
	else if (!strcmp(type, "sched"))
		json_array_append(js->sched, rec);
	else if (!strcmp(type, "dump"))
		json_array_append(js->dumps, rec);
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* Where ktstr-init started on the run's clock. */
static void align_job(struct job_stream *js, const struct align *a)
{
	double off, last = 0;
	json_t *g;
	size_t i;

	js->vm_ms = num(js->vm_started, "t_ms");
	if (!isnan(a->hi)) {
		off = !isnan(a->lo) && a->lo <= a->hi ? (a->lo + a->hi) / 2 : a->hi;
		js->aligned = 1;
	} else if (json_is_number(json_object_get(js->monitor, "scenario_t_ms")) &&
		   json_array_size(js->steps)) {
		/* samples left out, the monitor's summary kept: its first sample with a step */
		off = num(js->monitor, "scenario_t_ms") - num(json_array_get(js->steps, 0), "t_ms");
		js->aligned = 1;
	} else {
		/* no samples: the guest powers off right after its last record */
		json_array_foreach(js->guest, i, g)
			last = num(g, "t_ms") > last ? num(g, "t_ms") : last;
		off = js->vm_exited ? num(js->vm_exited, "t_ms") - js->vm_ms - last : 0;
	}
	js->guest_ms = js->vm_ms + floor(off);
}

void stream_load(struct run_stream *rs, const char *runs_dir, const char *run)
{
	struct ndjson_reader rd;
	struct align *al = NULL;
	json_t *rec;
	char *path;
	FILE *f;

	memset(rs, 0, sizeof(*rs));
	rs->dir = run_dir_of(runs_dir, run);
	rs->path = paths_join(rs->dir, "stream.ndjson");
	if (!(f = fopen(rs->path, "r")))
		die(EXIT_USAGE, "run %s: %s: %s (only a run of `ktstr run` or `ktstr gauntlet` has one)",
		    run, rs->path, strerror(errno));
	ndjson_reader_init(&rd, f, rs->path);
	while ((rec = ndjson_read(&rd))) {
		note(rs, &al, rec);
		json_decref(rec);
	}
	ndjson_reader_free(&rd);
	fclose(f);
	rs->planned = json_array();
	path = paths_join(rs->dir, "jobs.ndjson");
	if ((f = fopen(path, "r"))) {
		ndjson_reader_init(&rd, f, path);
		while ((rec = ndjson_read(&rd)))
			json_array_append_new(rs->planned, rec);
		ndjson_reader_free(&rd);
		fclose(f);
	}
	free(path);
	for (size_t i = 0; i < rs->n; i++) {
		align_job(&rs->jobs[i], &al[i]);
		json_decref(al[i].pending);
	}
	free(al);
}

void stream_free(struct run_stream *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		job_clear(&rs->jobs[i]);
		free((char *)rs->jobs[i].id);
	}
	free(rs->jobs);
	json_decref(rs->planned);
	free(rs->dir);
	free(rs->path);
}

struct job_stream *stream_find(struct run_stream *rs, const char *which)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->jobs[i].id, which))
			return &rs->jobs[i];
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rec_str(rs->jobs[i].job, "test", ""), which))
			return &rs->jobs[i];
	return NULL;
}

double stream_sample_ms(const struct job_stream *js, json_t *sample)
{
	return js->vm_ms + num(sample, "t_ms");
}

double stream_guest_ms(const struct job_stream *js, json_t *rec)
{
	return js->guest_ms + num(rec, "t_ms");
}

int stream_failure_ms(const struct job_stream *js, double *ms)
{
	const char *r = rec_str(js->verdict, "result", "pass");
	json_t *g, *d, *w = json_object_get(js->monitor, "longest_wait");
	size_t i;

	if (!strcmp(r, "pass") || !strcmp(r, "skip"))
		return 0;
	/* the scheduler's end first: a stall leaves workers stuck before the watchdog fires */
	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(js->sched, i, g) {
			const char *ev = rec_str(g, "event", "");

			if (pass ? !strcmp(ev, "worker_stuck") :
			    !strcmp(ev, "kernel_exit") || !strcmp(ev, "died")) {
				*ms = stream_guest_ms(js, g);
				return 1;
			}
		}
	json_array_foreach(json_object_get(js->verdict, "details"), i, d)
		if (!strcmp(rec_str(d, "kind", ""), "Starved") && json_is_number(json_object_get(w, "t_ms"))) {
			*ms = js->vm_ms + num(w, "t_ms");
			return 1;
		}
	*ms = js->vm_exited ? num(js->vm_exited, "t_ms") : js->vm_ms;
	return 1;
}
