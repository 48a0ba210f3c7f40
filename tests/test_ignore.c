/* .dockerignore reading, patternmatcher's pattern language, the fsutil
 * walkers' use of it, COPY source coverage, pathological input and
 * allocation failure. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "budget.h"
#include "ignore.h"
#include "stagegraph.h"

static sgi_mem MEM;

static int setup(void **state) {
  (void)state;
  sgi_mem_init(&MEM, NULL);
  return 0;
}

static sgi_patterns *parse_ok(const char *text) {
  sgi_patterns *p = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = sgi_ignore_parse(&p, &MEM, text, strlen(text), &err);
  if (rc) fail_msg("parse of \"%s\" failed: %d %s", text, rc, err.message);
  return p;
}

static sgi_patterns *compile_ok(const char *const *pats, size_t n) {
  sgi_patterns *p = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = sgi_patterns_compile(&p, &MEM, pats, n, &err);
  if (rc) fail_msg("compile of \"%s\"... failed: %d %s", n ? pats[0] : "", rc, err.message);
  return p;
}

static int matches(const sgi_patterns *p, const char *path) {
  return sgi_patterns_matches(p, path, strlen(path));
}

static int walk(const sgi_patterns *p, const char *path, int transfer) {
  return sgi_patterns_walk_matches(p, path, strlen(path), transfer);
}

/* The cleaned texts of a list, '!' prefixed to exceptions, joined by '|'. */
static void texts(const sgi_patterns *p, char *out, size_t cap) {
  out[0] = '\0';
  for (size_t i = 0; i < sgi_patterns_count(p); i++) {
    sgi_pattern_info info;
    assert_int_equal(sgi_patterns_get(p, i, &info), 0);
    size_t at = strlen(out);
    snprintf(out + at, cap - at, "%s%s%.*s", i ? "|" : "", info.exclusion ? "!" : "",
             (int)info.len, info.text);
  }
}

static void expect_texts(const char *file, const char *want) {
  char got[1024];
  sgi_patterns *p = parse_ok(file);
  texts(p, got, sizeof got);
  if (strcmp(got, want) != 0) fail_msg("\"%s\": patterns \"%s\", want \"%s\"", file, got, want);
  sgi_patterns_free(p);
}

static void expect_parse_error(const char *file, size_t len, const char *msg, uint32_t line) {
  sgi_patterns *p = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = sgi_ignore_parse(&p, &MEM, file, len, &err);
  if (rc != STAGEGRAPH_ESYNTAX) fail_msg("\"%.40s\": rc %d, want ESYNTAX", file, rc);
  assert_null(p);
  assert_int_equal(err.code, STAGEGRAPH_ESYNTAX);
  assert_string_equal(err.message, msg);
  if (err.line != line) fail_msg("\"%.40s\": line %u, want %u", file, err.line, line);
  assert_int_equal(err.column, 1);
}

/* ---- reading the file (ignorefile.ReadAll) ---------------------------------- */

/* ignorefile_test.go TestReadAll's content, without its two "!" lines (which
 * patternmatcher.New rejects; see test_exclusion_error). */
static void test_readall_table(void **state) {
  (void)state;
  expect_texts("test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n"
               "! /inverted/abs/path\n",
               "test1|test2|a/file/here|lastfile|!inverted/abs/path");
  expect_texts("", "");
  expect_texts("\n\n   \n\t\n", "");
}

static void test_comments(void **state) {
  (void)state;
  /* '#' is a comment only as the very first byte; an indented one is a
   * pattern, trimmed. */
  expect_texts("#x\n #y\n\t# z\n#\nkeep#me\n", "#y|# z|keep#me");
  sgi_patterns *p = parse_ok(" #y\n");
  assert_int_equal(matches(p, "#y"), 1);
  assert_int_equal(matches(p, " #y"), 0);
  sgi_patterns_free(p);
}

static void test_bom_and_line_ends(void **state) {
  (void)state;
  expect_texts("\xEF\xBB\xBF#comment\nb\n", "b");
  expect_texts("\xEF\xBB\xBF" "a\n", "a");
  /* only the first line loses a BOM */
  expect_texts("a\n\xEF\xBB\xBF" "b\n", "a|\xEF\xBB\xBF" "b");
  /* one '\r' before '\n' is dropped (then trimming takes the rest) */
  expect_texts("a\r\nb\r\r\nc", "a|b|c");
  /* Unicode white space is trimmed; invalid bytes are not */
  expect_texts("\xC2\xA0" "a\xE3\x80\x80\n\xE2\x80\xA8" "b\xC2\x85\n\xFF" "c\n",
               "a|b|\xFF" "c");
}

static void test_cleaning(void **state) {
  (void)state;
  expect_texts("/a\n", "a");
  expect_texts("a/../b\n./c/./d/\n//e//f\n", "b|c/d|e/f");
  expect_texts("../a\n/../a\n", "../a|a");
  expect_texts("/\n", "/");
  expect_texts("a/..\n", ".");
  /* Clean removes the slash, New trims the space it exposes */
  expect_texts("a/b /\n", "a/b");
  /* exceptions: '!' then trim, clean, one leading '/' removed */
  expect_texts("!/a\n! b \n!./c/\n", "!a|!b|!c");
  /* New cleans "!" + pattern again: "!.." is a name that ".." removes */
  expect_texts("!../../a\n", "a");
  sgi_patterns *p = parse_ok("/a\n");
  assert_int_equal(matches(p, "a"), 1);
  assert_int_equal(matches(p, "/a"), 0);
  sgi_patterns_free(p);
  /* --exclude patterns keep a leading '/', which then never matches */
  const char *pats[] = {"/a", "  b/  "};
  p = compile_ok(pats, 2);
  char got[64];
  texts(p, got, sizeof got);
  assert_string_equal(got, "/a|b");
  assert_int_equal(matches(p, "a"), 0);
  assert_int_equal(matches(p, "b/c"), 1);
  sgi_patterns_free(p);
}

static void test_exclusion_error(void **state) {
  (void)state;
  const char *msg = "illegal exclusion pattern: \"!\"";
  expect_parse_error("a\n!\n", 4, msg, 2);
  expect_parse_error("a\n\n! \n", 6, msg, 3);
  expect_parse_error("!/\n", 3, msg, 1);
  /* ignorefile_test.go TestReadAll's full content: its "!" lines fail New */
  const char *file = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n"
                     "! /inverted/abs/path\n!\n! ";
  expect_parse_error(file, strlen(file), msg, 8);
  const char *pats[] = {"a", " ! "};
  sgi_patterns *p = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(sgi_patterns_compile(&p, &MEM, pats, 2, &err), STAGEGRAPH_ESYNTAX);
  assert_null(p);
  assert_string_equal(err.message, msg);
  assert_int_equal(err.line, 0);
}

