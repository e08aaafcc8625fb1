/* Validation of `job` records: every field ktstr-boot relies on, by name. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "die.h"
#include "ids.h"
#include "scenario.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *opt_string(json_t *obj, const char *key, bool *bad)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		*bad = true;
	return json_string_value(v);
}

static int parse_kernel(json_t *rec, struct job *j, char *err, size_t errlen)
{
	json_t *k = json_object_get(rec, "kernel");
	bool bad = false;

	if (!k)
		return fail(err, errlen, "field \"kernel\": missing");
	if (!json_is_object(k))
		return fail(err, errlen, "field \"kernel\": not an object");
	j->kernel_image = opt_string(k, "image", &bad);
	if (bad)
		return fail(err, errlen, "field \"kernel.image\": not a string");
	if (!j->kernel_image || !*j->kernel_image)
		return fail(err, errlen, "field \"kernel.image\": missing");
	j->kernel_dir = opt_string(k, "dir", &bad);
	if (bad)
		return fail(err, errlen, "field \"kernel.dir\": not a string");
	j->kernel_elf = opt_string(k, "btf", &bad);
	if (bad)
		return fail(err, errlen, "field \"kernel.btf\": not a string");
	j->kernel_config = opt_string(k, "config", &bad);
	if (bad)
		return fail(err, errlen, "field \"kernel.config\": not a string");
	return 0;
}

static int parse_mode(json_t *rec, struct job *j, char *err, size_t errlen)
{
	json_t *m = json_object_get(rec, "mode");
	const char *s = json_string_value(m);
	bool bad = false;

	if (!m)
		return fail(err, errlen, "field \"mode\": missing");
	if (!s)
		return fail(err, errlen, "field \"mode\": not a string");
	if (!strcmp(s, "scenario"))
		j->mode = MODE_SCENARIO;
	else if (!strcmp(s, "shell"))
		j->mode = MODE_SHELL;
	else if (!strcmp(s, "calibrate"))
		j->mode = MODE_CALIBRATE;
	else
		return fail(err, errlen, "field \"mode\": \"%s\" is not scenario, shell or calibrate", s);
	if (j->mode == MODE_SCENARIO &&
	    !json_is_object(json_object_get(rec, "scenario")))
		return fail(err, errlen, "field \"scenario\": %s (mode scenario needs an object)",
			    json_object_get(rec, "scenario") ? "not an object" : "missing");
	/* checked as the guest reads it: a malformed one would cost a VM to find out */
	if (j->mode == MODE_SCENARIO) {
		struct scenario sc;
		char why[512];

		if (scenario_parse(json_object_get(rec, "scenario"), &sc, why, sizeof(why)) < 0)
			return fail(err, errlen, "%s", why);
		scenario_free(&sc);
	}
	j->exec = opt_string(rec, "exec", &bad);
	if (bad)
		return fail(err, errlen, "field \"exec\": not a string");
	return 0;
}

static int parse_scheduler(json_t *rec, struct job *j, char *err, size_t errlen)
{
	json_t *s = json_object_get(rec, "scheduler"), *args;
	bool bad = false;

	if (!s || json_is_null(s))
		return 0;
	if (!json_is_object(s))
		return fail(err, errlen, "field \"scheduler\": not an object");
	if (!json_is_string(json_object_get(s, "name")))
		return fail(err, errlen, "field \"scheduler.name\": %s",
			    json_object_get(s, "name") ? "not a string" : "missing");
	j->sched_path = opt_string(s, "path", &bad);
	if (bad || (j->sched_path && j->sched_path[0] != '/'))
		return fail(err, errlen, "field \"scheduler.path\": not an absolute path");
	if (j->sched_path && access(j->sched_path, X_OK) < 0)
		return fail(err, errlen, "field \"scheduler.path\": %s: %s", j->sched_path,
			    strerror(errno));
	args = json_object_get(s, "args");
	if (args && !json_is_array(args))
		return fail(err, errlen, "field \"scheduler.args\": not an array");
	for (size_t i = 0; args && i < json_array_size(args); i++)
		if (!json_is_string(json_array_get(args, i)))
			return fail(err, errlen, "field \"scheduler.args[%zu]\": not a string", i);
	return 0;
}

