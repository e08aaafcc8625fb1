/*
 * ktstr-boot: boot one VM per `job` record read on stdin and write what
 * happens (vm, guest events, notable console lines) as NDJSON on stdout.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "boot_image.h"
#include "die.h"
#include "opterr.h"
#include "lifeline.h"
#include "jobs.h"
#include "paths.h"
#include "spawn.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr-boot [-j N] [--run-dir DIR] [--dry-run] [-v] < jobs.ndjson\n"
		"\n"
		"Boots a QEMU VM for each `job` record on stdin (up to N at once) and writes\n"
		"NDJSON to stdout: `vm` records (started/exited), the guest's events with\n"
		"\"job\" added, and notable kernel console lines as `console` records. Other\n"
		"records pass through unchanged.\n"
		"\n"
		"  -j, --jobs N      VMs at once (default 1)\n"
		"      --run-dir DIR where <job-id>.console.log go (default: a new folder\n"
		"                    under the runs dir, named by time and pid)\n"
		"      --interactive a shell job without exec gets this terminal (/dev/tty)\n"
		"                    as its console (also when stdin is a terminal)\n"
		"      --write-initramfs DIR  boot nothing: write each job's initramfs to\n"
		"                    DIR/<id>.cpio and an `initramfs` record (bytes, build_ms)\n"
		"      --boot MODE   the kernel file QEMU starts: auto (default) boots the\n"
		"                    uncompressed ELF (kernel.btf) through PVH when it has\n"
		"                    the PVH entry note, else the bzImage (kernel.image);\n"
		"                    bzimage always the bzImage; pvh the ELF or an error.\n"
		"                    The `vm` started record says which (\"boot\").\n"
		"      --dry-run     boot nothing, make nothing: print each VM's QEMU\n"
		"                    command line, shell-quoted, after a '# JOB' line (a\n"
		"                    kernel's first run boots once more first, to capture\n"
		"                    its kallsyms). The fds it names stand for what\n"
		"                    ktstr-boot would open: 3 the initramfs, then guest RAM\n"
		"                    per NUMA node, then the console and events sockets.\n"
		"  -v, --verbose     qemu command lines and outcomes on stderr\n"
		"  -h, --help        this text\n"
		"\n"
		"Timeouts: job.timeout_s (default %d) is multiplied by %d under TCG; the guest\n"
		"gets {\"type\":\"stop\"} on its events port %d s before the limit, then qemu\n"
		"is killed (reason \"timeout\").\n"
		"Under TCG the kernel gets lpj= from the host's TSC rate and kernel.config's\n"
		"HZ (no delay-loop calibration per vCPU).\n"
		"Each VM's QMP socket (for SysRq requests from the host) is named in its\n"
		"`vm` started record (\"qmp\"), in a private folder under $XDG_RUNTIME_DIR,\n"
		"else $TMPDIR, else /tmp, removed when ktstr-boot exits.\n"
		"Environment: KTSTR_QEMU (qemu binary), KTSTR_ACCEL=kvm|tcg (skip the KVM\n"
		"probe), KTSTR_GUEST_DIR (folder of ktstr-init), KTSTR_BUSYBOX,\n"
		"KTSTR_QEMU_BIOS (firmware, \"default\" for QEMU's own), KTSTR_CACHE_DIR,\n"
		"KTSTR_BOOT (--boot's default).\n"
		"Exit: 0 every VM ran, 2 bad input, 3 a job could not run or was killed.\n",
		DEFAULT_TIMEOUT_S, TCG_TIMEOUT_SCALE, STOP_GRACE_MS / 1000);
}

static unsigned parse_jobs(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 1 || v > 256)
		die(EXIT_USAGE, "-j %s: expected a number from 1 to 256", s);
	return (unsigned)v;
}

/* A folder made when a job needs it: what is there of its path must be folders now. */
static void check_dir_arg(const char *opt, const char *dir)
{
	char *p = xstrdup(dir), *slash;
	struct stat st;

	while (stat(p, &st) < 0 && (slash = strrchr(p, '/')) && slash != p)
		*slash = '\0';
	if (stat(p, &st) == 0 && !S_ISDIR(st.st_mode))
		die(EXIT_USAGE, "%s %s: %s is not a directory", opt, dir, p);
	free(p);
}

static enum boot_mode parse_boot(const char *s, const char *fmt)
{
	int m = boot_mode_parse(s);

	if (m < 0)
		die(EXIT_USAGE, fmt, s);
	return (enum boot_mode)m;
}

static void parse_options(int argc, char **argv, struct boot_opts *o)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "interactive", no_argument, NULL, 'I' },
		{ "write-initramfs", required_argument, NULL, 'W' },
		{ "boot", required_argument, NULL, 'B' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *boot = getenv("KTSTR_BOOT");
	int c;

	if (boot && *boot)
		o->boot = parse_boot(boot, "KTSTR_BOOT=%s: use auto, bzimage or pvh");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->max_jobs = parse_jobs(optarg);
			break;
		case 'R':
			free(o->run_dir);
			o->run_dir = xstrdup(optarg);
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'I':
			o->interactive = true;
			break;
		case 'W':
			free(o->initramfs_out);
			o->initramfs_out = xstrdup(optarg);
			break;
		case 'B':
			o->boot = parse_boot(optarg, "--boot %s: use auto, bzimage or pvh");
			break;
		case 'D':
			o->dry_run = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_PASS);
		default:
			die_option(c, argv, longopts, NULL);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s' (jobs come on stdin)", argv[optind]);
	if (o->dry_run && o->initramfs_out)
		die(EXIT_USAGE, "--dry-run and --write-initramfs: one or the other");
	if (o->run_dir)
		check_dir_arg("--run-dir", o->run_dir);
	if (o->initramfs_out)
		check_dir_arg("--write-initramfs", o->initramfs_out);
}

/* fds 0-2 must be taken, or a socket for qemu could land on one. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			die(EXIT_INCONCLUSIVE, "cannot open /dev/null");
}

int main(int argc, char **argv)
{
	struct boot_opts o = { .max_jobs = 1 };
	const char *qemu = getenv("KTSTR_QEMU");
	int status;

	die_setprog(argv[0]);
	version_option(argc, argv);
	lifeline_to_parent();
	ensure_std_fds();
	o.t0_ms = spawn_now_ms();
	parse_options(argc, argv, &o);
	if (isatty(STDIN_FILENO))
		o.interactive = true;
	o.qemu = qemu && *qemu ? qemu : "qemu-system-x86_64";
	o.cache_dir = paths_cache_dir();
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout shows up as EPIPE */
	status = runner_run(&o);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_INCONCLUSIVE, "write error on stdout");
	free(o.run_dir);
	free(o.initramfs_out);
	free(o.cache_dir);
	return status;
}
