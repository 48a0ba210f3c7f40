/* The persistent map (internal: lib/pmap.h) that deep scopes keep per
 * stage: puts, replacements, lookups, colliding hashes, old versions left
 * as they were, and allocation failure at each allocation of a put. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "hash.h"
#include "pmap.h"

enum { KEYS = 3000 };

typedef struct fixture {
  sgi_mem mem;
  sgi_arena arena;
  char names[KEYS][16];
  size_t lens[KEYS];
  int items[KEYS + 1]; /* an item is the address of one of these */
} fixture;

typedef unsigned (*hasher)(const char *name, size_t len);

static unsigned keyed(const char *name, size_t len) { return sgi_hash_keyed(name, len, 42); }
static unsigned constant(const char *name, size_t len) {
  (void)name, (void)len;
  return 0x9e3779b9u;
}
/* four hashes in all, differing only in their last two bits */
static unsigned few(const char *name, size_t len) { return (sgi_hash_keyed(name, len, 7) & 3u) << 30; }

static fixture *fixture_new(void) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  sgi_mem_init(&f->mem, NULL);
  sgi_arena_init(&f->arena, &f->mem);
  for (size_t i = 0; i < KEYS; i++) f->lens[i] = (size_t)snprintf(f->names[i], 16, "V%zu", i);
  return f;
}

static void fixture_free(fixture *f) {
  sgi_arena_free(&f->arena);
  free(f);
}

/* Name i, ranked i (reversed with `down`). */
static int put_ranked(fixture *f, sgi_pmap *m, hasher h, size_t i, size_t item, int down) {
  return sgi_pmap_put(m, m, &f->arena, h(f->names[i], f->lens[i]), f->names[i], f->lens[i],
                      &f->items[item], down ? KEYS - i : i);
}

static int put(fixture *f, sgi_pmap *m, hasher h, size_t i, size_t item) {
  return put_ranked(f, m, h, i, item, 0);
}

static const void *get(const fixture *f, const sgi_pmap *m, hasher h, size_t i) {
  return sgi_pmap_get(m, h(f->names[i], f->lens[i]), f->names[i], f->lens[i]);
}

/* The map holds exactly names [0, n), name i mapped to items[i + shift]
 * and ranked i: listed in that order. */
static void expect_map(const fixture *f, const sgi_pmap *m, hasher h, size_t n, size_t shift) {
  assert_int_equal(m->count, n);
  for (size_t i = 0; i < KEYS; i++) {
    const void *want = i < n ? &f->items[i + shift] : NULL;
    if (get(f, m, h, i) != want) fail_msg("name %s: wrong item", f->names[i]);
  }
  const void **items = calloc(n ? n : 1, sizeof *items);
  assert_non_null(items);
  sgi_pmap_items(m, items);
  for (size_t i = 0; i < n; i++)
    if (items[i] != &f->items[i + shift]) fail_msg("item %zu is out of its rank's place", i);
  free(items);
}

/* The empty map finds nothing; puts are found by exact name; a second put
 * replaces the item and does not count again. */
static void test_put_replace_get(void **state) {
  (void)state;
  fixture *f = fixture_new();
  sgi_pmap m = {NULL, 0};
  assert_null(get(f, &m, keyed, 0));
  sgi_pmap_items(&m, NULL);
  assert_int_equal(put(f, &m, keyed, 0, 0), 0);
  assert_int_equal(put(f, &m, keyed, 1, 1), 0);
  assert_ptr_equal(get(f, &m, keyed, 0), &f->items[0]);
  assert_null(sgi_pmap_get(&m, keyed("V", 1), "V", 1));
  assert_null(sgi_pmap_get(&m, keyed("V00", 3), "V00", 3));
  assert_int_equal(put(f, &m, keyed, 0, 5), 0);
  assert_int_equal(m.count, 2);
  assert_ptr_equal(get(f, &m, keyed, 0), &f->items[5]);
  assert_ptr_equal(get(f, &m, keyed, 1), &f->items[1]);
  fixture_free(f);
}

/* Many names, under a good hash and under hashes that collide (all equal,
 * or four values): the same answers, and the same listing. */
static void many(hasher h) {
  fixture *f = fixture_new();
  size_t n = h == keyed ? KEYS : KEYS / 10; /* a bucket is searched in order */
  sgi_pmap m = {NULL, 0};
  for (size_t i = 0; i < n; i++) assert_int_equal(put(f, &m, h, i, i), 0);
  expect_map(f, &m, h, n, 0);
  for (size_t i = 0; i < n; i++) assert_int_equal(put(f, &m, h, i, i + 1), 0);
  expect_map(f, &m, h, n, 1);
  fixture_free(f);
}

