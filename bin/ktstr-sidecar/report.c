/*
 * JUnit XML (for CI) and TAP from run records. What a record holds can come from the guest
 * (a scheduler's log, console lines), so no text of it may break the format: TAP details go
 * in YAML blocks as double-quoted strings (a line "ok 1" or "Bail out!" inside one is data),
 * XML attributes get their newlines as character references.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static void raw_cat(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* Append s with XML's five characters escaped; in an attribute (attr) also tab, CR and LF,
 * which a parser would otherwise turn into spaces. XML 1.0 has no other control characters. */
static void xml_cat_as(char **buf, size_t *len, const char *s, int attr)
{
	for (; s && *s; s++) {
		char one[2] = { *s, 0 };
		const char *rep = one;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\n': rep = attr ? "&#10;" : "\n"; break;
		case '\t': rep = attr ? "&#9;" : "\t"; break;
		case '\r': rep = attr ? "&#13;" : "\r"; break;
		default:
			if ((unsigned char)*s < 0x20)
				one[0] = '?';
		}
		raw_cat(buf, len, rep);
	}
}

static void xml_text(char **buf, size_t *len, const char *s) { xml_cat_as(buf, len, s, 0); }
static void xml_attr(char **buf, size_t *len, const char *s) { xml_cat_as(buf, len, s, 1); }

/* "Kind: message" lines of a run's details. */
static void details_text(char **buf, size_t *len, json_t *run)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(run, "details"), i, d) {
		xml_text(buf, len, rec_str(d, "kind", "?"));
		raw_cat(buf, len, ": ");
		xml_text(buf, len, rec_str(d, "message", ""));
		raw_cat(buf, len, "\n");
	}
}

/* What stands for a run's result inside its <testcase>. */
static void testcase_result(char **buf, size_t *len, json_t *run)
{
	const char *result = rec_str(run, "result", "");
	json_t *first = rec_first_failure(run);
	const char *reason = rec_str(run, "reason", NULL);

	if (!strcmp(result, "fail")) {
		raw_cat(buf, len, "      <failure message=\"");
		xml_attr(buf, len, first ? rec_str(first, "message", "") : reason ? reason : "failed");
		raw_cat(buf, len, "\" type=\"");
		xml_attr(buf, len, first ? rec_str(first, "kind", "Other") : "Other");
		raw_cat(buf, len, "\">");
		details_text(buf, len, run);
		raw_cat(buf, len, "</failure>\n");
	} else if (!strcmp(result, "skip")) {
		raw_cat(buf, len, "      <skipped message=\"");
		xml_attr(buf, len, reason ? reason : "skipped");
		raw_cat(buf, len, "\"/>\n");
	} else if (strcmp(result, "pass")) {
		raw_cat(buf, len, "      <error message=\"inconclusive: ");
		xml_attr(buf, len, reason ? reason : "no verdict");
		raw_cat(buf, len, "\" type=\"inconclusive\"/>\n");
	}
}

/* <system-out>: where the job ran and its logs are, and every detail in full. */
static void testcase_out(char **buf, size_t *len, json_t *run)
{
	json_t *vm = json_object_get(run, "vm"), *logs = json_object_get(run, "logs"), *v;
	const char *key;
	char line[256];

	raw_cat(buf, len, "      <system-out>");
	xml_text(buf, len, "result ");
	xml_text(buf, len, rec_str(run, "result", "?"));
	if (rec_str(run, "reason", NULL)) {
		xml_text(buf, len, ": ");
		xml_text(buf, len, rec_str(run, "reason", ""));
	}
	xml_text(buf, len, "\nrun ");
	xml_text(buf, len, rec_str(run, "run_id", "?"));
	xml_text(buf, len, ", job ");
	xml_text(buf, len, rec_str(run, "job", "?"));
	xml_text(buf, len, ", kernel ");
	xml_text(buf, len, rec_str(json_object_get(run, "kernel"), "id", "?"));
	snprintf(line, sizeof(line), ", accel %s, VM %.1f s, exit ", rec_str(run, "accel", "?"),
		 json_number_value(json_object_get(vm, "wall_ms")) / 1000.0);
	xml_text(buf, len, line);
	xml_text(buf, len, rec_str(vm, "exit_reason", "?"));
	xml_text(buf, len, "\n");
	json_object_foreach(logs, key, v) {
		if (!json_is_string(v))
			continue;
		xml_text(buf, len, key);
		xml_text(buf, len, " ");
		xml_text(buf, len, json_string_value(v));
		xml_text(buf, len, "\n");
	}
	details_text(buf, len, run);
	raw_cat(buf, len, "</system-out>\n");
}

