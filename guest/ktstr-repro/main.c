/*
 * ktstr-repro: the guest's BPF tracer for a rerun of a failed job. ktstr-init
 * starts it before the scheduler and talks to it over stdin and stdout:
 *   it prints {"type":"repro_status","event":"ready",...} once the kprobes
 *   and the exit trigger are attached;
 *   "attach" on stdin (the scheduler is attached): fentry on its callbacks,
 *   then {"type":"repro_status","event":"attached",...};
 *   when sched_ext raises an error exit, or on "report" or end of stdin, it
 *   freezes the ring, prints one {"type":"repro",...} record and exits.
 * Exit status: 0 reported, 1 could not trace (a repro record says why), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "die.h"
#include "linebuf.h"
#include "ndjson.h"
#include "tracer.h"

#define POLL_MS 50
#define SETTLE_US 20000		/* for events being written as the ring froze */
#define DEFAULT_EVENTS 40

struct opts {
	char **functions;
	unsigned nfunctions;
	struct report_opts report;
};

static void usage(FILE *f)
{
	fputs("usage: ktstr-repro [--functions F1,F2,...] [--pid PID] [--comm COMM] [--events N]\n"
	      "Trace a sched_ext scheduler until it exits with an error (run by ktstr-init in a\n"
	      "rerun: see its source). kprobes on the kernel functions F (the first run's crash\n"
	      "path), fentry on the scheduler's callbacks (its loader is held until they are in);\n"
	      "then the last N callbacks (default 40) of the task the exit names, else of PID\n"
	      "(the first run's), with the kernel functions' events among them, as one NDJSON\n"
	      "\"repro\" record on stdout.\n", f);
}

static int libbpf_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static void split_functions(struct opts *o, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;

	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		o->functions = xrealloc(o->functions, (o->nfunctions + 1) * sizeof(*o->functions));
		o->functions[o->nfunctions++] = xstrdup(f);
	}
	free(copy);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "functions", required_argument, NULL, 'f' }, { "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },      { "events", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },	       { NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	o->report = (struct report_opts){ .first_pid = -1, .max_events = DEFAULT_EVENTS };
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': split_functions(o, optarg); break;
		case 'c': o->report.first_comm = optarg; break;
		case 'p':
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*end || !*optarg || v < 1 || v > (c == 'p' ? 4194304 : REPRO_RING))
				die(EXIT_USAGE, "--%s %s: out of range", c == 'p' ? "pid" : "events", optarg);
			if (c == 'p')
				o->report.first_pid = (int)v;
			else
				o->report.max_events = (unsigned)v;
			break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: usage(stderr); exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
}

static void emit(json_t *rec)
{
	ndjson_write(stdout, rec);
	fflush(stdout);
	json_decref(rec);
}

static json_t *names_of(const struct tracer *t, bool fentry)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < REPRO_MAX_FUNCS; i++)
		if (t->funcs[i].attached && t->funcs[i].fentry == fentry)
			json_array_append_new(a, json_string(t->funcs[i].name));
	return a;
}

/* What stdin said: a command line, or its end. */
struct input {
	struct linebuf lb;
	bool attach, report, eof;
};

static void on_line(void *arg, char *line, size_t len)
{
	struct input *in = arg;

	(void)len;
	if (!strcmp(line, "attach"))
		in->attach = true;
	else if (!strcmp(line, "report"))
		in->report = true;
}

static void read_input(struct input *in)
{
	struct pollfd pfd = { 0, POLLIN, 0 };
	char buf[256];
	ssize_t n;

	if (in->eof || poll(&pfd, 1, POLL_MS) <= 0)
		return;
	n = read(0, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0)
		in->eof = true;
	else
		linebuf_feed(&in->lb, buf, (size_t)n, on_line, in);
}

static void attach_callbacks(struct tracer *t, __u32 map_id)
{
	int rc;

	if (t->callbacks)
		return;
	rc = tracer_attach_callbacks(t, map_id);
	emit(json_pack("{s:s, s:s, s:b, s:o}", "type", "repro_status", "event", "attached", "ok", rc == 0,
		       "callbacks", names_of(t, true)));
}

/*
 * Trace until the exit trigger, "report" or the end of stdin. A loader held
 * before it attached (repro.bpf.c) goes on once fentry is on its callbacks;
 * "attach" covers a scheduler that attached without being held.
 */
static bool trace(struct tracer *t)
{
	struct input in = { 0 };
	pid_t held = 0;

	for (;;) {
		if (__atomic_load_n(&t->state->triggered, __ATOMIC_ACQUIRE))
			break;
		if (!held && (held = __atomic_load_n(&t->state->held_pid, __ATOMIC_ACQUIRE)) > 0) {
			attach_callbacks(t, t->state->held_map_id);
			kill(held, SIGCONT);
		}
		read_input(&in);
		if (in.eof && !in.attach && !in.report)
			in.report = true;
		if (in.attach)
			attach_callbacks(t, 0);
		in.attach = false;
		if (in.report)
			break;
	}
	linebuf_free(&in.lb);
	return !__atomic_load_n(&t->state->triggered, __ATOMIC_ACQUIRE);
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct tracer t;
	int status = EXIT_PASS;

	json_object_seed(1);	/* /dev/urandom can block in a fresh guest */
	die_setprog(argv[0]);
	parse_opts(argc, argv, &o);
	libbpf_set_print(libbpf_warnings);
	if (tracer_start(&t, o.functions, o.nfunctions) < 0) {
		emit(json_pack("{s:s, s:s}", "type", "repro", "error",
			       "the BPF tracer could not be loaded (see the console log)"));
		status = EXIT_FAIL;
	} else {
		emit(json_pack("{s:s, s:s, s:o, s:b, s:b, s:O}", "type", "repro_status", "event", "ready",
			       "kprobes", names_of(&t, false), "exit_trigger", t.trigger, "hold", t.hold,
			       "failed", t.failed));
		o.report.asked = trace(&t);
		tracer_freeze(&t);
		usleep(SETTLE_US);
		emit(report_build(&t, &o.report));
	}
	tracer_close(&t);
	for (unsigned i = 0; i < o.nfunctions; i++)
		free(o.functions[i]);
	free(o.functions);
	return status;
}
