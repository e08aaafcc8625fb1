/*
 * Statistics of compare: medians, interquartile ranges, and a percentile
 * bootstrap interval for the change of the median. The generator's seed is
 * fixed, so the same pools always give the same interval.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "stats.h"

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Quantile q of sorted v by linear interpolation between order statistics. */
static double quantile_sorted(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)floor(pos);

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

void stats_summary(const double *v, size_t n, struct stats_summary *out)
{
	double *s = xcalloc(n + 1, sizeof(*s));

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), dbl_cmp);
	out->n = n;
	out->median = n ? quantile_sorted(s, n, 0.5) : 0;
	out->iqr = n ? quantile_sorted(s, n, 0.75) - quantile_sorted(s, n, 0.25) : 0;
	free(s);
}

static uint64_t next_u64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static double resample_median(const double *v, size_t n, double *scratch, uint64_t *rng)
{
	for (size_t i = 0; i < n; i++)
		scratch[i] = v[next_u64(rng) % n];
	qsort(scratch, n, sizeof(*scratch), dbl_cmp);
	return quantile_sorted(scratch, n, 0.5);
}

void stats_bootstrap(const double *a, size_t na, const double *b, size_t nb, double *lo, double *hi)
{
	double *diff = xcalloc(STATS_RESAMPLES, sizeof(*diff));
	double *scratch = xcalloc(na + nb + 1, sizeof(*scratch));
	uint64_t rng = STATS_SEED;

	for (size_t r = 0; r < STATS_RESAMPLES; r++) {
		double ma = resample_median(a, na, scratch, &rng);

		diff[r] = resample_median(b, nb, scratch, &rng) - ma;
	}
	qsort(diff, STATS_RESAMPLES, sizeof(*diff), dbl_cmp);
	*lo = quantile_sorted(diff, STATS_RESAMPLES, (1 - STATS_LEVEL) / 2);
	*hi = quantile_sorted(diff, STATS_RESAMPLES, 1 - (1 - STATS_LEVEL) / 2);
	free(diff);
	free(scratch);
}
