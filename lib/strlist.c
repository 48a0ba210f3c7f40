/* Growing string lists. */
#include "strlist.h"

#include <string.h>

int sgi_strlist_push(sgi_strlist *l, const char *s, size_t len) {
  if (l->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4;
    sgi_str *items = sgi_arena_alloc(l->arena, cap * sizeof *items);
    if (!items) return STAGEGRAPH_ENOMEM;
    if (l->count) memcpy(items, l->items, l->count * sizeof *items);
    l->items = items;
    l->cap = cap;
  }
  const char *copy = sgi_arena_strndup(l->arena, s, len);
  if (!copy) return STAGEGRAPH_ENOMEM;
  l->items[l->count].ptr = copy;
  l->items[l->count].len = len;
  l->count++;
  return 0;
}
