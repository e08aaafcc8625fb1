/*
 * The run cut at its scenario's steps: per step what the host saw of the
 * runqueues (from the sample records) and how fast the workers went (from the
 * worker records), and which changes from one step to the next went past the
 * timeline_* thresholds.
 */
#ifndef KTSTR_EVAL_TIMELINE_H
#define KTSTR_EVAL_TIMELINE_H

#include <jansson.h>

struct timeline;

struct timeline *timeline_new(void);
void timeline_free(struct timeline *tl);
/* One sample record of the job: only those of the scenario phase count. */
void timeline_note_sample(struct timeline *tl, json_t *sample);
/*
 * The verdict's "timeline" array (share/ktstr/schema/timeline.json), or NULL
 * when the scenario reported no steps. th: the merged thresholds.
 */
json_t *timeline_build(struct timeline *tl, json_t *steps, json_t *workers,
		       json_t *scenario_end, json_t *th);

#endif
