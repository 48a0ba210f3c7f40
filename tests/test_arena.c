/* The arena and the scratch string lists the parser builds arguments in
 * (internal: lib/alloc.h, lib/strlist.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "strlist.h"
#include "budget.h"

static sgi_mem heap(void) {
  sgi_mem mem;
  sgi_mem_init(&mem, NULL);
  return mem;
}

/* A reserved room holds what was written into it; the next allocation
 * starts after the committed bytes, rounded to 8. */
static void test_reserve_commit(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_arena a;
  sgi_arena_init(&a, &mem);
  a.min_block = 256;
  char *first = sgi_arena_alloc(&a, 5);
  assert_non_null(first);
  size_t room = 0;
  char *p = sgi_arena_reserve(&a, 10, &room);
  assert_non_null(p);
  assert_ptr_equal(p, first + 8);
  assert_true(room >= 10);
  assert_int_equal(room % 8, 0);
  memcpy(p, "abcdefghi", 10);
  sgi_arena_commit(&a, 10);
  char *next = sgi_arena_alloc(&a, 1);
  assert_ptr_equal(next, p + 16);
  assert_string_equal(p, "abcdefghi");
  sgi_arena_free(&a);
}

/* A value outgrowing its room reserves a larger one in a new block; what
 * was committed before stays where it was. */
static void test_reserve_moves_to_new_block(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_arena a;
  sgi_arena_init(&a, &mem);
  a.min_block = 64;
  char *kept = sgi_arena_alloc(&a, 8);
  memcpy(kept, "kept123", 8);
  size_t room = 0;
  char *small = sgi_arena_reserve(&a, 8, &room);
  assert_non_null(small);
  assert_true(room < 4096);
  char *big = sgi_arena_reserve(&a, 4096, &room);
  assert_non_null(big);
  assert_true(room >= 4096);
  assert_true(big < small || big >= small + 64); /* not the old room */
  memset(big, 'x', 4096);
  sgi_arena_commit(&a, 4096);
  assert_string_equal(kept, "kept123");
  /* an odd commit leaves the arena 8-aligned and in bounds */
  char *q = sgi_arena_reserve(&a, 3, &room);
  sgi_arena_commit(&a, 3);
  char *r = sgi_arena_alloc(&a, 8);
  assert_non_null(q);
  assert_non_null(r);
  assert_int_equal(((uintptr_t)r) % 8, 0);
  sgi_arena_free(&a);
}

/* The first block can be sized by an estimate, once. */
static void test_next_block_hint(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_arena a;
  sgi_arena_init(&a, &mem);
  a.min_block = 64;
  a.next_block = 10000;
  assert_non_null(sgi_arena_alloc(&a, 16));
  size_t room = 0;
  assert_non_null(sgi_arena_reserve(&a, 1, &room));
  assert_true(room >= 10000 - 16);
  assert_int_equal(a.next_block, 0);
  sgi_arena_free(&a);
}

/* A paced arena sizes a new block from its bytes per input byte so far:
 * an input read a tenth of the way that filled a 1,000-byte block gets
 * one block for the other nine tenths (at the same rate, an eighth more),
 * not a quarter of the arena; without pacing it grows by a quarter. */
static void test_paced_blocks(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_arena a;
  sgi_arena_init(&a, &mem);
  size_t done = 1000;
  a.next_block = 1000;
  a.pace_done = &done;
  a.pace_len = 10000;
  a.min_block = 64;
  assert_non_null(sgi_arena_alloc(&a, 1000)); /* the first block, full */
  size_t first = a.total;
  assert_non_null(sgi_arena_alloc(&a, 100));
  size_t block = a.total - first, rate_rest = first * 9 * 9 / 8; /* first/done * 9000 * 1.125 */
  assert_true(block >= 100 + rate_rest && block <= 100 + rate_rest + 64);
  for (int i = 0; i < 88; i++) assert_non_null(sgi_arena_alloc(&a, 100)); /* the rest fits */
  assert_int_equal(a.total, first + block);
  sgi_arena_free(&a);

  sgi_arena_init(&a, &mem); /* unpaced: a quarter of the arena */
  a.min_block = 64;
  a.next_block = 1000;
  assert_non_null(sgi_arena_alloc(&a, 1000));
  first = a.total;
  assert_non_null(sgi_arena_alloc(&a, 100));
  assert_true(a.total - first < first / 4 + 64);
  sgi_arena_free(&a);
}

/* Strings ending at the stable end are referenced in place; others are
 * copied; finish gives an exact arena copy with NUL-terminated strings. */
