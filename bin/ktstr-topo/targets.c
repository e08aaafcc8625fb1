/* The topologies a plan's jobs run on: --topo ones, or gauntlet presets. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "ktstr-topo.h"
#include "plan.h"

/* Smaller first: CPUs, then LLCs, then NUMA nodes, then threads per core. */
static int by_size(const void *a, const void *b)
{
	const struct topo *x = &((const struct target *)a)->topo, *y = &((const struct target *)b)->topo;
	unsigned kx[] = { topo_cpus(x), x->llcs, x->numa_nodes, x->threads_per_core };
	unsigned ky[] = { topo_cpus(y), y->llcs, y->numa_nodes, y->threads_per_core };

	for (size_t i = 0; i < sizeof(kx) / sizeof(kx[0]); i++)
		if (kx[i] != ky[i])
			return kx[i] < ky[i] ? -1 : 1;
	return strcmp(((const struct target *)a)->label, ((const struct target *)b)->label);
}

struct target *targets(const struct plan_opts *o, const struct sched *s, size_t *n)
{
	struct target *t;
	char err[200];

	*n = 0;
	if (o->presets || o->fit) {
		size_t np;
		struct preset *p = presets_load(&np);
		struct constraints cons;
		struct host host;

		t = xcalloc(np, sizeof(*t));
		constraints_init(&cons);
		if (o->fit) {
			host_read(&host);
			cons.host = &host;
			cons.oversub = o->oversub > 0 ? o->oversub : !strcmp(o->accel, "kvm") ? 1 : 4;
			cons.max_numa = 1;	/* upstream's per-test defaults */
			cons.max_llcs = 12;
			cons.max_cpus = 192;
		}
		for (size_t i = 0; i < np; i++) {
			bool named = o->presets && !strcmp(o->presets, "all");

			for (const char *w = o->presets; w && *w && !named;) {
				size_t len = strcspn(w, ",");

				named = len == strlen(p[i].name) && !strncmp(w, p[i].name, len);
				w += len + (w[len] == ',');
			}
			if (o->fit ? !constraints_accept(&cons, &p[i].topo, err, sizeof(err)) : !named)
				continue;
			t[*n].label = xstrdup(p[i].name);
			t[*n].preset = true;
			t[(*n)++].topo = p[i].topo;
		}
		for (const char *w = o->presets; w && *w && strcmp(w, "all");) {
			size_t len = strcspn(w, ","), i;

			for (i = 0; i < np && !(len == strlen(p[i].name) && !strncmp(w, p[i].name, len)); i++)
				;
			if (i == np)
				die(EXIT_USAGE, "--presets: unknown preset %.*s (see ktstr topo --presets)", (int)len, w);
			w += len + (w[len] == ',');
		}
		if (o->fit)
			host_free(&host);
		presets_free(p, np);
		if (!*n && o->fit)
			die(EXIT_USAGE, "no gauntlet preset fits this host (%s, --oversub %g): name some with --presets",
			    o->accel, cons.oversub);
	} else {
		const char *deflt = s->topology ? s->topology : "1n2l2c1t";
		size_t nt = o->ntopos ? o->ntopos : 1;

		t = xcalloc(nt, sizeof(*t));
		for (size_t i = 0; i < nt; i++) {
			const char *arg = o->ntopos ? o->topos[i] : deflt;
			char name[64];

			if (topo_parse(arg, &t[i].topo, err, sizeof(err)) < 0 &&
			    !(isalpha((unsigned char)*arg) && presets_find(arg, &t[i].topo)))
				die(EXIT_USAGE, "--topo %s: %s%s", *arg ? arg : "''", err,
				    isalpha((unsigned char)*arg) ? NOT_A_PRESET : "");
			if (topo_cpus(&t[i].topo) > TOPO_QEMU_MAX_CPUS)
				die(EXIT_USAGE, "--topo %s: %u CPUs; QEMU's pc machine takes at most %d",
				    arg, topo_cpus(&t[i].topo), TOPO_QEMU_MAX_CPUS);
			topo_name(&t[i].topo, name, sizeof(name));
			t[i].label = xstrdup(name);
		}
		*n = nt;
	}
	for (size_t i = 0; i < *n && o->memory_mb; i++) {
		if (topo_check_memory_mb(&t[i].topo, o->memory_mb, err, sizeof(err)) < 0)
			die(EXIT_USAGE, "--memory %u: %s: %s", o->memory_mb, t[i].label, err);
		t[i].topo.memory_mb = o->memory_mb;
	}
	if (o->smallest)
		qsort(t, *n, sizeof(*t), by_size);
	return t;
}
