/* Job and run ids: one rule for every tool, since both name files and folders. */
#ifndef KTSTR_IDS_H
#define KTSTR_IDS_H

#include <stddef.h>

#define JOB_ID_MAX 128	/* <run-dir>/<job id>.console.log, <job id>.json */
#define RUN_ID_MAX 63	/* the run's folder */

/* NULL when s is 1..max of [A-Za-z0-9._+-] not starting with '.' or '-', else why not
 * (a static string that completes "id 'X' ..."). */
const char *id_problem(const char *s, size_t max);

#endif
