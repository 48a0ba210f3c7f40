/* Growable byte buffers. */
#include "buf.h"

#include <stdio.h>
#include <string.h>

void sgi_buf_init(sgi_buf *b, const sgi_mem *mem) {
  memset(b, 0, sizeof *b);
  b->mem = mem;
}

void sgi_buf_init_storage(sgi_buf *b, const sgi_mem *mem, char *storage, size_t size) {
  sgi_buf_init(b, mem);
  b->ptr = storage;
  b->cap = size;
  b->borrowed = 1;
  storage[0] = '\0';
}

void sgi_buf_free(sgi_buf *b) {
  if (!b->borrowed) sgi_free(b->mem, b->ptr);
  b->ptr = NULL;
  b->len = b->cap = 0;
  b->borrowed = 0;
}

/* The bytes and their NUL moved to `cap` bytes of the heap. */
static int unborrow(sgi_buf *b, size_t cap) {
  char *p = sgi_malloc(b->mem, cap);
  if (!p) return b->failed = STAGEGRAPH_ENOMEM;
  memcpy(p, b->ptr, b->len);
  p[b->len] = '\0';
  b->ptr = p;
  b->cap = cap;
  b->borrowed = 0;
  return 0;
}

void sgi_buf_clear(sgi_buf *b) {
  b->len = 0;
  if (b->ptr) b->ptr[0] = '\0';
}

int sgi_buf_grow(sgi_buf *b, size_t extra) {
  if (b->failed) return b->failed;
  if (extra > (size_t)-1 - b->len - 1) return b->failed = STAGEGRAPH_ENOMEM;
  size_t need = b->len + extra + 1;
  if (b->limit && need - 1 > b->limit) return b->failed = STAGEGRAPH_ELIMIT;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) {
    if (cap > (size_t)-1 / 2) {
      cap = need;
      break;
    }
    cap *= 2;
  }
  if (b->borrowed) return unborrow(b, cap);
  char *p = sgi_realloc(b->mem, b->ptr, cap);
  if (!p) return b->failed = STAGEGRAPH_ENOMEM;
  b->ptr = p;
  b->cap = cap;
  return 0;
}

int sgi_buf_append_slow(sgi_buf *b, const char *s, size_t n) {
  int rc = sgi_buf_grow(b, n);
  if (rc) return rc;
  if (n) memcpy(b->ptr + b->len, s, n);
  b->len += n;
  b->ptr[b->len] = '\0';
  return 0;
}

int sgi_buf_puts(sgi_buf *b, const char *s) { return sgi_buf_append(b, s, strlen(s)); }

int sgi_buf_printf(sgi_buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return b->failed = STAGEGRAPH_ERROR;
  if ((size_t)n < sizeof small) return sgi_buf_append(b, small, (size_t)n);
  int rc = sgi_buf_grow(b, (size_t)n);
  if (rc) return rc;
  va_start(ap, fmt);
  vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

int sgi_buf_detach(sgi_buf *b, stagegraph_buf *out) {
  if (b->failed) {
    int rc = b->failed;
    sgi_buf_free(b);
    return rc;
  }
  if (!b->ptr) {
    if (sgi_buf_grow(b, 0)) return b->failed;
    b->ptr[0] = '\0';
  } else if (b->borrowed && unborrow(b, b->len + 1)) {
    return b->failed;
  }
  out->ptr = b->ptr;
  out->size = b->len;
  out->capacity = b->cap;
  out->allocator = b->mem->a;
  b->ptr = NULL;
  b->len = b->cap = 0;
  return 0;
}

void stagegraph_buf_dispose(stagegraph_buf *buf) {
  if (!buf) return;
  if (buf->ptr && buf->allocator.free) buf->allocator.free(buf->ptr, buf->allocator.ctx);
  buf->ptr = NULL;
  buf->size = buf->capacity = 0;
}
