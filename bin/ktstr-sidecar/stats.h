/* compare's statistics: median, spread, and a bootstrap interval of the change. */
#ifndef KTSTR_SIDECAR_STATS_H
#define KTSTR_SIDECAR_STATS_H

#include <stddef.h>

#define STATS_MIN_SAMPLES 3		/* per side, for an interval */
#define STATS_RESAMPLES 2000
#define STATS_LEVEL 0.95
#define STATS_SEED 0x6b7473747231ULL	/* fixed: the same pools give the same interval */

struct stats_summary {
	size_t n;
	double median;
	double iqr;		/* the spread: 3rd quartile - 1st (linear interpolation) */
};

void stats_summary(const double *v, size_t n, struct stats_summary *out);
/*
 * The STATS_LEVEL percentile bootstrap interval of median(b) - median(a):
 * both sides resampled with replacement STATS_RESAMPLES times.
 */
void stats_bootstrap(const double *a, size_t na, const double *b, size_t nb, double *lo, double *hi);

#endif
