/* A sample record's memory, reused from sample to sample (see samplerec.h). */
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "samplerec.h"

void sample_clear(struct sample *s)
{
	s->t_ms = 0;
	s->step = -1;
	s->phase[0] = '\0';
	s->jiffies = s->watchdog_ms = 0;
	s->has = 0;
	s->scheduler = SAMPLE_NO_TEXT;
	counterset_clear(&s->progs);
	counterset_clear(&s->events);
	s->ncpus = 0;
	s->domains = NULL;
	s->text_len = 0;
}

void sample_free(struct sample *s)
{
	for (size_t i = 0; i < s->capcpus; i++) {
		free(s->cpus[i].waiting);
		counterset_free(&s->cpus[i].schedstat);
	}
	free(s->cpus);
	counterset_free(&s->progs);
	counterset_free(&s->events);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

struct sample_cpu *sample_add_cpu(struct sample *s)
{
	struct sample_cpu *c, keep;

	if (s->ncpus == s->capcpus) {
		size_t cap = s->capcpus ? 2 * s->capcpus : 8;

		s->cpus = xrealloc(s->cpus, cap * sizeof(*s->cpus));
		memset(s->cpus + s->capcpus, 0, (cap - s->capcpus) * sizeof(*s->cpus));
		s->capcpus = cap;
	}
	c = &s->cpus[s->ncpus++];
	keep = *c;	/* its waiters' and schedstat's memory */
	memset(c, 0, sizeof(*c));
	c->waiting = keep.waiting;
	c->capwaiting = keep.capwaiting;
	c->schedstat = keep.schedstat;
	counterset_clear(&c->schedstat);
	c->cpu = -1;
	c->scx_nr_running = -1;
	c->curr_pid = -1;
	return c;
}

struct sample_waiter *sample_add_waiter(struct sample_cpu *c)
{
	struct sample_waiter *w;

	if (c->nwaiting == c->capwaiting) {
		c->capwaiting = c->capwaiting ? 2 * c->capwaiting : 8;
		c->waiting = xrealloc(c->waiting, c->capwaiting * sizeof(*c->waiting));
	}
	w = &c->waiting[c->nwaiting++];
	memset(w, 0, sizeof(*w));
	w->weight = -1;
	w->runnable_at = -1;
	w->allowed = SAMPLE_NO_TEXT;
	return w;
}

size_t sample_add_text(struct sample *s, const char *str)
{
	size_t len = strlen(str) + 1, off = s->text_len;

	if (s->text_len + len > s->text_cap) {
		s->text_cap = s->text_len + len > 2 * s->text_cap ? s->text_len + len : 2 * s->text_cap;
		s->text = xrealloc(s->text, s->text_cap);
	}
	memcpy(s->text + off, str, len);
	s->text_len += len;
	return off;
}

const char *sample_text(const struct sample *s, size_t off)
{
	return off == SAMPLE_NO_TEXT ? NULL : s->text + off;
}
