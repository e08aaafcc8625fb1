/*
 * Ordered parallel parsing. The main thread reads stdin into a buffer and cuts
 * it, at the last newline, into batches of whole lines; parser threads take
 * batches in order and parse every line; the main thread hands the lines out
 * batch after batch, in input order. Checking lines is most of ktstr-eval's
 * work, so this puts the other cores on it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "ndjson.h"
#include "readahead.h"

#define SLOTS 8			/* batches in flight */
#define READ_SIZE (256 << 10)	/* bytes per read, so about a batch */

struct batch {
	char *buf;		/* whole lines, each NUL-terminated in place */
	size_t cap;
	struct input_line *lines;
	size_t nlines, lines_cap;
	size_t first_lineno;	/* line number before its first line */
	size_t bad;		/* index of the first bad line, or nlines */
	char err[JSON_ERROR_TEXT_LENGTH + 64];
	int parsed;
};

struct readahead {
	int fd, eof;
	int (*keep)(const char *type);
	char *acc;		/* input not yet in a batch */
	size_t acc_len, acc_cap, acc_nl;	/* acc_nl: bytes up to its last newline */
	size_t lineno;		/* lines put in batches */
	struct batch slot[SLOTS];
	size_t head, next_parse, tail;	/* batch sequence numbers: head <= next_parse <= tail */
	size_t cur;		/* next line of the head batch */
	int stopping;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t *threads;
	unsigned nthreads;
};

/* Parse one batch: keep the records asked for, note the job of the others. */
static void parse_batch(struct batch *b, int (*keep)(const char *type))
{
	b->bad = b->nlines;
	for (size_t i = 0; i < b->nlines; i++) {
		struct input_line *l = &b->lines[i];
		struct ndjson_peek pk;
		json_t *rec;
		const char *job;

		if (l->len > NDJSON_LINE_MAX) {
			snprintf(b->err, sizeof(b->err), ": %s", NDJSON_LINE_TOO_LONG);
			b->bad = i;
			return;
		}
		/* most records are only copied through: a peek is enough for them */
		if (ndjson_peek_line(l->line, l->len, &pk) && !keep(pk.type)) {
			l->job = pk.job ? xstrndup(pk.job, pk.job_len) : NULL;
			continue;
		}
		if (ndjson_check_line(l->line, l->len, &rec, b->err, sizeof(b->err))) {
			b->bad = i;
			return;
		}
		if (!rec) {
			l->blank = 1;
			continue;
		}
		if (keep(ndjson_type(rec))) {
			l->rec = rec;
			continue;
		}
		job = json_string_value(json_object_get(rec, "job"));
		l->job = job ? xstrdup(job) : NULL;
		json_decref(rec);
	}
}

static void *parser_main(void *arg)
{
	struct readahead *ra = arg;

	pthread_mutex_lock(&ra->mu);
	for (;;) {
		struct batch *b;

		while (!ra->stopping && ra->next_parse == ra->tail)
			pthread_cond_wait(&ra->work, &ra->mu);
		if (ra->stopping)
			break;
		b = &ra->slot[ra->next_parse++ % SLOTS];
		pthread_mutex_unlock(&ra->mu);
		parse_batch(b, ra->keep);
		pthread_mutex_lock(&ra->mu);
		b->parsed = 1;
		pthread_cond_signal(&ra->done);
	}
	pthread_mutex_unlock(&ra->mu);
	return NULL;
}

struct readahead *readahead_open(int fd, int (*keep)(const char *type), unsigned threads)
{
	struct readahead *ra = xcalloc(1, sizeof(*ra));

	ra->fd = fd;
	ra->keep = keep;
	ra->nthreads = threads ? threads : 1;
	ra->threads = xcalloc(ra->nthreads, sizeof(*ra->threads));
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->work, NULL);
	pthread_cond_init(&ra->done, NULL);
	for (unsigned i = 0; i < ra->nthreads; i++) {
		int err = pthread_create(&ra->threads[i], NULL, parser_main, ra);

		if (err)
			die(EXIT_INCONCLUSIVE, "cannot start a parser thread: %s", strerror(err));
	}
	return ra;
}

/* One read into acc (blocking). */
static void read_some(struct readahead *ra)
{
	ssize_t got;
	char *nl;

	if (ra->acc_cap - ra->acc_len < READ_SIZE / 4) {
		ra->acc_cap = ra->acc_cap * 2 > READ_SIZE ? ra->acc_cap * 2 : READ_SIZE;
		ra->acc = xrealloc(ra->acc, ra->acc_cap + 1);
	}
	do	/* at most READ_SIZE: a line past NDJSON_LINE_MAX is seen before it grows far past */
		got = read(ra->fd, ra->acc + ra->acc_len,
			   ra->acc_cap - ra->acc_len < READ_SIZE ? ra->acc_cap - ra->acc_len : READ_SIZE);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		die(EXIT_USAGE, "stdin: read error: %s", strerror(errno));
	nl = memrchr(ra->acc + ra->acc_len, '\n', (size_t)got);
	ra->acc_len += (size_t)got;
	if (nl)
		ra->acc_nl = (size_t)(nl - ra->acc) + 1;
	ra->eof = got == 0;
}

