/* What --include and --map-write add to a job. */
#include <libgen.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "paths.h"
#include "plan.h"

void job_add_include(json_t *includes, const char *file)
{
	char *d = xstrdup(file), *b = xstrdup(file), real[PATH_MAX], *src;
	struct stat st;

	if (stat(file, &st) < 0)
		die(EXIT_USAGE, "--include %s: no such file", file);
	if (!realpath(dirname(d), real))
		die(EXIT_USAGE, "--include %s: cannot resolve its folder", file);
	src = paths_join(real, basename(b));
	json_array_append_new(includes, json_pack("{s:s, s:s+}", "src", src, "dst", "/include-files/",
						  basename(b)));
	free(src);
	free(d);
	free(b);
}

/*
 * MAP:FIELD=VALUE@TIME: FIELD a path in the map's value (state.stall) or
 * OFFSET/SIZE in bytes; TIME 1000ms or 2s after the scenario's first step,
 * or stepN.
 */
void job_add_map_write(json_t *writes, const char *spec)
{
	static const char pattern[] =
		"^([A-Za-z0-9_.]+):([A-Za-z_][][A-Za-z0-9_.]*|[0-9]+/[1248])=(-?[0-9]+)@([0-9]+m?s|step[0-9]+)$";
	regmatch_t m[5];
	regex_t re;
	json_t *w;
	char part[5][128];

	if (regcomp(&re, pattern, REG_EXTENDED) != 0)
		die(EXIT_INCONCLUSIVE, "--map-write: cannot compile the pattern");
	if (strlen(spec) > 120 || regexec(&re, spec, 5, m, 0) != 0)
		die(EXIT_USAGE, "--map-write %s: expected MAP:FIELD=VALUE@TIME (TIME 1000ms, 2s or step1), e.g. bss:state.stall=1@1000ms",
		    spec);
	regfree(&re);
	for (int i = 1; i < 5; i++)
		snprintf(part[i], sizeof(part[i]), "%.*s", (int)(m[i].rm_eo - m[i].rm_so), spec + m[i].rm_so);
	w = json_pack("{s:s, s:I}", "map", part[1], "value", (json_int_t)strtoll(part[3], NULL, 10));
	if (strchr(part[2], '/')) {
		json_object_set_new(w, "offset", json_integer(strtoll(part[2], NULL, 10)));
		json_object_set_new(w, "size", json_integer(strtoll(strchr(part[2], '/') + 1, NULL, 10)));
	} else {
		json_object_set_new(w, "field", json_string(part[2]));
	}
	if (!strncmp(part[4], "step", 4))
		json_object_set_new(w, "at_step", json_integer(strtoll(part[4] + 4, NULL, 10)));
	else if (strstr(part[4], "ms"))
		json_object_set_new(w, "at_ms", json_integer(strtoll(part[4], NULL, 10)));
	else
		json_object_set_new(w, "at_ms", json_integer(strtoll(part[4], NULL, 10) * 1000));
	json_array_append_new(writes, w);
}
