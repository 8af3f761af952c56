#include "config.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "num.h"

#define BACKLOG 128

static bool fail(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool
fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return false;
}

static bool
port_ok(const char *s)
{
	int64_t n;

	return strlen(s) <= 5 && strspn(s, "0123456789") == strlen(s) &&
	    mirror_num_parse(s, 1, 65535, &n);
}

static bool
parse_tcp(const char *spec, const char *colon, struct listen_addr *a, char *why,
	  size_t size)
{
	size_t hlen = (size_t)(colon - spec);

	if (!port_ok(colon + 1))
		return fail(why, size, "the port of \"%s\" must be a number from 1 to "
		    "65535", spec);
	if (memchr(spec, '[', hlen) != NULL || memchr(spec, ':', hlen) != NULL)
		return fail(why, size, "\"%s\": IPv6 is not supported (libfcgi's "
		    "FCGI_WEB_SERVER_ADDRS filter knows IPv4 clients only)", spec);
	if (hlen >= sizeof a->host)
		return fail(why, size, "the host of \"%.64s\" is too long", spec);
	a->tcp = true;
	snprintf(a->port, sizeof a->port, "%s", colon + 1);
	/* A bare port stays on this host: wider takes an explicit address. */
	a->loopback = hlen == 0;
	if (hlen == 0)
		snprintf(a->host, sizeof a->host, "127.0.0.1");
	else if (hlen == 1 && spec[0] == '*')
		snprintf(a->host, sizeof a->host, "0.0.0.0");
	else
		memcpy(a->host, spec, hlen);
	return true;
}

bool
listen_parse(const char *spec, struct listen_addr *a, char *why, size_t size)
{
	const char *colon = strrchr(spec, ':'), *ex = spec;

	memset(a, 0, sizeof *a);
	if (strchr(spec, '/') != NULL) {
		if (strlen(spec) >= sizeof a->path)
			return fail(why, size, "the socket path \"%.64s...\" is longer "
			    "than 107 bytes", spec);
		memcpy(a->path, spec, strlen(spec) + 1);
		return true;
	}
	if (colon != NULL)
		return parse_tcp(spec, colon, a, why, size);
	/* A bare number was meant as a port: show it in the example. */
	if (!port_ok(spec))
		ex = "9000";
	return fail(why, size, "\"%.64s\" is neither HOST:PORT nor a socket path: "
	    "for TCP give an address, e.g. 127.0.0.1:%s (\":%s\" listens on "
	    "loopback only); a unix socket path has a '/', e.g. ./mirror.sock or "
	    "/run/stackstate-mirror/mirror.sock", spec, ex, ex);
}

bool
listen_parse_mode(const char *s, mode_t *mode)
{
	mode_t m = 0;
	size_t i;

	if (*s == '\0' || strlen(s) > 4)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '7')
			return false;
		m = m * 8 + (mode_t)(s[i] - '0');
	}
	if (m > 0777)
		return false;
	*mode = m;
	return true;
}

