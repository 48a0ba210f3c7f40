/* --chmod values (chmod.h). */
#include "chmod.h"

#include <stdint.h>
#include <string.h>

#include "goparse.h"

static int in_set(char c, const char *set) { return c && strchr(set, c) != NULL; }

/* Clauses separated by ',', each of who letters (a, u, g, o), then one or
 * more operators (+, -, =) each followed by permission letters (r, s, t,
 * w, X, x, u, g, o). A clause of who letters alone, or an empty last one
 * (`u`, `a+r,`), is malformed (older versions of the parser read past
 * the end there). */
static int symbolic_valid(const char *s, size_t n) {
  size_t i = 0;
  for (;;) {
    while (i < n && in_set(s[i], "augo")) i++;
    if (i == n) return 0;
    for (;;) {
      if (!in_set(s[i++], "+-=")) return 0;
      while (i < n && in_set(s[i], "rstwXxugo")) i++;
      if (i == n) return 1;
      if (s[i] == ',') break;
    }
    i++;
  }
}

int sgi_chmod_check(const char *value, size_t len, sgi_buf *msg) {
  uint64_t mode;
  int octal = sgi_go_parse_uint(value, len, 8, 32, &mode) == 0;
  if (octal && mode <= 07777) return 0;
  /* a number the octal parse refused is refused as one, for compatibility */
  if (octal || (len && value[0] >= '0' && value[0] <= '9')) {
    sgi_buf_puts(msg, "invalid chmod parameter: '");
    sgi_buf_append(msg, value, len);
    sgi_buf_puts(msg, "'. it should be octal string and between 0 and 07777");
    return 1;
  }
  if (symbolic_valid(value, len)) return 0;
  sgi_buf_puts(msg, "invalid syntax");
  return 1;
}