static void test_bad_brackets(void **state) {
  (void)state;
  const char *msg = "syntax error in pattern";
  /* patternmatcher_test.go matchTests with ErrBadPattern */
  static const char *const bad[] = {"[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]",
                                    "[", "[^", "[^bc", "a[", "*[", "a*b[", "x\\"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char file[32];
    snprintf(file, sizeof file, "ok\n%s\n", bad[i]);
    expect_parse_error(file, strlen(file), msg, 2);
  }
  /* a mismatch early in the pattern does not hide a later error */
  expect_parse_error("zz[", 3, msg, 1);
  static const char *const good[] = {"[\\]a]", "[\\-]", "[x\\-]", "[*]", "[]]", "a]"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    if (!strcmp(good[i], "[]]")) continue; /* "[]" is empty: bad */
    sgi_patterns *p = parse_ok(good[i]);
    sgi_patterns_free(p);
  }
  expect_parse_error("[]]", 3, msg, 1);
}

static void test_token_too_long(void **state) {
  (void)state;
  size_t n = 65536;
  char *file = malloc(n + 8);
  assert_non_null(file);
  memcpy(file, "a\n", 2);
  memset(file + 2, 'x', n);
  memcpy(file + 2 + n, "\n[\n", 3);
  /* the scanner fails before any pattern is compiled ("[" is never seen) */
  expect_parse_error(file, n + 5, "bufio.Scanner: token too long", 2);
  expect_parse_error(file, n + 2, "bufio.Scanner: token too long", 2);
  /* 65535 bytes is the longest line Go's scanner reads */
  sgi_patterns *p = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(sgi_ignore_parse(&p, &MEM, file, n + 1, &err), 0);
  assert_int_equal(sgi_patterns_count(p), 2);
  sgi_patterns_free(p);
  file[n + 1] = '\r'; /* the '\r' counts: 65536 bytes before the '\n' */
  expect_parse_error(file, n + 5, "bufio.Scanner: token too long", 2);
  free(file);
}

/* ---- match types and the regexp translation --------------------------------- */

/* patternmatcher_test.go compileTests: the match type of each pattern. */
static void test_match_types(void **state) {
  (void)state;
  static const struct {
    const char *pattern;
    sgi_match_kind kind;
  } cases[] = {
      {"*", SGI_MATCH_REGEX},          {"file*", SGI_MATCH_REGEX},
      {"*file", SGI_MATCH_REGEX},      {"a*/b", SGI_MATCH_REGEX},
      {"**", SGI_MATCH_SUFFIX},        {"**/**", SGI_MATCH_REGEX},
      {"dir/**", SGI_MATCH_PREFIX},    {"**/dir", SGI_MATCH_SUFFIX},
      {"**/dir2/*", SGI_MATCH_REGEX},  {"**/dir2/**", SGI_MATCH_REGEX},
      {"**file", SGI_MATCH_SUFFIX},    {"**/file*txt", SGI_MATCH_REGEX},
      {"**/**/*.txt", SGI_MATCH_REGEX}, {"a[b-d]e", SGI_MATCH_REGEX},
      {".*", SGI_MATCH_REGEX},         {"abc.def", SGI_MATCH_EXACT},
      {"abc?def", SGI_MATCH_REGEX},    {"**/foo/bar", SGI_MATCH_SUFFIX},
      {"a(b)c/def", SGI_MATCH_EXACT},  {"a.|)$(}+{bc", SGI_MATCH_EXACT},
      {"dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", SGI_MATCH_EXACT},
      /* beyond the upstream table */
      {"a**", SGI_MATCH_PREFIX},       {"a\\*b", SGI_MATCH_REGEX},
      {"a]", SGI_MATCH_REGEX},         {"a{2}", SGI_MATCH_EXACT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const char *pats[] = {cases[i].pattern};
    sgi_patterns *p = compile_ok(pats, 1);
    sgi_pattern_info info;
    assert_int_equal(sgi_patterns_get(p, 0, &info), 0);
    if (info.kind != cases[i].kind)
      fail_msg("%s: kind %d, want %d", cases[i].pattern, info.kind, cases[i].kind);
    assert_int_equal(info.usable, 1);
    assert_int_equal(info.source, 0);
    sgi_patterns_free(p);
  }
}

typedef struct match_case {
  const char *pattern;
  const char *path;
  int want;
} match_case;

static void run_cases(const match_case *cases, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *pats[] = {cases[i].pattern};
    sgi_patterns *p = compile_ok(pats, 1);
    int got = matches(p, cases[i].path);
    if (got != cases[i].want)
      fail_msg("pattern \"%s\" path \"%s\": %d, want %d", cases[i].pattern, cases[i].path, got,
               cases[i].want);
    sgi_patterns_free(p);
  }
}

/* patternmatcher_test.go TestMatches (its MatchesOrParentMatches subtest:
 * "exact" and "inexact" both match). */
