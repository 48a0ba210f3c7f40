/* "Did you mean" suggestions (internal: lib/suggest.h): the scan and the
 * index against a plain reference, BuildKit's util/suggest.Search written
 * the obvious way (every option, the whole edit-distance table), on many
 * generated option sets and questions: random names, a tiny alphabet at
 * one length, ties, exact matches, empty strings, long names (there is
 * no length limit, as in BuildKit), multi-byte and invalid UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "suggest.h"
#include "text.h"

/* ---- the reference ------------------------------------------------------------ */

static size_t ref_runes(const char *s, size_t len, uint32_t **out) {
  uint32_t *r = malloc((len + 1) * sizeof *r);
  assert_non_null(r);
  size_t n = 0;
  for (size_t i = 0; i < len; n++) {
    size_t w;
    r[n] = sgi_utf8_decode(s + i, len - i, &w);
    i += w;
  }
  *out = r;
  return n;
}

/* The whole table, two rows at a time. */
static size_t ref_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb) {
  size_t *prev = malloc((nb + 1) * sizeof *prev), *cur = malloc((nb + 1) * sizeof *cur);
  assert_non_null(prev);
  assert_non_null(cur);
  for (size_t j = 0; j <= nb; j++) prev[j] = j;
  for (size_t i = 1; i <= na; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t m = prev[j - 1] + (a[i - 1] != b[j - 1]);
      if (prev[j] + 1 < m) m = prev[j] + 1;
      if (cur[j - 1] + 1 < m) m = cur[j - 1] + 1;
      cur[j] = m;
    }
    size_t *swap = prev;
    prev = cur;
    cur = swap;
  }
  size_t d = prev[nb];
  free(prev);
  free(cur);
  return d;
}

/* None when the value is an option; else the first option at the least
 * distance, when that is at most 2. */
static size_t reference(const char *value, size_t len, const char *const *options, size_t count) {
  for (size_t k = 0; k < count; k++)
    if (strlen(options[k]) == len && !memcmp(options[k], value, len)) return STAGEGRAPH_NONE;
  uint32_t *v, *o;
  size_t nv = ref_runes(value, len, &v), best = 3, match = STAGEGRAPH_NONE;
  for (size_t k = 0; k < count; k++) {
    size_t no = ref_runes(options[k], strlen(options[k]), &o);
    /* the distance is at least the difference in length */
    size_t d = no + 3 <= nv || nv + 3 <= no ? 3 : ref_distance(v, nv, o, no);
    free(o);
    if (d < best) best = d, match = k;
  }
  free(v);
  return match;
}

/* ---- generated names ---------------------------------------------------------------- */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n) {
  rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
  return (uint32_t)(rng_state >> 33) % n;
}

/* The pieces names are made of: one byte, several, invalid UTF-8 and
 * U+FFFD itself. */
typedef struct alphabet {
  const char *const *pieces;
  size_t count;
} alphabet;

static const char *const ascii[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
                                    "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
                                    "A", "B", "Z", "_", "0", "1", "9"};
static const char *const tiny[] = {"a", "b"};
static const char *const mixed[] = {"a", "b", "\xc3\xa9" /* é */, "\xe2\x82\xac" /* € */,
                                    "\xf0\x9f\x90\xb3" /* whale */, "\xff", "\xfe",
                                    "\xef\xbf\xbd" /* U+FFFD */, "\xc3" /* truncated */};

enum { NAME_MAX = 300 * 4 + 1 };

static void random_name(char *out, const alphabet *ab, size_t runes) {
  size_t len = 0;
  for (size_t i = 0; i < runes; i++) {
    const char *p = ab->pieces[rnd((uint32_t)ab->count)];
    size_t n = strlen(p);
    memcpy(out + len, p, n);
    len += n;
  }
  out[len] = '\0';
}

