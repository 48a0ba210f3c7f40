/* Generated test inputs: a growable NUL-terminated string. Running out of
 * memory here ends the test program (it is the test's, not the library's). */
#ifndef STAGEGRAPH_TEST_TEXTBUF_H
#define STAGEGRAPH_TEST_TEXTBUF_H

#include <stddef.h>

typedef struct text {
  char *ptr; /* NULL until something is added */
  size_t len, cap;
} text;

void text_put(text *t, const char *s, size_t n);
/* printf-style; a piece is under 1 KiB */
void text_add(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
