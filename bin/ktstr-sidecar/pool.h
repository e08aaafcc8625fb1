/* Selectors that pick a pool of run records for compare, and pairing keys. */
#ifndef KTSTR_SIDECAR_POOL_H
#define KTSTR_SIDECAR_POOL_H

#include "sidecar.h"

#define MAX_CONDS 16

struct cond {
	const char *key;	/* run, test, topo, scheduler, flags, accel, kernel, commit */
	char *value;
};

struct selector {
	const char *text;
	struct cond cond[MAX_CONDS];
	size_t n;
};

/* "RUN-ID" or "k=v[,k=v]..."; dies (exit 2) on an unknown key. */
void selector_parse(const char *text, struct selector *sel);
void selector_free(struct selector *sel);
int selector_names(const struct selector *sel, const char *dim);
int selector_matches(const struct selector *sel, const struct run_rec *r);
void dim_value(const struct run_rec *r, const char *dim, char *buf, size_t len);
/* test topo scheduler flags accel, less what either selector slices on. */
void pair_key(const struct run_rec *r, const struct selector *a,
	      const struct selector *b, char *buf, size_t len);

/* The median host_load of the records marked in in[]; -1 when none has one. */
double pool_host_load(const struct run_set *set, const unsigned char *in);
/* A note when two pools ran on hosts busy apart (medians 1.5x and 1.0 apart), else NULL. */
const char *host_load_note(double a, double b, char *buf, size_t len);

/* The two pools of a compare: which records each takes, and every record's pairing key. */
struct pools {
	struct selector a, b;	/* parsed by the caller */
	char **keys;		/* pairing key per record */
	unsigned char *in_a, *in_b;
	size_t na, nb;
};

/* Marks the records filter and a, or filter and b, take; dies (exit 2) when a pool is empty. */
void pools_select(const struct run_set *set, const struct selector *filter, const char *runs_dir,
		  struct pools *p);
/* Frees what pools_select made and both selectors; n is the set's size. */
void pools_free(struct pools *p, size_t n);

#endif
