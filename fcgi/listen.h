/*
 * The responder's own listening socket (--listen), for when no supervisor
 * (spawn-fcgi, systemd) hands one over on fd 0. libfcgi's FCGX_OpenSocket
 * is not used: it binds every address for ":PORT", turns a bare "9000"
 * into a socket file called 9000, reads the port with atoi, copies the
 * address into a fixed buffer with strcpy, and leaves a unix socket with
 * the umask's mode, which the web server's user usually cannot open
 * (fcgi2 libfcgi/os_unix.c, OS_CreateLocalIpcFd).
 */
#ifndef MIRROR_FCGI_LISTEN_H
#define MIRROR_FCGI_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Who may open a unix socket (--socket-user, --socket-group, --socket-mode). */
struct listen_perms {
	const char *user;      /* name or uid; NULL: the responder's own */
	const char *group;     /* name or gid; NULL: see listen_open */
	mode_t mode;           /* permission bits */
};

/* An address --listen names. */
struct listen_addr {
	bool tcp;
	bool loopback;         /* ":PORT": the loopback address was filled in */
	char host[256];        /* tcp: an IPv4 address or a host name */
	char port[6];
	char path[108];        /* unix: the socket's path (sun_path) */
	dev_t dev;             /* unix: the socket file listen_open made */
	ino_t ino;
};

/* Default mode of a unix socket: the owner and the web server's group. */
#define LISTEN_MODE_DEFAULT 0660
/* The group Debian's nginx and Apache run as (their shipped configs). */
#define LISTEN_WEB_GROUP "www-data"

/*
 * Reads spec: "HOST:PORT" (IPv4 or a name; ":PORT" means 127.0.0.1, so
 * listening wider takes an explicit address such as 0.0.0.0:PORT), or a
 * unix socket path, which must contain a '/'. Anything else ("9000",
 * "host", a port out of 1..65535) returns false with the reason and the
 * fix in why.
 */
bool listen_parse(const char *spec, struct listen_addr *a, char *why, size_t size);

/*
 * Opens and listens on a. A unix socket is made with perms (the mode set
 * before anyone can connect); when perms->group is NULL and the responder
 * runs as root, the group is LISTEN_WEB_GROUP if it exists. A stale socket
 * file is replaced; a path where another process listens, or that is not
 * a socket, is refused. Returns the descriptor, or -1 with why filled.
 */
int listen_open(struct listen_addr *a, const struct listen_perms *perms,
		char *why, size_t size);

/* Removes the unix socket listen_open made, if its path still names it. */
void listen_close(const struct listen_addr *a, int fd);

/* Fills a from the socket fd listens on when it is IPv4 TCP (a socket a
 * supervisor handed over); false for anything else. */
bool listen_describe(int fd, struct listen_addr *a);

/* True when a is TCP bound to a 127.0.0.0/8 address. */
bool listen_loopback(const struct listen_addr *a);

/* Reads an octal mode of at most 0777 ("0660", "660"). */
bool listen_parse_mode(const char *s, mode_t *mode);

#endif
