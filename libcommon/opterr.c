#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "nearest.h"
#include "opterr.h"

/* The long option name typed (no dashes, no "=value"), in buf. */
static const char *typed_name(const char *word, char *buf, size_t len)
{
	size_t n = strcspn(word + 2, "=");

	snprintf(buf, len, "%.*s", (int)n, word + 2);
	return buf;
}

/* The option name is exactly, or the unique prefix of, one of lo's: that one, else NULL. */
static const struct option *resolve(const char *name, const struct option *lo, int *matches)
{
	const struct option *hit = NULL;

	*matches = 0;
	for (const struct option *o = lo; o->name; o++) {
		if (!strcmp(o->name, name)) {
			*matches = 1;
			return o;
		}
		if (!strncmp(o->name, name, strlen(name))) {
			hit = o;
			(*matches)++;
		}
	}
	return *matches == 1 ? hit : NULL;
}

/* The argument word that holds the short option optopt (getopt may not have moved past it). */
static const char *short_word(char **argv)
{
	const char *w[2] = { argv[optind - 1], argv[optind] };

	for (int i = 0; i < 2; i++)
		if (w[i] && w[i][0] == '-' && w[i][1] != '-' && strchr(w[i] + 1, optopt))
			return w[i];
	return NULL;
}

void die_option(int c, char **argv, const struct option *lo, const char *cmd)
{
	const char *word = optind > 0 ? argv[optind - 1] : NULL, *near = NULL;
	const char *where = cmd ? cmd : "", *sep = cmd ? ": " : "";
	const struct option *o = NULL;
	char name[64], opt[80], in[160] = "";
	int matches = 0;

	if (word && !strncmp(word, "--", 2) && word[2]) {
		typed_name(word, name, sizeof(name));
		o = resolve(name, lo, &matches);
		/* an unknown long option leaves optopt 0; a known one's trouble sets it to its val */
		if (optopt && (!o || o->flag || o->val != optopt))
			word = NULL;
	} else {
		word = NULL;
	}
	if (word) {
		snprintf(opt, sizeof(opt), "--%s", name);
	} else {
		const char *w = short_word(argv);

		snprintf(opt, sizeof(opt), "-%c", optopt);
		if (w && strlen(w) > 2)
			snprintf(in, sizeof(in), " in '%s'", w);
	}
	if (c == ':')
		die(EXIT_USAGE, "%s%soption '%s'%s needs a value (try --help)", where, sep, opt, in);
	if (word && o && strchr(word, '='))
		die(EXIT_USAGE, "%s%soption '%s' takes no value (try --help)", where, sep, opt);
	if (word && matches > 1)
		die(EXIT_USAGE, "%s%soption '%s' is ambiguous (try --help)", where, sep, opt);
	if (word) {
		size_t n = 0;
		const char **names;

		while (lo[n].name)
			n++;
		names = xcalloc(n, sizeof(*names));
		for (size_t i = 0; i < n; i++)
			names[i] = lo[i].name;
		near = nearest_word(name, names, n);
		free(names);
		if (near)
			die(EXIT_USAGE, "%s%sunknown option '%s': did you mean '--%s'? (try --help)",
			    where, sep, opt, near);
	}
	die(EXIT_USAGE, "%s%sunknown option '%s'%s (try --help)", where, sep, opt, in);
}
