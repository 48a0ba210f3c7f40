/* Go-compatible text helpers: UTF-8, whitespace, quoting. */
#include "text.h"
#include "unicode.h"

#include <string.h>

uint32_t sgi_utf8_decode_slow(const char *str, size_t len, size_t *width) {
  const unsigned char *s = (const unsigned char *)str;
  unsigned char c = s[0];
  *width = 1;
  if (c < 0x80) return c;
  size_t n;
  uint32_t r, min;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, r = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, r = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, r = c & 0x07, min = 0x10000;
  } else {
    return SGI_RUNE_ERROR;
  }
  if (len < n) return SGI_RUNE_ERROR;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return SGI_RUNE_ERROR;
    r = (r << 6) | (s[i] & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return SGI_RUNE_ERROR;
  *width = n;
  return r;
}

size_t sgi_utf8_encode(uint32_t r, char out[4]) {
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = SGI_RUNE_ERROR;
  if (r < 0x80) {
    out[0] = (char)r;
    return 1;
  }
  if (r < 0x800) {
    out[0] = (char)(0xC0 | (r >> 6));
    out[1] = (char)(0x80 | (r & 0x3F));
    return 2;
  }
  if (r < 0x10000) {
    out[0] = (char)(0xE0 | (r >> 12));
    out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
    out[2] = (char)(0x80 | (r & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (r >> 18));
  out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
  out[3] = (char)(0x80 | (r & 0x3F));
  return 4;
}

int sgi_is_space_slow(uint32_t r) {
  if (r <= 0xFF) {
    return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0;
  }
  return r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 ||
         r == 0x202F || r == 0x205F || r == 0x3000;
}

size_t sgi_space_prefix_slow(const char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) { /* ASCII: no decoding */
      if (c == ' ' || (c >= '\t' && c <= '\r')) {
        i++;
        continue;
      }
      break;
    }
    size_t w;
    uint32_t r = sgi_utf8_decode(s + i, len - i, &w);
    if (!sgi_is_space(r)) break;
    i += w;
  }
  return i;
}

size_t sgi_space_suffix_slow(const char *s, size_t len) {
  size_t end = len;
  while (end > 0) {
    /* find the start of the last rune */
    size_t start = end - 1;
    while (start > 0 && end - start < 4 && ((unsigned char)s[start] & 0xC0) == 0x80) start--;
    size_t w;
    uint32_t r = sgi_utf8_decode(s + start, end - start, &w);
    if (start + w != end) { /* not a complete rune ending here: one bad byte */
      r = SGI_RUNE_ERROR;
      start = end - 1;
    }
    if (!sgi_is_space(r)) break;
    end = start;
  }
  return len - end;
}

void sgi_trim_space(const char **s, size_t *len) {
  size_t pre = sgi_space_prefix(*s, *len);
  *s += pre;
  *len -= pre;
  *len -= sgi_space_suffix(*s, *len);
}

int sgi_quote_go(sgi_buf *out, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  sgi_buf_putc(out, '"');
  size_t i = 0;
  while (i < len) {
    size_t w;
    uint32_t r = sgi_utf8_decode(s + i, len - i, &w);
    if (r == SGI_RUNE_ERROR && w == 1) {
      char esc[4] = {'\\', 'x', hex[((unsigned char)s[i]) >> 4], hex[((unsigned char)s[i]) & 15]};
      sgi_buf_append(out, esc, 4);
      i += 1;
      continue;
    }
    if (r == '"' || r == '\\') {
      char esc[2] = {'\\', (char)r};
      sgi_buf_append(out, esc, 2);
    } else if (sgi_is_print(r)) {
      sgi_buf_append(out, s + i, w);
    } else {
      switch (r) {
      case '\a': sgi_buf_append(out, "\\a", 2); break;
      case '\b': sgi_buf_append(out, "\\b", 2); break;
      case '\f': sgi_buf_append(out, "\\f", 2); break;
      case '\n': sgi_buf_append(out, "\\n", 2); break;
      case '\r': sgi_buf_append(out, "\\r", 2); break;
      case '\t': sgi_buf_append(out, "\\t", 2); break;
      case '\v': sgi_buf_append(out, "\\v", 2); break;
      default:
        if (r < ' ' || r == 0x7F) {
          char esc[4] = {'\\', 'x', hex[r >> 4], hex[r & 15]};
          sgi_buf_append(out, esc, 4);
        } else if (r < 0x10000) {
          char esc[6] = {'\\', 'u', hex[(r >> 12) & 15], hex[(r >> 8) & 15], hex[(r >> 4) & 15],
                         hex[r & 15]};
          sgi_buf_append(out, esc, 6);
        } else {
          char esc[10] = {'\\', 'U', hex[(r >> 28) & 15], hex[(r >> 24) & 15], hex[(r >> 20) & 15],
                          hex[(r >> 16) & 15], hex[(r >> 12) & 15], hex[(r >> 8) & 15],
                          hex[(r >> 4) & 15], hex[r & 15]};
          sgi_buf_append(out, esc, 10);
        }
      }
    }
    i += w;
  }
  return sgi_buf_putc(out, '"');
}

