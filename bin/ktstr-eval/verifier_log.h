/*
 * A BPF verifier log with the iterations of the loops it walked collapsed:
 * the verifier follows a bounded loop once per iteration, so a rejected
 * scheduler's log is mostly the same block of instructions over and over,
 * differing only in the register states it prints.
 */
#ifndef KTSTR_EVAL_VERIFIER_LOG_H
#define KTSTR_EVAL_VERIFIER_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Lines of a block shorter than this, or repeated fewer times, are left as they are. */
#define VERIFIER_MIN_PERIOD 5
#define VERIFIER_MIN_REPEATS 3
/* Passes over the log: each can collapse a loop whose iterations held collapsed inner loops. */
#define VERIFIER_MAX_PASSES 5

/* lines (a JSON array of strings) hold an instruction of a verifier log ("12: (bf) r1 = r6"). */
bool verifier_log_present(json_t *lines);

/*
 * What the verifier said when it refused a program, from lines that end its
 * log ("processed N insns (limit ...)"): "the verifier rejected NAME: REASON"
 * (NAME from libbpf's "prog 'NAME'" lines, if any) into buf; false without one.
 */
bool verifier_log_rejection(json_t *lines, char *buf, size_t len);

/*
 * A new array of lines with every run of at least VERIFIER_MIN_REPEATS
 * identical iterations (compared without register states) replaced by the
 * first iteration, "--- N identical iterations omitted ---" and the last
 * one. *omitted: how many lines went.
 */
json_t *verifier_log_collapse(json_t *lines, size_t *omitted);

#endif
