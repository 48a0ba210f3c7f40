/* STOPSIGNAL values as BuildKit's dispatch checks them (moby/sys/signal's
 * ParseSignal with its Linux signal names). */
#ifndef STAGEGRAPH_STOPSIGNAL_H
#define STAGEGRAPH_STOPSIGNAL_H

#include <stddef.h>

#include "buf.h"

/* 0 when the value is a non-zero integer (strconv.Atoi) or, upper-cased
 * and without a leading "SIG", a Linux signal name; else 1 with
 * `invalid signal: VALUE` appended to msg; or STAGEGRAPH_ENOMEM. */
int sgi_signal_check(const char *value, size_t len, sgi_buf *msg);

#endif
