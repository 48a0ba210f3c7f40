/* Platforms ("os/arch[/variant]") as containerd parses and normalises
 * them, for the automatic platform args and FROM --platform. */
#ifndef STAGEGRAPH_PLATFORM_H
#define STAGEGRAPH_PLATFORM_H

#include "buf.h"

typedef struct sgi_platform {
  char os[32];
  char arch[32];
  char variant[16];
} sgi_platform;

/* Parse and normalise. Returns 0, or -1 with containerd's message appended
 * to msg. */
int sgi_platform_parse(const char *spec, size_t len, sgi_platform *out, sgi_buf *msg);
/* "os/arch[/variant]" */
void sgi_platform_format(const sgi_platform *p, char *out, size_t cap);

#endif
