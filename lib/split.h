/* Splitting a logical line into keyword, builder flags and the rest
 * (BuildKit's splitCommand and extractBuilderFlags). */
#ifndef STAGEGRAPH_SPLIT_H
#define STAGEGRAPH_SPLIT_H

#include "buf.h"
#include "document.h"

typedef struct sgi_split {
  const char *keyword;
  size_t keyword_len;
  const char **flags; /* arena copies */
  size_t flag_count;
  const char *rest;   /* points into the line, trimmed */
  size_t rest_len;
} sgi_split;

/* `scratch` is a buffer for flag words (its contents are replaced).
 * Returns 0 or STAGEGRAPH_ENOMEM. */
int sgi_split_command(sgi_arena *arena, sgi_buf *scratch, const char *line, size_t len, char escape,
                      sgi_split *out);

#endif
