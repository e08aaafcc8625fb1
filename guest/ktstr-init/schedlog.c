/* What the scheduler and the kernel said: the scheduler's log, /dev/kmsg, sysfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scxexit.h"
#include "sched.h"

#define LOG_LINE_MAX 1000	/* longer lines are cut (a verifier log has long ones) */
/*
 * A log that holds the verifier's verdict on a program ("processed N insns
 * (limit 1000000)") keeps up to VERIFIER_LOG_LINES lines, so that the host
 * sees the whole walk that led to a rejection; 512 KiB of text stays well
 * under the host's 1 MiB limit on one event line.
 */
#define LOG_TAIL_BYTES (512 * 1024)
#define VERIFIER_LOG_LINES 2000
#define VERIFIER_SUMMARY " insns (limit "

/* The last LOG_TAIL_BYTES of the log, NUL-terminated (malloc'd), or NULL. */
static char *read_log_end(size_t *lenp)
{
	int fd = open(SCHED_LOG, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !(buf = malloc(LOG_TAIL_BYTES + 1))) {
		close(fd);
		return NULL;
	}
	if (st.st_size > LOG_TAIL_BYTES)
		lseek(fd, st.st_size - LOG_TAIL_BYTES, SEEK_SET);
	n = read(fd, buf, LOG_TAIL_BYTES);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	*lenp = (size_t)n;
	return buf;
}

/* Start offsets of the last max lines of buf (a trailing newline ends the last line). */
static size_t last_lines(const char *buf, size_t len, size_t *starts, size_t max)
{
	size_t n = 0, end = len;

	if (len == 0)
		return 0;
	if (buf[end - 1] == '\n')
		end--;
	while (n < max) {
		size_t b = end;

		while (b > 0 && buf[b - 1] != '\n')
			b--;
		starts[n++] = b;
		if (b == 0)
			break;
		end = b - 1;
	}
	return n;
}

json_t *sched_log_tail(void)
{
	size_t len = 0, n, max = SCHED_LOG_TAIL_LINES, *starts;
	char *buf = read_log_end(&len);
	json_t *arr = json_array();

	if (!buf)
		return arr;
	if (strstr(buf, VERIFIER_SUMMARY))
		max = VERIFIER_LOG_LINES;
	if (!(starts = malloc(max * sizeof(*starts)))) {
		free(buf);
		return arr;
	}
	n = last_lines(buf, len, starts, max);
	while (n--) {
		size_t l = strcspn(buf + starts[n], "\n");

		json_array_append_new(arr, json_bytes(buf + starts[n], l < LOG_LINE_MAX ? l : LOG_LINE_MAX));
	}
	free(starts);
	free(buf);
	return arr;
}

json_t *sched_log_exit_record(void)
{
	size_t len = 0;
	char *buf = read_log_end(&len), *line, *save = NULL;
	json_t *found = NULL;

	if (!buf)
		return NULL;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j;

		if (line[0] != '{' || !strstr(line, "\"exit\""))
			continue;
		j = json_loads(line, 0, NULL);
		if (json_is_object(j) && !strcmp(json_string_value(json_object_get(j, "event")) ?: "", "exit") &&
		    json_is_string(json_object_get(j, "kind"))) {
			json_decref(found);
			found = j;	/* the last one wins */
		} else {
			json_decref(j);
		}
	}
	free(buf);
	return found;
}

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);	/* only what happens from now on */
	return fd;
}

/*
 * The kernel reports an exit as `sched_ext: BPF scheduler "NAME" disabled (REASON)`
 * (KERN_ERR for error kinds, KERN_INFO otherwise), then for errors
 * `sched_ext: NAME: MESSAGE` (the scx_bpf_error text, "... failed to run for 5.012s").
 */
static void note_exit_line(struct sched *s, const char *text, int level)
{
	const char *p = strstr(text, "BPF scheduler \""), *q, *open, *close;

	if (p && (q = strstr(p, "\" disabled (")) && (close = strrchr(q, ')'))) {
		open = q + strlen("\" disabled (");
		strfmt(s->exit_reason, sizeof(s->exit_reason), "%.*s", (int)(close - open), open);
		s->exit_msg[0] = '\0';
		s->disabled_seen = true;
		s->disabled_is_error = level <= 3;
		json_array_clear(s->backtrace);
		s->disabled_seen_ns = mono_ns();
		return;
	}
	if (s->disabled_seen && !s->exit_msg[0] && !strncmp(text, "sched_ext: ", 11) &&
	    (q = strstr(text + 11, ": ")) && !strstr(text, "BPF scheduler"))
		strfmt(s->exit_msg, sizeof(s->exit_msg), "%s", q + 2);
}

/* One kmsg record: "PRIO,SEQ,USEC,FLAGS;TEXT\n[ KEY=VALUE\n]..." */
static void kmsg_record(struct sched *s, char *rec)
{
	char *text = strchr(rec, ';');
	int prio = atoi(rec);

	if (!text)
		return;
	text++;
	text[strcspn(text, "\n")] = '\0';
	/* stack_trace_print() lines ("  func+0x50/0xad") right after an error exit */
	if (text[0] == ' ' && s->disabled_is_error && !s->kernel_exit_sent &&
	    json_array_size(s->backtrace) < SCHED_BACKTRACE_MAX)
		json_array_append_new(s->backtrace, json_string(text + strspn(text, " ")));
	if (!strstr(text, "sched_ext"))
		return;
	note_exit_line(s, text, prio & 7);
	if (s->nkmsg++ < SCHED_KMSG_MAX)
		events_emit(s->ev, json_pack("{s:s, s:s, s:s, s:i}", "type", "sched", "event", "kmsg",
					     "line", text, "level", prio & 7));
}

void kmsg_drain(struct sched *s)
{
	char rec[8192];

	if (s->kmsg_fd < 0)
		return;
	for (;;) {
		ssize_t n = read(s->kmsg_fd, rec, sizeof(rec) - 1);

		if (n < 0 && (errno == EPIPE || errno == EINTR))
			continue;	/* EPIPE: records were overwritten; go on with the next */
		if (n <= 0)
			return;	/* EAGAIN: nothing more for now */
		rec[n] = '\0';
		kmsg_record(s, rec);
	}
}

void json_add_wait_status(json_t *rec, int status)
{
	if (WIFSIGNALED(status))
		json_object_set_new(rec, "signal", json_integer(WTERMSIG(status)));
	else
		json_object_set_new(rec, "exit_status", json_integer(WEXITSTATUS(status)));
}
