/* Text helpers that behave as Go's standard library does, because BuildKit's
 * results depend on Go's definitions of whitespace, UTF-8 decoding and
 * string quoting. */
#ifndef STAGEGRAPH_TEXT_H
#define STAGEGRAPH_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

#define SGI_RUNE_ERROR 0xFFFDu

/* Decode one rune at s[0..len) (len > 0) as Go's utf8.DecodeRune: invalid
 * or truncated sequences give SGI_RUNE_ERROR with width 1. ASCII, nearly
 * all of every Dockerfile, is decoded inline. */
uint32_t sgi_utf8_decode_slow(const char *s, size_t len, size_t *width);
static inline uint32_t sgi_utf8_decode(const char *s, size_t len, size_t *width) {
  if ((unsigned char)s[0] < 0x80) {
    *width = 1;
    return (unsigned char)s[0];
  }
  return sgi_utf8_decode_slow(s, len, width);
}
/* Encode a rune; returns the byte count (1-4). */
size_t sgi_utf8_encode(uint32_t r, char out[4]);

/* unicode.IsSpace */
int sgi_is_space_slow(uint32_t r);
static inline int sgi_is_space(uint32_t r) {
  if (r < 0x80) return r == ' ' || (r >= '\t' && r <= '\r');
  return sgi_is_space_slow(r);
}
/* Bytes of leading / trailing unicode whitespace (strings.TrimLeftFunc /
 * TrimRightFunc with unicode.IsSpace). The common answer, none (an ASCII
 * byte that is not a space), is given inline. */
size_t sgi_space_prefix_slow(const char *s, size_t len);
size_t sgi_space_suffix_slow(const char *s, size_t len);
static inline size_t sgi_space_prefix(const char *s, size_t len) {
  if (len == 0) return 0;
  unsigned char c = (unsigned char)s[0];
  if (c < 0x80 && c != ' ' && (c < '\t' || c > '\r')) return 0;
  return sgi_space_prefix_slow(s, len);
}
static inline size_t sgi_space_suffix(const char *s, size_t len) {
  if (len == 0) return 0;
  unsigned char c = (unsigned char)s[len - 1];
  if (c < 0x80 && c != ' ' && (c < '\t' || c > '\r')) return 0;
  return sgi_space_suffix_slow(s, len);
}
/* strings.TrimSpace: adjusts *s and *len. */
void sgi_trim_space(const char **s, size_t *len);

/* BuildKit's reWhitespace class [\t\v\f\r ]. */
static inline int sgi_is_blank(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Append s as Go's strconv.Quote would write it. */
int sgi_quote_go(sgi_buf *out, const char *s, size_t len);

/* c lowered if an ASCII capital (how stage names are looked up). */
static inline char sgi_ascii_lower(char c) { return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c); }

/* ASCII case-insensitive comparison with a NUL-terminated ASCII string. */
int sgi_ascii_casecmp(const char *a, size_t alen, const char *b);

/* strings.ToLower / ToUpper appended to out (rune by rune with Go's
 * unicode.ToLower / ToUpper, unicode.h). */
void sgi_append_lower(sgi_buf *out, const char *s, size_t len);
void sgi_append_upper(sgi_buf *out, const char *s, size_t len);
/* strings.EqualFold of s[0..len) with the NUL-terminated b. */
int sgi_equal_fold(const char *s, size_t len, const char *b);
/* 1 when strings.ToLower (lower=1) or ToUpper (lower=0) leaves s unchanged. */
int sgi_is_case(const char *s, size_t len, int lower);

/* A "KEY[=VALUE]" word (an ARG word, a build arg): the length of KEY, up
 * to the first '='; *value, when value is not NULL, is VALUE, or NULL when
 * the word has no '='. The word is NUL-terminated. */
static inline size_t sgi_key_value(const char *word, const char **value) {
  const char *eq = strchr(word, '=');
  if (value) *value = eq ? eq + 1 : NULL;
  return eq ? (size_t)(eq - word) : strlen(word);
}

#endif
