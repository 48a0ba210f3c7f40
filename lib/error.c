/* Error codes, names and the caller's error struct. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *stagegraph_code_name(int code) {
  switch (code) {
  case STAGEGRAPH_OK: return "OK";
  case STAGEGRAPH_ERROR: return "ERROR";
  case STAGEGRAPH_ENOMEM: return "ENOMEM";
  case STAGEGRAPH_EINVAL: return "EINVAL";
  case STAGEGRAPH_EIO: return "EIO";
  case STAGEGRAPH_ESYNTAX: return "ESYNTAX";
  case STAGEGRAPH_EINSTRUCTION: return "EINSTRUCTION";
  case STAGEGRAPH_ELIMIT: return "ELIMIT";
  case STAGEGRAPH_ENOTFOUND: return "ENOTFOUND";
  case STAGEGRAPH_ECYCLE: return "ECYCLE";
  case STAGEGRAPH_EEXPAND: return "EEXPAND";
  case STAGEGRAPH_EREFERENCE: return "EREFERENCE";
  case STAGEGRAPH_ESTAGE: return "ESTAGE";
  default: return "EUNKNOWN";
  }
}

void sgi_sized_init(void *p, size_t size, size_t known) {
  if (!p || size < sizeof(size_t)) return;
  size_t n = size < known ? size : known;
  memset(p, 0, n);
  memcpy(p, &n, sizeof n);
}

void stagegraph_error_init(stagegraph_error *err, size_t size) {
  sgi_sized_init(err, size, sizeof *err);
}

void sgi_copy_truncated(char *dst, size_t cap, const char *s, size_t len) {
  if (cap == 0) return;
  if (len >= cap) {
    len = cap - 1;
    /* back off to the start of a UTF-8 sequence */
    while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80) len--;
  }
  memcpy(dst, s, len);
  dst[len] = '\0';
}

void sgi_error_copy(stagegraph_error *dst, const stagegraph_error *src) {
  if (!dst || !src) return;
  size_t n = dst->size < sizeof *src ? dst->size : sizeof *src;
  size_t keep = dst->size;
  if (n > sizeof(size_t)) memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
                                 n - sizeof(size_t));
  dst->size = keep;
}

void sgi_error_set_pos(stagegraph_error *err, const sgi_pos *pos) {
  if (!err || !pos) return;
  stagegraph_error full;
  memset(&full, 0, sizeof full);
  full.size = sizeof full;
  size_t size = err->size ? err->size : sizeof *err;
  size_t n = size < sizeof full ? size : sizeof full;
  memcpy(&full, err, n);
  full.size = sizeof full;
  full.line = pos->line;
  full.column = pos->column;
  full.end_line = pos->end_line;
  full.end_column = pos->end_column;
  full.offset = pos->offset;
  if (!err->size) err->size = sizeof *err;
  sgi_error_copy(err, &full);
}

int sgi_error_set_text(stagegraph_error *err, int code, const sgi_pos *pos, const char *msg,
                       size_t len) {
  if (!err) return code;
  stagegraph_error full;
  memset(&full, 0, sizeof full);
  full.size = sizeof full;
  full.code = code;
  if (pos) {
    full.line = pos->line;
    full.column = pos->column;
    full.end_line = pos->end_line;
    full.end_column = pos->end_column;
    full.offset = pos->offset;
  }
  sgi_copy_truncated(full.message, sizeof full.message, msg, len);
  if (err->size == 0) err->size = sizeof *err; /* a zeroed struct means "current size" */
  sgi_error_copy(err, &full);
  return code;
}

int sgi_error_set(stagegraph_error *err, int code, const sgi_pos *pos, const char *fmt, ...) {
  if (!err) return code;
  char msg[STAGEGRAPH_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
  if ((size_t)n >= sizeof msg) {
    /* vsnprintf may have cut a UTF-8 sequence: drop its start */
    size_t start = len;
    while (start > 0 && ((unsigned char)msg[start - 1] & 0xC0) == 0x80) start--;
    if (start > 0) {
      unsigned char lead = (unsigned char)msg[start - 1];
      size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (start - 1 + need > len) len = start - 1;
    }
  }
  return sgi_error_set_text(err, code, pos, msg, len);
}
