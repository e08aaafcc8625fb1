/* getopt_long's complaints as one line each, with a suggestion for a mistyped option. */
#ifndef KTSTR_OPTERR_H
#define KTSTR_OPTERR_H

#include <getopt.h>
#include <stdnoreturn.h>

/*
 * For getopt_long's '?' or ':' (c): exit 2 with "[CMD: ]unknown option '--x': did you mean
 * '--y'? (try --help)", "option '--x' needs a value", "option '--x' takes no value" or
 * "option '--x' is ambiguous". The caller sets opterr = 0 and starts its optstring with ':'
 * (so a missing value is ':'); cmd is NULL or the subcommand being parsed.
 */
noreturn void die_option(int c, char **argv, const struct option *lo, const char *cmd);

#endif