/* A name one to three edits from `from` (pieces of the alphabet). */
static void near_name(char *out, const char *from, const alphabet *ab) {
  char buf[NAME_MAX * 2];
  strcpy(buf, from);
  size_t edits = 1 + rnd(3);
  for (size_t e = 0; e < edits; e++) {
    size_t len = strlen(buf), at = len ? rnd((uint32_t)len + 1) : 0;
    const char *p = ab->pieces[rnd((uint32_t)ab->count)];
    size_t plen = strlen(p);
    switch (rnd(3)) {
    case 0: /* insert */
      if (len + plen >= NAME_MAX - 1) break;
      memmove(buf + at + plen, buf + at, len - at + 1);
      memcpy(buf + at, p, plen);
      break;
    case 1: /* delete a byte (which may leave invalid UTF-8, on purpose) */
      if (at < len) memmove(buf + at, buf + at + 1, len - at);
      break;
    default: /* replace a byte */
      if (at < len) buf[at] = p[0];
      break;
    }
  }
  strcpy(out, buf);
}

typedef struct set {
  char (*names)[NAME_MAX];
  const char **options;
  size_t count;
} set;

static void set_init(set *s, size_t cap) {
  s->names = calloc(cap, sizeof *s->names);
  s->options = calloc(cap, sizeof *s->options);
  assert_non_null(s->names);
  assert_non_null(s->options);
  s->count = 0;
}

static void set_free(set *s) {
  free(s->names);
  free((void *)s->options);
}

static void set_add(set *s, const char *name) {
  strcpy(s->names[s->count], name);
  s->options[s->count] = s->names[s->count];
  s->count++;
}

/* The index, the scan and the reference agree on `value`. */
static void agree(sgi_suggest_index *x, const set *s, const char *value) {
  size_t len = strlen(value), want = reference(value, len, s->options, s->count), got;
  assert_int_equal(sgi_suggest_index_find(x, s->options, s->count, value, len, &got), 0);
  if (got != want)
    fail_msg("index: %zu, reference: %zu, for \"%s\" among %zu options", got, want, value, s->count);
  assert_int_equal(sgi_suggest_scan(value, len, s->options, s->count, 0), want);
}

/* An index on the C library's allocator and a list of up to `cap` options. */
typedef struct fixture {
  sgi_mem mem;
  sgi_suggest_index x;
  set s;
} fixture;

static void fixture_init(fixture *f, size_t cap) {
  sgi_mem_init(&f->mem, NULL);
  sgi_suggest_index_init(&f->x, &f->mem);
  set_init(&f->s, cap);
}

static void fixture_free(fixture *f) {
  sgi_suggest_index_free(&f->x);
  set_free(&f->s);
}

/* One generated family: `count` options of `lo` to `hi` runes, asked
 * about near misses of options, options themselves, and random names,
 * with options added between the questions (the trie grows). */
static void family(const alphabet *ab, size_t count, size_t lo, size_t hi, size_t questions,
                   uint64_t seed) {
  rng_state = seed;
  fixture f;
  fixture_init(&f, count);
  sgi_suggest_index *x = &f.x;
  set *s = &f.s;
  char name[NAME_MAX * 2];
  for (size_t round = 0; round < 2; round++) {
    if (round) sgi_suggest_index_clear(x), s->count = 0;
    while (s->count < count) {
      size_t batch = 1 + rnd(count / 4 + 1);
      for (size_t i = 0; i < batch && s->count < count; i++) {
        if (s->count && rnd(4) == 0) near_name(name, s->options[rnd((uint32_t)s->count)], ab);
        else if (s->count && rnd(16) == 0) strcpy(name, s->options[rnd((uint32_t)s->count)]); /* a duplicate */
        else random_name(name, ab, lo + rnd((uint32_t)(hi - lo + 1)));
        if (strlen(name) >= NAME_MAX) continue;
        set_add(s, name);
      }
      for (size_t q = 0; q < questions; q++) {
        switch (rnd(4)) {
        case 0: near_name(name, s->options[rnd((uint32_t)s->count)], ab); break;
        case 1: strcpy(name, s->options[rnd((uint32_t)s->count)]); break;
        default: random_name(name, ab, lo + rnd((uint32_t)(hi - lo + 3))); break;
        }
        agree(x, s, name);
      }
    }
  }
  fixture_free(&f);
}

/* ---- the tests ---------------------------------------------------------------------- */

static void test_random_names(void **state) {
  (void)state;
  alphabet ab = {ascii, sizeof ascii / sizeof ascii[0]};
  for (uint64_t seed = 1; seed <= 40; seed++) family(&ab, 40 + seed * 10, 1, 12, 60, seed);
}

/* All names at one length over two letters: every filter on letters or
 * lengths lets everything through. */
