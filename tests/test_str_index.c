/* The stage graph's string index (internal: lib/str_index.h): stage names
 * and image references to their indices. */
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
#include "str_index.h"

static sgi_mem heap(void) {
  sgi_mem mem;
  sgi_mem_init(&mem, NULL);
  return mem;
}

/* Found by exact bytes and length; absent strings, prefixes and
 * extensions are not found; an empty index finds nothing. */
static void test_set_and_find(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_str_index x;
  sgi_str_index_init(&x, &mem, 42);
  assert_int_equal(sgi_str_index_find(&x, "build", 5), STAGEGRAPH_NONE);
  assert_int_equal(sgi_str_index_set(&x, "build", 5, 0), 0);
  assert_int_equal(sgi_str_index_set(&x, "test", 4, 7), 0);
  assert_int_equal(sgi_str_index_set(&x, "", 0, 3), 0);
  assert_int_equal(sgi_str_index_find(&x, "build", 5), 0);
  assert_int_equal(sgi_str_index_find(&x, "test", 4), 7);
  assert_int_equal(sgi_str_index_find(&x, "", 0), 3);
  assert_int_equal(sgi_str_index_find(&x, "buil", 4), STAGEGRAPH_NONE);
  assert_int_equal(sgi_str_index_find(&x, "builder", 7), STAGEGRAPH_NONE);
  assert_int_equal(sgi_str_index_find(&x, "Build", 5), STAGEGRAPH_NONE);
  /* the length decides, not a NUL in the caller's buffer */
  assert_int_equal(sgi_str_index_find(&x, "testing", 4), 7);
  assert_int_equal(x.count, 3);
  sgi_str_index_free(&x);
  assert_int_equal(sgi_str_index_find(&x, "test", 4), STAGEGRAPH_NONE);
}

/* The keyed hash reads every byte and the length: for keys of 0 to 24
 * bytes (the 8-byte words, the two overlapping 4-byte words of a 4- to
 * 7-byte tail, the first, middle and last byte of a shorter one), changing
 * any one byte, or cutting the last, changes the hash; so does the key.
 * The seed and keys are fixed, so the outcome is too. */
static void test_hash_reads_every_byte(void **state) {
  (void)state;
  unsigned char key[24];
  for (size_t i = 0; i < sizeof key; i++) key[i] = (unsigned char)('a' + i);
  for (size_t len = 0; len <= sizeof key; len++) {
    unsigned h = sgi_hash_keyed(key, len, 12345);
    assert_int_not_equal(h, sgi_hash_keyed(key, len, 12346));
    if (len) assert_int_not_equal(h, sgi_hash_keyed(key, len - 1, 12345));
    for (size_t i = 0; i < len; i++) {
      key[i] ^= 0x20;
      if (h == sgi_hash_keyed(key, len, 12345)) fail_msg("length %zu: byte %zu not read", len, i);
      key[i] ^= 0x20;
    }
  }
}

/* An index on the caller's storage allocates nothing while its strings
 * fit, then moves slots and pool to the heap keeping every entry, under
 * allocation failure too; freeing never frees the storage. */
static void test_storage(void **state) {
  (void)state;
  alloc_budget ab;
  budget_init(&ab);
  stagegraph_allocator a = budget_allocator(&ab);
  sgi_mem mem;
  sgi_mem_init(&mem, &a);
  for (int fail_at = -1; fail_at < 6; fail_at++) {
    budget_fail(&ab, fail_at, 1);
    sgi_str_slot slots[8];
    char pool[64];
    sgi_str_index x;
    sgi_str_index_init_storage(&x, &mem, 7, slots, 8, pool, sizeof pool);
    char name[16];
    size_t set = 0;
    int rc = 0;
    for (size_t i = 0; i < 40 && !rc; i++) {
      int len = snprintf(name, sizeof name, "stage%zu", i);
      rc = sgi_str_index_set(&x, name, (size_t)len, i);
      if (!rc) set++;
      if (i == 3) { /* 4 entries of 11-12 bytes: still the caller's */
        assert_ptr_equal(x.slot, slots);
        assert_ptr_equal(x.pool, pool);
        assert_int_equal(ab.calls, 0);
      }
    }
    if (fail_at < 0) assert_int_equal(set, 40);
    else assert_int_equal(rc, STAGEGRAPH_ENOMEM);
    assert_true(set >= 4);
    for (size_t i = 0; i < set; i++) {
      int len = snprintf(name, sizeof name, "stage%zu", i);
      assert_int_equal(sgi_str_index_find(&x, name, (size_t)len), i);
    }
    sgi_str_index_free(&x);
    assert_int_equal(ab.live, 0);
    assert_int_equal(ab.foreign, 0);
  }
}

/* Setting a string again replaces its value (the last duplicate stage
 * name wins) without adding an entry. */
