/* ktstr-eval's loop over a record stream (stream.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "die.h"
#include "judge.h"
#include "stream.h"

/* fail beats inconclusive beats pass beats skip. */
static int rank(const char *result)
{
	if (!strcmp(result, "fail"))
		return 3;
	if (!strcmp(result, "inconclusive"))
		return 2;
	return !strcmp(result, "pass") ? 1 : 0;
}

static void emit(FILE *out, json_t *verdict, int *worst)
{
	int r = rank(json_string_value(json_object_get(verdict, "result")));

	if (r > *worst)
		*worst = r;
	ndjson_write(out, verdict);
	json_decref(verdict);
}

static int is_vm_exit(json_t *rec)
{
	const char *phase = json_string_value(json_object_get(rec, "phase"));

	return !strcmp(ndjson_type(rec), "vm") && phase && !strcmp(phase, "exited");
}

/* The record exactly as it came, one line. */
static void pass_through(FILE *out, const char *line, size_t n)
{
	while (n && line[n - 1] == '\r')
		n--;
	if (fwrite(line, 1, n, out) != n || putc('\n', out) == EOF)
		die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
}

/* One record: pass it on, remember what the verdict needs, judge at VM exit. */
static void handle(struct ndjson_reader *rd, FILE *out, json_t *rec, const char *line, size_t n,
		   struct job_list *jobs, const struct eval_opts *o, int *worst, int *any)
{
	const char *id = json_string_value(json_object_get(rec, "job"));
	struct job_state *js;
	char err[512];

	/* a job known by no string would be judged never, or as another one */
	if (!strcmp(ndjson_type(rec), "job")) {
		id = json_string_value(json_object_get(rec, "id"));
		if (!id)
			ndjson_bad_record(rd, rec, "\"id\" must be a string");
		if (checks_validate_job(rec, err, sizeof(err)))
			ndjson_bad_record(rd, rec, "%s", err);
	} else if (json_object_get(rec, "job") && !id) {
		ndjson_bad_record(rd, rec, "\"job\" must be a string");
	} else if (record_validate(rec, err, sizeof(err))) {
		ndjson_bad_record(rd, rec, "%s", err);
	}
	pass_through(out, line, n);
	if (!id)
		return;
	js = job_state_get(jobs, id);
	job_state_note(js, rec);
	if (is_vm_exit(rec)) {
		emit(out, judge_job(js, rec, o->checks, o->overrides), worst);
		job_state_drop(jobs, js);	/* judged: a later record starts afresh */
		*any = 1;
	}
}

int eval_stream(struct readahead *ra, struct ndjson_reader *rd, FILE *out,
		const struct eval_opts *o)
{
	static const int status[] = { EXIT_SKIP, EXIT_PASS, EXIT_INCONCLUSIVE, EXIT_FAIL };
	struct job_list jobs = { 0 };
	struct job_state *js;
	const struct input_line *in;
	int worst = -1, any = 0;

	while ((in = readahead_next(ra, rd))) {
		if (!in->rec) {	/* a type only copied through */
			pass_through(out, in->line, in->len);
			if (in->job)
				job_state_get(&jobs, in->job);	/* as handle() would: same job order */
			continue;
		}
		handle(rd, out, in->rec, in->line, in->len, &jobs, o, &worst, &any);
		json_decref(in->rec);
	}
	/* Jobs whose VM never reported its exit: inconclusive, oldest first. */
	while ((js = job_list_oldest(&jobs))) {
		if (js->job) {
			emit(out, judge_job(js, NULL, o->checks, o->overrides), &worst);
			any = 1;
		}
		job_state_drop(&jobs, js);
	}
	job_list_free(&jobs);
	return any ? status[worst < 0 ? 1 : worst] : EXIT_PASS;
}