static void test_tiny_alphabet(void **state) {
  (void)state;
  alphabet ab = {tiny, 2};
  for (uint64_t seed = 1; seed <= 20; seed++) family(&ab, 200, 10, 10, 100, seed * 7);
  for (uint64_t seed = 1; seed <= 20; seed++) family(&ab, 100, 0, 4, 100, seed * 11);
}

static void test_unicode_and_invalid(void **state) {
  (void)state;
  alphabet ab = {mixed, sizeof mixed / sizeof mixed[0]};
  for (uint64_t seed = 1; seed <= 30; seed++) family(&ab, 120, 0, 8, 100, seed * 13);
}

/* Long names, in one and several bytes a rune: around 64 runes (once a
 * limit), and a few hundred. */
static void test_long_names(void **state) {
  (void)state;
  alphabet ab = {tiny, 2};
  for (uint64_t seed = 1; seed <= 10; seed++) family(&ab, 80, 60, 68, 60, seed * 17);
  for (uint64_t seed = 1; seed <= 4; seed++) family(&ab, 60, 100, 300, 30, seed * 23);
  alphabet mb = {mixed, sizeof mixed / sizeof mixed[0]};
  for (uint64_t seed = 1; seed <= 10; seed++) family(&mb, 80, 61, 67, 60, seed * 19);
  for (uint64_t seed = 1; seed <= 4; seed++) family(&mb, 60, 100, 290, 30, seed * 29);
  alphabet letters = {ascii, sizeof ascii / sizeof ascii[0]};
  for (uint64_t seed = 1; seed <= 3; seed++) family(&letters, 120, 60, 280, 30, seed * 31);
}

/* A name of `runes` copies of `piece` with `edits[i]` put at rune `at[i]`
 * (a replacement, or nothing to leave the rune out), malloc'd. */
static char *long_name(const char *piece, size_t runes, const char *const *edits, const size_t *at,
                       size_t count) {
  size_t plen = strlen(piece);
  char *s = malloc(runes * (plen + 4) + 1), *p = s;
  assert_non_null(s);
  for (size_t i = 0; i < runes; i++) {
    const char *put = piece;
    for (size_t e = 0; e < count; e++)
      if (at[e] == i) put = edits[e];
    size_t n = strlen(put);
    memcpy(p, put, n);
    p += n;
  }
  *p = '\0';
  return s;
}

/* The scan and the index (after its first questions, over enough options
 * to search its trie) both give `want`. */
static void both(fixture *f, const char *value, size_t want) {
  size_t len = strlen(value), k;
  assert_int_equal(sgi_suggest_scan(value, len, f->s.options, f->s.count, 0), want);
  for (int i = 0; i < 6; i++) {
    assert_int_equal(sgi_suggest_index_find(&f->x, f->s.options, f->s.count, value, len, &k), 0);
    assert_int_equal(k, want);
  }
}

/* Names of 65, 100, 1000 and 100k runes, ASCII and two or four bytes a
 * rune: the option one or two edits away is suggested, three away is not,
 * ties go to the first in order, and an exact match means none. */
static void test_very_long_names(void **state) {
  (void)state;
  static const size_t lengths[] = {65, 100, 1000, 100000};
  static const char *const pieces[] = {"a", "\xc3\xa9", "\xf0\x9f\x90\xb3"};
  for (size_t p = 0; p < 3; p++) {
    for (size_t l = 0; l < 4; l++) {
      size_t n = lengths[l], mid = n / 2, end = n - 1;
      const char *x[] = {"x", "y", "z"}, *gone[] = {"", "", ""};
      size_t at1[] = {mid}, at2[] = {3, end}, at3[] = {0, mid, end};
      char *value = long_name(pieces[p], n, NULL, NULL, 0);
      char *one = long_name(pieces[p], n, x, at1, 1);        /* distance 1 */
      char *two = long_name(pieces[p], n, gone, at2, 2);     /* distance 2: two runes left out */
      char *three = long_name(pieces[p], n, x, at3, 3);      /* distance 3 */
      char *one_too = long_name(pieces[p], n + 1, NULL, NULL, 0); /* distance 1, one rune more */
      fixture f;
      fixture_init(&f, 64);
      for (int i = 0; i < 40; i++) set_add(&f.s, "filler");
      f.s.options[f.s.count++] = three;
      both(&f, value, STAGEGRAPH_NONE);
      f.s.options[f.s.count++] = two;
      both(&f, value, 41);
      f.s.options[f.s.count++] = one_too;
      both(&f, value, 42);
      f.s.options[f.s.count++] = one; /* as close, later: a tie the first wins */
      both(&f, value, 42);
      both(&f, one, STAGEGRAPH_NONE); /* an option itself */
      f.s.options[f.s.count++] = value;
      both(&f, value, STAGEGRAPH_NONE);
      fixture_free(&f);
      free(value);
      free(one);
      free(two);
      free(three);
      free(one_too);
    }
  }
}

