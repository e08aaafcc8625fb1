/*
 * The scenario's names, checked step by step: each op names a cgroup that
 * exists at that point, each payload handle is started once and waited for
 * or killed only while running, and no cgroup is defined twice.
 */
#include <stdbool.h>
#include <string.h>

#include "die.h"
#include "scenario.h"

struct ref_ctx {
	char *err;
	size_t errlen;
};

/* The cgroups that exist at some point of the scenario, to check op references. */
struct live_names {
	const char *name[256];
	unsigned n;
	const char *payload[256];	/* payload handles started and not yet waited for or killed */
	unsigned npayload;
};

static bool live_has(const struct live_names *l, const char *name)
{
	for (unsigned i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return true;
	return false;
}

static void live_add(struct live_names *l, const char *name)
{
	if (!live_has(l, name) && l->n < 256)
		l->name[l->n++] = name;
}

/* Drop name and everything below it. */
static void live_remove(struct live_names *l, const char *name)
{
	size_t len = strlen(name);

	for (unsigned i = 0; i < l->n;) {
		if (!strcmp(l->name[i], name) || (!strncmp(l->name[i], name, len) && l->name[i][len] == '/'))
			l->name[i] = l->name[--l->n];
		else
			i++;
	}
}

static int check_ref(const struct live_names *l, const char *name, unsigned step, unsigned op,
		     struct ref_ctx *pc)
{
	if (!name || live_has(l, name))
		return 0;
	strfmt(pc->err, pc->errlen, "scenario.steps[%u].ops[%u]: no cgroup \"%s\" at this point",
		 step, op, name);
	return -1;
}

/* A handle may run once at a time; wait and kill need a running one. */
static int check_payload_ref(struct live_names *l, const struct op *o, unsigned step, unsigned op,
			     struct ref_ctx *pc)
{
	unsigned k;

	for (k = 0; k < l->npayload && strcmp(l->payload[k], o->pl.id); k++)
		;
	if (o->kind == OP_RUN_PAYLOAD && k < l->npayload) {
		strfmt(pc->err, pc->errlen, "scenario.steps[%u].ops[%u]: payload \"%s\" is already "
		       "running (wait_payload or kill_payload it first, or give another \"id\")",
		       step, op, o->pl.id);
		return -1;
	}
	if (o->kind != OP_RUN_PAYLOAD && k == l->npayload) {
		strfmt(pc->err, pc->errlen, "scenario.steps[%u].ops[%u]: no running payload \"%s\" "
		       "at this point", step, op, o->pl.id);
		return -1;
	}
	if (o->kind == OP_RUN_PAYLOAD && l->npayload < 256)
		l->payload[l->npayload++] = o->pl.id;
	else if (o->kind != OP_RUN_PAYLOAD)
		l->payload[k] = l->payload[--l->npayload];
	return 0;
}

static int check_step_refs(const struct scenario *s, unsigned i, struct live_names *l,
			   struct ref_ctx *pc)
{
	const struct step *st = &s->steps[i];

	for (unsigned k = 0; k < st->nops; k++) {
		const struct op *o = &st->ops[k];

		if (o->kind >= OP_RUN_PAYLOAD) {
			if (st->hold.kind == HOLD_LOOP) {
				strfmt(pc->err, pc->errlen, "scenario.steps[%u].ops[%u]: payload ops cannot "
				       "repeat in a loop_ms step", i, k);
				return -1;
			}
			if (check_ref(l, o->a, i, k, pc) || check_payload_ref(l, o, i, k, pc))
				return -1;
			continue;
		}
		if (o->kind == OP_ADD_CGROUP) {
			live_add(l, o->a);
			continue;
		}
		if (check_ref(l, o->a, i, k, pc) || check_ref(l, o->b, i, k, pc))
			return -1;
		if (o->kind == OP_REMOVE_CGROUP)
			live_remove(l, o->a);
	}
	for (unsigned d = 0; d < st->ndefs; d++) {
		if (st->defs[d].per_cpu)	/* ops cannot name what a generator makes */
			continue;
		if (live_has(l, st->defs[d].name)) {
			strfmt(pc->err, pc->errlen, "scenario.steps[%u].cgroups[%u]: cgroup \"%s\" "
			       "exists already at this point", i, d, st->defs[d].name);
			return -1;
		}
		live_add(l, st->defs[d].name);
	}
	return 0;
}

static int check_refs(const struct scenario *s, struct ref_ctx *pc)
{
	struct live_names l = { .n = 0, .npayload = 0 };

	for (unsigned d = 0; d < s->ndefs; d++) {
		if (s->defs[d].per_cpu)
			continue;
		/* the guest would make it once and put both definitions' workers in it */
		if (live_has(&l, s->defs[d].name)) {
			strfmt(pc->err, pc->errlen, "scenario.cgroups[%u]: cgroup \"%s\" is defined twice",
			       d, s->defs[d].name);
			return -1;
		}
		live_add(&l, s->defs[d].name);
	}
	for (unsigned i = 0; i < s->nsteps; i++) {
		if (check_step_refs(s, i, &l, pc) < 0)
			return -1;
		for (unsigned d = 0; d < s->steps[i].ndefs; d++)
			live_remove(&l, s->steps[i].defs[d].name);
	}
	return 0;
}

int scenario_check_refs(const struct scenario *s, char *err, size_t errlen)
{
	struct ref_ctx pc = { err, errlen };

	return check_refs(s, &pc);
}
