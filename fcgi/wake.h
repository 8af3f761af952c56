/* Waking worker threads blocked in accept() without signals. */
#ifndef MIRROR_FCGI_WAKE_H
#define MIRROR_FCGI_WAKE_H

/*
 * Opens and at once closes one connection to the socket fd listens on
 * (its unix path, or its TCP port on loopback). A thread blocked in
 * accept() on it returns with a connection that reads as end-of-file,
 * which libfcgi drops before it looks at shutdownPending again.
 * Returns 0, or -1 when the address cannot be reached.
 */
int wake_listener(int fd);

#endif
