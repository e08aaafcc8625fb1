/* Build the stored run record: every key always present (null when unknown). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "die.h"
#include "maprec.h"
#include "ndjson.h"
#include "runrec.h"
#include "sidecar.h"

struct job_seen *job_seen_get(struct job_seen **list, const char *id)
{
	struct job_seen *js;

	for (js = *list; js; js = js->next)
		if (!strcmp(js->id, id))
			return js;
	js = xcalloc(1, sizeof(*js));
	js->id = xstrdup(id);
	js->first_seen = (long long)time(NULL);
	js->next = *list;
	*list = js;
	return js;
}

static void keep(json_t **slot, json_t *rec)
{
	json_decref(*slot);
	*slot = json_incref(rec);
}

void job_seen_note(struct job_seen *js, json_t *rec)
{
	const char *type = ndjson_type(rec);
	const char *phase = rec_str(rec, "phase", "");

	if (!strcmp(type, "job"))
		keep(&js->job, rec);
	else if (!strcmp(type, "vm") && !strcmp(phase, "started"))
		keep(&js->vm_started, rec);
	else if (!strcmp(type, "vm") && !strcmp(phase, "exited"))
		keep(&js->vm_exited, rec);
	else if (!strcmp(type, "guest"))
		keep(&js->guest, rec);
	else if (!strcmp(type, "monitor"))
		keep(&js->monitor, rec);
	else if (!strcmp(type, "map") || !strcmp(type, "map_write"))
		maprec_note(&js->maps, rec);
	else if (!strcmp(type, "dump")) {
		if (!js->dumps)
			js->dumps = json_array();
		dumps_note(js->dumps, rec);
	}
}

void job_seen_drop(struct job_seen **list, struct job_seen *js)
{
	struct job_seen **pp;

	for (pp = list; *pp; pp = &(*pp)->next)
		if (*pp == js) {
			*pp = js->next;
			break;
		}
	free(js->id);
	json_decref(js->job);
	json_decref(js->vm_started);
	json_decref(js->vm_exited);
	json_decref(js->guest);
	json_decref(js->monitor);
	json_decref(js->maps);
	json_decref(js->dumps);
	free(js);
}

/* o[key] (new reference), or null. */
static json_t *get_or_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v ? json_incref(v) : json_null();
}

/* A record without its stream bookkeeping (type, job, t_ms). */
static json_t *payload_of(json_t *rec)
{
	json_t *c;

	if (!rec)
		return json_null();
	c = json_deep_copy(rec);
	json_object_del(c, "type");
	json_object_del(c, "job");
	json_object_del(c, "t_ms");
	return c;
}

static json_t *scheduler_of(json_t *job, json_t *verdict)
{
	json_t *s = json_object_get(job, "scheduler");
	json_t *args = json_object_get(s, "args");

	return json_pack("{s:s, s:o, s:o}",
			 "name", rec_str(s, "name", rec_str(verdict, "scheduler", "eevdf")),
			 "path", get_or_null(s, "path"),
			 "args", json_is_array(args) ? json_deep_copy(args) : json_array());
}

static json_t *kernel_of(const struct job_seen *js)
{
	json_t *k = json_object_get(js->job, "kernel");

	return json_pack("{s:o, s:o, s:o}", "id", get_or_null(k, "id"),
			 "image", get_or_null(k, "image"),
			 "release", get_or_null(js->guest, "kernel"));
}

/* The VM's accel and end, from ktstr-boot's vm records. */
static json_t *vm_of(const struct job_seen *js, json_t *verdict)
{
	json_t *wall = json_object_get(verdict, "wall_ms");

	if (!wall)
		wall = json_object_get(js->vm_exited, "wall_ms");
	return json_pack("{s:o, s:o, s:o, s:o, s:o}",
			 "exit_reason", get_or_null(js->vm_exited, "reason"),
			 "exit_code", get_or_null(js->vm_exited, "exit_code"),
			 "wall_ms", wall ? json_incref(wall) : json_null(),
			 "vms_at_once", get_or_null(js->vm_exited, "vms_at_once"),
			 "qemu_pid", get_or_null(js->vm_started, "pid"));
}

