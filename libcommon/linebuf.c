/* Line splitter (see linebuf.h). */
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "linebuf.h"

/* A stream that never ends a line does not get to eat all memory. */
#define LINE_MAX_BYTES (1 << 20)	/* the default max */

void linebuf_feed(struct linebuf *lb, const char *data, size_t n,
		  void (*fn)(void *ctx, char *line, size_t len), void *ctx)
{
	size_t start = 0;

	if (lb->len + n + 1 > lb->cap) {
		lb->cap = (lb->len + n + 1) * 2;
		lb->buf = xrealloc(lb->buf, lb->cap);
	}
	memcpy(lb->buf + lb->len, data, n);
	lb->len += n;
	for (size_t i = lb->len - n; i < lb->len; i++) {
		if (lb->buf[i] != '\n')
			continue;
		lb->buf[i] = '\0';
		if (lb->too_long && i - start > (lb->max ? lb->max : LINE_MAX_BYTES))
			lb->too_long(ctx);
		fn(ctx, lb->buf + start, i - start);
		start = i + 1;
	}
	memmove(lb->buf, lb->buf + start, lb->len - start);
	lb->len -= start;
	if (lb->len >= (lb->max ? lb->max : LINE_MAX_BYTES)) {
		if (lb->too_long)
			lb->too_long(ctx);
		linebuf_flush(lb, fn, ctx);
	}
}

void linebuf_flush(struct linebuf *lb, void (*fn)(void *ctx, char *line, size_t len),
		   void *ctx)
{
	if (!lb->len)
		return;
	lb->buf[lb->len] = '\0';	/* cap always exceeds len */
	fn(ctx, lb->buf, lb->len);
	lb->len = 0;
}

void linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof(*lb));
}
