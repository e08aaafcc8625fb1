/* Work types that wait on each other: CachePipe, FutexFanOut, FanOutCompute, MutexContention. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

/* A blocked worker wakes this often to see whether it was told to stop. */
#define WAIT_SLICE_NS 100000000ull

void loop_cache_pipe(struct work_ctx *c)
{
	size_t size = (size_t)c->w->param[0] * 1024, pos = 0;
	unsigned burst = c->w->param[1];
	volatile unsigned char *buf = calloc(1, size);

	if (!buf || (c->p->first && !pipe_send(c))) {
		free((void *)buf);
		return;
	}
	while (pipe_recv(c)) {
		for (unsigned i = 0; i < burst; i++) {	/* a cache line each */
			buf[pos]++;
			pos = (pos + 64) % size;
		}
		c->t->units += burst;
		telem_tick(c->t);
		if (!pipe_send(c))
			break;
	}
	free((void *)buf);
}

/* The page a fan-out group shares. */
struct fan_page {
	uint32_t gen;		/* the round: receivers wait for it to move */
	uint32_t acks;		/* receivers ready for the next round */
	uint64_t stamp;		/* CLOCK_MONOTONIC when the messenger woke the round */
};

/* Each round waits for every receiver, so each wake finds them blocked (or late). */
static bool wait_acks(struct work_ctx *c, volatile struct fan_page *fp, uint32_t n)
{
	uint32_t a;

	while ((a = __atomic_load_n(&fp->acks, __ATOMIC_ACQUIRE)) < n) {
		if (*c->stop)
			return false;
		futex_wait(&fp->acks, a, WAIT_SLICE_NS);
	}
	return true;
}

static void messenger(struct work_ctx *c, volatile struct fan_page *fp)
{
	bool compute = c->w->kind == WORK_FAN_OUT_COMPUTE;
	uint64_t rounds = 0;

	while (!*c->stop) {
		if (!compute)
			spin(c->w->param[1]);
		c->t->units += compute ? 256 : c->w->param[1];	/* compute: a checkpoint every 4 rounds */
		if (!wait_acks(c, fp, c->p->size - 1))
			break;
		__atomic_store_n(&fp->acks, 0, __ATOMIC_RELAXED);
		fp->stamp = mono_ns();
		__atomic_add_fetch(&fp->gen, 1, __ATOMIC_RELEASE);
		futex_wake(&fp->gen, INT_MAX);
		rounds++;
		telem_tick(c->t);
	}
	json_object_set_new(c->extra, "fan_out_rounds", json_integer((json_int_t)rounds));
}

/* FanOutCompute's think time: naive multiplies of n x n u64 matrices. */
struct matmul {
	size_t n;
	uint64_t *a, *b, *c;
	volatile uint64_t sink;
};

static bool matmul_init(struct matmul *m, unsigned footprint_kb)
{
	size_t n = (size_t)sqrt((double)footprint_kb * 1024 / (3 * sizeof(uint64_t)));

	m->n = n < 2 ? 2 : n;
	m->a = calloc(m->n * m->n, sizeof(uint64_t));
	m->b = calloc(m->n * m->n, sizeof(uint64_t));
	m->c = calloc(m->n * m->n, sizeof(uint64_t));
	for (size_t i = 0; m->a && m->b && i < m->n * m->n; i++) {
		m->a[i] = i * 2654435761u;
		m->b[i] = i ^ 0x5bd1e995u;
	}
	return m->a && m->b && m->c;
}

static void matmul_run(struct matmul *m)
{
	size_t n = m->n;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			uint64_t s = 0;

			for (size_t k = 0; k < n; k++)
				s += m->a[i * n + k] * m->b[k * n + j];
			m->c[i * n + j] = s;
		}
	m->sink += m->c[(size_t)m->sink % (n * n)];	/* the result is used */
}

static void matmul_free(struct matmul *m)
{
	free(m->a);
	free(m->b);
	free(m->c);
}

/* A receiver's work for one round, counted in units. */
static void receiver_work(struct work_ctx *c, struct matmul *m)
{
	if (c->w->kind == WORK_FUTEX_FAN_OUT) {
		spin(c->w->param[1]);
		c->t->units += c->w->param[1];
		return;
	}
	sleep_ns((uint64_t)c->w->param[3] * 1000);
	for (unsigned i = 0; i < c->w->param[2] && !*c->stop; i++) {
		matmul_run(m);
		c->t->units += m->n * m->n;	/* one per element computed */
	}
}

static void ack(volatile struct fan_page *fp, uint32_t n)
{
	if (__atomic_add_fetch(&fp->acks, 1, __ATOMIC_RELEASE) == n)
		futex_wake(&fp->acks, 1);
}

/* Wake latency: from the messenger's stamp to this receiver running. */
static void receiver(struct work_ctx *c, volatile struct fan_page *fp)
{
	struct matmul m = { 0 };
	uint32_t seen = 0, n = c->p->size - 1;
	uint64_t rounds = 0;

	if (c->w->kind == WORK_FAN_OUT_COMPUTE && !matmul_init(&m, c->w->param[1])) {
		matmul_free(&m);
		return;
	}
	ack(fp, n);	/* ready for round 1 */
	while (!*c->stop) {
		uint32_t g = __atomic_load_n(&fp->gen, __ATOMIC_ACQUIRE);

		if (g == seen) {
			futex_wait(&fp->gen, g, WAIT_SLICE_NS);
			continue;
		}
		telem_wake(c->t, mono_ns() - fp->stamp);
		seen = g;
		rounds++;
		receiver_work(c, &m);
		ack(fp, n);
		telem_tick(c->t);
	}
	matmul_free(&m);
	json_object_set_new(c->extra, "fan_out_rounds", json_integer((json_int_t)rounds));
}

void loop_fan_out(struct work_ctx *c)
{
	volatile struct fan_page *fp = (volatile struct fan_page *)c->p->futex;

	json_object_set_new(c->extra, "is_messenger", json_boolean(c->p->first));
	if (c->p->first)
		messenger(c, fp);
	else
		receiver(c, fp);
}

/* Take the group's lock word (0 free, 1 held); false when told to stop first. */
static bool mutex_lock(struct work_ctx *c, volatile uint32_t *lock, uint64_t *contended, uint64_t *wait_ns)
{
	uint32_t expect = 0;
	uint64_t t0, el;

	if (__atomic_compare_exchange_n(lock, &expect, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return true;
	t0 = mono_ns();
	do {
		if (*c->stop)
			return false;
		futex_wait(lock, 1, WAIT_SLICE_NS);
		expect = 0;
	} while (!__atomic_compare_exchange_n(lock, &expect, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	el = mono_ns() - t0;
	(*contended)++;
	*wait_ns += el;
	telem_wake(c->t, el);
	return true;
}

void loop_mutex(struct work_ctx *c)
{
	volatile uint32_t *lock = c->p->futex;
	unsigned hold = c->w->param[1], work = c->w->param[2];
	uint64_t acquired = 0, contended = 0, wait_ns = 0;

	while (!*c->stop) {
		spin(work);
		c->t->units += work;
		if (!mutex_lock(c, lock, &contended, &wait_ns))
			break;
		acquired++;
		spin(hold);
		c->t->units += hold;
		__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
		futex_wake(lock, 1);
		telem_tick(c->t);
	}
	json_object_set_new(c->extra, "mutex", json_pack("{s:I, s:I, s:I}",
		"acquisitions", (json_int_t)acquired, "contended", (json_int_t)contended,
		"wait_ns", (json_int_t)wait_ns));
}
