/* Letter case (internal: lib/case.c, lib/text.c) against the Unicode
 * Character Database that Go's unicode package is built from, version
 * 15.0.0: every code point's simple lowercase and uppercase mappings
 * (UnicodeData.txt) and its simple case folding (CaseFolding.txt, status C
 * and S), read from $STAGEGRAPH_UCD or /usr/share/unicode (Debian's
 * unicode-data package, which `make deps` installs); then the string
 * functions BuildKit's strings.ToLower, ToUpper and EqualFold stand for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "unicode.h"

enum { RUNES = 0x110000 };

typedef struct ucd {
  uint32_t *upper, *lower, *fold; /* RUNES each; a rune without one maps to itself */
} ucd;

static FILE *open_ucd(const char *name) {
  const char *dir = getenv("STAGEGRAPH_UCD");
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/unicode", name);
  FILE *f = fopen(path, "r");
  if (!f) fail_msg("%s: cannot open it (install Debian's unicode-data, or set STAGEGRAPH_UCD)", path);
  return f;
}

/* The n-th ';'-separated field of line, hex, or `none` when empty. */
static uint32_t hex_field(const char *line, int n, uint32_t none) {
  const char *p = line;
  for (int i = 0; i < n; i++) {
    p = strchr(p, ';');
    assert_non_null(p);
    p++;
  }
  while (*p == ' ') p++;
  if (*p == ';' || *p == '\n' || *p == '\0') return none;
  return (uint32_t)strtoul(p, NULL, 16);
}

static int setup(void **state) {
  ucd *u = calloc(1, sizeof *u);
  assert_non_null(u);
  u->upper = malloc(RUNES * sizeof *u->upper);
  u->lower = malloc(RUNES * sizeof *u->lower);
  u->fold = malloc(RUNES * sizeof *u->fold);
  assert_true(u->upper && u->lower && u->fold);
  for (uint32_t r = 0; r < RUNES; r++) u->upper[r] = u->lower[r] = u->fold[r] = r;
  char line[1024];
  FILE *f = open_ucd("UnicodeData.txt");
  size_t records = 0;
  while (fgets(line, sizeof line, f)) {
    uint32_t r = hex_field(line, 0, 0);
    assert_true(r < RUNES);
    u->upper[r] = hex_field(line, 12, r);
    u->lower[r] = hex_field(line, 13, r);
    records++;
  }
  fclose(f);
  assert_true(records > 30000);
  f = open_ucd("CaseFolding.txt");
  assert_non_null(fgets(line, sizeof line, f));
  if (!strstr(line, "CaseFolding-15.0.0.txt"))
    fail_msg("CaseFolding.txt is %s, not 15.0.0 (the version Go's unicode package has)", line);
  size_t folds = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    const char *status = strchr(line, ';');
    assert_non_null(status);
    if (status[2] != 'C' && status[2] != 'S') continue;
    u->fold[hex_field(line, 0, 0)] = hex_field(line, 2, 0);
    folds++;
  }
  fclose(f);
  assert_true(folds > 1400);
  *state = u;
  return 0;
}

static int teardown(void **state) {
  ucd *u = *state;
  free(u->upper);
  free(u->lower);
  free(u->fold);
  free(u);
  return 0;
}

static void test_every_mapping(void **state) {
  const ucd *u = *state;
  size_t mapped = 0;
  for (uint32_t r = 0; r < RUNES; r++) {
    if (sgi_rune_lower(r) != u->lower[r])
      fail_msg("ToLower(U+%04X) = U+%04X, want U+%04X", r, sgi_rune_lower(r), u->lower[r]);
    if (sgi_rune_upper(r) != u->upper[r])
      fail_msg("ToUpper(U+%04X) = U+%04X, want U+%04X", r, sgi_rune_upper(r), u->upper[r]);
    mapped += u->lower[r] != r || u->upper[r] != r;
  }
  assert_true(mapped > 2800); /* the file was read, not defaulted */
  /* beyond the code space, as Go: no mapping */
  assert_int_equal(sgi_rune_lower(0x110000), 0x110000);
  assert_int_equal(sgi_rune_upper(0xFFFFFFFFu), 0xFFFFFFFFu);
}

static void test_every_folding(void **state) {
  const ucd *u = *state;
  for (uint32_t r = 0; r < RUNES; r++)
    if (sgi_rune_fold(r) != u->fold[r])
      fail_msg("fold(U+%04X) = U+%04X, want U+%04X", r, sgi_rune_fold(r), u->fold[r]);
}

/* reference.c lowers a reference to ASCII by hand: it relies on U+0130 and
 * U+212A being the only runes outside ASCII whose lowercase is ASCII. */
