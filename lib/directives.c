/* Directive recognition: ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ with
 * Go's \s = [\t\n\f\r ], for the keys syntax, escape and check. */
#include "directives.h"

#include "error.h"
#include "text.h"

static int re_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
static int is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_alnum(unsigned char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

static const char *const known_keys[] = {"syntax", "escape", "check"};

int sgi_directive_line(sgi_directive_parser *p, const char *s, size_t len, sgi_directive_match *m,
                       stagegraph_error *err) {
  if (p->done) return 0;
  size_t i = 0;
  if (len == 0 || s[0] != '#') goto not_directive;
  i = 1;
  while (i < len && re_space((unsigned char)s[i])) i++;
  if (i >= len || !is_alpha((unsigned char)s[i])) goto not_directive;
  size_t kstart = i;
  while (i < len && is_alnum((unsigned char)s[i])) i++;
  size_t klen = i - kstart;
  while (i < len && re_space((unsigned char)s[i])) i++;
  if (i >= len || s[i] != '=') goto not_directive;
  i++;
  /* `\s*(.+?)\s*$`: the value is the rest trimmed of \s on both sides; when
   * the rest is only \s, the regex backtracks and the value is its last
   * character. `.` does not match '\n', which cannot occur here. */
  size_t end = len;
  while (end > i && re_space((unsigned char)s[end - 1])) end--;
  size_t vstart = i;
  while (vstart < end && re_space((unsigned char)s[vstart])) vstart++;
  if (vstart == end) {
    if (i == len) goto not_directive;
    vstart = len - 1;
    end = len;
  }
  for (size_t k = 0; k < sizeof known_keys / sizeof known_keys[0]; k++) {
    if (sgi_ascii_casecmp(s + kstart, klen, known_keys[k]) == 0) {
      if (p->seen & (1u << k))
        return sgi_error_set(err, STAGEGRAPH_ESYNTAX, NULL,
                             "only one %s parser directive can be used", known_keys[k]);
      p->seen |= 1u << k;
      m->key = known_keys[k];
      m->value = s + vstart;
      m->value_len = end - vstart;
      return 1;
    }
  }
not_directive:
  p->done = 1;
  return 0;
}
