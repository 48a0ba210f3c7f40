/* Go encoding/json semantics for `[...]` exec-form arguments. */
#include "json_array.h"

#include <string.h>

#include "text.h"

/* Go's decoder refuses documents nested deeper than this. */
enum { GO_JSON_MAX_DEPTH = 10000 };

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static size_t skip_ws(const char *s, size_t len, size_t i) {
  while (i < len && is_ws((unsigned char)s[i])) i++;
  return i;
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Scan a string starting at s[i] == '"'; return the index after the closing
 * quote, or 0 when invalid. */
static size_t scan_string(const char *s, size_t len, size_t i) {
  i++;
  while (i < len) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"') return i + 1;
    if (c < 0x20) return 0;
    if (c == '\\') {
      if (i + 1 >= len) return 0;
      unsigned char e = (unsigned char)s[i + 1];
      if (e == 'u') {
        if (i + 6 > len) return 0;
        for (int k = 2; k < 6; k++)
          if (hexval((unsigned char)s[i + k]) < 0) return 0;
        i += 6;
        continue;
      }
      if (!strchr("\"\\/bfnrt", e) || e == 0) return 0;
      i += 2;
      continue;
    }
    i++;
  }
  return 0;
}

static size_t scan_number(const char *s, size_t len, size_t i) {
  if (i < len && s[i] == '-') i++;
  if (i >= len) return 0;
  if (s[i] == '0') {
    i++;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
  } else {
    return 0;
  }
  if (i < len && s[i] == '.') {
    i++;
    if (i >= len || s[i] < '0' || s[i] > '9') return 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
  }
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= len || s[i] < '0' || s[i] > '9') return 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
  }
  return i;
}

static size_t scan_literal(const char *s, size_t len, size_t i, const char *lit) {
  size_t n = strlen(lit);
  if (len - i < n || memcmp(s + i, lit, n) != 0) return 0;
  return i + n;
}

/* Decode the JSON string s[i..end) (quotes included) into the arena. */
static int decode_string(sgi_arena *arena, const char *s, size_t i, size_t end, sgi_str *out) {
  /* Decoded text is never longer than the source, except that an invalid
   * byte (1) becomes U+FFFD (3). */
  size_t cap;
  if (!sgi_mul_ok(end - i, 3, &cap)) return STAGEGRAPH_ENOMEM;
  char *dst = sgi_arena_alloc(arena, cap + 1);
  if (!dst) return STAGEGRAPH_ENOMEM;
  size_t o = 0;
  i++;
  end--;
  while (i < end) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\\') {
      unsigned char e = (unsigned char)s[i + 1];
      uint32_t r;
      switch (e) {
      case 'b': dst[o++] = '\b'; i += 2; continue;
      case 'f': dst[o++] = '\f'; i += 2; continue;
      case 'n': dst[o++] = '\n'; i += 2; continue;
      case 'r': dst[o++] = '\r'; i += 2; continue;
      case 't': dst[o++] = '\t'; i += 2; continue;
      case 'u':
        r = (uint32_t)(hexval((unsigned char)s[i + 2]) << 12 | hexval((unsigned char)s[i + 3]) << 8 |
                       hexval((unsigned char)s[i + 4]) << 4 | hexval((unsigned char)s[i + 5]));
        i += 6;
        if (r >= 0xD800 && r <= 0xDFFF) {
          uint32_t lo = 0;
          if (r < 0xDC00 && i + 6 <= end && s[i] == '\\' && s[i + 1] == 'u') {
            lo = (uint32_t)(hexval((unsigned char)s[i + 2]) << 12 |
                            hexval((unsigned char)s[i + 3]) << 8 |
                            hexval((unsigned char)s[i + 4]) << 4 | hexval((unsigned char)s[i + 5]));
          }
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            r = SGI_RUNE_ERROR;
          }
        }
        o += sgi_utf8_encode(r, dst + o);
        continue;
      default: dst[o++] = (char)e; i += 2; continue;
      }
    }
    if (c < 0x80) {
      dst[o++] = (char)c;
      i++;
      continue;
    }
    size_t w;
    uint32_t r = sgi_utf8_decode(s + i, end - i, &w);
    if (r == SGI_RUNE_ERROR && w == 1) {
      o += sgi_utf8_encode(SGI_RUNE_ERROR, dst + o);
    } else {
      memcpy(dst + o, s + i, w);
      o += w;
    }
    i += w;
  }
  dst[o] = '\0';
  out->ptr = dst;
  out->len = o;
  return 0;
}

