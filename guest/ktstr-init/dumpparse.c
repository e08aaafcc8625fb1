/*
 * sched_ext_dump trace lines into `dump` records:
 *   {"type":"dump","dump":N,"part":P,"trigger":"error"|"sysrq"|...,"exit_kind":1025,
 *    "reason":"scx_bpf_error","message":"...","first_line":K,"lines":[...],"last":bool}
 * The host joins the parts of dump N in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scxdump.h"

#define SCX_EXIT_ERROR 1024	/* enum scx_exit_kind: error kinds start here */
#define HEADING_WITHIN 3	/* a dump's heading is among its first lines */

static const char trace_tag[] = ": sched_ext_dump: ";

void dump_parser_init(struct dump_parser *p, void (*emit)(void *arg, json_t *rec), void *arg)
{
	memset(p, 0, sizeof(*p));
	p->emit = emit;
	p->emit_arg = arg;
}

/*
 * "  comm-12  [003] d.h2.  6.96: sched_ext_dump: TEXT": ctx "12 [003]", TEXT.
 * The comm is left out: tracefs looks it up by pid when the line is read, so
 * a task that renames itself (a worker just forked) or drops out of the
 * saved comms ("<...>") would change it halfway through a dump.
 */
static bool split_trace_line(const char *line, char *ctx, size_t ctxlen, const char **text)
{
	const char *tag = strstr(line, trace_tag), *end, *cpu, *pid;

	if (!tag) {
		if (strncmp(line, trace_tag + 2, sizeof(trace_tag) - 3))
			return false;
		ctx[0] = '\0';	/* the context columns turned off */
		*text = line + sizeof(trace_tag) - 3;
		return true;
	}
	*text = tag + sizeof(trace_tag) - 1;
	line += strspn(line, " ");
	end = tag;
	while (end > line && end[-1] != ']')
		end--;
	cpu = end;
	while (cpu > line && cpu[-1] != '[')
		cpu--;
	if (end == line || cpu == line) {
		snprintf(ctx, ctxlen, "%.*s", (int)(tag - line), line);	/* no [cpu] column */
		return true;
	}
	pid = --cpu;
	while (pid > line && pid[-1] == ' ')
		pid--;
	while (pid > line && pid[-1] >= '0' && pid[-1] <= '9')
		pid--;
	if (pid == line || pid[-1] != '-')
		pid = line;	/* not "comm-pid": the whole task column */
	snprintf(ctx, ctxlen, "%.*s %.*s", (int)(strcspn(pid, " [")), pid, (int)(end - cpu), cpu);
	return true;
}

/*
 * The TIMESTAMP column of a trace line ("... d..1.   4.805516: sched_ext_dump: ..."), in ns;
 * *ns stays as it was when the line has none.
 */
void dump_trace_line_ns(const char *line, uint64_t *ns)
{
	const char *tag = strstr(line, trace_tag), *p = tag;
	uint64_t t = 0, scale = 1000000000ull;

	if (!tag)
		return;
	while (p > line && p[-1] != ' ')
		p--;
	if (p == tag || *p < '0' || *p > '9')
		return;
	for (; *p >= '0' && *p <= '9'; p++)
		t = t * 10 + (uint64_t)(*p - '0');
	t *= scale;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			t += (uint64_t)(*p - '0') * (scale /= 10);
	if (p == tag)
		*ns = t;
}

static bool is_heading(const char *text)
{
	return strstr(text, " triggered exit kind ") || !strncmp(text, "Debug dump triggered by ", 24);
}

/* trigger (and exit_kind) from a heading line. */
static json_t *about_heading(const char *text)
{
	const char *k = strstr(text, " triggered exit kind ");
	int kind;

	if (!k) {
		const char *by = text + strlen("Debug dump triggered by ");

		return json_pack("{s:s, s:n, s:s}", "trigger", strstr(by, "SysRq") ? "sysrq" : "request",
				 "exit_kind", "reason", by);
	}
	if (sscanf(k, " triggered exit kind %d", &kind) != 1)
		return json_pack("{s:s, s:n}", "trigger", "unknown", "exit_kind");
	return json_pack("{s:s, s:i}", "trigger", kind >= SCX_EXIT_ERROR ? "error" : "exit",
			 "exit_kind", kind);
}

/* The line after "triggered exit kind N": "  REASON (MESSAGE)". */
static void about_reason(json_t *about, const char *text)
{
	const char *r = text + strspn(text, " "), *open = strstr(r, " ("), *close = strrchr(r, ')');

	if (!open || !close || close < open) {
		json_object_set_new(about, "reason", json_string(r));
		return;
	}
	json_object_set_new(about, "reason", json_stringn(r, (size_t)(open - r)));
	json_object_set_new(about, "message", json_stringn(open + 2, (size_t)(close - open - 2)));
	/* SysRq-D on kernels whose dump names it as an exit reason */
	if (!strcmp(json_string_value(json_object_get(about, "trigger")), "exit") && strstr(r, "SysRq"))
		json_object_set_new(about, "trigger", json_string("sysrq"));
}