/* A name of a megabyte, and one a rune off it: building the trie and
 * searching it go a rune at a time, without recursion. */
static void test_megabyte_name(void **state) {
  (void)state;
  size_t n = 1 << 20, at[] = {n - 1};
  const char *x[] = {"b"};
  char *value = long_name("a", n, NULL, NULL, 0), *near = long_name("a", n, x, at, 1);
  fixture f;
  fixture_init(&f, 64);
  for (int i = 0; i < 40; i++) set_add(&f.s, "filler");
  f.s.options[f.s.count++] = near;
  both(&f, value, 40);
  f.s.options[f.s.count++] = value; /* the value's own runes after a shared megabyte */
  both(&f, value, STAGEGRAPH_NONE);
  fixture_free(&f);
  free(value);
  free(near);
}

/* Hand-made cases: ties go to the first in order, an exact match (even
 * after closer-looking options) means none, empty strings, U+FFFD. */
static void test_rules(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, 128);
  sgi_suggest_index *x = &f.x;
  set *s = &f.s;
  /* enough options that questions after the first few search the trie */
  for (int i = 0; i < 40; i++) {
    char name[16];
    snprintf(name, sizeof name, "filler_%02d", i);
    set_add(s, name);
  }
  size_t k;
  for (int i = 0; i < 8; i++) assert_int_equal(sgi_suggest_index_find(x, s->options, s->count, "zzz", 3, &k), 0);
  set_add(s, "VERSIONS");  /* 40: distance 1 from VERSION */
  set_add(s, "VERSIO");    /* 41: distance 1, later */
  set_add(s, "BUILD");     /* 42 */
  set_add(s, "");          /* 43 */
  set_add(s, "VERSION_2"); /* 44: distance 2 */
  set_add(s, "\xff\xfe");  /* 45: two invalid bytes, U+FFFD U+FFFD */
  assert_int_equal(sgi_suggest_index_find(x, s->options, s->count, "VERSION", 7, &k), 0);
  assert_int_equal(k, 40);
  assert_int_equal(sgi_suggest_index_find(x, s->options, s->count, "BUILD", 5, &k), 0);
  assert_int_equal(k, STAGEGRAPH_NONE);
  assert_int_equal(sgi_suggest_index_find(x, s->options, s->count, "", 0, &k), 0); /* "" is an option */
  assert_int_equal(k, STAGEGRAPH_NONE);
  assert_int_equal(sgi_suggest_index_find(x, s->options, s->count, "\xfe\xff", 2, &k), 0); /* same runes, other bytes */
  assert_int_equal(k, 45);
  assert_int_equal(sgi_suggest_index_find(x, s->options, s->count, "\xef\xbf\xbd\xef\xbf\xbd", 6, &k), 0);
  assert_int_equal(k, 45);
  set_add(s, "\xef\xbf\xbd\xef\xbf\xbd"); /* 46: now the value itself is an option */
  assert_int_equal(sgi_suggest_index_find(x, s->options, s->count, "\xef\xbf\xbd\xef\xbf\xbd", 6, &k), 0);
  assert_int_equal(k, STAGEGRAPH_NONE);
  sgi_suggest_index_clear(x);
  s->count = 0;
  set_add(s, "VERSION");
  for (int i = 0; i < 40; i++) set_add(s, "filler");
  for (int i = 0; i < 8; i++) assert_int_equal(sgi_suggest_index_find(x, s->options, s->count, "VERSION", 7, &k), 0);
  assert_int_equal(k, STAGEGRAPH_NONE);
  fixture_free(&f);

  /* the scan alone, folding case as sgi_suggest does without case */
  static const char *const options[] = {"Run", "RUN", "COPY"};
  assert_int_equal(sgi_suggest_scan("run", 3, options, 3, 1), STAGEGRAPH_NONE);
  assert_int_equal(sgi_suggest_scan("rnu", 3, options, 3, 1), 0);
  assert_int_equal(sgi_suggest_scan("rnu", 3, options, 3, 0), STAGEGRAPH_NONE);
  assert_int_equal(sgi_suggest_scan("", 0, options, 3, 0), STAGEGRAPH_NONE);
  static const char *const short_options[] = {"abc", "ab"};
  assert_int_equal(sgi_suggest_scan("", 0, short_options, 2, 0), 1);
}

