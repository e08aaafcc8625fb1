/*
 * The VM's byte streams: the console (to its log file, notable lines as
 * `console` records), guest events (NDJSON, relayed with "job" added) and
 * qemu's own stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "ndjson.h"
#include "spawn.h"
#include "vm.h"

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf5 || len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

char *relay_clean_text(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t l;

		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
			i++;
		} else if (c >= 0x80 && (l = utf8_len((const unsigned char *)s + i, n - i))) {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		} else {
			if (c != '\r')
				out[o++] = c == '\t' ? ' ' : '?';
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

struct relay_ctx {
	struct vm *vm;
	const struct boot_opts *o;
};

static void emit(struct relay_ctx *c, json_t *rec)
{
	if (!c->vm->job.internal)
		ndjson_write(stdout, rec);
	else if (c->o->verbose)
		warnmsg("%s: %s", c->vm->job.id, json_string_value(json_object_get(rec, "line")));
	json_decref(rec);
}

/* Lines that start a report worth showing with what follows it (an RCU stall: its CPUs, and
 * whether the timer of one stopped). */
static bool starts_report(const char *l)
{
	return strstr(l, "Kernel panic") || strstr(l, "Oops") || strstr(l, "BUG:") ||
	       strstr(l, "WARNING:") || strstr(l, "general protection fault") ||
	       strstr(l, "rcu: INFO: ");
}

static bool notable(const char *l)
{
	if (strstr(l, "Kernel command line:"))	/* it says panic=-1 */
		return false;
	return strstr(l, "panic") || strstr(l, "BUG") || strstr(l, "sched_ext") ||
	       strstr(l, "watchdog") || strstr(l, "oops") || strstr(l, "Call Trace") ||
	       strstr(l, "hung_task") || strstr(l, "stall");
}

static void console_line(void *ctx, char *line, size_t len)
{
	struct relay_ctx *c = ctx;
	struct vm *vm = c->vm;
	char *clean;
	bool report;

	if (strstr(line, "Kernel panic"))
		vm->saw_panic = true;
	report = starts_report(line);
	if (report)
		vm->context_left = CONSOLE_CONTEXT_LINES;
	if (!report && !vm->context_left && !notable(line))
		return;
	if (vm->context_left && !report)
		vm->context_left--;
	if (strstr(line, "---[ end"))
		vm->context_left = 0;
	if (vm->console_records >= CONSOLE_RECORDS_MAX)
		return;
	if (++vm->console_records == CONSOLE_RECORDS_MAX)
		warnmsg("job %s: console records capped at %d; see %s", vm->job.id,
			CONSOLE_RECORDS_MAX, vm->log_path);
	clean = relay_clean_text(line, len);
	emit(c, json_pack("{s:s,s:s,s:s,s:I}", "type", "console", "job", vm->job.id,
			  "line", clean, "t_ms", spawn_now_ms() - c->o->t0_ms));
	free(clean);
}

static void log_write(struct vm *vm, const char *data, size_t n)
{
	while (vm->log_fd >= 0 && n) {
		ssize_t w = write(vm->log_fd, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			warnmsg("job %s: %s: %s (console no longer logged)", vm->job.id,
				vm->log_path, w < 0 ? strerror(errno) : "short write");
			close(vm->log_fd);
			vm->log_fd = -1;
			return;
		}
		data += w;
		n -= (size_t)w;
	}
}

void relay_console_bytes(struct vm *vm, const char *data, size_t n, const struct boot_opts *o)
{
	struct relay_ctx c = { vm, o };

	vm->guest_spoke = true;
	log_write(vm, data, n);
	linebuf_feed(&vm->con_lb, data, n, console_line, &c);
}

static void event_line(void *ctx, char *line, size_t len)
{
	struct relay_ctx *c = ctx;
	json_t *rec;

	if (len == 0)
		return;
	rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "type"))) {
		char *clean = relay_clean_text(line, len < 200 ? len : 200);
		char note[320];

		warnmsg("job %s: guest event is not a JSON object with a \"type\": %s",
			c->vm->job.id, clean);
		snprintf(note, sizeof(note), "\n[ktstr-boot] bad guest event: %s\n", clean);
		log_write(c->vm, note, strlen(note));
		free(clean);
		json_decref(rec);
		return;
	}
	json_object_set_new(rec, "job", json_string(c->vm->job.id));
	if (c->vm->job.internal) {
		json_decref(rec);
		return;
	}
	ndjson_write(stdout, rec);
	json_decref(rec);
}

void relay_event_bytes(struct vm *vm, const char *data, size_t n, const struct boot_opts *o)
{
	struct relay_ctx c = { vm, o };

	vm->guest_spoke = true;
	linebuf_feed(&vm->ev_lb, data, n, event_line, &c);
}

struct stderr_ctx {
	struct vm *vm;
	const struct boot_opts *o;
};

/* qemu's warnings (e.g. SMT on its default AMD model) only go to the log. */
static void stderr_line(void *ctx, char *line, size_t len)
{
	struct stderr_ctx *c = ctx;
	struct vm *vm = c->vm;
	char *clean = relay_clean_text(line, len);
	bool warning = strstr(clean, ": warning: ") != NULL;

	if (!*clean) {
		free(clean);
		return;
	}
	if (!warning || c->o->verbose)
		warnmsg("job %s: %s", vm->job.id, clean);
	log_write(vm, "[qemu] ", 7);
	log_write(vm, clean, strlen(clean));
	log_write(vm, "\n", 1);
	if (warning) {
		free(clean);
		return;
	}
	vm->qemu_complained = true;
	if (!vm->qemu_error)
		vm->qemu_error = clean;
	else
		free(clean);
}

void relay_stderr_bytes(struct vm *vm, const char *data, size_t n, const struct boot_opts *o)
{
	struct stderr_ctx c = { vm, o };

	linebuf_feed(&vm->err_lb, data, n, stderr_line, &c);
}

void relay_flush(struct vm *vm, const struct boot_opts *o)
{
	struct relay_ctx c = { vm, o };

	linebuf_flush(&vm->con_lb, console_line, &c);
	linebuf_flush(&vm->ev_lb, event_line, &c);
	linebuf_flush(&vm->err_lb, stderr_line, &(struct stderr_ctx){ vm, o });
}
