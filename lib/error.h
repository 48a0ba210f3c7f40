/* Filling the caller's stagegraph_error; initialising the caller's sized
 * structs. */
#ifndef STAGEGRAPH_ERROR_H
#define STAGEGRAPH_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "stagegraph.h"

/* A position in the input; line and column 1-based, 0 when unknown. */
typedef struct sgi_pos {
  uint32_t line, column, end_line, end_column;
  size_t offset;
} sgi_pos;

/* Fill `err` (may be NULL) and return `code`. The message is printf-style. */
int sgi_error_set(stagegraph_error *err, int code, const sgi_pos *pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Same, with the message copied verbatim (it may contain '%'). */
int sgi_error_set_text(stagegraph_error *err, int code, const sgi_pos *pos, const char *msg,
                       size_t len);
/* Set only the position of an already filled error (fields within its
 * size). */
void sgi_error_set_pos(stagegraph_error *err, const sgi_pos *pos);
/* The public stagegraph_*_init(p, size): zero the first min(size, known)
 * bytes of the caller's struct (`known`: its size in this library) and store
 * that count in its leading size_t. Nothing past `size` is written; NULL, or
 * a size with no room for the size member, writes nothing. Every member has
 * a zero default; one that gets another must be set only when the stored
 * size covers it. */
void sgi_sized_init(void *p, size_t size, size_t known);
/* Copy one error struct into another of possibly different size. */
void sgi_error_copy(stagegraph_error *dst, const stagegraph_error *src);

/* Copy at most cap-1 bytes of s, cut at a UTF-8 boundary, NUL-terminated. */
void sgi_copy_truncated(char *dst, size_t cap, const char *s, size_t len);

#endif
