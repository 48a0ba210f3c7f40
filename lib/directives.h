/* Parser directives at the top of a Dockerfile (P/directives.go). */
#ifndef STAGEGRAPH_DIRECTIVES_H
#define STAGEGRAPH_DIRECTIVES_H

#include <stddef.h>

#include "stagegraph.h"

typedef struct sgi_directive_parser {
  int done;     /* the directive region has ended */
  unsigned seen; /* bit per known key */
} sgi_directive_parser;

typedef struct sgi_directive_match {
  const char *key; /* static lowercase name */
  const char *value;
  size_t value_len;
} sgi_directive_match;

/* Look at one line (newline and leading whitespace already trimmed).
 * Returns 1 and fills *m for a directive, 0 for anything else (which may
 * end the region), or STAGEGRAPH_ESYNTAX for a repeated directive. */
int sgi_directive_line(sgi_directive_parser *p, const char *line, size_t len,
                       sgi_directive_match *m, stagegraph_error *err);

#endif