static char *junit_text(const struct junit *j)
{
	size_t len = 0, i, counts[4] = { 0 };	/* fail, error, skip, pass */
	char *buf = NULL, line[512];
	double total = 0;
	json_t *run;

	json_array_foreach(j->runs, i, run) {
		const char *r = rec_str(run, "result", "");

		counts[!strcmp(r, "fail") ? 0 : !strcmp(r, "skip") ? 2 : !strcmp(r, "pass") ? 3 : 1]++;
		total += json_number_value(json_object_get(json_object_get(run, "vm"), "wall_ms"));
	}
	snprintf(line, sizeof(line),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<testsuites tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n"
		 "  <testsuite name=\"ktstr\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
		 json_array_size(j->runs), counts[0], counts[1], counts[2], total / 1000.0,
		 json_array_size(j->runs), counts[0], counts[1], counts[2], total / 1000.0);
	raw_cat(&buf, &len, line);
	json_array_foreach(j->runs, i, run) {
		json_t *wall = json_object_get(json_object_get(run, "vm"), "wall_ms");

		raw_cat(&buf, &len, "    <testcase classname=\"ktstr.");
		xml_attr(&buf, &len, rec_scheduler(run));
		raw_cat(&buf, &len, ".");
		xml_attr(&buf, &len, rec_str(run, "topo", "?"));
		raw_cat(&buf, &len, "\" name=\"");
		xml_attr(&buf, &len, rec_str(run, "test", "?"));
		raw_cat(&buf, &len, " (");
		xml_attr(&buf, &len, rec_str(run, "job", "?"));
		snprintf(line, sizeof(line), ")\" time=\"%.3f\">\n",
			 json_number_value(wall) / 1000.0);
		raw_cat(&buf, &len, line);
		testcase_result(&buf, &len, run);
		testcase_out(&buf, &len, run);
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

int out_folder_problem(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct stat st;
	int bad;

	if (slash)
		slash[slash == dir] = '\0';	/* "/x": the root */
	bad = !*path || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) ||
	      (slash && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)));
	free(dir);
	return bad;
}

void junit_check(const char *path)
{
	if (out_folder_problem(path))
		die(EXIT_USAGE, "--junit %s: not a file in an existing folder", path);
}

/* s as a YAML double-quoted scalar: one line whatever it holds. */
static void yaml_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A test description or directive text: one line, no '#' to start a directive early. */
static void tap_words(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', f);
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	}
}

void tap_start(FILE *f)
{
	/* 13, not 14: prove (Test::Harness 3.44) refuses a version 14 stream; this one uses
	 * nothing 14 added, and a TAP 14 harness reads 13. */
	fputs("TAP version 13\n", f);
}

/* One TAP test line per job; a result other than pass carries a YAML block with the details. */
void tap_line(FILE *f, size_t n, json_t *run)
{
	const char *r = rec_str(run, "result", ""), *reason = rec_str(run, "reason", NULL);
	json_t *d;
	size_t i;

	fprintf(f, "%s %zu - ", !strcmp(r, "pass") || !strcmp(r, "skip") ? "ok" : "not ok", n);
	tap_words(f, rec_str(run, "test", "?"));
	fputc(' ', f);
	tap_words(f, rec_str(run, "topo", "?"));
	fputc(' ', f);
	tap_words(f, rec_scheduler(run));
	fputs(" (", f);
	tap_words(f, rec_str(run, "job", "?"));
	fputc(')', f);
	if (!strcmp(r, "skip")) {
		fputs(" # SKIP ", f);
		tap_words(f, reason ? reason : "");
	}
	fputc('\n', f);
	if (strcmp(r, "pass") && strcmp(r, "skip")) {
		fputs("  ---\n  result: ", f);
		yaml_quoted(f, r);
		if (reason) {
			fputs("\n  reason: ", f);
			yaml_quoted(f, reason);
		}
		fputs("\n  details:", f);
		if (!json_array_size(json_object_get(run, "details")))
			fputs(" []", f);
		json_array_foreach(json_object_get(run, "details"), i, d) {
			fputs("\n    - kind: ", f);
			yaml_quoted(f, rec_str(d, "kind", "?"));
			fputs("\n      message: ", f);
			yaml_quoted(f, rec_str(d, "message", ""));
		}
		fputs("\n  ...\n", f);
	}
	fflush(f);
}

void tap_plan(FILE *f, size_t n)
{
	fprintf(f, "1..%zu\n", n);
}
