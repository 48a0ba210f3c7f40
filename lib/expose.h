/* EXPOSE port specs, [ip:][hostPort:]port[-end][/proto], as BuildKit's
 * dispatch reads them (dockerfile2llb/convert_expose.go): split for the
 * EXPOSE lint rules, and checked with its error texts for dispatch. */
#ifndef STAGEGRAPH_EXPOSE_H
#define STAGEGRAPH_EXPOSE_H

#include <stddef.h>

#include "buf.h"

typedef struct sgi_span {
  const char *ptr;
  size_t len;
} sgi_span;

/* A spec's parts, slices of it: the IP (every part before the last two
 * ':'-separated ones), the host port, and the container port and protocol
 * either side of its first '/' (proto empty when there is none). */
typedef struct sgi_port_spec {
  sgi_span ip, host, port, proto;
} sgi_port_spec;

void sgi_port_spec_split(const char *spec, size_t len, sgi_port_spec *out);

/* 1 when the protocol is one BuildKit takes (tcp, udp or sctp in any
 * case, or none). */
int sgi_port_proto_known(const sgi_port_spec *p);

/* Whether dispatch takes the spec: 0, or 1 with BuildKit's message
 * appended to msg (e.g. `invalid containerPort: 70000`). */
int sgi_port_spec_check(const char *spec, size_t len, sgi_buf *msg);

#endif
