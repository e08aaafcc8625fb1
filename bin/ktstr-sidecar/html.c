/*
 * `report`: a stored run as one self-contained HTML page (no scripts, no
 * network): per job the verdict, the topology, per-CPU heatmaps, the timeline,
 * the workers, the scheduler's log, the kernel's dump and the console; for a
 * run of many jobs first a matrix of scenario x preset x profile.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "ids.h"
#include "html.h"
#include "paths.h"
#include "repro.h"
#include "sidecar.h"

#define CONSOLE_TAIL 40	/* lines of the console log shown */

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar report [--runs-dir DIR] [-o FILE] RUN|latest [JOB|TEST]\n"
	      "Write the run as one self-contained HTML page (default RUNS/RUN/report.html;\n"
	      "-o - for stdout) and print its path: the verdict and its details, the topology,\n"
	      "per-CPU heatmaps of runqueue length and local DSQ depth over time with the\n"
	      "steps and the failure marked, the timeline, the workers, the scheduler's log,\n"
	      "the kernel's sched_ext dump, what a traced rerun (--repro) saw and the console.\n"
	      "A run of several jobs starts with a matrix of scenario x preset x profile, each\n"
	      "cell linking to its job.\n", f);
}

static void hb_grow(struct hbuf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
}

void hb_raw(struct hbuf *b, const char *s)
{
	size_t n = strlen(s);

	hb_grow(b, n);
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

void hb_esc(struct hbuf *b, const char *s)
{
	for (; s && *s; s++) {
		char one[2] = { *s, 0 };

		hb_raw(b, *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" :
		       *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : one);
	}
}

void hb_printf(struct hbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	hb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char STYLE[] =
	"body{font:14px/1.4 sans-serif;margin:1em 2em;color:#222}"
	"h2{border-bottom:1px solid #ccc;padding-bottom:.2em}"
	"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
	"text-align:left}td.n{text-align:right}"
	".result{font-weight:bold;padding:0 .4em}.r-pass{background:#c7e9c0}"
	".r-fail{background:#fcbba1}.r-inconclusive{background:#fdd49e}.r-skip{background:#ddd}"
	".r-none{background:#fff}"
	"pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere;"
	"overflow-y:auto;max-height:30em}"
	".degradation{color:#b30000;font-weight:bold}.improvement{color:#006d2c}"
	".node-box{fill:#f0f0f0;stroke:#888}.llc-box{fill:#e0ecf4;stroke:#6a8caf}"
	".cpu-box{fill:#fff;stroke:#333}svg text{font:10px sans-serif}"
	".rowlabel{text-anchor:end}.step-marker line{stroke:#333;stroke-dasharray:3 2}"
	".failure-marker line{stroke:#d00;stroke-width:2}.failure-marker text{fill:#d00}"
	".rq .v0,.dsq .v0{fill:#f7f7f7}"
	".rq .v1{fill:#deebf7}.rq .v2{fill:#c6dbef}.rq .v3{fill:#9ecae1}.rq .v4{fill:#6baed6}"
	".rq .v5{fill:#4292c6}.rq .v6{fill:#2171b5}.rq .v7{fill:#08519c}.rq .v8{fill:#08306b}"
	".rq .v9{fill:#000}"
	".dsq .v1{fill:#fee6ce}.dsq .v2{fill:#fdd0a2}.dsq .v3{fill:#fdae6b}.dsq .v4{fill:#fd8d3c}"
	".dsq .v5{fill:#f16913}.dsq .v6{fill:#d94801}.dsq .v7{fill:#a63603}.dsq .v8{fill:#7f2704}"
	".dsq .v9{fill:#000}";

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void cell_num(struct hbuf *b, json_t *v)
{
	if (json_is_integer(v))
		hb_printf(b, "<td class=\"n\">%lld</td>", (long long)json_integer_value(v));
	else if (json_is_number(v))	/* %g would write a work rate in e+08 form */
		hb_printf(b, json_number_value(v) >= 1e6 ? "<td class=\"n\">%.0f</td>" :
			  "<td class=\"n\">%g</td>", json_number_value(v));
	else
		hb_raw(b, "<td class=\"n\">-</td>");
}

static void cell_str(struct hbuf *b, const char *s)
{
	hb_raw(b, "<td>");
	hb_esc(b, s ? s : "-");
	hb_raw(b, "</td>");
}

static const char *result_of(const struct job_stream *js)
{
	return rec_str(js->verdict, "result", "none");
}

static void verdict_section(struct hbuf *b, const struct job_stream *js)
{
	json_t *v = js->verdict, *d;
	size_t i;

	hb_raw(b, "<h2>");
	hb_esc(b, rec_str(v, "test", rec_str(js->job, "test", js->id)));
	hb_raw(b, " on ");
	hb_esc(b, rec_str(v, "topo", "?"));
	hb_raw(b, " under ");
	hb_esc(b, rec_str(v, "scheduler", "?"));
	hb_printf(b, " <span class=\"result r-%s\">", result_of(js));
	hb_esc(b, result_of(js));
	hb_raw(b, "</span></h2>\n<p>job ");
	hb_esc(b, js->id);
	hb_printf(b, ", %s, VM %.1f s", rec_str(v, "accel", "?"), num(v, "wall_ms") / 1000);
	if (rec_str(v, "reason", NULL)) {
		hb_raw(b, "<br>reason: ");
		hb_esc(b, rec_str(v, "reason", ""));
	}
	hb_raw(b, "</p>\n<ul class=\"details\">\n");
	json_array_foreach(json_object_get(v, "details"), i, d) {
		hb_raw(b, "<li><b>");
		hb_esc(b, rec_str(d, "kind", "?"));
		hb_raw(b, "</b>: <pre>");
		hb_esc(b, rec_str(d, "message", ""));
		hb_raw(b, "</pre></li>\n");
	}
	hb_raw(b, "</ul>\n");
}

static void timeline_section(struct hbuf *b, json_t *tl)
{
	static const char *const cols[] = { "samples", "avg_imbalance_ratio", "avg_local_dsq_depth",
					    "avg_run_delay_us", "fallback_rate", "keep_last_rate",
					    "work_rate", "slowest_worker_pct" };
	static const char *const heads[] = { "samples", "imbalance", "local DSQ", "run delay us",
					     "fallback /s", "keep-last /s/CPU", "work /s",
					     "slowest worker %" };
	json_t *e, *c;
	size_t i, k;

	if (!json_array_size(tl))
		return;
	hb_raw(b, "<h3>Timeline</h3>\n<table class=\"timeline\"><tr><th>step</th><th>op</th>");
	for (k = 0; k < sizeof(heads) / sizeof(heads[0]); k++)
		hb_printf(b, "<th title=\"%s\">%s</th>", cols[k], heads[k]);
	hb_raw(b, "<th>changes</th></tr>\n");
	json_array_foreach(tl, i, e) {
		hb_printf(b, "<tr><td>%lld</td>", rec_step_no(json_object_get(e, "step")));
		cell_str(b, rec_str(e, "op", "?"));
		for (k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
			cell_num(b, json_object_get(e, cols[k]));
		hb_raw(b, "<td>");
		json_array_foreach(json_object_get(e, "changes"), k, c)
			hb_printf(b, "<span class=\"%s\">%s: %s %g &rarr; %g</span><br>",
				  rec_str(c, "change", ""), rec_str(c, "change", ""), rec_str(c, "metric", ""),
				  num(c, "from"), num(c, "to"));
		hb_raw(b, "</td></tr>\n");
	}
	hb_raw(b, "</table>\n");
}

static void workers_section(struct hbuf *b, const struct job_stream *js)
{
	json_t *w;
	size_t i;

	if (!json_array_size(js->workers))
		return;
	hb_raw(b, "<h3>Workers</h3>\n<table class=\"workers\"><tr><th>cgroup</th><th>tid</th>"
		  "<th>work</th><th>work units</th><th>off-CPU %</th><th>max gap ms</th>"
		  "<th>gap at ms</th><th>migrations</th><th>CPUs used</th><th>wake p50 ns</th>"
		  "<th>wake p99 ns</th></tr>\n");
	json_array_foreach(js->workers, i, w) {
		json_t *wl = json_object_get(w, "wake_latency");
		double wall = num(w, "wall_time_ns");

		hb_raw(b, "<tr>");
		cell_str(b, rec_str(w, "cgroup", "?"));
		cell_num(b, json_object_get(w, "tid"));
		cell_str(b, rec_str(w, "work_type", "?"));
		cell_num(b, json_object_get(w, "work_units"));
		if (wall > 0)
			hb_printf(b, "<td class=\"n\">%.1f</td>", 100 * num(w, "off_cpu_ns") / wall);
		else
			hb_raw(b, "<td class=\"n\">-</td>");
		cell_num(b, json_object_get(w, "max_gap_ms"));
		cell_num(b, json_object_get(w, "max_gap_at_ms"));
		cell_num(b, json_object_get(w, "migration_count"));
		cell_str(b, rec_str(w, "cpus_used", "-"));
		cell_num(b, json_object_get(wl, "p50_ns"));
		cell_num(b, json_object_get(wl, "p99_ns"));
		hb_raw(b, "</tr>\n");
	}
	hb_raw(b, "</table>\n");
}

static void lines_pre(struct hbuf *b, const char *cls, json_t *lines)
{
	json_t *l;
	size_t i;

	hb_printf(b, "<pre class=\"%s\">", cls);
	json_array_foreach(lines, i, l) {
		hb_esc(b, json_string_value(l));
		hb_raw(b, "\n");
	}
	hb_raw(b, "</pre>\n");
}

/* The scheduler's last output and the kernel's dumps (each in its parts' order). */
static void logs_section(struct hbuf *b, const struct job_stream *js)
{
	json_t *g, *tail = NULL, *d;
	size_t i, k;

	json_array_foreach(js->sched, i, g)
		if (json_array_size(json_object_get(g, "log_tail")))
			tail = json_object_get(g, "log_tail");
	if (tail) {
		hb_raw(b, "<h3>Scheduler log</h3>\n");
		lines_pre(b, "sched-log", tail);
	}
	for (long dump = 1, found = 1; found; dump++) {
		found = 0;
		for (long part = 0;; part++) {
			json_t *hit = NULL;

			json_array_foreach(js->dumps, k, d)
				if (num(d, "dump") == dump && num(d, "part") == part)
					hit = d;
			if (!hit)
				break;
			if (!found++) {
				hb_printf(b, "<h3>sched_ext dump %ld (", dump);
				hb_esc(b, rec_str(hit, "trigger", "?"));
				hb_raw(b, ": ");
				hb_esc(b, rec_str(hit, "reason", ""));
				hb_raw(b, ")</h3>\n");
			}
			lines_pre(b, "dump", json_object_get(hit, "lines"));
		}
	}
}

/* The last lines of the job's console log in the run's folder, else the notable ones. */
static void console_section(struct hbuf *b, const struct run_stream *rs,
			    const struct job_stream *js)
{
	char name[512], *path, line[1024];
	json_t *lines = json_array(), *c;
	size_t i;
	FILE *f;

	snprintf(name, sizeof(name), "%s.console.log", js->id);
	path = paths_join(rs->dir, name);
	if (!id_problem(js->id, JOB_ID_MAX) && (f = store_fopen_regular(path))) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			json_array_append_new(lines, json_string_nocheck(line));
			if (json_array_size(lines) > CONSOLE_TAIL)
				json_array_remove(lines, 0);
		}
		fclose(f);
	}
	if (!json_array_size(lines))
		json_array_foreach(js->console, i, c)
			json_array_append(lines, json_object_get(c, "line"));
	if (json_array_size(lines)) {
		hb_raw(b, "<h3>Console</h3>\n");
		lines_pre(b, "console", lines);
	}
	json_decref(lines);
	free(path);
}

static void job_section(struct hbuf *b, const struct run_stream *rs, const struct job_stream *js)
{
	hb_raw(b, "<section class=\"job\" id=\"job-");
	hb_esc(b, js->id);
	hb_raw(b, "\">\n");
	verdict_section(b, js);
	hb_raw(b, "<h3>Topology</h3>\n");
	svg_topology(b, json_object_get(js->job, "topo"));
	hb_raw(b, "<h3>Runqueues over time</h3>\n");
	svg_heatmaps(b, js);
	timeline_section(b, json_object_get(js->verdict, "timeline"));
	workers_section(b, js);
	logs_section(b, js);
	if (js->repro)
		repro_html(b, js->repro);
	console_section(b, rs, js);
	hb_raw(b, "</section>\n");
}

/* An array's strings in first-seen order, without repeats. */
static void add_unique(json_t *set, const char *s)
{
	json_t *x;
	size_t i;

	json_array_foreach(set, i, x)
		if (!strcmp(json_string_value(x), s))
			return;
	json_array_append_new(set, json_string(s));
}

static void axis_of(json_t *job, char *col, size_t len)
{
	json_t *plan = json_object_get(job, "plan");

	snprintf(col, len, "%s / %s", rec_str(plan, "preset",
		 rec_str(json_object_get(job, "topo"), "name", "?")),
		 rec_str(plan, "profile", "default"));
}

/* The matrix's cell of one job: its result, linking to its section; blank if it never ran. */
static void matrix_cell(struct hbuf *b, struct run_stream *rs, json_t *job)
{
	const char *id = rec_str(job, "id", "");
	struct job_stream *js = NULL;

	for (size_t k = 0; k < rs->n; k++)
		if (!strcmp(rs->jobs[k].id, id) && rs->jobs[k].job)
			js = &rs->jobs[k];
	if (!js) {
		hb_raw(b, "<td class=\"cell r-none\">not run</td>");
		return;
	}
	hb_printf(b, "<td class=\"cell r-%s\"><a href=\"#job-", result_of(js));
	hb_esc(b, js->id);
	hb_raw(b, "\">");
	hb_esc(b, result_of(js));
	hb_raw(b, "</a></td>");
}

/*
 * Scenario x (preset / profile), each cell its job's result. The planned jobs
 * (jobs.ndjson) make the axes when the run has them: a job that never ran shows.
 */
static void matrix(struct hbuf *b, struct run_stream *rs)
{
	json_t *jobs = json_array(), *rows = json_array(), *cols = json_array(), *r, *c, *j;
	size_t i, k, m;
	char col[256];

	if (json_array_size(rs->planned))
		json_array_extend(jobs, rs->planned);
	else
		for (i = 0; i < rs->n; i++)
			if (rs->jobs[i].job)
				json_array_append(jobs, rs->jobs[i].job);
	json_array_foreach(jobs, i, j) {
		add_unique(rows, rec_str(j, "test", rec_str(j, "id", "?")));
		axis_of(j, col, sizeof(col));
		add_unique(cols, col);
	}
	hb_raw(b, "<h2>Matrix</h2>\n<table class=\"matrix\"><tr><th>scenario</th>");
	json_array_foreach(cols, k, c) {
		hb_raw(b, "<th>");
		hb_esc(b, json_string_value(c));
		hb_raw(b, "</th>");
	}
	hb_raw(b, "</tr>\n");
	json_array_foreach(rows, i, r) {
		hb_raw(b, "<tr><th>");
		hb_esc(b, json_string_value(r));
		hb_raw(b, "</th>");
		json_array_foreach(cols, k, c) {
			json_t *hit = NULL;

			json_array_foreach(jobs, m, j) {
				axis_of(j, col, sizeof(col));
				if (!strcmp(col, json_string_value(c)) &&
				    !strcmp(rec_str(j, "test", rec_str(j, "id", "?")), json_string_value(r)))
					hit = j;
			}
			if (hit)
				matrix_cell(b, rs, hit);
			else
				hb_raw(b, "<td></td>");
		}
		hb_raw(b, "</tr>\n");
	}
	hb_raw(b, "</table>\n");
	json_decref(jobs);
	json_decref(rows);
	json_decref(cols);
}

static char *report_page(struct run_stream *rs, const struct job_stream *only)
{
	const char *run = strrchr(rs->dir, '/') ? strrchr(rs->dir, '/') + 1 : rs->dir;
	struct hbuf b = { 0 };
	size_t jobs = 0;

	for (size_t i = 0; i < rs->n; i++)
		jobs += rs->jobs[i].job != NULL;
	hb_raw(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		   "style-src 'unsafe-inline'; img-src data:\"><title>ktstr run ");
	hb_esc(&b, run);
	hb_printf(&b, "</title><style>%s</style></head><body>\n<h1>ktstr run ", STYLE);
	hb_esc(&b, run);
	hb_printf(&b, "</h1>\n<p>%zu job%s", only ? 1 : jobs, (only ? 1 : jobs) == 1 ? "" : "s");
	if (!only && json_array_size(rs->planned) > jobs)
		hb_printf(&b, " of %zu planned", json_array_size(rs->planned));
	hb_raw(&b, "</p>\n");
	if (!only && (jobs > 1 || json_array_size(rs->planned) > 1))
		matrix(&b, rs);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->jobs[i].job && (!only || only == &rs->jobs[i]))
			job_section(&b, rs, &rs->jobs[i]);
	hb_raw(&b, "</body></html>\n");
	return b.p;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *runs_dir = paths_runs_dir(), *page, *out = NULL, err[512];
	struct job_stream *only = NULL;
	struct run_stream rs;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(runs_dir); runs_dir = xstrdup(optarg); break;
		case 'o': free(out); out = xstrdup(optarg); break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die_option(c, argv, opts, "report");
		}
	}
	operands(argc, argv, 1, 2, "report", "RUN [JOB|TEST]");
	if (out && strcmp(out, "-") && out_folder_problem(out))
		die(EXIT_USAGE, "-o %s: not a file in an existing folder", out);
	stream_load(&rs, runs_dir, argv[optind]);
	if (argc - optind == 2 && !(only = stream_find(&rs, argv[optind + 1])))
		die(EXIT_USAGE, "run %s has no job or test '%s'", argv[optind], argv[optind + 1]);
	page = report_page(&rs, only);
	if (out && !strcmp(out, "-")) {
		if (fputs(page, stdout) == EOF || fflush(stdout) == EOF)
			die(EXIT_INCONCLUSIVE, "write error on stdout");
	} else {
		char *path = out ? xstrdup(out) : paths_join(rs.dir, "report.html");
		char *slash = strrchr(path, '/');

		if (slash)
			*slash = '\0';
		if (store_atomic(slash ? (*path ? path : "/") : ".", slash ? slash + 1 : path, page,
				 err, sizeof(err)))
			die(EXIT_INCONCLUSIVE, "report: %s", err);
		if (slash)
			*slash = '/';
		printf("%s\n", path);
		free(path);
	}
	free(page);
	free(out);
	stream_free(&rs);
	free(runs_dir);
	return EXIT_PASS;
}
