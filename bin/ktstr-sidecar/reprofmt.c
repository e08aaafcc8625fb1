/*
 * A rerun's repro record as text (`show`, `show --brief`) and as HTML
 * (`report`): the exit, the task, what was traced, and the task's last
 * events. Kernel-function events just before a callback on the same CPU are
 * the way the kernel called it: they are shown on the callback's line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "repro.h"
#include "sidecar.h"

/* Fields the text leaves to the record and the HTML page. */
static bool text_skips(const char *key)
{
	return !strcmp(key, "vtime") || !strcmp(key, "cpus_weight") || !strcmp(key, "task_cpu") ||
	       !strcmp(key, "weight");
}

static void value_text(char *buf, size_t len, json_t *v)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	else
		snprintf(buf, len, "?");
}

static bool is_kprobe(json_t *e)
{
	return !strcmp(rec_str(e, "probe", ""), "kprobe");
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* Events [from, i) are kernel functions leading to callback i on its CPU and task. */
static bool leads_to(json_t *events, size_t from, size_t i)
{
	json_t *e = json_array_get(events, i);

	for (size_t k = from; k < i; k++) {
		json_t *p = json_array_get(events, k);

		if (num(p, "cpu") != num(e, "cpu") || num(p, "pid") != num(e, "pid"))
			return false;
	}
	return !is_kprobe(e);
}

/* "a > b > c" of events [from, to) into buf. */
static void path_text(json_t *events, size_t from, size_t to, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t k = from; k < to && used < len; k++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", k > from ? " > " : "",
					 rec_str(json_array_get(events, k), "callback", "?"));
}

static void callback_name(json_t *e, char *buf, size_t len)
{
	snprintf(buf, len, is_kprobe(e) ? "%s()" : "ops.%s", rec_str(e, "callback", "?"));
}

static void task_text(json_t *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s[%lld]", rec_str(t, "comm", "?"), num(t, "pid"));
}

static void print_event(FILE *f, json_t *e, const char *via, long long pid)
{
	char name[96], v[256];
	const char *key;
	json_t *val;

	callback_name(e, name, sizeof(name));
	fprintf(f, "      %10.3f ms  cpu %-3lld %-18s", (double)num(e, "t_ns") / 1e6, num(e, "cpu"), name);
	if (*via)
		fprintf(f, " via %s", via);
	if (num(e, "pid") != pid) {
		task_text(e, v, sizeof(v));
		fprintf(f, " %s", v);
	}
	json_object_foreach(json_object_get(e, "fields"), key, val) {
		if (text_skips(key))
			continue;
		value_text(v, sizeof(v), val);
		fprintf(f, " %s=%s", key, v);
	}
	fputc('\n', f);
}

static void print_traced(FILE *f, json_t *tr)
{
	json_t *c, *x;
	size_t i;

	fprintf(f, "    traced     %zu callbacks (fentry):", json_array_size(json_object_get(tr, "callbacks")));
	json_array_foreach(json_object_get(tr, "callbacks"), i, c)
		fprintf(f, " %s", rec_str(c, "callback", "?"));
	fprintf(f, "; %zu kernel functions (kprobe):", json_array_size(json_object_get(tr, "kprobes")));
	json_array_foreach(json_object_get(tr, "kprobes"), i, x)
		fprintf(f, " %s", json_string_value(x) ? json_string_value(x) : "?");
	json_array_foreach(json_object_get(tr, "failed"), i, x)
		fprintf(f, "%s %s (%s)", i ? "," : "; not traced:", rec_str(x, "function", "?"),
			rec_str(x, "error", "?"));
	fputc('\n', f);
}

static const char *task_source(const char *src)
{
	return !strcmp(src, "exit") ? "raised the exit" : !strcmp(src, "exit message") ?
	       "named by the exit" : !strcmp(src, "first run") ? "the first run's" : src;
}

static size_t callbacks(json_t *events)
{
	size_t n = 0, i;
	json_t *e;

	json_array_foreach(events, i, e)
		n += !is_kprobe(e);
	return n;
}

