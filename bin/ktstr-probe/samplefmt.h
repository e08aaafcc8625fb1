/*
 * A sample as its `sample` record, written by hand: the keys in the order
 * the record has always had them, the same text jansson would dump.
 */
#ifndef KTSTR_PROBE_SAMPLEFMT_H
#define KTSTR_PROBE_SAMPLEFMT_H

#include "jsonbuf.h"
#include "samplerec.h"

/* The record of s for job (valid UTF-8), one line without its newline, appended to out. */
void sample_format(const struct sample *s, const char *job, struct jsonbuf *out);

#endif