/* Cut a batch of lines into the buf it owns. */
static void split_lines(struct batch *b, size_t len, size_t first_lineno)
{
	char *p = b->buf, *end = b->buf + len;

	b->nlines = 0;
	b->first_lineno = first_lineno;
	b->parsed = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			nl = end;	/* the last line had no newline: buf has room for the NUL */
		*nl = '\0';
		if (b->nlines == b->lines_cap) {
			b->lines_cap = b->lines_cap ? b->lines_cap * 2 : 1024;
			b->lines = xrealloc(b->lines, b->lines_cap * sizeof(*b->lines));
		}
		b->lines[b->nlines++] = (struct input_line){ .line = p, .len = (size_t)(nl - p) };
		p = nl + 1;
	}
}

/* Move acc's whole lines (all of it at the end of input) into batch b: 0 when none. */
static int take_batch(struct readahead *ra, struct batch *b)
{
	size_t take = ra->eof ? ra->acc_len : ra->acc_nl, rest = ra->acc_len - take;
	char *buf = b->buf;
	size_t cap = b->cap;

	if (!take)
		return 0;
	/* acc becomes the batch's buffer; the partial line after it moves to the old one */
	b->buf = ra->acc;
	b->cap = ra->acc_cap;
	if (cap < rest + READ_SIZE) {
		cap = rest + READ_SIZE;
		buf = xrealloc(buf, cap + 1);
	}
	memcpy(buf, b->buf + take, rest);
	ra->acc = buf;
	ra->acc_cap = cap;
	ra->acc_len = rest;
	ra->acc_nl = 0;
	split_lines(b, take, ra->lineno);
	ra->lineno += b->nlines;
	return 1;
}

static int input_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

/*
 * Wait for input, watching stdout as well: when the next stage is gone (a
 * killed sidecar) nothing may come in for long, and no write would tell.
 */
static void wait_input(int fd)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = STDOUT_FILENO } };

	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return;	/* the read that follows says what is wrong */
	if (p[1].revents & POLLERR)
		die(EXIT_INCONCLUSIVE, "write error: stdout's reader is gone");
}

/* Queue batches while there is room, reading only when it cannot hold up work in flight. */
static void fill(struct readahead *ra)
{
	while (ra->tail - ra->head < SLOTS) {
		struct batch *b = &ra->slot[ra->tail % SLOTS];

		if (!ra->acc_nl && !ra->eof) {
			if (ra->acc_len > NDJSON_LINE_MAX) {	/* acc is that one line */
				if (ra->tail != ra->head)
					return;	/* the lines before it go out first */
				ndjson_line_too_long("stdin", ra->lineno + 1);
			}
			if (ra->tail != ra->head && !input_ready(ra->fd))
				return;
			if (ra->tail == ra->head && fflush(stdout) == EOF)
				die(EXIT_INCONCLUSIVE, "write error: %s", strerror(errno));
			if (ra->tail == ra->head)
				wait_input(ra->fd);
			read_some(ra);
			continue;
		}
		if (!take_batch(ra, b))
			return;	/* end of input */
		pthread_mutex_lock(&ra->mu);
		ra->tail++;
		pthread_cond_signal(&ra->work);
		pthread_mutex_unlock(&ra->mu);
	}
}

/* Done with the head batch: free what was not handed out, recycle its slot. */
static void release_head(struct readahead *ra)
{
	struct batch *b = &ra->slot[ra->head % SLOTS];

	for (size_t i = 0; i < b->nlines; i++) {
		free((char *)b->lines[i].job);
		if (i >= ra->cur)
			json_decref(b->lines[i].rec);
	}
	b->nlines = 0;
	ra->cur = 0;
	ra->head++;
}

const struct input_line *readahead_next(struct readahead *ra, struct ndjson_reader *rd)
{
	for (;;) {
		struct batch *b = &ra->slot[ra->head % SLOTS];

		fill(ra);
		if (ra->head == ra->tail)
			return NULL;
		pthread_mutex_lock(&ra->mu);
		while (!b->parsed)
			pthread_cond_wait(&ra->done, &ra->mu);
		pthread_mutex_unlock(&ra->mu);
		while (ra->cur < b->nlines) {
			struct input_line *l = &b->lines[ra->cur++];

			rd->lineno = b->first_lineno + ra->cur;
			if (ra->cur - 1 == b->bad)
				die(EXIT_USAGE, "%s:%zu%s", rd->name, rd->lineno, b->err);
			if (!l->blank)
				return l;
		}
		release_head(ra);
	}
}

void readahead_close(struct readahead *ra)
{
	pthread_mutex_lock(&ra->mu);
	ra->stopping = 1;
	pthread_cond_broadcast(&ra->work);
	pthread_mutex_unlock(&ra->mu);
	for (unsigned i = 0; i < ra->nthreads; i++)
		pthread_join(ra->threads[i], NULL);
	while (ra->head != ra->tail)
		release_head(ra);
	for (size_t i = 0; i < SLOTS; i++) {
		free(ra->slot[i].buf);
		free(ra->slot[i].lines);
	}
	pthread_mutex_destroy(&ra->mu);
	pthread_cond_destroy(&ra->work);
	pthread_cond_destroy(&ra->done);
	free(ra->threads);
	free(ra->acc);
	free(ra);
}
