/*
 * Why not a signal: a SIGUSR2 that lands while libfcgi's OS_Accept waits
 * for a fresh connection's first bytes makes it close that connection
 * unanswered, and with shutdownPending set it then loops on the stale
 * descriptor (fcgi2 os_unix.c, OS_Accept). A connection that closes at
 * once takes the ordinary path instead.
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wake.h"

/* Turns a wildcard bind address into loopback, where we can connect. */
static void
to_loopback(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (memcmp(&in6->sin6_addr, &in6addr_any, sizeof in6addr_any) == 0)
			in6->sin6_addr = in6addr_loopback;
	}
}

int
wake_listener(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int s, rc;

	memset(&ss, 0, sizeof ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	to_loopback(&ss);
	s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	rc = connect(s, (struct sockaddr *)&ss, len);
	close(s);
	return rc;
}