static void test_patternmatcher_table(void **state) {
  (void)state;
  static const match_case cases[] = {
      {"**", "file", 1}, {"**", "file/", 1}, {"**/", "file", 1}, {"**/", "file/", 1},
      {"**", "/", 1}, {"**/", "/", 1}, {"**", "dir/file", 1}, {"**/", "dir/file", 1},
      {"**", "dir/file/", 1}, {"**/", "dir/file/", 1}, {"**/**", "dir/file", 1},
      {"**/**", "dir/file/", 1}, {"dir/**", "dir/file", 1}, {"dir/**", "dir/file/", 1},
      {"dir/**", "dir/dir2/file", 1}, {"dir/**", "dir/dir2/file/", 1}, {"**/dir", "dir", 1},
      {"**/dir", "dir/file", 1}, {"**/dir2/*", "dir/dir2/file", 1},
      {"**/dir2/*", "dir/dir2/file/", 1}, {"**/dir2/**", "dir/dir2/dir3/file", 1},
      {"**/dir2/**", "dir/dir2/dir3/file/", 1}, {"**file", "file", 1}, {"**file", "dir/file", 1},
      {"**/file", "dir/file", 1}, {"**file", "dir/dir/file", 1}, {"**/file", "dir/dir/file", 1},
      {"**/file*", "dir/dir/file", 1}, {"**/file*", "dir/dir/file.txt", 1},
      {"**/file*txt", "dir/dir/file.txt", 1}, {"**/file*.txt", "dir/dir/file.txt", 1},
      {"**/file*.txt*", "dir/dir/file.txt", 1}, {"**/**/*.txt", "dir/dir/file.txt", 1},
      {"**/**/*.txt2", "dir/dir/file.txt", 0}, {"**/*.txt", "file.txt", 1},
      {"**/**/*.txt", "file.txt", 1}, {"a**/*.txt", "a/file.txt", 1},
      {"a**/*.txt", "a/dir/file.txt", 1}, {"a**/*.txt", "a/dir/dir/file.txt", 1},
      {"a/*.txt", "a/dir/file.txt", 0}, {"a/*.txt", "a/file.txt", 1},
      {"a/*.txt**", "a/file.txt", 1}, {"a[b-d]e", "ae", 0}, {"a[b-d]e", "ace", 1},
      {"a[b-d]e", "aae", 0}, {"a[^b-d]e", "aze", 1}, {".*", ".foo", 1}, {".*", "foo", 0},
      {"abc.def", "abcdef", 0}, {"abc.def", "abc.def", 1}, {"abc.def", "abcZdef", 0},
      {"abc?def", "abcZdef", 1}, {"abc?def", "abcdef", 0}, {"**/foo/bar", "foo/bar", 1},
      {"**/foo/bar", "dir/foo/bar", 1}, {"**/foo/bar", "dir/dir2/foo/bar", 1},
      {"abc/**", "abc", 0}, {"abc/**", "abc/def", 1}, {"abc/**", "abc/def/ghi", 1},
      {"**/.foo", ".foo", 1}, {"**/.foo", "bar.foo", 0}, {"a(b)c/def", "a(b)c/def", 1},
      {"a(b)c/def", "a(b)c/xyz", 0}, {"a.|)$(}+{bc", "a.|)$(}+{bc", 1},
      {"dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
       "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", 1},
      {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", 1},
      {"a\\\\", "a\\", 1}, {"a\\*b", "a*b", 1},
  };
  run_cases(cases, sizeof cases / sizeof *cases);
  /* its multiPatternTests */
  static const char *const m1[] = {"**", "!util/docker/web"};
  static const char *const m2[] = {"**", "!util/docker/web", "util/docker/web/foo"};
  static const char *const m3[] = {"**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"};
  static const char *const m4[] = {"**", "!dist/*.whl"};
  sgi_patterns *p = compile_ok(m1, 2);
  assert_int_equal(matches(p, "util/docker/web/foo"), 0);
  sgi_patterns_free(p);
  p = compile_ok(m2, 3);
  assert_int_equal(matches(p, "util/docker/web/foo"), 1);
  sgi_patterns_free(p);
  p = compile_ok(m3, 2);
  assert_int_equal(matches(p, "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"), 0);
  sgi_patterns_free(p);
  p = compile_ok(m4, 2);
  assert_int_equal(matches(p, "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"), 0);
  sgi_patterns_free(p);
}

/* patternmatcher_test.go matchTests (Go's filepath.Match tests) that are
 * valid patterns, run through the matcher. */
static void test_filepath_match_table(void **state) {
  (void)state;
  static const match_case cases[] = {
      {"abc", "abc", 1}, {"*", "abc", 1}, {"*c", "abc", 1}, {"a*", "a", 1}, {"a*", "abc", 1},
      {"a*", "ab/c", 1}, {"a*/b", "abc/b", 1}, {"a*/b", "a/c/b", 0},
      {"a*b*c*d*e*/f", "axbxcxdxe/f", 1}, {"a*b*c*d*e*/f", "axbxcxdxexxx/f", 1},
      {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", 0}, {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", 0},
      {"a*b?c*x", "abxbbxdbxebxczzx", 1}, {"a*b?c*x", "abxbbxdbxebxczzy", 0},
      {"ab[c]", "abc", 1}, {"ab[b-d]", "abc", 1}, {"ab[e-g]", "abc", 0}, {"ab[^c]", "abc", 0},
      {"ab[^b-d]", "abc", 0}, {"ab[^e-g]", "abc", 1}, {"a\\*b", "a*b", 1}, {"a\\*b", "ab", 0},
      {"a?b", "a\xE2\x98\xBA" "b", 1}, {"a[^a]b", "a\xE2\x98\xBA" "b", 1},
      {"a???b", "a\xE2\x98\xBA" "b", 0}, {"a[^a][^a][^a]b", "a\xE2\x98\xBA" "b", 0},
      {"[a-\xCE\xB6]*", "\xCE\xB1", 1}, {"*[a-\xCE\xB6]", "A", 0}, {"a?b", "a/b", 0},
      {"a*b", "a/b", 0}, {"[\\]a]", "]", 1}, {"[\\-]", "-", 1}, {"[x\\-]", "x", 1},
      {"[x\\-]", "-", 1}, {"[x\\-]", "z", 0}, {"[\\-x]", "x", 1}, {"[\\-x]", "-", 1},
      {"[\\-x]", "a", 0}, {"*x", "xxx", 1},
  };
  run_cases(cases, sizeof cases / sizeof *cases);
}

/* Where patternmatcher's regexp differs from a glob: the class text is
 * handed to Go's regexp as it stands, and '|', '{', '}' are not escaped
 * (its escape bitmap cannot hold them). Each answer checked against
 * patternmatcher with Go's regexp. */
static void test_regexp_quirks(void **state) {
  (void)state;
  static const match_case cases[] = {
      /* "[*]" becomes "[[^/]*]": a class {'[', '^', '/'} repeated, then ']' */
      {"[*]", "]", 1}, {"[*]", "[]", 1}, {"[*]", "^^]", 1}, {"[*]", "*", 0},
      /* "\d" is a digit, "\b" a word boundary, "\x41" an 'A' */
      {"\\d*", "1x", 1}, {"\\d*", "dx", 0}, {"a\\b*", "a.", 1}, {"a\\b*", "ab", 0},
      {"a\\x41*", "aA", 1},
      /* POSIX classes inside brackets */
      {"[[:digit:]]x", "1x", 1}, {"[[:digit:]]x", ":x", 0},
      /* a raw '|': "^foo|bar[^/]*$" */
      {"foo|bar*", "foox/y", 1}, {"foo|bar*", "zbarq", 1}, {"foo|bar*", "zbar/q", 1},
      {"foo|bar*", "zba", 0},
      /* a raw '{': counted repetition in a regexp pattern, literal in an exact one */
      {"a{2}*", "aa", 1}, {"a{2}*", "aab", 1}, {"a{2}*", "a", 0}, {"a{2}", "a{2}", 1},
      {"a{2}", "aa", 0}, {"x{0}y*", "y", 1}, {"x{1,}?", "xxxz", 1}, {"x{2,3}", "x{2,3}", 1},
      {"x{2,3}?", "xxxz", 1}, {"x{2,3}?", "xxxxz", 0}, {"a{01}*", "a{01}", 1},
      /* "\Q" quotes the rest of the regexp, its '$' included */
      {"\\Q*", "[^/]*$", 1}, {"\\Q*", "[^/]*$tail", 1}, {"\\Q*", "*", 0},
      // "**" not next to '/' is "(.*/)?"
      {"a**b", "ab", 1}, {"a**b", "ax/b", 1}, {"a**b", "axb", 0},
      /* a negated class matches '/' */
      {"a[^x]b", "a/b", 1},
      /* "." is not special for the method BuildKit's lint calls */
      {"*", ".", 1}, {"*", "/", 1}, {"**/*", "/", 1},
      /* '.' in the regexp does not match a newline */
      {"a/**/b", "a/x\ny/b", 0}, {"a/*/b", "a/x\ny/b", 1},
      /* runes, and invalid bytes as U+FFFD */
      {"a?c", "a\xC3\xA9" "c", 1}, {"a?c", "a\xFF" "c", 1}, {"a\xFF*", "a\xFE" "b", 1},
      {"a\xEF\xBF\xBD*", "a\xFF", 1},
  };
  run_cases(cases, sizeof cases / sizeof *cases);
}

/* A regexp Go refuses: accepted at compile time, an error when evaluated
 * (patternmatcher_test.go's "[Local-Only]/" regression test). */
static void test_unusable_pattern(void **state) {
  (void)state;
  /* The last is this module's gap, not Go's: Unicode classes (\pL) are not
   * implemented, so such a pattern is unusable here while BuildKit accepts it. */
  static const char *const bad_regexps[] = {"[Local-Only]/", "a\\q*", "[[:foo:]]", "a{1001}*",
                                            "a{2,1}*", "*{2}", "a\\pL*"};
  for (size_t i = 0; i < sizeof bad_regexps / sizeof *bad_regexps; i++) {
    const char *pats[] = {bad_regexps[i]};
    sgi_patterns *p = compile_ok(pats, 1);
    sgi_pattern_info info;
    assert_int_equal(sgi_patterns_get(p, 0, &info), 0);
    assert_int_equal(info.kind, SGI_MATCH_REGEX);
    if (info.usable) fail_msg("%s: usable", bad_regexps[i]);
    assert_int_equal(matches(p, "x"), STAGEGRAPH_ESYNTAX);
    assert_int_equal(matches(p, "x"), STAGEGRAPH_ESYNTAX);
    assert_int_equal(walk(p, "x/y", 1), STAGEGRAPH_ESYNTAX);
    sgi_patterns_free(p);
  }
  /* only an evaluated pattern fails: an exception is skipped until
   * something is excluded */
  static const char *const skipped[] = {"b", "!a\\q*"};
  sgi_patterns *p = compile_ok(skipped, 2);
  assert_int_equal(matches(p, "c"), 0);
  assert_int_equal(matches(p, "b"), STAGEGRAPH_ESYNTAX);
  assert_int_equal(walk(p, "c/d", 0), 0);
  sgi_patterns_free(p);
}

/* ---- lists: order, exceptions, parents -------------------------------------- */

static void test_last_match_wins(void **state) {
  (void)state;
  /* patternmatcher_test.go TestExclusionPattern* and TestPatternMatchesFolder* */
  static const char *const a[] = {"!fileutils.go", "*.go"};
  static const char *const b[] = {"*.go", "!fileutils.go"};
  static const char *const c[] = {"docs", "!docs/README.md"};
  static const char *const d[] = {"docs/", "!docs/README.md"};
  static const char *const e[] = {"docs/*", "!docs/README.md"};
  sgi_patterns *p = compile_ok(a, 2);
  assert_int_equal(matches(p, "fileutils.go"), 1);
  sgi_patterns_free(p);
  p = compile_ok(b, 2);
  assert_int_equal(matches(p, "fileutils.go"), 0);
  assert_int_equal(matches(p, "other.go"), 1);
  assert_int_equal(sgi_patterns_has_exclusions(p), 1);
  sgi_patterns_free(p);
  const char *const *folders[] = {c, d, e};
  for (size_t i = 0; i < 3; i++) {
    p = compile_ok(folders[i], 2);
    assert_int_equal(matches(p, "docs/README.md"), 0);
    assert_int_equal(matches(p, "docs/other.md"), 1);
    assert_int_equal(walk(p, "docs/README.md", 1), 0);
    assert_int_equal(walk(p, "docs/other.md", 1), 1);
    sgi_patterns_free(p);
  }
  /* a later pattern excludes again */
  p = parse_ok("*.md\n!README.md\nREADME.md\n");
  assert_int_equal(matches(p, "README.md"), 1);
  sgi_patterns_free(p);
  /* no patterns, and "*.go" against "." */
  p = parse_ok("");
  assert_int_equal(matches(p, "anything"), 0);
  assert_int_equal(sgi_patterns_has_exclusions(p), 0);
  sgi_patterns_free(p);
  p = parse_ok("*.go\n");
  assert_int_equal(matches(p, "."), 0);
  assert_int_equal(sgi_patterns_has_exclusions(p), 0);
  sgi_patterns_free(p);
}

static void test_parent_directories(void **state) {
  (void)state;
  sgi_patterns *p = parse_ok("node_modules\nbuild/\n*/tmp\n");
  assert_int_equal(matches(p, "node_modules"), 1);
  assert_int_equal(matches(p, "node_modules/x/y.js"), 1);
  assert_int_equal(matches(p, "build/out/a.o"), 1);
  assert_int_equal(matches(p, "a/tmp/b/c"), 1);
  assert_int_equal(matches(p, "a/b/tmp"), 0);
  assert_int_equal(matches(p, "src/node_modules"), 0);
  /* paths are cleaned first */
  assert_int_equal(matches(p, "./node_modules/../node_modules/x/"), 1);
  assert_int_equal(walk(p, "/node_modules/x", 1), 1);
  assert_int_equal(walk(p, "src/x", 1), 0);
  assert_int_equal(walk(p, ".", 1), 0);
  assert_int_equal(walk(p, "/", 1), 0);
  sgi_patterns_free(p);
}

static void test_star_then_python(void **state) {
  (void)state;
  // BuildKit walks excluded directories when an exception has wildcards, so
  // "!**/*.py" re-includes Python files at any depth (unlike the old CLI
  // shortcut, docker/cli#2919).
  sgi_patterns *p = parse_ok("*\n!**/*.py\n");
  static const char *const kept[] = {"a.py", "src/a.py", "src/pkg/deep/b.py"};
  static const char *const gone[] = {"a.txt", "src/a.txt", "src/pkg/deep/b.pyc"};
  for (int transfer = 0; transfer < 2; transfer++) {
    for (size_t i = 0; i < 3; i++) {
      assert_int_equal(walk(p, kept[i], transfer), 0);
      assert_int_equal(walk(p, gone[i], transfer), 1);
    }
  }
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(matches(p, kept[i]), 0);
    assert_int_equal(matches(p, gone[i]), 1);
  }
  sgi_patterns_free(p);
}

