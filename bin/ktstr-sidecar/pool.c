/* Pools for compare: which run records a selector such as "kernel=7.2,topo=1n2l2c1t" takes. */
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
	dim_value(r, c->key, v, sizeof(v));
	return !strcmp(v, c->value);
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
