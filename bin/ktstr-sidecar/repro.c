/*
 * `repro plan`: the job records of a stored run's reruns with BPF tracing
 * (ktstr run --repro, ktstr gauntlet --repro), one per line; `repro store`
 * (reprostore.c) joins what the reruns traced to the run.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "opterr.h"
#include "ndjson.h"
#include "paths.h"
#include "repro.h"
#include "sidecar.h"
#include "stream.h"

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar repro plan [--runs-dir DIR] RUN|latest [JOB...]\n"
	      "       ktstr-sidecar repro store [--runs-dir DIR] --run-id ID < rerun.ndjson\n"
	      "plan: the job records of the run's reruns with BPF tracing, one per line (none:\n"
	      "nothing to rerun). A job qualifies when its sched_ext scheduler died with an error\n"
	      "(scx_bpf_error, a stall) or its kernel printed a backtrace; of many jobs, the first\n"
	      "that qualifies in each failure cluster (a scenario, preset or profile with failures,\n"
	      "as 'show --totals' tells them), else the first one; JOB... picks jobs instead. The\n"
	      "rerun of JOB is JOB.repro: its record says in \"repro\" the kernel functions of the\n"
	      "first run's backtrace and the task it named.\n"
	      "store: the reruns' records (ktstr-boot's, on stdin) are kept as RUN/JOB.repro.ndjson;\n"
	      "each rerun's repro record joins its job's run record (\"repro\") and goes to stdout\n"
	      "as {\"type\":\"repro\",\"job\":JOB,...} for the run's stream.ndjson.\n", f);
}

/* Scenario, preset, profile of a job, as `show --totals` clusters them. */
static void dims(json_t *job, const char *d[3])
{
	json_t *plan = json_object_get(job, "plan");

	d[0] = rec_str(job, "test", "?");
	d[1] = rec_str(plan, "preset", rec_str(json_object_get(job, "topo"), "name", "?"));
	d[2] = rec_str(plan, "profile", "default");
}

static int by_id(const void *a, const void *b)
{
	return strcmp((*(struct job_stream *const *)a)->id, (*(struct job_stream *const *)b)->id);
}

/*
 * Each value of a dimension that has more than one and failures among them
 * is a cluster: its first qualifying job (by id) is picked. None: the first.
 */
static void pick_clusters(struct job_stream **js, size_t n, bool *picked)
{
	bool *q = xcalloc(n + 1, sizeof(*q)), any = false;

	for (size_t i = 0; i < n; i++)
		q[i] = repro_qualifies(js[i]);
	for (int d = 0; d < 3; d++) {
		const char *a[3], *b[3];
		bool several = false;

		for (size_t i = 1; i < n && !several; i++) {
			dims(js[0]->job, a);
			dims(js[i]->job, b);
			several = strcmp(a[d], b[d]) != 0;
		}
		for (size_t i = 0; several && i < n; i++) {
			bool first = q[i];

			dims(js[i]->job, a);
			for (size_t k = 0; k < i && first; k++) {
				dims(js[k]->job, b);
				first = !(q[k] && !strcmp(a[d], b[d]));
			}
			if (first)
				any = picked[i] = true;
		}
	}
	for (size_t i = 0; !any && i < n; i++)
		any = picked[i] = q[i];
	free(q);
}

static int plan(const char *runs_dir, const char *run, char **which, int nwhich)
{
	struct run_stream rs;
	struct job_stream **js;
	bool *picked;
	size_t n = 0;

	stream_load(&rs, runs_dir, run);
	js = xcalloc(rs.n + 1, sizeof(*js));
	picked = xcalloc(rs.n + 1, sizeof(*picked));
	for (size_t i = 0; i < rs.n; i++)
		if (rs.jobs[i].job && rs.jobs[i].verdict && !json_object_get(rs.jobs[i].job, "repro"))
			js[n++] = &rs.jobs[i];
	qsort(js, n, sizeof(*js), by_id);
	if (nwhich) {
		for (int w = 0; w < nwhich; w++) {
			struct job_stream *hit = stream_find(&rs, which[w]);

			if (!hit)
				die(EXIT_USAGE, "run %s has no job or test '%s'", run, which[w]);
			for (size_t i = 0; i < n; i++)
				picked[i] |= js[i] == hit;
		}
	} else {
		pick_clusters(js, n, picked);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *job = picked[i] ? repro_job(js[i]) : NULL;

		if (job)
			ndjson_write(stdout, job);
		json_decref(job);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	free(js);
	free(picked);
	stream_free(&rs);
	return EXIT_PASS;
}

int cmd_repro(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *runs_dir;
	int c, rc;

	if (argc >= 2 && !strcmp(argv[1], "store"))
		return repro_store(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "plan")) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			usage(stdout);
			return EXIT_PASS;
		}
		if (argc < 2)
			die(EXIT_USAGE, "repro: plan or store? (see '%s repro --help')", die_prog());
		die(EXIT_USAGE, "repro: unknown command '%s': plan or store (see '%s repro --help')",
		    argv[1], die_prog());
	}
	runs_dir = paths_runs_dir();
	argc--, argv++;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(runs_dir); runs_dir = xstrdup(optarg); break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die_option(c, argv, opts, "repro plan");
		}
	}
	if (optind >= argc)
		die(EXIT_USAGE, "repro plan: which run? (see '%s repro --help')", die_prog());
	rc = plan(runs_dir, argv[optind], argv + optind + 1, argc - optind - 1);
	free(runs_dir);
	return rc;
}
