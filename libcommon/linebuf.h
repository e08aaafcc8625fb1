/* Line splitter for a byte stream that arrives in pieces (a pipe, a socket). */
#ifndef KTSTR_LINEBUF_H
#define KTSTR_LINEBUF_H

#include <stddef.h>

struct linebuf {
	char *buf;
	size_t len, cap;
	size_t max;	/* a longer line is handed out in pieces; 0: 1 MiB */
	void (*too_long)(void *ctx);	/* if set, called (and must not return) instead */
};

/* Append bytes; calls fn for each complete line (without '\n', NUL-terminated, writable). */
void linebuf_feed(struct linebuf *lb, const char *data, size_t n,
		  void (*fn)(void *ctx, char *line, size_t len), void *ctx);
/* Hand out what is left (a last line without '\n'). */
void linebuf_flush(struct linebuf *lb, void (*fn)(void *ctx, char *line, size_t len),
		   void *ctx);
void linebuf_free(struct linebuf *lb);

#endif
