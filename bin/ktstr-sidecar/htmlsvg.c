/* The report's drawings: the topology and the per-CPU heatmaps, as inline SVG. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "html.h"
#include "sidecar.h"

#define HM_WIDTH 900	/* px of time axis */
#define HM_LEFT 48	/* px for the CPU labels */
#define HM_ROW 12	/* px per CPU */
#define HM_LEVELS 10	/* colour classes v0..v9 (v9: 9 or more) */

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* A number to draw with: far past any topology, and small enough that pixel sums fit an int. */
static int dnum(json_t *o, const char *key)
{
	double x = num(o, key);

	return x >= 1 << 20 ? 1 << 20 : x <= -(1 << 20) ? -(1 << 20) : (int)x;
}

/* Nodes hold LLCs hold CPUs, left to right; SMT siblings share a core's column. */
void svg_topology(struct hbuf *b, json_t *topo)
{
	json_t *nodes = json_object_get(topo, "nodes"), *llcs = json_object_get(topo, "llc_list");
	json_t *cpus = json_object_get(topo, "cpu_list"), *node, *llc, *cpu;
	size_t i, j, k;
	int x = 4, width = 8, per_llc_max = 1;

	int tpc = dnum(topo, "threads_per_core") > 1 ? dnum(topo, "threads_per_core") : 1;
	int box_h = (36 - 2 * (tpc - 1)) / tpc;

	json_array_foreach(llcs, j, llc) {
		int n = 0;

		json_array_foreach(cpus, k, cpu)
			n += num(cpu, "llc") == num(llc, "id") && num(cpu, "thread") == 0;
		per_llc_max = n > per_llc_max ? n : per_llc_max;
	}
	/* an LLC box is 30 px per CPU wide, a node box wraps its LLCs */
	json_array_foreach(llcs, j, llc)
		width += 30 * per_llc_max + 12;
	width += 12 * (int)json_array_size(nodes) + 8;
	hb_printf(b, "<svg class=\"topology\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		  "height=\"96\" role=\"img\" aria-label=\"topology %s\">\n", width,
		  rec_str(topo, "name", "?"));
	json_array_foreach(nodes, i, node) {
		int nx = x, nl = 0;

		json_array_foreach(llcs, j, llc)
			nl += num(llc, "node") == num(node, "id");
		hb_printf(b, "<g class=\"node\" data-node=\"%d\"><rect class=\"node-box\" x=\"%d\" y=\"2\" "
			  "width=\"%d\" height=\"90\"/><text x=\"%d\" y=\"14\">node %d</text>\n",
			  dnum(node, "id"), nx, nl * (30 * per_llc_max + 12) + 8, nx + 4,
			  dnum(node, "id"));
		x += 6;
		json_array_foreach(llcs, j, llc) {
			int cores[256], ncores = 0;

			if (num(llc, "node") != num(node, "id"))
				continue;
			hb_printf(b, "<g class=\"llc\" data-llc=\"%d\"><rect class=\"llc-box\" x=\"%d\" "
				  "y=\"20\" width=\"%d\" height=\"66\"/><text x=\"%d\" y=\"32\">LLC %d</text>\n",
				  dnum(llc, "id"), x, 30 * per_llc_max + 6, x + 4, dnum(llc, "id"));
			/* a column per core, its SMT siblings stacked in it */
			json_array_foreach(cpus, k, cpu) {
				int core = dnum(cpu, "core"), c, y;

				if (num(cpu, "llc") != num(llc, "id"))
					continue;
				for (c = 0; c < ncores && cores[c] != core; c++)
					;
				if (c == ncores && ncores < 256)
					cores[ncores++] = core;
				y = 44 + (box_h + 2) * dnum(cpu, "thread");
				hb_printf(b, "<g class=\"cpu\" data-cpu=\"%d\"><rect class=\"cpu-box\" x=\"%d\" "
					  "y=\"%d\" width=\"26\" height=\"%d\"/><text x=\"%d\" y=\"%d\">%d</text>"
					  "</g>\n", dnum(cpu, "cpu"), x + 4 + 30 * c, y, box_h,
					  x + 8 + 30 * c, y + box_h / 2 + 4, dnum(cpu, "cpu"));
			}
			hb_raw(b, "</g>\n");
			x += 30 * per_llc_max + 12;
		}
		hb_raw(b, "</g>\n");
		x = nx + nl * (30 * per_llc_max + 12) + 20;
	}
	hb_raw(b, "</svg>\n");
}

/* The CPUs of a row: the topology's, else those the samples name. */
static int *row_cpus(const struct job_stream *js, size_t *n)
{
	json_t *list = json_object_get(json_object_get(js->job, "topo"), "cpu_list"), *c;
	json_t *first = json_object_get(json_array_get(js->samples, 0), "cpus");
	int *v;
	size_t i;

	if (!json_array_size(list))
		list = first;
	v = xcalloc(json_array_size(list) + 1, sizeof(*v));
	json_array_foreach(list, i, c)
		v[i] = num_int(num(c, "cpu"));
	*n = json_array_size(list);
	return v;
}

