/* The test allocator (budget.h). Every block carries a header with its
 * size, for the byte counts, and its allocator, to tell foreign frees. */
#include "budget.h"

#include <stdlib.h>
#include <string.h>

#define BUDGET_MAGIC 0x57a9eu

typedef union header {
  struct {
    size_t size;
    const alloc_budget *owner;
  } h;
  max_align_t align;
} header;

atomic_long budget_strays;

void budget_init(alloc_budget *b) {
  memset(b, 0, sizeof *b);
  b->magic = BUDGET_MAGIC;
  b->fail_at = -1;
}

void budget_fail(alloc_budget *b, long at, int rest) {
  b->fail_at = at;
  b->fail_rest = rest;
  b->calls = 0;
  b->injected = 0;
}

static alloc_budget *as_budget(void *ctx) {
  alloc_budget *b = ctx;
  if (b && b->magic == BUDGET_MAGIC) return b;
  budget_strays++;
  return NULL;
}

/* Counts the call; whether it is the one to fail. A debugger stops at a
 * given failure with a breakpoint on the `return 1` line. */
static int should_fail(alloc_budget *b) {
  long n = atomic_fetch_add(&b->calls, 1);
  if (b->fail_at < 0 || n < b->fail_at || (n > b->fail_at && !b->fail_rest)) return 0;
  b->injected = 1;
  return 1;
}

static void add_bytes(alloc_budget *b, size_t size) {
  size_t now = atomic_fetch_add(&b->live_bytes, size) + size, peak = b->peak_bytes;
  while (now > peak && !atomic_compare_exchange_weak(&b->peak_bytes, &peak, now)) {
  }
}

/* Pool blocks are never reused: budget_init empties the pool. */
static header *pool_alloc(alloc_budget *b, size_t size) {
  size_t need = (sizeof(header) + size + sizeof(header) - 1) / sizeof(header) * sizeof(header);
  if (need < size) return NULL;
  size_t at = atomic_fetch_add(&b->pool_used, need);
  return at <= b->pool_cap && b->pool_cap - at >= need ? (header *)(b->pool + at) : NULL;
}

static void *budget_malloc(size_t size, void *ctx) {
  alloc_budget *b = as_budget(ctx);
  if (!b) return NULL;
  b->mallocs++;
  if (should_fail(b)) return NULL;
  header *h = b->pool ? pool_alloc(b, size) : malloc(sizeof *h + size);
  if (!h) return NULL;
  h->h.size = size;
  h->h.owner = b;
  b->live++;
  add_bytes(b, size);
  return h + 1;
}

static void *budget_realloc(void *ptr, size_t size, void *ctx) {
  if (!ptr) return budget_malloc(size, ctx);
  alloc_budget *b = as_budget(ctx);
  if (!b) return NULL;
  header *h = (header *)ptr - 1;
  if (h->h.owner != b) {
    b->foreign++;
    return NULL;
  }
  if (should_fail(b)) return NULL;
  size_t old = h->h.size;
  header *n;
  if (b->pool) {
    n = pool_alloc(b, size);
    if (n) memcpy(n + 1, h + 1, old < size ? old : size);
  } else {
    n = realloc(h, sizeof *n + size);
  }
  if (!n) return NULL;
  n->h.size = size;
  n->h.owner = b;
  b->live_bytes -= old;
  add_bytes(b, size);
  return n + 1;
}

static void budget_free(void *ptr, void *ctx) {
  alloc_budget *b = as_budget(ctx);
  if (!b) return;
  b->frees++;
  if (!ptr) return;
  header *h = (header *)ptr - 1;
  if (h->h.owner != b) {
    b->foreign++;
    return;
  }
  b->live--;
  b->live_bytes -= h->h.size;
  if (!b->pool) free(h);
}

stagegraph_allocator budget_allocator(alloc_budget *b) {
  stagegraph_allocator a = {budget_malloc, budget_realloc, budget_free, b};
  return a;
}