int sgi_json_string_array(sgi_arena *arena, const char *s, size_t len, sgi_str **items,
                          size_t *count) {
  /* Pass 1: validate the whole document as Go's scanner does, counting the
   * top-level elements and noting whether any is not a string. Containers
   * are tracked in a bit stack (1 = object) so nesting costs no recursion. */
  unsigned char stack[GO_JSON_MAX_DEPTH / 8 + 1];
  size_t depth = 0, top_count = 0;
  int non_string = 0;
  size_t i = skip_ws(s, len, 0);
  if (i >= len || s[i] != '[') return SGI_JSON_NOT_JSON;
  enum { VALUE, AFTER_VALUE, KEY_OR_END, VALUE_OR_END } want = VALUE;
  for (;;) {
    i = skip_ws(s, len, i);
    if (want == AFTER_VALUE) {
      if (depth == 0) break;
      int in_object = (stack[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1;
      if (i >= len) return SGI_JSON_NOT_JSON;
      if (s[i] == ',') {
        i++;
        want = in_object ? KEY_OR_END : VALUE;
        if (in_object) {
          i = skip_ws(s, len, i);
          if (i >= len || s[i] != '"') return SGI_JSON_NOT_JSON;
          want = KEY_OR_END;
        }
        continue;
      }
      if (s[i] == (in_object ? '}' : ']')) {
        i++;
        depth--;
        want = AFTER_VALUE;
        continue;
      }
      return SGI_JSON_NOT_JSON;
    }
    if (i >= len) return SGI_JSON_NOT_JSON;
    if (want == KEY_OR_END || want == VALUE_OR_END) {
      char close = want == KEY_OR_END ? '}' : ']';
      if (s[i] == close) {
        i++;
        depth--;
        want = AFTER_VALUE;
        continue;
      }
      if (want == KEY_OR_END) {
        if (s[i] != '"') return SGI_JSON_NOT_JSON;
        size_t e = scan_string(s, len, i);
        if (!e) return SGI_JSON_NOT_JSON;
        i = skip_ws(s, len, e);
        if (i >= len || s[i] != ':') return SGI_JSON_NOT_JSON;
        i++;
        want = VALUE;
        continue;
      }
      want = VALUE;
    }
    /* a value */
    if (depth == 1) {
      top_count++;
      if (s[i] != '"') non_string = 1;
    }
    size_t e;
    switch (s[i]) {
    case '[':
    case '{':
      if (depth >= GO_JSON_MAX_DEPTH) return SGI_JSON_NOT_JSON;
      if (s[i] == '{')
        stack[depth / 8] |= (unsigned char)(1u << (depth % 8));
      else
        stack[depth / 8] &= (unsigned char)~(1u << (depth % 8));
      depth++;
      i++;
      want = s[i - 1] == '{' ? KEY_OR_END : VALUE_OR_END;
      if (s[i - 1] == '{') {
        i = skip_ws(s, len, i);
        if (i < len && s[i] == '}') {
          i++;
          depth--;
          want = AFTER_VALUE;
        } else if (i >= len || s[i] != '"') {
          return SGI_JSON_NOT_JSON;
        }
      }
      continue;
    case '"': e = scan_string(s, len, i); break;
    case 't': e = scan_literal(s, len, i, "true"); break;
    case 'f': e = scan_literal(s, len, i, "false"); break;
    case 'n': e = scan_literal(s, len, i, "null"); break;
    default: e = scan_number(s, len, i); break;
    }
    if (!e) return SGI_JSON_NOT_JSON;
    i = e;
    want = AFTER_VALUE;
  }
  if (skip_ws(s, len, i) != len) return SGI_JSON_NOT_JSON;
  if (non_string) return SGI_JSON_NOT_STRINGS;

  /* Pass 2: the top level is a flat array of strings; decode them. */
  sgi_str *out = sgi_arena_calloc(arena, top_count ? top_count : 1, sizeof *out);
  if (!out) return STAGEGRAPH_ENOMEM;
  size_t n = 0;
  i = skip_ws(s, len, 0) + 1;
  while (n < top_count) {
    i = skip_ws(s, len, i);
    size_t e = scan_string(s, len, i);
    if (decode_string(arena, s, i, e, &out[n])) return STAGEGRAPH_ENOMEM;
    n++;
    i = skip_ws(s, len, e);
    i++; /* ',' or ']' */
  }
  *items = out;
  *count = top_count;
  return SGI_JSON_ARRAY;
}
