/* die()/warnmsg(): one-line diagnostics prefixed with the tool's name. */
#ifndef KTSTR_DIE_H
#define KTSTR_DIE_H

#include <stddef.h>
#include <stdio.h>
#include <stdnoreturn.h>

/* Exit codes shared by every tool. */
enum {
	EXIT_PASS = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_INCONCLUSIVE = 3,
	EXIT_SKIP = 77,
};

void die_setprog(const char *argv0);
/* Run by the front end (KTSTR_PROG set, e.g. "ktstr runs"): messages name the command typed. */
void die_setprog_front(void);
/*
 * Called by die() in place of exit() when set: a fuzz target, which runs a tool's code
 * many times in one process, jumps back to its loop from there. fn must not return.
 */
void die_set_exit(void (*fn)(int status));
const char *die_prog(void);
/* fputs for a usage text: the tool's own name in it becomes the command typed (die_prog()). */
int help_put(const char *text, FILE *f);
noreturn void die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* snprintf for messages and JSON paths, where truncation is acceptable. */
void strfmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