static void test_walk_semantics(void **state) {
  (void)state;
  /* an exception naming a parent of an excluded directory: the method
   * re-includes, the walkers (carrying parent results) do not */
  sgi_patterns *p = parse_ok("a/b\n!a\n");
  assert_int_equal(matches(p, "a/b/c"), 0);
  assert_int_equal(walk(p, "a/b/c", 0), 1);
  assert_int_equal(walk(p, "a/b/c", 1), 1);
  assert_int_equal(walk(p, "a/b", 0), 1);
  assert_int_equal(walk(p, "a/c", 0), 0);
  sgi_patterns_free(p);
  /* the transfer skips "a/x" whole: the exception's literal prefix "a"
   * does not start with "a/x/", although its regexp matches "a/x/y" */
  p = parse_ok("a/x\n!a/*/**\n");
  assert_int_equal(walk(p, "a/x/y", 0), 0);
  assert_int_equal(walk(p, "a/x/y", 1), 1);
  assert_int_equal(matches(p, "a/x/y"), 0);
  sgi_patterns_free(p);
  /* a literal exception below an excluded directory keeps it walked */
  p = parse_ok("a\n!a/b/c\n");
  assert_int_equal(walk(p, "a/b/c", 1), 0);
  assert_int_equal(walk(p, "a/b/d", 1), 1);
  assert_int_equal(walk(p, "a/b", 1), 1);
  sgi_patterns_free(p);
  /* with no exceptions an excluded directory is skipped whole */
  p = parse_ok("a\n");
  assert_int_equal(walk(p, "a/b/c", 1), 1);
  sgi_patterns_free(p);
}

