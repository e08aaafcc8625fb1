/*
 * lpj= for TCG guests. A secondary vCPU without a known TSC frequency calibrates its delay
 * loop by watching jiffies tick (about 0.13 s each, one CPU after another); a preset lpj
 * skips that. Under TCG the guest's TSC is the host's, and the kernel's own value for its
 * boot CPU is tsc_khz * 1000 / HZ, so the host's TSC rate and the kernel's HZ give the
 * same number.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "lpj.h"

#define LPJ_WINDOW_NS 10000000LL	/* 10 ms of TSC against CLOCK_MONOTONIC_RAW */
#define LPJ_READ_MAX_NS 20000LL		/* a pair read further apart was preempted */

#if defined(__x86_64__)
static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A TSC reading with the clock's time at that moment; false if preempted meanwhile. */
static bool tsc_at(unsigned long long *tsc, long long *ns)
{
	for (int i = 0; i < 100; i++) {
		long long a = mono_ns();
		unsigned long long t = __rdtsc();
		long long b = mono_ns();

		if (b - a < LPJ_READ_MAX_NS) {
			*tsc = t;
			*ns = a + (b - a) / 2;
			return true;
		}
	}
	return false;
}

static unsigned long long measure_tsc_khz(void)
{
	unsigned long long t0, t1;
	long long n0, n1;

	if (!tsc_at(&t0, &n0))
		return 0;
	while (mono_ns() - n0 < LPJ_WINDOW_NS)
		;
	if (!tsc_at(&t1, &n1) || n1 <= n0 || t1 <= t0)
		return 0;
	return (unsigned long long)((double)(t1 - t0) * 1e6 / (double)(n1 - n0));
}
#else
static unsigned long long measure_tsc_khz(void)
{
	return 0;	/* TCG's guest TSC follows some other host counter: let it calibrate */
}
#endif

/* CONFIG_HZ from the kernel's config file; 0 if not there. */
static unsigned config_hz(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[256];
	unsigned hz = 0;

	if (!f)
		return 0;
	while (!hz && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CONFIG_HZ=", 10))
			hz = (unsigned)strtoul(line + 10, NULL, 10);
	fclose(f);
	return hz;
}

unsigned long long lpj_for_tcg(const char *kernel_config)
{
	static unsigned long long khz;
	static bool measured;
	unsigned hz;

	if (!kernel_config)
		return 0;
	hz = config_hz(kernel_config);
	if (hz < 24 || hz > 10000)
		return 0;
	if (!measured) {
		khz = measure_tsc_khz();
		measured = true;
	}
	return khz * 1000 / hz;
}