static void test_strlist_reference_and_copy(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_arena a;
  sgi_arena_init(&a, &mem);
  const char *line = "FROM alpine AS base";
  size_t len = strlen(line);
  sgi_strlist l;
  sgi_strlist_init(&l, &mem);
  sgi_strlist_reset(&l, line + len);
  assert_int_equal(sgi_strlist_push(&l, line + 5, 6), 0);  /* "alpine": copied */
  assert_int_equal(sgi_strlist_push(&l, "", 0), 0);         /* empty: copied */
  assert_int_equal(sgi_strlist_push(&l, line + 15, 4), 0); /* "base": at the end */
  sgi_str at = sgi_strlist_at(&l, 0);
  assert_int_equal(at.len, 6);
  assert_memory_equal(at.ptr, "alpine", 6);
  sgi_str *items = NULL;
  size_t count = 0;
  assert_int_equal(sgi_strlist_finish(&l, &a, &items, &count), 0);
  assert_int_equal(count, 3);
  assert_string_equal(items[0].ptr, "alpine");
  assert_int_equal(items[0].len, 6);
  assert_true(items[0].ptr < line || items[0].ptr >= line + len); /* a copy */
  assert_string_equal(items[1].ptr, "");
  assert_ptr_equal(items[2].ptr, line + 15); /* kept in place */
  assert_string_equal(items[2].ptr, "base");

  /* reset: empty again, and nothing referenced without a stable end */
  sgi_strlist_reset(&l, NULL);
  assert_int_equal(l.count, 0);
  assert_int_equal(sgi_strlist_push(&l, line + 15, 4), 0);
  assert_int_equal(sgi_strlist_finish(&l, &a, &items, &count), 0);
  assert_int_equal(count, 1);
  assert_true(items[0].ptr != line + 15);
  assert_string_equal(items[0].ptr, "base");

  /* an empty list finishes as NULL, 0 */
  sgi_strlist_reset(&l, NULL);
  assert_int_equal(sgi_strlist_finish(&l, &a, &items, &count), 0);
  assert_null(items);
  assert_int_equal(count, 0);
  sgi_strlist_free(&l);
  sgi_arena_free(&a);
}

/* Many strings: the scratch grows and every item survives the moves. */
static void test_strlist_growth(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_arena a;
  sgi_arena_init(&a, &mem);
  sgi_strlist l;
  sgi_strlist_init(&l, &mem);
  sgi_strlist_reset(&l, NULL);
  char word[16];
  for (int i = 0; i < 1000; i++) {
    int n = snprintf(word, sizeof word, "w%d", i);
    assert_int_equal(sgi_strlist_push(&l, word, (size_t)n), 0);
  }
  sgi_str *items = NULL;
  size_t count = 0;
  assert_int_equal(sgi_strlist_finish(&l, &a, &items, &count), 0);
  assert_int_equal(count, 1000);
  for (int i = 0; i < 1000; i++) {
    snprintf(word, sizeof word, "w%d", i);
    assert_string_equal(items[i].ptr, word);
  }
  sgi_strlist_free(&l);
  sgi_arena_free(&a);
}

/* An arena on the caller's storage serves from it until it is full, then
 * from blocks of its allocator; freeing frees only those. */
static void test_arena_storage(void **state) {
  (void)state;
  alloc_budget budget;
  budget_init(&budget);
  stagegraph_allocator al = budget_allocator(&budget);
  sgi_mem mem;
  sgi_mem_init(&mem, &al);
  _Alignas(16) unsigned char storage[64];
  sgi_arena a;
  sgi_arena_init_storage(&a, &mem, storage, 60); /* rounded down to 56 */
  a.min_block = 128;
  char *p = sgi_arena_alloc(&a, 20), *q = sgi_arena_alloc(&a, 30);
  assert_ptr_equal(p, (char *)storage);
  assert_ptr_equal(q, (char *)storage + 24);
  assert_int_equal(budget.calls, 0);
  char *r = sgi_arena_alloc(&a, 8); /* 56 bytes used: a block */
  assert_true(r < (char *)storage || r >= (char *)storage + sizeof storage);
  assert_int_equal(budget.calls, 1);
  memset(p, 'x', 20);
  memset(r, 'y', 8);
  assert_int_equal(p[19], 'x');
  sgi_arena_free(&a);
  assert_int_equal(budget.live, 0);
  assert_int_equal(budget.foreign, 0);
}

/* A buffer in the caller's storage allocates nothing until it outgrows
 * it, then moves its bytes to the heap; freeing never frees the storage,
 * and a detached buffer is always the heap's. */
