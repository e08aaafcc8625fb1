/*
 * Maximum flow by shortest augmenting paths (Edmonds-Karp) on the network
 * source -> group (capacity: its demand) -> each CPU it may use -> sink
 * (capacity 1 per CPU). Amounts are fractions of a CPU.
 */
#include <stdlib.h>

#include "cpuflow.h"
#include "die.h"

#define EPS 1e-9
#define MAX_FLOW_CELLS (1u << 20)	/* groups x CPUs: an 8 MB edge matrix at most */

/* The network: groups ("classes") 0..nc-1, then CPUs nc..nc+np-1. */
struct flow_net {
	size_t nc, np;
	const double *demand;	/* per class: what it wants */
	double *flow;		/* per class: what it gets so far */
	bool *in;		/* [class * np + cpu]: the class may use the CPU */
	double *f;		/* [class * np + cpu]: flow on that edge */
	double *cpu_flow;	/* into the sink, at most 1 per CPU */
	long *prev, *queue;	/* BFS: the node each was reached from; -1 the source */
};

/* A shortest augmenting path, breadth first; the CPU it ends on, or -1. */
static long flow_find_path(struct flow_net *g)
{
	size_t head = 0, tail = 0, nc = g->nc, np = g->np;

	for (size_t n = 0; n < nc + np; n++)
		g->prev[n] = -2;
	for (size_t i = 0; i < nc; i++)
		if (g->demand[i] - g->flow[i] > EPS) {
			g->prev[i] = -1;
			g->queue[tail++] = (long)i;
		}
	while (head < tail) {
		long n = g->queue[head++];

		if (n < (long)nc) {	/* class -> any CPU it may use */
			for (size_t k = 0; k < np; k++) {
				if (!g->in[(size_t)n * np + k] || g->prev[nc + k] != -2)
					continue;
				g->prev[nc + k] = n;
				if (1 - g->cpu_flow[k] > EPS)
					return (long)(nc + k);
				g->queue[tail++] = (long)(nc + k);
			}
		} else {	/* CPU -> a class whose flow through it can be undone */
			for (size_t i = 0; i < nc; i++) {
				if (g->prev[i] != -2 || g->f[i * np + (size_t)n - nc] <= EPS)
					continue;
				g->prev[i] = n;
				g->queue[tail++] = (long)i;
			}
		}
	}
	return -1;
}

/* Push as much as the path ending at CPU node end takes. */
static void flow_augment(struct flow_net *g, long end)
{
	size_t nc = g->nc, np = g->np;
	double push = 1 - g->cpu_flow[end - (long)nc];
	long n = end;

	while (n >= (long)nc || g->prev[n] != -1) {
		if (n < (long)nc && g->f[(size_t)n * np + (size_t)g->prev[n] - nc] < push)
			push = g->f[(size_t)n * np + (size_t)g->prev[n] - nc];
		n = g->prev[n];
	}
	if (g->demand[n] - g->flow[n] < push)
		push = g->demand[n] - g->flow[n];
	g->cpu_flow[end - (long)nc] += push;
	for (n = end; n >= (long)nc || g->prev[n] != -1; n = g->prev[n]) {
		if (n >= (long)nc)
			g->f[(size_t)g->prev[n] * np + (size_t)n - nc] += push;
		else
			g->f[(size_t)n * np + (size_t)g->prev[n] - nc] -= push;
	}
	g->flow[n] += push;
}

bool cpuflow_max(const struct cpuset *sets, const double *demand, size_t n, double *flow)
{
	struct flow_net g = { .nc = n, .demand = demand };
	struct cpuset all;
	size_t *cpu, k = 0;
	long end;

	cpuset_zero(&all);
	for (size_t i = 0; i < n; i++)
		for (size_t b = 0; b < CPUSET_MAX / 64; b++)
			all.bits[b] |= sets[i].bits[b];
	g.np = cpuset_count(&all);
	if (!n || !g.np || n * g.np > MAX_FLOW_CELLS)
		return false;
	cpu = xcalloc(g.np, sizeof(*cpu));
	for (int p = cpuset_next(&all, 0); p >= 0; p = cpuset_next(&all, (unsigned)p + 1))
		cpu[k++] = (size_t)p;
	g.flow = flow;
	g.in = xcalloc(n * g.np, sizeof(*g.in));
	g.f = xcalloc(n * g.np, sizeof(*g.f));
	g.cpu_flow = xcalloc(g.np, sizeof(*g.cpu_flow));
	g.prev = xcalloc(n + g.np, sizeof(*g.prev));
	g.queue = xcalloc(n + g.np, sizeof(*g.queue));
	for (size_t i = 0; i < n; i++) {
		flow[i] = 0;
		for (k = 0; k < g.np; k++)
			g.in[i * g.np + k] = cpuset_has(&sets[i], (unsigned)cpu[k]);
	}
	/* each path fills a CPU, meets a demand or undoes an edge: few rounds */
	for (int round = 0; round < 100000 && (end = flow_find_path(&g)) >= 0; round++)
		flow_augment(&g, end);
	free(cpu);
	free(g.in);
	free(g.f);
	free(g.cpu_flow);
	free(g.prev);
	free(g.queue);
	return true;
}