static void print_header(FILE *f, json_t *r)
{
	json_t *ex = json_object_get(r, "exit"), *re = json_object_get(r, "rerun_exit");

	fprintf(f, "  repro (rerun %s, traced with BPF): ", rec_str(r, "rerun", "?"));
	if (rec_str(r, "error", NULL))
		fprintf(f, "%s\n", rec_str(r, "error", ""));
	else if (!strcmp(rec_str(ex, "source", ""), "scx_vexit"))
		fprintf(f, "%s on CPU %lld: %s\n", rec_str(ex, "kind", "?"), num(ex, "cpu"),
			rec_str(ex, "message", ""));
	else if (json_is_object(re))
		fprintf(f, "%s: %s (the tracer saw no error exit)\n", rec_str(re, "kind", "?"),
			rec_str(re, "message", ""));
	else
		fprintf(f, "no error exit in the rerun (VM exit %s)\n", rec_str(r, "vm_exit", "?"));
}

void repro_print(FILE *f, json_t *r)
{
	json_t *task = json_object_get(r, "task"), *first = json_object_get(r, "first_run");
	json_t *events = json_object_get(r, "events");
	long long pid = json_is_object(task) ? num(task, "pid") : -1;
	size_t n = json_array_size(events), from = 0;
	char buf[512], fr[128];

	print_header(f, r);
	if (rec_str(r, "error", NULL))
		return;
	if (json_is_object(task)) {
		task_text(task, buf, sizeof(buf));
		fprintf(f, "    task       %s, %s", buf, task_source(rec_str(task, "source", "?")));
		if (json_is_object(first) && strcmp(rec_str(task, "source", ""), "first run")) {
			task_text(first, fr, sizeof(fr));
			fprintf(f, " (the first run: %s)", fr);
		}
		fputc('\n', f);
	} else {
		fprintf(f, "    task       none known: the events of CPU %lld\n", num(r, "cpu"));
	}
	print_traced(f, json_object_get(r, "traced"));
	fprintf(f, "    events     its last %zu callbacks before the exit, ms from it (%lld of the %lld events "
		"recorded were its):\n", callbacks(events), num(r, "events_matched"), num(r, "events_recorded"));
	for (size_t i = 0; i < n; i++) {
		if (is_kprobe(json_array_get(events, i)) && i + 1 < n)
			continue;	/* shown with the callback it leads to, or below */
		if (!leads_to(events, from, i)) {
			for (size_t k = from; k < i; k++)
				print_event(f, json_array_get(events, k), "", pid);
			from = i;
		}
		path_text(events, from, i, buf, sizeof(buf));
		print_event(f, json_array_get(events, i), buf, pid);
		from = i + 1;
	}
}

static void html_fields(struct hbuf *b, json_t *fields)
{
	const char *key;
	json_t *val;
	char v[256];

	const char *sep = "";

	json_object_foreach(fields, key, val) {
		value_text(v, sizeof(v), val);
		hb_raw(b, sep);
		hb_esc(b, key);
		hb_raw(b, "=");
		hb_esc(b, v);
		sep = " ";
	}
}

void repro_html(struct hbuf *b, json_t *r)
{
	json_t *e, *task = json_object_get(r, "task");
	char buf[512];
	size_t i;
	FILE *f;
	char *text = NULL;
	size_t len = 0;

	hb_raw(b, "<h3>Repro: the rerun traced with BPF</h3>\n<pre class=\"repro\">");
	if ((f = open_memstream(&text, &len))) {	/* the text's head, as `show` has it */
		print_header(f, r);
		if (json_is_object(task)) {
			task_text(task, buf, sizeof(buf));
			fprintf(f, "    task       %s, %s\n", buf, task_source(rec_str(task, "source", "?")));
		}
		if (json_is_object(json_object_get(r, "traced")))
			print_traced(f, json_object_get(r, "traced"));
		fclose(f);
		hb_esc(b, text);
		free(text);
	}
	hb_raw(b, "</pre>\n");
	if (!json_array_size(json_object_get(r, "events")))
		return;
	hb_raw(b, "<table class=\"repro-events\"><tr><th>ms before the exit</th><th>cpu</th>"
		  "<th>callback</th><th>task</th><th>fields</th></tr>\n");
	json_array_foreach(json_object_get(r, "events"), i, e) {
		hb_printf(b, "<tr><td class=\"n\">%.3f</td><td class=\"n\">%lld</td><td>",
			  (double)num(e, "t_ns") / 1e6, num(e, "cpu"));
		callback_name(e, buf, sizeof(buf));
		hb_esc(b, buf);
		hb_raw(b, "</td><td>");
		task_text(e, buf, sizeof(buf));
		hb_esc(b, buf);
		hb_raw(b, "</td><td>");
		html_fields(b, json_object_get(e, "fields"));
		hb_raw(b, "</td></tr>\n");
	}
	hb_raw(b, "</table>\n");
}
