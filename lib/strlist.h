/* A growing list of byte strings in an arena (arguments, words): each
 * string is copied and NUL-terminated. */
#ifndef STAGEGRAPH_STRLIST_H
#define STAGEGRAPH_STRLIST_H

#include "document.h"

typedef struct sgi_strlist {
  sgi_arena *arena;
  sgi_str *items;
  size_t count, cap;
} sgi_strlist;

/* Append a copy of s[0..len). 0 or STAGEGRAPH_ENOMEM. */
int sgi_strlist_push(sgi_strlist *l, const char *s, size_t len);

#endif
