/*
 * The repro record: the exit that froze the ring, the task it is about, and
 * that task's last events before the exit, decoded. The task is the one the
 * exit was raised for in this run (the current task of scx_bpf_error, the
 * task a stall names), else the first run's, else none (the exit CPU's events).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tracer.h"

struct pick {
	int pid;		/* -1: no task, events of cpu instead */
	int cpu;		/* -1: every CPU */
	char comm[REPRO_COMM_LEN + 1];
	const char *source;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "comm[pid] failed to run for 5.012s": the task the watchdog names. */
static bool stalled_task(const char *msg, struct pick *p)
{
	const char *end = strstr(msg, "] failed to run"), *open;

	if (!end)
		return false;
	for (open = end; open > msg && open[-1] != '['; open--)
		;
	if (open == msg || open == end || sscanf(open, "%d", &p->pid) != 1)
		return false;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(open - 1 - msg), msg);
	return true;
}

static struct pick pick_task(const struct repro_state *st, const struct report_opts *o)
{
	struct pick p = { .pid = -1, .cpu = -1 };

	if (st->triggered && stalled_task(st->trigger.msg, &p)) {
		p.source = "exit message";
	} else if (st->triggered && st->trigger.pid > 0 && st->trigger.pid != getpid()) {
		p.pid = st->trigger.pid;
		snprintf(p.comm, sizeof(p.comm), "%.*s", REPRO_COMM_LEN, st->trigger.comm);
		p.source = "exit";
	} else if (o->first_pid > 0) {
		p.pid = o->first_pid;
		snprintf(p.comm, sizeof(p.comm), "%s", o->first_comm ? o->first_comm : "");
		p.source = "first run";
	} else if (st->triggered) {
		p.cpu = (int)st->trigger.cpu;
	}
	return p;
}

