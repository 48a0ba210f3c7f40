/* Streaming JSON output. */
#include "json_writer.h"

#include <string.h>

#include "text.h"

void sgi_json_init(sgi_json *j, sgi_buf *out, int compact) {
  memset(j, 0, sizeof *j);
  j->out = out;
  j->compact = compact;
}

static void newline(sgi_json *j) {
  if (j->compact) return;
  sgi_buf_putc(j->out, '\n');
  for (int i = 0; i < j->depth; i++) sgi_buf_append(j->out, "  ", 2);
}

/* Separator and indentation before a value or key. */
static void before(sgi_json *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->need_comma) sgi_buf_putc(j->out, ',');
  if (j->depth > 0) newline(j);
}

static void after(sgi_json *j) { j->need_comma = 1; }

static void open(sgi_json *j, char c) {
  before(j);
  sgi_buf_putc(j->out, c);
  j->depth++;
  j->need_comma = 0;
}

static void close(sgi_json *j, char c) {
  j->depth--;
  if (j->need_comma) newline(j);
  sgi_buf_putc(j->out, c);
  after(j);
  if (j->depth == 0 && !j->compact) sgi_buf_putc(j->out, '\n');
}

void sgi_json_begin_object(sgi_json *j) { open(j, '{'); }
void sgi_json_end_object(sgi_json *j) { close(j, '}'); }
void sgi_json_begin_array(sgi_json *j) { open(j, '['); }
void sgi_json_end_array(sgi_json *j) { close(j, ']'); }

void sgi_json_escape(sgi_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  sgi_buf_putc(b, '"');
  size_t i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      size_t run = i;
      while (run < len && (unsigned char)s[run] >= 0x20 && s[run] != '"' && s[run] != '\\' &&
             (unsigned char)s[run] < 0x80)
        run++;
      sgi_buf_append(b, s + i, run - i);
      i = run;
      continue;
    }
    if (c >= 0x80) {
      size_t w;
      uint32_t r = sgi_utf8_decode(s + i, len - i, &w);
      if (r == SGI_RUNE_ERROR && w == 1)
        sgi_buf_append(b, "\\ufffd", 6);
      else
        sgi_buf_append(b, s + i, w);
      i += w;
      continue;
    }
    switch (c) {
    case '"': sgi_buf_append(b, "\\\"", 2); break;
    case '\\': sgi_buf_append(b, "\\\\", 2); break;
    case '\n': sgi_buf_append(b, "\\n", 2); break;
    case '\r': sgi_buf_append(b, "\\r", 2); break;
    case '\t': sgi_buf_append(b, "\\t", 2); break;
    default: {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      sgi_buf_append(b, esc, 6);
    }
    }
    i++;
  }
  sgi_buf_putc(b, '"');
}

void sgi_json_key(sgi_json *j, const char *key) {
  before(j);
  sgi_json_escape(j->out, key, strlen(key));
  sgi_buf_append(j->out, j->compact ? ":" : ": ", j->compact ? 1 : 2);
  j->after_key = 1;
}

void sgi_json_string(sgi_json *j, const char *s, size_t len) {
  before(j);
  sgi_json_escape(j->out, s, len);
  after(j);
}

void sgi_json_cstring(sgi_json *j, const char *s) {
  if (!s) {
    sgi_json_null(j);
    return;
  }
  sgi_json_string(j, s, strlen(s));
}

void sgi_json_int(sgi_json *j, long long v) {
  before(j);
  sgi_buf_printf(j->out, "%lld", v);
  after(j);
}

void sgi_json_bool(sgi_json *j, int v) {
  before(j);
  sgi_buf_puts(j->out, v ? "true" : "false");
  after(j);
}

void sgi_json_null(sgi_json *j) {
  before(j);
  sgi_buf_puts(j->out, "null");
  after(j);
}