/* The guest takes a missing or non-positive duration_ms for its default: say so here. */
static int parse_duration(json_t *rec, char *err, size_t errlen)
{
	json_t *d = json_object_get(rec, "duration_ms");

	if (!d || json_is_null(d))
		return 0;
	if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 86400000)
		return fail(err, errlen, "field \"duration_ms\": not a whole number from 1 to 86400000");
	return 0;
}

static int parse_timeout(json_t *rec, struct job *j, char *err, size_t errlen)
{
	json_t *t = json_object_get(rec, "timeout_s");
	json_int_t v;

	j->timeout_s = DEFAULT_TIMEOUT_S;
	if (!t || json_is_null(t))
		return 0;
	if (!json_is_integer(t))
		return fail(err, errlen, "field \"timeout_s\": not an integer");
	v = json_integer_value(t);
	if (v < 1 || v > 86400)
		return fail(err, errlen, "field \"timeout_s\": %lld is not in 1..86400", (long long)v);
	j->timeout_s = (unsigned)v;
	j->timeout_explicit = true;
	return 0;
}

/* Words that ktstr-boot owns on the kernel command line. */
static bool cmdline_word_reserved(const char *w)
{
	static const char *const owned[] = { "console=", "rdinit=", "init=", "panic=" };

	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (!strncmp(w, owned[i], strlen(owned[i])))
			return true;
	return !strcmp(w, "kaslr");
}

static int parse_cmdline(json_t *rec, struct job *j, char *err, size_t errlen)
{
	json_t *c = json_object_get(rec, "cmdline");

	if (!c || json_is_null(c))
		return 0;
	if (!json_is_array(c))
		return fail(err, errlen, "field \"cmdline\": not an array of strings");
	for (size_t i = 0; i < json_array_size(c); i++) {
		const char *w = json_string_value(json_array_get(c, i));

		if (!w)
			return fail(err, errlen, "field \"cmdline[%zu]\": not a string", i);
		if (!*w || strpbrk(w, " \t\n\r"))
			return fail(err, errlen, "field \"cmdline[%zu]\": \"%s\" is not one word", i, w);
		if (cmdline_word_reserved(w))
			return fail(err, errlen, "field \"cmdline[%zu]\": \"%s\" is set by ktstr-boot", i, w);
	}
	j->cmdline = c;
	return 0;
}

static bool guest_path_ok(const char *p)
{
	size_t n = strlen(p);

	if (p[0] != '/' || n < 2 || strstr(p, "/../") || strstr(p, "/./") ||
	    (n >= 3 && !strcmp(p + n - 3, "/..")) || p[n - 1] == '/')
		return false;
	return strcmp(p, "/init") && strcmp(p, "/job.json");
}

static int parse_includes(json_t *rec, struct job *j, char *err, size_t errlen)
{
	json_t *inc = json_object_get(rec, "include");
	size_t n;

	if (!inc || json_is_null(inc))
		return 0;
	if (!json_is_array(inc))
		return fail(err, errlen, "field \"include\": not an array");
	n = json_array_size(inc);
	j->includes = xcalloc(n, sizeof(*j->includes));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(inc, i);
		const char *src = json_string_value(json_object_get(e, "src"));
		const char *dst = json_string_value(json_object_get(e, "dst"));

		if (!json_is_object(e) || !src || !*src)
			return fail(err, errlen, "field \"include[%zu].src\": missing or not a string", i);
		if (access(src, R_OK) < 0)
			return fail(err, errlen, "field \"include[%zu].src\": %s: %s", i, src,
				    strerror(errno));
		if (!dst || !guest_path_ok(dst))
			return fail(err, errlen, "field \"include[%zu].dst\": not an absolute guest path "
				    "(not /init or /job.json, no \"..\")", i);
		j->includes[i].src = src;
		j->includes[i].dst = dst;
		j->nincludes = i + 1;
	}
	return 0;
}