static void test_runes_lowering_to_ascii(void **state) {
  (void)state;
  uint32_t found[4];
  size_t n = 0;
  for (uint32_t r = 0x80; r < RUNES; r++)
    if (sgi_rune_lower(r) < 0x80 && n < 4) found[n++] = r;
  assert_int_equal(n, 2);
  assert_int_equal(found[0], 0x130);
  assert_int_equal(found[1], 0x212A);
}

static char *mapped(const char *s, int lower) {
  sgi_mem mem;
  sgi_mem_init(&mem, NULL);
  sgi_buf b;
  sgi_buf_init(&b, &mem);
  (lower ? sgi_append_lower : sgi_append_upper)(&b, s, strlen(s));
  assert_false(b.failed);
  char *out = strndup(b.ptr ? b.ptr : "", b.len);
  sgi_buf_free(&b);
  return out;
}

static void expect_mapped(const char *s, int lower, const char *want) {
  char *got = mapped(s, lower);
  if (strcmp(got, want) != 0) fail_msg("%s(%s) = %s, want %s", lower ? "ToLower" : "ToUpper", s, got, want);
  free(got);
}

static void test_strings(void **state) {
  (void)state;
  /* Armenian, Georgian (Mkhedruli uppercases to Mtavruli), Cherokee, Deseret */
  expect_mapped("\xd4\xb1\xd4\xb2x", 1, "\xd5\xa1\xd5\xa2x");
  expect_mapped("\xe1\x83\x90", 0, "\xe1\xb2\x90");
  expect_mapped("\xea\xad\xb0", 0, "\xe1\x8e\xa0");
  expect_mapped("\xe1\x8e\xa0", 1, "\xea\xad\xb0");
  expect_mapped("\xf0\x90\x90\x80", 1, "\xf0\x90\x90\xa8");
  /* Latin Extended-B, Vietnamese, fullwidth */
  expect_mapped("\xc7\x85", 1, "\xc7\x86");
  expect_mapped("\xc7\x85", 0, "\xc7\x84");
  expect_mapped("\xe1\xbb\x84", 1, "\xe1\xbb\x85");
  expect_mapped("\xef\xbc\xa1\xef\xbc\xa2", 1, "\xef\xbd\x81\xef\xbd\x82");
  /* what changes length: U+0130 lowers to 'i', U+023A uppercase to a 3-byte rune */
  expect_mapped("\xc4\xb0X", 1, "ix");
  expect_mapped("\xc8\xba", 1, "\xe2\xb1\xa5");
  /* invalid bytes become U+FFFD, as in Go */
  expect_mapped("a\xffZ", 1, "a\xef\xbf\xbdz");
  /* all upper / all lower as Go tells: strings.ToUpper(s) == s */
  assert_true(sgi_is_case("\xd4\xb1\xd4\xb2", 2 * 2, 0));
  assert_false(sgi_is_case("\xd4\xb1\xd4\xb2", 2 * 2, 1));
  assert_true(sgi_is_case("\xd5\xa1", 2, 1));
  assert_false(sgi_is_case("\xd5\xa1", 2, 0));
  /* no case at all: both */
  assert_true(sgi_is_case("\xe4\xb8\xad", 3, 1));
  assert_true(sgi_is_case("\xe4\xb8\xad", 3, 0));
}

static int fold_eq(const char *a, const char *b) { return sgi_equal_fold(a, strlen(a), b); }

static void test_equal_fold(void **state) {
  (void)state;
  assert_true(fold_eq("As", "as"));
  assert_false(fold_eq("a", "as"));
  /* U+017F LONG S folds with s, U+212A KELVIN SIGN with k */
  assert_true(fold_eq("a\xc5\xbf", "as"));
  assert_true(fold_eq("\xe2\x84\xaa" "ey", "key"));
  /* U+0130 and U+0131 fold with nothing: Go's SimpleFold keeps them apart
   * from i and I, though U+0130 lowercases to i */
  assert_false(fold_eq("\xc4\xb0", "i"));
  assert_false(fold_eq("\xc4\xb1", "i"));
  assert_false(fold_eq("i", "\xc4\xb0"));
  /* sigma's three forms; U+1E9E with U+00DF, never with "ss" */
  assert_true(fold_eq("\xce\xa3", "\xcf\x82"));
  assert_true(fold_eq("\xcf\x83", "\xcf\x82"));
  assert_true(fold_eq("\xe1\xba\x9e", "\xc3\x9f"));
  assert_false(fold_eq("\xc3\x9f", "ss"));
  /* Cherokee folds to its uppercase */
  assert_true(fold_eq("\xea\xad\xb0", "\xe1\x8e\xa0"));
  /* an invalid byte is U+FFFD on both sides */
  assert_true(fold_eq("\xff", "\xef\xbf\xbd"));
  assert_false(fold_eq("\xff", "a"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_mapping),
      cmocka_unit_test(test_every_folding),
      cmocka_unit_test(test_runes_lowering_to_ascii),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_equal_fold),
  };
  return cmocka_run_group_tests_name("unicode", tests, setup, teardown);
}
