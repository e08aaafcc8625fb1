/*
 * --dry-run: each VM's QEMU command line, shell-quoted, instead of the VM. Nothing is made:
 * no initramfs, no guest memory, no sockets, no run dir. The fds the line names stand for the
 * ones ktstr-boot would pass: 3 the initramfs, then guest RAM per NUMA node, then the
 * console, events and kallsyms sockets.
 */
#include <stdio.h>
#include <stdlib.h>

#include "die.h"
#include "paths.h"
#include "privdir.h"
#include "qemu.h"
#include "vm.h"

/* The fd numbers in the order vm_start opens them, from the first free one. */
static void placeholder_fds(const struct job *j, const struct boot_opts *o, struct qemu_fds *f)
{
	int fd = 3;

	f->initrd = fd++;
	f->nmem = j->topo.numa_nodes < QEMU_MAX_NODES ? j->topo.numa_nodes : QEMU_MAX_NODES;
	for (unsigned i = 0; i < f->nmem; i++)
		f->mem[i] = fd++;
	/* an interactive shell gets the terminal as its console */
	f->console = j->mode == MODE_SHELL && !j->exec && o->interactive ? -1 : fd++;
	f->events = fd++;
	f->kallsyms = j->mode == MODE_CALIBRATE && j->kernel_dir ? fd++ : -1;
}

int dryrun_print(struct vm_env *env, const struct job *j, char *err, size_t errlen)
{
	struct qemu_fds f = { 0 };
	const char *file, *kind;
	char name[32], *dir, *qmp, **argv, *line;

	if (vm_prepare(j, env, &file, &kind, err, errlen) < 0)
		return -1;
	placeholder_fds(j, env->o, &f);
	dir = privdir_pattern();
	snprintf(name, sizeof(name), "vm%u.qmp", ++env->vms_started);
	qmp = paths_join(dir, name);
	f.qmp_path = qmp;
	argv = qemu_argv(env->o, &env->accel, j, file, &f);
	line = qemu_argv_join(argv);
	if (j->internal)
		printf("# %s: boots once per kernel, to capture its kallsyms\n", j->id);
	else
		printf("# %s\n", j->id);
	printf("%s\n", line);
	free(line);
	qemu_argv_free(argv);
	free(qmp);
	free(dir);
	return 0;
}
