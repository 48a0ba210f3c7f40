/* containerd-style platform specifiers. */
#include "platform.h"

#include <string.h>

static const char *const known_os[] = {"aix",     "android", "darwin", "dragonfly", "freebsd",
                                       "hurd",    "illumos", "ios",    "js",        "linux",
                                       "nacl",    "netbsd",  "openbsd", "plan9",    "solaris",
                                       "wasip1",  "windows", "zos"};
static const char *const known_arch[] = {
    "386",     "amd64",   "amd64p32", "arm",      "armbe",   "arm64",   "arm64be", "loong64",
    "mips",    "mipsle",  "mips64",   "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64",
    "ppc64le", "riscv",   "riscv64",  "s390",     "s390x",   "sparc",   "sparc64", "wasm"};

static int in(const char *s, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, list[i]) == 0) return 1;
  return 0;
}

static void lower_copy(char *dst, size_t cap, const char *s, size_t len) {
  if (len >= cap) len = cap - 1;
  for (size_t i = 0; i < len; i++) dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
  dst[len] = '\0';
}

/* normalizeArch */
static void normalize(sgi_platform *p) {
  char *a = p->arch, *v = p->variant;
  if (!strcmp(a, "i386")) strcpy(a, "386"), v[0] = 0;
  else if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64") || !strcmp(a, "amd64")) {
    strcpy(a, "amd64");
    if (!strcmp(v, "v1")) v[0] = 0;
  } else if (!strcmp(a, "aarch64") || !strcmp(a, "arm64")) {
    strcpy(a, "arm64");
    if (!strcmp(v, "8") || !strcmp(v, "v8") || !strcmp(v, "v8.0")) v[0] = 0;
  } else if (!strcmp(a, "armhf")) strcpy(a, "arm"), strcpy(v, "v7");
  else if (!strcmp(a, "armel")) strcpy(a, "arm"), strcpy(v, "v6");
  else if (!strcmp(a, "arm")) {
    if (!v[0] || !strcmp(v, "7")) strcpy(v, "v7");
    else if (!strcmp(v, "5") || !strcmp(v, "6") || !strcmp(v, "8")) {
      char t[4] = {'v', v[0], 0, 0};
      strcpy(v, t);
    }
  }
  if (!strcmp(p->os, "macos")) strcpy(p->os, "darwin");
}

int sgi_platform_parse(const char *spec, size_t len, sgi_platform *out, sgi_buf *msg) {
  memset(out, 0, sizeof *out);
  const char *parts[4];
  size_t lens[4], n = 0, start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || spec[i] == '/') {
      if (n == 4) break;
      parts[n] = spec + start;
      lens[n++] = i - start;
      start = i + 1;
    }
  }
  int bad = n > 3;
  for (size_t i = 0; i < n && !bad; i++) {
    if (lens[i] == 0) bad = 1;
    for (size_t k = 0; k < lens[i] && !bad; k++) {
      char c = parts[i][k];
      bad = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.');
    }
  }
  if (bad) {
    sgi_buf_puts(msg, "\"");
    sgi_buf_append(msg, spec, len);
    sgi_buf_puts(msg, "\": invalid platform specifier: invalid argument");
    return -1;
  }
  if (n == 1) {
    char one[32];
    lower_copy(one, sizeof one, parts[0], lens[0]);
    if (in(one, known_os, sizeof known_os / sizeof known_os[0])) {
      strcpy(out->os, one);
      strcpy(out->arch, "amd64");
    } else {
      strcpy(out->os, "linux");
      strcpy(out->arch, one);
      normalize(out);
      if (!in(out->arch, known_arch, sizeof known_arch / sizeof known_arch[0])) {
        sgi_buf_puts(msg, "\"");
        sgi_buf_append(msg, spec, len);
        sgi_buf_puts(msg, "\": unknown operating system or architecture: invalid argument");
        return -1;
      }
    }
    normalize(out);
    return 0;
  }
  lower_copy(out->os, sizeof out->os, parts[0], lens[0]);
  lower_copy(out->arch, sizeof out->arch, parts[1], lens[1]);
  if (n == 3) lower_copy(out->variant, sizeof out->variant, parts[2], lens[2]);
  normalize(out);
  return 0;
}

/* Append s to out[*at..cap), truncating; out stays NUL-terminated. */
static void put(char *out, size_t cap, size_t *at, const char *s) {
  size_t len = strlen(s);
  if (*at + len >= cap) len = cap - 1 - *at;
  memcpy(out + *at, s, len);
  *at += len;
  out[*at] = '\0';
}

void sgi_platform_format(const sgi_platform *p, char *out, size_t cap) {
  size_t at = 0;
  if (!cap) return;
  out[0] = '\0';
  put(out, cap, &at, p->os);
  put(out, cap, &at, "/");
  put(out, cap, &at, p->arch);
  if (p->variant[0]) {
    put(out, cap, &at, "/");
    put(out, cap, &at, p->variant);
  }
}