/* The pathological case's shape, smaller: many options sharing a prefix,
 * questions one edit away and far from all. */
static void test_shared_prefixes(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, 2000);
  sgi_suggest_index *x = &f.x;
  set *s = &f.s;
  char name[64];
  for (int i = 0; i < 2000; i++) {
    snprintf(name, sizeof name, "version_%05d", i * 37 % 2000);
    set_add(s, name);
  }
  rng_state = 5;
  for (int q = 0; q < 400; q++) {
    switch (q % 4) {
    case 0: snprintf(name, sizeof name, "version_%05dx", (int)rnd(2000)); break;
    case 1: snprintf(name, sizeof name, "versoin_%05d", (int)rnd(2000)); break;
    case 2: snprintf(name, sizeof name, "image_tag_%07d", (int)rnd(100000)); break;
    default: snprintf(name, sizeof name, "version_%04d", (int)rnd(10000)); break;
    }
    agree(x, s, name);
  }
  fixture_free(&f);
}

/* Every allocation failure is reported, at each allocation in turn until
 * the whole run fits (ASan and valgrind check nothing leaks). */
static void test_allocation_failure(void **state) {
  (void)state;
  alloc_budget ab;
  budget_init(&ab);
  stagegraph_allocator a = budget_allocator(&ab);
  sgi_mem mem;
  sgi_mem_init(&mem, &a);
  int rc = STAGEGRAPH_ENOMEM, fail_at;
  static char names[300][16];
  const char *options[300];
  for (int i = 0; i < 300; i++) {
    snprintf(names[i], sizeof names[i], "n%d_%d", i % 17, i);
    options[i] = names[i];
  }
  /* long names sharing long prefixes (their tails are taken apart) and a
   * long value (the question's scratch grows) */
  char *longs[4];
  for (int i = 0; i < 4; i++) {
    size_t at[] = {(size_t)(100 + i * 50)};
    const char *x[] = {"x"};
    longs[i] = long_name("v", 400, x, at, 1);
    options[100 + i * 50] = longs[i];
  }
  char *value = long_name("v", 401, NULL, NULL, 0);
  static const char *const values[] = {"n3_x", NULL};
  for (fail_at = 0; rc && fail_at < 400; fail_at++) {
    budget_fail(&ab, fail_at, 1);
    sgi_suggest_index x;
    sgi_suggest_index_init(&x, &mem);
    rc = 0;
    size_t k = 0;
    for (size_t n = 10; n <= 300 && !rc; n += 10)
      for (size_t q = 0; q < 2 && !rc; q++) {
        const char *v = values[q] ? values[q] : value;
        rc = sgi_suggest_index_find(&x, options, n, v, strlen(v), &k);
        if (!rc) assert_int_equal(k, reference(v, strlen(v), options, n));
      }
    if (rc) assert_int_equal(rc, STAGEGRAPH_ENOMEM);
    sgi_suggest_index_free(&x);
    assert_int_equal(ab.live, 0);
  }
  assert_int_equal(rc, 0);
  assert_true(fail_at > 4); /* the trie, its nodes and slots grew */
  for (int i = 0; i < 4; i++) free(longs[i]);
  free(value);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rules),
      cmocka_unit_test(test_random_names),
      cmocka_unit_test(test_tiny_alphabet),
      cmocka_unit_test(test_unicode_and_invalid),
      cmocka_unit_test(test_long_names),
      cmocka_unit_test(test_very_long_names),
      cmocka_unit_test(test_megabyte_name),
      cmocka_unit_test(test_shared_prefixes),
      cmocka_unit_test(test_allocation_failure),
  };
  return cmocka_run_group_tests_name("suggest", tests, NULL, NULL);
}
