/* EXPOSE port specs (expose.h). */
#include "expose.h"

#include <stdint.h>
#include <string.h>

#include "goparse.h"
#include "text.h"

void sgi_port_spec_split(const char *spec, size_t len, sgi_port_spec *out) {
  memset(out, 0, sizeof *out);
  /* the container part follows the last ':', the host port the one before */
  const char *end = spec + len, *last = NULL, *before = NULL;
  for (const char *c = spec; c < end; c++)
    if (*c == ':') before = last, last = c;
  const char *container = last ? last + 1 : spec;
  if (last) {
    const char *host = before ? before + 1 : spec;
    out->host = (sgi_span){host, (size_t)(last - host)};
    if (before) out->ip = (sgi_span){spec, (size_t)(before - spec)};
  }
  size_t clen = (size_t)(end - container);
  const char *slash = memchr(container, '/', clen);
  out->port = (sgi_span){container, slash ? (size_t)(slash - container) : clen};
  if (slash) out->proto = (sgi_span){slash + 1, (size_t)(end - slash - 1)};
}

int sgi_port_proto_known(const sgi_port_spec *p) {
  const sgi_span *s = &p->proto;
  return s->len == 0 || !sgi_ascii_casecmp(s->ptr, s->len, "tcp") ||
         !sgi_ascii_casecmp(s->ptr, s->len, "udp") || !sgi_ascii_casecmp(s->ptr, s->len, "sctp");
}

static void put_span(sgi_buf *msg, sgi_span s) { sgi_buf_append(msg, s.ptr, s.len); }

/* ---- net.ParseIP ------------------------------------------------------------ */

/* Four decimal fields of 0 to 255, none with a leading zero. */
static int ipv4_valid(const char *s, size_t n) {
  int fields = 0;
  for (size_t i = 0;;) {
    size_t start = i;
    unsigned v = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
      if (i > start && v == 0) return 0;
      v = v * 10 + (unsigned)(s[i] - '0');
      if (v > 255) return 0;
    }
    if (i == start) return 0;
    fields++;
    if (i == n) return fields == 4;
    if (s[i] != '.' || fields == 4) return 0;
    i++;
  }
}

static int is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Eight fields of 1 to 4 hex digits, or fewer with one "::" standing for
 * at least one zero field; the last two may be a dotted IPv4 address. */
static int ipv6_valid(const char *s, size_t n) {
  size_t i = 0, bytes = 0;
  int ellipsis = 0;
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 1;
    i = 2;
    if (i == n) return 1;
  }
  for (;;) {
    size_t start = i;
    for (; i < n && is_hex(s[i]); i++)
      if (i - start == 4) return 0;
    if (i == start) return 0;
    if (i < n && s[i] == '.') { /* an embedded IPv4 address ends it */
      if ((!ellipsis && bytes != 12) || bytes + 4 > 16) return 0;
      if (!ipv4_valid(s + start, n - start)) return 0;
      bytes += 4;
      break;
    }
    bytes += 2;
    if (i == n) break;
    if (s[i] != ':' || i + 1 == n || bytes == 16) return 0;
    i++;
    if (s[i] == ':') {
      if (ellipsis) return 0;
      ellipsis = 1;
      if (++i == n) break;
    }
  }
  return ellipsis ? bytes < 16 : bytes == 16;
}

/* net.ParseIP(s) != nil: the first '.' or ':' tells the family; a zone
 * ('%') is refused. */
static int ip_valid(const char *s, size_t n) {
  if (memchr(s, '%', n)) return 0;
  size_t i = 0;
  while (i < n && s[i] != '.' && s[i] != ':') i++;
  if (i == n) return 0;
  return s[i] == '.' ? ipv4_valid(s, n) : ipv6_valid(s, n);
}

/* An IP in brackets, as net.SplitHostPort(ip + ":") takes it apart: the
 * address inside in *host, or -1 with its error in msg. */
static int unbracket(sgi_span ip, sgi_span *host, sgi_buf *msg) {
  const char *why = NULL;
  const char *close = memchr(ip.ptr, ']', ip.len);
  size_t end = close ? (size_t)(close - ip.ptr) : 0;
  if (!close)
    why = "missing ']' in address";
  else if (end + 1 != ip.len) /* ']' is not just before the ':' added */
    why = ip.ptr[end + 1] == ':' ? "too many colons in address" : "missing port in address";
  else if (memchr(ip.ptr + 1, '[', ip.len - 1))
    why = "unexpected '[' in address";
  if (why) {
    sgi_buf_puts(msg, "invalid IP address ");
    put_span(msg, ip);
    sgi_buf_puts(msg, ": address ");
    put_span(msg, ip);
    sgi_buf_puts(msg, ":: ");
    sgi_buf_puts(msg, why);
    return 1;
  }
  *host = (sgi_span){ip.ptr + 1, end - 1};
  return 0;
}

/* ---- ports ------------------------------------------------------------------ */

/* strconv.ParseInt(s, 10, 0) within 0 to 65535. */
static int port_number(sgi_span s, int64_t *out) {
  return s.len && !sgi_go_atoi(s.ptr, s.len, out) && *out >= 0 && *out <= 65535 ? 0 : -1;
}

/* "start[-end]": the text up to the first '-', then, unless it is the
 * same text, the rest, no lower. */
static int port_range(sgi_span s, int64_t *lo, int64_t *hi) {
  const char *dash = s.len ? memchr(s.ptr, '-', s.len) : NULL;
  sgi_span start = {s.ptr, dash ? (size_t)(dash - s.ptr) : s.len};
  if (!s.len || port_number(start, lo)) return -1;
  *hi = *lo;
  if (!dash) return 0;
  sgi_span end = {dash + 1, s.len - start.len - 1};
  if (end.len == start.len && memcmp(end.ptr, start.ptr, start.len) == 0) return 0;
  return port_number(end, hi) || *hi < *lo ? -1 : 0;
}

int sgi_port_spec_check(const char *spec, size_t len, sgi_buf *msg) {
  sgi_port_spec p;
  sgi_port_spec_split(spec, len, &p);
  if (!p.port.len || !sgi_port_proto_known(&p)) {
    sgi_buf_puts(msg, "invalid port: ");
    sgi_quote_go(msg, spec, len);
    if (!p.port.len)
      sgi_buf_puts(msg, ": no port specified");
    else
      sgi_buf_puts(msg, ": invalid proto: "), put_span(msg, p.proto);
    return 1;
  }
  sgi_span ip = p.ip;
  if (ip.len && ip.ptr[0] == '[' && unbracket(p.ip, &ip, msg)) return 1;
  if (ip.len && !ip_valid(ip.ptr, ip.len)) {
    sgi_buf_puts(msg, "invalid IP address: ");
    put_span(msg, ip);
    return 1;
  }
  int64_t lo, hi, host_lo, host_hi;
  if (port_range(p.port, &lo, &hi)) {
    sgi_buf_puts(msg, "invalid containerPort: ");
    put_span(msg, p.port);
    return 1;
  }
  if (!p.host.len) return 0;
  if (port_range(p.host, &host_lo, &host_hi)) {
    sgi_buf_puts(msg, "invalid hostPort: ");
    put_span(msg, p.host);
    return 1;
  }
  if (hi - lo != host_hi - host_lo && hi != lo) {
    sgi_buf_puts(msg, "invalid ranges specified for container and host Ports: ");
    put_span(msg, p.port);
    sgi_buf_puts(msg, " and ");
    put_span(msg, p.host);
    return 1;
  }
  return 0;
}
