/*
 * Which jobs a budget buys: greedily the one that covers the most not yet
 * covered per second. First every scenario on every topology and with
 * every flag (and with none); then every topology and scenario with every
 * whole profile; then the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "plan.h"

struct space {
	size_t nscen, ntarget, nflag, nprof;
	size_t base_flag, base_tprof, base_sprof, total;
};

/* Feature ids of a candidate at a level: 1 the pairs, 2 the profiles; n set. */
static size_t features(const struct space *sp, const struct cand *c, int level, size_t *out)
{
	size_t n = 0;

	if (level == 1) {
		out[n++] = c->scen * sp->ntarget + c->target;
		if (!c->profile)
			out[n++] = sp->base_flag + c->scen * (sp->nflag + 1) + sp->nflag;
		for (size_t f = 0; f < sp->nflag; f++)
			if (c->profile & (1UL << f))
				out[n++] = sp->base_flag + c->scen * (sp->nflag + 1) + f;
	} else {
		out[n++] = sp->base_tprof + c->target * sp->nprof + c->prof;
		out[n++] = sp->base_sprof + c->scen * sp->nprof + c->prof;
	}
	return n;
}

static size_t gain(const struct space *sp, const struct cand *c, int level, const bool *covered)
{
	size_t ids[2 + 8 * sizeof(profile_t)], n = features(sp, c, level, ids), g = 0;

	for (size_t i = 0; i < n; i++)
		g += !covered[ids[i]];
	return g;
}

/* A tie-break that depends only on the seed and the candidate. */
static unsigned long mix(unsigned long seed, const struct cand *c)
{
	unsigned long x = seed * 0x9E3779B97F4A7C15UL ^ (c->scen * 1000003UL + c->target * 1009UL + c->prof);

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9UL;
	return x ^ (x >> 29);
}

static void describe(const struct space *sp, struct cand *c, int level, const bool *covered,
		     const char *const *scen_names, const char *const *target_names,
		     const char *const *flag_names, const char *prof_name)
{
	size_t ids[2 + 8 * sizeof(profile_t)], n = features(sp, c, level, ids), off = 0;
	char *w = c->why;
	size_t len = sizeof(c->why);

	if (level == 3) {
		snprintf(w, len, "fills the budget");
		return;
	}
	off += (size_t)snprintf(w, len, "covers");
	for (size_t i = 0; i < n; i++) {
		size_t id = ids[i];
		char item[96];

		if (covered[id])
			continue;
		if (id < sp->base_flag)
			snprintf(item, sizeof(item), "%s on %s", scen_names[id / sp->ntarget],
				 target_names[id % sp->ntarget]);
		else if (id < sp->base_tprof) {
			size_t f = (id - sp->base_flag) % (sp->nflag + 1);

			snprintf(item, sizeof(item), "%s with %s", scen_names[(id - sp->base_flag) / (sp->nflag + 1)],
				 f == sp->nflag ? "no flags" : flag_names[f]);
		} else if (id < sp->base_sprof)
			snprintf(item, sizeof(item), "%s with %s",
				 target_names[(id - sp->base_tprof) / sp->nprof], prof_name);
		else
			snprintf(item, sizeof(item), "%s with %s",
				 scen_names[(id - sp->base_sprof) / sp->nprof], prof_name);
		off += (size_t)snprintf(w + off, off < len ? len - off : 0, "%s %s", off > 6 ? "," : "", item);
	}
}

size_t cover_select(struct cand *c, size_t n, const struct plan_names *names, double budget_s,
		    unsigned jobs, unsigned long seed)
{
	struct space sp = { .nscen = names->nscen, .ntarget = names->ntarget,
			    .nflag = names->nflag, .nprof = names->nprof };
	double left = budget_s;
	size_t picked = 0;
	bool *covered;

	sp.base_flag = sp.nscen * sp.ntarget;
	sp.base_tprof = sp.base_flag + sp.nscen * (sp.nflag + 1);
	sp.base_sprof = sp.base_tprof + sp.ntarget * sp.nprof;
	sp.total = sp.base_sprof + sp.nscen * sp.nprof;
	if (budget_s <= 0) {	/* no budget: every candidate, in order */
		for (size_t i = 0; i < n; i++) {
			c[i].chosen = true;
			c[i].order = i;
			snprintf(c[i].why, sizeof(c[i].why), "no budget: every combination");
		}
		return n;
	}
	covered = xcalloc(sp.total, sizeof(*covered));
	for (;;) {
		struct cand *best = NULL;
		double best_rate = -1;
		int level = 0;

		for (int lv = 1; lv <= 3 && !best; lv++) {
			for (size_t i = 0; i < n; i++) {
				double rate;
				size_t g;

				if (c[i].chosen || c[i].est_s / jobs > left)
					continue;
				g = lv == 3 ? 1 : gain(&sp, &c[i], lv, covered);
				if (!g)
					continue;
				rate = g / c[i].est_s;
				if (!best || rate > best_rate ||
				    (rate == best_rate && mix(seed, &c[i]) < mix(seed, best))) {
					best = &c[i];
					best_rate = rate;
				}
			}
			level = lv;
		}
		if (!best)
			break;
		describe(&sp, best, level, covered, names->scen, names->target, names->flag,
			 names->prof[best->prof]);
		for (int lv = 1; lv <= 2; lv++) {
			size_t ids[2 + 8 * sizeof(profile_t)], k = features(&sp, best, lv, ids);

			for (size_t i = 0; i < k; i++)
				covered[ids[i]] = true;
		}
		best->chosen = true;
		best->order = picked++;
		left -= best->est_s / jobs;
	}
	free(covered);
	return picked;
}

static int by_order(const void *a, const void *b)
{
	const struct cand *x = *(struct cand *const *)a, *y = *(struct cand *const *)b;

	return (x->order > y->order) - (x->order < y->order);
}

static int by_estimate(const void *a, const void *b)
{
	const struct cand *x = *(struct cand *const *)a, *y = *(struct cand *const *)b;

	if (x->est_s != y->est_s)
		return x->est_s < y->est_s ? 1 : -1;
	return by_order(a, b);
}

void cover_shard(struct cand *c, size_t n, unsigned shard, unsigned nshards)
{
	struct cand **sel = xcalloc(n ? n : 1, sizeof(*sel));
	double *load = xcalloc(nshards, sizeof(*load));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (c[i].chosen)
			sel[k++] = &c[i];
	/* longest first onto the least loaded shard: shards end at about the same time */
	qsort(sel, k, sizeof(*sel), by_estimate);
	for (size_t i = 0; i < k; i++) {
		unsigned to = 0;

		for (unsigned s = 1; s < nshards; s++)
			if (load[s] < load[to])
				to = s;
		load[to] += sel[i]->est_s;
		if (to + 1 != shard)
			sel[i]->chosen = false;
	}
	free(sel);
	free(load);
}
