/*
 * scx-ktstr: load ktstr's fixture sched_ext scheduler, keep it attached until
 * a signal or its own exit, and report what it did as NDJSON on stdout:
 *   {"type":"scx_ktstr","event":"attached",...}
 *   {"type":"scx_ktstr","event":"stats","t_ms":..,"enqueues":..,...}   (--stats-ms, SIGUSR2, exit)
 *   {"type":"scx_ktstr","event":"starved_kthread","pid":..,"comm":..,"cpu":..,"t_ms":..}
 *   {"type":"scx_ktstr","event":"exit","kind":"ERROR_STALL","kind_code":1026,"reason":..,"msg":..}
 * Exit status: 0 detached on a signal (or a non-error exit), 1 the scheduler
 * failed to load or attach or exited with an error, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include "die.h"
#include "loader.h"
#include "ndjson.h"

#define POLL_MS 100
#define STALL_SENTINEL "/tmp/ktstr_stall"	/* as the original ktstr's fixture */
#define SCX_EXIT_ERROR 1024

/* Set by signal handlers, read by the poll loop. */
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t stats_request;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: scx-ktstr [OPTIONS]\n"
		"Attach ktstr's fixture sched_ext scheduler (ops name \"ktstr\") until SIGINT/SIGTERM\n"
		"or until the kernel ejects it. Healthy by default: weighted vtime fairness over\n"
		"one dispatch queue per LLC (lengths kept level across LLCs), idle-CPU selection.\n\n"
		"  --timeout-ms MS        sched_ext watchdog timeout (default 3000, kernel max 30000)\n"
		"  --slice-us US          time slice (default 20000)\n"
		"  --stats-ms MS          print counters every MS (default 0: at exit and on SIGUSR2)\n"
		"  -v, --verbose          libbpf's debug messages\n"
		"  -h, --help             this text\n"
		"Misbehaviour:\n"
		"  --stall-after MS       after MS, park every user task (kthreads keep running):\n"
		"                         the kernel watchdog must name a starved task\n"
		"                         (also: creating " STALL_SENTINEL "; tasks alone on\n"
		"                         their CPU then stop only when something preempts them)\n"
		"  --error-after MS       scx_bpf_error(\"ktstr: injected error after MS ms\")\n"
		"  --degrade              squeeze cgroup cg_1 onto the last CPU, where every second\n"
		"                         of its tasks runs only every 300 ms or when the CPU has\n"
		"                         nothing else: unfair within cg_1, but nothing stalls\n"
		"  --degrade-cgroup NAME  degrade the cgroup with this leaf name (or path) instead\n"
		"  --slow US              spin US microseconds in every enqueue\n"
		"  --scatter              random CPU placement among the allowed CPUs\n"
		"  --starve-kthread-after MS  after MS, park the first per-CPU kthread enqueued\n"
		"                         (a kworker or ksoftirqd) for good: it stays runnable and\n"
		"                         never runs; the rest runs normally until the watchdog\n"
		"                         ejects the scheduler (--timeout-ms later)\n"
		"  --one-cpu              run every task on CPU 0 (tasks that may not run there: on\n"
		"                         their first allowed CPU); the other CPUs idle\n"
		"  --overcharge N         charge every second task of each cgroup N times its\n"
		"                         runtime: equal tasks get unequal shares, nothing stalls\n"
		"Output: NDJSON records of type \"scx_ktstr\" on stdout (attached, stats, exit).\n"
		"Exit status: 0 detached cleanly, 1 load/attach failure or error exit, 2 bad usage.\n");
}

static uint64_t parse_u64(const char *opt, const char *arg, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v > max)
		die(EXIT_USAGE, "%s: '%s' is not a whole number in 0-%" PRIu64, opt, arg, max);
	return v;
}