static void test_buf_storage(void **state) {
  (void)state;
  alloc_budget budget;
  budget_init(&budget);
  stagegraph_allocator a = budget_allocator(&budget);
  sgi_mem mem;
  sgi_mem_init(&mem, &a);
  char storage[8];
  sgi_buf b;
  sgi_buf_init_storage(&b, &mem, storage, sizeof storage);
  assert_int_equal(sgi_buf_append(&b, "abcdefg", 7), 0);
  assert_ptr_equal(b.ptr, storage);
  assert_string_equal(storage, "abcdefg");
  assert_int_equal(budget.calls, 0);
  assert_int_equal(sgi_buf_putc(&b, 'h'), 0); /* 8 bytes and a NUL: the heap */
  assert_ptr_not_equal(b.ptr, storage);
  assert_string_equal(b.ptr, "abcdefgh");
  assert_int_equal(budget.calls, 1);
  sgi_buf_free(&b);

  sgi_buf_init_storage(&b, &mem, storage, sizeof storage);
  assert_int_equal(sgi_buf_append(&b, "xyz", 3), 0);
  stagegraph_buf out = {0};
  assert_int_equal(sgi_buf_detach(&b, &out), 0);
  assert_ptr_not_equal(out.ptr, storage);
  assert_string_equal(out.ptr, "xyz");
  assert_int_equal(out.size, 3);
  stagegraph_buf_dispose(&out);

  /* a failed move leaves the bytes where they were and the buffer failed */
  sgi_buf_init_storage(&b, &mem, storage, sizeof storage);
  assert_int_equal(sgi_buf_append(&b, "abc", 3), 0);
  budget_fail(&budget, 0, 1);
  assert_int_equal(sgi_buf_append(&b, "defghijk", 8), STAGEGRAPH_ENOMEM);
  assert_ptr_equal(b.ptr, storage);
  assert_int_equal(b.failed, STAGEGRAPH_ENOMEM);
  sgi_buf_free(&b);
  budget_fail(&budget, -1, 0);
  assert_int_equal(budget.live, 0);
  assert_int_equal(budget.foreign, 0);
}

/* A list in the caller's storage keeps its items there until the
 * (item_cap + 1)th push, then copies them to the heap intact. */
static void test_strlist_storage(void **state) {
  (void)state;
  alloc_budget budget;
  budget_init(&budget);
  stagegraph_allocator al = budget_allocator(&budget);
  sgi_mem mem;
  sgi_mem_init(&mem, &al);
  sgi_arena a;
  sgi_arena_init(&a, &mem);
  sgi_strlist_item items[4];
  char bytes[32];
  sgi_strlist l;
  sgi_strlist_init_storage(&l, &mem, items, 4, bytes, sizeof bytes);
  sgi_strlist_reset(&l, NULL);
  char word[16];
  for (int i = 0; i < 4; i++) {
    int n = snprintf(word, sizeof word, "w%d", i);
    assert_int_equal(sgi_strlist_push(&l, word, (size_t)n), 0);
  }
  assert_ptr_equal(l.items, items);
  assert_int_equal(budget.calls, 0);
  for (int i = 4; i < 100; i++) {
    int n = snprintf(word, sizeof word, "w%d", i);
    assert_int_equal(sgi_strlist_push(&l, word, (size_t)n), 0);
  }
  assert_ptr_not_equal(l.items, items);
  sgi_str *out = NULL;
  size_t count = 0;
  assert_int_equal(sgi_strlist_finish(&l, &a, &out, &count), 0);
  assert_int_equal(count, 100);
  for (int i = 0; i < 100; i++) {
    snprintf(word, sizeof word, "w%d", i);
    assert_string_equal(out[i].ptr, word);
  }
  sgi_strlist_free(&l);
  sgi_arena_free(&a);
  assert_int_equal(budget.live, 0);
  assert_int_equal(budget.foreign, 0);
}

/* Arguments that end where their line ends point into it; the rest of an
 * ONBUILD line is trimmed, so its trigger's arguments are copies that end
 * where the words end. */
static void test_arguments_in_place(void **state) {
  (void)state;
  const char *text = "FROM alpine AS base\nRUN echo hi  \nONBUILD RUN echo there   \n"
                     "ONBUILD ONBUILD RUN x\n";
  stagegraph_doc *doc = NULL;
  assert_int_equal(stagegraph_parse(&doc, text, strlen(text), NULL, NULL), 0);
  size_t len = 0;
  const char *base = stagegraph_instruction_arg(stagegraph_doc_instruction(doc, 0), 2, &len);
  assert_int_equal(len, 4);
  assert_string_equal(base, "base");
  const char *run = stagegraph_instruction_arg(stagegraph_doc_instruction(doc, 1), 0, &len);
  assert_string_equal(run, "echo hi");
  assert_int_equal(len, 7);
  const stagegraph_instruction *trig = stagegraph_instruction_trigger(stagegraph_doc_instruction(doc, 2));
  const char *there = stagegraph_instruction_arg(trig, 0, &len);
  assert_string_equal(there, "echo there");
  assert_int_equal(len, 10);
  const stagegraph_instruction *inner =
      stagegraph_instruction_trigger(stagegraph_instruction_trigger(stagegraph_doc_instruction(doc, 3)));
  assert_string_equal(stagegraph_instruction_arg(inner, 0, &len), "x");
  stagegraph_doc_free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reserve_commit),
      cmocka_unit_test(test_reserve_moves_to_new_block),
      cmocka_unit_test(test_next_block_hint),
      cmocka_unit_test(test_paced_blocks),
      cmocka_unit_test(test_strlist_reference_and_copy),
      cmocka_unit_test(test_strlist_growth),
      cmocka_unit_test(test_arena_storage),
      cmocka_unit_test(test_buf_storage),
      cmocka_unit_test(test_strlist_storage),
      cmocka_unit_test(test_arguments_in_place),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
