/*
 * QEMU arguments for a topology (checked against QEMU 10): an LLC is a
 * socket (-smp sockets=LLCS), each node's RAM is its own shared
 * memory-backend-file, and `-numa cpu,node-id=,socket-id=` places whole
 * sockets on nodes (the modern form; `-numa node,cpus=` is the legacy one).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "die.h"
#include "topo.h"

struct argvec {
	char **v;
	size_t n, cap;
};

static void argvec_add(struct argvec *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void argvec_add(struct argvec *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die(EXIT_INCONCLUSIVE, "out of memory");
	va_end(ap);
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

char **topo_qemu_args(const struct topo *t, const char *const *node_mem_paths)
{
	struct argvec a = { 0 };
	unsigned node_mb = t->memory_mb / t->numa_nodes;

	argvec_add(&a, "-smp");
	argvec_add(&a, "%u,sockets=%u,cores=%u,threads=%u", topo_cpus(t),
		   t->llcs, t->cores_per_llc, t->threads_per_core);
	argvec_add(&a, "-m");
	argvec_add(&a, "%u", t->memory_mb);
	for (unsigned n = 0; n < t->numa_nodes; n++) {
		/* A directory as mem-path makes QEMU create its own temp file. */
		const char *path = node_mem_paths ? node_mem_paths[n] : "/dev/shm";

		argvec_add(&a, "-object");
		argvec_add(&a, "memory-backend-file,id=m%u,size=%uM,mem-path=%s,share=on",
			   n, node_mb, path);
		argvec_add(&a, "-numa");
		argvec_add(&a, "node,nodeid=%u,memdev=m%u", n, n);
	}
	for (unsigned l = 0; l < t->llcs; l++) {
		argvec_add(&a, "-numa");
		argvec_add(&a, "cpu,node-id=%u,socket-id=%u",
			   l / topo_llcs_per_node(t), l);
	}
	/* QEMU wants a distance for every pair once more than one node exists. */
	for (unsigned s = 0; s < t->numa_nodes && t->numa_nodes > 1; s++)
		for (unsigned d = 0; d < t->numa_nodes; d++) {
			if (s == d)
				continue;
			argvec_add(&a, "-numa");
			argvec_add(&a, "dist,src=%u,dst=%u,val=%u", s, d,
				   topo_distance(t, s, d));
		}
	return a.v;
}

void topo_qemu_args_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}