static int parse_id_topo(json_t *rec, struct job *j, char *err, size_t errlen)
{
	json_t *id = json_object_get(rec, "id"), *topo = json_object_get(rec, "topo");
	const char *why;
	char terr[200];

	if (!id)
		return fail(err, errlen, "field \"id\": missing");
	j->id = json_string_value(id);
	if (!j->id)
		return fail(err, errlen, "field \"id\": not a string");
	if ((why = id_problem(j->id, JOB_ID_MAX)))
		return fail(err, errlen, "field \"id\": \"%s\" %s", j->id, why);
	if (!topo)
		return fail(err, errlen, "field \"topo\": missing");
	if (!json_is_object(topo))
		return fail(err, errlen, "field \"topo\": not an object");
	if (topo_from_json(topo, &j->topo, terr, sizeof(terr)) < 0)
		return fail(err, errlen, "field \"topo\": %s", terr);
	if (topo_cpus(&j->topo) > TOPO_QEMU_MAX_CPUS)
		return fail(err, errlen, "field \"topo\": %u CPUs; QEMU's pc machine takes at most %d",
			    topo_cpus(&j->topo), TOPO_QEMU_MAX_CPUS);
	if (j->topo.memory_mb < 128)
		return fail(err, errlen, "field \"topo.memory_mb\": %u is below 128", j->topo.memory_mb);
	return 0;
}

int job_parse(json_t *rec, size_t lineno, struct job *job, char *err, size_t errlen)
{
	memset(job, 0, sizeof(*job));
	job->lineno = lineno;
	if (parse_id_topo(rec, job, err, errlen) < 0 ||
	    parse_mode(rec, job, err, errlen) < 0 ||
	    parse_kernel(rec, job, err, errlen) < 0 ||
	    parse_scheduler(rec, job, err, errlen) < 0 ||
	    parse_timeout(rec, job, err, errlen) < 0 ||
	    parse_duration(rec, err, errlen) < 0 ||
	    parse_cmdline(rec, job, err, errlen) < 0 ||
	    parse_includes(rec, job, err, errlen) < 0 ||
	    (json_object_get(rec, "payloads") && !json_is_object(json_object_get(rec, "payloads")) &&
	     fail(err, errlen, "field \"payloads\": not an object") < 0)) {
		free(job->includes);
		job->includes = NULL;
		return -1;
	}
	job->rec = json_incref(rec);
	return 0;
}

void job_free(struct job *job)
{
	free(job->includes);
	json_decref(job->rec);
	memset(job, 0, sizeof(*job));
}

void job_make_calibrate(const struct job *j, struct job *out)
{
	struct topo t = { .numa_nodes = 1, .llcs = 1, .cores_per_llc = 1,
			  .threads_per_core = 1, .memory_mb = 512 };
	json_t *rec = json_object(), *kernel = json_object();
	char id[160], err[200];

	snprintf(id, sizeof(id), "%.100s.calibrate", j->id);
	json_object_set_new(kernel, "image", json_string(j->kernel_image));
	if (j->kernel_dir)
		json_object_set_new(kernel, "dir", json_string(j->kernel_dir));
	if (j->kernel_elf)	/* booted the same way as the job */
		json_object_set_new(kernel, "btf", json_string(j->kernel_elf));
	if (j->kernel_config)
		json_object_set_new(kernel, "config", json_string(j->kernel_config));
	json_object_set_new(rec, "type", json_string("job"));
	json_object_set_new(rec, "id", json_string(id));
	json_object_set_new(rec, "mode", json_string("calibrate"));
	json_object_set_new(rec, "topo", topo_to_json(&t));
	json_object_set_new(rec, "kernel", kernel);
	json_object_set_new(rec, "timeout_s", json_integer(60));
	if (job_parse(rec, 0, out, err, sizeof(err)) < 0)
		die(EXIT_INCONCLUSIVE, "internal: calibrate job: %s", err);
	json_decref(rec);
	out->internal = true;
}