static int
open_tcp(const struct listen_addr *a, char *why, size_t size)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res;
	int fd, on = 1, rc = getaddrinfo(a->host, a->port, &hints, &res);

	if (rc != 0) {
		snprintf(why, size, "cannot resolve %s: %s", a->host, gai_strerror(rc));
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, BACKLOG) != 0)) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		snprintf(why, size, "cannot listen on %s:%s: %s", a->host, a->port,
		    strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* A uid or gid by name or number; -1 when absent. */
static bool
lookup_id(const char *name, bool group, id_t *out)
{
	struct passwd *pw;
	struct group *gr;
	int64_t n;

	*out = (id_t)-1;
	if (name == NULL)
		return true;
	if (mirror_num_parse(name, 0, INT32_MAX, &n)) {
		*out = (id_t)n;
		return true;
	}
	if (group) {
		gr = getgrnam(name);
		*out = gr != NULL ? gr->gr_gid : (id_t)-1;
	} else {
		pw = getpwnam(name);
		*out = pw != NULL ? pw->pw_uid : (id_t)-1;
	}
	return *out != (id_t)-1;
}

static bool
owner(const struct listen_perms *p, uid_t *uid, gid_t *gid, char *why, size_t size)
{
	id_t u, g;

	if (!lookup_id(p->user, false, &u))
		return fail(why, size, "no user \"%s\" (--socket-user)", p->user);
	if (!lookup_id(p->group, true, &g))
		return fail(why, size, "no group \"%s\" (--socket-group)", p->group);
	/* Root's socket goes to the web server's group, when there is one. */
	if (p->group == NULL && geteuid() == 0)
		lookup_id(LISTEN_WEB_GROUP, true, &g);
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return true;
}

/* The path is free, or holds a socket nobody listens on any more. */
static bool
clear_path(const char *path, const struct sockaddr_un *sun, char *why, size_t size)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT || fail(why, size, "cannot use %s", path);
	if (!S_ISSOCK(st.st_mode))
		return fail(why, size, "%s exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = fd >= 0 ? connect(fd, (const struct sockaddr *)sun, sizeof *sun) : -1;
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		return fail(why, size, "another process listens on %s", path);
	return unlink(path) == 0 || fail(why, size, "cannot replace %s", path);
}

/* Mode, owner and group, set before the socket accepts connections. */
static bool
bind_unix(int fd, struct listen_addr *a, const struct sockaddr_un *sun,
	  const struct listen_perms *p, uid_t uid, gid_t gid, char *why, size_t size)
{
	struct stat st;
	mode_t old = umask((mode_t)(~p->mode & 0777));
	int rc = bind(fd, (const struct sockaddr *)sun, sizeof *sun);

	umask(old);
	if (rc != 0)
		return fail(why, size, "cannot bind %s", a->path);
	if (((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(a->path, uid, gid) != 0) ||
	    chmod(a->path, p->mode) != 0 || stat(a->path, &st) != 0) {
		unlink(a->path);
		return fail(why, size, "cannot set the owner, group or mode of %s "
		    "(--socket-user, --socket-group, --socket-mode)", a->path);
	}
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	return true;
}

static int
open_unix(struct listen_addr *a, const struct listen_perms *p, char *why, size_t size)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int fd;

	memcpy(sun.sun_path, a->path, strlen(a->path) + 1);
	if (!owner(p, &uid, &gid, why, size) || !clear_path(a->path, &sun, why, size))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail(why, size, "cannot make a socket for %s", a->path);
		return -1;
	}
	if (!bind_unix(fd, a, &sun, p, uid, gid, why, size)) {
		close(fd);
		return -1;
	}
	if (listen(fd, BACKLOG) != 0) {
		fail(why, size, "cannot listen on %s", a->path);
		listen_close(a, fd);
		return -1;
	}
	return fd;
}

int
listen_open(struct listen_addr *a, const struct listen_perms *perms, char *why,
	    size_t size)
{
	return a->tcp ? open_tcp(a, why, size) : open_unix(a, perms, why, size);
}

void
listen_close(const struct listen_addr *a, int fd)
{
	struct stat st;

	if (fd >= 0)
		close(fd);
	if (!a->tcp && a->ino != 0 && lstat(a->path, &st) == 0 &&
	    st.st_dev == a->dev && st.st_ino == a->ino)
		unlink(a->path);
}

bool
listen_describe(int fd, struct listen_addr *a)
{
	struct sockaddr_in in;
	socklen_t len = sizeof in;

	memset(a, 0, sizeof *a);
	if (getsockname(fd, (struct sockaddr *)&in, &len) != 0 || in.sin_family != AF_INET ||
	    inet_ntop(AF_INET, &in.sin_addr, a->host, sizeof a->host) == NULL)
		return false;
	a->tcp = true;
	snprintf(a->port, sizeof a->port, "%u", (unsigned)ntohs(in.sin_port));
	return true;
}

bool
listen_loopback(const struct listen_addr *a)
{
	return a->tcp && strncmp(a->host, "127.", 4) == 0;
}