static json_t *accel_of(const struct job_seen *js, json_t *verdict)
{
	const char *a = rec_str(verdict, "accel", NULL);

	if (!a)
		a = rec_str(js->vm_started, "accel", NULL);
	return a ? json_string(a) : json_null();
}

static json_t *logs_of(const struct job_seen *js)
{
	json_t *c = json_object_get(js->vm_exited, "console_log");

	if (!json_is_string(c))
		c = json_object_get(js->vm_started, "console_log");
	return json_pack("{s:o}", "console_log", json_is_string(c) ? json_incref(c)
								: json_null());
}

/* The monitor summary: the verdict's if it carries one, else the record's. */
static json_t *monitor_of(const struct job_seen *js, json_t *verdict)
{
	json_t *m = json_object_get(verdict, "monitor");

	return json_is_object(m) ? json_deep_copy(m) : payload_of(js->monitor);
}

/*
 * The host's 1-minute load average as the job's record is written: under
 * emulation a busier host slows the guest, so compare can tell when two
 * pools ran on hosts that busy apart. $KTSTR_LOADAVG replaces /proc/loadavg.
 */
static json_t *host_load(void)
{
	const char *env = getenv("KTSTR_LOADAVG");
	FILE *f = fopen(env && *env ? env : "/proc/loadavg", "re");
	double l;
	int ok = f && fscanf(f, "%lf", &l) == 1;

	if (f)
		fclose(f);
	return ok ? json_real(l) : json_null();
}

json_t *runrec_build(const struct job_seen *js, json_t *verdict,
		     const struct run_ctx *ctx, long long now)
{
	json_t *job = js->job, *topo = json_object_get(job, "topo");
	json_t *flags = json_object_get(job, "flags");
	json_t *rec, *timeline = json_object_get(verdict, "timeline");
	char started[32], ended[32];

	iso_utc(js->first_seen, started, sizeof(started));
	iso_utc(now, ended, sizeof(ended));
	rec = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o,"
			 " s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
			 " s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
		"type", "run", "schema_version", 1, "run_id", ctx->run_id,
		"job", js->id,
		"test", rec_str(verdict, "test", rec_str(job, "test", js->id)),
		"topo", rec_str(verdict, "topo", rec_str(topo, "name", "?")),
		"scheduler", scheduler_of(job, verdict),
		"flags", json_is_array(flags) ? json_deep_copy(flags) : json_array(),
		"result", rec_str(verdict, "result", "inconclusive"),
		"reason", get_or_null(verdict, "reason"),
		"details", json_is_array(json_object_get(verdict, "details"))
			? json_deep_copy(json_object_get(verdict, "details")) : json_array(),
		"stats", get_or_null(verdict, "stats"),
		"thresholds", get_or_null(verdict, "thresholds"),
		"monitor", monitor_of(js, verdict),
		"mode", get_or_null(job, "mode"),
		"duration_ms", get_or_null(job, "duration_ms"),
		"timeout_s", get_or_null(job, "timeout_s"),
		"topology", json_is_object(topo) ? payload_of(topo) : json_null(),
		"scenario", get_or_null(job, "scenario"),
		"kernel", kernel_of(js),
		"accel", accel_of(js, verdict),
		"vm", vm_of(js, verdict),
		"logs", logs_of(js),
		"host", json_incref(ctx->host),
		"project_commit", json_incref(ctx->project_commit),
		"started_at", started, "ended_at", ended,
		"maps", maprec_of(js->maps),
		"repeat", get_or_null(job, "repeat"),
		"payloads", get_or_null(verdict, "payloads"),
		"payload_metrics", get_or_null(verdict, "payload_metrics"),
		"host_load", host_load(), "repro", json_null());
	if (rec && json_is_array(timeline))	/* only runs whose scenario reported steps */
		json_object_set_new(rec, "timeline", json_deep_copy(timeline));
	return rec;
}
