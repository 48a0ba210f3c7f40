/* A string index for the stage graph: stage names and image references to
 * their indices. Open addressing; each slot keeps its string's hash beside
 * the place of the string, and the strings are copied into one pool in the
 * order they are set. On 100k stages a lookup reads one slot and a pool of
 * a few hundred KiB that stays in cache, where following each stage's own
 * name pointer would miss twice (the stage record, then the string). The
 * hash is keyed (sgi_hash_keyed), so crafted names cannot make it linear.
 * Values and the pool are under 4 GiB (inputs are). */
#ifndef STAGEGRAPH_STR_INDEX_H
#define STAGEGRAPH_STR_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

typedef struct sgi_str_slot {
  uint32_t at; /* offset + 1 of the entry in the pool; 0 is empty */
  uint32_t hash;
} sgi_str_slot;

typedef struct sgi_str_index {
  const sgi_mem *mem;
  uint64_t seed;
  sgi_str_slot *slot;
  size_t cap;   /* a power of two, at least twice count; 0 before the first set */
  size_t count;
  /* entries: a 4-byte value, then the string and its NUL */
  char *pool;
  size_t pool_len, pool_cap;
  unsigned char slot_borrowed, pool_borrowed; /* the caller's storage: never freed */
} sgi_str_index;

void sgi_str_index_init(sgi_str_index *x, const sgi_mem *mem, uint64_t seed);
/* An index that starts in the caller's storage (slot_cap slots, a power
 * of two, and pool_cap bytes, which must outlive it) and moves to the heap
 * only when it outgrows it: the few names of an ordinary file allocate
 * nothing. */
void sgi_str_index_init_storage(sgi_str_index *x, const sgi_mem *mem, uint64_t seed,
                                sgi_str_slot *slots, size_t slot_cap, char *pool, size_t pool_cap);
void sgi_str_index_free(sgi_str_index *x);
/* Room for `count` strings without growing: 0 or STAGEGRAPH_ENOMEM. */
int sgi_str_index_reserve(sgi_str_index *x, size_t count);
/* Room in the pool for `count` more strings of string_bytes in all (with
 * their NULs), so that filling a large index does not copy the pool at
 * every doubling: 0 or STAGEGRAPH_ENOMEM. */
int sgi_str_index_reserve_pool(sgi_str_index *x, size_t count, size_t string_bytes);
/* Map the string to value (< UINT32_MAX), replacing the value an equal
 * string had: 0 or STAGEGRAPH_ENOMEM. */
int sgi_str_index_set(sgi_str_index *x, const char *s, size_t len, size_t value);
/* Map the string to value unless it is there already, in which case it
 * keeps its value and *found receives it (STAGEGRAPH_NONE when the string
 * was added): one lookup for "first seen wins". 0 or STAGEGRAPH_ENOMEM. */
int sgi_str_index_add(sgi_str_index *x, const char *s, size_t len, size_t value, size_t *found);
/* The value of the string, or STAGEGRAPH_NONE. */
size_t sgi_str_index_find(const sgi_str_index *x, const char *s, size_t len);
/* Start loading the slot where the string's search begins: a caller that
 * knows its next strings hides the cache miss of each (one per string on
 * a large index) behind its work on the ones before. A hint only: it
 * changes no result. */
void sgi_str_index_prefetch(const sgi_str_index *x, const char *s, size_t len);

/* The same with the string's hash computed once by the caller: a lookup
 * on a large index misses twice, on the slot and then on the entry the
 * slot names, so a caller that knows its strings well ahead prefetches
 * the slot (prefetch_slot), some steps later the entry (prefetch_entry,
 * which reads the slot, by then loaded), and then looks up. */
uint32_t sgi_str_index_hash(const sgi_str_index *x, const char *s, size_t len);
size_t sgi_str_index_find_hashed(const sgi_str_index *x, const char *s, size_t len, uint32_t hash);
int sgi_str_index_set_hashed(sgi_str_index *x, const char *s, size_t len, uint32_t hash,
                             size_t value);
void sgi_str_index_prefetch_slot(const sgi_str_index *x, uint32_t hash);
void sgi_str_index_prefetch_entry(const sgi_str_index *x, uint32_t hash);

#endif
