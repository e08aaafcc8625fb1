/* `report`: the HTML page's text, built in memory, escaped where it is data. */
#ifndef KTSTR_SIDECAR_HTML_H
#define KTSTR_SIDECAR_HTML_H

#include <stddef.h>
#include <jansson.h>

#include "stream.h"

struct hbuf {
	char *p;
	size_t len, cap;
};

void hb_raw(struct hbuf *b, const char *s);
void hb_esc(struct hbuf *b, const char *s);	/* & < > " ' escaped */
void hb_printf(struct hbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* htmlsvg.c: the topology drawing (nodes, LLCs, CPUs) of a job record's topo. */
void svg_topology(struct hbuf *b, json_t *topo);
/*
 * Per-CPU heatmaps over time of runqueue length and local DSQ depth, one row per
 * CPU of the topology, with the steps and the failure instant marked.
 */
void svg_heatmaps(struct hbuf *b, const struct job_stream *js);

#endif
