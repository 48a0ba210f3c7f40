/* A small streaming JSON writer used by every renderer: two-space indented
 * output (one value per line, so outputs diff cleanly), strings escaped with
 * invalid UTF-8 replaced by U+FFFD. */
#ifndef STAGEGRAPH_JSON_WRITER_H
#define STAGEGRAPH_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct sgi_json {
  sgi_buf *out;
  int depth;
  int need_comma; /* a value was written at the current depth */
  int after_key;  /* the next value follows a key on the same line */
  int compact;    /* no newlines or indentation */
} sgi_json;

void sgi_json_init(sgi_json *j, sgi_buf *out, int compact);
void sgi_json_begin_object(sgi_json *j);
void sgi_json_end_object(sgi_json *j);
void sgi_json_begin_array(sgi_json *j);
void sgi_json_end_array(sgi_json *j);
void sgi_json_key(sgi_json *j, const char *key);
void sgi_json_string(sgi_json *j, const char *s, size_t len);
void sgi_json_cstring(sgi_json *j, const char *s); /* NULL writes null */
void sgi_json_int(sgi_json *j, long long v);
void sgi_json_bool(sgi_json *j, int v);
void sgi_json_null(sgi_json *j);
/* Append s[0..len) to buf as a JSON string literal. */
void sgi_json_escape(sgi_buf *buf, const char *s, size_t len);

#endif