static void test_doublestar(void **state) {
  (void)state;
  static const match_case cases[] = {
      /* leading */
      {"**/foo", "foo", 1}, {"**/foo", "a/foo", 1}, {"**/foo", "a/b/foo", 1},
      {"**/foo", "a/foo/x", 1}, {"**/foo", "afoo", 0}, {"**foo", "afoo", 1},
      /* trailing */
      {"foo/**", "foo/a", 1}, {"foo/**", "foo/a/b", 1}, {"foo/**", "foo", 0},
      {"foo**", "foobar/x", 1},
      /* middle */
      {"a/**/b", "a/b", 1}, {"a/**/b", "a/x/b", 1}, {"a/**/b", "a/x/y/b", 1},
      {"a/**/b", "a/x/y/b/z", 1}, {"a/**/b", "ab", 0}, {"a/**/b", "a/xb", 0},
      /* several */
      {"**/x/**/*.c", "x/a.c", 1}, {"**/x/**/*.c", "p/x/q/r/a.c", 1},
      {"**/x/**/*.c", "p/y/q/a.c", 0},
  };
  run_cases(cases, sizeof cases / sizeof *cases);
}

static void test_question_and_brackets(void **state) {
  (void)state;
  static const match_case cases[] = {
      {"a?c", "abc", 1}, {"a?c", "ac", 0}, {"a?c", "a/c", 0}, {"a?c", "abbc", 0},
      {"[a-c]x", "bx", 1}, {"[a-c]x", "dx", 0}, {"[^a-c]x", "dx", 1}, {"[^a-c]x", "ax", 0},
      {"[abc]", "c", 1}, {"[\\]]", "]", 1}, {"[\\^x]", "^", 1},
      {"x[*]y", "x*y", 0},
  };
  run_cases(cases, sizeof cases / sizeof *cases);
}

/* ---- COPY sources ------------------------------------------------------------ */

static int covered(const char *src, const char *path) {
  return sgi_path_covered_by_source(&MEM, src, strlen(src), path, strlen(path));
}

static void test_covered_by_source(void **state) {
  (void)state;
  static const struct {
    const char *src, *path;
    int want;
  } cases[] = {
      /* the whole context */
      {".", "a/b", 1}, {"/", "a", 1}, {"", "x/y/z", 1}, {"./", ".", 1}, {"x/..", "q", 1},
      /* a file or directory and what is under it */
      {"src", "src", 1}, {"src", "src/a/b.c", 1}, {"src/", "src/a", 1}, {"src", "srcx", 0},
      {"src", "lib/src", 0}, {"./src/../lib", "lib/x", 1}, {"/src", "./src/x/../y", 1},
      {"../../etc", "etc/passwd", 1}, {"a/b", "a", 0},
      /* wildcards: filepath.Match per path below the literal base */
      {"*.go", "main.go", 1}, {"*.go", "cmd/main.go", 0}, {"*", "a/b/c", 1},
      {"a/*", "a/x", 1}, {"a/*", "a/x/y", 1}, {"a/*", "a", 0}, {"a/*", "b/x", 0},
      {"*/b", "a/b", 1}, {"*/b", "a/b/c", 1}, {"*/b", "b", 0}, {"*/b", "a/c/b", 0},
      {"a/*/c", "a/b/c/d", 1}, {"a/?/c", "a/bb/c", 0}, {"[ab]/x", "a/x", 1},
      {"[ab]/x", "c/x", 0}, {"a[^x]b", "a/b", 1}, {"src/**/x", "src/p/x", 1},
      {"src/**/x", "src/p/q/x", 0},
      /* an escaped wildcard is literal, and the name keeps its '\' */
      {"a\\*", "a\\*", 1}, {"a\\*", "ab", 0}, {"d\\*/*.c", "d\\*/x.c", 1},
      /* a malformed pattern matches nothing */
      {"[", "[", 0}, {"a/[", "a/[", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int got = covered(cases[i].src, cases[i].path);
    if (got != cases[i].want)
      fail_msg("source \"%s\" path \"%s\": %d, want %d", cases[i].src, cases[i].path, got,
               cases[i].want);
  }
  assert_int_equal(sgi_path_covered_by_source(NULL, "a", 1, "a", 1), STAGEGRAPH_EINVAL);

  /* the source root a path is read through, for --exclude matching */
  static const struct {
    const char *src, *path;
    size_t depth;
  } roots[] = {
      {".", "a/b", 0},       {"dir", "dir/x/y", 1},   {"dir/", "dir", 1},
      {"dir/*", "dir/s/x", 2}, {"*.txt", "a.txt", 1}, {"a/*/c", "a/b/c/d/e", 3},
      {"*/b", "a/b/c", 2},   {"./x/../y/z", "y/z/w", 2},
  };
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
    size_t depth = 99;
    const char *src = roots[i].src, *path = roots[i].path;
    assert_int_equal(sgi_path_source_root(&MEM, src, strlen(src), path, strlen(path), &depth), 1);
    if (depth != roots[i].depth)
      fail_msg("source \"%s\" path \"%s\": depth %zu, want %zu", src, path, depth, roots[i].depth);
  }
  size_t depth = 99;
  assert_int_equal(sgi_path_source_root(&MEM, "a", 1, "b", 1, &depth), 0);
  assert_int_equal(depth, 99);
}

