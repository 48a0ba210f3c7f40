/* Go's strconv and time parsers, with their exact error texts, for the
 * values BuildKit validates with them (HEALTHCHECK durations and retries,
 * mount options). */
#ifndef STAGEGRAPH_GOPARSE_H
#define STAGEGRAPH_GOPARSE_H

#include <stdint.h>

#include "buf.h"

/* time.ParseDuration. On error returns -1 and appends Go's message to msg. */
int sgi_go_parse_duration(const char *s, size_t len, int64_t *out, sgi_buf *msg);
/* strconv.ParseInt(s, 10, bits). On error returns -1 and appends Go's
 * message (`strconv.ParseInt: parsing "x": invalid syntax`). */
int sgi_go_parse_int(const char *s, size_t len, int bits, int64_t *out, sgi_buf *msg);
/* strconv.Atoi: an optional sign and decimal digits, within int64; 0 or
 * -1 (no message). */
int sgi_go_atoi(const char *s, size_t len, int64_t *out);
/* strconv.ParseUint(s, base, bits): 0 or -1 (no message: callers use their own). */
int sgi_go_parse_uint(const char *s, size_t len, int base, int bits, uint64_t *out);
/* strconv.ParseBool: 0 or -1. */
int sgi_go_parse_bool(const char *s, size_t len, int *out);

#endif
