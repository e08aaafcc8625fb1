/*
 * `repro plan`: which jobs of a stored run to run again with BPF tracing, and
 * their job records for it. A job qualifies when its sched_ext scheduler died
 * with an error (scx_bpf_error, a stall, an error of the kernel's own) or its
 * kernel printed a backtrace; of a run of many jobs, the first qualifying job
 * of each failure cluster (a scenario, preset or profile its failures share,
 * as `show --totals` tells them), else the first one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "ids.h"
#include "ndjson.h"
#include "repro.h"
#include "sidecar.h"
#include "stream.h"

#define MAX_FUNCTIONS 3		/* kernel frames nearest the failure: the callback's callers */
#define REPRO_EVENTS 40		/* callbacks shown */
#define EXTRA_TIMEOUT_S 60	/* the tracer's loading and report */

/* Frames that are the exit's own machinery or entry glue, not the path to it. */
static bool skipped_frame(const char *fn)
{
	static const char *const exact[] = {
		"schedule", "__schedule", "schedule_idle", "do_syscall_64", "__do_sys_sched_yield",
		"do_sched_yield", "__sys_bpf", "__x64_sys_bpf", "preempt_schedule_common",
		"preempt_schedule_irq", "scx_vexit", "__scx_exit", "scx_exit", "scx_bpf_exit_bstr",
		"scx_bpf_error_bstr", "scx_dump_state", "scx_dump_task", "scx_exit_reason",
		"dump_stack", "dump_stack_lvl", "stack_trace_save", "stack_trace_print", "show_stack",
		"panic", "die", "oops_end",
	};
	static const char *const prefix[] = {
		"_raw_spin_", "asm_", "entry_", "__sysvec_", "sysvec_", "__bpf_prog_enter",
		"__bpf_prog_exit", "bpf_trampoline_", "bpf_prog_", "bpf__", "ret_from_", "__pfx_",
	};

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(fn, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (!strncmp(fn, prefix[i], strlen(prefix[i])))
			return true;
	return false;
}

/* "  ? func+0x4c/0xa9 [mod]" -> "func" in out; false when the line is no frame. */
static bool frame_name(const char *line, char *out, size_t len)
{
	size_t n;

	while (*line == ' ' || *line == '\t')
		line++;
	if (line[0] == '?' && line[1] == ' ')
		line += 2;
	n = strcspn(line, "+ ");
	if (!n || line[n] != '+' || strncmp(line + n, "+0x", 3) || n >= len)
		return false;
	memcpy(out, line, n);
	out[n] = '\0';
	return true;
}

static void add_frame(json_t *fns, const char *line)
{
	char fn[128];
	json_t *f;
	size_t i;

	if (json_array_size(fns) >= MAX_FUNCTIONS || !frame_name(line, fn, sizeof(fn)) || skipped_frame(fn))
		return;
	json_array_foreach(fns, i, f)
		if (!strcmp(json_string_value(f), fn))
			return;
	json_array_append_new(fns, json_string(fn));
}

/* The lines after the heading "Backtrace:" in the job's first dump, up to a blank one. */
static void dump_frames(const struct job_stream *js, json_t *fns)
{
	json_t *d, *l;
	size_t i, k;
	bool in = false;

	json_array_foreach(js->dumps, i, d) {
		if (json_integer_value(json_object_get(d, "dump")) != 1)
			continue;
		json_array_foreach(json_object_get(d, "lines"), k, l) {
			const char *s = json_string_value(l) ? json_string_value(l) : "";

			if (!strcmp(s, "Backtrace:"))
				in = true;
			else if (in && !*s)
				return;
			else if (in)
				add_frame(fns, s);
		}
	}
}

/* The first "Call Trace:" of the console log (an oops, a BUG, a warning). */
static void console_frames(const char *log, json_t *fns, json_t *repro)
{
	FILE *f = log ? store_fopen_regular(log) : NULL;
	char line[1024], comm[64];
	bool in = false;
	int pid;

	while (f && fgets(line, sizeof(line), f)) {
		const char *text = strchr(line, ']') ? strchr(line, ']') + 1 : line, *p;

		line[strcspn(line, "\n")] = '\0';
		if (!json_object_get(repro, "pid") && (p = strstr(text, " PID: ")) &&
		    sscanf(p, " PID: %d Comm: %63s", &pid, comm) == 2) {
			json_object_set_new(repro, "pid", json_integer(pid));
			json_object_set_new(repro, "comm", json_string(comm));
		}
		if (strstr(text, "Call Trace:"))
			in = true;
		else if (in && (strstr(text, "</TASK>") || !strstr(text, "+0x")))
			break;
		else if (in)
			add_frame(fns, text);
	}
	if (f)
		fclose(f);
}

/*
 * "comm[pid]" ending just before at: the task a message names. The comm
 * starts after the last ": " before it ("sched_ext: ktstr: comm[pid] ...").
 */
static bool task_before(const char *s, const char *at, json_t *repro)
{
	const char *open = at, *start = s;
	int pid;

	if (at <= s || at[-1] != ']')
		return false;
	while (open > s && open[-1] != '[')
		open--;
	if (open == s || sscanf(open, "%d", &pid) != 1)
		return false;
	for (const char *p = s; p + 1 < open; p++)
		if (p[0] == ':' && p[1] == ' ')
			start = p + 2;
	if (start >= open - 1)
		return false;
	json_object_set_new(repro, "pid", json_integer(pid));
	json_object_set_new(repro, "comm", json_stringn(start, (size_t)(open - 1 - start)));
	return true;
}

/*
 * The task the failure was about: the one a stall names ("comm[pid] failed to
 * run for ...", in the exit's message or the kernel's line), else the one the
 * dump says raised the exit.
 */
static void culprit(const struct job_stream *js, json_t *repro)
{
	json_t *g, *d, *l;
	size_t i, k;

	json_array_foreach(js->sched, i, g) {
		const char *ev = rec_str(g, "event", "");
		const char *msg = rec_str(g, !strcmp(ev, "kmsg") ? "line" : "message", "");
		const char *at = strstr(msg, " failed to run for");

		if ((!strcmp(ev, "kernel_exit") || !strcmp(ev, "kmsg")) && at && task_before(msg, at, repro))
			return;
	}
	json_array_foreach(js->dumps, i, d)
		json_array_foreach(json_object_get(d, "lines"), k, l) {
			const char *s = json_string_value(l) ? json_string_value(l) : "";
			const char *at = strstr(s, " triggered exit kind");

			if (at && task_before(s, at, repro))
				return;
		}
}

/*
 * An error exit (as ktstr-init named it, or the kernel's "disabled" line at
 * KERN_ERR when ktstr-init could only see the state), an error dump, a panic,
 * or (in the console log) a kernel backtrace.
 */
static bool failed_in_kernel(const struct job_stream *js)
{
	json_t *g, *d;
	size_t i;

	json_array_foreach(js->sched, i, g) {
		const char *ev = rec_str(g, "event", "");

		if (!strcmp(ev, "kernel_exit") && !strncmp(rec_str(g, "kind", ""), "ERROR", 5))
			return true;
		if (!strcmp(ev, "kmsg") && json_integer_value(json_object_get(g, "level")) <= 3 &&
		    strstr(rec_str(g, "line", ""), "BPF scheduler") && strstr(rec_str(g, "line", ""), " disabled ("))
			return true;
	}
	json_array_foreach(js->dumps, i, d)
		if (!strcmp(rec_str(d, "trigger", ""), "error"))
			return true;
	return !strcmp(rec_str(js->vm_exited, "reason", ""), "panic");
}

static const char *console_log(const struct job_stream *js)
{
	return rec_str(js->vm_exited, "console_log", rec_str(js->vm_started, "console_log", NULL));
}

static bool console_has_trace(const struct job_stream *js)
{
	json_t *fns = json_array(), *scratch = json_object();
	bool found;

	console_frames(console_log(js), fns, scratch);
	found = json_array_size(fns) > 0;
	json_decref(fns);
	json_decref(scratch);
	return found;
}

bool repro_qualifies(const struct job_stream *js)
{
	const char *result = rec_str(js->verdict, "result", "");
	const char *sched = rec_str(json_object_get(js->job, "scheduler"), "name", "eevdf");

	if (!js->job || !strcmp(sched, "eevdf") || (strcmp(result, "fail") && strcmp(result, "inconclusive")))
		return false;
	return failed_in_kernel(js) || console_has_trace(js);
}

/* The job record of the rerun, or NULL (said on stderr) when its id would be too long. */
json_t *repro_job(const struct job_stream *js)
{
	json_t *job = json_deep_copy(js->job), *repro = json_object(), *fns = json_array(), *g;
	json_t *sched = json_object_get(job, "scheduler"), *t;
	char id[JOB_ID_MAX + 16];
	size_t i;

	snprintf(id, sizeof(id), "%s.repro", js->id);
	if (id_problem(id, JOB_ID_MAX)) {
		warnmsg("job %s: no rerun: its id %s is too long", js->id, id);
		json_decref(job);
		json_decref(repro);
		json_decref(fns);
		return NULL;
	}
	json_array_foreach(js->sched, i, g) {
		json_t *bt = json_object_get(g, "backtrace"), *l;
		size_t k;

		if (strcmp(rec_str(g, "event", ""), "kernel_exit") || json_array_size(fns))
			continue;
		json_array_foreach(bt, k, l)
			add_frame(fns, json_string_value(l) ? json_string_value(l) : "");
	}
	if (!json_array_size(fns))
		dump_frames(js, fns);
	culprit(js, repro);
	if (!json_array_size(fns) || !json_object_get(repro, "pid"))
		console_frames(console_log(js), fns, repro);
	json_object_set_new(repro, "of", json_string(js->id));
	json_object_set_new(repro, "functions", fns);
	json_object_set_new(repro, "events", json_integer(REPRO_EVENTS));
	json_object_set_new(job, "id", json_string(id));
	json_object_set_new(job, "repro", repro);
	t = json_object_get(job, "timeout_s");
	json_object_set_new(job, "timeout_s", json_integer((json_is_integer(t) ? json_integer_value(t) : 60) +
							   EXTRA_TIMEOUT_S));
	if (json_is_object(sched))	/* the tracer holds the loader while it attaches */
		json_object_set_new(sched, "attach_timeout_ms", json_integer(
			json_integer_value(json_object_get(sched, "attach_timeout_ms")) + 20000));
	json_object_del(job, "repeat");
	return job;
}