/* A prepared source answers every path as sgi_path_source_root does, the
 * root's depth included, on paths short enough to clean on the stack and
 * on longer ones (cleaned on the heap). */
static void test_prepared_source(void **state) {
  (void)state;
  static const char *const srcs[] = {".", "src", "src/", "*.go", "a/*", "*/b", "a/*/c",
                                     "[ab]/x", "a[^x]b", "a\\*", "[", "./x/../y/z", "d*/*"};
  char long_dir[700], longer[2100];
  memset(long_dir, 'd', sizeof long_dir - 1);
  long_dir[sizeof long_dir - 1] = '\0';
  snprintf(longer, sizeof longer, "a/%s/%s/c", long_dir, long_dir);
  char under_long[720];
  snprintf(under_long, sizeof under_long, "%s/b/x", long_dir);
  const char *paths[] = {"a/b", "src/a/b.c", "main.go", "cmd/main.go", "a/x/y", "a/b/c/d",
                         "a/x", "a/b", "a\\*", "[", "y/z/w", "docs/a", "src",
                         long_dir, longer, under_long};
  for (size_t i = 0; i < sizeof srcs / sizeof *srcs; i++) {
    sgi_path_source x;
    assert_int_equal(sgi_path_source_init(&x, &MEM, srcs[i], strlen(srcs[i])), 0);
    for (size_t j = 0; j < sizeof paths / sizeof *paths; j++) {
      size_t want_depth = 99, got_depth = 99;
      int want = sgi_path_source_root(&MEM, srcs[i], strlen(srcs[i]), paths[j], strlen(paths[j]),
                                      &want_depth);
      int got = sgi_path_source_reads(&x, paths[j], strlen(paths[j]), &got_depth);
      if (got != want || got_depth != want_depth)
        fail_msg("source \"%s\" path %zu: %d depth %zu, want %d depth %zu", srcs[i], j, got,
                 got_depth, want, want_depth);
    }
    sgi_path_source_free(&x);
  }
  /* the long paths' answers, derived by hand */
  sgi_path_source x;
  size_t depth = 0;
  assert_int_equal(sgi_path_source_init(&x, &MEM, "a/*/*/c", 7), 0);
  assert_int_equal(sgi_path_source_reads(&x, longer, strlen(longer), &depth), 1);
  assert_int_equal(depth, 4);
  sgi_path_source_free(&x);
  assert_int_equal(sgi_path_source_init(&x, &MEM, "d*/b", 4), 0);
  assert_int_equal(sgi_path_source_reads(&x, under_long, strlen(under_long), &depth), 1);
  assert_int_equal(depth, 2);
  assert_int_equal(sgi_path_source_reads(&x, long_dir, strlen(long_dir), &depth), 0);
  sgi_path_source_free(&x);
  assert_int_equal(sgi_path_source_init(&x, NULL, "a", 1), STAGEGRAPH_EINVAL);
  sgi_path_source_free(&x);
}

/* The pattern after a wildcard source's base, its components and how many
 * lead that match within one name (no '\\', no class that is negated or
 * spans a '/'); and, for a pattern of such components only,
 * the paths it reads are those whose first components under the base
 * match them one for one (what the cache model follows). */
