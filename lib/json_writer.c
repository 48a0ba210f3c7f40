/* Streaming JSON output. */
#include "json_writer.h"

#include <string.h>

#include "text.h"

void sgi_json_init(sgi_json *j, sgi_buf *out, int compact) {
  memset(j, 0, sizeof *j);
  j->out = out;
  j->compact = compact;
}

/* ",\n" then indentation: a separator is one append of a slice of this
 * (deeper nesting appends the rest in steps). */
static const char separator[] = ",\n"
                                "                                                                "
                                "                                                                ";
enum { SEPARATOR_DEPTH = (sizeof separator - 3) / 2 };

/* A comma when asked, then (unless compact) a newline and the indentation. */
static void separate(sgi_json *j, int comma) {
  if (j->compact) {
    if (comma) sgi_buf_putc(j->out, ',');
    return;
  }
  int depth = j->depth;
  int first = depth < SEPARATOR_DEPTH ? depth : SEPARATOR_DEPTH;
  sgi_buf_append(j->out, separator + !comma, (size_t)!!comma + 1 + 2 * (size_t)first);
  for (depth -= first; depth > 0; depth -= first) {
    first = depth < SEPARATOR_DEPTH ? depth : SEPARATOR_DEPTH;
    sgi_buf_append(j->out, separator + 2, 2 * (size_t)first);
  }
}

/* Separator and indentation before a value or key. */
static void before(sgi_json *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->depth > 0) separate(j, j->need_comma);
  else if (j->need_comma) sgi_buf_putc(j->out, ',');
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
  if (j->need_comma) separate(j, 0);
  sgi_buf_putc(j->out, c);
  after(j);
  if (j->depth == 0 && !j->compact) sgi_buf_putc(j->out, '\n');
}

void sgi_json_begin_object(sgi_json *j) { open(j, '{'); }
void sgi_json_end_object(sgi_json *j) { close(j, '}'); }
void sgi_json_begin_array(sgi_json *j) { open(j, '['); }
void sgi_json_end_array(sgi_json *j) { close(j, ']'); }

/* 1 for the bytes written as they are: printable ASCII other than '"'
 * and '\\' (controls, '"', '\\' and multibyte sequences need work). */
static const unsigned char plain_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: '\\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
    /* 0x80 to 0xff: 0 */
};

/* The lanes of w (eight bytes) that need work, as their high bits: a byte
 * below 0x20 or from 0x80 up, '"' or '\\'. Borrows may mark lanes after a
 * marked one, never a lane when none is marked. */
static uint64_t special_lanes(uint64_t w) {
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
  return ((w - ones * 0x20) | w | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & highs;
}

/* How many bytes from s are written as they are, tested eight at a time,
 * then (from the word that needs work, or for a short tail) one by one. */
static size_t plain_prefix(const unsigned char *s, size_t len) {
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    if (special_lanes(w)) break;
  }
  while (i < len && plain_byte[s[i]]) i++;
  return i;
}

/* Append s between quotes, in one reservation: for text needing no escape. */
static void put_quoted(sgi_buf *b, const char *s, size_t len) {
  if (sgi_buf_grow(b, len + 2)) return;
  char *o = b->ptr + b->len;
  o[0] = '"';
  if (len) memcpy(o + 1, s, len);
  o[len + 1] = '"';
  o[len + 2] = '\0';
  b->len += len + 2;
}

void sgi_json_escape(sgi_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *u = (const unsigned char *)s;
  size_t i = plain_prefix(u, len), run = 0; /* s[run..i) is copied as it is, in one append */
  if (i == len) {
    put_quoted(b, s, len); /* most strings */
    return;
  }
  sgi_buf_putc(b, '"');
  while (i < len) {
    i += plain_prefix(u + i, len - i);
    if (i == len) break;
    unsigned char c = u[i];
    if (c >= 0x80) {
      size_t w;
      uint32_t r = sgi_utf8_decode(s + i, len - i, &w);
      if (!(r == SGI_RUNE_ERROR && w == 1)) { /* valid UTF-8 stays in the run */
        i += w;
        continue;
      }
    }
    sgi_buf_append(b, s + run, i - run);
    switch (c) {
    case '"': sgi_buf_append(b, "\\\"", 2); break;
    case '\\': sgi_buf_append(b, "\\\\", 2); break;
    case '\n': sgi_buf_append(b, "\\n", 2); break;
    case '\r': sgi_buf_append(b, "\\r", 2); break;
    case '\t': sgi_buf_append(b, "\\t", 2); break;
    default:
      if (c >= 0x80) {
        sgi_buf_append(b, "\\ufffd", 6);
      } else {
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        sgi_buf_append(b, esc, 6);
      }
    }
    run = ++i;
  }
  sgi_buf_append(b, s + run, len - run);
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
  /* digits from the end; the magnitude as unsigned covers LLONG_MIN */
  char digits[24];
  size_t at = sizeof digits;
  unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do {
    digits[--at] = (char)('0' + m % 10);
    m /= 10;
  } while (m);
  if (v < 0) digits[--at] = '-';
  sgi_buf_append(j->out, digits + at, sizeof digits - at);
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
