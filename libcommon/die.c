#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

static const char *prog = "ktstr";
static const char *self = "ktstr";	/* the tool's own name, whatever prog becomes */
static void (*exit_fn)(int status);

void die_setprog(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	prog = self = slash ? slash + 1 : argv0;
}

void die_setprog_front(void)
{
	const char *front = getenv("KTSTR_PROG");

	if (front && *front)
		prog = front;
}

void die_set_exit(void (*fn)(int status))
{
	exit_fn = fn;
}

const char *die_prog(void)
{
	return prog;
}

int help_put(const char *text, FILE *f)
{
	size_t n = strlen(self);
	const char *at;

	if (!n || !strcmp(self, prog))
		return fputs(text, f);
	while ((at = strstr(text, self))) {
		if (fwrite(text, 1, (size_t)(at - text), f) != (size_t)(at - text) || fputs(prog, f) == EOF)
			return EOF;
		text = at + n;
	}
	return fputs(text, f);
}

static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (exit_fn)
		exit_fn(status);
	exit(status);
}

void warnmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die(EXIT_INCONCLUSIVE, "out of memory");
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die(EXIT_INCONCLUSIVE, "out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die(EXIT_INCONCLUSIVE, "out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die(EXIT_INCONCLUSIVE, "out of memory");
	return d;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		die(EXIT_INCONCLUSIVE, "out of memory");
	return d;
}

void strfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
