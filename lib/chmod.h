/* COPY and ADD --chmod values as BuildKit's dispatchCopy checks them
 * (C/convert_copy.go): an octal mode up to 07777, or a symbolic one as
 * chmod(1) writes it (the dchapes-mode parser BuildKit uses). */
#ifndef STAGEGRAPH_CHMOD_H
#define STAGEGRAPH_CHMOD_H

#include <stddef.h>

#include "buf.h"

/* 0 when dispatch takes the (expanded, non-empty) value; else 1 with
 * BuildKit's message appended to msg: `invalid chmod parameter: 'V'. it
 * should be octal string and between 0 and 07777` for a number, `invalid
 * syntax` for a symbolic mode it refuses. */
int sgi_chmod_check(const char *value, size_t len, sgi_buf *msg);

#endif
