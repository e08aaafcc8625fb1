/*
 * ktstr-eval: pass every record through and, when a job's VM exits,
 * append a verdict for it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "die.h"
#include "judge.h"
#include "ndjson.h"

static void usage(FILE *f)
{
	fputs("usage: ktstr-eval [--checks FILE] [--check KEY=VALUE]...\n"
	      "Read a ktstr record stream on stdin, copy it to stdout and add a\n"
	      "verdict record for each job when its VM exits.\n"
	      "\n"
	      "Thresholds (later wins): FILE's (default share/ktstr/checks.json) \"defaults\",\n"
	      "its \"profiles\" entry for the VM's accelerator (tcg, kvm), the job's\n"
	      "scheduler.checks, scenario.checks and checks, then each --check (a number,\n"
	      "true, false, or null to turn a check off). Unknown keys are errors (exit 2).\n"
	      "\n"
	      "  --checks FILE      thresholds file instead of share/ktstr/checks.json\n"
	      "  --check KEY=VALUE  override one threshold, e.g. --check isolation=true\n"
	      "  -h, --help         this text\n"
	      "\n"
	      "Wake latency is summarised per worker in the guest: a cgroup's p99 (and median,\n"
	      "CV) is its worst worker's. \"step I of N\" in messages counts steps from 1.\n"
	      "Exit: 0 all pass, 1 a verdict failed, 2 bad input, 3 inconclusive, 77 all skipped.\n",
	      f);
}

/* fail beats inconclusive beats pass beats skip. */
static int rank(const char *result)
{
	if (!strcmp(result, "fail"))
		return 3;
	if (!strcmp(result, "inconclusive"))
		return 2;
	return !strcmp(result, "pass") ? 1 : 0;
}

static void emit(json_t *verdict, int *worst)
{
	int r = rank(json_string_value(json_object_get(verdict, "result")));

	if (r > *worst)
		*worst = r;
	ndjson_write(stdout, verdict);
	json_decref(verdict);
}

static int is_vm_exit(json_t *rec)
{
	const char *phase = json_string_value(json_object_get(rec, "phase"));

	return !strcmp(ndjson_type(rec), "vm") && phase && !strcmp(phase, "exited");
}

/*
 * Input lines from fd 0 in large reads. Output is flushed just before a read,
 * so a live stream still sees each record as soon as its input has been used
 * up, and a file is copied in a few big writes.
 */
struct line_source {
	char *buf;
	size_t len, off, cap;
	int eof;
};

/* The next line (NUL-terminated, newline dropped) and its length, or NULL at the end. */
static char *next_line(struct line_source *ls, size_t *n)
{
	if (!ls->buf) {
		ls->cap = 1 << 20;
		ls->buf = xmalloc(ls->cap + 1);
	}
	for (;;) {
		char *start = ls->buf + ls->off, *nl = memchr(start, '\n', ls->len - ls->off);
		ssize_t got;

		if (nl || (ls->eof && ls->off < ls->len)) {
			if (!nl)
				nl = ls->buf + ls->len;	/* the last line had no newline */
			*nl = '\0';
			*n = (size_t)(nl - start);
			ls->off = (size_t)(nl - ls->buf) + (nl < ls->buf + ls->len);
			return start;
		}
		if (ls->eof)
			return NULL;
		memmove(ls->buf, start, ls->len - ls->off);
		ls->len -= ls->off;
		ls->off = 0;
		if (ls->cap - ls->len < 65536) {
			ls->cap *= 2;
			ls->buf = xrealloc(ls->buf, ls->cap + 1);
		}
		if (fflush(stdout) == EOF)
			die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
		do
			got = read(0, ls->buf + ls->len, ls->cap - ls->len);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			die(EXIT_USAGE, "stdin: read error: %s", strerror(errno));
		ls->len += (size_t)got;
		ls->buf[ls->len] = '\0';
		ls->eof = got == 0;
	}
}

/* The record exactly as it came, one line. */
static void pass_through(const char *line, size_t n)
{
	while (n && line[n - 1] == '\r')
		n--;
	if (fwrite(line, 1, n, stdout) != n || putchar('\n') == EOF)
		die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
}

struct eval_opts {
	json_t *checks, *overrides;
};

/* One record: pass it on, remember what the verdict needs, judge at VM exit. */
static void handle(struct ndjson_reader *rd, json_t *rec, const char *line, size_t n,
		   struct job_state **jobs, const struct eval_opts *o, int *worst, int *any)
{
	const char *id = json_string_value(json_object_get(rec, "job"));
	struct job_state *js;
	char err[512];

	if (!strcmp(ndjson_type(rec), "job")) {
		id = json_string_value(json_object_get(rec, "id"));
		if (checks_validate_job(rec, err, sizeof(err)))
			ndjson_bad_record(rd, rec, "%s", err);
	}
	pass_through(line, n);
	if (!id)
		return;
	js = job_state_get(jobs, id);
	job_state_note(js, rec);
	if (is_vm_exit(rec)) {
		emit(judge_job(js, rec, o->checks, o->overrides), worst);
		job_state_drop(jobs, js);	/* judged: a later record starts afresh */
		*any = 1;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "checks", required_argument, NULL, 'c' },
		{ "check", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const int status[] = { EXIT_SKIP, EXIT_PASS, EXIT_INCONCLUSIVE, EXIT_FAIL };
	struct eval_opts o = { .overrides = json_object() };
	const char *checks_path = NULL;
	struct job_state *jobs = NULL, *js;
	struct line_source src = { 0 };
	struct ndjson_reader rd;
	int c, worst = -1, any = 0;
	json_t *rec;
	char *line;
	size_t n;

	die_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': checks_path = optarg; break;
		case 'k': checks_parse_override(o.overrides, optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	o.checks = checks_load(checks_path);
	ndjson_reader_init(&rd, stdin, "stdin");
	while ((line = next_line(&src, &n))) {
		if (!(rec = ndjson_parse_line(&rd, line, n)))
			continue;	/* blank */
		handle(&rd, rec, line, n, &jobs, &o, &worst, &any);
		json_decref(rec);
	}
	/* Jobs whose VM never reported its exit: inconclusive, oldest first. */
	while (jobs) {
		for (js = jobs; js->next; js = js->next)
			;
		if (js->job) {
			emit(judge_job(js, NULL, o.checks, o.overrides), &worst);
			any = 1;
		}
		job_state_drop(&jobs, js);
	}
	ndjson_reader_free(&rd);
	free(src.buf);
	if (fflush(stdout) == EOF)
		die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
	json_decref(o.checks);
	json_decref(o.overrides);
	return any ? status[worst < 0 ? 1 : worst] : EXIT_PASS;
}
