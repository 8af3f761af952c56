/* One FastCGI request: params and body in, mirror_handle, bytes out. */
#ifndef MIRROR_FCGI_SERVE_H
#define MIRROR_FCGI_SERVE_H

#include <fcgiapp.h>

#include "conf.h"
#include "mirror.h"

/* Per-thread scratch: the body buffer, sized by the configured cap. */
struct serve_ctx {
	const struct mirror_conf *conf;
	struct mirror_worker *worker;
	char *body;            /* owned; conf->max_body + 1 bytes */
};

/* Answers the request r has accepted. Never fails the process. */
void serve_request(struct serve_ctx *ctx, FCGX_Request *r);

#endif