static json_t *cpu_of(json_t *sample, int cpu)
{
	json_t *cpus = json_object_get(sample, "cpus"), *c = json_array_get(cpus, (size_t)cpu);
	size_t i;

	if (c && num(c, "cpu") == cpu)
		return c;
	json_array_foreach(cpus, i, c)
		if (num(c, "cpu") == cpu)
			return c;
	return NULL;
}

static int level(json_t *c, const char *field)
{
	json_t *v = json_object_get(c, field);

	if (!c || !json_is_number(v))
		return -1;	/* not read: no cell */
	return json_number_value(v) >= HM_LEVELS - 1 ? HM_LEVELS - 1 :
	       json_number_value(v) <= -1 ? -1 : (int)json_number_value(v);
}

/* A vertical marker across the rows at time ms. */
static void marker(struct hbuf *b, const char *cls, const char *id, double x, int h,
		   const char *label)
{
	hb_printf(b, "<g class=\"%s\"%s%s%s><line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\"/>"
		  "<text x=\"%.1f\" y=\"%d\">", cls, id ? " id=\"" : "", id ? id : "", id ? "\"" : "",
		  x, x, h, x + 2, h + 10);
	hb_esc(b, label);
	hb_raw(b, "</text></g>\n");
}

/*
 * One heatmap: a row per CPU, a cell per sample interval; runs of equal value
 * are one rect, which keeps a long run on many CPUs small.
 */
static void heatmap(struct hbuf *b, const struct job_stream *js, const char *field,
		    const char *title, const int *cpus, size_t ncpu)
{
	size_t n = json_array_size(js->samples), i, r;
	double t0 = stream_sample_ms(js, json_array_get(js->samples, 0));
	double t1 = stream_sample_ms(js, json_array_get(js->samples, n - 1)), fail;
	double span = t1 > t0 ? t1 - t0 : 1, scale = HM_WIDTH / span;
	int h = (int)ncpu * HM_ROW;
	json_t *s;
	char label[64];

	hb_printf(b, "<h4>%s</h4>\n<svg class=\"heatmap %s\" data-field=\"%s\" "
		  "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n", title,
		  !strcmp(field, "nr_running") ? "rq" : "dsq", field, HM_LEFT + HM_WIDTH + 40, h + 28);
	hb_printf(b, "<g transform=\"translate(%d,2)\">\n", HM_LEFT);
	for (r = 0; r < ncpu; r++) {
		int run = -2;
		double start = 0;

		hb_printf(b, "<g class=\"hm-row\" data-cpu=\"%d\"><text x=\"-4\" y=\"%d\" "
			  "class=\"rowlabel\">cpu%d</text>", cpus[r], (int)r * HM_ROW + 10, cpus[r]);
		for (i = 0; i <= n; i++) {
			int lv = i < n ? level(cpu_of(json_array_get(js->samples, i), cpus[r]), field) : -2;
			double x = i < n ? (stream_sample_ms(js, json_array_get(js->samples, i)) - t0) * scale
				: HM_WIDTH;

			if (lv == run)
				continue;
			if (run >= 0 && x > start)
				hb_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
					  "class=\"v%d\"/>", start, (int)r * HM_ROW, x - start, HM_ROW - 1, run);
			run = lv;
			start = x;
		}
		hb_raw(b, "</g>\n");
	}
	json_array_foreach(js->steps, i, s) {
		double x = (stream_guest_ms(js, s) - t0) * scale;

		snprintf(label, sizeof(label), "step %lld", rec_step_no(json_object_get(s, "index")));
		if (x >= 0 && x <= HM_WIDTH)
			marker(b, "step-marker", NULL, x, h, label);
	}
	if (stream_failure_ms(js, &fail)) {
		double x = (fail - t0) * scale;

		marker(b, "failure-marker", !strcmp(field, "nr_running") ? "failure" : NULL,
		       x < 0 ? 0 : x > HM_WIDTH ? HM_WIDTH : x, h, "failure");
	}
	hb_printf(b, "<text x=\"0\" y=\"%d\" class=\"axis\">%.1f s</text><text x=\"%d\" y=\"%d\" "
		  "class=\"axis\" text-anchor=\"end\">%.1f s</text>\n</g></svg>\n", h + 24,
		  (t0 - js->vm_ms) / 1000, HM_WIDTH, h + 24, (t1 - js->vm_ms) / 1000);
}

void svg_heatmaps(struct hbuf *b, const struct job_stream *js)
{
	size_t ncpu;
	int *cpus;

	if (!json_array_size(js->samples)) {
		hb_raw(b, "<p class=\"none\">no samples: the run was not watched from the host</p>\n");
		return;
	}
	cpus = row_cpus(js, &ncpu);
	hb_raw(b, "<p class=\"legend\">time since the VM started; colour: 0 ");
	for (int i = 0; i < HM_LEVELS; i++)
		hb_printf(b, "<svg width=\"12\" height=\"12\" class=\"rq\"><rect width=\"12\" "
			  "height=\"12\" class=\"v%d\"/></svg>", i);
	hb_printf(b, " %d or more</p>\n", HM_LEVELS - 1);
	heatmap(b, js, "nr_running", "runqueue length (nr_running)", cpus, ncpu);
	heatmap(b, js, "local_dsq_depth", "local DSQ depth", cpus, ncpu);
	free(cpus);
}