static void parse_opts(int argc, char **argv, struct ktstr_opts *o)
{
	enum { O_TIMEOUT = 256, O_SLICE, O_STATS, O_STALL, O_ERROR, O_DEGRADE, O_DEGRADE_CG,
	       O_SLOW, O_SCATTER, O_STARVE_KTHREAD, O_ONE_CPU, O_OVERCHARGE };
	static const struct option longopts[] = {
		{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
		{ "slice-us", required_argument, NULL, O_SLICE },
		{ "stats-ms", required_argument, NULL, O_STATS },
		{ "stall-after", required_argument, NULL, O_STALL },
		{ "error-after", required_argument, NULL, O_ERROR },
		{ "degrade", no_argument, NULL, O_DEGRADE },
		{ "degrade-cgroup", required_argument, NULL, O_DEGRADE_CG },
		{ "slow", required_argument, NULL, O_SLOW },
		{ "scatter", no_argument, NULL, O_SCATTER },
		{ "starve-kthread-after", required_argument, NULL, O_STARVE_KTHREAD },
		{ "one-cpu", no_argument, NULL, O_ONE_CPU },
		{ "overcharge", required_argument, NULL, O_OVERCHARGE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_TIMEOUT: o->timeout_ms = (uint32_t)parse_u64("--timeout-ms", optarg, 30000); break;
		case O_SLICE: o->slice_us = parse_u64("--slice-us", optarg, 1000000); break;
		case O_STATS: o->stats_ms = parse_u64("--stats-ms", optarg, 3600000); break;
		case O_STALL: o->stall_after_ms = parse_u64("--stall-after", optarg, 86400000); break;
		case O_ERROR: o->error_after_ms = parse_u64("--error-after", optarg, 86400000); break;
		case O_DEGRADE: o->degrade = true; break;
		case O_DEGRADE_CG: o->degrade = true; o->degrade_cgroup = optarg; break;
		case O_SLOW: o->slow_us = parse_u64("--slow", optarg, 1000000); break;
		case O_SCATTER: o->scatter = true; break;
		case O_STARVE_KTHREAD:
			o->starve_kthread_after_ms = parse_u64("--starve-kthread-after", optarg, 86400000);
			break;
		case O_ONE_CPU: o->one_cpu = true; break;
		case O_OVERCHARGE: o->overcharge = (uint32_t)parse_u64("--overcharge", optarg, 1000); break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die(EXIT_USAGE, "see 'scx-ktstr --help'");
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s' (see 'scx-ktstr --help')", argv[optind]);
	if (o->timeout_ms == 0 || o->slice_us == 0)
		die(EXIT_USAGE, "--timeout-ms and --slice-us must be at least 1");
}

/* libbpf's messages already start with "libbpf: "; debug ones only with --verbose. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	fprintf(stderr, "%s: ", die_prog());
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_print_verbose(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	fprintf(stderr, "%s: ", die_prog());
	return vfprintf(stderr, fmt, ap);
}

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_stats(int sig)
{
	(void)sig;
	stats_request = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_stats;
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void emit_stats(const struct ktstr_sched *s, uint64_t t_ms)
{
	static const char *const names[KTSTR_NR_STATS] = KTSTR_STAT_NAMES;
	uint64_t v[KTSTR_NR_STATS];
	json_t *rec;

	if (sched_read_stats(s, v)) {
		warnmsg("reading the counters: %s", strerror(errno));
		return;
	}
	rec = json_pack("{s:s, s:s, s:I}", "type", "scx_ktstr", "event", "stats", "t_ms", (json_int_t)t_ms);
	for (int i = 0; i < KTSTR_NR_STATS; i++)
		json_object_set_new(rec, names[i], json_integer((json_int_t)v[i]));
	ndjson_write(stdout, rec);
	json_decref(rec);
}

static const char *exit_kind_name(int kind)
{
	switch (kind) {
	case 0: return "NONE";
	case 1: return "DONE";
	case 64: return "UNREG";
	case 65: return "UNREG_BPF";
	case 66: return "UNREG_KERN";
	case 67: return "SYSRQ";
	case 68: return "PARENT";
	case 1024: return "ERROR";
	case 1025: return "ERROR_BPF";
	case 1026: return "ERROR_STALL";
	default: return "UNKNOWN";
	}
}

/* The exit record and a one-line summary on stderr. */
static void emit_exit(const struct ktstr_exit_info *uei)
{
	json_t *rec = json_pack("{s:s, s:s, s:s, s:i, s:I, s:s, s:s}", "type", "scx_ktstr",
				"event", "exit", "kind", exit_kind_name(uei->kind),
				"kind_code", uei->kind, "exit_code", (json_int_t)uei->exit_code,
				"reason", uei->reason, "msg", uei->msg);

	fprintf(stderr, "%s: scheduler exited: %s (%d): %s%s%s\n", die_prog(),
		exit_kind_name(uei->kind), uei->kind, uei->reason, uei->msg[0] ? ": " : "", uei->msg);
	if (rec)
		ndjson_write(stdout, rec);
	json_decref(rec);
}

static void emit_attached(const struct ktstr_opts *o)
{
	json_t *rec = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:b, s:O, s:b}",
				"type", "scx_ktstr", "event", "attached", "ops", "ktstr",
				"pid", (int)getpid(), "timeout_ms", (int)o->timeout_ms,
				"slice_us", (json_int_t)o->slice_us,
				"stall_after_ms", (json_int_t)o->stall_after_ms,
				"error_after_ms", (json_int_t)o->error_after_ms,
				"slow_us", (json_int_t)o->slow_us, "scatter", o->scatter,
				"degrade_cgroup", o->degrade ? json_string(o->degrade_cgroup) : json_null(),
				"verbose", o->verbose);

	json_object_set_new(rec, "starve_kthread_after_ms", json_integer((json_int_t)o->starve_kthread_after_ms));
	json_object_set_new(rec, "one_cpu", json_boolean(o->one_cpu));
	json_object_set_new(rec, "overcharge", json_integer(o->overcharge));
	ndjson_write(stdout, rec);
	json_decref(rec);
}

/* The kthread --starve-kthread-after parked, once the BPF side has recorded it. */
static void emit_starved_kthread(const volatile struct ktstr_state *st)
{
	char comm[KTSTR_COMM_LEN + 1] = "";
	json_t *rec;

	memcpy(comm, (const char *)st->starved_comm, KTSTR_COMM_LEN);
	rec = json_pack("{s:s, s:s, s:i, s:s, s:i, s:I}", "type", "scx_ktstr",
			"event", "starved_kthread", "pid", (int)st->starved_pid, "comm", comm,
			"cpu", (int)st->starved_cpu, "t_ms", (json_int_t)(st->starved_at_ns / 1000000));
	fprintf(stderr, "%s: parked kthread %s[%u] (CPU %d) for good\n", die_prog(), comm,
		(unsigned)st->starved_pid, (int)st->starved_cpu);
	if (rec)
		ndjson_write(stdout, rec);
	json_decref(rec);
}

/* Poll until a signal or the scheduler's exit; true when the scheduler exited by itself. */
static bool run_until_exit(struct ktstr_sched *s, const struct ktstr_opts *o)
{
	volatile struct ktstr_state *st = s->state;
	uint64_t start = now_ms(), next_stats = start + o->stats_ms;
	const struct timespec tick = { 0, POLL_MS * 1000000L };
	bool starved_reported = false;

	for (;;) {
		uint64_t now = now_ms();

		if (!starved_reported && st->starved_at_ns) {
			emit_starved_kthread(st);
			starved_reported = true;
		}
		if (st->uei.kind)
			return true;
		if (stop_signal)
			return false;
		if (stats_request || (o->stats_ms && now >= next_stats)) {
			stats_request = 0;
			emit_stats(s, now - start);
			next_stats = now + o->stats_ms;
		}
		if (!st->stall && access(STALL_SENTINEL, F_OK) == 0) {
			fprintf(stderr, "%s: %s exists: stalling\n", die_prog(), STALL_SENTINEL);
			st->stall = 1;
		}
		nanosleep(&tick, NULL);
	}
}

int main(int argc, char **argv)
{
	struct ktstr_opts o = { .timeout_ms = 3000, .slice_us = 20000, .degrade_cgroup = "cg_1" };
	struct ktstr_sched s;
	struct ktstr_exit_info uei;
	uint64_t start;
	bool self_exit;

	die_setprog(argv[0]);
	/*
	 * A fixed hash seed: jansson otherwise reads /dev/urandom, which in a
	 * fresh VM without RDRAND gathers jitter entropy for a second or two.
	 */
	json_object_seed(1);
	parse_opts(argc, argv, &o);
	libbpf_set_print(o.verbose ? libbpf_print_verbose : libbpf_print);
	install_signals();

	if (sched_open(&s, &o) || sched_load(&s) || sched_attach(&s)) {
		sched_close(&s);
		return EXIT_FAIL;
	}
	start = now_ms();
	fprintf(stderr, "%s: attached (ops \"ktstr\", watchdog timeout %u ms)\n", die_prog(), o.timeout_ms);
	emit_attached(&o);

	self_exit = run_until_exit(&s, &o);
	if (!self_exit)
		fprintf(stderr, "%s: %s: detaching\n", die_prog(), strsignal(stop_signal));
	/* Detaching runs ops.exit synchronously: the exit info is complete after it. */
	bpf_link__destroy(s.link);
	s.link = NULL;
	emit_stats(&s, now_ms() - start);
	memcpy(&uei, (const void *)&s.state->uei, sizeof(uei));
	emit_exit(&uei);
	sched_close(&s);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_FAIL, "writing stdout failed");
	return self_exit && uei.kind >= SCX_EXIT_ERROR ? EXIT_FAIL : EXIT_PASS;
}
