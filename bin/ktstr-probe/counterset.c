/* Named integer counters in reused memory (see counterset.h). */
#include <stdlib.h>
#include <string.h>

#include "counterset.h"
#include "die.h"

void counterset_clear(struct counterset *s)
{
	s->n = 0;
	s->names_len = 0;
}

void counterset_free(struct counterset *s)
{
	free(s->c);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

static void reserve(struct counterset *s, size_t n, size_t names_len)
{
	if (n > s->cap) {
		s->cap = n > 2 * s->cap ? n : 2 * s->cap;
		s->c = xrealloc(s->c, s->cap * sizeof(*s->c));
	}
	if (names_len > s->names_cap) {
		s->names_cap = names_len > 2 * s->names_cap ? names_len : 2 * s->names_cap;
		s->names = xrealloc(s->names, s->names_cap);
	}
}

struct counter *counterset_add(struct counterset *s, const char *name)
{
	size_t len = strlen(name) + 1;
	struct counter *c;

	reserve(s, s->n + 1, s->names_len + len);
	memcpy(s->names + s->names_len, name, len);
	c = &s->c[s->n++];
	memset(c, 0, sizeof(*c));
	c->name = s->names_len;
	s->names_len += len;
	return c;
}

void counterset_add_value(struct counterset *s, const char *name, long long v)
{
	struct counter *c = counterset_add(s, name);

	c->v[0] = v;
	c->has = 1;
}

struct counter *counterset_find(const struct counterset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names + s->c[i].name, name))
			return &s->c[i];
	return NULL;
}

const char *counter_name(const struct counterset *s, const struct counter *c)
{
	return s->names + c->name;
}

void counterset_copy(struct counterset *dst, const struct counterset *src)
{
	reserve(dst, src->n, src->names_len);
	if (src->n)
		memcpy(dst->c, src->c, src->n * sizeof(*src->c));
	if (src->names_len)
		memcpy(dst->names, src->names, src->names_len);
	dst->n = src->n;
	dst->names_len = src->names_len;
}
