#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "nearest.h"

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *row = xcalloc(lb + 1, sizeof(*row)), d;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *nearest_word(const char *word, const char *const *words, size_t n)
{
	size_t limit = strlen(word) / 3 > 2 ? strlen(word) / 3 : 2, best = SIZE_MAX;
	const char *near = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, words[i]);

		if (d <= limit && d < best) {
			best = d;
			near = words[i];
		}
	}
	return near;
}
