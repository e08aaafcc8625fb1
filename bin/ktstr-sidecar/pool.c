/* Pools for compare: which run records a selector such as "kernel=7.2,topo=1n2l2c1t" takes. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "pool.h"

static const char *const dims[] = { "run", "test", "topo", "scheduler", "flags",
				    "accel", "kernel", "commit", NULL };

void selector_parse(const char *text, struct selector *sel)
{
	char *copy = xstrdup(text), *save = NULL;

	sel->text = text;
	sel->n = 0;
	if (!strchr(text, '=')) {
		/* A bare word is a run id. */
		sel->cond[sel->n++] = (struct cond){ "run", xstrdup(text) };
		free(copy);
		return;
	}
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		size_t i;

		if (!eq || eq == tok || !eq[1])
			die(EXIT_USAGE, "selector '%s': '%s' is not KEY=VALUE", text, tok);
		*eq = '\0';
		for (i = 0; dims[i] && strcmp(dims[i], tok); i++)
			;
		if (!dims[i])
			die(EXIT_USAGE, "selector '%s': unknown key '%s' (run, test, topo, "
			    "scheduler, flags, accel, kernel, commit)", text, tok);
		if (sel->n == MAX_CONDS)
			die(EXIT_USAGE, "selector '%s': too many conditions", text);
		sel->cond[sel->n++] = (struct cond){ dims[i], xstrdup(eq + 1) };
	}
	free(copy);
}

void selector_free(struct selector *sel)
{
	for (size_t i = 0; i < sel->n; i++)
		free(sel->cond[i].value);
	sel->n = 0;
}

int selector_names(const struct selector *sel, const char *dim)
{
	for (size_t i = 0; i < sel->n; i++)
		if (!strcmp(sel->cond[i].key, dim))
			return 1;
	return 0;
}

/* "7.2" matches "7.2", "7.2.1" and "7.2.0-1-cloud-amd64", not "7.20". */
static int version_matches(const char *have, const char *want)
{
	size_t n = strlen(want);

	return have && !strncmp(have, want, n) && strchr(".-+", have[n]); /* or its end */
}

/* A record's value for one dimension, into buf. */
void dim_value(const struct run_rec *r, const char *dim, char *buf, size_t len)
{
	json_t *rec = r->rec;

	if (!strcmp(dim, "run"))
		snprintf(buf, len, "%s", r->run_id);
	else if (!strcmp(dim, "scheduler"))
		snprintf(buf, len, "%s", rec_scheduler(rec));
	else if (!strcmp(dim, "flags"))
		rec_flags(rec, buf, len);
	else if (!strcmp(dim, "kernel"))
		snprintf(buf, len, "%s", rec_kernel(rec));
	else if (!strcmp(dim, "commit"))
		snprintf(buf, len, "%s", rec_str(rec, "project_commit", ""));
	else
		snprintf(buf, len, "%s", rec_str(rec, dim, ""));
}

static int cond_matches(const struct run_rec *r, const struct cond *c)
{
	json_t *k = json_object_get(r->rec, "kernel");
	const char *commit;
	char v[512];

	if (!strcmp(c->key, "kernel"))
		return version_matches(rec_str(k, "release", NULL), c->value) ||
		       version_matches(rec_str(k, "id", NULL), c->value);
	if (!strcmp(c->key, "commit")) {
		commit = rec_str(r->rec, "project_commit", NULL);
		return commit && !strncmp(commit, c->value, strlen(c->value));
	}
	/* a glob, so "run=ab-*" pools runs made one at a time (A, B, A, B) */
	dim_value(r, c->key, v, sizeof(v));
	return !fnmatch(c->value, v, 0);
}

int selector_matches(const struct selector *sel, const struct run_rec *r)
{
	for (size_t i = 0; i < sel->n; i++)
		if (!cond_matches(r, &sel->cond[i]))
			return 0;
	return 1;
}

/* The pairing dimensions: all but those a side's selector slices on. */
void pair_key(const struct run_rec *r, const struct selector *a,
	      const struct selector *b, char *buf, size_t len)
{
	static const char *const key_dims[] = { "test", "topo", "scheduler", "flags",
						"accel", NULL };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; key_dims[i]; i++) {
		char v[256];

		if (selector_names(a, key_dims[i]) || selector_names(b, key_dims[i]))
			continue;
		dim_value(r, key_dims[i], v, sizeof(v));
		if (!*v || used >= len)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "", v);
	}
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double pool_host_load(const struct run_set *set, const unsigned char *in)
{
	double *v = xcalloc(set->n + 1, sizeof(*v)), m = -1;
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		if (in[i] && json_is_number(json_object_get(set->v[i].rec, "host_load")))
			v[n++] = json_number_value(json_object_get(set->v[i].rec, "host_load"));
	qsort(v, n, sizeof(*v), dbl_cmp);
	if (n)
		m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return m;
}

const char *host_load_note(double a, double b, char *buf, size_t len)
{
	double lo = a < b ? a : b, hi = a < b ? b : a;

	if (a < 0 || b < 0 || hi - lo < 1.0 || hi < 1.5 * lo)
		return NULL;
	snprintf(buf, len, "note: the host was busier for %s (load %.1f) than for %s (%.1f): under "
		 "emulation that alone slows the guest", a > b ? "A" : "B", hi, a > b ? "B" : "A", lo);
	return buf;
}

void pools_select(const struct run_set *set, const struct selector *filter, const char *runs_dir,
		  struct pools *p)
{
	p->keys = xcalloc(set->n + 1, sizeof(*p->keys));
	p->in_a = xcalloc(set->n + 1, 1);
	p->in_b = xcalloc(set->n + 1, 1);
	for (size_t i = 0; i < set->n; i++) {
		char key[1024];
		int f = selector_matches(filter, &set->v[i]);

		pair_key(&set->v[i], &p->a, &p->b, key, sizeof(key));
		p->keys[i] = xstrdup(key);
		p->in_a[i] = f && selector_matches(&p->a, &set->v[i]);
		p->in_b[i] = f && selector_matches(&p->b, &set->v[i]);
		p->na += p->in_a[i];
		p->nb += p->in_b[i];
	}
	if (!p->na)
		die(EXIT_USAGE, "A: no jobs match '%s' in %s", p->a.text, runs_dir);
	if (!p->nb)
		die(EXIT_USAGE, "B: no jobs match '%s' in %s", p->b.text, runs_dir);
}

void pools_free(struct pools *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p->keys[i]);
	free(p->keys);
	free(p->in_a);
	free(p->in_b);
	selector_free(&p->a);
	selector_free(&p->b);
}
