/* JUnit XML (for CI) and TAP from run records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "paths.h"
#include "sidecar.h"

void junit_init(struct junit *j)
{
	j->runs = json_array();
}

void junit_add(struct junit *j, json_t *run)
{
	json_array_append(j->runs, run);
}

void junit_free(struct junit *j)
{
	json_decref(j->runs);
}

/* Append s to buf (a growing string) with XML's five characters escaped. */
static void xml_cat(char **buf, size_t *len, const char *s)
{
	for (; s && *s; s++) {
		const char *rep = NULL;
		char one[2] = { *s, 0 };

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			/* XML 1.0 forbids most control characters. */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				one[0] = '?';
			rep = one;
		}
		size_t n = strlen(rep);

		*buf = xrealloc(*buf, *len + n + 1);
		memcpy(*buf + *len, rep, n + 1);
		*len += n;
	}
}

static void raw_cat(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* "Kind: message" lines of a run's details. */
static void details_text(char **buf, size_t *len, json_t *run)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(run, "details"), i, d) {
		xml_cat(buf, len, rec_str(d, "kind", "?"));
		raw_cat(buf, len, ": ");
		xml_cat(buf, len, rec_str(d, "message", ""));
		raw_cat(buf, len, "\n");
	}
}

/* What stands for a run's result inside its <testcase>. */
static void testcase_body(char **buf, size_t *len, json_t *run)
{
	const char *result = rec_str(run, "result", "");
	json_t *first = json_array_get(json_object_get(run, "details"), 0);
	const char *reason = rec_str(run, "reason", NULL);

	if (!strcmp(result, "fail")) {
		raw_cat(buf, len, "      <failure message=\"");
		xml_cat(buf, len, first ? rec_str(first, "message", "") : reason ? reason : "failed");
		raw_cat(buf, len, "\" type=\"");
		xml_cat(buf, len, first ? rec_str(first, "kind", "Other") : "Other");
		raw_cat(buf, len, "\">");
		details_text(buf, len, run);
		raw_cat(buf, len, "</failure>\n");
	} else if (!strcmp(result, "skip")) {
		raw_cat(buf, len, "      <skipped message=\"");
		xml_cat(buf, len, reason ? reason : "skipped");
		raw_cat(buf, len, "\"/>\n");
	} else if (strcmp(result, "pass")) {
		raw_cat(buf, len, "      <error message=\"inconclusive: ");
		xml_cat(buf, len, reason ? reason : "no verdict");
		raw_cat(buf, len, "\" type=\"inconclusive\"/>\n");
	}
}

static char *junit_text(const struct junit *j)
{
	size_t len = 0, i, counts[4] = { 0 };	/* fail, error, skip, total */
	char *buf = NULL, line[512];
	json_t *run;

	json_array_foreach(j->runs, i, run) {
		const char *r = rec_str(run, "result", "");

		counts[!strcmp(r, "fail") ? 0 : !strcmp(r, "skip") ? 2 : !strcmp(r, "pass") ? 3 : 1]++;
	}
	snprintf(line, sizeof(line),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<testsuites>\n"
		 "  <testsuite name=\"ktstr\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
		 json_array_size(j->runs), counts[0], counts[1], counts[2]);
	raw_cat(&buf, &len, line);
	json_array_foreach(j->runs, i, run) {
		json_t *wall = json_object_get(json_object_get(run, "vm"), "wall_ms");

		raw_cat(&buf, &len, "    <testcase classname=\"ktstr.");
		xml_cat(&buf, &len, rec_scheduler(run));
		raw_cat(&buf, &len, ".");
		xml_cat(&buf, &len, rec_str(run, "topo", "?"));
		raw_cat(&buf, &len, "\" name=\"");
		xml_cat(&buf, &len, rec_str(run, "test", "?"));
		raw_cat(&buf, &len, " (");
		xml_cat(&buf, &len, rec_str(run, "job", "?"));
		snprintf(line, sizeof(line), ")\" time=\"%.3f\">\n",
			 json_number_value(wall) / 1000.0);
		raw_cat(&buf, &len, line);
		testcase_body(&buf, &len, run);
		raw_cat(&buf, &len, "    </testcase>\n");
	}
	raw_cat(&buf, &len, "  </testsuite>\n</testsuites>\n");
	return buf;
}

int junit_write(const struct junit *j, const char *path, char *err, size_t errlen)
{
	char *text = junit_text(j), *dir = xstrdup(path), *slash = strrchr(dir, '/');
	const char *name = path;
	int rc;

	if (slash) {
		*slash = '\0';
		name = slash + 1;
		if (!*dir)
			strcpy(dir, "/");
	} else {
		strcpy(dir, ".");
	}
	rc = store_atomic(dir, name, text, err, errlen);
	free(text);
	free(dir);
	return rc;
}

/* One TAP test line per job, its details as diagnostics. */
void tap_line(FILE *f, size_t n, json_t *run)
{
	const char *r = rec_str(run, "result", ""), *reason = rec_str(run, "reason", NULL);
	json_t *d;
	size_t i;

	fprintf(f, "%s %zu - %s %s %s (%s)", !strcmp(r, "pass") || !strcmp(r, "skip")
		? "ok" : "not ok", n, rec_str(run, "test", "?"), rec_str(run, "topo", "?"),
		rec_scheduler(run), rec_str(run, "job", "?"));
	if (!strcmp(r, "skip"))
		fprintf(f, " # SKIP %s", reason ? reason : "");
	else if (strcmp(r, "pass") && strcmp(r, "fail"))
		fprintf(f, " inconclusive: %s", reason ? reason : "");
	fputc('\n', f);
	json_array_foreach(json_object_get(run, "details"), i, d)
		fprintf(f, "# %s: %s\n", rec_str(d, "kind", "?"), rec_str(d, "message", ""));
	fflush(f);
}

void tap_plan(FILE *f, size_t n)
{
	fprintf(f, "1..%zu\n", n);
}
