/*
 * How long a job's VM runs: the median of stored runs of the same scenario
 * and topology on the same kernel and accelerator, with as many VMs at once
 * (or with another number, scaled), else a model.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "paths.h"
#include "plan.h"

/* Newest run folders read, and stored times kept per key: enough for a median, cheap to read. */
#define HIST_MAX_RUNS 200
#define HIST_MAX_PER_KEY 7
/* VMs at once are told apart up to this many (more count as this many); a record without the
 * count is kept as 0 */
#define HIST_MAX_CROWD 16

struct hist_key {
	char *key;		/* "sched\ttest\ttopo\tN" or "\ttest\ttopo\tN" (any scheduler), N VMs at once */
	unsigned n;
	long long over_ms[HIST_MAX_PER_KEY];	/* VM wall time beyond the scenario's duration */
};

struct estimator {
	const char *accel;
	unsigned jobs;		/* VMs at once */
	struct hist_key *keys;
	size_t nkeys, cap;
};

const char *accel_detect(void)
{
	const char *env = getenv("KTSTR_ACCEL");
	char boot[64] = "", *cache, *leaf, *path;
	json_t *rec;
	FILE *f;
	int fd;

	if (env && (!strcmp(env, "kvm") || !strcmp(env, "tcg")))
		return env;
	if ((f = fopen("/proc/sys/kernel/random/boot_id", "r"))) {
		if (fgets(boot, sizeof(boot), f))
			boot[strcspn(boot, "\n")] = '\0';
		fclose(f);
	}
	/* ktstr-boot's probe of this boot: whether KVM really ran a guest */
	cache = paths_cache_dir();
	leaf = xmalloc(strlen(boot) + 16);
	sprintf(leaf, "accel-%s.json", boot);
	path = paths_join(cache, leaf);
	rec = *boot ? json_load_file(path, 0, NULL) : NULL;
	free(cache);
	free(leaf);
	free(path);
	if (rec) {
		const char *a = json_string_value(json_object_get(rec, "accel"));
		const char *out = a && !strcmp(a, "kvm") ? "kvm" : a && !strcmp(a, "tcg") ? "tcg" : NULL;

		json_decref(rec);
		if (out)
			return out;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? "kvm" : "tcg";
}

static struct hist_key *key_get(struct estimator *e, const char *key, bool add)
{
	for (size_t i = 0; i < e->nkeys; i++)
		if (!strcmp(e->keys[i].key, key))
			return &e->keys[i];
	if (!add)
		return NULL;
	if (e->nkeys == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->keys = xrealloc(e->keys, e->cap * sizeof(*e->keys));
	}
	memset(&e->keys[e->nkeys], 0, sizeof(e->keys[0]));
	e->keys[e->nkeys].key = xstrdup(key);
	return &e->keys[e->nkeys++];
}

static void key_note(struct estimator *e, const char *sched, const char *test, const char *topo,
		     unsigned crowd, long long over_ms)
{
	char key[512];

	for (int any = 0; any < 2; any++) {
		struct hist_key *k;

		snprintf(key, sizeof(key), "%s\t%s\t%s\t%u", any ? "" : sched, test, topo, crowd);
		k = key_get(e, key, true);
		if (k->n < HIST_MAX_PER_KEY)
			k->over_ms[k->n++] = over_ms;
	}
}

/* One stored run record: its VM time, if it ran on this kernel and accelerator. */
static void note_record(struct estimator *e, const char *path, const char *kernel_id)
{
	json_t *r = json_load_file(path, 0, NULL);
	const char *accel = json_string_value(json_object_get(r, "accel"));
	const char *kid = json_string_value(json_object_get(json_object_get(r, "kernel"), "id"));
	const char *test = json_string_value(json_object_get(r, "test"));
	const char *topo = json_string_value(json_object_get(r, "topo"));
	const char *sched = json_string_value(json_object_get(json_object_get(r, "scheduler"), "name"));
	json_t *wall = json_object_get(json_object_get(r, "vm"), "wall_ms");
	json_t *crowd = json_object_get(json_object_get(r, "vm"), "vms_at_once");
	json_t *dur = json_object_get(r, "duration_ms");
	double c = json_is_number(crowd) ? json_number_value(crowd) + 0.5 : 0;	/* (rounded) */

	if (accel && !strcmp(accel, e->accel) && kid && (!kernel_id || !strcmp(kid, kernel_id)) &&
	    test && topo && json_is_integer(wall) && json_integer_value(wall) > 0 && json_is_integer(dur)) {
		long long over = json_integer_value(wall) - json_integer_value(dur);
		unsigned n = c < 1 ? 0 : c >= HIST_MAX_CROWD ? HIST_MAX_CROWD : (unsigned)c;

		key_note(e, sched ? sched : "", test, topo, n, over > 0 ? over : 0);
	}
	json_decref(r);
}

static int newest_first(const struct dirent **a, const struct dirent **b)
{
	return -strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void read_run(struct estimator *e, const char *dir, const char *kernel_id)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, not_hidden, alphasort);

	for (int i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 5 && !strcmp(ents[i]->d_name + len - 5, ".json")) {
			char *p = paths_join(dir, ents[i]->d_name);

			note_record(e, p, kernel_id);
			free(p);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

struct estimator *estimator_new(const char *kernel_id, const char *accel, bool history,
			       unsigned jobs)
{
	struct estimator *e = xcalloc(1, sizeof(*e));
	char *runs = paths_runs_dir();
	struct dirent **ents;
	int n;

	e->accel = accel;
	e->jobs = jobs ? jobs : 1;
	if (!history)
		n = -1;
	else
		n = scandir(runs, &ents, not_hidden, newest_first);	/* run ids start with their time */
	for (int i = 0; i < n; i++) {
		if (i < HIST_MAX_RUNS) {
			char *d = paths_join(runs, ents[i]->d_name);

			read_run(e, d, kernel_id);
			free(d);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	free(runs);
	return e;
}

static int ll_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static double median_s(const struct hist_key *k)
{
	long long v[HIST_MAX_PER_KEY];

	memcpy(v, k->over_ms, k->n * sizeof(v[0]));
	qsort(v, k->n, sizeof(v[0]), ll_cmp);
	return (k->n % 2 ? (double)v[k->n / 2] : (v[k->n / 2 - 1] + v[k->n / 2]) / 2.0) / 1000;
}

/*
 * How much longer a VM's boot, load and teardown take with n VMs at once
 * than alone; the scenario itself runs by the guest's clock, which is the
 * host's, so it lasts its duration in any crowd. Under TCG every vCPU is a
 * host thread and VMs at once share the host's CPUs: on 2 cores the time
 * beyond a 2 s scenario was 4.4 s alone and 6.5 s at -j 2 at 4 vCPUs (163
 * VMs), 7.4 s at 8. Under KVM the guest mostly waits.
 */
static double crowd_factor(const struct estimator *e, unsigned n)
{
	return strcmp(e->accel, "tcg") ? 1 : 1 + 0.5 * (n - 1);
}

/*
 * The model of the time beyond the scenario: under TCG it grows with the
 * CPUs; under KVM it is flat up to 16 CPUs. Measured alone on 2 cores with
 * the PVH boot, for a 2 s scenario: 6.4 s at 4 vCPUs, 6.9 at 8, 7.9 to 9.4
 * at 16.
 */
static double model_over_s(const struct estimator *e, const struct topo *t)
{
	unsigned cpus = topo_cpus(t);

	if (!strcmp(e->accel, "tcg"))
		return (3.8 + cpus * 0.15) * crowd_factor(e, e->jobs);
	return 10.0 + (cpus > 16 ? (cpus - 16) / 10.0 : 0) + 2.0;
}

/* The stored times of test on topo with n VMs at once: sched's, else any scheduler's. */
static const struct hist_key *hist_of(const struct estimator *e, const char *sched,
				      const char *test, const char *topo, unsigned n)
{
	char key[512];
	const struct hist_key *k;

	for (int any = 0; any < 2; any++) {
		snprintf(key, sizeof(key), "%s\t%s\t%s\t%u", any ? "" : sched, test, topo, n);
		if ((k = key_get((struct estimator *)e, key, false)) && k->n)
			return k;
	}
	return NULL;
}

double estimate(const struct estimator *e, const char *sched, const char *test,
		const struct topo *t, unsigned duration_ms, bool *hist)
{
	double dur_s = duration_ms / 1000.0, scale = 1;
	unsigned jobs = e->jobs < HIST_MAX_CROWD ? e->jobs : HIST_MAX_CROWD;
	const struct hist_key *k;
	char name[64];

	topo_name(t, name, sizeof(name));
	/* runs with as many VMs at once; then with another number, scaled; then runs that
	 * did not count them (stored before they did), as they are */
	k = hist_of(e, sched, test, name, jobs);
	for (unsigned n = 1; !k && n <= HIST_MAX_CROWD; n++)
		if (n != jobs && (k = hist_of(e, sched, test, name, n)))
			scale = crowd_factor(e, jobs) / crowd_factor(e, n);
	if (!k)
		k = hist_of(e, sched, test, name, 0);
	*hist = k != NULL;
	return (k ? median_s(k) * scale : model_over_s(e, t)) + dur_s;
}

void estimator_free(struct estimator *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nkeys; i++)
		free(e->keys[i].key);
	free(e->keys);
	free(e);
}
