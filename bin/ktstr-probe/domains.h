/* Each CPU's scheduling domains as the guest kernel built them, read from its memory. */
#ifndef KTSTR_PROBE_DOMAINS_H
#define KTSTR_PROBE_DOMAINS_H

#include <jansson.h>

#include "sample.h"

/*
 * [{cpu, domains: [{level, name, span, flags}]}] from rq->sd up its parents
 * (span in list form), or NULL when this kernel's BTF lacks them or none is
 * built yet.
 */
json_t *domains_read(struct sampler *s);

#endif
