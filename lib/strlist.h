/* String lists built in reusable scratch space (arguments, words), then
 * copied into an arena at their exact size. A list is reset and reused
 * from line to line, so building one allocates nothing once it has grown
 * to the document's largest line. */
#ifndef STAGEGRAPH_STRLIST_H
#define STAGEGRAPH_STRLIST_H

#include "buf.h"
#include "document.h"

typedef struct sgi_strlist_item {
  const char *ref; /* kept in place (see stable_end), or NULL: in bytes */
  size_t off;      /* offset in bytes when ref is NULL */
  size_t len;
} sgi_strlist_item;

typedef struct sgi_strlist {
  sgi_strlist_item *items;
  size_t count, cap;
  sgi_buf bytes; /* copied strings, each NUL-terminated, back to back */
  /* A string ending exactly here is a suffix of NUL-terminated text that
   * outlives the list (a logical line in the document's arena): it is
   * referenced, not copied. NULL: every string is copied. */
  const char *stable_end;
  unsigned char borrowed; /* items is the caller's storage: never freed */
} sgi_strlist;

void sgi_strlist_init(sgi_strlist *l, const sgi_mem *mem);
/* A list that starts in the caller's storage (item_cap items and
 * byte_cap >= 1 bytes, which must outlive it) and moves to the heap only
 * when it outgrows it. */
void sgi_strlist_init_storage(sgi_strlist *l, const sgi_mem *mem, sgi_strlist_item *items,
                              size_t item_cap, char *bytes, size_t byte_cap);
void sgi_strlist_free(sgi_strlist *l);
/* Empty the list, keeping its storage; strings ending at `stable_end`
 * (or NULL) are referenced from now on. */
void sgi_strlist_reset(sgi_strlist *l, const char *stable_end);
/* Append s[0..len). 0 or STAGEGRAPH_ENOMEM. */
int sgi_strlist_push(sgi_strlist *l, const char *s, size_t len);
/* Item i, valid until the next push or reset. */
sgi_str sgi_strlist_at(const sgi_strlist *l, size_t i);
/* The items as one exact-size arena allocation: the array, then the
 * copied strings. *out is NULL for an empty list. 0 or ENOMEM. */
int sgi_strlist_finish(const sgi_strlist *l, sgi_arena *arena, sgi_str **out, size_t *count);

#endif
