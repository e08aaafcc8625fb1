/*
 * What list/show/compare print comes partly from the guest (scheduler logs, console lines,
 * dumps): control characters in it must not reach the terminal as escape sequences. stdout
 * becomes a stream that shows C0 controls (but tab and newline) and DEL as ^X, and the C1
 * controls in UTF-8 (U+0080..U+009F) as \u0080..\u009f.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "sidecar.h"

struct safeout {
	int fd;
	int pending_c2;	/* the last byte written was 0xc2: a C1 control may follow */
};

static ssize_t safeout_write(void *cookie, const char *buf, size_t n)
{
	struct safeout *so = cookie;
	char out[4096 + 16];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (so->pending_c2) {
			so->pending_c2 = 0;
			if (c >= 0x80 && c <= 0x9f)
				k += (size_t)sprintf(out + k, "\\u%04x", c);
			else
				out[k++] = (char)0xc2, i--;	/* not C1: the 0xc2 goes out, c again */
		} else if (c == 0xc2) {
			so->pending_c2 = 1;
		} else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			out[k++] = '^';
			out[k++] = c == 0x7f ? '?' : (char)(c + '@');
		} else {
			out[k++] = (char)c;
		}
		if (k >= 4096) {
			if (store_write_all(so->fd, out, k) < 0)
				return -1;
			k = 0;
		}
	}
	if (k && store_write_all(so->fd, out, k) < 0)
		return -1;
	return (ssize_t)n;
}

static int safeout_close(void *cookie)
{
	struct safeout *so = cookie;

	if (so->pending_c2 && store_write_all(so->fd, "\xc2", 1) < 0)
		return -1;
	return 0;
}

void safeout_install(void)
{
	static struct safeout so = { .fd = STDOUT_FILENO };
	cookie_io_functions_t fns = { .write = safeout_write, .close = safeout_close };
	FILE *f;

	if (fflush(stdout) == EOF || !(f = fopencookie(&so, "w", fns)))
		die(EXIT_INCONCLUSIVE, "stdout: %s", strerror(errno));
	stdout = f;
}
