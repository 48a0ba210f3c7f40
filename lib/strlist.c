/* String lists in reusable scratch space. */
#include "strlist.h"

#include <string.h>

void sgi_strlist_init(sgi_strlist *l, const sgi_mem *mem) {
  memset(l, 0, sizeof *l);
  sgi_buf_init(&l->bytes, mem);
}

void sgi_strlist_init_storage(sgi_strlist *l, const sgi_mem *mem, sgi_strlist_item *items,
                              size_t item_cap, char *bytes, size_t byte_cap) {
  memset(l, 0, sizeof *l);
  sgi_buf_init_storage(&l->bytes, mem, bytes, byte_cap);
  l->items = items;
  l->cap = item_cap;
  l->borrowed = 1;
}

void sgi_strlist_free(sgi_strlist *l) {
  if (!l->borrowed) sgi_free(l->bytes.mem, l->items);
  l->borrowed = 0;
  sgi_buf_free(&l->bytes);
  l->items = NULL;
  l->count = l->cap = 0;
}

void sgi_strlist_reset(sgi_strlist *l, const char *stable_end) {
  l->count = 0;
  sgi_buf_clear(&l->bytes);
  l->stable_end = stable_end;
}

int sgi_strlist_push(sgi_strlist *l, const char *s, size_t len) {
  if (l->bytes.failed) return l->bytes.failed;
  if (l->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4;
    size_t bytes;
    if (!sgi_mul_ok(cap, sizeof *l->items, &bytes)) return l->bytes.failed = STAGEGRAPH_ENOMEM;
    sgi_strlist_item *items = l->borrowed ? sgi_malloc(l->bytes.mem, bytes)
                                          : sgi_realloc(l->bytes.mem, l->items, bytes);
    if (!items) return l->bytes.failed = STAGEGRAPH_ENOMEM;
    if (l->borrowed) memcpy(items, l->items, l->count * sizeof *items);
    l->borrowed = 0;
    l->items = items;
    l->cap = cap;
  }
  sgi_strlist_item *it = &l->items[l->count];
  it->len = len;
  if (l->stable_end && s + len == l->stable_end) {
    it->ref = s;
    it->off = 0;
  } else {
    it->ref = NULL;
    it->off = l->bytes.len;
    /* the buffer keeps a NUL after its last byte: append len bytes and a
     * NUL of our own so the next string starts after it */
    if (sgi_buf_append(&l->bytes, s, len) || sgi_buf_putc(&l->bytes, '\0')) return l->bytes.failed;
  }
  l->count++;
  return 0;
}

sgi_str sgi_strlist_at(const sgi_strlist *l, size_t i) {
  const sgi_strlist_item *it = &l->items[i];
  sgi_str s = {it->ref ? it->ref : l->bytes.ptr + it->off, it->len};
  return s;
}

int sgi_strlist_finish(const sgi_strlist *l, sgi_arena *arena, sgi_str **out, size_t *count) {
  *out = NULL;
  *count = 0;
  if (l->bytes.failed) return l->bytes.failed;
  if (l->count == 0) return 0;
  size_t items_size;
  if (!sgi_mul_ok(l->count, sizeof(sgi_str), &items_size) || items_size > (size_t)-1 - l->bytes.len)
    return STAGEGRAPH_ENOMEM;
  sgi_str *items = sgi_arena_alloc(arena, items_size + l->bytes.len);
  if (!items) return STAGEGRAPH_ENOMEM;
  char *text = (char *)items + items_size;
  if (l->bytes.len) memcpy(text, l->bytes.ptr, l->bytes.len);
  for (size_t i = 0; i < l->count; i++) {
    const sgi_strlist_item *it = &l->items[i];
    items[i].ptr = it->ref ? it->ref : text + it->off;
    items[i].len = it->len;
  }
  *out = items;
  *count = l->count;
  return 0;
}
