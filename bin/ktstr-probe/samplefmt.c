/* A sample record's JSON text (see samplefmt.h). */
#include "samplefmt.h"

/* ,"key":v for the keys that may be missing (key: a literal) */
#define opt_int(b, has, bit, key, v) opt_int_((b), (has) & (bit), ",\"" key "\":", \
					      sizeof(",\"" key "\":") - 1, (v))

static inline void opt_int_(struct jsonbuf *b, unsigned set, const char *key, size_t keylen, long long v)
{
	if (!set)
		return;
	jsonbuf_raw(b, key, keylen);
	jsonbuf_int(b, v);
}

static void counters(struct jsonbuf *b, const struct counterset *cs)
{
	jsonbuf_lit(b, "{");
	for (size_t i = 0; i < cs->n; i++) {
		if (i)
			jsonbuf_lit(b, ",");
		jsonbuf_str(b, counter_name(cs, &cs->c[i]));
		jsonbuf_lit(b, ":");
		jsonbuf_int(b, cs->c[i].v[0]);
	}
	jsonbuf_lit(b, "}");
}

static void progs(struct jsonbuf *b, const struct counterset *cs)
{
	static const char *const key[COUNTER_VALUES] = {
		[PROG_CNT] = "cnt", [PROG_NSECS] = "nsecs",
		[PROG_VERIFIED_INSNS] = "verified_insns", [PROG_JITED_BYTES] = "jited_bytes",
	};

	jsonbuf_lit(b, "{");
	for (size_t i = 0; i < cs->n; i++) {
		const struct counter *c = &cs->c[i];
		int first = 1;

		if (i)
			jsonbuf_lit(b, ",");
		jsonbuf_str(b, counter_name(cs, c));
		jsonbuf_lit(b, ":{");
		for (unsigned k = 0; k < COUNTER_VALUES; k++) {
			if (!(c->has & 1u << k))
				continue;
			if (!first)
				jsonbuf_lit(b, ",");
			first = 0;
			jsonbuf_str(b, key[k]);
			jsonbuf_lit(b, ":");
			jsonbuf_int(b, c->v[k]);
		}
		jsonbuf_lit(b, "}");
	}
	jsonbuf_lit(b, "}");
}

static void waiter(struct jsonbuf *b, const struct sample *s, const struct sample_waiter *w)
{
	jsonbuf_lit(b, "{\"pid\":");
	jsonbuf_int(b, w->pid);
	jsonbuf_lit(b, ",\"comm\":");
	jsonbuf_str(b, w->comm);
	opt_int(b, w->has, SW_TGID, "tgid", w->tgid);
	if (w->has & SW_KTHREAD) {
		jsonbuf_lit(b, ",\"kthread\":");
		jsonbuf_bool(b, w->kthread);
	}
	opt_int(b, w->has, SW_WEIGHT, "weight", w->weight);
	if (w->allowed != SAMPLE_NO_TEXT) {
		jsonbuf_lit(b, ",\"allowed\":");
		jsonbuf_str(b, sample_text(s, w->allowed));
	}
	jsonbuf_lit(b, ",\"runnable_at\":");
	jsonbuf_int(b, w->runnable_at);
	jsonbuf_lit(b, ",\"wait_ms\":");
	jsonbuf_int(b, w->wait_ms);
	opt_int(b, w->has, SW_COUNTED, "counted_ms", w->counted_ms);
	jsonbuf_lit(b, "}");
}

static void cpu(struct jsonbuf *b, const struct sample *s, const struct sample_cpu *c)
{
	jsonbuf_lit(b, "{\"cpu\":");
	jsonbuf_int(b, c->cpu);
	jsonbuf_lit(b, ",\"nr_running\":");
	jsonbuf_int(b, c->nr_running);
	jsonbuf_lit(b, ",\"rq_clock\":");
	jsonbuf_int(b, c->rq_clock);
	opt_int(b, c->has, SC_SCX_NR_RUNNING, "scx_nr_running", c->scx_nr_running);
	opt_int(b, c->has, SC_LOCAL_DSQ_DEPTH, "local_dsq_depth", c->local_dsq_depth);
	opt_int(b, c->has, SC_RUN_DELAY, "run_delay_ns", c->run_delay_ns);
	opt_int(b, c->has, SC_PCOUNT, "pcount", c->pcount);
	opt_int(b, c->has, SC_CURR_PID, "curr_pid", c->curr_pid);
	opt_int(b, c->has, SC_RUNNABLE, "runnable", c->runnable);
	if (c->has & SC_WAITING) {
		jsonbuf_lit(b, ",\"waiting\":[");
		for (size_t i = 0; i < c->nwaiting; i++) {
			if (i)
				jsonbuf_lit(b, ",");
			waiter(b, s, &c->waiting[i]);
		}
		jsonbuf_lit(b, "]");
	}
	if (c->has & SC_SCHEDSTAT) {
		jsonbuf_lit(b, ",\"schedstat\":");
		counters(b, &c->schedstat);
	}
	opt_int(b, c->has, SC_VCPU_NS, "vcpu_ns", c->vcpu_ns);
	opt_int(b, c->has, SC_VCPU_WAIT_NS, "vcpu_wait_ns", c->vcpu_wait_ns);
	jsonbuf_lit(b, "}");
}

void sample_format(const struct sample *s, const char *job, struct jsonbuf *b)
{
	jsonbuf_lit(b, "{\"type\":\"sample\",\"job\":");
	jsonbuf_str(b, job);
	jsonbuf_lit(b, ",\"t_ms\":");
	jsonbuf_int(b, s->t_ms);
	jsonbuf_lit(b, ",\"phase\":");
	jsonbuf_str(b, s->phase);
	if (s->step >= 0) {
		jsonbuf_lit(b, ",\"step\":");
		jsonbuf_int(b, s->step);
	}
	opt_int(b, s->has, S_JIFFIES, "jiffies", s->jiffies);
	if (s->scheduler != SAMPLE_NO_TEXT) {
		jsonbuf_lit(b, ",\"scheduler\":");
		jsonbuf_str(b, sample_text(s, s->scheduler));
	}
	opt_int(b, s->has, S_WATCHDOG_MS, "watchdog_ms", s->watchdog_ms);
	if (s->has & S_PROGS) {
		jsonbuf_lit(b, ",\"progs\":");
		progs(b, &s->progs);
	}
	if (s->has & S_EVENTS) {
		jsonbuf_lit(b, ",\"events\":");
		counters(b, &s->events);
	}
	jsonbuf_lit(b, ",\"cpus\":[");
	for (size_t i = 0; i < s->ncpus; i++) {
		if (i)
			jsonbuf_lit(b, ",");
		cpu(b, s, &s->cpus[i]);
	}
	jsonbuf_lit(b, "]");
	if (s->domains) {
		jsonbuf_lit(b, ",\"sched_domains\":");
		jsonbuf_json(b, s->domains);
	}
	jsonbuf_lit(b, "}");
}