static void test_source_pattern(void **state) {
  (void)state;
  static const struct {
    const char *src, *pattern;
    size_t components, plain;
  } cases[] = {
      {"*.go", "*.go", 1, 1},         {"src/*/x.go", "*/x.go", 2, 2},
      {"./a/../b/c*/d", "c*/d", 2, 2}, {"*/[ab]/*", "*/[ab]/*", 3, 3},
      {"[ab]*/x", "[ab]*/x", 2, 2},    {"a\\*b/*", "*", 1, 1},
      /* a class that could match a '/': negated, or a range across it */
      {"[^a]*/x", "[^a]*/x", 2, 0},    {"[!-0]/x", "[!-0]/x", 2, 0},
      {"x/[a-c]*/[^b]", "[a-c]*/[^b]", 2, 1}, {"[a-]/x", "[a-]/x", 2, 0},
      {"d/e\\*?/f", "e\\*?/f", 2, 0}, {"**/x", "**/x", 2, 2},
      {"a/b*/", "b*", 1, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *pattern = NULL;
    size_t len = 0, components = 0, plain = 0;
    const char *src = cases[i].src;
    assert_int_equal(
        sgi_path_source_pattern(&MEM, src, strlen(src), &pattern, &len, &components, &plain), 1);
    if (strcmp(pattern, cases[i].pattern) != 0 || len != strlen(pattern) ||
        components != cases[i].components || plain != cases[i].plain)
      fail_msg("source \"%s\": \"%s\" %zu %zu, want \"%s\" %zu %zu", src, pattern, components,
               plain, cases[i].pattern, cases[i].components, cases[i].plain);
    sgi_free(&MEM, pattern);
  }
  char *pattern = (char *)"unset";
  size_t len, components, plain;
  assert_int_equal(sgi_path_source_pattern(&MEM, "src/a.go", 8, &pattern, &len, &components, &plain), 0);
  assert_null(pattern);

  assert_int_equal(sgi_path_match_component("*.go", 4, "a.go", 4), 1);
  assert_int_equal(sgi_path_match_component("*.go", 4, "a.gox", 5), 0);
  assert_int_equal(sgi_path_match_component("?", 1, "", 0), 0);
  assert_int_equal(sgi_path_match_component("*", 1, "", 0), 1);
  assert_int_equal(sgi_path_match_component("[", 1, "[", 1), 0); /* malformed: no match */

  /* the plain patterns read exactly the paths whose components match */
  static const char *const sources[] = {"*",     "*/*",   "a*/*.go",     "src/?/x*",
                                        "*/b/*", "**/c",  "[ab]*/*.go", "*/[a-c]"};
  static const char *const paths[] = {"a",     "a/b",       "a/b/c",  "ab/x.go", "ab/x.go/y",
                                      "src/q/x", "src/qq/x", "src/q", "z/b/c/d", "b/c",
                                      "a.go",  "src/q/xy/z"};
  for (size_t i = 0; i < sizeof sources / sizeof *sources; i++) {
    const char *src = sources[i];
    assert_int_equal(
        sgi_path_source_pattern(&MEM, src, strlen(src), &pattern, &len, &components, &plain), 1);
    assert_int_equal(plain, components);
    size_t skip = strncmp(src, "src/", 4) == 0; /* the literal base "src" of "src/?/x*" */
    for (size_t k = 0; k < sizeof paths / sizeof *paths; k++) {
      const char *path = paths[k], *name = path;
      int want = 1;
      for (size_t c = 0; c < skip && want; c++) {
        const char *slash = strchr(name, '/');
        want = slash && slash - name == 3 && strncmp(name, "src", 3) == 0;
        name = slash ? slash + 1 : name;
      }
      const char *comp = pattern;
      for (size_t c = 0; c < components && want; c++) {
        const char *slash = strchr(name, '/'), *cslash = strchr(comp, '/');
        size_t n = slash ? (size_t)(slash - name) : strlen(name);
        size_t cn = cslash ? (size_t)(cslash - comp) : strlen(comp);
        want = sgi_path_match_component(comp, cn, name, n) && (slash || c + 1 == components);
        name = slash ? slash + 1 : name + n;
        comp = cslash ? cslash + 1 : comp + cn;
      }
      if (covered(src, path) != want)
        fail_msg("source \"%s\" path \"%s\": covered %d, by components %d", src, path,
                 covered(src, path), want);
    }
    sgi_free(&MEM, pattern);
  }
}

static void test_path_clean(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"", "."},           {".", "."},        {"/", "/"},         {"//", "/"},
      {"a/", "a"},         {"a//b", "a/b"},   {"./a", "a"},       {"a/.", "a"},
      {"a/..", "."},       {"../a", "../a"},  {"a/../..", ".."},  {"/..", "/"},
      {"/../a/", "/a"},    {"a/b/../../c", "c"}, {"..//../x", "../../x"}, {"abc/./../def", "def"},
  };
  char out[64];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    size_t n = sgi_path_clean(out, cases[i][0], strlen(cases[i][0]));
    assert_int_equal(n, strlen(out));
    if (strcmp(out, cases[i][1]) != 0)
      fail_msg("clean \"%s\": \"%s\", want \"%s\"", cases[i][0], out, cases[i][1]);
  }
}

/* ---- API edges ------------------------------------------------------------------ */

static void test_api(void **state) {
  (void)state;
  sgi_patterns *p = parse_ok("# c\na\n\n!b/**\n*.c\n");
  assert_int_equal(sgi_patterns_count(p), 3);
  sgi_pattern_info info;
  assert_int_equal(sgi_patterns_get(p, 1, &info), 0);
  assert_string_equal(info.text, "b/**");
  assert_int_equal(info.len, 4);
  assert_int_equal(info.exclusion, 1);
  assert_int_equal(info.kind, SGI_MATCH_PREFIX);
  assert_int_equal(info.line, 4);
  assert_int_equal(info.source, 1);
  assert_int_equal(sgi_patterns_get(p, 2, &info), 0);
  assert_int_equal(info.line, 5);
  assert_int_equal(sgi_patterns_get(p, 3, &info), STAGEGRAPH_EINVAL);
  assert_int_equal(sgi_patterns_get(NULL, 0, &info), STAGEGRAPH_EINVAL);
  sgi_patterns_free(p);

  const char *pats[] = {"", "  ", "x"};
  p = compile_ok(pats, 3);
  assert_int_equal(sgi_patterns_count(p), 1);
  assert_int_equal(sgi_patterns_get(p, 0, &info), 0);
  assert_int_equal(info.source, 2);
  assert_int_equal(info.line, 0);
  sgi_patterns_free(p);

  assert_int_equal(sgi_patterns_count(NULL), 0);
  assert_int_equal(sgi_patterns_has_exclusions(NULL), 0);
  assert_int_equal(sgi_patterns_matches(NULL, "a", 1), 0);
  assert_int_equal(sgi_patterns_walk_matches(NULL, "a", 1, 1), 0);
  sgi_patterns_free(NULL);

  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(sgi_ignore_parse(NULL, &MEM, "a", 1, &err), STAGEGRAPH_EINVAL);
  assert_int_equal(sgi_ignore_parse(&p, NULL, "a", 1, NULL), STAGEGRAPH_EINVAL);
  assert_int_equal(sgi_ignore_parse(&p, &MEM, NULL, 1, NULL), STAGEGRAPH_EINVAL);
  assert_int_equal(sgi_ignore_parse(&p, &MEM, NULL, 0, NULL), 0);
  assert_int_equal(sgi_patterns_count(p), 0);
  sgi_patterns_free(p);
  const char *with_null[] = {"a", NULL};
  assert_int_equal(sgi_patterns_compile(&p, &MEM, with_null, 2, &err), STAGEGRAPH_EINVAL);

  /* NUL bytes in a file are ordinary bytes */
  p = NULL;
  assert_int_equal(sgi_ignore_parse(&p, &MEM, "a\0b*\n", 5, &err), 0);
  assert_int_equal(sgi_patterns_matches(p, "a\0bc", 4), 1);
  assert_int_equal(sgi_patterns_matches(p, "a", 1), 0);
  sgi_patterns_free(p);
}