static void test_later_value_wins(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_str_index x;
  sgi_str_index_init(&x, &mem, 1);
  assert_int_equal(sgi_str_index_set(&x, "base", 4, 1), 0);
  assert_int_equal(sgi_str_index_set(&x, "base", 4, 5), 0);
  assert_int_equal(sgi_str_index_find(&x, "base", 4), 5);
  assert_int_equal(x.count, 1);
  sgi_str_index_free(&x);
}

/* Adding keeps the first value: a string already there is reported with
 * its value and left as it was; a new one is added and reported as NONE. */
static void test_add_keeps_first(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_str_index x;
  sgi_str_index_init(&x, &mem, 3);
  size_t found = 0;
  assert_int_equal(sgi_str_index_add(&x, "base", 4, 1, &found), 0);
  assert_int_equal(found, STAGEGRAPH_NONE);
  assert_int_equal(sgi_str_index_add(&x, "base", 4, 5, &found), 0);
  assert_int_equal(found, 1);
  assert_int_equal(sgi_str_index_find(&x, "base", 4), 1);
  assert_int_equal(sgi_str_index_add(&x, "bas", 3, 9, &found), 0);
  assert_int_equal(found, STAGEGRAPH_NONE);
  assert_int_equal(sgi_str_index_find(&x, "bas", 3), 9);
  assert_int_equal(x.count, 2);
  sgi_str_index_free(&x);
}

/* Many strings, past several growths and with a reserve in the middle:
 * every one still maps to its value, and the table stays at most half
 * full. */
static void test_growth(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_str_index x;
  sgi_str_index_init(&x, &mem, 99);
  char name[32];
  for (size_t i = 0; i < 5000; i++) {
    if (i == 1000) assert_int_equal(sgi_str_index_reserve(&x, 4000), 0);
    int len = snprintf(name, sizeof name, "stage-%zu-with-a-longer-name", i);
    assert_int_equal(sgi_str_index_set(&x, name, (size_t)len, i), 0);
    sgi_str_index_prefetch(&x, name, (size_t)len); /* a hint: changes nothing */
  }
  assert_int_equal(x.count, 5000);
  assert_true(x.cap >= 2 * x.count);
  for (size_t i = 0; i < 5000; i++) {
    int len = snprintf(name, sizeof name, "stage-%zu-with-a-longer-name", i);
    assert_int_equal(sgi_str_index_find(&x, name, (size_t)len), i);
  }
  assert_int_equal(sgi_str_index_find(&x, "stage-5000-with-a-longer-name", 29), STAGEGRAPH_NONE);
  sgi_str_index_free(&x);
}

/* Values must fit 32 bits: a larger one is refused, not truncated. */
static void test_value_range(void **state) {
  (void)state;
  sgi_mem mem = heap();
  sgi_str_index x;
  sgi_str_index_init(&x, &mem, 5);
  assert_int_equal(sgi_str_index_set(&x, "a", 1, (size_t)UINT32_MAX), STAGEGRAPH_ENOMEM);
  assert_int_equal(sgi_str_index_set(&x, "a", 1, (size_t)UINT32_MAX - 1), 0);
  assert_int_equal(sgi_str_index_find(&x, "a", 1), (size_t)UINT32_MAX - 1);
  sgi_str_index_free(&x);
}

/* Every allocation failure is reported and leaves what was set findable,
 * at each allocation in turn until the whole run fits its budget (the
 * valgrind and ASan runs check that nothing leaks). */
static void test_allocation_failure(void **state) {
  (void)state;
  alloc_budget ab;
  budget_init(&ab);
  stagegraph_allocator a = budget_allocator(&ab);
  sgi_mem mem;
  sgi_mem_init(&mem, &a);
  int rc = STAGEGRAPH_ENOMEM, fail_at;
  for (fail_at = 0; rc && fail_at < 100; fail_at++) {
    budget_fail(&ab, fail_at, 1);
    sgi_str_index x;
    sgi_str_index_init(&x, &mem, 7);
    char name[16];
    size_t set = 0;
    rc = 0;
    for (size_t i = 0; i < 200 && !rc; i++) {
      int len = snprintf(name, sizeof name, "s%zu", i);
      rc = sgi_str_index_set(&x, name, (size_t)len, i);
      if (!rc) set++;
    }
    if (rc) assert_int_equal(rc, STAGEGRAPH_ENOMEM);
    else assert_int_equal(set, 200);
    for (size_t i = 0; i < set; i++) {
      int len = snprintf(name, sizeof name, "s%zu", i);
      assert_int_equal(sgi_str_index_find(&x, name, (size_t)len), i);
    }
    sgi_str_index_free(&x);
  }
  assert_int_equal(rc, 0);
  assert_true(fail_at > 4); /* the table and the pool grew several times */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hash_reads_every_byte),
      cmocka_unit_test(test_set_and_find),
      cmocka_unit_test(test_later_value_wins),
      cmocka_unit_test(test_add_keeps_first),
      cmocka_unit_test(test_growth),
      cmocka_unit_test(test_value_range),
      cmocka_unit_test(test_allocation_failure),
      cmocka_unit_test(test_storage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