static int by_time(const void *a, const void *b)
{
	const struct repro_event *x = *(const struct repro_event *const *)a;
	const struct repro_event *y = *(const struct repro_event *const *)b;

	return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns ? 1 : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static json_t *int_arg(const struct arg_desc *a, uint64_t v)
{
	unsigned bits = a->size >= 1 && a->size < 8 ? a->size * 8 : 64;
	uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1;

	v &= m;
	if (a->kind == ARG_SIGNED && bits < 64 && (v >> (bits - 1) & 1))
		v |= ~m;	/* sign-extend */
	return json_integer((json_int_t)v);
}

static void add_arg(json_t *f, const struct tracer *t, const struct repro_event *e,
		    const struct arg_desc *a, unsigned i)
{
	const char *ename = a->kind == ARG_ENQ_FLAGS ? "scx_enq_flags" :
			    a->kind == ARG_DEQ_FLAGS ? "scx_deq_flags" : "scx_wake_flags";
	const char *prefix = a->kind == ARG_ENQ_FLAGS ? "SCX_ENQ_" :
			     a->kind == ARG_DEQ_FLAGS ? "SCX_DEQ_" : "SCX_WAKE_";
	char buf[256], key[48];

	switch (a->kind) {
	case ARG_SKIP:
	case ARG_TASK:		/* the event's own pid and comm */
		break;
	case ARG_RQ:
		snprintf(key, sizeof(key), "%s.cpu", a->name);
		if (e->flags & REPRO_EV_RQ)
			json_object_set_new(f, key, json_integer(e->rq_cpu));
		break;
	case ARG_MASK:
		decode_cpus(e->mask, buf, sizeof(buf));
		if (e->flags & REPRO_EV_MASK)
			json_object_set_new(f, a->name, json_string(buf));
		break;
	case ARG_BOOL:
		json_object_set_new(f, a->name, json_boolean(e->args[i] & 0xff));
		break;
	case ARG_SIGNED:
	case ARG_UNSIGNED:
		json_object_set_new(f, a->name, int_arg(a, e->args[i]));
		break;
	case ARG_ENQ_FLAGS:
	case ARG_DEQ_FLAGS:
	case ARG_WAKE_FLAGS:
		decode_bits(t->vmlinux, ename, prefix, e->args[i], buf, sizeof(buf));
		json_object_set_new(f, a->name, json_string(buf));
		break;
	}
}

/* The task's sched_ext state as the event saw it. */
static void add_task(json_t *f, const struct tracer *t, const struct repro_task *k)
{
	char buf[256];

	if (k->flags & REPRO_TASK_HAS_DSQ) {
		decode_dsq(t->vmlinux, k->dsq_id, buf, sizeof(buf));
		json_object_set_new(f, "dsq", json_string(buf));
	}
	if (k->flags & REPRO_TASK_DDSP) {
		decode_dsq(t->vmlinux, k->ddsp_dsq_id, buf, sizeof(buf));
		if (strcmp(buf, "INVALID")) {	/* select_cpu directed it somewhere */
			json_object_set_new(f, "ddsp_dsq", json_string(buf));
			decode_bits(t->vmlinux, "scx_enq_flags", "SCX_ENQ_", k->ddsp_enq_flags, buf, sizeof(buf));
			json_object_set_new(f, "ddsp_enq_flags", json_string(buf));
		}
	}
	decode_scx_flags(t->vmlinux, k->scx_flags, buf, sizeof(buf));
	json_object_set_new(f, "scx_flags", json_string(buf));
	decode_cpus(k->cpus, buf, sizeof(buf));
	json_object_set_new(f, "cpus", json_string(buf));
	json_object_set_new(f, "cpus_weight", json_integer(k->nr_cpus_allowed));
	json_object_set_new(f, "task_cpu", json_integer(k->cpu));
	json_object_set_new(f, "weight", json_integer(k->weight));
	json_object_set_new(f, "slice_ns", json_integer((json_int_t)k->slice));
	json_object_set_new(f, "vtime", json_integer((json_int_t)k->dsq_vtime));
}

static json_t *event_json(const struct tracer *t, const struct repro_event *e, uint64_t t_exit)
{
	const struct traced *tr = e->func < REPRO_MAX_FUNCS ? &t->funcs[e->func] : NULL;
	json_t *f = json_object();
	json_t *ev = json_pack("{s:I, s:i, s:s, s:s, s:i, s:s%}", "t_ns",
			       (json_int_t)(e->t_ns - t_exit), "cpu", (int)e->cpu,
			       "callback", tr && tr->name[0] ? tr->name : "?",
			       "probe", tr && tr->fentry ? "fentry" : "kprobe", "pid", e->task.pid,
			       "comm", e->task.comm, strnlen(e->task.comm, REPRO_COMM_LEN));

	if ((e->flags & REPRO_EV_TASK_ARG) && e->cur_pid != e->task.pid)
		json_object_set_new(ev, "current", json_integer(e->cur_pid));
	for (unsigned i = 0; tr && i < tr->nargs; i++)
		add_arg(f, t, e, &tr->args[i], i);
	add_task(f, t, &e->task);
	json_object_set_new(ev, "fields", f);
	return ev;
}

static json_t *exit_json(const struct tracer *t, const struct repro_state *st)
{
	const struct repro_trigger *g = &st->trigger;
	char kind[64];

	if (!st->triggered)
		return json_pack("{s:s}", "source", "ktstr-init");
	decode_exit_kind(t->vmlinux, g->kind, kind, sizeof(kind));
	return json_pack("{s:s, s:s, s:i, s:s%, s:i, s:i, s:i, s:s%}", "source", "scx_vexit", "kind", kind,
			 "kind_code", g->kind, "message", g->msg, strnlen(g->msg, REPRO_MSG_LEN),
			 "cpu", (int)g->cpu, "exit_cpu", g->exit_cpu, "pid", g->pid, "comm", g->comm,
			 strnlen(g->comm, REPRO_COMM_LEN));
}

static json_t *traced_json(const struct tracer *t)
{
	json_t *cbs = json_array(), *kps = json_array();

	for (unsigned i = 0; i < REPRO_MAX_FUNCS; i++) {
		const struct traced *tr = &t->funcs[i];

		if (!tr->attached)
			continue;
		if (tr->fentry)
			json_array_append_new(cbs, json_pack("{s:s, s:s}", "callback", tr->name, "prog", tr->prog));
		else
			json_array_append_new(kps, json_string(tr->name));
	}
	return json_pack("{s:o, s:o, s:O, s:b}", "callbacks", cbs, "kprobes", kps, "failed", t->failed,
			 "exit_trigger", t->trigger);
}

/*
 * Where the last n callbacks begin among evs[0..m), with the kernel-function
 * events on their way (a callback's callers come just before it); when no
 * callback was traced, the last n events.
 */
static size_t window_start(const struct tracer *t, const struct repro_event **evs, size_t m, unsigned n)
{
	size_t i = m, seen = 0, callbacks = 0;

	for (size_t k = 0; k < m; k++)
		callbacks += t->funcs[evs[k]->func % REPRO_MAX_FUNCS].fentry;
	if (!callbacks)
		return m > n ? m - n : 0;
	while (i > 0 && seen < n)
		seen += t->funcs[evs[--i]->func % REPRO_MAX_FUNCS].fentry;
	while (i > 0 && !t->funcs[evs[i - 1]->func % REPRO_MAX_FUNCS].fentry && evs[i - 1]->cpu == evs[i]->cpu)
		i--;
	return i;
}

/* The chosen task's events (or its CPU's) of evs[0..n) into out; how many. */
static size_t matching(const struct repro_event **evs, size_t n, const struct pick *p,
		       const struct repro_event **out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (p->pid >= 0 ? evs[i]->task.pid == p->pid : p->cpu < 0 || (int)evs[i]->cpu == p->cpu)
			out[m++] = evs[i];
	return m;
}

json_t *report_build(struct tracer *t, const struct report_opts *o)
{
	const struct repro_state *st = t->state;
	uint64_t head = __atomic_load_n(&st->head, __ATOMIC_ACQUIRE);
	uint64_t first = head > REPRO_RING ? head - REPRO_RING : 0;
	uint64_t t_exit = st->triggered ? st->trigger.t_ns : now_ns();
	const struct repro_event **evs = calloc(REPRO_RING, sizeof(*evs));
	const struct repro_event **mine = calloc(REPRO_RING, sizeof(*mine));
	struct pick p = pick_task(st, o);
	size_t n = 0, matched = 0, kept = 0, from;
	json_t *rec, *events = json_array();

	for (uint64_t i = first; evs && mine && i < head; i++) {
		const struct repro_event *e = &t->ring[i & (REPRO_RING - 1)];

		if (e->seq == i + 1 && e->t_ns <= t_exit)
			evs[n++] = e;
	}
	kept = n;
	if (n)
		qsort(evs, n, sizeof(*evs), by_time);
	matched = matching(evs, n, &p, mine);
	if (!matched && p.pid >= 0 && st->triggered) {	/* a task this run never traced: the exit's CPU */
		p = (struct pick){ .pid = -1, .cpu = (int)st->trigger.cpu };
		matched = matching(evs, n, &p, mine);
	}
	from = window_start(t, mine, matched, o->max_events);
	for (size_t i = from; i < matched; i++)
		json_array_append_new(events, event_json(t, mine[i], t_exit));
	free(evs);
	free(mine);
	rec = json_pack("{s:s, s:o, s:o, s:o, s:I, s:I, s:I, s:i, s:o}", "type", "repro",
			"exit", exit_json(t, st),
			"task", p.pid >= 0 ? json_pack("{s:i, s:s, s:s}", "pid", p.pid, "comm", p.comm,
							"source", p.source) : json_null(),
			"traced", traced_json(t), "events_recorded", (json_int_t)head,
			"events_kept", (json_int_t)kept, "events_matched", (json_int_t)matched,
			"max_callbacks", (int)o->max_events, "events", events);
	json_object_set_new(rec, "events_missed", json_integer((json_int_t)tracer_missed(t)));
	if (p.pid < 0 && p.cpu >= 0)
		json_object_set_new(rec, "cpu", json_integer(p.cpu));
	if (o->first_pid > 0)
		json_object_set_new(rec, "first_run", json_pack("{s:i, s:s}", "pid", o->first_pid, "comm",
								 o->first_comm ? o->first_comm : ""));
	if (o->asked && !st->triggered)
		json_object_set_new(rec, "note", json_string("no exit trigger fired: the ring froze when "
							     "ktstr-init saw the scheduler end"));
	return rec;
}
