/*
 * `repro store`: the reruns' stream on stdin (ktstr-boot's records of the
 * JOB.repro jobs `repro plan` made). Each rerun's records are kept whole as
 * RUN/JOB.repro.ndjson; what its tracer reported, with how the rerun ended,
 * joins the first run's record RUN/JOB.json as "repro" and goes to stdout as
 * {"type":"repro","job":JOB,"rerun":"JOB.repro",...} for the run's stream.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "opterr.h"
#include "ids.h"
#include "ndjson.h"
#include "paths.h"
#include "repro.h"
#include "sidecar.h"

struct rerun {
	char *id, *of;		/* JOB.repro; JOB */
	json_t *repro;		/* the guest's repro record */
	json_t *kernel_exit;	/* how sched_ext ended the scheduler in the rerun */
	json_t *vm_exited;
	json_t *records;	/* all of them, in order */
	struct rerun *next;
};

static struct rerun *rerun_get(struct rerun **list, const char *id)
{
	struct rerun *r;

	for (r = *list; r; r = r->next)
		if (!strcmp(r->id, id))
			return r;
	r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(id);
	r->records = json_array();
	r->next = *list;
	*list = r;
	return r;
}

static void keep_first(json_t **slot, json_t *rec)
{
	if (!*slot)
		*slot = json_incref(rec);
}

static void note(struct rerun *r, json_t *rec)
{
	const char *type = ndjson_type(rec);

	json_array_append(r->records, rec);
	if (!strcmp(type, "job") && !r->of && rec_str(json_object_get(rec, "repro"), "of", NULL))
		r->of = xstrdup(rec_str(json_object_get(rec, "repro"), "of", ""));
	else if (!strcmp(type, "repro"))
		keep_first(&r->repro, rec);
	else if (!strcmp(type, "sched") && !strcmp(rec_str(rec, "event", ""), "kernel_exit"))
		keep_first(&r->kernel_exit, rec);
	else if (!strcmp(type, "vm") && !strcmp(rec_str(rec, "phase", ""), "exited"))
		keep_first(&r->vm_exited, rec);
}

/* The repro record for the run's stream: the tracer's report, or why there is none. */
static json_t *outcome(const struct rerun *r)
{
	json_t *out = json_pack("{s:s, s:s, s:s}", "type", "repro", "job", r->of, "rerun", r->id);
	const char *key;
	json_t *v, *k = r->kernel_exit;

	if (r->repro) {
		json_object_foreach(r->repro, key, v)
			if (strcmp(key, "type") && strcmp(key, "job") && strcmp(key, "t_ms"))
				json_object_set(out, key, v);
	} else {
		json_object_set_new(out, "error", json_sprintf("the rerun's VM ended (%s) before its tracer "
							       "reported", rec_str(r->vm_exited, "reason", "no exit seen")));
	}
	json_object_set_new(out, "rerun_exit", !k ? json_null() :
			    json_pack("{s:s, s:s, s:s}", "kind", rec_str(k, "kind", "?"), "reason",
				      rec_str(k, "reason", ""), "message", rec_str(k, "message", "")));
	json_object_set_new(out, "vm_exit", json_string(rec_str(r->vm_exited, "reason", "unknown")));
	return out;
}

static void store_text(const char *dir, const char *name, char *text)
{
	char err[1024];

	if (!text || store_atomic(dir, name, text, err, sizeof(err)) < 0)
		die(EXIT_INCONCLUSIVE, "repro store: %s", text ? err : "cannot format a record");
	free(text);
}

static void store_records(const char *dir, const struct rerun *r)
{
	char name[JOB_ID_MAX + 16], *text = NULL;
	size_t len = 0, i;
	json_t *rec;

	json_array_foreach(r->records, i, rec) {
		char *line = json_dumps(rec, JSON_COMPACT | NDJSON_REALS);
		size_t n = line ? strlen(line) : 0;

		text = xrealloc(text, len + n + 2);
		memcpy(text + len, line ? line : "", n);
		text[len + n] = '\n';
		len += n + 1;
		free(line);
	}
	text = xrealloc(text, len + 1);
	text[len] = '\0';
	snprintf(name, sizeof(name), "%s.ndjson", r->id);
	store_text(dir, name, text);
}

/* RUN/JOB.json gets "repro" (what out says, without its stream bookkeeping). */
static void join_record(const char *dir, const char *job, json_t *out)
{
	char name[JOB_ID_MAX + 8], *path, *text;
	json_t *rec, *repro = json_deep_copy(out);
	json_error_t jerr;
	size_t n;

	snprintf(name, sizeof(name), "%s.json", job);
	path = paths_join(dir, name);
	rec = json_load_file(path, 0, &jerr);
	if (!json_is_object(rec)) {
		warnmsg("job %s: no run record at %s to join its rerun to", job, path);
	} else {
		json_object_del(repro, "type");
		json_object_del(repro, "job");
		json_object_set_new(rec, "repro", repro);
		repro = NULL;
		text = json_dumps(rec, JSON_INDENT(2) | NDJSON_REALS);
		n = text ? strlen(text) : 0;
		if (text) {
			text = xrealloc(text, n + 2);
			memcpy(text + n, "\n", 2);
		}
		store_text(dir, name, text);
	}
	json_decref(repro);
	json_decref(rec);
	free(path);
}

int repro_store(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, 'd' },
		{ "run-id", required_argument, NULL, 'r' },
		{ 0 },
	};
	char *runs_dir = paths_runs_dir(), *dir;
	const char *run_id = NULL, *why;
	struct rerun *list = NULL, *r;
	struct ndjson_reader rd;
	struct stat st;
	json_t *rec;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(runs_dir); runs_dir = xstrdup(optarg); break;
		case 'r': run_id = optarg; break;
		default: die_option(c, argv, opts, "repro store");
		}
	}
	if (!run_id || optind < argc)
		die(EXIT_USAGE, "repro store: expects --run-id ID and the reruns' records on stdin");
	if ((why = id_problem(run_id, RUN_ID_MAX)))
		die(EXIT_USAGE, "--run-id '%s': the run id %s", run_id, why);
	runs_dir_check(runs_dir);
	dir = paths_join(runs_dir, run_id);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))	/* the reruns belong to a stored run */
		die(EXIT_USAGE, "--run-id %s: no run '%s' in %s", run_id, run_id, runs_dir);
	ndjson_reader_init(&rd, stdin, "stdin");
	while ((rec = ndjson_read(&rd))) {
		const char *id = rec_str(rec, !strcmp(ndjson_type(rec), "job") ? "id" : "job", NULL);

		if (id && !id_problem(id, JOB_ID_MAX))
			note(rerun_get(&list, id), rec);
		json_decref(rec);
	}
	ndjson_reader_free(&rd);
	for (struct rerun *rev = NULL; list || (list = rev, false);) {	/* first seen first */
		r = list;
		list = r->next;
		r->next = rev;
		rev = r;
	}
	while ((r = list)) {
		list = r->next;
		if (r->of && !id_problem(r->of, JOB_ID_MAX)) {
			json_t *out = outcome(r);

			store_records(dir, r);
			join_record(dir, r->of, out);
			ndjson_write(stdout, out);
			json_decref(out);
		}
		free(r->id);
		free(r->of);
		json_decref(r->repro);
		json_decref(r->kernel_exit);
		json_decref(r->vm_exited);
		json_decref(r->records);
		free(r);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	free(dir);
	free(runs_dir);
	return EXIT_PASS;
}
