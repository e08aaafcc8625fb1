/* Recorded sample records into struct sample (see sampleparse.h). */
#include <stdio.h>

#include "sampleparse.h"

/* o[key] when it is an integer (bit set in *has), else dflt. */
static long long int_at(json_t *o, const char *key, long long dflt, unsigned *has, unsigned bit)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return dflt;
	*has |= bit;
	return (long long)json_integer_value(v);
}

static size_t text_at(struct sample *s, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? sample_add_text(s, v) : SAMPLE_NO_TEXT;
}

static void parse_waiter(struct sample *s, struct sample_waiter *w, json_t *o)
{
	unsigned dummy = 0;
	json_t *kthread = json_object_get(o, "kthread");

	w->pid = int_at(o, "pid", 0, &dummy, 0);
	w->tgid = int_at(o, "tgid", 0, &w->has, SW_TGID);
	w->weight = int_at(o, "weight", -1, &w->has, SW_WEIGHT);
	w->runnable_at = int_at(o, "runnable_at", -1, &dummy, 0);
	w->wait_ms = int_at(o, "wait_ms", 0, &dummy, 0);
	w->counted_ms = int_at(o, "counted_ms", 0, &w->has, SW_COUNTED);
	if (json_is_boolean(kthread)) {
		w->has |= SW_KTHREAD;
		w->kthread = json_is_true(kthread);
	}
	sample_copy_str(w->comm, sizeof(w->comm), json_string_value(json_object_get(o, "comm")) ?: "");
	w->allowed = text_at(s, o, "allowed");
}

static void parse_cpu(struct sample *s, struct sample_cpu *c, json_t *o)
{
	json_t *waiting = json_object_get(o, "waiting"), *st = json_object_get(o, "schedstat"), *v;
	unsigned dummy = 0;
	const char *name;
	size_t i;

	c->cpu = int_at(o, "cpu", -1, &dummy, 0);
	c->nr_running = int_at(o, "nr_running", 0, &dummy, 0);
	c->rq_clock = int_at(o, "rq_clock", 0, &dummy, 0);
	c->scx_nr_running = int_at(o, "scx_nr_running", -1, &c->has, SC_SCX_NR_RUNNING);
	c->local_dsq_depth = int_at(o, "local_dsq_depth", 0, &c->has, SC_LOCAL_DSQ_DEPTH);
	c->run_delay_ns = int_at(o, "run_delay_ns", 0, &c->has, SC_RUN_DELAY);
	c->pcount = int_at(o, "pcount", 0, &c->has, SC_PCOUNT);
	c->curr_pid = int_at(o, "curr_pid", -1, &c->has, SC_CURR_PID);
	c->runnable = int_at(o, "runnable", 0, &c->has, SC_RUNNABLE);
	c->vcpu_ns = int_at(o, "vcpu_ns", 0, &c->has, SC_VCPU_NS);
	c->vcpu_wait_ns = int_at(o, "vcpu_wait_ns", 0, &c->has, SC_VCPU_WAIT_NS);
	if (json_is_array(waiting))
		c->has |= SC_WAITING;
	json_array_foreach(waiting, i, v)
		parse_waiter(s, sample_add_waiter(c), v);
	if (json_is_object(st))
		c->has |= SC_SCHEDSTAT;
	json_object_foreach(st, name, v)	/* (a non-integer counts 0 in the sums) */
		counterset_add_value(&c->schedstat, name, (long long)json_integer_value(v));
}

static void parse_progs(struct sample *s, json_t *progs)
{
	static const char *const key[] = {
		[PROG_CNT] = "cnt", [PROG_NSECS] = "nsecs",
		[PROG_VERIFIED_INSNS] = "verified_insns", [PROG_JITED_BYTES] = "jited_bytes",
	};
	const char *name;
	json_t *o;

	if (!json_is_object(progs))
		return;
	s->has |= S_PROGS;
	json_object_foreach(progs, name, o) {	/* every name counts, whatever its value */
		struct counter *c = counterset_add(&s->progs, name);

		for (unsigned k = 0; k < sizeof(key) / sizeof(key[0]); k++)
			c->v[k] = int_at(o, key[k], 0, &c->has, 1u << k);
	}
}

void sample_parse(struct sample *s, json_t *rec)
{
	json_t *events = json_object_get(rec, "events"), *cpus = json_object_get(rec, "cpus"), *v;
	json_t *domains = json_object_get(rec, "sched_domains");
	unsigned dummy = 0;
	const char *name;
	size_t i;

	sample_clear(s);
	s->t_ms = int_at(rec, "t_ms", 0, &dummy, 0);
	s->step = int_at(rec, "step", -1, &dummy, 0);
	sample_copy_str(s->phase, sizeof(s->phase), json_string_value(json_object_get(rec, "phase")) ?: "");
	s->jiffies = int_at(rec, "jiffies", 0, &s->has, S_JIFFIES);
	s->watchdog_ms = int_at(rec, "watchdog_ms", 0, &s->has, S_WATCHDOG_MS);
	s->scheduler = text_at(s, rec, "scheduler");
	parse_progs(s, json_object_get(rec, "progs"));
	if (json_is_object(events))
		s->has |= S_EVENTS;
	json_object_foreach(events, name, v)
		if (json_is_integer(v))	/* (the summary skips the others) */
			counterset_add_value(&s->events, name, (long long)json_integer_value(v));
	json_array_foreach(cpus, i, v)
		parse_cpu(s, sample_add_cpu(s), v);
	s->domains = json_is_array(domains) ? domains : NULL;
}

void sample_store_counted(const struct sample *s, json_t *rec)
{
	json_t *e, *wt;
	size_t i, j;

	json_array_foreach(json_object_get(rec, "cpus"), i, e)
		json_array_foreach(json_object_get(e, "waiting"), j, wt)
			if (i < s->ncpus && j < s->cpus[i].nwaiting)
				json_object_set_new(wt, "counted_ms", json_integer(s->cpus[i].waiting[j].counted_ms));
}
