/*
 * ktstr-init: PID 1 of the test VM (mount, read /job.json, check the topology,
 * run the scenario / shell / calibrate mode, power off with a status), and on
 * the host a checker: --check-scenario FILE prints what a scenario resolves to,
 * --parse-dump FILE the `dump` records a sched_ext_dump trace makes.
 */
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "init.h"
#include "ndjson.h"
#include "sched.h"
#include "scxdump.h"

#define DEBUG_EXIT_PORT 0xf4
#define BULK_OUTPUT_BYTES 65536	/* more through the ports than this: let QEMU drain them */

/* What the crash handler needs (it cannot take arguments): the host's port, and whether to sync. */
static int crash_fd = -1;
static bool sync_needed = true;

/* A block device other than loop/ram/zram: only then is there anything to sync. */
static bool has_disk(void)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	bool found = false;

	if (!d)
		return true;	/* cannot tell: sync to be safe */
	while (!found && (de = readdir(d)))
		found = de->d_name[0] != '.' && strncmp(de->d_name, "loop", 4) &&
			strncmp(de->d_name, "ram", 3) && strncmp(de->d_name, "zram", 4);
	closedir(d);
	return found;
}

/*
 * Closing the event port sends QEMU a port-closed control message and spins
 * until QEMU has taken it; under TCG QEMU handles each port write in full
 * when the guest kicks the queue, so everything written before is with QEMU
 * then. Two cases keep a short wait: a host side that could not keep up with
 * bulk output (QEMU holds the rest until its socket drains), and KVM, where
 * kicks are ioeventfds that QEMU's main loop serves asynchronously.
 */
static noreturn void power_off(int code, bool bulk)
{
	unsigned a = 0, b = 0, c = 0, d = 0;

	kill(-1, SIGKILL);	/* leftover workers and shells */
	if (sync_needed)
		sync();
	if (crash_fd > 2)
		close(crash_fd);
	__cpuid(0x40000000, a, b, c, d);
	if (bulk || (b == 0x4b4d564b && c == 0x564b4d56 && d == 0x4d))	/* "KVMKVMKVM" */
		usleep(20000);
	if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
		outb((unsigned char)code, DEBUG_EXIT_PORT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void on_crash(int sig)
{
	static const char msg[] = "{\"type\":\"error\",\"message\":\"ktstr-init crashed\"}\n";
	char line[96];
	int n = snprintf(line, sizeof(line), "ktstr-init: fatal signal %d\n", sig);

	if (crash_fd >= 0 && write(crash_fd, msg, sizeof(msg) - 1) < 0)
		crash_fd = -1;
	if (write(2, line, (size_t)n) < 0)
		n = 0;
	power_off(1, true);
}

/* exit() anywhere in PID 1 would panic the kernel: power off instead. */
static void on_exit_pid1(void)
{
	if (getpid() == 1)
		power_off(1, true);
}

static void install_crash_handlers(void)
{
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_crash, .sa_flags = SA_ONSTACK };
	const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

	sigaltstack(&ss, NULL);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(on_exit_pid1);
}

void reap_children(struct worker_set *ws, struct sched *sc)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (!(ws && (workers_note_exit(ws, pid, st) || payloads_note_exit(ws->payloads, pid, st))))
			sched_note_exit(sc, pid, st);
}

static int open_events(struct events *ev)
{
	char path[128];
	int fd = -1;

	/*
	 * QEMU announces the port to the driver by a control message that a
	 * workqueue handles: on a busy host it can come after init starts
	 * (seen once in some hundreds of boots). Wait up to 3 s for it.
	 */
	for (int tries = 0; tries < 60; tries++) {
		if (virtio_port_path("ktstr.events", path, sizeof(path)) == 0) {
			fd = open(path, O_WRONLY | O_CLOEXEC);
			break;
		}
		usleep(50000);
	}
	events_set_fd(ev, fd >= 0 ? fd : 1);	/* no port: the console gets the events */
	crash_fd = ev->fd;
	return fd;
}

