/*
 * `merge`: stored runs (the shards of a gauntlet run on several machines and
 * copied back) joined into one new run, so list, show and compare see one run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "opterr.h"
#include "ids.h"
#include "ndjson.h"
#include "paths.h"
#include "merge.h"
#include "sidecar.h"

/* The run being built, in a directory list skips: removed at exit or on a signal until in place. */
static char *building;
static volatile sig_atomic_t caught;

static void usage(FILE *f)
{
	help_put("usage: ktstr-sidecar merge [--runs-dir DIR] [--run-id ID] [--json] RUN...\n"
	      "Join stored runs (e.g. the shards of a gauntlet, run on several machines)\n"
	      "into one new run RUNS/RUN-ID that list, show and compare see as one.\n"
	      "RUN is a run id in RUNS or the path of a run directory anywhere (e.g.\n"
	      "copied back with rsync). Every file of every RUN is copied, the RUNs stay\n"
	      "as they are; stream.ndjson and jobs.ndjson are joined in the order given.\n"
	      "Each run record gets the new run id, the new path of its console log and\n"
	      "\"merged_from\": the id of the run it came from.\n"
	      "A job in two RUNs is an error, even with identical records: a shard run\n"
	      "twice is for you to pick, and a RUN given twice hides a missing one.\n"
	      "RUNs on different kernels, accels or schedulers merge, with a warning.\n"
	      "The run is built in RUNS/.merge-* and renamed into place whole; an error\n"
	      "or SIGINT, SIGTERM, SIGHUP removes it. Prints the new run id, or with\n"
	      "--json {\"type\":\"merge\",\"run\",\"path\",\"jobs\",\"inputs\"}.\n"
	      "  --runs-dir DIR  default $KTSTR_RUNS_DIR, else ~/.local/share/ktstr/runs\n"
	      "  --run-id ID     default UTC time and pid, e.g. 20261126T070501Z-1234\n"
	      "Exit, as write's, from the merged jobs: 0 all pass (or skipped), 1 a job\n"
	      "failed, 3 a job inconclusive, 77 every job skipped; 2 bad input (naming\n"
	      "it) and 3 cannot store, both with nothing stored and no run id printed.\n",
	      f);
}

static void parse_opts(int argc, char **argv, struct merge *m)
{
	const char *why;
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, 'd' },
		{ "run-id", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': free(m->runs_dir); m->runs_dir = xstrdup(optarg); break;
		case 'r':
			if ((why = id_problem(optarg, RUN_ID_MAX)))
				die(EXIT_USAGE, "merge: --run-id '%s': the run id %s", optarg, why);
			snprintf(m->run_id, sizeof(m->run_id), "%s", optarg);
			break;
		case 'J': m->as_json = 1; break;
		case 'h': usage(stdout); exit(EXIT_PASS);
		default: die_option(c, argv, opts, "merge");
		}
	}
	if (optind >= argc)
		die(EXIT_USAGE, "merge: which runs? (see '%s merge --help')", die_prog());
	runs_dir_check(m->runs_dir);
}

static void remove_building(void)
{
	DIR *d;
	struct dirent *e;

	if (!building)
		return;
	if ((d = opendir(building))) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(building);
	free(building);
	building = NULL;
}

static void on_signal(int sig)
{
	caught = sig;
}

/* The handler only notes the signal; here, between writes, the run goes and so do we. */
static void check_signal(void)
{
	int sig = caught;

	if (!sig)
		return;
	remove_building();
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal }, old;
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* one ignored on entry (nohup, a background job) stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	/* nor may a mask inherited from the parent hold them back */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static noreturn void store_fail(const struct merge *m, const char *name)
{
	die(EXIT_INCONCLUSIVE, "merge: run %s: cannot write %s: %s", m->run_id, name,
	    strerror(errno));
}

static int out_open(const struct merge *m, const char *name, int flags)
{
	char *p = paths_join(building, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);

	free(p);
	if (fd < 0)
		store_fail(m, name);
	return fd;
}

static void out_close(const struct merge *m, int fd, const char *name)
{
	if (fsync(fd) < 0 || close(fd) < 0)
		store_fail(m, name);
}

/* A file into the run: copied with its times, or appended (ending in a newline) when joined. */
static void copy_file(const struct merge *m, const struct input *in, const char *name, int join)
{
	char *src = paths_join(in->dir, name), buf[1 << 16], last = '\n';
	int fd = open(src, O_RDONLY | O_CLOEXEC), out;
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		die(EXIT_USAGE, "merge: %s/%s: cannot read: %s", in->arg, name, strerror(errno));
	out = out_open(m, name, join ? O_APPEND : O_EXCL);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR) {
			check_signal();
			continue;
		}
		if (n < 0)
			die(EXIT_USAGE, "merge: %s/%s: cannot read: %s", in->arg, name,
			    strerror(errno));
		if (store_write_all(out, buf, (size_t)n) < 0)
			store_fail(m, name);
		last = buf[n - 1];
		check_signal();
	}
	if (join && last != '\n' && store_write_all(out, "\n", 1) < 0)
		store_fail(m, name);
	if (!join)
		futimens(out, (const struct timespec[2]){ st.st_atim, st.st_mtim });
	out_close(m, out, name);
	close(fd);
	free(src);
}

