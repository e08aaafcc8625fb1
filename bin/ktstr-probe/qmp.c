/*
 * QMP: QEMU's JSON control protocol on a unix socket. QEMU greets with
 * {"QMP": ...}; commands are refused until qmp_capabilities; each command
 * gets one {"return": ...} or {"error": ...} line, and {"event": ...} lines may
 * come in between at any time.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "qmp.h"

#define QMP_LINE_MAX 65536	/* a greeting or reply longer than this is not QEMU's */

struct qmp_conn {
	int fd;
	char buf[QMP_LINE_MAX];
	size_t len;
	long long deadline_ms;
	char *err;
	size_t errlen;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(struct qmp_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct qmp_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Wait for fd to be ready for events until the exchange's deadline; -1 (err set) on timeout. */
static int wait_fd(struct qmp_conn *c, short events, const char *what)
{
	for (;;) {
		long long left = c->deadline_ms - now_ms();
		struct pollfd pfd = { c->fd, events, 0 };
		int n;

		if (left <= 0)
			return fail(c, "QMP: no answer to %s within %d ms", what, QMP_TIMEOUT_MS);
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return fail(c, "QMP: poll: %s", strerror(errno));
	}
}

/* The next JSON object QEMU sends (a new reference), or NULL with err set. */
static json_t *read_message(struct qmp_conn *c, const char *what)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t n;

		if (nl) {
			size_t linelen = (size_t)(nl - c->buf);
			json_error_t jerr;
			json_t *msg = json_loadb(c->buf, linelen, 0, &jerr);

			memmove(c->buf, nl + 1, c->len - linelen - 1);
			c->len -= linelen + 1;
			if (!json_is_object(msg)) {
				json_decref(msg);
				fail(c, "QMP: answer to %s is not a JSON object", what);
				return NULL;
			}
			return msg;
		}
		if (c->len == sizeof(c->buf)) {
			fail(c, "QMP: answer to %s is longer than %d bytes", what, QMP_LINE_MAX);
			return NULL;
		}
		if (wait_fd(c, POLLIN, what) < 0)
			return NULL;
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			fail(c, "QMP: connection closed while waiting for the answer to %s", what);
			return NULL;
		}
		c->len += (size_t)n;
	}
}

static int send_all(struct qmp_conn *c, const char *data, size_t len, const char *what)
{
	while (len) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			if (wait_fd(c, POLLOUT, what) < 0)
				return -1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(c, "QMP: sending %s: %s", what, strerror(errno));
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send one command and wait for its return (events in between are skipped). */
static int execute(struct qmp_conn *c, json_t *cmd)
{
	const char *what = json_string_value(json_object_get(cmd, "execute"));
	char *line = json_dumps(cmd, JSON_COMPACT);
	int rc;

	if (!line)
		return fail(c, "QMP: out of memory");
	c->deadline_ms = now_ms() + QMP_TIMEOUT_MS;
	rc = send_all(c, line, strlen(line), what);
	free(line);
	if (rc == 0)
		rc = send_all(c, "\n", 1, what);
	while (rc == 0) {
		json_t *msg = read_message(c, what), *e;

		if (!msg)
			return -1;
		if (json_object_get(msg, "return")) {
			json_decref(msg);
			return 0;
		}
		if ((e = json_object_get(msg, "error"))) {
			rc = fail(c, "QMP: %s failed: %s: %s", what,
				  json_string_value(json_object_get(e, "class")) ?: "Error",
				  json_string_value(json_object_get(e, "desc")) ?: "(no description)");
		}
		json_decref(msg);	/* an event: keep waiting */
	}
	return rc;
}

static int connect_unix(struct qmp_conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(c, "QMP socket path %s: longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return fail(c, "QMP: socket: %s", strerror(errno));
	/* a unix socket connects at once or fails (EAGAIN: the backlog is full) */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail(c, "QMP socket %s: %s", path, strerror(errno));
	return 0;
}

/* The qcodes for alt+sysrq+key (shift for an upper-case letter); -1 if key has none. */
static int sysrq_keys(char key, json_t *keys)
{
	char name[2] = { (char)tolower((unsigned char)key), '\0' };
	const char *codes[4] = { "alt", "sysrq", NULL, NULL };
	unsigned n = 2;

	if (!isascii((unsigned char)key) || !isalnum((unsigned char)key))
		return -1;
	if (isupper((unsigned char)key))
		codes[n++] = "shift";
	codes[n++] = name;
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(keys, json_pack("{s:s, s:s}", "type", "qcode", "data", codes[i]));
	return 0;
}

int qmp_sysrq(const char *sock_path, char key, char *err, size_t errlen)
{
	struct qmp_conn *c = calloc(1, sizeof(*c));
	json_t *greeting, *keys = json_array(), *cmd;
	int rc = -1;

	if (!c) {
		snprintf(err, errlen, "QMP: out of memory");
		json_decref(keys);
		return -1;
	}
	c->fd = -1;
	c->err = err;
	c->errlen = errlen;
	if (sysrq_keys(key, keys) < 0) {
		fail(c, "SysRq key '%c': expected a letter or a digit", isprint((unsigned char)key) ? key : '?');
		goto out;
	}
	if (connect_unix(c, sock_path) < 0)
		goto out;
	c->deadline_ms = now_ms() + QMP_TIMEOUT_MS;
	greeting = read_message(c, "the connection");
	if (!greeting)
		goto out;
	if (!json_object_get(greeting, "QMP")) {
		json_decref(greeting);
		fail(c, "QMP socket %s: the peer did not greet as QEMU does", sock_path);
		goto out;
	}
	json_decref(greeting);
	cmd = json_pack("{s:s}", "execute", "qmp_capabilities");
	rc = execute(c, cmd);
	json_decref(cmd);
	if (rc == 0) {
		cmd = json_pack("{s:s, s:{s:O}}", "execute", "send-key", "arguments", "keys", keys);
		rc = execute(c, cmd);
		json_decref(cmd);
	}
out:
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	json_decref(keys);
	return rc;
}