/* ---- pathological input --------------------------------------------------------- */

static double seconds_since(clock_t start) { return (double)(clock() - start) / CLOCKS_PER_SEC; }

static void test_pathological(void **state) {
  (void)state;
  size_t n = 10000;
  char *path = malloc(2 * n + 2);
  assert_non_null(path);
  memset(path, 'a', n);
  path[n] = '\0';
  clock_t start = clock();
  const char *star[] = {"*a*a*a*a*a*a*a*a*a*b"};
  sgi_patterns *p = compile_ok(star, 1);
  assert_int_equal(matches(p, path), 0);
  assert_int_equal(walk(p, path, 1), 0);
  assert_int_equal(covered(star[0], path), 0);
  path[n - 1] = 'b';
  assert_int_equal(matches(p, path), 1);
  assert_int_equal(covered(star[0], path), 1);
  sgi_patterns_free(p);
  /* 5000 components: parents are all matched in one pass per pattern */
  for (size_t i = 0; i < n; i += 2) {
    path[i] = 'a';
    path[i + 1] = '/';
  }
  path[n - 1] = 'b';
  const char *deep[] = {"**/a/**/a/**/a/**/c", "*a*a*a*b", "!a/**/b", "**/x"};
  p = compile_ok(deep, 4);
  assert_int_equal(matches(p, path), 0);
  assert_int_equal(walk(p, path, 0), 0);
  assert_int_equal(walk(p, path, 1), 0);
  sgi_patterns_free(p);
  assert_int_equal(covered("a/*/a/*/a/*/z", path), 0);
  assert_int_equal(covered("*/[a/]/*", path), 1);
  free(path);
  /* linear time: well under a millisecond each natively; the bound leaves
   * room for valgrind and sanitizers */
  double took = seconds_since(start);
  if (took > 1.0) fail_msg("pathological paths took %.2fs", took);
  /* many counted repetitions hit Go's program size limit */
  size_t reps = 4000, len = 0;
  char *big = malloc(reps * 8 + 8);
  assert_non_null(big);
  for (size_t i = 0; i < reps; i++) len += (size_t)sprintf(big + len, "a{1000}");
  big[len++] = '*';
  big[len] = '\0';
  const char *huge[] = {big};
  p = compile_ok(huge, 1);
  sgi_pattern_info info;
  assert_int_equal(sgi_patterns_get(p, 0, &info), 0);
  assert_int_equal(info.usable, 0);
  sgi_patterns_free(p);
  free(big);
}

/* ---- allocation failure ------------------------------------------------------------- */

/* Everything the module allocates for, with the allocator failing after n
 * allocations: 0 when all steps succeeded, else the first failing code. */
static int run_all(const sgi_mem *mem) {
  /* "![Local-Only]" compiles to an unusable regexp and is never evaluated */
  static const char file[] = "\xEF\xBB\xBF# deps\n![Local-Only]\nnode_modules\n*.log\n!keep.log\n"
                             "**/tmp/**\nsrc/**/*.[ch]\na{2}|b*\n[[:digit:]]x\n";
  sgi_patterns *p = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = sgi_ignore_parse(&p, mem, file, sizeof file - 1, &err);
  if (rc) {
    assert_null(p);
    assert_int_equal(err.code, rc);
    return rc;
  }
  int r = sgi_patterns_matches(p, "src/x/y.c", 9);
  if (r < 0) goto done;
  assert_int_equal(r, 1);
  r = sgi_patterns_walk_matches(p, "a/keep.log", 10, 1);
  if (r < 0) goto done;
  assert_int_equal(r, 0);
  size_t depth = 0;
  r = sgi_path_source_root(mem, "src/*.c", 7, "src/a.c", 7, &depth);
  if (r < 0) goto done;
  assert_int_equal(r, 1);
  assert_int_equal(depth, 2);
  const char *pats[] = {"a/**", "!a/b*", "[0-9]x{3}*"};
  sgi_patterns *q = NULL;
  r = sgi_patterns_compile(&q, mem, pats, 3, &err);
  if (r == 0) {
    r = sgi_patterns_walk_matches(q, "a/c/d", 5, 0);
    if (r >= 0) assert_int_equal(r, 1);
  }
  sgi_patterns_free(q);
done:
  sgi_patterns_free(p);
  return r < 0 ? r : 0;
}

static void test_alloc_failure_sweep(void **state) {
  (void)state;
  size_t n;
  for (n = 0; n < 10000; n++) {
    alloc_budget c;
    budget_init(&c);
    budget_fail(&c, (long)n, 1);
    stagegraph_allocator a = budget_allocator(&c);
    sgi_mem mem;
    sgi_mem_init(&mem, &a);
    int rc = run_all(&mem);
    if (c.live != 0) fail_msg("budget %zu: %ld blocks leaked", n, (long)c.live);
    if (rc == 0) {
      assert_int_equal(c.injected, 0);
      break;
    }
    if (rc != STAGEGRAPH_ENOMEM) fail_msg("budget %zu: rc %d, want ENOMEM", n, rc);
    assert_int_equal(c.injected, 1);
  }
  assert_true(n > 5 && n < 10000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_readall_table),
      cmocka_unit_test(test_comments),
      cmocka_unit_test(test_bom_and_line_ends),
      cmocka_unit_test(test_cleaning),
      cmocka_unit_test(test_exclusion_error),
      cmocka_unit_test(test_bad_brackets),
      cmocka_unit_test(test_token_too_long),
      cmocka_unit_test(test_match_types),
      cmocka_unit_test(test_patternmatcher_table),
      cmocka_unit_test(test_filepath_match_table),
      cmocka_unit_test(test_regexp_quirks),
      cmocka_unit_test(test_unusable_pattern),
      cmocka_unit_test(test_last_match_wins),
      cmocka_unit_test(test_parent_directories),
      cmocka_unit_test(test_star_then_python),
      cmocka_unit_test(test_walk_semantics),
      cmocka_unit_test(test_doublestar),
      cmocka_unit_test(test_question_and_brackets),
      cmocka_unit_test(test_covered_by_source),
      cmocka_unit_test(test_prepared_source),
      cmocka_unit_test(test_source_pattern),
      cmocka_unit_test(test_path_clean),
      cmocka_unit_test(test_api),
      cmocka_unit_test(test_pathological),
      cmocka_unit_test(test_alloc_failure_sweep),
  };
  return cmocka_run_group_tests_name("ignore", tests, setup, NULL);
}
