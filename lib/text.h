/* Text helpers that behave as Go's standard library does, because BuildKit's
 * results depend on Go's definitions of whitespace, UTF-8 decoding and
 * string quoting. */
#ifndef STAGEGRAPH_TEXT_H
#define STAGEGRAPH_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SGI_RUNE_ERROR 0xFFFDu

/* Decode one rune at s[0..len) (len > 0) as Go's utf8.DecodeRune: invalid
 * or truncated sequences give SGI_RUNE_ERROR with width 1. */
uint32_t sgi_utf8_decode(const char *s, size_t len, size_t *width);
/* Encode a rune; returns the byte count (1-4). */
size_t sgi_utf8_encode(uint32_t r, char out[4]);

/* unicode.IsSpace */
int sgi_is_space(uint32_t r);
/* Bytes of leading / trailing unicode whitespace (strings.TrimLeftFunc /
 * TrimRightFunc with unicode.IsSpace). */
size_t sgi_space_prefix(const char *s, size_t len);
size_t sgi_space_suffix(const char *s, size_t len);
/* strings.TrimSpace: adjusts *s and *len. */
void sgi_trim_space(const char **s, size_t *len);

/* BuildKit's reWhitespace class [\t\v\f\r ]. */
static inline int sgi_is_blank(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Append s as Go's strconv.Quote would write it. */
int sgi_quote_go(sgi_buf *out, const char *s, size_t len);
/* strconv.IsPrint for one rune. */
int sgi_is_print(uint32_t r);

/* ASCII case helpers (BuildKit keywords and flags are ASCII). */
int sgi_ascii_casecmp(const char *a, size_t alen, const char *b);

#endif