static void test_many_names(void **state) {
  (void)state;
  many(keyed);
}

static void test_colliding_hashes(void **state) {
  (void)state;
  many(constant);
  many(few);
}

/* Listing follows the ranks given, whatever the hashes: the reverse of
 * the names' order here, and a replaced name takes its new rank. */
static void test_listing_by_rank(void **state) {
  (void)state;
  fixture *f = fixture_new();
  sgi_pmap m = {NULL, 0};
  for (size_t i = 0; i < 500; i++) assert_int_equal(put_ranked(f, &m, keyed, i, i, 1), 0);
  assert_int_equal(sgi_pmap_put(&m, &m, &f->arena, keyed("V7", 2), "V7", 2, &f->items[7], 0), 0);
  const void *items[500];
  sgi_pmap_items(&m, items);
  assert_ptr_equal(items[0], &f->items[7]);
  for (size_t k = 1, i = 499; k < 500; k++, i -= i == 8 ? 2 : 1) assert_ptr_equal(items[k], &f->items[i]);
  fixture_free(f);
}

/* Every version stays as it was while later ones are built on it, and
 * two versions built on one differ only where they were put. */
static void test_persistence(void **state) {
  (void)state;
  fixture *f = fixture_new();
  enum { STEP = 100 };
  sgi_pmap versions[KEYS / STEP + 1];
  sgi_pmap m = {NULL, 0};
  for (size_t i = 0; i < KEYS; i++) {
    if (i % STEP == 0) versions[i / STEP] = m;
    assert_int_equal(put(f, &m, keyed, i, i), 0);
  }
  for (size_t v = 0; v < KEYS / STEP; v++) expect_map(f, &versions[v], keyed, v * STEP, 0);
  sgi_pmap base = versions[10], a = base, b = base;
  assert_int_equal(put(f, &a, keyed, 3, 7), 0);
  assert_int_equal(put(f, &b, keyed, 2000, 2000), 0);
  assert_ptr_equal(get(f, &a, keyed, 3), &f->items[7]);
  assert_ptr_equal(get(f, &b, keyed, 3), &f->items[3]);
  assert_null(get(f, &a, keyed, 2000));
  assert_ptr_equal(get(f, &b, keyed, 2000), &f->items[2000]);
  expect_map(f, &base, keyed, 10 * STEP, 0);
  fixture_free(f);
}

/* A put that fails at any of its allocations returns ENOMEM and leaves
 * both maps as they were; puts go on after it. The arena is kept to small
 * blocks so that block allocations fall at every place within a put. */
static void failing_puts(hasher h, size_t n) {
  alloc_budget ab;
  budget_init(&ab);
  stagegraph_allocator a = budget_allocator(&ab);
  fixture *f = fixture_new();
  sgi_mem_init(&f->mem, &a);
  long fail_at;
  int failures = 0, rc = STAGEGRAPH_ENOMEM;
  for (fail_at = 0; rc; fail_at++) {
    sgi_arena_init(&f->arena, &f->mem);
    f->arena.min_block = 48;
    budget_fail(&ab, fail_at, 0);
    sgi_pmap m = {NULL, 0};
    rc = 0;
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
      f->arena.total = 0; /* small blocks */
      sgi_pmap before = m, out = m;
      int r = sgi_pmap_put(&out, &m, &f->arena, h(f->names[i], f->lens[i]), f->names[i], f->lens[i],
                           &f->items[i], i);
      if (r) {
        assert_int_equal(r, STAGEGRAPH_ENOMEM);
        assert_ptr_equal(out.root, before.root);
        assert_int_equal(out.count, before.count);
        assert_int_equal(m.count, before.count);
        expect_map(f, &m, h, done, 0);
        rc = r;
        failures++;
        /* the next put of the same name goes through */
        assert_int_equal(put(f, &m, h, i, i), 0);
      } else {
        m = out;
      }
      done++;
    }
    expect_map(f, &m, h, n, 0);
    sgi_arena_free(&f->arena);
    if (!ab.injected) rc = 0;
  }
  assert_true(failures > 50);
  assert_int_equal(ab.live, 0);
  free(f);
}

static void test_allocation_failure(void **state) {
  (void)state;
  failing_puts(keyed, 200);
  failing_puts(constant, 40);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_put_replace_get),
      cmocka_unit_test(test_many_names),
      cmocka_unit_test(test_colliding_hashes),
      cmocka_unit_test(test_listing_by_rank),
      cmocka_unit_test(test_persistence),
      cmocka_unit_test(test_allocation_failure),
  };
  return cmocka_run_group_tests_name("pmap", tests, NULL, NULL);
}
