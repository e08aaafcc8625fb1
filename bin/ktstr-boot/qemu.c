/* QEMU arguments: direct kernel boot, no defaults, channels on passed fds. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "lpj.h"
#include "qemu.h"

struct argv_builder {
	char **v;
	size_t n, cap;
};

static void add(struct argv_builder *b, const char *s)
{
	if (b->n + 2 > b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	b->v[b->n++] = xstrdup(s);
	b->v[b->n] = NULL;
}

static void addf(struct argv_builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void addf(struct argv_builder *b, const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die(EXIT_INCONCLUSIVE, "out of memory");
	va_end(ap);
	add(b, s);
	free(s);
}

/* The base, lpj= under TCG when known (see lpj.c), then the job's words (which win). */
static char *kernel_cmdline(const struct job *j, const struct accel *a)
{
	unsigned long long lpj = a->kvm ? 0 : lpj_for_tcg(j->kernel_config);
	size_t len = strlen(KERNEL_CMDLINE_BASE) + 32;
	char *s;

	for (size_t i = 0; j->cmdline && i < json_array_size(j->cmdline); i++)
		len += strlen(json_string_value(json_array_get(j->cmdline, i))) + 1;
	s = xmalloc(len);
	strcpy(s, KERNEL_CMDLINE_BASE);
	if (lpj)
		sprintf(s + strlen(s), " lpj=%llu", lpj);
	for (size_t i = 0; j->cmdline && i < json_array_size(j->cmdline); i++) {
		strcat(s, " ");
		strcat(s, json_string_value(json_array_get(j->cmdline, i)));
	}
	return s;
}

static void add_accel(struct argv_builder *b, const struct accel *a)
{
	add(b, "-accel");
	if (a->kvm) {
		add(b, "kvm");
		add(b, "-cpu");
		add(b, "host");
	} else {
		add(b, a->tcg_multi ? "tcg,thread=multi" : "tcg,thread=single");
	}
}

static void add_topology(struct argv_builder *b, const struct job *j,
			 const struct qemu_fds *fds)
{
	char paths[QEMU_MAX_NODES][32];
	const char *ptrs[QEMU_MAX_NODES];
	char **targs;

	for (unsigned i = 0; i < fds->nmem; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/proc/self/fd/%d", fds->mem[i]);
		ptrs[i] = paths[i];
	}
	targs = topo_qemu_args(&j->topo, ptrs);
	for (size_t i = 0; targs[i]; i++)
		add(b, targs[i]);
	topo_qemu_args_free(targs);
}

/* QMP for the host side (ktstr-probe asks for SysRq through it); QEMU options double a ','. */
static void add_qmp(struct argv_builder *b, const char *path)
{
	char *arg = xmalloc(2 * strlen(path) + 32), *p = arg;

	p += sprintf(p, "unix:");
	for (const char *s = path; *s; s++) {
		*p++ = *s;
		if (*s == ',')
			*p++ = ',';
	}
	strcpy(p, ",server=on,wait=off");
	add(b, "-qmp");
	add(b, arg);
	free(arg);
}

static void add_channels(struct argv_builder *b, const struct qemu_fds *fds)
{
	if (fds->console >= 0) {
		addf(b, "-chardev");
		addf(b, "socket,id=con,fd=%d", fds->console);
		add(b, "-serial");
		add(b, "chardev:con");
	} else {
		add(b, "-serial");
		add(b, "mon:stdio");
	}
	add(b, "-device");
	add(b, "virtio-serial-pci,id=vs0");
	add(b, "-chardev");
	addf(b, "socket,id=ev,fd=%d", fds->events);
	add(b, "-device");
	add(b, "virtserialport,bus=vs0.0,chardev=ev,name=ktstr.events");
	if (fds->kallsyms >= 0) {
		add(b, "-chardev");
		addf(b, "socket,id=ks,fd=%d", fds->kallsyms);
		add(b, "-device");
		add(b, "virtserialport,bus=vs0.0,chardev=ks,name=ktstr.kallsyms");
	}
	add(b, "-device");
	add(b, "isa-debug-exit,iobase=0xf4,iosize=4");
	if (fds->qmp_path)
		add_qmp(b, fds->qmp_path);
}

char **qemu_argv(const struct boot_opts *o, const struct accel *a, const struct job *j,
		 const char *kernel, const struct qemu_fds *fds)
{
	struct argv_builder b = { 0 };
	char *cmdline = kernel_cmdline(j, a);

	add(&b, o->qemu);
	add(&b, "-nodefaults");
	/* vCPU threads named "CPU N/TCG": ktstr-probe reads their host CPU time */
	add(&b, "-name");
	add(&b, "ktstr,debug-threads=on");
	add(&b, "-nographic");
	add(&b, "-no-reboot");
	add(&b, "-nic");
	add(&b, "none");
	add(&b, "-M");
	add(&b, "pc");
	if (a->bios) {
		add(&b, "-bios");
		add(&b, a->bios);
	}
	add_accel(&b, a);
	add_topology(&b, j, fds);
	add(&b, "-kernel");
	add(&b, kernel);
	add(&b, "-initrd");
	addf(&b, "/proc/self/fd/%d", fds->initrd);
	add(&b, "-append");
	add(&b, cmdline);
	free(cmdline);
	add_channels(&b, fds);
	return b.v;
}

void qemu_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* A word as the shell reads it back: bare when it is safe, else in single quotes. */
static void append_quoted(char *s, const char *w)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_@%+=:,./-";
	char *p = s + strlen(s);

	if (*w && strspn(w, safe) == strlen(w)) {
		strcpy(p, w);
		return;
	}
	*p++ = '\'';
	for (; *w; w++) {
		if (*w == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *w;
		}
	}
	strcpy(p, "'");
}

char *qemu_argv_join(char *const *argv)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; argv[i]; i++)
		len += 4 * strlen(argv[i]) + 3;
	s = xmalloc(len);
	s[0] = '\0';
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strcat(s, " ");
		append_quoted(s, argv[i]);
	}
	return s;
}