/* Send the first n pending lines as the open dump's next part. */
static void send_part(struct dump_parser *p, size_t n, bool last)
{
	json_t *rec = json_pack("{s:s, s:i, s:i}", "type", "dump", "dump", (int)p->ndumps,
				"part", (int)p->part);
	json_t *part = json_array(), *rest = json_array();
	size_t i, total = json_array_size(p->lines);

	if (p->about)
		json_object_update(rec, p->about);
	else
		json_object_set_new(rec, "trigger", json_string("unknown"));
	for (i = 0; i < total; i++)
		json_array_append(i < n ? part : rest, json_array_get(p->lines, i));
	json_decref(p->lines);
	p->lines = rest;
	json_object_set_new(rec, "first_line", json_integer(p->sent));
	json_object_set_new(rec, "lines", part);
	json_object_set_new(rec, "last", json_boolean(last));
	if (p->lost)
		json_object_set_new(rec, "lost_events", json_integer(p->lost));
	p->sent += (unsigned)n;
	p->part++;
	p->emit(p->emit_arg, rec);
}

static void open_dump(struct dump_parser *p, const char *ctx)
{
	p->open = true;
	p->ndumps++;
	p->part = p->sent = p->lost = 0;
	p->resumed = false;
	json_decref(p->about);
	p->about = NULL;
	json_decref(p->lines);
	p->lines = json_array();
	snprintf(p->ctx, sizeof(p->ctx), "%s", ctx);
}

void dump_parser_close(struct dump_parser *p)
{
	if (!p->open)
		return;
	/* a resumed dump that got no line has sent its last part already */
	if (!p->resumed || json_array_size(p->lines))
		send_part(p, json_array_size(p->lines), true);
	p->open = p->resumable = false;
}

/*
 * Quiet is judged only once the heading is in: the kernel takes longest
 * between a dump's first line (the scheduler's name) and its heading, and a
 * vCPU the host does not run for a while can stretch any gap.
 */
void dump_parser_tick(struct dump_parser *p, uint64_t now_ns)
{
	if (p->open && p->about && now_ns - p->last_ns >= DUMP_QUIET_MS * 1000000ull) {
		dump_parser_close(p);
		p->resumable = true;
	}
}

/* A line of the dump closed for quiet, after all: its parts go on where they stopped. */
static void resume_dump(struct dump_parser *p)
{
	p->open = p->resumed = true;
}

/*
 * A heading in a dump that has more than the line before it: a new dump, and
 * that line (the scheduler's name, when it does not start with a space) goes with it.
 */
static void split_at_heading(struct dump_parser *p, const char *ctx)
{
	size_t n = json_array_size(p->lines);
	json_t *prev = n ? json_array_get(p->lines, n - 1) : NULL;
	const char *s = json_string_value(prev);

	if (s && s[0] && s[0] != ' ') {
		json_incref(prev);
		json_array_remove(p->lines, n - 1);
	} else {
		prev = NULL;
	}
	dump_parser_close(p);
	open_dump(p, ctx);
	if (prev)
		json_array_append_new(p->lines, prev);
}

static void note_about(struct dump_parser *p, const char *text, unsigned index)
{
	if (!p->about && index < HEADING_WITHIN && is_heading(text))
		p->about = about_heading(text);
	else if (p->about && json_is_integer(json_object_get(p->about, "exit_kind")) &&
		 !json_object_get(p->about, "reason"))
		about_reason(p->about, text);
}

void dump_parser_line(struct dump_parser *p, const char *line, uint64_t now_ns)
{
	char ctx[sizeof(p->ctx)];
	const char *text, *lost;
	unsigned long nlost;
	bool heading;

	if (!split_trace_line(line, ctx, sizeof(ctx), &text)) {
		/* "CPU:3 [LOST 12 EVENTS]": the buffer was full while a dump was written */
		if ((lost = strstr(line, "[LOST ")) && sscanf(lost, "[LOST %lu", &nlost) == 1 && p->open)
			p->lost += (unsigned)nlost;
		return;
	}
	heading = is_heading(text);
	if (p->resumable && !heading && !strcmp(ctx, p->ctx))
		resume_dump(p);
	p->resumable = false;
	if (p->open && strcmp(ctx, p->ctx))
		dump_parser_close(p);
	else if (p->open && heading && p->sent + json_array_size(p->lines) > 1)
		split_at_heading(p, ctx);
	if (!p->open)
		open_dump(p, ctx);
	note_about(p, text, p->sent + (unsigned)json_array_size(p->lines));
	json_array_append_new(p->lines, json_bytes(text, strlen(text)));
	p->last_ns = now_ns;
	if (json_array_size(p->lines) > DUMP_PART_LINES)
		send_part(p, DUMP_PART_LINES, false);	/* one stays back: it may open the next dump */
}

void dump_parser_free(struct dump_parser *p)
{
	json_decref(p->lines);
	json_decref(p->about);
	p->lines = p->about = NULL;
	p->open = false;
}
