/*
 * `write --progress`: a line on stderr as each job is stored, with an ETA
 * from the planner's estimates of the jobs left, scaled by how the finished
 * ones went against theirs (so a slow host or -j N need no model here).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ndjson.h"
#include "sidecar.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double job_estimate(json_t *job)
{
	json_t *e = json_object_get(json_object_get(job, "plan"), "estimate_s");

	return json_is_number(e) && json_number_value(e) > 0 ? json_number_value(e) : 1.0;
}

void progress_job(struct progress *p, json_t *job)
{
	if (p->planned)
		return;	/* counted from the plan already */
	if (!p->start_s)
		p->start_s = now_s();
	p->total++;
	p->est_left += job_estimate(job);
}

void progress_plan(struct progress *p, const char *jobs_path)
{
	FILE *f = fopen(jobs_path, "r");
	struct ndjson_reader rd;
	json_t *job;

	if (!f)
		return;
	ndjson_reader_init(&rd, f, jobs_path);
	while ((job = ndjson_read(&rd))) {
		progress_job(p, job);
		json_decref(job);
	}
	ndjson_reader_free(&rd);
	fclose(f);
	p->planned = p->total > 0;
}

static void eta(double s, char *buf, size_t len)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, len, "%lds", t);
}

void progress_done(struct progress *p, json_t *job, json_t *run)
{
	const char *result = rec_str(run, "result", "?"), *why = NULL;
	json_t *wall = json_object_get(json_object_get(run, "vm"), "wall_ms");
	json_t *d0 = json_array_get(json_object_get(run, "details"), 0);
	double est = job ? job_estimate(job) : 1.0, elapsed = now_s() - p->start_s;
	char left[32];

	p->done++;
	p->est_done += est;
	p->est_left -= est;
	fprintf(stderr, "[%zu/%zu] ", p->done, p->total > p->done ? p->total : p->done);
	for (const char *c = result; *c; c++)
		fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, stderr);
	fprintf(stderr, " %s", rec_str(run, "job", "?"));
	if (json_is_number(wall))
		fprintf(stderr, " %.1f s", json_number_value(wall) / 1000);
	if (p->done < p->total && p->est_done > 0 && p->est_left > 0) {
		eta(elapsed * p->est_left / p->est_done, left, sizeof(left));
		fprintf(stderr, ", ETA %s", left);
	}
	if (!strcmp(result, "fail") && d0)
		fprintf(stderr, ": %s: %.*s", rec_str(d0, "kind", "?"),
			(int)strcspn(rec_str(d0, "message", ""), "\n"), rec_str(d0, "message", ""));
	else if (strcmp(result, "pass") && (why = rec_str(run, "reason", NULL)))
		fprintf(stderr, ": %.*s", (int)strcspn(why, "\n"), why);
	fputc('\n', stderr);
}
