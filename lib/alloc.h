/* Memory: the per-object allocator and the arena every document lives in. */
#ifndef STAGEGRAPH_ALLOC_H
#define STAGEGRAPH_ALLOC_H

#include <stddef.h>
#include "stagegraph.h"

/* An allocator with every member filled in. */
typedef struct sgi_mem {
  stagegraph_allocator a;
} sgi_mem;

void sgi_mem_init(sgi_mem *mem, const stagegraph_allocator *user);
void *sgi_malloc(const sgi_mem *mem, size_t size);
void *sgi_realloc(const sgi_mem *mem, void *ptr, size_t size);
void sgi_free(const sgi_mem *mem, void *ptr);
/* count elements of size bytes, zeroed; NULL on overflow or failure. */
void *sgi_calloc(const sgi_mem *mem, size_t count, size_t size);

/* Bump allocator: many small allocations freed at once. Blocks come from
 * `mem`. Allocations are 8-byte aligned. */
typedef struct sgi_arena_block sgi_arena_block;
typedef struct sgi_arena {
  const sgi_mem *mem;
  sgi_arena_block *head;
  char *cur;
  char *end;
  size_t total; /* bytes obtained from mem, for benchmarks */
  size_t min_block; /* 0: the default; a small arena can ask for less */
  size_t next_block; /* 0, or the size of the next block (then cleared): a
                        caller that can estimate its need asks for it once */
  /* An arena filled as an input is read: when set, a new block is sized
   * from the bytes per input byte used so far, for the input left
   * (*pace_done of pace_len bytes read). The reader clears it when done. */
  const size_t *pace_done;
  size_t pace_len;
} sgi_arena;

void sgi_arena_init(sgi_arena *arena, const sgi_mem *mem);
/* An arena whose first room is the caller's storage (8-byte aligned, size
 * bytes, which must outlive it): a scratch arena that stays small
 * allocates nothing. Blocks come from mem once it is full. */
void sgi_arena_init_storage(sgi_arena *arena, const sgi_mem *mem, void *storage, size_t size);
void sgi_arena_free(sgi_arena *arena);
/* NULL on overflow or failed allocation. size 0 returns a valid pointer. */
void *sgi_arena_alloc(sgi_arena *arena, size_t size);
void *sgi_arena_calloc(sgi_arena *arena, size_t count, size_t size);
/* Room for `count` elements of `size` bytes that the caller fills in (not
 * zeroed); NULL on overflow or failed allocation. */
void *sgi_arena_array(sgi_arena *arena, size_t count, size_t size);
/* Room for a value whose size is not known in advance (the arena's free
 * tail, at least `min` bytes; *room says how many): nothing else may be
 * allocated from the arena until sgi_arena_commit says how many bytes the
 * value took (at most *room). A value that outgrows its room reserves
 * again (in a new block) and copies itself; the old room is simply left.
 * NULL on overflow or failed allocation. */
char *sgi_arena_reserve(sgi_arena *arena, size_t min, size_t *room);
void sgi_arena_commit(sgi_arena *arena, size_t used);
/* A NUL-terminated copy of s[0..len). */
char *sgi_arena_strndup(sgi_arena *arena, const char *s, size_t len);

/* Overflow-checked size arithmetic: returns 0 on overflow. */
static inline int sgi_mul_ok(size_t a, size_t b, size_t *out) {
  if (b != 0 && a > (size_t)-1 / b) return 0;
  *out = a * b;
  return 1;
}

#endif
