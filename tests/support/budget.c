/* The allocation-budget allocator (budget.h). */
#include "budget.h"

#include <stdlib.h>

long alloc_budget = -1;

static int spend(void) {
  if (alloc_budget == 0) return 0;
  if (alloc_budget > 0) alloc_budget--;
  return 1;
}

static void *budget_malloc(size_t size, void *ctx) {
  (void)ctx;
  return spend() ? malloc(size) : NULL;
}

static void *budget_realloc(void *ptr, size_t size, void *ctx) {
  (void)ctx;
  return spend() ? realloc(ptr, size) : NULL;
}

static void budget_free(void *ptr, void *ctx) {
  (void)ctx;
  free(ptr);
}

stagegraph_allocator budget_allocator(void) {
  stagegraph_allocator a = {budget_malloc, budget_realloc, budget_free, NULL};
  return a;
}
