/* Suggestions for mistyped names. */
#include "suggest.h"

#include <string.h>

#include "text.h"

enum { MAX_RUNES = 64 };

static size_t to_runes(const char *s, size_t len, uint32_t *out, int lower) {
  size_t n = 0, i = 0;
  while (i < len && n < MAX_RUNES) {
    size_t w;
    uint32_t r = sgi_utf8_decode(s + i, len - i, &w);
    if (lower && r >= 'A' && r <= 'Z') r += 32;
    out[n++] = r;
    i += w;
  }
  return i < len ? (size_t)-1 : n;
}

size_t sgi_levenshtein(const char *a, size_t alen, const char *b, size_t blen, size_t limit) {
  uint32_t ra[MAX_RUNES], rb[MAX_RUNES];
  size_t na = to_runes(a, alen, ra, 0), nb = to_runes(b, blen, rb, 0);
  if (na == (size_t)-1 || nb == (size_t)-1) return limit;
  size_t diff = na > nb ? na - nb : nb - na;
  if (diff >= limit) return limit;
  size_t row[MAX_RUNES + 1];
  for (size_t j = 0; j <= nb; j++) row[j] = j;
  for (size_t i = 1; i <= na; i++) {
    size_t prev = row[0];
    row[0] = i;
    size_t best = row[0];
    for (size_t j = 1; j <= nb; j++) {
      size_t cur = row[j];
      size_t sub = prev + (ra[i - 1] != rb[j - 1]);
      size_t del = row[j] + 1, ins = row[j - 1] + 1;
      size_t m = sub < del ? sub : del;
      row[j] = m < ins ? m : ins;
      if (row[j] < best) best = row[j];
      prev = cur;
    }
    if (best >= limit) return limit;
  }
  return row[nb] < limit ? row[nb] : limit;
}

int sgi_suggest(sgi_buf *msg, const char *value, size_t len, const char *const *options,
                size_t count, int case_sensitive) {
  char lowered[MAX_RUNES * 4];
  const char *v = value;
  if (!case_sensitive) {
    if (len > sizeof lowered) return 0;
    for (size_t i = 0; i < len; i++) {
      char c = value[i];
      lowered[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    v = lowered;
  }
  const char *match = NULL;
  /* the case of the value as Go sees it (strings.ToLower / ToUpper) */
  int value_lower = sgi_is_case(value, len, 1), value_upper = sgi_is_case(value, len, 0);
  size_t best = 3;
  for (size_t k = 0; k < count; k++) {
    char opt[MAX_RUNES * 4];
    size_t olen = strlen(options[k]);
    if (olen > sizeof opt) continue;
    for (size_t i = 0; i < olen; i++) {
      char c = options[k][i];
      opt[i] = (char)(!case_sensitive && c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (olen == len && memcmp(opt, v, len) == 0) return 0;
    size_t d = sgi_levenshtein(v, len, opt, olen, best);
    if (d < best) {
      best = d;
      match = options[k];
    }
  }
  if (!match) return 0;
  sgi_buf_puts(msg, " (did you mean ");
  size_t mlen = strlen(match);
  int upper = !case_sensitive && value_upper && !value_lower;
  for (size_t i = 0; i < mlen; i++) {
    char c = match[i];
    if (!case_sensitive) {
      if (c >= 'A' && c <= 'Z') c = (char)(c + 32); /* the lowered option */
      if (upper && c >= 'a' && c <= 'z') c = (char)(c - 32);
    }
    sgi_buf_putc(msg, c);
  }
  sgi_buf_puts(msg, "?)");
  return msg->failed ? STAGEGRAPH_ENOMEM : 1;
}
