/*
 * A CPU set in its list form ("0-3,8"), the same text as libcommon's
 * cpulist_format, found a 64-bit word at a time instead of a bit at a time:
 * a sample formats a set per waiting task, and a set has 4096 bits.
 */
#ifndef KTSTR_PROBE_CPULISTFMT_H
#define KTSTR_PROBE_CPULISTFMT_H

#include <stddef.h>

#include "cpulist.h"

/* As cpulist_format: into buf (whole pieces only), the length it needed. */
size_t cpulist_format_words(const struct cpuset *s, char *buf, size_t len);

#endif