static void emit_guest(struct events *ev, json_t *job, const struct systopo *have)
{
	struct utsname u;

	uname(&u);
	events_emit(ev, json_pack("{s:s, s:s, s:s, s:o, s:s, s:i}", "type", "guest", "phase", "init",
				  "kernel", u.release, "cpus_online", cpuset_json(&have->online),
				  "mode", json_string_value(json_object_get(job, "mode")) ?: "scenario",
				  "pid", (int)getpid()));
}

/* Compare sysfs with the job's topo record; false on a mismatch (reported). */
static bool check_topology(struct events *ev, json_t *job, const struct systopo *have)
{
	json_t *rec = json_object_get(job, "topo");
	struct systopo want;
	char err[256];
	bool ok;

	if (!rec)
		return true;
	if (gtopo_from_record(&want, rec, err, sizeof(err)) < 0) {
		events_error(ev, "job.topo.%s", err);
		return false;
	}
	ok = topo_check(ev, &want, have);
	systopo_free(&want);
	return ok;
}

/* Join the late mounts and report what failed. */
static void late_mounts_ready(struct events *ev, struct late_mounts *lm)
{
	json_t *failures = json_array(), *msg;
	size_t i;

	mount_late_wait(lm, failures);
	json_array_foreach(failures, i, msg)
		events_error(ev, "%s", json_string_value(msg));
	json_decref(failures);
}

static int run_mode(struct events *ev, json_t *job, const struct systopo *have, struct late_mounts *lm)
{
	const char *mode = json_string_value(json_object_get(job, "mode"));

	if (!mode || !strcmp(mode, "scenario")) {
		if (!check_topology(ev, job, have)) {
			events_emit(ev, json_pack("{s:s, s:s, s:s}", "type", "scenario_end", "result", "error",
						  "reason", "topology mismatch"));
			return 0;
		}
		late_mounts_ready(ev, lm);
		return run_scenario(ev, job, have);
	}
	if (!strcmp(mode, "shell")) {
		check_topology(ev, job, have);
		late_mounts_ready(ev, lm);
		return run_shell(ev, job);
	}
	if (!strcmp(mode, "calibrate"))
		return run_calibrate(ev);
	events_error(ev, "job.mode: unknown mode \"%s\"", mode);
	return 1;
}

static void pid1_main(void)
{
	struct events ev;
	struct late_mounts lm;
	json_t *failures = json_array(), *job, *msg;
	json_error_t jerr;
	struct systopo have;
	char err[256];
	size_t i;
	int code = 1;

	install_crash_handlers();
	events_init(&ev, 1);	/* t_ms counts from here */
	mount_early(failures);
	sync_needed = has_disk();
	mount_late_start(&lm);
	if (open_events(&ev) < 0)
		events_error(&ev, "no ktstr.events virtio port: events go to the console");
	json_array_foreach(failures, i, msg)
		events_error(&ev, "%s", json_string_value(msg));
	json_decref(failures);
	setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
	setenv("HOME", "/", 1);
	job = json_load_file("/job.json", 0, &jerr);
	if (!json_is_object(job)) {
		events_error(&ev, "/job.json:%d:%d: %s", jerr.line, jerr.column,
			     job ? "expected an object" : jerr.text);
	} else if (systopo_read("/sys", &have, err, sizeof(err)) < 0) {
		events_error(&ev, "%s", err);
	} else {
		emit_guest(&ev, job, &have);
		code = run_mode(&ev, job, &have, &lm);
		systopo_free(&have);
	}
	json_decref(job);
	mount_late_free(&lm);
	reap_children(NULL, NULL);
	power_off(code, ev.bytes > BULK_OUTPUT_BYTES);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ktstr-init                        (as PID 1 inside the test VM)\n"
		   "       ktstr-init --check-scenario FILE (--topo NnNlNcNt | --topo-json FILE)\n"
		   "                  [--duration-ms N]\n"
		   "       ktstr-init --parse-dump FILE\n"
		   "Checks a scenario file and prints the plan it resolves to on that topology as one\n"
		   "`plan` record (exit 0; 77 when the scenario would skip itself; 2 on bad input).\n"
		   "--parse-dump reads tracefs trace text (FILE or - for stdin) and prints the `dump`\n"
		   "records its sched_ext_dump lines make, as the guest sends them when it reads each\n"
		   "line at the time the trace stamps it.\n");
}

