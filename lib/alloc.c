/* Allocator hooks and the arena. */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static void *default_malloc(size_t size, void *ctx) {
  (void)ctx;
  return malloc(size);
}
static void *default_realloc(void *ptr, size_t size, void *ctx) {
  (void)ctx;
  return realloc(ptr, size);
}
static void default_free(void *ptr, void *ctx) {
  (void)ctx;
  free(ptr);
}

void sgi_mem_init(sgi_mem *mem, const stagegraph_allocator *user) {
  mem->a.malloc = user && user->malloc ? user->malloc : default_malloc;
  mem->a.realloc = user && user->realloc ? user->realloc : default_realloc;
  mem->a.free = user && user->free ? user->free : default_free;
  mem->a.ctx = user ? user->ctx : NULL;
}

void *sgi_malloc(const sgi_mem *mem, size_t size) {
  return mem->a.malloc(size ? size : 1, mem->a.ctx);
}

void *sgi_realloc(const sgi_mem *mem, void *ptr, size_t size) {
  return mem->a.realloc(ptr, size ? size : 1, mem->a.ctx);
}

void sgi_free(const sgi_mem *mem, void *ptr) {
  if (ptr) mem->a.free(ptr, mem->a.ctx);
}

void *sgi_calloc(const sgi_mem *mem, size_t count, size_t size) {
  size_t bytes;
  void *p = sgi_mul_ok(count, size, &bytes) ? sgi_malloc(mem, bytes) : NULL;
  if (p) memset(p, 0, bytes);
  return p;
}

struct sgi_arena_block {
  sgi_arena_block *next;
  /* data follows, aligned by the union below */
  union {
    long double ld;
    void *p;
    long long ll;
  } align[];
};

enum { ARENA_MIN_BLOCK = 16 * 1024 - 64 };

void sgi_arena_init(sgi_arena *arena, const sgi_mem *mem) {
  memset(arena, 0, sizeof *arena);
  arena->mem = mem;
}

void sgi_arena_init_storage(sgi_arena *arena, const sgi_mem *mem, void *storage, size_t size) {
  sgi_arena_init(arena, mem);
  arena->cur = storage;
  arena->end = arena->cur + (size & ~(size_t)7u); /* rooms stay multiples of 8 */
}

void sgi_arena_free(sgi_arena *arena) {
  sgi_arena_block *b = arena->head;
  while (b) {
    sgi_arena_block *next = b->next;
    sgi_free(arena->mem, b);
    b = next;
  }
  arena->head = NULL;
  arena->cur = arena->end = NULL;
}

/* n rounded up to the arena's alignment, 8 (0 on overflow). */
static size_t round8(size_t n) { return (n + 7u) & ~(size_t)7u; }

/* The next block of a paced arena: `need`, plus what the input left needs
 * at the rate so far and an eighth more, so that one block usually holds
 * the rest instead of a series of growing ones whose last is mostly
 * unused (the largest corpus file: 4.07 bytes requested per input byte
 * with quarter growth, 3.39 paced). Never under an eighth of the arena, so
 * the count of blocks stays logarithmic when the rate keeps rising.
 * `growth` is the unpaced size. */
static size_t paced_block(const sgi_arena *arena, size_t growth, size_t need) {
  size_t done = *arena->pace_done;
  if (done == 0 || done >= arena->pace_len) return growth;
  size_t room = (size_t)(arena->end - arena->cur);
  size_t used = arena->total > room ? arena->total - room : 0; /* room may be caller storage */
  double want = (double)used / (double)done * (double)(arena->pace_len - done) * 1.125;
  size_t floor = arena->total / 8;
  if (want >= (double)((size_t)-1 / 4) || need > (size_t)-1 / 4) return growth;
  return need + ((size_t)want > floor ? (size_t)want : floor);
}

/* Make sure the current block has `need` bytes free (need is rounded). */
static int arena_room(sgi_arena *arena, size_t need) {
  if ((size_t)(arena->end - arena->cur) >= need) return 0;
  /* Blocks grow with the arena (by a quarter of it, so the unused end of
   * the last block stays small) and their count stays logarithmic. */
  size_t want = arena->total / 4;
  size_t min = arena->min_block ? arena->min_block : ARENA_MIN_BLOCK;
  if (want < min) want = min;
  if (arena->next_block) {
    want = arena->next_block;
    arena->next_block = 0;
  } else if (arena->pace_done) {
    want = paced_block(arena, want, need);
  }
  if (want < need) want = need;
  if (want > (size_t)-1 - sizeof(sgi_arena_block) - 7) return -1;
  want = round8(want); /* every room is a multiple of 8 */
  sgi_arena_block *b = sgi_malloc(arena->mem, sizeof *b + want);
  if (!b) return -1;
  b->next = arena->head;
  arena->head = b;
  arena->cur = (char *)b->align;
  arena->end = arena->cur + want;
  arena->total += sizeof *b + want;
  return 0;
}

void *sgi_arena_alloc(sgi_arena *arena, size_t size) {
  size_t need = round8(size);
  if (need < size || arena_room(arena, need)) return NULL;
  void *p = arena->cur;
  arena->cur += need;
  return p;
}

char *sgi_arena_reserve(sgi_arena *arena, size_t min, size_t *room) {
  size_t need = round8(min);
  if (need < min || arena_room(arena, need)) return NULL;
  *room = (size_t)(arena->end - arena->cur);
  return arena->cur;
}

void sgi_arena_commit(sgi_arena *arena, size_t used) {
  /* used <= room, a multiple of 8: the rounded step stays in the block */
  arena->cur += round8(used);
}

void *sgi_arena_array(sgi_arena *arena, size_t count, size_t size) {
  size_t bytes;
  return sgi_mul_ok(count, size, &bytes) ? sgi_arena_alloc(arena, bytes) : NULL;
}

void *sgi_arena_calloc(sgi_arena *arena, size_t count, size_t size) {
  void *p = sgi_arena_array(arena, count, size);
  if (p && count && size) memset(p, 0, count * size);
  return p;
}

char *sgi_arena_strndup(sgi_arena *arena, const char *s, size_t len) {
  if (len == (size_t)-1) return NULL;
  char *p = sgi_arena_alloc(arena, len + 1);
  if (!p) return NULL;
  if (len) memcpy(p, s, len);
  p[len] = '\0';
  return p;
}
