/*
 * KVM or TCG. /dev/kvm existing is not enough (a nested paravirtual KVM
 * may fail to boot a kernel), so the first job boots its kernel under KVM
 * for a few seconds; the answer is cached per host boot in
 * <cache>/accel-<boot_id>.json. KTSTR_ACCEL=kvm|tcg overrides.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot.h"
#include "die.h"
#include "paths.h"
#include "spawn.h"
#include "ndjson.h"

#define PROBE_TIMEOUT_MS 15000

/*
 * Run argv with stdout+stderr into out; stop early once needle shows up.
 * 1 found, 0 not found, -1 could not run argv.
 */
static int run_capture(char **argv, int timeout_ms, const char *needle,
			char *out, size_t outlen)
{
	struct spawn_opts so = { .stdin_fd = -1, .own_pgrp = true, .die_with_parent = true };
	long long end = spawn_now_ms() + timeout_ms;
	size_t len = 0;
	int p[2], status;
	bool found = false;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	so.stdout_fd = so.stderr_fd = p[1];
	pid = spawn_start(argv, &so);
	close(p[1]);
	if (pid < 0) {
		snprintf(out, outlen, "%s: %s", argv[0], strerror(errno));
		close(p[0]);
		return -1;
	}
	while (!found) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		long long left = end - spawn_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			break;
		n = read(p[0], out + len, outlen - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		out[len] = '\0';
		if (len + 1 >= outlen) {	/* keep the tail */
			memmove(out, out + len / 2, len - len / 2 + 1);
			len -= len / 2;
		}
		found = needle && strstr(out, needle);
	}
	close(p[0]);
	spawn_kill_group(pid, SIGKILL);
	spawn_wait_timeout(pid, -1, &status);
	return found;
}

/* Multi-threaded TCG is trustworthy from QEMU 8.1 on. */
static bool qemu_tcg_multi_ok(const char *qemu, char *ver, size_t verlen)
{
	char *argv[] = { (char *)qemu, "--version", NULL };
	char out[512];
	unsigned maj = 0, min = 0;
	const char *v;

	run_capture(argv, 5000, NULL, out, sizeof(out));
	v = strstr(out, "version ");
	if (!v || sscanf(v + 8, "%u.%u", &maj, &min) != 2) {
		snprintf(ver, verlen, "unknown");
		return false;
	}
	snprintf(ver, verlen, "%u.%u", maj, min);
	return maj > 8 || (maj == 8 && min >= 1);
}

static int kvm_boots(const char *qemu, const char *kernel)
{
	char *argv[] = {
		(char *)qemu, "-accel", "kvm", "-cpu", "host", "-M", "pc", "-smp", "1",
		"-m", "256", "-nodefaults", "-nographic", "-no-reboot", "-nic", "none",
		"-serial", "stdio", "-kernel", (char *)kernel, "-append",
		"console=ttyS0 panic=-1 loglevel=1 nokaslr mitigations=off", NULL,
	};
	char out[8192];

	/* No initramfs: a kernel that boots fully ends in the root-mount panic. */
	return run_capture(argv, PROBE_TIMEOUT_MS, "Kernel panic", out, sizeof(out));
}

/* <cache>/<what>-<boot id>.json: answers that hold until the host reboots. */
static char *cache_file(const struct boot_opts *o, const char *what)
{
	char id[64] = "unknown", name[96];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f) {
		if (!fgets(id, sizeof(id), f))
			snprintf(id, sizeof(id), "unknown");
		id[strcspn(id, "\n")] = '\0';
		fclose(f);
	}
	snprintf(name, sizeof(name), "%s-%s.json", what, id);
	return paths_join(o->cache_dir, name);
}

static int cached_answer(const char *path)
{
	json_t *j = json_load_file(path, 0, NULL);
	const char *a = json_string_value(json_object_get(j, "accel"));
	int r = a ? !strcmp(a, "kvm") : -1;

	json_decref(j);
	return r;
}

/* Write j to path atomically (temp file + rename); takes j's reference. */
static void store_json(const struct boot_opts *o, const char *path, json_t *j)
{
	char *tmp = xmalloc(strlen(path) + 32);

	sprintf(tmp, "%s.tmp.%d", path, (int)getpid());
	boot_mkdir_p(o->cache_dir);
	if (json_dump_file(j, tmp, JSON_COMPACT | NDJSON_REALS) == 0 && rename(tmp, path) == 0)
		tmp[0] = '\0';
	if (tmp[0])
		unlink(tmp);
	free(tmp);
	json_decref(j);
}

static void store_answer(const struct boot_opts *o, const char *path, bool kvm,
			 const char *kernel, long long ms)
{
	store_json(o, path, json_pack("{s:s,s:s,s:I}", "accel", kvm ? "kvm" : "tcg",
				      "probe_kernel", kernel, "probe_ms", ms));
}

