/* The test allocator: every test that hands the library an allocator uses
 * this one. It counts what the library asks for (calls, live blocks and
 * bytes, the peak), fails on demand (one call, or one call and every call
 * after it), notices frees of blocks it did not make and hooks called with
 * another ctx, and can serve every block from a private pool instead of
 * the C library. Its counters are atomic, so threads may share one. */
#ifndef STAGEGRAPH_TEST_BUDGET_H
#define STAGEGRAPH_TEST_BUDGET_H

#include <stdatomic.h>
#include <stddef.h>

#include "stagegraph.h"

typedef struct alloc_budget {
  unsigned magic; /* set by budget_init: the hooks check their ctx */
  /* what fails (budget_fail) */
  long fail_at;  /* the 0-based call since budget_fail that fails; -1: none */
  int fail_rest; /* every call after it fails too */
  /* what it saw */
  atomic_long calls;          /* malloc and realloc calls since budget_fail, failed ones too */
  atomic_int injected;        /* a call failed as asked */
  atomic_long mallocs, frees; /* hook calls: malloc (realloc of NULL too), free (of NULL too) */
  atomic_long live;           /* blocks allocated and not freed */
  atomic_size_t live_bytes, peak_bytes;
  atomic_long foreign; /* frees and reallocs of blocks it did not make */
  /* when set (after budget_init), blocks come from here, not from the C
   * library, and are never reused */
  char *pool;
  size_t pool_cap;
  atomic_size_t pool_used;
} alloc_budget;

/* Hook calls whose ctx was not a budget: they allocate nothing and free
 * nothing. */
extern atomic_long budget_strays;

/* Counters to zero, no failure, no pool. */
void budget_init(alloc_budget *b);
/* Fail call `at` (0-based, counted from now; -1: none) and, with `rest`,
 * every call after it. Clears calls and injected. */
void budget_fail(alloc_budget *b, long at, int rest);
stagegraph_allocator budget_allocator(alloc_budget *b);

#endif
