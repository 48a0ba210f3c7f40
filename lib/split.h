/* Splitting a logical line into keyword, builder flags and the rest
 * (BuildKit's splitCommand and extractBuilderFlags). */
#ifndef STAGEGRAPH_SPLIT_H
#define STAGEGRAPH_SPLIT_H

#include "document.h"

typedef struct sgi_split {
  const char *keyword;
  size_t keyword_len;
  const char **flags; /* arena copies */
  size_t flag_count;
  const char *rest;   /* points into the line, trimmed */
  size_t rest_len;
} sgi_split;

/* Returns 0 or STAGEGRAPH_ENOMEM. */
int sgi_split_command(sgi_arena *arena, const char *line, size_t len, char escape, sgi_split *out);

#endif
