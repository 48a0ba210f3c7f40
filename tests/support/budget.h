/* An allocator for allocation-failure tests: each malloc or realloc spends
 * one unit of alloc_budget and fails, returning NULL, once it is spent;
 * -1 allows any number; free always frees. */
#ifndef STAGEGRAPH_TEST_BUDGET_H
#define STAGEGRAPH_TEST_BUDGET_H

#include "stagegraph.h"

extern long alloc_budget;

stagegraph_allocator budget_allocator(void);

#endif