static bool decide_kvm(struct accel *a, const struct boot_opts *o, const char *kernel)
{
	const char *env = getenv("KTSTR_ACCEL");
	char *path;
	long long t0;
	int fd, cached, kvm;

	if (env && *env) {
		if (strcmp(env, "kvm") && strcmp(env, "tcg"))
			die(EXIT_USAGE, "KTSTR_ACCEL=%s: use kvm or tcg", env);
		snprintf(a->why, sizeof(a->why), "KTSTR_ACCEL=%s", env);
		return !strcmp(env, "kvm");
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(a->why, sizeof(a->why), "/dev/kvm: %s", strerror(errno));
		return false;
	}
	close(fd);
	path = cache_file(o, "accel");
	cached = cached_answer(path);
	if (cached >= 0) {
		snprintf(a->why, sizeof(a->why), "cached KVM probe");
		free(path);
		return cached;
	}
	if (o->dry_run) {	/* the probe is a boot */
		warnmsg("KVM not probed yet on this host boot: the dry run assumes it works");
		snprintf(a->why, sizeof(a->why), "not probed (dry run)");
		free(path);
		return true;
	}
	warnmsg("probing whether KVM boots a kernel (once per host boot)...");
	t0 = spawn_now_ms();
	kvm = kvm_boots(o->qemu, kernel);
	if (kvm >= 0)	/* a qemu that did not even start says nothing about KVM */
		store_answer(o, path, kvm, kernel, spawn_now_ms() - t0);
	snprintf(a->why, sizeof(a->why), "KVM probe boot %s",
		 kvm > 0 ? "succeeded" : kvm == 0 ? "failed" : "could not run qemu");
	free(path);
	return kvm > 0;
}

/* Is qboot.rom in one of the data folders that `qemu -L help` lists? */
static bool qemu_has_qboot(const char *qemu)
{
	char *argv[] = { (char *)qemu, "-L", "help", NULL };
	char out[2048], *save = NULL;
	bool found = false;

	if (run_capture(argv, 5000, NULL, out, sizeof(out)) < 0)
		return false;
	for (char *l = strtok_r(out, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
		char *p = paths_join(l, "qboot.rom");

		found = l[0] == '/' && access(p, R_OK) == 0;
		free(p);
	}
	return found;
}

/* "path dev ino size mtime" of an executable file: a new install changes it. */
static bool stat_key(const char *path, char *key, size_t keylen)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return false;
	snprintf(key, keylen, "%s %llu %llu %lld %lld.%09ld", path,
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return true;
}

/* The key of the qemu binary that exec would run; false when not found (no caching). */
static bool qemu_identity(const char *qemu, char *key, size_t keylen)
{
	const char *env = getenv("PATH");
	char *dirs, *save = NULL;
	bool found = false;

	if (strchr(qemu, '/'))
		return stat_key(qemu, key, keylen);
	dirs = xstrdup(env && *env ? env : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = paths_join(d, qemu);

		found = stat_key(p, key, keylen);
		free(p);
	}
	free(dirs);
	return found;
}

/*
 * `qemu --version` and `qemu -L help` cost about 25 ms per ktstr-boot run; their answers
 * are kept in <cache>/qemu-<boot id>.json for the same binary.
 */
static void qemu_facts(const struct boot_opts *o, char *ver, size_t verlen, bool *multi,
		       bool *qboot)
{
	char key[PATH_MAX + 128], *path = cache_file(o, "qemu");
	bool keyed = qemu_identity(o->qemu, key, sizeof(key));
	json_t *j = keyed ? json_load_file(path, 0, NULL) : NULL;
	const char *k = json_string_value(json_object_get(j, "qemu"));
	const char *v = json_string_value(json_object_get(j, "version"));
	json_t *m = json_object_get(j, "tcg_multi"), *q = json_object_get(j, "qboot");

	if (k && !strcmp(k, key) && v && json_is_boolean(m) && json_is_boolean(q)) {
		snprintf(ver, verlen, "%s", v);
		*multi = json_is_true(m);
		*qboot = json_is_true(q);
	} else {
		*multi = qemu_tcg_multi_ok(o->qemu, ver, verlen);
		*qboot = qemu_has_qboot(o->qemu);
		if (keyed && strcmp(ver, "unknown") && !o->dry_run)	/* a qemu that ran */
			store_json(o, path, json_pack("{s:s,s:s,s:b,s:b}", "qemu", key,
						      "version", ver, "tcg_multi", *multi,
						      "qboot", *qboot));
	}
	json_decref(j);
	free(path);
}

void accel_decide(struct accel *a, const struct boot_opts *o, const char *kernel_image)
{
	const char *bios = getenv("KTSTR_QEMU_BIOS");
	char ver[32];
	bool qboot;

	if (a->decided)
		return;
	a->decided = true;
	a->kvm = decide_kvm(a, o, kernel_image);
	qemu_facts(o, ver, sizeof(ver), &a->tcg_multi, &qboot);
	/* qboot starts the kernel sooner than SeaBIOS and prints nothing */
	if (bios && *bios)
		a->bios = strcmp(bios, "default") ? bios : NULL;
	else
		a->bios = qboot ? "qboot.rom" : NULL;
	if (!a->kvm && !a->tcg_multi)
		warnmsg("QEMU %s is older than 8.1: using single-threaded TCG (slow; "
			"multi-threaded TCG corrupts sched_ext there)", ver);
	if (o->verbose)
		warnmsg("accel %s (%s), QEMU %s, firmware %s", a->kvm ? "kvm" : "tcg", a->why,
			ver, a->bios ? a->bios : "default");
}
