/* Walking a runqueue's sched_ext runnable list in guest memory (see runnable.h). */
#include <string.h>

#include "cpulist.h"
#include "cpulistfmt.h"
#include "jsonbuf.h"
#include "runnable.h"

#define PF_KTHREAD 0x00200000u	/* task_struct.flags of a kernel thread */
#define MAX_WALKED 4096		/* list nodes followed per rq: a list torn mid-read ends here */

struct waiter {
	uint64_t task, runnable_at, wait;
};

/* Insert w into the longest-first list top (n of them, at most max). */
static void keep_longest(struct waiter *top, unsigned *n, unsigned max, struct waiter w)
{
	unsigned i = *n < max ? (*n)++ : max;

	if (i == max && (max == 0 || w.wait <= top[max - 1].wait))
		return;
	if (i == max)
		i = max - 1;
	while (i > 0 && top[i - 1].wait < w.wait) {
		top[i] = top[i - 1];
		i--;
	}
	top[i] = w;
}

/* The CPUs task may run on, in list form ("" when unreadable). */
static void task_allowed(struct sampler *s, uint64_t task, char *buf, size_t len)
{
	const struct kernel_info *ki = &s->ki;
	struct cpuset set;
	uint64_t mask;
	int ok = 1;

	buf[0] = '\0';
	if (ki->task_cpus_ptr == OFF_NONE)
		return;
	mask = guestmem_u64(&s->gm, task + ki->task_cpus_ptr, &ok);
	if (!ok || sampler_read_cpumask(s, mask, &set))
		return;
	cpulist_format_words(&set, buf, len);
}

/* The waiter w into c's list; left out when its task does not read back. */
static void add_waiter(struct sampler *s, const struct waiter *w, struct sample *out,
		       struct sample_cpu *c)
{
	const struct kernel_info *ki = &s->ki;
	char allowed[256];
	size_t len = ki->comm_len && ki->comm_len < 64 ? ki->comm_len : 63;
	int ok = 1;
	int32_t pid = (int32_t)guestmem_u32(&s->gm, w->task + ki->task_pid, &ok);
	struct sample_waiter *o;

	if (!ok || pid <= 0 || ki->task_comm == OFF_NONE)
		return;
	o = sample_add_waiter(c);
	if (guestmem_read(&s->gm, w->task + ki->task_comm, o->comm, len))
		goto drop;
	o->comm[len] = '\0';
	if (!jsonbuf_utf8_ok(o->comm))
		goto drop;	/* (no JSON string) */
	o->pid = pid;
	if (ki->task_tgid != OFF_NONE) {
		o->tgid = (int32_t)guestmem_u32(&s->gm, w->task + ki->task_tgid, &ok);
		o->has |= SW_TGID;
	}
	if (ki->task_flags != OFF_NONE) {
		o->kthread = guestmem_u32(&s->gm, w->task + ki->task_flags, &ok) & PF_KTHREAD;
		o->has |= SW_KTHREAD;
	}
	if (ki->task_scx_weight != OFF_NONE) {
		o->weight = guestmem_u32(&s->gm, w->task + ki->task_scx_weight, &ok);
		o->has |= SW_WEIGHT;
	}
	task_allowed(s, w->task, allowed, sizeof(allowed));
	if (allowed[0])
		o->allowed = sample_add_text(out, allowed);
	o->runnable_at = (long long)w->runnable_at;
	o->wait_ms = (long long)(w->wait * 1000 / ki->hz);
	if (ok)
		return;
drop:
	c->nwaiting--;
}

void runnable_read(struct sampler *s, uint64_t rq, uint64_t jiffies, struct sample *out,
		   struct sample_cpu *c)
{
	const struct kernel_info *ki = &s->ki;
	struct waiter top[RUNNABLE_MAX_REPORTED];
	uint64_t head, node;
	unsigned n = 0, walked = 0;
	int ok = 1;

	if (ki->rq_scx_runnable_list == OFF_NONE || ki->task_scx_runnable_node == OFF_NONE ||
	    ki->task_scx_runnable_at == OFF_NONE || !jiffies)
		return;
	head = rq + ki->rq_scx_runnable_list;
	for (node = guestmem_u64(&s->gm, head, &ok); ok && node && node != head && walked < MAX_WALKED;
	     node = guestmem_u64(&s->gm, node, &ok), walked++) {
		uint64_t task = node - ki->task_scx_runnable_node;
		uint64_t at = guestmem_u64(&s->gm, task + ki->task_scx_runnable_at, &ok);

		/* (a stamp from the future is a task mid-update: no wait yet) */
		if (ok && (int64_t)(jiffies - at) >= RUNNABLE_MIN_WAIT_TICKS)
			keep_longest(top, &n, RUNNABLE_MAX_REPORTED,
				     (struct waiter){ task, at, jiffies - at });
	}
	c->runnable = walked;
	c->has |= SC_RUNNABLE | SC_WAITING;
	for (unsigned i = 0; i < n; i++)
		add_waiter(s, &top[i], out, c);
}
