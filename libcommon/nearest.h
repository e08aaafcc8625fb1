/* The known word nearest a mistyped one, for "did you mean" suggestions. */
#ifndef KTSTR_NEAREST_H
#define KTSTR_NEAREST_H

#include <stddef.h>

/* Levenshtein distance. */
size_t edit_distance(const char *a, const char *b);

/*
 * Within a distance of 2 (a third of word's length for long words), the nearest of the n
 * words (the first of equals), else NULL.
 */
const char *nearest_word(const char *word, const char *const *words, size_t n);

#endif