/* A run record into the run, naming the new run and where its console log is now. */
static void put_record(const struct merge *m, const struct input *in, const char *name,
		       json_t *rec)
{
	json_t *logs = json_object_get(rec, "logs");
	const char *log = rec_str(logs, "console_log", NULL), *base;
	const char *from = strrchr(in->dir, '/');
	char *text;
	size_t len;
	int fd;

	/* an earlier merge's "merged_from" is the older, truer origin */
	if (!json_object_get(rec, "merged_from"))
		json_object_set_new(rec, "merged_from",
				    json_string(rec_str(rec, "run_id", from ? from + 1 : in->dir)));
	json_object_set_new(rec, "run_id", json_string(m->run_id));
	base = log && strrchr(log, '/') ? strrchr(log, '/') + 1 : log;
	if (base && merge_has_file(in, base)) {
		char *path = paths_join(m->final, base);

		json_object_set_new(logs, "console_log", json_string(path));
		free(path);
	}
	text = json_dumps(rec, JSON_INDENT(2) | NDJSON_REALS);
	if (!text)
		die(EXIT_INCONCLUSIVE, "merge: %s/%s: cannot format the run record", in->arg, name);
	len = strlen(text);
	text = xrealloc(text, len + 2);
	memcpy(text + len, "\n", 2);
	fd = out_open(m, name, O_EXCL);
	if (store_write_all(fd, text, len + 1) < 0)
		store_fail(m, name);
	out_close(m, fd, name);
	free(text);
}

/* rename(2) would replace an empty directory of that name: refuse to. */
static void publish(const struct merge *m)
{
	int r = renameat2(AT_FDCWD, building, AT_FDCWD, m->final, RENAME_NOREPLACE);

	if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
		if (access(m->final, F_OK) == 0)
			errno = EEXIST;
		else
			r = rename(building, m->final);
	}
	if (r < 0 && (errno == EEXIST || errno == ENOTEMPTY))
		die(EXIT_INCONCLUSIVE, "merge: run %s appeared in %s meanwhile", m->run_id,
		    m->runs_dir);
	if (r < 0)
		die(EXIT_INCONCLUSIVE, "merge: cannot rename %s to %s: %s", building, m->final,
		    strerror(errno));
	free(building);
	building = NULL;
}

static void build(struct merge *m)
{
	char err[1024], *real, *tmpl;

	if (store_mkdirs(m->runs_dir, err, sizeof(err)) < 0)
		die(EXIT_INCONCLUSIVE, "merge: %s", err);
	real = realpath(m->runs_dir, NULL);
	if (!real)
		die(EXIT_INCONCLUSIVE, "merge: %s: %s", m->runs_dir, strerror(errno));
	m->final = paths_join(real, m->run_id);
	if (access(m->final, F_OK) == 0)
		die(m->default_id ? EXIT_INCONCLUSIVE : EXIT_USAGE,
		    "merge: run %s already exists in %s", m->run_id, m->runs_dir);
	catch_signals();
	tmpl = paths_join(real, ".merge-XXXXXX");	/* hidden: list skips it */
	if (!mkdtemp(tmpl))
		die(EXIT_INCONCLUSIVE, "merge: cannot create a directory in %s: %s", m->runs_dir,
		    strerror(errno));
	building = tmpl;
	if (chmod(building, 0755) < 0)
		die(EXIT_INCONCLUSIVE, "merge: %s: %s", building, strerror(errno));
	for (size_t i = 0; i < m->nin; i++) {
		const struct input *in = &m->in[i];

		for (size_t k = 0; k < in->nfiles; k++) {
			const char *name = in->files[k];
			json_t *rec = merge_record_of(in, name);

			if (rec)
				put_record(m, in, name, rec);
			else
				copy_file(m, in, name, merge_is_joined(name));
			check_signal();
		}
	}
	store_sync_dir(building);
	publish(m);
	store_sync_dir(real);
	free(real);
}

/* The run id (or the summary record) and the exit status of its jobs. */
static int report(const struct merge *m)
{
	json_t *inputs = json_array(), *rec, *summary;
	size_t jobs = 0;
	const char *key;
	int worst = -1;

	for (size_t i = 0; i < m->nin; i++) {
		json_array_append_new(inputs, json_string(m->in[i].dir));
		jobs += json_object_size(m->in[i].recs);
		json_object_foreach(m->in[i].recs, key, rec) {
			int r = result_rank(rec_str(rec, "result", ""));

			if (r > worst)
				worst = r;
		}
	}
	if (m->as_json) {
		summary = json_pack("{s:s, s:s, s:s, s:I, s:o}", "type", "merge", "run", m->run_id,
				    "path", m->final, "jobs", (json_int_t)jobs, "inputs", inputs);
		ndjson_write(stdout, summary);
		json_decref(summary);
	} else {
		printf("%s\n", m->run_id);
		json_decref(inputs);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	return result_status(worst);
}

int cmd_merge(int argc, char **argv)
{
	struct merge m = { 0 };
	int rc;

	/* A file size limit must give an error we can report, not a kill. */
	signal(SIGXFSZ, SIG_IGN);
	atexit(remove_building);
	m.runs_dir = paths_runs_dir();
	parse_opts(argc, argv, &m);
	m.nin = (size_t)(argc - optind);
	m.in = xcalloc(m.nin, sizeof(*m.in));
	for (size_t i = 0; i < m.nin; i++) {
		merge_input_find(&m, &m.in[i], argv[optind + (int)i]);
		merge_input_load(&m.in[i]);
	}
	merge_check_inputs(&m);
	if (!m.run_id[0]) {
		store_default_run_id(m.run_id, sizeof(m.run_id));
		m.default_id = 1;
	}
	merge_warn_differences(&m);
	build(&m);
	rc = report(&m);
	for (size_t i = 0; i < m.nin; i++) {
		for (size_t k = 0; k < m.in[i].nfiles; k++)
			free(m.in[i].files[k]);
		free(m.in[i].files);
		free(m.in[i].dir);
		json_decref(m.in[i].recs);
	}
	free(m.in);
	free(m.final);
	free(m.runs_dir);
	return rc;
}
