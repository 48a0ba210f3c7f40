/* Generated test inputs (textbuf.h). */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what) {
  fprintf(stderr, "text: %s\n", what);
  abort();
}

void text_put(text *t, const char *s, size_t n) {
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + n + 1) cap *= 2;
    char *p = realloc(t->ptr, cap);
    if (!p) die("out of memory");
    t->ptr = p;
    t->cap = cap;
  }
  memcpy(t->ptr + t->len, s, n);
  t->len += n;
  t->ptr[t->len] = '\0';
}

void text_add(text *t, const char *fmt, ...) {
  char small[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof small) die("a piece is too long");
  text_put(t, small, (size_t)n);
}