int sgi_ascii_casecmp(const char *a, size_t alen, const char *b) {
  size_t blen = strlen(b);
  if (alen != blen) return 1;
  for (size_t i = 0; i < alen; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
    if (x != y) return 1;
  }
  return 0;
}

static void append_mapped(sgi_buf *out, const char *s, size_t len, int lower) {
  size_t i = 0;
  while (i < len) {
    /* a run of ASCII is appended whole, then mapped in place */
    size_t run = i;
    while (run < len && (unsigned char)s[run] < 0x80) run++;
    if (run > i) {
      size_t at = out->len;
      if (sgi_buf_append(out, s + i, run - i)) return;
      char from = lower ? 'A' : 'a';
      for (char *p = out->ptr + at; p < out->ptr + out->len; p++)
        if (*p >= from && *p <= from + 25) *p ^= 0x20;
      i = run;
      continue;
    }
    size_t w;
    uint32_t r = sgi_utf8_decode(s + i, len - i, &w);
    if (r == SGI_RUNE_ERROR && w == 1) {
      sgi_buf_append(out, "\xEF\xBF\xBD", 3); /* Go maps invalid bytes to U+FFFD */
    } else {
      uint32_t m = lower ? sgi_rune_lower(r) : sgi_rune_upper(r);
      if (m == r) {
        sgi_buf_append(out, s + i, w);
      } else {
        char enc[4];
        sgi_buf_append(out, enc, sgi_utf8_encode(m, enc));
      }
    }
    i += w;
  }
}

void sgi_append_lower(sgi_buf *out, const char *s, size_t len) { append_mapped(out, s, len, 1); }
void sgi_append_upper(sgi_buf *out, const char *s, size_t len) { append_mapped(out, s, len, 0); }

int sgi_equal_fold(const char *s, size_t len, const char *b) {
  size_t blen = strlen(b), i = 0, j = 0;
  while (i < len && j < blen) {
    size_t wa, wb;
    uint32_t ra = sgi_utf8_decode(s + i, len - i, &wa), rb = sgi_utf8_decode(b + j, blen - j, &wb);
    if (ra != rb && sgi_rune_fold(ra) != sgi_rune_fold(rb)) return 0;
    i += wa;
    j += wb;
  }
  return i == len && j == blen;
}

int sgi_is_case(const char *s, size_t len, int lower) {
  /* ASCII (keywords, most names) is decided without decoding: only the
   * letters of the other case change it */
  char from = lower ? 'A' : 'a';
  size_t i = 0;
  for (; i < len && (unsigned char)s[i] < 0x80; i++)
    if (s[i] >= from && s[i] <= from + 25) return 0;
  while (i < len) {
    size_t w;
    uint32_t r = sgi_utf8_decode(s + i, len - i, &w);
    if (r == SGI_RUNE_ERROR && w == 1) return 0;
    if ((lower ? sgi_rune_lower(r) : sgi_rune_upper(r)) != r) return 0;
    i += w;
  }
  return 1;
}
