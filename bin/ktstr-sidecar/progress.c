/*
 * `write --progress`: a line on stderr as each job is stored, with an ETA
 * from the planner's estimates of the jobs left: scaled by how the VM times of
 * the stored ones went against theirs and shared among the VMs at once the
 * plan counted on, or, for jobs without VM times, by the time so far.
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
	json_t *vms = json_object_get(json_object_get(job, "plan"), "vms_at_once");

	if (json_is_integer(vms) && json_integer_value(vms) > p->vms)
		p->vms = (unsigned)json_integer_value(vms);
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
	json_t *d0 = rec_first_failure(run);
	double est = job ? job_estimate(job) : 1.0, elapsed = now_s() - p->start_s;
	char left[32];

	p->done++;
	p->est_done += est;
	p->est_left -= est;
	if (json_is_number(wall) && job) {
		p->wall_done += json_number_value(wall) / 1000;
		p->wall_est += est;
	}
	fprintf(stderr, "[%zu/%zu] ", p->done, p->total > p->done ? p->total : p->done);
	for (const char *c = result; *c; c++)
		fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, stderr);
	fprintf(stderr, " %s", rec_str(run, "job", "?"));
	if (json_is_number(wall))
		fprintf(stderr, " %.1f s", json_number_value(wall) / 1000);
	if (p->done < p->total && p->est_done > 0 && p->est_left > 0) {
		size_t jobs_left = p->total - p->done, at_once = p->vms ? p->vms : 1;

		if (at_once > jobs_left)
			at_once = jobs_left;
		eta(p->wall_est > 0 ? p->est_left * p->wall_done / p->wall_est / at_once
				    : elapsed * p->est_left / p->est_done, left, sizeof(left));
		fprintf(stderr, ", ETA %s", left);
	}
	if (!strcmp(result, "fail") && d0)
		fprintf(stderr, ": %s: %.*s", rec_str(d0, "kind", "?"),
			(int)strcspn(rec_str(d0, "message", ""), "\n"), rec_str(d0, "message", ""));
	else if (strcmp(result, "pass") && (why = rec_str(run, "reason", NULL)))
		fprintf(stderr, ": %.*s", (int)strcspn(why, "\n"), why);
	fputc('\n', stderr);
}
