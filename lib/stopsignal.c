/* STOPSIGNAL values (stopsignal.h). */
#include "stopsignal.h"

#include <stdint.h>
#include <string.h>

#include "goparse.h"
#include "text.h"

/* The names of moby/sys/signal's SignalMap on Linux (other than MIPS and
 * SPARC, whose numbering differs), without "SIG"; the real-time ones are
 * RTMIN, RTMIN+1 .. RTMIN+15, RTMAX-14 .. RTMAX-1 and RTMAX. */
static const char *const names[] = {
    "ABRT", "ALRM", "BUS",  "CHLD", "CLD",  "CONT",   "FPE",  "HUP",  "ILL",  "INT",   "IO",
    "IOT",  "KILL", "PIPE", "POLL", "PROF", "PWR",    "QUIT", "SEGV", "STKFLT", "STOP", "SYS",
    "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG",    "USR1", "USR2", "VTALRM", "WINCH", "XCPU",
    "XFSZ", "RTMIN", "RTMAX",
};

/* "+N" after RTMIN or "-N" after RTMAX, N from 1 to 15 (14 for RTMAX),
 * without a leading zero. */
static int realtime_offset(const char *s, size_t n, char sign, int max) {
  if (n < 2 || n > 3 || s[0] != sign || s[1] < '1' || s[1] > '9') return 0;
  int v = s[1] - '0';
  if (n == 3) {
    if (s[2] < '0' || s[2] > '9') return 0;
    v = v * 10 + (s[2] - '0');
  }
  return v <= max;
}

static int known_name(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) return 1;
  if (n > 5 && memcmp(s, "RTMIN", 5) == 0) return realtime_offset(s + 5, n - 5, '+', 15);
  if (n > 5 && memcmp(s, "RTMAX", 5) == 0) return realtime_offset(s + 5, n - 5, '-', 14);
  return 0;
}

/* Whether strings.ToUpper(value), less one leading "SIG", names a
 * signal: 0 with *ok, or STAGEGRAPH_ENOMEM. Go upper-cases every script:
 * "ſigterm" is SIGTERM. */
static int named(const char *value, size_t len, const sgi_mem *mem, int *ok) {
  sgi_buf upper;
  char storage[32];
  sgi_buf_init_storage(&upper, mem, storage, sizeof storage);
  sgi_append_upper(&upper, value, len);
  int rc = upper.failed ? STAGEGRAPH_ENOMEM : 0;
  if (!rc) {
    const char *s = upper.ptr ? upper.ptr : "";
    size_t n = upper.len;
    if (n >= 3 && memcmp(s, "SIG", 3) == 0) s += 3, n -= 3;
    *ok = known_name(s, n);
  }
  sgi_buf_free(&upper);
  return rc;
}

int sgi_signal_check(const char *value, size_t len, sgi_buf *msg) {
  int64_t number;
  int ok;
  if (!sgi_go_atoi(value, len, &number)) {
    ok = number != 0;
  } else {
    int rc = named(value, len, msg->mem, &ok);
    if (rc) return rc;
  }
  if (ok) return 0;
  sgi_buf_puts(msg, "invalid signal: ");
  sgi_buf_append(msg, value, len);
  return 1;
}
