/* Guest -> host events: one compact JSON object per line on the ktstr.events port. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "init.h"
#include "ndjson.h"

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void events_init(struct events *ev, int fd)
{
	ev->fd = fd;
	ev->t0_ns = mono_ns();
	ev->bytes = 0;
}

void events_set_fd(struct events *ev, int fd)
{
	ev->fd = fd;
}

uint64_t events_t_ms(const struct events *ev)
{
	return (mono_ns() - ev->t0_ns) / 1000000u;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void events_emit(struct events *ev, json_t *rec)
{
	char *line;

	if (!rec)
		return;
	json_object_set_new(rec, "t_ms", json_integer((json_int_t)events_t_ms(ev)));
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | NDJSON_REALS);
	json_decref(rec);
	if (!line)
		return;
	size_t n = strlen(line);
	line[n] = '\n';		/* json_dumps' NUL becomes the newline */
	write_all(ev->fd, line, n + 1);
	ev->bytes += n + 1;
	free(line);
}

void events_error(struct events *ev, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	events_emit(ev, json_pack("{s:s, s:s}", "type", "error", "message", msg));
}

int sysfs_read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* /dev/NAME from the port's "dev" file (major:minor); no udev in the guest. */
static int port_dev_node(const char *port, char *path, size_t len)
{
	char file[300], dev[32];
	unsigned maj, min;

	snprintf(path, len, "/dev/%s", port);
	if (access(path, F_OK) == 0)
		return 0;
	snprintf(file, sizeof(file), "/sys/class/virtio-ports/%s/dev", port);
	if (sysfs_read_line(file, dev, sizeof(dev)) < 0 || sscanf(dev, "%u:%u", &maj, &min) != 2)
		return -1;
	return mknod(path, S_IFCHR | 0600, makedev(maj, min));
}

int virtio_port_path(const char *name, char *path, size_t len)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *de;
	int rc = -1;

	if (!d)
		return -1;
	while (rc < 0 && (de = readdir(d))) {
		char file[300], pname[128];

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "/sys/class/virtio-ports/%s/name", de->d_name);
		if (sysfs_read_line(file, pname, sizeof(pname)) < 0 || strcmp(pname, name))
			continue;
		rc = port_dev_node(de->d_name, path, len);
	}
	closedir(d);
	return rc;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not valid. */
static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

json_t *json_bytes(const char *buf, size_t len)
{
	char *out = malloc(len * 3 + 1);
	size_t o = 0;
	json_t *j;

	if (!out)
		return json_string("");
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len((const unsigned char *)buf + i, len - i);

		if (n == 0 || (n == 1 && buf[i] == '\0')) {
			memcpy(out + o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, buf + i, n);
		o += n;
		i += n;
	}
	j = json_stringn(out, o);
	free(out);
	return j ? j : json_string("");
}

