/* Go-compatible number, boolean and duration parsing. */
#include "goparse.h"

#include <string.h>

#include "text.h"

/* The time package's own quote(): control bytes and every byte of a
 * non-ASCII character become \xNN. */
static void time_quote(sgi_buf *msg, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  sgi_buf_putc(msg, '"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80 || c < ' ') {
      char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
      sgi_buf_append(msg, esc, 4);
    } else {
      if (c == '"' || c == '\\') sgi_buf_putc(msg, '\\');
      sgi_buf_putc(msg, (char)c);
    }
  }
  sgi_buf_putc(msg, '"');
}

static int invalid_duration(sgi_buf *msg, const char *orig, size_t olen) {
  sgi_buf_puts(msg, "time: invalid duration ");
  time_quote(msg, orig, olen);
  return -1;
}

int sgi_go_parse_duration(const char *s, size_t len, int64_t *out, sgi_buf *msg) {
  static const struct {
    const char *name;
    uint64_t ns;
  } units[] = {{"ns", 1ull},          {"us", 1000ull},           {"\xC2\xB5s", 1000ull},
               {"\xCE\xBCs", 1000ull}, {"ms", 1000000ull},        {"s", 1000000000ull},
               {"m", 60000000000ull},  {"h", 3600000000000ull}};
  const char *orig = s;
  size_t olen = len;
  uint64_t d = 0;
  int neg = 0;
  if (len && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s++, len--;
  }
  if (len == 1 && s[0] == '0') {
    *out = 0;
    return 0;
  }
  if (len == 0) return invalid_duration(msg, orig, olen);
  while (len) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return invalid_duration(msg, orig, olen);
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
      if (v > (UINT64_C(1) << 63) / 10) return invalid_duration(msg, orig, olen);
      v = v * 10 + (uint64_t)(s[i] - '0');
      if (v > (UINT64_C(1) << 63)) return invalid_duration(msg, orig, olen);
    }
    int pre = i > 0;
    s += i, len -= i;
    uint64_t f = 0;
    double scale = 1;
    int post = 0;
    if (len && s[0] == '.') {
      s++, len--;
      size_t k = 0;
      int overflow = 0;
      for (; k < len && s[k] >= '0' && s[k] <= '9'; k++) {
        if (overflow) continue;
        if (f > (UINT64_C(1) << 63) / 10) {
          overflow = 1;
          continue;
        }
        uint64_t y = f * 10 + (uint64_t)(s[k] - '0');
        if (y > (UINT64_C(1) << 63)) {
          overflow = 1;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = k > 0;
      s += k, len -= k;
    }
    if (!pre && !post) return invalid_duration(msg, orig, olen);
    size_t u = 0;
    while (u < len && !(s[u] == '.' || (s[u] >= '0' && s[u] <= '9'))) u++;
    if (u == 0) {
      sgi_buf_puts(msg, "time: missing unit in duration ");
      time_quote(msg, orig, olen);
      return -1;
    }
    uint64_t unit = 0;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
      if (strlen(units[k].name) == u && memcmp(units[k].name, s, u) == 0) unit = units[k].ns;
    }
    if (!unit) {
      sgi_buf_puts(msg, "time: unknown unit ");
      time_quote(msg, s, u);
      sgi_buf_puts(msg, " in duration ");
      time_quote(msg, orig, olen);
      return -1;
    }
    s += u, len -= u;
    if (v > (UINT64_C(1) << 63) / unit) return invalid_duration(msg, orig, olen);
    v *= unit;
    if (f > 0) {
      v += (uint64_t)((double)f * ((double)unit / scale));
      if (v > (UINT64_C(1) << 63)) return invalid_duration(msg, orig, olen);
    }
    d += v;
    if (d > (UINT64_C(1) << 63)) return invalid_duration(msg, orig, olen);
  }
  if (neg) {
    *out = d == (UINT64_C(1) << 63) ? INT64_MIN : -(int64_t)d;
    return 0;
  }
  if (d > (UINT64_C(1) << 63) - 1) return invalid_duration(msg, orig, olen);
  *out = (int64_t)d;
  return 0;
}

int sgi_go_atoi(const char *s, size_t len, int64_t *out) {
  size_t i = 0;
  int neg = 0;
  if (len && (s[0] == '+' || s[0] == '-')) neg = s[0] == '-', i = 1;
  if (i == len) return -1;
  uint64_t v = 0, max = neg ? UINT64_C(1) << 63 : (UINT64_C(1) << 63) - 1;
  for (; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (max - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = !neg ? (int64_t)v : v == UINT64_C(1) << 63 ? INT64_MIN : -(int64_t)v;
  return 0;
}

int sgi_go_parse_uint(const char *s, size_t len, int base, int bits, uint64_t *out) {
  if (len == 0) return -1;
  uint64_t max = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1, v = 0;
  for (size_t i = 0; i < len; i++) {
    int d;
    char c = s[i];
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
    else return -1;
    if (d >= base) return -1;
    if (v > (max - (uint64_t)d) / (uint64_t)base) return -1;
    v = v * (uint64_t)base + (uint64_t)d;
  }
  *out = v;
  return 0;
}

int sgi_go_parse_int(const char *s, size_t len, int bits, int64_t *out, sgi_buf *msg) {
  const char *orig = s;
  size_t olen = len;
  int neg = 0;
  if (len && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s++, len--;
  }
  /* As Go: digits are read left to right (ParseUint with the same bit
   * size) and the first problem met decides, so an overflow before a bad
   * character is "value out of range". */
  const char *why = NULL;
  uint64_t v = 0, limit = UINT64_C(1) << (bits - 1), max = (UINT64_C(1) << bits) - 1;
  if (len == 0) why = "invalid syntax";
  for (size_t i = 0; i < len && !why; i++) {
    if (s[i] < '0' || s[i] > '9') {
      why = "invalid syntax";
    } else if (v > (max - (uint64_t)(s[i] - '0')) / 10) {
      why = "value out of range";
    } else {
      v = v * 10 + (uint64_t)(s[i] - '0');
    }
  }
  if (!why && (neg ? v > limit : v > limit - 1)) why = "value out of range";
  if (why) {
    sgi_buf_puts(msg, "strconv.ParseInt: parsing ");
    sgi_quote_go(msg, orig, olen);
    sgi_buf_puts(msg, ": ");
    sgi_buf_puts(msg, why);
    return -1;
  }
  *out = neg ? -(int64_t)v : (int64_t)v;
  return 0;
}

int sgi_go_parse_bool(const char *s, size_t len, int *out) {
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (size_t i = 0; i < 6; i++) {
    if (strlen(yes[i]) == len && memcmp(yes[i], s, len) == 0) return *out = 1, 0;
    if (strlen(no[i]) == len && memcmp(no[i], s, len) == 0) return *out = 0, 0;
  }
  return -1;
}