/* A topo record from "NnNlNcNt" (the axes are all the guest model needs). */
static json_t *topo_record_from_name(const char *s)
{
	unsigned n, l, c, t;
	int end = -1;

	if (sscanf(s, "%un%ul%uc%ut%n", &n, &l, &c, &t, &end) != 4 || end < 0 || s[end])
		die(EXIT_USAGE, "--topo %s: expected NnNlNcNt, e.g. 1n2l4c2t", s);
	return json_pack("{s:i, s:i, s:i, s:i}", "numa_nodes", n, "llcs", l, "cores_per_llc", c,
			 "threads_per_core", t);
}

static json_t *load_json(const char *path, const char *what)
{
	json_error_t jerr;
	json_t *j = strcmp(path, "-") ? json_load_file(path, 0, &jerr) : json_loadf(stdin, 0, &jerr);

	if (!j)
		die(EXIT_USAGE, "%s %s:%d:%d: %s", what, path, jerr.line, jerr.column, jerr.text);
	return j;
}

static int check_main(const char *file, json_t *topo_rec, unsigned duration_ms)
{
	json_t *j = load_json(file, "scenario"), *plan;
	struct scenario sc;
	struct systopo t;
	char err[512];
	int status;

	if (gtopo_from_record(&t, topo_rec, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "topology: %s", err);
	if (scenario_parse(j, &sc, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "%s: %s", file, err);
	scenario_expand(&sc, &t);
	plan = plan_json(&sc, &t, duration_ms);
	status = strcmp(json_string_value(json_object_get(plan, "result")), "ok") ? EXIT_SKIP : EXIT_PASS;
	ndjson_write(stdout, plan);
	json_decref(plan);
	scenario_free(&sc);
	systopo_free(&t);
	json_decref(j);
	return status;
}

static void print_dump(void *arg, json_t *rec)
{
	(void)arg;
	ndjson_write(stdout, rec);
	json_decref(rec);
}

static int parse_dump_main(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	struct dump_parser p;
	char *line = NULL;
	size_t cap = 0;
	uint64_t now = 0;
	ssize_t n;

	if (!f)
		die(EXIT_USAGE, "--parse-dump %s: %s", file, strerror(errno));
	dump_parser_init(&p, print_dump, NULL);
	/* each line read as it was written: a pause in the timestamps is a pause in the guest */
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n && line[n - 1] == '\n')
			line[n - 1] = '\0';
		dump_trace_line_ns(line, &now);
		dump_parser_tick(&p, now);
		dump_parser_line(&p, line, now);
	}
	if (ferror(f))
		die(EXIT_USAGE, "--parse-dump %s: %s", file, strerror(errno));
	dump_parser_close(&p);
	dump_parser_free(&p);
	free(line);
	if (f != stdin)
		fclose(f);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	return EXIT_PASS;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check-scenario", required_argument, NULL, 'c' },
		{ "topo", required_argument, NULL, 't' },
		{ "topo-json", required_argument, NULL, 'j' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "parse-dump", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *dump_file = NULL;
	json_t *topo = NULL;
	unsigned long duration = 2000;
	char *end;
	int c, status;

	/*
	 * jansson seeds its hash from /dev/urandom, which blocks for 1-2 s in a
	 * fresh TCG guest without RDRAND; a fixed seed is fine for our objects.
	 */
	json_object_seed(1);
	if (getpid() == 1)
		pid1_main();
	die_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': file = optarg; break;
		case 'p': dump_file = optarg; break;
		case 't': json_decref(topo); topo = topo_record_from_name(optarg); break;
		case 'j':
			json_decref(topo);
			topo = load_json(optarg, "topology");
			break;
		case 'd':
			errno = 0;
			duration = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || duration == 0 || duration > 86400000)
				die(EXIT_USAGE, "--duration-ms %s: expected milliseconds from 1 to 86400000", optarg);
			break;
		case 'h': usage(stdout); return EXIT_PASS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (dump_file && !file && !topo && optind == argc)
		return parse_dump_main(dump_file);
	if (!file || !topo || optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	status = check_main(file, topo, (unsigned)duration);
	json_decref(topo);
	return status;
}
