/* `repro`: reruns of failed jobs with BPF tracing, and how their records look. */
#ifndef KTSTR_SIDECAR_REPRO_H
#define KTSTR_SIDECAR_REPRO_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

struct job_stream;
struct hbuf;

/* reproplan.c */
/* The job failed in a way a traced rerun can show: a scheduler's error exit or a kernel backtrace. */
bool repro_qualifies(const struct job_stream *js);
/* Its rerun's job record (id JOB.repro, with "repro"), or NULL when it cannot have one. */
json_t *repro_job(const struct job_stream *js);

/* reprostore.c: `repro store` */
int repro_store(int argc, char **argv);

/* reprofmt.c: a stored repro object (the run record's "repro", the stream's repro record) */
void repro_print(FILE *f, json_t *r);
void repro_html(struct hbuf *b, json_t *r);

#endif
