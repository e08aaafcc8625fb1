/*
 * Fuzz the validation of `job` records: ktstr-boot's job_parse (every field it
 * boots by) and ktstr-eval's checks of the job's threshold layers, then the
 * merge of those layers over checks.json as a verdict would do it.
 */
#include <stdlib.h>

#include "boot.h"
#include "checks.h"
#include "harness.h"

struct input {
	const uint8_t *data;
	size_t size;
};

static json_t *all_checks;

static void validate(void *ctx)
{
	struct input *in = ctx;
	char *s = fuzz_cstr(in->data, in->size), err[512];
	json_t *rec = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	struct job j;

	free(s);
	if (!json_is_object(rec)) {
		json_decref(rec);
		return;
	}
	if (job_parse(rec, 1, &j, err, sizeof(err)) == 0)
		job_free(&j);
	if (checks_validate_job(rec, err, sizeof(err)) == 0) {
		json_decref(checks_merge(all_checks, "tcg", rec, NULL));
		json_decref(checks_merge(all_checks, "kvm", rec, NULL));
	}
	json_decref(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	bool died;

	if (!all_checks) {
		fuzz_init();
		all_checks = checks_load(NULL);	/* $KTSTR_SHARE_DIR/checks.json */
	}
	died = fuzz_call(validate, &in, NULL);
	fuzz_end(died);
	return 0;
}
