/*
 * Drives ktstr-probe's QMP client (qmp_sysrq) for tests/unit/qmp.bats and
 * tests/vm/sysrq.bats, and plays a scripted QEMU for the unit tests:
 *   qmp_check sysrq SOCK KEY       press alt+sysrq+KEY; "ok", or the error and exit 1
 *   qmp_check serve SOCK [MODE]    accept one client on SOCK, print each line it sends,
 *                                  answer as QEMU would; MODE: ok (default), refuse
 *                                  (send-key gets an error), mute (no greeting), garbage
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../bin/ktstr-probe/qmp.h"

static const char greeting[] =
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 0, \"major\": 10}}, "
	"\"capabilities\": [\"oob\"]}}\r\n";

static int usage(void)
{
	fprintf(stderr, "usage: qmp_check sysrq SOCK KEY | qmp_check serve SOCK [ok|refuse|mute|garbage]\n");
	return 2;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
		return -1;
	return fd;
}

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		perror("qmp_check: write");
}

/* Answer each command line the client sends until it hangs up. */
static void serve_client(int fd, const char *mode)
{
	FILE *in = fdopen(dup(fd), "r");
	char line[4096];

	if (!strcmp(mode, "garbage")) {
		say(fd, "this is not json\n");
	} else if (strcmp(mode, "mute")) {
		say(fd, greeting);
	}
	while (in && fgets(line, sizeof(line), in)) {
		fputs(line, stdout);
		fflush(stdout);
		/* an event between command and answer, as QEMU may send */
		say(fd, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\r\n");
		if (strstr(line, "send-key") && !strcmp(mode, "refuse"))
			say(fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter 'sysrq'\"}}\r\n");
		else
			say(fd, "{\"return\": {}}\r\n");
	}
	if (in)
		fclose(in);
}

static int serve(const char *path, const char *mode)
{
	int lfd = listen_on(path), cfd;

	if (lfd < 0) {
		fprintf(stderr, "qmp_check: listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	cfd = accept(lfd, NULL, NULL);
	if (cfd >= 0) {
		serve_client(cfd, mode);
		close(cfd);
	}
	close(lfd);
	unlink(path);
	return cfd >= 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	char err[512];

	if (argc == 4 && !strcmp(argv[1], "sysrq")) {
		if (strlen(argv[3]) != 1)
			return usage();
		if (qmp_sysrq(argv[2], argv[3][0], err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("ok\n");
		return 0;
	}
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "serve"))
		return serve(argv[2], argc == 4 ? argv[3] : "ok");
	return usage();
}
