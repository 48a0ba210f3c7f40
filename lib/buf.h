/* Growable byte buffers backed by an allocator. Every append reports a
 * failed allocation; after one, the buffer stays failed and further appends
 * do nothing, so a writer can check once at the end. */
#ifndef STAGEGRAPH_BUF_H
#define STAGEGRAPH_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "alloc.h"

typedef struct sgi_buf {
  const sgi_mem *mem;
  char *ptr; /* NUL-terminated while not failed */
  size_t len;
  size_t cap;
  size_t limit; /* 0: no limit; beyond it the buffer fails with ELIMIT */
  int failed;   /* 0, STAGEGRAPH_ENOMEM or STAGEGRAPH_ELIMIT */
  unsigned char borrowed; /* ptr is the caller's storage: never freed */
} sgi_buf;

void sgi_buf_init(sgi_buf *b, const sgi_mem *mem);
/* A buffer that starts in the caller's storage (size >= 1 bytes, which
 * must outlive it) and moves to the heap only when it outgrows it. */
void sgi_buf_init_storage(sgi_buf *b, const sgi_mem *mem, char *storage, size_t size);
void sgi_buf_free(sgi_buf *b);
int sgi_buf_grow(sgi_buf *b, size_t extra);
int sgi_buf_append_slow(sgi_buf *b, const char *s, size_t n);
int sgi_buf_puts(sgi_buf *b, const char *s);

/* Appends are the inner loop of every parser and renderer: the common case
 * (room in the buffer) is inline. */
static inline int sgi_buf_append(sgi_buf *b, const char *s, size_t n) {
  if (!b->failed && b->ptr && n < b->cap - b->len && (!b->limit || b->len + n <= b->limit)) {
    if (n) memcpy(b->ptr + b->len, s, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return 0;
  }
  return sgi_buf_append_slow(b, s, n);
}

static inline int sgi_buf_putc(sgi_buf *b, char c) {
  if (!b->failed && b->ptr && b->len + 1 < b->cap && (!b->limit || b->len + 1 <= b->limit)) {
    b->ptr[b->len++] = c;
    b->ptr[b->len] = '\0';
    return 0;
  }
  return sgi_buf_append_slow(b, &c, 1);
}
int sgi_buf_printf(sgi_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void sgi_buf_clear(sgi_buf *b);
/* Hand the bytes over to a public stagegraph_buf (which must be empty or
 * disposed); b is left empty. */
int sgi_buf_detach(sgi_buf *b, stagegraph_buf *out);

#endif
