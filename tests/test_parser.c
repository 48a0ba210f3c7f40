/* The lexical layer and the AST (spec sections a.1 to a.8): bytes and lines,
 * logical-line assembly, directives, continuations, comments, heredocs,
 * keyword and flag splitting, the per-instruction argument parsers, JSON
 * arrays and BuildKit's dump format. Every expected value is derived from
 * ../shared/spec/buildkit-semantics.md (cited as a.N) and the dump format in
 * ../shared/spec/buildkit-testfiles.md (cited as "dump"); where the spec is
 * silent and the test relies on BuildKit's source (P/parser.go,
 * P/split_command.go, P/line_parsers.go), the comment says so.
 *
 * The last test runs the golden cases in tests/cases/parser/<name>/:
 * `Dockerfile` with either `dump` (the expected dump bytes) or `error` (the
 * expected message of a failed parse). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "stagegraph.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"

/* ---- helpers --------------------------------------------------------------- */

/* A literal (or char array) and its length, embedded NULs included. */
#define L(s) (s), (sizeof(s) - 1)

/* Growable string for building large inputs. */
typedef struct sb {
  char *p;
  size_t n, cap;
} sb;

static void sb_add(sb *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) abort();
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void sb_puts(sb *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_rep(sb *b, const char *s, size_t times) {
  size_t n = strlen(s);
  for (size_t i = 0; i < times; i++) sb_add(b, s, n);
}

static void sb_fill(sb *b, char c, size_t n) {
  char chunk[4096];
  memset(chunk, c, sizeof chunk);
  while (n) {
    size_t k = n < sizeof chunk ? n : sizeof chunk;
    sb_add(b, chunk, k);
    n -= k;
  }
}

static void sb_free(sb *b) {
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

/* Print bytes with C-style escapes (first 2000 bytes). */
static void show(const char *label, const char *s, size_t n) {
  size_t lim = n < 2000 ? n : 2000;
  char *out = malloc(lim * 4 + 1);
  if (!out) return;
  size_t o = 0;
  for (size_t i = 0; i < lim; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else if (c == '\\' || c == '"') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c < 0x20 || c >= 0x7f) {
      o += (size_t)sprintf(out + o, "\\x%02x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
  print_error("  %s (%zu bytes%s): \"%s\"\n", label, n, n > lim ? ", truncated" : "", out);
  free(out);
}

/* Documents from parse_at stay registered until doc_free, so a test that
 * fails half-way leaks nothing: the teardown frees what is left. */
static stagegraph_doc *live_docs[16];
static size_t live_count;

static void doc_track(stagegraph_doc *doc) {
  if (live_count < sizeof live_docs / sizeof live_docs[0]) live_docs[live_count++] = doc;
}

static void doc_free(stagegraph_doc *doc) {
  for (size_t i = 0; i < live_count; i++) {
    if (live_docs[i] == doc) {
      live_docs[i] = live_docs[--live_count];
      break;
    }
  }
  stagegraph_doc_free(doc);
}

static int free_live_docs(void **state) {
  (void)state;
  while (live_count) stagegraph_doc_free(live_docs[--live_count]);
  return 0;
}

static stagegraph_doc *parse_at(const char *file, int line, const char *src, size_t len) {
  stagegraph_doc *doc = NULL;
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  int rc = stagegraph_parse(&doc, src, len, NULL, &err);
  if (rc != 0 || !doc) {
    print_error("parse failed: %s (%d) at line %u: %s\n", stagegraph_code_name(rc), rc, err.line,
                err.message);
    show("input", src, len);
    _fail(file, line);
  }
  doc_track(doc);
  return doc;
}
#define PARSE(lit) parse_at(__FILE__, __LINE__, L(lit))
#define PARSE_N(p, n) parse_at(__FILE__, __LINE__, (p), (n))

static void error_at(const char *file, int line, const char *src, size_t len, int code,
                     const char *msg, uint32_t err_line) {
  stagegraph_doc *doc = (stagegraph_doc *)(uintptr_t)1;
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  int rc = stagegraph_parse(&doc, src, len, NULL, &err);
  int ok = rc == code && doc == NULL && err.code == code && strcmp(err.message, msg) == 0 &&
           (err_line == 0 || err.line == err_line);
  if (!ok) {
    print_error("want error %s \"%s\"%s, got rc %s (%d), err.code %d, line %u: \"%s\"%s\n",
                stagegraph_code_name(code), msg, err_line ? " (with line)" : "",
                stagegraph_code_name(rc), rc, err.code, err.line, err.message,
                doc == NULL ? "" : " and a document");
    if (err_line) print_error("  want line %u\n", err_line);
    show("input", src, len);
    if (rc == 0 && doc != (stagegraph_doc *)(uintptr_t)1) stagegraph_doc_free(doc);
    _fail(file, line);
  }
}
#define EXPECT_ERROR(lit, code, msg) error_at(__FILE__, __LINE__, L(lit), code, msg, 0)
#define EXPECT_ERROR_LINE(lit, code, msg, ln) error_at(__FILE__, __LINE__, L(lit), code, msg, ln)
#define EXPECT_ERROR_N(p, n, code, msg) error_at(__FILE__, __LINE__, (p), (n), code, msg, 0)

static void compare_bytes_at(const char *file, int line, const char *what, const char *got,
                             size_t got_len, const char *want, size_t want_len) {
  if (got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0)) return;
  size_t i = 0;
  while (i < got_len && i < want_len && got[i] == want[i]) i++;
  print_error("%s differs at byte %zu\n", what, i);
  show("got ", got, got_len);
  show("want", want, want_len);
  _fail(file, line);
}

static void dump_doc_at(const char *file, int line, const stagegraph_doc *doc, const char *want,
                        size_t want_len) {
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  int rc = stagegraph_doc_dump(&out, doc, STAGEGRAPH_DUMP_BUILDKIT, &err);
  if (rc != 0) {
    print_error("dump failed: %s: %s\n", stagegraph_code_name(rc), err.message);
    _fail(file, line);
  }
  if (out.size != want_len || memcmp(out.ptr, want, want_len) != 0) {
    size_t i = 0;
    while (i < out.size && i < want_len && out.ptr[i] == want[i]) i++;
    print_error("dump differs at byte %zu\n", i);
    show("got ", out.ptr, out.size);
    show("want", want, want_len);
    stagegraph_buf_dispose(&out);
    _fail(file, line);
  }
  stagegraph_buf_dispose(&out);
}
#define EXPECT_DOC_DUMP(doc, want) dump_doc_at(__FILE__, __LINE__, doc, L(want))

static void dump_at(const char *file, int line, const char *src, size_t len, const char *want,
                    size_t want_len) {
  stagegraph_doc *doc = parse_at(file, line, src, len);
  dump_doc_at(file, line, doc, want, want_len);
  doc_free(doc);
}
#define EXPECT_DUMP(src, want) dump_at(__FILE__, __LINE__, L(src), L(want))
#define EXPECT_DUMP_N(p, n, w, wn) dump_at(__FILE__, __LINE__, (p), (n), (w), (wn))

static const stagegraph_instruction *ins_at(const char *file, int line, const stagegraph_doc *doc,
                                            size_t i) {
  const stagegraph_instruction *ins = stagegraph_doc_instruction(doc, i);
  if (!ins) {
    print_error("no instruction %zu (the document has %zu)\n", i,
                stagegraph_doc_instruction_count(doc));
    _fail(file, line);
  }
  return ins;
}
#define INS(doc, i) ins_at(__FILE__, __LINE__, doc, i)

static void count_at(const char *file, int line, const stagegraph_doc *doc, size_t want) {
  size_t got = stagegraph_doc_instruction_count(doc);
  if (got != want) {
    print_error("instruction count is %zu, want %zu\n", got, want);
    _fail(file, line);
  }
}
#define EXPECT_COUNT(doc, n) count_at(__FILE__, __LINE__, doc, n)

/* Arguments, compared as NUL-terminated strings (length checked too). */
static void args_at(const char *file, int line, const stagegraph_instruction *ins, ...) {
  va_list ap;
  va_start(ap, ins);
  size_t n = 0;
  const char *want;
  while ((want = va_arg(ap, const char *)) != NULL) {
    size_t len = 0;
    const char *got = stagegraph_instruction_arg(ins, n, &len);
    if (!got) {
      print_error("argument %zu missing (want \"%s\"); the instruction has %zu\n", n, want,
                  stagegraph_instruction_arg_count(ins));
      va_end(ap);
      _fail(file, line);
      return;
    }
    char what[64];
    snprintf(what, sizeof what, "argument %zu", n);
    compare_bytes_at(file, line, what, got, len, want, strlen(want));
    n++;
  }
  va_end(ap);
  if (stagegraph_instruction_arg_count(ins) != n) {
    print_error("the instruction has %zu arguments, want %zu\n",
                stagegraph_instruction_arg_count(ins), n);
    _fail(file, line);
  }
}
#define EXPECT_ARGS(ins, ...) args_at(__FILE__, __LINE__, ins, __VA_ARGS__, (const char *)NULL)
#define EXPECT_NO_ARGS(ins) args_at(__FILE__, __LINE__, ins, (const char *)NULL)

static void flags_at(const char *file, int line, const stagegraph_instruction *ins, ...) {
  va_list ap;
  va_start(ap, ins);
  size_t n = 0;
  const char *want;
  while ((want = va_arg(ap, const char *)) != NULL) {
    const char *got = stagegraph_instruction_flag(ins, n);
    if (!got) {
      print_error("flag %zu missing (want \"%s\"); the instruction has %zu\n", n, want,
                  stagegraph_instruction_flag_count(ins));
      va_end(ap);
      _fail(file, line);
      return;
    }
    char what[64];
    snprintf(what, sizeof what, "flag %zu", n);
    compare_bytes_at(file, line, what, got, strlen(got), want, strlen(want));
    n++;
  }
  va_end(ap);
  if (stagegraph_instruction_flag_count(ins) != n) {
    print_error("the instruction has %zu flags, want %zu\n", stagegraph_instruction_flag_count(ins),
                n);
    _fail(file, line);
  }
}
#define EXPECT_FLAGS(ins, ...) flags_at(__FILE__, __LINE__, ins, __VA_ARGS__, (const char *)NULL)
#define EXPECT_NO_FLAGS(ins) flags_at(__FILE__, __LINE__, ins, (const char *)NULL)

static void comments_at(const char *file, int line, const stagegraph_instruction *ins, ...) {
  va_list ap;
  va_start(ap, ins);
  size_t n = 0;
  const char *want;
  while ((want = va_arg(ap, const char *)) != NULL) {
    const char *got = stagegraph_instruction_comment(ins, n);
    if (!got || strcmp(got, want) != 0) {
      print_error("comment %zu is \"%s\", want \"%s\"\n", n, got ? got : "(none)", want);
      va_end(ap);
      _fail(file, line);
      return;
    }
    n++;
  }
  va_end(ap);
  if (stagegraph_instruction_comment_count(ins) != n) {
    print_error("the instruction has %zu comments, want %zu\n",
                stagegraph_instruction_comment_count(ins), n);
    for (size_t i = 0; i < stagegraph_instruction_comment_count(ins); i++)
      print_error("  comment %zu: \"%s\"\n", i, stagegraph_instruction_comment(ins, i));
    _fail(file, line);
  }
}
#define EXPECT_COMMENTS(ins, ...)                                                                  \
  comments_at(__FILE__, __LINE__, ins, __VA_ARGS__, (const char *)NULL)
#define EXPECT_NO_COMMENTS(ins) comments_at(__FILE__, __LINE__, ins, (const char *)NULL)

static void heredoc_at(const char *file, int line, const stagegraph_instruction *ins, size_t i,
                       const char *name, const char *content, size_t content_len, int expand,
                       int chomp, int fd) {
  const stagegraph_heredoc *h = stagegraph_instruction_heredoc(ins, i);
  if (!h) {
    print_error("heredoc %zu missing; the instruction has %zu\n", i,
                stagegraph_instruction_heredoc_count(ins));
    _fail(file, line);
    return;
  }
  const char *got_name = stagegraph_heredoc_name(h);
  if (!got_name || strcmp(got_name, name) != 0) {
    print_error("heredoc %zu name is \"%s\", want \"%s\"\n", i, got_name ? got_name : "(null)",
                name);
    _fail(file, line);
  }
  size_t len = 0;
  const char *got = stagegraph_heredoc_content(h, &len);
  compare_bytes_at(file, line, "heredoc content", got ? got : "", got ? len : 0, content,
                   content_len);
  if (stagegraph_heredoc_expand(h) != expand || stagegraph_heredoc_chomp(h) != chomp ||
      stagegraph_heredoc_fd(h) != fd) {
    print_error("heredoc %s: expand %d chomp %d fd %d, want %d %d %d\n", name,
                stagegraph_heredoc_expand(h), stagegraph_heredoc_chomp(h),
                stagegraph_heredoc_fd(h), expand, chomp, fd);
    _fail(file, line);
  }
}
#define EXPECT_HEREDOC(ins, i, name, content, expand, chomp, fd)                                  \
  heredoc_at(__FILE__, __LINE__, ins, i, name, L(content), expand, chomp, fd)

static void keyword_at(const char *file, int line, const stagegraph_instruction *ins,
                       stagegraph_kind kind, const char *keyword) {
  const char *kw = stagegraph_instruction_keyword(ins);
  if (stagegraph_instruction_kind(ins) != kind || !kw || strcmp(kw, keyword) != 0) {
    print_error("instruction is kind %d keyword \"%s\", want kind %d keyword \"%s\"\n",
                (int)stagegraph_instruction_kind(ins), kw ? kw : "(null)", (int)kind, keyword);
    _fail(file, line);
  }
}
#define EXPECT_KEYWORD(ins, kind, kw) keyword_at(__FILE__, __LINE__, ins, kind, kw)

static void lines_at(const char *file, int line, const stagegraph_instruction *ins, uint32_t start,
                     uint32_t end) {
  uint32_t s = stagegraph_instruction_start_line(ins), e = stagegraph_instruction_end_line(ins);
  if (s != start || e != end) {
    print_error("instruction lines %u-%u, want %u-%u\n", s, e, start, end);
    _fail(file, line);
  }
}
#define EXPECT_LINES(ins, s, e) lines_at(__FILE__, __LINE__, ins, s, e)

static void original_at(const char *file, int line, const stagegraph_instruction *ins,
                        const char *want, size_t want_len) {
  size_t len = 0;
  const char *got = stagegraph_instruction_original(ins, &len);
  compare_bytes_at(file, line, "original", got ? got : "", got ? len : 0, want, want_len);
}
#define EXPECT_ORIGINAL(ins, want) original_at(__FILE__, __LINE__, ins, L(want))

/* Parse `src` and check that it has exactly one instruction. */
static stagegraph_doc *one_at(const char *file, int line, const char *src, size_t len) {
  stagegraph_doc *doc = parse_at(file, line, src, len);
  count_at(file, line, doc, 1);
  return doc;
}
#define ONE(lit) one_at(__FILE__, __LINE__, L(lit))

/* One instruction, its arguments checked. */
#define EXPECT_ONE_ARGS(src, ...)                                                                  \
  do {                                                                                             \
    stagegraph_doc *one_doc_ = ONE(src);                                                          \
    EXPECT_ARGS(INS(one_doc_, 0), __VA_ARGS__);                                                    \
    doc_free(one_doc_);                                                                \
  } while (0)

static void heredoc_count_at(const char *file, int line, const stagegraph_instruction *ins,
                             size_t want) {
  size_t got = stagegraph_instruction_heredoc_count(ins);
  if (got != want) {
    print_error("the instruction has %zu heredocs, want %zu\n", got, want);
    _fail(file, line);
  }
}
#define EXPECT_HEREDOC_COUNT(ins, n) heredoc_count_at(__FILE__, __LINE__, ins, n)

static void verdict_at(const char *file, int line, const char *src, size_t len, int code,
                       const char *msg) {
  stagegraph_doc *doc = parse_at(file, line, src, len);
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  int rc = stagegraph_doc_verdict(doc, &err);
  if (rc != code || (code != 0 && (err.code != code || strcmp(err.message, msg) != 0))) {
    print_error("verdict %s \"%s\", want %s \"%s\"\n", stagegraph_code_name(rc),
                rc ? err.message : "", stagegraph_code_name(code), msg ? msg : "");
    show("input", src, len);
    doc_free(doc);
    _fail(file, line);
  }
  doc_free(doc);
}
#define EXPECT_VERDICT(src, code, msg) verdict_at(__FILE__, __LINE__, L(src), code, msg)

/* Parser warnings (NoEmptyContinuation) only: the instruction layer adds
 * its own diagnostics (for example for a file without FROM). */
static size_t count_empty_continuation(const stagegraph_doc *doc) {
  size_t n = 0;
  for (size_t i = 0; i < stagegraph_doc_diagnostic_count(doc); i++) {
    const char *rule = stagegraph_diagnostic_rule(stagegraph_doc_diagnostic(doc, i));
    n += rule && strcmp(rule, "NoEmptyContinuation") == 0;
  }
  return n;
}

/* ---- a.1 bytes, lines, BOM, CRLF ------------------------------------------ */

/* a.1: a UTF-8 BOM is removed from the first physical line. */
static void test_bom_stripped_on_first_line(void **state) {
  (void)state;
  static const char src[] = "\xEF\xBB\xBF"
                            "FROM a\n";
  stagegraph_doc *doc = ONE(src);
  const stagegraph_instruction *ins = INS(doc, 0);
  EXPECT_KEYWORD(ins, STAGEGRAPH_KIND_FROM, "FROM");
  EXPECT_ARGS(ins, "a");
  EXPECT_LINES(ins, 1, 1);
  assert_int_equal(stagegraph_instruction_start_offset(ins), 3);
  EXPECT_DOC_DUMP(doc, "(from \"a\")\n");
  doc_free(doc);

  /* a BOM-only file is empty */
  EXPECT_ERROR("\xEF\xBB\xBF", STAGEGRAPH_ESYNTAX, "file with no instructions");
  /* a BOM then a comment: the comment text is collected without the BOM */
  doc = PARSE("\xEF\xBB\xBF"
              "# hello\nFROM a\n");
  EXPECT_COMMENTS(INS(doc, 0), "hello");
  doc_free(doc);
}

/* a.1: only the first line, and only one BOM. U+FEFF is not whitespace, so
 * a later BOM becomes part of the keyword (an unknown instruction). */
static void test_bom_only_first_line_and_once(void **state) {
  (void)state;
  static const char later[] = "FROM a\n\xEF\xBB\xBF"
                              "RUN b\n";
  stagegraph_doc *doc = PARSE(later);
  EXPECT_COUNT(doc, 2);
  EXPECT_KEYWORD(INS(doc, 1), STAGEGRAPH_KIND_UNKNOWN, "\xEF\xBB\xBF"
                                                       "RUN");
  EXPECT_ARGS(INS(doc, 1), "");
  EXPECT_DOC_DUMP(doc, "(from \"a\")\n(\xEF\xBB\xBF"
                       "run \"\")\n");
  doc_free(doc);

  doc = ONE("\xEF\xBB\xBF\xEF\xBB\xBF"
            "FROM a\n");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_UNKNOWN, "\xEF\xBB\xBF"
                                                       "FROM");
  doc_free(doc);
}

/* a.1 + a.3: the BOM is stripped before the directive parser sees line 1. */
static void test_bom_before_directive(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("\xEF\xBB\xBF"
                              "# escape=`\n# note\nFROM a\nRUN b `\n c\n");
  assert_int_equal(stagegraph_doc_escape(doc), '`');
  assert_int_equal(stagegraph_doc_directive_count(doc), 1);
  assert_string_equal(stagegraph_doc_directive_key(doc, 0), "escape");
  assert_string_equal(stagegraph_doc_directive_value(doc, 0), "`");
  EXPECT_COUNT(doc, 2);
  EXPECT_COMMENTS(INS(doc, 0), "note");
  EXPECT_ARGS(INS(doc, 1), "b  c");
  doc_free(doc);
}

/* a.1: CRLF files behave like LF files, including an escape before CRLF. */
static void test_crlf(void **state) {
  (void)state;
  static const char src[] = "FROM a\r\nRUN echo \\\r\n  hi\r\nCMD x\r\n";
  stagegraph_doc *doc = PARSE(src);
  EXPECT_COUNT(doc, 3);
  EXPECT_ARGS(INS(doc, 0), "a");
  EXPECT_ARGS(INS(doc, 1), "echo   hi");
  EXPECT_ORIGINAL(INS(doc, 1), "RUN echo   hi");
  EXPECT_LINES(INS(doc, 0), 1, 1);
  EXPECT_LINES(INS(doc, 1), 2, 3);
  EXPECT_LINES(INS(doc, 2), 4, 4);
  EXPECT_ARGS(INS(doc, 2), "x");
  assert_int_equal(stagegraph_instruction_start_offset(INS(doc, 1)), 8);
  EXPECT_DOC_DUMP(doc, "(from \"a\")\n(run \"echo   hi\")\n(cmd \"x\")\n");
  doc_free(doc);

  /* every trailing CR is stripped, also before a continuation */
  doc = PARSE("FROM a\r\r\nRUN b \\\r\r\n c\r\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 0), "a");
  EXPECT_ARGS(INS(doc, 1), "b  c");
  doc_free(doc);

  /* spaces after the escape, then CRLF */
  EXPECT_ONE_ARGS("RUN a \\  \r\n b\r\n", "a  b");
}

/* a.1: a lone CR is not a line break; it is whitespace when splitting. */
static void test_lone_cr(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("FROM a\rb\n");
  EXPECT_ARGS(INS(doc, 0), "a", "b");
  EXPECT_LINES(INS(doc, 0), 1, 1);
  doc_free(doc);

  doc = ONE("FROM a\rRUN b\r");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_FROM, "FROM");
  EXPECT_ARGS(INS(doc, 0), "a", "RUN", "b");
  doc_free(doc);

  /* the keyword ends at a CR */
  doc = ONE("FROM\ra\n");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_FROM, "FROM");
  EXPECT_ARGS(INS(doc, 0), "a");
  doc_free(doc);

  /* a string argument keeps an inner CR; the dump writes it as \r */
  doc = ONE("RUN a\rb\n");
  EXPECT_ARGS(INS(doc, 0), "a\rb");
  EXPECT_DOC_DUMP(doc, "(run \"a\\rb\")\n");
  doc_free(doc);
}

/* a.1: lines end at LF; line numbers count physical lines. */
static void test_lf_lines(void **state) {
  (void)state;
  static const char src[] = "FROM a\nRUN b\n\nCMD c";
  stagegraph_doc *doc = PARSE(src);
  EXPECT_COUNT(doc, 3);
  EXPECT_LINES(INS(doc, 0), 1, 1);
  EXPECT_LINES(INS(doc, 1), 2, 2);
  EXPECT_LINES(INS(doc, 2), 4, 4);
  assert_int_equal(stagegraph_instruction_end_offset(INS(doc, 2)), sizeof src - 1);
  EXPECT_DOC_DUMP(doc, "(from \"a\")\n(run \"b\")\n(cmd \"c\")\n");
  doc_free(doc);
}

/* a.1: an empty file, or only comments, blank lines or directives. */
static void test_no_instructions(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t n;
  } cases[] = {
      {L("")},
      {L("\n")},
      {L("\n\n\n")},
      {L("   \n\t\n")},
      {L("\r\n\r\n")},
      {L("# a\n# b\n")},
      {L("# a\n\n#b\n")},
      {L("#\n")},
      {L("# syntax=docker/dockerfile:1\n")},
      {L("# syntax=x\n# escape=`\n")},
      {L("# escape=`\n\n# comment\n")},
      {L("\xC2\xA0\n")}, /* NBSP is Unicode whitespace */
      {L("   # indented comment")},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    EXPECT_ERROR_N(cases[i].s, cases[i].n, STAGEGRAPH_ESYNTAX, "file with no instructions");
}

/* a.1: a physical line may be 65535 bytes (terminator excluded); 65536 fails. */
static void test_line_limit(void **state) {
  (void)state;
  static const char msg[] = "dockerfile line greater than max allowed size of 65535";
  for (int newline = 0; newline < 2; newline++) {
    sb b = {0};
    sb_puts(&b, "FROM a\nRUN ");
    sb_fill(&b, 'x', 65535 - 4);
    if (newline) sb_puts(&b, "\n");
    stagegraph_doc *doc = PARSE_N(b.p, b.n);
    EXPECT_COUNT(doc, 2);
    size_t len = 0;
    assert_non_null(stagegraph_instruction_arg(INS(doc, 1), 0, &len));
    assert_int_equal(len, 65531);
    doc_free(doc);
    sb_free(&b);

    sb_puts(&b, "FROM a\nRUN ");
    sb_fill(&b, 'x', 65536 - 4);
    if (newline) sb_puts(&b, "\n");
    EXPECT_ERROR_N(b.p, b.n, STAGEGRAPH_ESYNTAX, msg);
    sb_free(&b);
  }

  /* a CR before the LF counts towards the line */
  sb b = {0};
  sb_puts(&b, "FROM a\nRUN ");
  sb_fill(&b, 'x', 65535 - 5);
  sb_puts(&b, "\r\nCMD y\n");
  stagegraph_doc *doc = PARSE_N(b.p, b.n);
  EXPECT_COUNT(doc, 3);
  doc_free(doc);
  sb_free(&b);
  sb_puts(&b, "FROM a\nRUN ");
  sb_fill(&b, 'x', 65536 - 5);
  sb_puts(&b, "\r\nCMD y\n");
  EXPECT_ERROR_N(b.p, b.n, STAGEGRAPH_ESYNTAX, msg);
  sb_free(&b);

  /* any physical line: a comment, a continuation line */
  sb_puts(&b, "FROM a\n# ");
  sb_fill(&b, 'c', 65536 - 2);
  sb_puts(&b, "\nRUN b\n");
  EXPECT_ERROR_N(b.p, b.n, STAGEGRAPH_ESYNTAX, msg);
  sb_free(&b);
  sb_puts(&b, "FROM a\nRUN b \\\n");
  sb_fill(&b, 'c', 65536);
  sb_puts(&b, "\n");
  EXPECT_ERROR_N(b.p, b.n, STAGEGRAPH_ESYNTAX, msg);
  sb_free(&b);

  /* the logical line may be longer than the limit */
  sb_puts(&b, "FROM a\nRUN ");
  sb_fill(&b, 'x', 40000);
  sb_puts(&b, "\\\n");
  sb_fill(&b, 'y', 40000);
  sb_puts(&b, "\n");
  doc = PARSE_N(b.p, b.n);
  size_t len = 0;
  assert_non_null(stagegraph_instruction_arg(INS(doc, 1), 0, &len));
  assert_int_equal(len, 80000);
  doc_free(doc);
  sb_free(&b);
}

/* a.1: "The limit also applies to heredoc body lines". BuildKit reads the
 * body with the same scanner; when the scanner stops on the long line the
 * heredoc has no terminator, so the error is `unterminated heredoc`
 * (P/parser.go Parse: the body loop ends when scanner.Scan() fails). */
static void test_line_limit_heredoc_body(void **state) {
  (void)state;
  sb b = {0};
  sb_puts(&b, "FROM a\nRUN <<EOF\n");
  sb_fill(&b, 'x', 65535);
  sb_puts(&b, "\nEOF\nCMD y\n");
  stagegraph_doc *doc = PARSE_N(b.p, b.n);
  EXPECT_COUNT(doc, 3);
  size_t len = 0;
  const stagegraph_heredoc *h = stagegraph_instruction_heredoc(INS(doc, 1), 0);
  assert_non_null(h);
  assert_non_null(stagegraph_heredoc_content(h, &len));
  assert_int_equal(len, 65536);
  doc_free(doc);
  sb_free(&b);

  sb_puts(&b, "FROM a\nRUN <<EOF\n");
  sb_fill(&b, 'x', 65536);
  sb_puts(&b, "\nEOF\nCMD y\n");
  EXPECT_ERROR_N(b.p, b.n, STAGEGRAPH_ESYNTAX, "unterminated heredoc");
  sb_free(&b);
}

/* P/parser.go Parse checks "no instructions" before the scanner error, so a
 * file whose only line is too long reports `file with no instructions`. */
static void test_line_limit_before_any_instruction(void **state) {
  (void)state;
  sb b = {0};
  sb_puts(&b, "FROM ");
  sb_fill(&b, 'x', 70000);
  sb_puts(&b, "\n");
  EXPECT_ERROR_N(b.p, b.n, STAGEGRAPH_ESYNTAX, "file with no instructions");
  sb_free(&b);
}

/* ---- a.2 / a.5 comments ----------------------------------------------------- */

/* a.2 step 5: a blank line does not clear the pending comments. */
static void test_comments_blank_line_keeps(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("# c1\n\n# c2\n\nFROM a\n");
  EXPECT_COMMENTS(INS(doc, 0), "c1", "c2");
  doc_free(doc);
}

/* a.2 step 1: a bare `#` (empty text) clears the list. */
static void test_comments_bare_hash_clears(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("# c1\n#\n# c2\nFROM a\n");
  EXPECT_COMMENTS(INS(doc, 0), "c2");
  doc_free(doc);
  doc = ONE("# c1\n# c2\n#  \t\nFROM a\n");
  EXPECT_NO_COMMENTS(INS(doc, 0));
  doc_free(doc);
  /* an indented bare `#` has the text "#": it does not clear (a.5) */
  doc = ONE("# c1\n   #\nFROM a\n");
  EXPECT_COMMENTS(INS(doc, 0), "c1", "#");
  doc_free(doc);
}

/* a.5: stored text is the line minus its first byte, whitespace-trimmed. */
static void test_comments_text(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("#   spaced out  \t\nFROM a\n");
  EXPECT_COMMENTS(INS(doc, 0), "spaced out");
  doc_free(doc);
  doc = ONE("#x\n# c\r\nFROM a\r\n");
  EXPECT_COMMENTS(INS(doc, 0), "x", "c");
  doc_free(doc);
  /* an indented comment keeps its hash */
  doc = ONE("  # foo\n\t#bar\nFROM a\n");
  EXPECT_COMMENTS(INS(doc, 0), "# foo", "#bar");
  doc_free(doc);
}

/* a.2 step 7: the list goes to the next instruction and is reset. */
static void test_comments_attach_and_reset(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("# a\nFROM x\nRUN y\n# b\n# c\nCMD z\n# trailing\n");
  EXPECT_COUNT(doc, 3);
  EXPECT_COMMENTS(INS(doc, 0), "a");
  EXPECT_NO_COMMENTS(INS(doc, 1));
  EXPECT_COMMENTS(INS(doc, 2), "b", "c");
  doc_free(doc);
}

/* a.4: comment lines inside a continuation are dropped, not collected. */
static void test_comments_inside_continuation(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("# a\nRUN x \\\n# b\n y\nCMD z\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_COMMENTS(INS(doc, 0), "a");
  EXPECT_ARGS(INS(doc, 0), "x  y");
  EXPECT_NO_COMMENTS(INS(doc, 1));
  doc_free(doc);
}

/* a.6: heredoc body lines get no comment processing. */
static void test_comments_not_in_heredoc_body(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("FROM a\nRUN <<EOF\n# body\nEOF\nCMD z\n");
  EXPECT_COUNT(doc, 3);
  EXPECT_NO_COMMENTS(INS(doc, 2));
  EXPECT_HEREDOC(INS(doc, 1), 0, "EOF", "# body\n", 1, 0, 0);
  doc_free(doc);
}

/* a.5: a `#` that does not start a logical line is ordinary text. */
static void test_hash_mid_line_is_text(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("RUN echo #x\nFROM a # b\nCMD [\"a\"] # c\n");
  EXPECT_COUNT(doc, 3);
  EXPECT_ARGS(INS(doc, 0), "echo #x");
  EXPECT_ARGS(INS(doc, 1), "a", "#", "b");
  EXPECT_ARGS(INS(doc, 2), "[\"a\"] # c");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 2)), 0);
  doc_free(doc);
}

/* ---- a.3 directives --------------------------------------------------------- */

/* a.3: keys case-insensitive and stored lowercase; values case-sensitive. */
static void test_directive_keys_and_values(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("# EScape=`\n# SYNTAX=Docker/Dockerfile:1\nFROM a\n");
  assert_int_equal(stagegraph_doc_escape(doc), '`');
  assert_int_equal(stagegraph_doc_directive_count(doc), 2);
  assert_string_equal(stagegraph_doc_directive_key(doc, 0), "escape");
  assert_string_equal(stagegraph_doc_directive_value(doc, 0), "`");
  assert_int_equal(stagegraph_doc_directive_line(doc, 0), 1);
  assert_string_equal(stagegraph_doc_directive_key(doc, 1), "syntax");
  assert_string_equal(stagegraph_doc_directive_value(doc, 1), "Docker/Dockerfile:1");
  assert_int_equal(stagegraph_doc_directive_line(doc, 1), 2);
  /* directive lines are not comments of the next instruction */
  EXPECT_NO_COMMENTS(INS(doc, 0));
  doc_free(doc);

  doc = ONE("# check=skip=all;error=true\nFROM a\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 1);
  assert_string_equal(stagegraph_doc_directive_key(doc, 0), "check");
  assert_string_equal(stagegraph_doc_directive_value(doc, 0), "skip=all;error=true");
  doc_free(doc);
}

/* a.3 shape: optional whitespace around the key and `=`, value trimmed at
 * the end only; no space after `#` needed; indented directives work (a.2). */
static void test_directive_shape(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("#escape = `\nFROM a\n");
  assert_int_equal(stagegraph_doc_escape(doc), '`');
  doc_free(doc);

  doc = ONE("#   syntax   =   a b  \t\nFROM x\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 1);
  assert_string_equal(stagegraph_doc_directive_value(doc, 0), "a b");
  doc_free(doc);

  doc = ONE("   # escape=`\nFROM a\n");
  assert_int_equal(stagegraph_doc_escape(doc), '`');
  doc_free(doc);

  doc = ONE("# escape=`\r\nFROM a\r\n");
  assert_int_equal(stagegraph_doc_escape(doc), '`');
  assert_string_equal(stagegraph_doc_directive_value(doc, 0), "`");
  doc_free(doc);

  /* the key is [A-Za-z][A-Za-z0-9]*: these are plain comments */
  doc = ONE("# 1escape=`\nFROM a\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 0);
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  EXPECT_COMMENTS(INS(doc, 0), "1escape=`");
  doc_free(doc);
  doc = ONE("# esc-ape=`\nFROM a\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 0);
  doc_free(doc);

  /* the value must be at least one character */
  doc = ONE("# escape=\nFROM a\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 0);
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  EXPECT_COMMENTS(INS(doc, 0), "escape=");
  doc_free(doc);
}

/* a.3 region: ends at a blank line, an instruction, a normal comment, a bare
 * `#`, or an unknown key; later directive-looking lines are comments. */
static void test_directive_region(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("\n# escape=`\nFROM a\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 0);
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  EXPECT_COMMENTS(INS(doc, 0), "escape=`");
  doc_free(doc);

  doc = PARSE("FROM a\n# escape=`\nRUN b\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 0);
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  EXPECT_COMMENTS(INS(doc, 1), "escape=`");
  doc_free(doc);

  /* after a normal comment `\` stays the escape: RUN continues */
  doc = PARSE("# hello\n# escape=`\nFROM a\nRUN x\\\ny\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 0);
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  EXPECT_COUNT(doc, 2);
  EXPECT_COMMENTS(INS(doc, 0), "hello", "escape=`");
  EXPECT_ARGS(INS(doc, 1), "xy");
  doc_free(doc);

  doc = ONE("# foo=bar\n# escape=`\nFROM a\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 0);
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  EXPECT_COMMENTS(INS(doc, 0), "foo=bar", "escape=`");
  doc_free(doc);

  doc = ONE("#\n# escape=`\nFROM a\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 0);
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  doc_free(doc);

  /* a known directive, then an unknown key, then escape */
  doc = ONE("# syntax=a\n# foo=b\n# escape=`\nFROM x\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 1);
  assert_string_equal(stagegraph_doc_directive_key(doc, 0), "syntax");
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  EXPECT_COMMENTS(INS(doc, 0), "foo=b", "escape=`");
  doc_free(doc);

  /* directives, then a comment, then the instruction */
  doc = ONE("# syntax=foo\n# escape=`\n# real\nFROM a\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 2);
  EXPECT_COMMENTS(INS(doc, 0), "real");
  doc_free(doc);
}

/* a.3 shebang: a first line `#!...` ends the region. */
static void test_directive_shebang(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("#!/usr/bin/env docker\n# escape=`\nFROM a\nRUN b\\\nc\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 0);
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  EXPECT_COUNT(doc, 2);
  EXPECT_COMMENTS(INS(doc, 0), "!/usr/bin/env docker", "escape=`");
  EXPECT_ARGS(INS(doc, 1), "bc");
  doc_free(doc);
}

/* a.3 repeats inside the region are an error; outside they are comments. */
static void test_directive_repeated(void **state) {
  (void)state;
  EXPECT_ERROR("# escape=`\n# escape=\\\nFROM a\n", STAGEGRAPH_ESYNTAX,
               "only one escape parser directive can be used");
  EXPECT_ERROR("# syntax=a\n# SYNTAX=b\nFROM x\n", STAGEGRAPH_ESYNTAX,
               "only one syntax parser directive can be used");
  EXPECT_ERROR("# check=skip=all\n#check=error=true\nFROM x\n", STAGEGRAPH_ESYNTAX,
               "only one check parser directive can be used");
  EXPECT_ERROR("# escape=`\n# syntax=a\n# Escape=`\nFROM x\n", STAGEGRAPH_ESYNTAX,
               "only one escape parser directive can be used");

  stagegraph_doc *doc = ONE("# escape=`\nFROM a\n# escape=\\\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 1);
  assert_int_equal(stagegraph_doc_escape(doc), '`');
  doc_free(doc);
}

/* a.3 escape: exactly ` or \; anything else fails with BuildKit's text. */
static void test_directive_escape_values(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("# escape=\\\nFROM a\n");
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  assert_int_equal(stagegraph_doc_directive_count(doc), 1);
  assert_string_equal(stagegraph_doc_directive_value(doc, 0), "\\");
  doc_free(doc);

  EXPECT_ERROR("# escape=x\nFROM a\n", STAGEGRAPH_ESYNTAX,
               "invalid escape token 'x' does not match ` or \\");
  EXPECT_ERROR("# escape=``\nFROM a\n", STAGEGRAPH_ESYNTAX,
               "invalid escape token '``' does not match ` or \\");
  EXPECT_ERROR("# escape=\\\\\nFROM a\n", STAGEGRAPH_ESYNTAX,
               "invalid escape token '\\\\' does not match ` or \\");
  EXPECT_ERROR("# escape=\"`\"\nFROM a\n", STAGEGRAPH_ESYNTAX,
               "invalid escape token '\"`\"' does not match ` or \\");
  /* `# escape = ` with a trailing space: the value is the space */
  EXPECT_ERROR("# escape = \nFROM a\n", STAGEGRAPH_ESYNTAX,
               "invalid escape token ' ' does not match ` or \\");
  EXPECT_ERROR("# escape =  \nFROM a\n", STAGEGRAPH_ESYNTAX,
               "invalid escape token ' ' does not match ` or \\");
}

/* a.3: directive lines never continue. */
static void test_directive_no_continuation(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("# syntax=foo \\\nFROM a\n");
  assert_int_equal(stagegraph_doc_directive_count(doc), 1);
  assert_string_equal(stagegraph_doc_directive_value(doc, 0), "foo \\");
  EXPECT_ARGS(INS(doc, 0), "a");
  EXPECT_LINES(INS(doc, 0), 2, 2);
  doc_free(doc);
}

/* a.3 + a.4: a backtick escape is the continuation character and `\` is
 * literal. */
static void test_escape_backtick_applies(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("# escape=`\nRUN a\\\nRUN b `\n  c\nRUN d``\nRUN e\n");
  EXPECT_COUNT(doc, 4);
  EXPECT_ARGS(INS(doc, 0), "a\\");
  EXPECT_ARGS(INS(doc, 1), "b   c");
  EXPECT_ARGS(INS(doc, 2), "d``");
  EXPECT_ARGS(INS(doc, 3), "e");
  doc_free(doc);

  doc = PARSE("# escape=`\nRUN dir c:\\ `\n  /s\nRUN a\\\nRUN b\n");
  EXPECT_COUNT(doc, 3);
  EXPECT_ARGS(INS(doc, 0), "dir c:\\   /s");
  EXPECT_ARGS(INS(doc, 1), "a\\");
  doc_free(doc);
}

/* ---- a.4 continuation -------------------------------------------------------- */

/* a.4 joining: no separator, leading whitespace of continuation lines kept. */
static void test_continuation_join(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("RUN echo hello\\\n  world\n");
  EXPECT_ARGS(INS(doc, 0), "echo hello  world");
  EXPECT_ORIGINAL(INS(doc, 0), "RUN echo hello  world");
  EXPECT_LINES(INS(doc, 0), 1, 2);
  doc_free(doc);
  EXPECT_ONE_ARGS("RUN a\\\n\t  b\n", "a\t  b");
  /* spaces and tabs after the escape */
  EXPECT_ONE_ARGS("RUN a \\ \t \nb\n", "a b");
  /* other characters after the escape: no continuation */
  doc = PARSE("RUN a \\ x\nRUN b\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 0), "a \\ x");
  doc_free(doc);
  /* flags and arguments across lines */
  doc = ONE("COPY --from=a \\\n  --chown=b \\\n  x y\n");
  EXPECT_FLAGS(INS(doc, 0), "--from=a", "--chown=b");
  EXPECT_ARGS(INS(doc, 0), "x", "y");
  doc_free(doc);
}

/* a.4: an escaped escape ends the instruction, and so do three escapes. */
static void test_continuation_escaped_escape(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("RUN a\\\\\nRUN b\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 0), "a\\\\");
  EXPECT_DOC_DUMP(doc, "(run \"a\\\\\\\\\")\n(run \"b\")\n");
  doc_free(doc);

  doc = PARSE("RUN a\\\\\\\nRUN b\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 0), "a\\\\\\");
  doc_free(doc);

  doc = PARSE("RUN a \\\nb\\\\\nRUN c\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 0), "a b\\\\");
  doc_free(doc);
}

/* a.4: a line holding only the escape adds nothing and continues. */
static void test_continuation_escape_only_line(void **state) {
  (void)state;
  EXPECT_ONE_ARGS("RUN a\\\n\\\n b\n", "a b");
  EXPECT_ONE_ARGS("RUN a\\\n\\  \t\n b\n", "a b");
  stagegraph_doc *doc = PARSE("FROM a\n\\\nRUN b\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_KEYWORD(INS(doc, 1), STAGEGRAPH_KIND_RUN, "RUN");
  EXPECT_LINES(INS(doc, 1), 2, 3);
  EXPECT_ORIGINAL(INS(doc, 1), "RUN b");
  doc_free(doc);
}

/* P/parser.go setEscapeToken: the continuation pattern keeps the character
 * before the escape, so an indented ` \` continuation line adds its
 * leading blanks (testfiles/trailing-backslash has a ` \` line). */
static void test_continuation_indented_escape_line(void **state) {
  (void)state;
  EXPECT_ONE_ARGS("RUN a\\\n  \\\nb\n", "a  b");
  EXPECT_ONE_ARGS("RUN e \\\n\\\n \\\nf\n", "e  f");
}

/* a.4: comment lines inside are dropped, even when they end in the escape. */
static void test_continuation_comment_lines(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("RUN a \\\n# c1 \\\n   # c2\n b\n");
  EXPECT_ARGS(INS(doc, 0), "a  b");
  EXPECT_LINES(INS(doc, 0), 1, 4);
  assert_int_equal(count_empty_continuation(doc), 0);
  doc_free(doc);
}

/* a.4: empty lines inside are dropped and give one warning at the
 * instruction's last line with the joined text. */
static void test_continuation_empty_lines_warn(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("FROM x\nRUN a \\\n\n   \n b\nCMD c\n");
  EXPECT_COUNT(doc, 3);
  EXPECT_ARGS(INS(doc, 1), "a  b");
  EXPECT_LINES(INS(doc, 1), 2, 5);
  assert_int_equal(stagegraph_doc_diagnostic_count(doc), 1);
  const stagegraph_diagnostic *d = stagegraph_doc_diagnostic(doc, 0);
  assert_non_null(d);
  assert_int_equal(stagegraph_diagnostic_severity(d), STAGEGRAPH_SEVERITY_WARNING);
  assert_int_equal(stagegraph_diagnostic_code(d), 0);
  assert_non_null(stagegraph_diagnostic_rule(d));
  assert_string_equal(stagegraph_diagnostic_rule(d), "NoEmptyContinuation");
  assert_string_equal(stagegraph_diagnostic_message(d), "Empty continuation line found in: RUN a  b");
  assert_int_equal(stagegraph_diagnostic_line(d), 5);
  /* a warning is not an error */
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  assert_int_equal(stagegraph_doc_verdict(doc, &err), 0);
  doc_free(doc);

  /* one warning per instruction, in file order; CR-only and NBSP-only
   * lines are empty too */
  doc = PARSE("FROM x\nRUN a\\\n\r\n\\\n\nb\nRUN c\\\n\xC2\xA0\nd\n");
  EXPECT_COUNT(doc, 3);
  EXPECT_ARGS(INS(doc, 1), "ab");
  EXPECT_ARGS(INS(doc, 2), "cd");
  assert_int_equal(stagegraph_doc_diagnostic_count(doc), 2);
  assert_string_equal(stagegraph_diagnostic_message(stagegraph_doc_diagnostic(doc, 0)),
                      "Empty continuation line found in: RUN ab");
  assert_int_equal(stagegraph_diagnostic_line(stagegraph_doc_diagnostic(doc, 0)), 6);
  assert_string_equal(stagegraph_diagnostic_message(stagegraph_doc_diagnostic(doc, 1)),
                      "Empty continuation line found in: RUN cd");
  assert_int_equal(stagegraph_diagnostic_line(stagegraph_doc_diagnostic(doc, 1)), 9);
  doc_free(doc);

  /* the message has the joined line as BuildKit keeps it (trailing blanks
   * of the last line included) */
  doc = PARSE("FROM x\nRUN a \\\n\nb  \n");
  assert_int_equal(count_empty_continuation(doc), 1);
  assert_string_equal(stagegraph_diagnostic_message(stagegraph_doc_diagnostic(doc, 0)),
                      "Empty continuation line found in: RUN a b  ");
  doc_free(doc);

  /* comment lines alone do not warn */
  doc = ONE("RUN a \\\n# c\nb\n");
  assert_int_equal(count_empty_continuation(doc), 0);
  doc_free(doc);
}

/* a.4: end of file while continued ends the instruction normally. */
static void test_continuation_eof(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("FROM a\nRUN b \\");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 1), "b");
  EXPECT_LINES(INS(doc, 1), 2, 2);
  doc_free(doc);
  doc = PARSE("FROM a\nRUN b \\\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 1), "b");
  doc_free(doc);
  doc = PARSE("FROM a\nRUN b \\\n# comment\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 1), "b");
  EXPECT_LINES(INS(doc, 1), 2, 3);
  doc_free(doc);
}

/* a.2 step 5 + a.4: a continued line is not skipped even when its text is
 * empty, so a lone escape at the end of the file is an instruction with an
 * empty keyword. Node.Dump trims the joined text, so the dump line is
 * `("")` (P/parser.go Dump: strings.TrimSpace of the node text). */
static void test_continuation_escape_at_eof_empty_instruction(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("FROM a\n\\\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_KEYWORD(INS(doc, 1), STAGEGRAPH_KIND_UNKNOWN, "");
  EXPECT_ARGS(INS(doc, 1), "");
  EXPECT_DOC_DUMP(doc, "(from \"a\")\n(\"\")\n");
  doc_free(doc);
}

/* ---- a.6 heredocs -------------------------------------------------------------- */

static void test_heredoc_basic(void **state) {
  (void)state;
  static const char src[] = "FROM a\nRUN <<EOF\necho hi\nEOF\nCMD x\n";
  stagegraph_doc *doc = PARSE(src);
  EXPECT_COUNT(doc, 3);
  const stagegraph_instruction *run = INS(doc, 1);
  EXPECT_HEREDOC_COUNT(run, 1);
  EXPECT_HEREDOC(run, 0, "EOF", "echo hi\n", 1, 0, 0);
  EXPECT_ARGS(run, "<<EOF");
  EXPECT_ORIGINAL(run, "RUN <<EOF");
  EXPECT_LINES(run, 2, 4);
  EXPECT_LINES(INS(doc, 2), 5, 5);
  EXPECT_HEREDOC_COUNT(INS(doc, 0), 0);
  EXPECT_HEREDOC_COUNT(INS(doc, 2), 0);
  /* bodies are not dumped */
  EXPECT_DOC_DUMP(doc, "(from \"a\")\n(run \"<<EOF\")\n(cmd \"x\")\n");
  doc_free(doc);

  /* lowercase keyword, ADD */
  doc = ONE("run <<EOF\nx\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 0, 0);
  doc_free(doc);
  doc = ONE("ADD <<EOF /x\nhi\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "hi\n", 1, 0, 0);
  EXPECT_ARGS(INS(doc, 0), "<<EOF", "/x");
  doc_free(doc);
}

/* a.6: bodies are read in order of appearance. */
static void test_heredoc_multiple(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("COPY <<FILE1 <<FILE2 /dest/\none\nFILE1\ntwo\nFILE2\n");
  const stagegraph_instruction *ins = INS(doc, 0);
  EXPECT_HEREDOC_COUNT(ins, 2);
  EXPECT_HEREDOC(ins, 0, "FILE1", "one\n", 1, 0, 0);
  EXPECT_HEREDOC(ins, 1, "FILE2", "two\n", 1, 0, 0);
  EXPECT_ARGS(ins, "<<FILE1", "<<FILE2", "/dest/");
  EXPECT_LINES(ins, 1, 5);
  doc_free(doc);

  doc = PARSE("RUN <<A cat - <<B\n1\nA\n2\nB\nCMD x\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_HEREDOC(INS(doc, 0), 0, "A", "1\n", 1, 0, 0);
  EXPECT_HEREDOC(INS(doc, 0), 1, "B", "2\n", 1, 0, 0);
  doc_free(doc);
}

/* a.6: `<<` followed by blanks is glued to the next word, but not after
 * `<<-`; `<< -EOF` names a heredoc `-EOF`. */
static void test_heredoc_glue(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("RUN <<  EOF\nx\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 0, 0);
  doc_free(doc);
  doc = ONE("RUN <<\tEOF\nx\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 0, 0);
  doc_free(doc);
  doc = ONE("RUN << -EOF\nx\n-EOF\n");
  EXPECT_HEREDOC_COUNT(INS(doc, 0), 1);
  EXPECT_HEREDOC(INS(doc, 0), 0, "-EOF", "x\n", 1, 0, 0);
  doc_free(doc);

  /* `RUN <<- EOF` is not a heredoc: the body lines are instructions */
  doc = PARSE("RUN <<- EOF\necho hi\nEOF\n");
  EXPECT_COUNT(doc, 3);
  EXPECT_HEREDOC_COUNT(INS(doc, 0), 0);
  EXPECT_KEYWORD(INS(doc, 1), STAGEGRAPH_KIND_UNKNOWN, "echo");
  EXPECT_KEYWORD(INS(doc, 2), STAGEGRAPH_KIND_UNKNOWN, "EOF");
  EXPECT_DOC_DUMP(doc, "(run \"<<- EOF\")\n(echo \"\")\n(eof \"\")\n");
  doc_free(doc);
}

/* a.6: words that are not markers, and instructions that take none. */
static void test_heredoc_not_markers(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t n;
  } cases[] = {
      {L("RUN a<<EOF\nEOF\n")},           /* text before << */
      {L("RUN <<<EOF\nEOF\n")},           /* `<` in the remainder */
      {L("RUN <<\nEOF\n")},               /* empty remainder */
      {L("RUN <<-\nEOF\n")},              /* empty remainder */
      {L("RUN echo \"<<EOF\"\nEOF\n")},   /* quoted word */
      {L("RUN echo '<<EOF'\nEOF\n")},     /* quoted word */
      {L("RUN [\"<<EOF\"]\nEOF\n")},      /* JSON form */
      {L("COPY [\"<<EOF\", \"/x\"]\nEOF\n")},
      {L("USER <<EOF\nEOF\n")},           /* not RUN/COPY/ADD */
      {L("CMD <<EOF\nEOF\n")},
      {L("ENTRYPOINT <<EOF\nEOF\n")},
      {L("ONBUILD USER <<EOF\nEOF\n")},
      {L("ONBUILD RUN [\"<<EOF\"]\nEOF\n")},
      {L("RUN <<EOF 'x\nEOF\n")},         /* the line cannot be lexed */
      {L("RUN <<'e'o\\'f'\neo'f\n")},     /* unbalanced quote: cannot be lexed */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    stagegraph_doc *doc = PARSE_N(cases[i].s, cases[i].n);
    if (stagegraph_doc_instruction_count(doc) != 2 ||
        stagegraph_instruction_heredoc_count(INS(doc, 0)) != 0) {
      print_error("case %zu: %zu instructions, %zu heredocs; want 2 and 0\n", i,
                  stagegraph_doc_instruction_count(doc),
                  stagegraph_instruction_heredoc_count(INS(doc, 0)));
      show("input", cases[i].s, cases[i].n);
      doc_free(doc);
      fail();
    }
    doc_free(doc);
  }
}

/* a.6: `<<EOF>file` names the heredoc `EOF>file`. */
static void test_heredoc_redirect_name(void **state) {
  (void)state;
  EXPECT_ERROR("FROM a\nRUN <<EOF>file\nhello\nEOF\n", STAGEGRAPH_ESYNTAX, "unterminated heredoc");
  stagegraph_doc *doc = ONE("RUN <<EOF>file\nhello\nEOF\nEOF>file\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF>file", "hello\nEOF\n", 1, 0, 0);
  doc_free(doc);
}

/* a.6 name and expand: quotes removed; expand is false when any part was
 * quoted; backslash escaping alone keeps expand true. */
static void test_heredoc_quoting(void **state) {
  (void)state;
  static const struct {
    const char *src;
    const char *name;
    int expand;
  } cases[] = {
      {"RUN <<\"EOF\"\nx\nEOF\n", "EOF", 0},
      {"RUN <<'EOF'\nx\nEOF\n", "EOF", 0},
      {"RUN <<E\\OF\nx\nEOF\n", "EOF", 1},
      {"RUN <<eo'f'\nx\neof\n", "eof", 0},
      {"RUN <<'e'o\\'f\nx\neo'f\n", "eo'f", 0},
      {"RUN <<eo\\'f\nx\neo'f\n", "eo'f", 1},
      {"RUN <<'one two'\nx\none two\n", "one two", 0},
      {"RUN <<\"E\"OF\nx\nEOF\n", "EOF", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    stagegraph_doc *doc = PARSE_N(cases[i].src, strlen(cases[i].src));
    EXPECT_COUNT(doc, 1);
    const stagegraph_instruction *ins = INS(doc, 0);
    EXPECT_HEREDOC_COUNT(ins, 1);
    heredoc_at(__FILE__, __LINE__, ins, 0, cases[i].name, "x\n", 2, cases[i].expand, 0, 0);
    doc_free(doc);
  }

  /* the heredoc lexer always uses `\`, whatever the escape directive says */
  stagegraph_doc *doc = ONE("# escape=`\nRUN <<E\\OF\nx\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 0, 0);
  doc_free(doc);
}

/* a.6 chomp: `<<-` strips leading tabs from the terminator line only; the
 * content keeps them. Without `-` a tab-indented terminator is content. */
static void test_heredoc_chomp_and_terminator(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("RUN <<-EOF\n\techo hi\n\t\tEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "\techo hi\n", 1, 1, 0);
  EXPECT_LINES(INS(doc, 0), 1, 3);
  doc_free(doc);
  doc = ONE("RUN <<-\"EOF\"\n\tx\n\tEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "\tx\n", 0, 1, 0);
  doc_free(doc);

  doc = ONE("RUN <<EOF\n\tEOF\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "\tEOF\n", 1, 0, 0);
  doc_free(doc);
  /* only CR/LF are stripped before comparing */
  doc = ONE("RUN <<EOF\nEOF \n EOF\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "EOF \n EOF\n", 1, 0, 0);
  doc_free(doc);
  doc = ONE("RUN <<-EOF\n  EOF\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "  EOF\n", 1, 1, 0);
  doc_free(doc);
  /* the terminator may be the last line without a newline */
  doc = ONE("RUN <<EOF\nx\nEOF");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 0, 0);
  doc_free(doc);
  /* an empty body */
  doc = ONE("RUN <<EOF\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "", 1, 0, 0);
  doc_free(doc);
}

/* a.6 file descriptor digits. */
static void test_heredoc_fd(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("RUN 3<<EOF\nx\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 0, 3);
  doc_free(doc);
  doc = ONE("RUN cat 10<<-EOF\nx\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 1, 10);
  doc_free(doc);
}

/* a.6 body: verbatim, terminators and CRs included; no comment,
 * continuation or directive processing. */
static void test_heredoc_body_verbatim(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("RUN <<EOF\r\na\r\nb\r\nEOF\r\nCMD x\r\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "a\r\nb\r\n", 1, 0, 0);
  doc_free(doc);

  doc = ONE("RUN <<EOF\n# not a comment\n\nFROM x\nline \\\n  # escape=`\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "# not a comment\n\nFROM x\nline \\\n  # escape=`\n", 1,
                 0, 0);
  EXPECT_LINES(INS(doc, 0), 1, 7);
  assert_int_equal(stagegraph_doc_escape(doc), '\\');
  assert_int_equal(count_empty_continuation(doc), 0);
  doc_free(doc);
}

/* a.6: end of file before the terminator. */
static void test_heredoc_unterminated(void **state) {
  (void)state;
  EXPECT_ERROR_LINE("FROM a\nRUN <<EOF\nx\n", STAGEGRAPH_ESYNTAX, "unterminated heredoc", 2);
  EXPECT_ERROR("RUN <<EOF", STAGEGRAPH_ESYNTAX, "unterminated heredoc");
  EXPECT_ERROR("RUN <<EOF\nx", STAGEGRAPH_ESYNTAX, "unterminated heredoc");
  EXPECT_ERROR("COPY <<A <<B /\n1\nA\n2\n", STAGEGRAPH_ESYNTAX, "unterminated heredoc");
}

/* a.6: detection runs on the joined logical line; the body starts after it. */
static void test_heredoc_in_continued_line(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("RUN cat <<EOF \\\n  > /x\nhello\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "hello\n", 1, 0, 0);
  EXPECT_ARGS(INS(doc, 0), "cat <<EOF   > /x");
  EXPECT_LINES(INS(doc, 0), 1, 4);
  doc_free(doc);
}

/* a.6: ONBUILD whose trigger is RUN, COPY or ADD takes heredocs. */
static void test_heredoc_onbuild(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("ONBUILD RUN <<EOF\nx\nEOF\n");
  const stagegraph_instruction *ins = INS(doc, 0);
  EXPECT_KEYWORD(ins, STAGEGRAPH_KIND_ONBUILD, "ONBUILD");
  EXPECT_HEREDOC_COUNT(ins, 1);
  EXPECT_HEREDOC(ins, 0, "EOF", "x\n", 1, 0, 0);
  EXPECT_LINES(ins, 1, 3);
  EXPECT_DOC_DUMP(doc, "(onbuild (run \"<<EOF\"))\n");
  doc_free(doc);
  doc = ONE("ONBUILD COPY <<EOF /x\nx\nEOF\n");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 0, 0);
  doc_free(doc);
}

/* ---- a.7 keyword and flags --------------------------------------------------- */

/* a.7: the keyword as written; the dump lowercases it. */
static void test_keyword_as_written(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("copy a b\nCopy a b\ncOpY a b\nFROM x\n");
  EXPECT_COUNT(doc, 4);
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_COPY, "copy");
  EXPECT_KEYWORD(INS(doc, 1), STAGEGRAPH_KIND_COPY, "Copy");
  EXPECT_KEYWORD(INS(doc, 2), STAGEGRAPH_KIND_COPY, "cOpY");
  EXPECT_DOC_DUMP(doc, "(copy \"a\" \"b\")\n(copy \"a\" \"b\")\n(copy \"a\" \"b\")\n(from \"x\")\n");
  for (size_t i = 0; i < 4; i++) assert_int_equal(stagegraph_instruction_index(INS(doc, i)), i);
  doc_free(doc);

  /* tabs and other blanks separate the keyword */
  doc = ONE("COPY\t\ta\v b\n");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_COPY, "COPY");
  EXPECT_ARGS(INS(doc, 0), "a", "b");
  doc_free(doc);

  /* leading Unicode whitespace is stripped (a.2 step 2) */
  doc = ONE("\xC2\xA0\xE2\x80\x83"
            "FROM a\n");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_FROM, "FROM");
  assert_int_equal(stagegraph_instruction_start_offset(INS(doc, 0)), 5);
  doc_free(doc);
}

/* dump: "The keyword, lowercased with Unicode lowercasing"; a.7: keywords
 * are lowercased for lookup (strings.ToLower in P/parser.go), so the
 * Kelvin sign (U+212A, lowercase `k`) spells WORKDIR. */
static void test_keyword_unicode_lowercase(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("FR\xC3\x96M a\n");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_UNKNOWN, "FR\xC3\x96M");
  EXPECT_DOC_DUMP(doc, "(fr\xC3\xB6m \"\")\n");
  doc_free(doc);
}

static void test_keyword_unicode_lookup(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("WOR\xE2\x84\xAA"
            "DIR /x y\n");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_WORKDIR, "WOR\xE2\x84\xAA"
                                                       "DIR");
  EXPECT_ARGS(INS(doc, 0), "/x y");
  EXPECT_DOC_DUMP(doc, "(workdir \"/x y\")\n");
  doc_free(doc);
}

static void test_kind_names(void **state) {
  (void)state;
  static const struct {
    stagegraph_kind kind;
    const char *name;
  } kinds[] = {
      {STAGEGRAPH_KIND_UNKNOWN, ""},        {STAGEGRAPH_KIND_ADD, "ADD"},
      {STAGEGRAPH_KIND_ARG, "ARG"},         {STAGEGRAPH_KIND_CMD, "CMD"},
      {STAGEGRAPH_KIND_COPY, "COPY"},       {STAGEGRAPH_KIND_ENTRYPOINT, "ENTRYPOINT"},
      {STAGEGRAPH_KIND_ENV, "ENV"},         {STAGEGRAPH_KIND_EXPOSE, "EXPOSE"},
      {STAGEGRAPH_KIND_FROM, "FROM"},       {STAGEGRAPH_KIND_HEALTHCHECK, "HEALTHCHECK"},
      {STAGEGRAPH_KIND_LABEL, "LABEL"},     {STAGEGRAPH_KIND_MAINTAINER, "MAINTAINER"},
      {STAGEGRAPH_KIND_ONBUILD, "ONBUILD"}, {STAGEGRAPH_KIND_RUN, "RUN"},
      {STAGEGRAPH_KIND_SHELL, "SHELL"},     {STAGEGRAPH_KIND_STOPSIGNAL, "STOPSIGNAL"},
      {STAGEGRAPH_KIND_USER, "USER"},       {STAGEGRAPH_KIND_VOLUME, "VOLUME"},
      {STAGEGRAPH_KIND_WORKDIR, "WORKDIR"},
  };
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    assert_string_equal(stagegraph_kind_name(kinds[i].kind), kinds[i].name);
    if (kinds[i].kind == STAGEGRAPH_KIND_UNKNOWN) continue;
    /* each keyword, in lower case, parses to its kind */
    char src[64];
    size_t n = (size_t)snprintf(src, sizeof src, "%s x y\n", kinds[i].name);
    for (size_t k = 0; k < n; k++)
      if (src[k] >= 'A' && src[k] <= 'Z') src[k] = (char)(src[k] + 32);
    stagegraph_doc *doc = PARSE_N(src, n);
    assert_int_equal(stagegraph_instruction_kind(INS(doc, 0)), kinds[i].kind);
    doc_free(doc);
  }
}

/* a.7 flags: `--` words at the start, quotes removed, escapes applied. */
static void test_flags_basic(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("COPY --from=build --chown=a:b src dst\n");
  EXPECT_FLAGS(INS(doc, 0), "--from=build", "--chown=a:b");
  EXPECT_ARGS(INS(doc, 0), "src", "dst");
  EXPECT_DOC_DUMP(doc, "(copy [\"--from=build\" \"--chown=a:b\"] \"src\" \"dst\")\n");
  doc_free(doc);

  doc = ONE("COPY --chown=\"a b\" --x='c d' --e=\"\" --f=g\"h i\"j s d\n");
  EXPECT_FLAGS(INS(doc, 0), "--chown=a b", "--x=c d", "--e=", "--f=gh ij");
  EXPECT_ARGS(INS(doc, 0), "s", "d");
  doc_free(doc);

  doc = ONE("COPY --x=a\\ b --y=\\\"q\\\" --z=\"a\\\"b\" s d\n");
  EXPECT_FLAGS(INS(doc, 0), "--x=a b", "--y=\"q\"", "--z=a\"b");
  EXPECT_ARGS(INS(doc, 0), "s", "d");
  EXPECT_DOC_DUMP(doc, "(copy [\"--x=a b\" \"--y=\\\"q\\\"\" \"--z=a\\\"b\"] \"s\" \"d\")\n");
  doc_free(doc);

  doc = ONE("COPY\t--a=1\t--b=2\tx\ty\n");
  EXPECT_FLAGS(INS(doc, 0), "--a=1", "--b=2");
  EXPECT_ARGS(INS(doc, 0), "x", "y");
  doc_free(doc);

  /* an unterminated quote runs to the end */
  doc = ONE("COPY --x=\"a b\n");
  EXPECT_FLAGS(INS(doc, 0), "--x=a b");
  EXPECT_NO_ARGS(INS(doc, 0));
  doc_free(doc);

  /* a tab inside a quoted flag; the dump quotes it */
  doc = ONE("COPY --x=\"a\tb\" s d\n");
  EXPECT_DOC_DUMP(doc, "(copy [\"--x=a\\tb\"] \"s\" \"d\")\n");
  doc_free(doc);
}

/* a.7: `--` ends the flags and is dropped. */
static void test_flags_dashdash(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("RUN -- --help\n");
  EXPECT_NO_FLAGS(INS(doc, 0));
  EXPECT_ARGS(INS(doc, 0), "--help");
  EXPECT_DOC_DUMP(doc, "(run \"--help\")\n");
  doc_free(doc);
  doc = ONE("RUN --network=none -- --x  y\n");
  EXPECT_FLAGS(INS(doc, 0), "--network=none");
  EXPECT_ARGS(INS(doc, 0), "--x  y");
  doc_free(doc);
  doc = ONE("COPY --link --\n");
  EXPECT_FLAGS(INS(doc, 0), "--link");
  EXPECT_NO_ARGS(INS(doc, 0));
  EXPECT_DOC_DUMP(doc, "(copy [\"--link\"])\n");
  doc_free(doc);
}

/* a.7: the first word not starting with `--` ends flag scanning. */
static void test_flags_first_non_flag_ends(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("COPY a --from=x b\n");
  EXPECT_NO_FLAGS(INS(doc, 0));
  EXPECT_ARGS(INS(doc, 0), "a", "--from=x", "b");
  doc_free(doc);
  doc = ONE("RUN -x --y\n");
  EXPECT_NO_FLAGS(INS(doc, 0));
  EXPECT_ARGS(INS(doc, 0), "-x --y");
  doc_free(doc);
  doc = ONE("RUN --mount=type=cache,target=/c echo --not-a-flag\n");
  EXPECT_FLAGS(INS(doc, 0), "--mount=type=cache,target=/c");
  EXPECT_ARGS(INS(doc, 0), "echo --not-a-flag");
  doc_free(doc);
  /* flags only */
  doc = ONE("COPY --from=x\n");
  EXPECT_FLAGS(INS(doc, 0), "--from=x");
  EXPECT_NO_ARGS(INS(doc, 0));
  doc_free(doc);
  /* an unknown instruction keeps its flags and gets one empty argument */
  doc = ONE("FOO --x a\n");
  EXPECT_FLAGS(INS(doc, 0), "--x");
  EXPECT_ARGS(INS(doc, 0), "");
  EXPECT_DOC_DUMP(doc, "(foo [\"--x\"] \"\")\n");
  doc_free(doc);
}

/* a.7: an escape at the very end of a flag is dropped. Three escapes end
 * a line (a.4), so `--x=a\\\` reaches the flag parser as is. */
static void test_flags_escape_at_end(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("COPY --x=a\\\\\\\n");
  EXPECT_FLAGS(INS(doc, 0), "--x=a\\");
  EXPECT_NO_ARGS(INS(doc, 0));
  doc_free(doc);
  doc = ONE("COPY --x=\"a\\\\\\\n");
  EXPECT_FLAGS(INS(doc, 0), "--x=a\\");
  doc_free(doc);
}

/* a.7 byte-wise quirk: non-ASCII bytes in flags are re-encoded as Latin-1. */
static void test_flags_latin1(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("COPY --chown=\xC3\xBC a \xC3\xBC\n");
  EXPECT_FLAGS(INS(doc, 0), "--chown=\xC3\x83\xC2\xBC");
  EXPECT_ARGS(INS(doc, 0), "a", "\xC3\xBC");
  EXPECT_DOC_DUMP(doc, "(copy [\"--chown=\xC3\x83\xC2\xBC\"] \"a\" \"\xC3\xBC\")\n");
  doc_free(doc);
}

/* a.7 flags then JSON arguments. */
static void test_flags_then_json(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("RUN --network=none [\"a\", \"b\"]\n");
  EXPECT_FLAGS(INS(doc, 0), "--network=none");
  EXPECT_ARGS(INS(doc, 0), "a", "b");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 1);
  doc_free(doc);
  EXPECT_DUMP("CMD --x []\n", "(cmd [\"--x\"])\n");
}

/* P/split_command.go extractBuilderFlags tests for '\\' itself, not for the
 * escape token, so flag words use `\` even under `# escape=\``, and a
 * backtick is literal there. (a.7 only says "the escape character".) */
static void test_flags_backslash_under_backtick_escape(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("# escape=`\nCOPY --x=a\\b --y=c`d s t\n");
  EXPECT_COUNT(doc, 1);
  EXPECT_FLAGS(INS(doc, 0), "--x=ab", "--y=c`d");
  EXPECT_ARGS(INS(doc, 0), "s", "t");
  doc_free(doc);
}

/* ---- a.8 argument parsers -------------------------------------------------- */

/* a.8: ADD, COPY, VOLUME, FROM, EXPOSE split on [\t\v\f\r ]+ with no quote
 * handling; NBSP does not split. */
static void test_parse_whitespace_lists(void **state) {
  (void)state;
  EXPECT_ONE_ARGS("COPY \"a b\" /x\n", "\"a", "b\"", "/x");
  EXPECT_ONE_ARGS("ADD a\t b\v\fc\rd\n", "a", "b", "c", "d");
  EXPECT_ONE_ARGS("VOLUME /a /b\n", "/a", "/b");
  EXPECT_ONE_ARGS("EXPOSE 80 443/udp\n", "80", "443/udp");
  EXPECT_ONE_ARGS("FROM a AS b\n", "a", "AS", "b");
  EXPECT_ONE_ARGS("FROM   a  \n", "a");
  EXPECT_ONE_ARGS("COPY a\\ b c\n", "a\\", "b", "c");
  EXPECT_ONE_ARGS("FROM [\"a\"]\n", "[\"a\"]");
  EXPECT_ONE_ARGS("EXPOSE [\"80\"]\n", "[\"80\"]");
  stagegraph_doc *doc = ONE("FROM a\xC2\xA0"
                            "b\n");
  EXPECT_ARGS(INS(doc, 0), "a\xC2\xA0"
                           "b");
  EXPECT_DOC_DUMP(doc, "(from \"a\\u00a0b\")\n");
  doc_free(doc);
  doc = ONE("VOLUME [\"/a b\"]\n");
  EXPECT_ARGS(INS(doc, 0), "/a b");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 1);
  doc_free(doc);
  doc = ONE("COPY a b\n");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 0);
  doc_free(doc);
}

/* a.8: RUN, CMD, ENTRYPOINT, SHELL: JSON array, else the whole rest. */
static void test_parse_json_or_string(void **state) {
  (void)state;
  EXPECT_ONE_ARGS("RUN   echo   a   \n", "echo   a");
  EXPECT_ONE_ARGS("CMD echo \"a b\" 'c'\n", "echo \"a b\" 'c'");
  EXPECT_ONE_ARGS("SHELL pwsh -c\n", "pwsh -c");
  static const char *const json[] = {"ENTRYPOINT [\"/bin/sh\", \"-c\"]\n",
                                     "SHELL [\"/bin/sh\", \"-c\"]\n", "RUN [\"/bin/sh\", \"-c\"]\n",
                                     "CMD [\"/bin/sh\", \"-c\"]\n"};
  for (size_t i = 0; i < 4; i++) {
    stagegraph_doc *doc = PARSE_N(json[i], strlen(json[i]));
    EXPECT_ARGS(INS(doc, 0), "/bin/sh", "-c");
    assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 1);
    doc_free(doc);
  }
  /* JSON and shell form can dump identically */
  EXPECT_DUMP("RUN [\"echo hi\"]\nRUN echo hi\n", "(run \"echo hi\")\n(run \"echo hi\")\n");
}

/* a.8 "Empty arguments": every parser yields zero arguments. */
static void test_parse_empty_rest(void **state) {
  (void)state;
  EXPECT_DUMP("RUN\nCMD\nENTRYPOINT\nSHELL\nCOPY\nADD\nVOLUME\nFROM\nEXPOSE\nENV\nLABEL\nARG\n"
              "HEALTHCHECK\nMAINTAINER\nUSER\nWORKDIR\nSTOPSIGNAL\nONBUILD\nRUN   \t\n",
              "(run)\n(cmd)\n(entrypoint)\n(shell)\n(copy)\n(add)\n(volume)\n(from)\n(expose)\n"
              "(env)\n(label)\n(arg)\n(healthcheck)\n(maintainer)\n(user)\n(workdir)\n"
              "(stopsignal)\n(onbuild)\n(run)\n");
  stagegraph_doc *doc = ONE("ONBUILD\n");
  assert_null(stagegraph_instruction_trigger(INS(doc, 0)));
  EXPECT_NO_ARGS(INS(doc, 0));
  doc_free(doc);
}

/* a.8 name/value parser, new form: key, value, "=" triples; quotes and
 * escapes stay in the text. */
static void test_parse_env_new_form(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("ENV a=1 b=\"x y\" c='p q' d=e\\ f\n");
  EXPECT_ARGS(INS(doc, 0), "a", "1", "=", "b", "\"x y\"", "=", "c", "'p q'", "=", "d", "e\\ f",
              "=");
  EXPECT_DOC_DUMP(doc, "(env \"a\" \"1\" \"=\" \"b\" \"\\\"x y\\\"\" \"=\" \"c\" \"'p q'\" \"=\" "
                       "\"d\" \"e\\\\ f\" \"=\")\n");
  doc_free(doc);
  EXPECT_ONE_ARGS("ENV a==b\n", "a", "=b", "=");
  EXPECT_ONE_ARGS("ENV a=\n", "a", "", "=");
  EXPECT_ONE_ARGS("ENV =x\n", "", "x", "=");
  EXPECT_ONE_ARGS("ENV a=\"b c\"d e=f\n", "a", "\"b c\"d", "=", "e", "f", "=");
  /* inside "..." the escape escapes the next character (kept); inside '...'
   * it is literal */
  EXPECT_ONE_ARGS("ENV a=\"x\\\"y\" b='x\\' c=d\n", "a", "\"x\\\"y\"", "=", "b", "'x\\'", "=", "c",
                  "d", "=");
  /* Unicode whitespace (NBSP) separates words */
  EXPECT_ONE_ARGS("ENV a=1\xC2\xA0"
                  "b=2\n",
                  "a", "1", "=", "b", "2", "=");
  EXPECT_ONE_ARGS("LABEL \"a b\"=c org.x=1\n", "\"a b\"", "c", "=", "org.x", "1", "=");
}

/* a.8 legacy form: the rest split once at the first whitespace run. */
static void test_parse_env_legacy_form(void **state) {
  (void)state;
  EXPECT_ONE_ARGS("ENV a b=c d\n", "a", "b=c d", "");
  EXPECT_ONE_ARGS("ENV a = b\n", "a", "= b", "");
  EXPECT_ONE_ARGS("ENV a\t  b  c \n", "a", "b  c", "");
  EXPECT_ONE_ARGS("ENV a \"b c\"\n", "a", "\"b c\"", "");
  EXPECT_ONE_ARGS("LABEL a b c\n", "a", "b c", "");
  EXPECT_DUMP("LABEL org.example.team platform tools\n",
              "(label \"org.example.team\" \"platform tools\" \"\")\n");
  /* the split uses BuildKit's whitespace class [\t\v\f\r ]: an NBSP ends
   * the first word but not the legacy split (P/line_parsers.go parseNameVal
   * uses reWhitespace) */
  EXPECT_ONE_ARGS("ENV a\xC2\xA0"
                  "b c\n",
                  "a\xC2\xA0"
                  "b",
                  "c", "");
}

/* a.8 name/value errors. */
static void test_parse_env_errors(void **state) {
  (void)state;
  EXPECT_ERROR_LINE("FROM a\nENV PATH\n", STAGEGRAPH_ESYNTAX, "ENV must have two arguments", 2);
  EXPECT_ERROR("LABEL x\n", STAGEGRAPH_ESYNTAX, "LABEL must have two arguments");
  EXPECT_ERROR("ENV a\xC2\xA0"
               "b\n",
               STAGEGRAPH_ESYNTAX, "ENV must have two arguments");
  EXPECT_ERROR("ENV a=1 x\n", STAGEGRAPH_ESYNTAX,
               "Syntax error - can't find = in \"x\". Must be of the form: name=value");
  EXPECT_ERROR("LABEL a=1 \"q\"\n", STAGEGRAPH_ESYNTAX,
               "Syntax error - can't find = in \"\\\"q\\\"\". Must be of the form: name=value");
  EXPECT_ERROR("ENV a=1 b c=2\n", STAGEGRAPH_ESYNTAX,
               "Syntax error - can't find = in \"b\". Must be of the form: name=value");
}

/* a.8: the name/value word splitter honours the escape directive. */
static void test_parse_env_backtick(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("# escape=`\nENV a=x` y b=\"q`\"r\" c=d\\e\n");
  EXPECT_ARGS(INS(doc, 0), "a", "x` y", "=", "b", "\"q`\"r\"", "=", "c", "d\\e", "=");
  doc_free(doc);
}

/* a.8 ARG: the quote-aware word list, quotes kept. */
static void test_parse_arg(void **state) {
  (void)state;
  EXPECT_ONE_ARGS("ARG a=\"x y\" b c='d' e=f\\ g\n", "a=\"x y\"", "b", "c='d'", "e=f\\ g");
  EXPECT_DUMP("ARG abc=\"123 456\" def\n", "(arg \"abc=\\\"123 456\\\"\" \"def\")\n");
  stagegraph_doc *doc = ONE("ARG --x=1 a\n");
  EXPECT_FLAGS(INS(doc, 0), "--x=1");
  EXPECT_ARGS(INS(doc, 0), "a");
  doc_free(doc);
  /* an empty quoted word is kept */
  EXPECT_ONE_ARGS("ARG '' b\n", "''", "b");
}

/* a.8 HEALTHCHECK: type word, then JSON or the rest as one string. */
static void test_parse_healthcheck(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("HEALTHCHECK CMD [\"a\", \"b\"]\n");
  EXPECT_ARGS(INS(doc, 0), "CMD", "a", "b");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 1);
  doc_free(doc);
  doc = ONE("HEALTHCHECK CMD echo  hi\n");
  EXPECT_ARGS(INS(doc, 0), "CMD", "echo  hi");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 0);
  doc_free(doc);
  doc = ONE("HEALTHCHECK CMD []\n");
  EXPECT_ARGS(INS(doc, 0), "CMD");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 1);
  doc_free(doc);
  doc = ONE("HEALTHCHECK --interval=5s --retries=3 cmd\t\t x  y\n");
  EXPECT_FLAGS(INS(doc, 0), "--interval=5s", "--retries=3");
  EXPECT_ARGS(INS(doc, 0), "cmd", "x  y");
  doc_free(doc);
  EXPECT_DUMP("HEALTHCHECK\nHEALTHCHECK NONE\nHEALTHCHECK CMD\nHEALTHCHECK CONNECT x\n",
              "(healthcheck)\n(healthcheck \"NONE\")\n(healthcheck \"CMD\")\n"
              "(healthcheck \"CONNECT\" \"x\")\n");
  EXPECT_DUMP("HEALTHCHECK --interval=30s CMD [\"/out/app\", \"-ping\"]\n",
              "(healthcheck [\"--interval=30s\"] \"CMD\" \"/out/app\" \"-ping\")\n");
  EXPECT_ERROR("HEALTHCHECK CMD [1]\n", STAGEGRAPH_ESYNTAX,
               "when using JSON array syntax, arrays must be comprised of strings only");
}

/* a.8: MAINTAINER, USER, WORKDIR, STOPSIGNAL take the whole rest. */
static void test_parse_whole_rest(void **state) {
  (void)state;
  EXPECT_ONE_ARGS("USER a b\n", "a b");
  EXPECT_ONE_ARGS("WORKDIR /a b  c\n", "/a b  c");
  EXPECT_ONE_ARGS("STOPSIGNAL SIG TERM\n", "SIG TERM");
  EXPECT_ONE_ARGS("MAINTAINER John \"Doe\" <j@x>\n", "John \"Doe\" <j@x>");
  /* no JSON for these: no error, no decoding */
  stagegraph_doc *doc = ONE("USER [1]\n");
  EXPECT_ARGS(INS(doc, 0), "[1]");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 0);
  doc_free(doc);
  EXPECT_ONE_ARGS("WORKDIR [\"/a\"]\n", "[\"/a\"]");
}

/* a.8 ONBUILD: the rest is an instruction of its own, nested. */
static void test_parse_onbuild(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("ONBUILD RUN echo hi\n");
  const stagegraph_instruction *ins = INS(doc, 0);
  EXPECT_KEYWORD(ins, STAGEGRAPH_KIND_ONBUILD, "ONBUILD");
  EXPECT_NO_ARGS(ins);
  const stagegraph_instruction *t = stagegraph_instruction_trigger(ins);
  assert_non_null(t);
  EXPECT_KEYWORD(t, STAGEGRAPH_KIND_RUN, "RUN");
  EXPECT_ARGS(t, "echo hi");
  assert_null(stagegraph_instruction_trigger(t));
  EXPECT_DOC_DUMP(doc, "(onbuild (run \"echo hi\"))\n");
  doc_free(doc);

  doc = ONE("ONBUILD ONBUILD RUN x\n");
  t = stagegraph_instruction_trigger(INS(doc, 0));
  assert_non_null(t);
  EXPECT_KEYWORD(t, STAGEGRAPH_KIND_ONBUILD, "ONBUILD");
  t = stagegraph_instruction_trigger(t);
  assert_non_null(t);
  EXPECT_KEYWORD(t, STAGEGRAPH_KIND_RUN, "RUN");
  EXPECT_DOC_DUMP(doc, "(onbuild (onbuild (run \"x\")))\n");
  doc_free(doc);

  /* the trigger has its own flags; ONBUILD's own flags come first */
  doc = ONE("ONBUILD COPY --from=b a c\n");
  EXPECT_NO_FLAGS(INS(doc, 0));
  EXPECT_FLAGS(stagegraph_instruction_trigger(INS(doc, 0)), "--from=b");
  doc_free(doc);
  doc = ONE("ONBUILD --x RUN y\n");
  EXPECT_FLAGS(INS(doc, 0), "--x");
  EXPECT_NO_FLAGS(stagegraph_instruction_trigger(INS(doc, 0)));
  doc_free(doc);
  EXPECT_DUMP("ONBUILD COPY --from=b a c\nONBUILD --x RUN y\nonbuild run x\nONBUILD ONBUILD\n"
              "ONBUILD FOO bar\nONBUILD RUN [\"a\"]\n",
              "(onbuild (copy [\"--from=b\"] \"a\" \"c\"))\n(onbuild [\"--x\"] (run \"y\"))\n"
              "(onbuild (run \"x\"))\n(onbuild (onbuild))\n(onbuild (foo \"\"))\n"
              "(onbuild (run \"a\"))\n");

  doc = ONE("onbuild run [\"a\"]\n");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_ONBUILD, "onbuild");
  t = stagegraph_instruction_trigger(INS(doc, 0));
  EXPECT_KEYWORD(t, STAGEGRAPH_KIND_RUN, "run");
  assert_int_equal(stagegraph_instruction_is_json(t), 1);
  doc_free(doc);

  /* the trigger's parse errors fail the parse */
  EXPECT_ERROR("ONBUILD CMD [1]\n", STAGEGRAPH_ESYNTAX,
               "when using JSON array syntax, arrays must be comprised of strings only");
  EXPECT_ERROR("ONBUILD ENV PATH\n", STAGEGRAPH_ESYNTAX, "ENV must have two arguments");
}

/* a.8: an unknown keyword is accepted with one empty argument. */
static void test_parse_unknown(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("FROBNICATE a b\n");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_UNKNOWN, "FROBNICATE");
  EXPECT_ARGS(INS(doc, 0), "");
  EXPECT_DOC_DUMP(doc, "(frobnicate \"\")\n");
  doc_free(doc);
  EXPECT_DUMP("FROBNICATE\tnow\n", "(frobnicate \"\")\n");
  EXPECT_DUMP("FROBNICATE\n", "(frobnicate \"\")\n");
}

/* a.8 "Unknown instructions": `unknown instruction: <as written>`, with a
 * suggestion within Levenshtein distance 2, cased like the input; wrapped
 * as `dockerfile parse error on line N: ...`. */
static void test_unknown_instruction_verdict(void **state) {
  (void)state;
  EXPECT_VERDICT("FROM a\nFROBNICATE x\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: unknown instruction: FROBNICATE");
  EXPECT_VERDICT("FROM a\nFORM b\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: unknown instruction: FORM (did you mean FROM?)");
  EXPECT_VERDICT("FROM a\nrunn b\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: unknown instruction: runn (did you mean run?)");
  EXPECT_VERDICT("FROM a\nCopyy b c\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: unknown instruction: Copyy (did you mean copy?)");
  EXPECT_VERDICT("FROM a\nRUN x\n", 0, NULL);
}

/* a.8 instruction-level checks of the name/value and ARG parsers. */
static void test_name_value_instruction_checks(void **state) {
  (void)state;
  EXPECT_VERDICT("FROM a\nENV =x\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: ENV names can not be blank");
  EXPECT_VERDICT("FROM a\nLABEL =x\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: LABEL names can not be blank");
  EXPECT_VERDICT("FROM a\nENV\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: ENV requires at least one argument");
  EXPECT_VERDICT("FROM a\nLABEL\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: LABEL requires at least one argument");
  EXPECT_VERDICT("FROM a\nARG =x\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: ARG names can not be blank");
  EXPECT_VERDICT("FROM a\nARG\n", STAGEGRAPH_EINSTRUCTION,
                 "dockerfile parse error on line 2: ARG requires at least one argument");
  EXPECT_VERDICT("FROM a\nENV a=1 b=2\nLABEL x y\nARG c d=1\n", 0, NULL);
}

/* ---- a.8 JSON ------------------------------------------------------------------ */

/* a.8: non-string elements are a hard error, with no fallback. */
static void test_json_non_strings(void **state) {
  (void)state;
  static const char *const cases[] = {
      "CMD [1]",         "CMD [\"a\", 1]",   "CMD [true]",
      "CMD [null]",      "CMD [{}]",         "CMD [[\"a\"]]",
      "CMD [\"a\", [\"b\"]]", "RUN [1.5e3]", "COPY [\"a\", 2]",
      "ADD [false]",     "VOLUME [{\"a\":\"b\"}]", "ENTRYPOINT [null]",
      "SHELL [0]",       "CMD [-0.5E-2]",    "CMD\t[ \"a\" , {\"k\" : [1, {}]} ]",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    EXPECT_ERROR_N(cases[i], strlen(cases[i]), STAGEGRAPH_ESYNTAX,
                   "when using JSON array syntax, arrays must be comprised of strings only");
  EXPECT_ERROR_LINE("FROM a\nCMD [\"a\", \\\n  1]\n", STAGEGRAPH_ESYNTAX,
                    "when using JSON array syntax, arrays must be comprised of strings only", 2);
}

/* a.8: any other decode failure falls back to the non-JSON parser. */
static void test_json_fallback(void **state) {
  (void)state;
  static const struct {
    const char *src, *arg;
  } cases[] = {
      {"CMD ['a']", "['a']"},
      {"CMD [\"a\",]", "[\"a\",]"},
      {"CMD [\"a\"] b", "[\"a\"] b"},
      {"CMD [\"a\"]]", "[\"a\"]]"},
      {"CMD [\"a\"", "[\"a\""},
      {"CMD [\"a]", "[\"a]"},
      {"CMD [01]", "[01]"},
      {"CMD [1] x", "[1] x"},
      {"CMD [\"a\", 1", "[\"a\", 1"},
      {"CMD [\"a\" \"b\"]", "[\"a\" \"b\"]"},
      {"CMD [\"a\",\v\"b\"]", "[\"a\",\v\"b\"]"},
      {"CMD [\"a\tb\"]", "[\"a\tb\"]"},
      {"CMD [\"\\x41\"]", "[\"\\x41\"]"},
      {"CMD [\"\\u12\"]", "[\"\\u12\"]"},
      {"CMD [\"\\U0041\"]", "[\"\\U0041\"]"},
      {"CMD [{\"a\":1,}]", "[{\"a\":1,}]"},
      {"CMD [tru]", "[tru]"},
      {"CMD [.5]", "[.5]"},
      {"CMD [+1]", "[+1]"},
      {"CMD [\"a\"],", "[\"a\"],"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    stagegraph_doc *doc = PARSE_N(cases[i].src, strlen(cases[i].src));
    args_at(__FILE__, __LINE__, INS(doc, 0), cases[i].arg, (const char *)NULL);
    assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 0);
    doc_free(doc);
  }
  /* list instructions fall back to the whitespace split */
  stagegraph_doc *doc = ONE("COPY [\"a b\", \"c\"] d\n");
  EXPECT_ARGS(INS(doc, 0), "[\"a", "b\",", "\"c\"]", "d");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 0);
  doc_free(doc);
  EXPECT_DUMP("CMD ['a']\n", "(cmd \"['a']\")\n");
}

/* a.8 accepted forms: whitespace around elements, [] gives zero arguments. */
static void test_json_valid_forms(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("CMD\t[ \"a\" ,\t\"b\" ]\n");
  EXPECT_ARGS(INS(doc, 0), "a", "b");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 1);
  doc_free(doc);
  static const char *const empty[] = {"CMD []", "CMD [ ]", "RUN []", "COPY []", "ENTRYPOINT []"};
  for (size_t i = 0; i < 5; i++) {
    doc = PARSE_N(empty[i], strlen(empty[i]));
    EXPECT_NO_ARGS(INS(doc, 0));
    assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 1);
    doc_free(doc);
  }
  EXPECT_DUMP("CMD []\n", "(cmd)\n");
  EXPECT_DUMP("CMD [\"\"]\n", "(cmd \"\")\n");
  EXPECT_DUMP("COPY [\"a b\", \"c\"]\n", "(copy \"a b\" \"c\")\n");
}

/* a.8 escapes: decoded, \u0000 kept (dumps as \x00), lone surrogates become
 * U+FFFD; the escape directive has no effect inside JSON. */
static void test_json_escapes(void **state) {
  (void)state;
  static const char src[] =
      "CMD [\"\\/\", \"\\\\\", \"\\\"\", \"\\b\\f\\n\\r\\t\", \"\\u00e9\", \"\\u00E9\", "
      "\"\\u0000\", \"\\ud800\", \"\\udc00\", \"\\ud83d\\ude00\", \"\\ud800\\u0041\", "
      "\"a\\u0000b\"]\n";
  stagegraph_doc *doc = ONE(src);
  const stagegraph_instruction *ins = INS(doc, 0);
  assert_int_equal(stagegraph_instruction_is_json(ins), 1);
  assert_int_equal(stagegraph_instruction_arg_count(ins), 12);
  static const struct {
    const char *s;
    size_t n;
  } want[] = {
      {L("/")},
      {L("\\")},
      {L("\"")},
      {L("\b\f\n\r\t")},
      {L("\xC3\xA9")},
      {L("\xC3\xA9")},
      {L("\0")},
      {L("\xEF\xBF\xBD")},
      {L("\xEF\xBF\xBD")},
      {L("\xF0\x9F\x98\x80")},
      {L("\xEF\xBF\xBD"
         "A")},
      {L("a\0b")},
  };
  for (size_t i = 0; i < 12; i++) {
    size_t len = 0;
    const char *got = stagegraph_instruction_arg(ins, i, &len);
    assert_non_null(got);
    compare_bytes_at(__FILE__, __LINE__, "JSON element", got, len, want[i].s, want[i].n);
  }
  EXPECT_DOC_DUMP(doc, "(cmd \"/\" \"\\\\\" \"\\\"\" \"\\b\\f\\n\\r\\t\" \"\xC3\xA9\" \"\xC3\xA9\" "
                       "\"\\x00\" \"\xEF\xBF\xBD\" \"\xEF\xBF\xBD\" \"\xF0\x9F\x98\x80\" "
                       "\"\xEF\xBF\xBD"
                       "A\" \"a\\x00b\")\n");
  doc_free(doc);

  /* Go's decoder turns invalid UTF-8 inside a string into U+FFFD */
  EXPECT_ONE_ARGS("CMD [\"a\xFF"
                  "b\"]\n",
                  "a\xEF\xBF\xBD"
                  "b");

  doc = ONE("# escape=`\nCMD [\"a\\\\b\", \"c`d\", \"e`\"\"]\n");
  EXPECT_ARGS(INS(doc, 0), "[\"a\\\\b\", \"c`d\", \"e`\"\"]");
  doc_free(doc);
  doc = ONE("# escape=`\nCMD [\"a\\\\b\", \"c`d\"]\n");
  EXPECT_ARGS(INS(doc, 0), "a\\b", "c`d");
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 1);
  doc_free(doc);
}

/* Go's JSON decoder allows 10000 levels of nesting; deeper is not JSON. */
static void test_json_depth_limit(void **state) {
  (void)state;
  sb b = {0};
  sb_puts(&b, "CMD ");
  sb_rep(&b, "[", 10000);
  sb_rep(&b, "]", 10000);
  EXPECT_ERROR_N(b.p, b.n, STAGEGRAPH_ESYNTAX,
                 "when using JSON array syntax, arrays must be comprised of strings only");
  sb_free(&b);

  sb_puts(&b, "CMD ");
  sb_rep(&b, "[", 10001);
  sb_rep(&b, "]", 10001);
  stagegraph_doc *doc = PARSE_N(b.p, b.n);
  size_t len = 0;
  const char *arg = stagegraph_instruction_arg(INS(doc, 0), 0, &len);
  assert_non_null(arg);
  compare_bytes_at(__FILE__, __LINE__, "argument", arg, len, b.p + 4, b.n - 4);
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 0);
  doc_free(doc);
  sb_free(&b);

  /* nested objects count the same way */
  sb_puts(&b, "CMD [");
  sb_rep(&b, "{\"a\":", 10000);
  sb_puts(&b, "1");
  sb_rep(&b, "}", 10000);
  sb_puts(&b, "]");
  doc = PARSE_N(b.p, b.n);
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 0);
  doc_free(doc);
  sb_free(&b);
}

/* ---- dump quoting ------------------------------------------------------------ */

/* dump: strconv.Quote rules. */
static void test_dump_quoting(void **state) {
  (void)state;
  EXPECT_DUMP("RUN a\"b\\c\td\n", "(run \"a\\\"b\\\\c\\td\")\n");
  EXPECT_DUMP("CMD [\"\\u0007\\u0008\\u000b\\u001b\\u007f\\u00a0\\u00ad\\u2028\\ufeff\\ue000"
              "\\u00e9\\ud83d\\ude00\\udb40\\udc01\\u0085\"]\n",
              "(cmd \"\\a\\b\\v\\x1b\\x7f\\u00a0\\u00ad\\u2028\\ufeff\\ue000\xC3\xA9\xF0\x9F\x98\x80"
              "\\U000e0001\\u0085\")\n");
  /* invalid UTF-8 as \xNN, printable UTF-8 raw */
  EXPECT_DUMP("RUN a\xFF\xFE b \xE2\x82\n", "(run \"a\\xff\\xfe b \\xe2\\x82\")\n");
  EXPECT_DUMP("RUN \xC3\xBC \xE6\x97\xA5\xE6\x9C\xAC\n",
              "(run \"\xC3\xBC \xE6\x97\xA5\xE6\x9C\xAC\")\n");
  /* the keyword is not quoted but lowercased; flags use the same quoting */
  EXPECT_DUMP("RUN --mount=\"a\\\\b\" x\n", "(run [\"--mount=a\\\\b\"] \"x\")\n");
}

/* dump of the illustrative example in buildkit-testfiles.md. */
static void test_dump_spec_example(void **state) {
  (void)state;
  EXPECT_DUMP("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
              "ENV GOFLAGS=-mod=vendor CGO_ENABLED=0\n"
              "LABEL org.example.team platform tools\n"
              "COPY --chown=app:app [\"go.mod\", \"go.sum\", \"./\"]\n"
              "RUN --mount=type=cache,target=/root/.cache \\\n"
              "    go build -o /out/app ./cmd/app\n"
              "ONBUILD COPY . /src\n"
              "HEALTHCHECK --interval=30s CMD [\"/out/app\", \"-ping\"]\n"
              "FROBNICATE\tnow\n"
              "COPY <<EOF /etc/motd\n"
              "hello from the heredoc body\n"
              "EOF\n"
              "CMD [\"/out/app\"]\n",
              "(from [\"--platform=$BUILDPLATFORM\"] \"golang:1.22\" \"AS\" \"build\")\n"
              "(env \"GOFLAGS\" \"-mod=vendor\" \"=\" \"CGO_ENABLED\" \"0\" \"=\")\n"
              "(label \"org.example.team\" \"platform tools\" \"\")\n"
              "(copy [\"--chown=app:app\"] \"go.mod\" \"go.sum\" \"./\")\n"
              "(run [\"--mount=type=cache,target=/root/.cache\"] \"go build -o /out/app ./cmd/app\")\n"
              "(onbuild (copy \".\" \"/src\"))\n"
              "(healthcheck [\"--interval=30s\"] \"CMD\" \"/out/app\" \"-ping\")\n"
              "(frobnicate \"\")\n"
              "(copy \"<<EOF\" \"/etc/motd\")\n"
              "(cmd \"/out/app\")\n");
}

/* ---- positions ------------------------------------------------------------------ */

/* Lines are 1-based physical lines; offsets are [start, end) bytes, start at
 * the keyword, end after the last line's terminator. */
static void test_positions(void **state) {
  (void)state;
  static const char src[] = "\n# c\nFROM a\n\n  RUN x \\\n  y\nCMD [\"z\"]";
  stagegraph_doc *doc = PARSE(src);
  EXPECT_COUNT(doc, 3);
  const stagegraph_instruction *from = INS(doc, 0), *run = INS(doc, 1), *cmd = INS(doc, 2);
  EXPECT_LINES(from, 3, 3);
  EXPECT_LINES(run, 5, 6);
  EXPECT_LINES(cmd, 7, 7);
  assert_int_equal(stagegraph_instruction_start_offset(from), 5);
  assert_int_equal(stagegraph_instruction_end_offset(from), 12);
  assert_int_equal(stagegraph_instruction_start_offset(run), 15);
  assert_int_equal(stagegraph_instruction_end_offset(run), 27);
  assert_int_equal(stagegraph_instruction_start_offset(cmd), 27);
  assert_int_equal(stagegraph_instruction_end_offset(cmd), sizeof src - 1);
  EXPECT_ORIGINAL(run, "RUN x   y");
  EXPECT_COMMENTS(from, "c");
  doc_free(doc);

  /* the original keeps trailing blanks of the last line */
  doc = ONE("  RUN a  \n");
  EXPECT_ORIGINAL(INS(doc, 0), "RUN a  ");
  EXPECT_ARGS(INS(doc, 0), "a");
  doc_free(doc);

  /* heredoc bodies count in the end line and end offset */
  static const char hd[] = "FROM a\nRUN <<EOF\nx\nEOF\nCMD y\n";
  doc = PARSE(hd);
  EXPECT_LINES(INS(doc, 1), 2, 4);
  assert_int_equal(stagegraph_instruction_start_offset(INS(doc, 1)), 7);
  assert_int_equal(stagegraph_instruction_end_offset(INS(doc, 1)), 23);
  assert_int_equal(stagegraph_instruction_start_offset(INS(doc, 2)), 23);
  doc_free(doc);
}

/* ---- pathological inputs ------------------------------------------------------- */

/* 100,000 nested ONBUILDs on one logical line, built from continuations. */
static void test_pathological_deep_onbuild(void **state) {
  (void)state;
  enum { N = 100000 };
  sb b = {0};
  sb_rep(&b, "ONBUILD \\\n", N);
  sb_puts(&b, "RUN x\n");
  stagegraph_doc *doc = PARSE_N(b.p, b.n);
  EXPECT_COUNT(doc, 1);
  const stagegraph_instruction *t = INS(doc, 0);
  size_t depth = 0;
  while (t && stagegraph_instruction_kind(t) == STAGEGRAPH_KIND_ONBUILD) {
    depth++;
    t = stagegraph_instruction_trigger(t);
  }
  assert_int_equal(depth, N);
  assert_non_null(t);
  EXPECT_KEYWORD(t, STAGEGRAPH_KIND_RUN, "RUN");
  EXPECT_ARGS(t, "x");
  EXPECT_LINES(INS(doc, 0), 1, N + 1);
  sb want = {0};
  sb_puts(&want, "(");
  sb_rep(&want, "onbuild (", N);
  sb_puts(&want, "run \"x\"");
  sb_rep(&want, ")", N);
  sb_puts(&want, ")\n");
  dump_doc_at(__FILE__, __LINE__, doc, want.p, want.n);
  doc_free(doc);
  sb_free(&want);
  sb_free(&b);
}

/* 100,000 continuation lines, with empty and comment lines among them. */
static void test_pathological_many_continuations(void **state) {
  (void)state;
  enum { N = 100000 };
  sb b = {0};
  sb_puts(&b, "FROM a\nRUN a\\\n");
  for (size_t i = 0; i < N; i++) sb_puts(&b, i % 1000 == 7 ? "\n" : i % 1000 == 9 ? "# c\\\n" : "b\\\n");
  sb_puts(&b, "c\n");
  stagegraph_doc *doc = PARSE_N(b.p, b.n);
  EXPECT_COUNT(doc, 2);
  size_t len = 0;
  const char *arg = stagegraph_instruction_arg(INS(doc, 1), 0, &len);
  assert_non_null(arg);
  assert_int_equal(len, 2 + N - 2 * (N / 1000));
  assert_int_equal(arg[0], 'a');
  assert_int_equal(arg[len - 1], 'c');
  EXPECT_LINES(INS(doc, 1), 2, N + 3);
  assert_int_equal(count_empty_continuation(doc), 1);
  doc_free(doc);
  sb_free(&b);

  /* and as many flags */
  sb_puts(&b, "COPY ");
  sb_rep(&b, "--a \\\n", N);
  sb_puts(&b, "x y\n");
  doc = PARSE_N(b.p, b.n);
  assert_int_equal(stagegraph_instruction_flag_count(INS(doc, 0)), N);
  EXPECT_ARGS(INS(doc, 0), "x", "y");
  doc_free(doc);
  sb_free(&b);
}

/* Deep or unbalanced brackets must not exhaust the stack. */
static void test_pathological_brackets(void **state) {
  (void)state;
  sb b = {0};
  sb_puts(&b, "CMD ");
  for (size_t i = 0; i < 100000 / 10000; i++) {
    sb_rep(&b, "[", 10000);
    sb_puts(&b, "\\\n");
  }
  stagegraph_doc *doc = PARSE_N(b.p, b.n);
  EXPECT_COUNT(doc, 1);
  assert_int_equal(stagegraph_instruction_is_json(INS(doc, 0)), 0);
  doc_free(doc);
  sb_free(&b);

  /* deeply nested ${...} in a heredoc line: the marker is still found */
  sb_puts(&b, "RUN <<EOF ");
  for (size_t i = 0; i < 50000; i++) sb_puts(&b, "${a:-\\\n");
  sb_rep(&b, "}", 50000);
  sb_puts(&b, "\nbody\nEOF\n");
  doc = PARSE_N(b.p, b.n);
  EXPECT_COUNT(doc, 1);
  EXPECT_HEREDOC_COUNT(INS(doc, 0), 1);
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "body\n", 1, 0, 0);
  doc_free(doc);
  sb_free(&b);

  /* and unbalanced: the line cannot be lexed, so no heredoc */
  sb_puts(&b, "RUN <<EOF ");
  for (size_t i = 0; i < 50000; i++) sb_puts(&b, "\"${a:-\\\n");
  sb_puts(&b, "x\nEOF\n");
  doc = PARSE_N(b.p, b.n);
  EXPECT_COUNT(doc, 2);
  EXPECT_HEREDOC_COUNT(INS(doc, 0), 0);
  doc_free(doc);
  sb_free(&b);
}

/* a.7: the keyword ends at [\t\v\f\r ] only, while the line is trimmed of
 * all Unicode whitespace. */
static void test_keyword_whitespace_classes(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("FROM\xC2\xA0"
                            "a\n");
  EXPECT_KEYWORD(INS(doc, 0), STAGEGRAPH_KIND_UNKNOWN, "FROM\xC2\xA0"
                                                       "a");
  doc_free(doc);
  doc = ONE("RUN x\xC2\xA0\xE2\x80\x83\n");
  EXPECT_ARGS(INS(doc, 0), "x");
  doc_free(doc);
  /* NUL is an ordinary byte */
  static const char nul[] = "FROM a\nRUN a\0b\n";
  doc = PARSE(nul);
  EXPECT_COUNT(doc, 2);
  size_t len = 0;
  const char *arg = stagegraph_instruction_arg(INS(doc, 1), 0, &len);
  assert_non_null(arg);
  compare_bytes_at(__FILE__, __LINE__, "argument", arg, len, "a\0b", 3);
  EXPECT_DOC_DUMP(doc, "(from \"a\")\n(run \"a\\x00b\")\n");
  doc_free(doc);
}

/* a.5: "minus its first byte" is a byte: an NBSP-indented comment keeps
 * the NBSP's second byte, which is invalid UTF-8 and so not trimmed. */
static void test_comments_first_byte(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("\xC2\xA0# x\nFROM a\n");
  EXPECT_COMMENTS(INS(doc, 0), "\xA0# x");
  doc_free(doc);
}

/* a.4: only spaces and tabs may follow the escape; a CR before blanks
 * stops the continuation (only trailing CR/LF are stripped, a.1). */
static void test_continuation_cr_then_blank(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("RUN a \\\r \nRUN b\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 0), "a \\");
  doc_free(doc);
  /* a whitespace-only last line while continued: an empty continuation */
  doc = PARSE("FROM x\nRUN a \\\n   ");
  EXPECT_COUNT(doc, 2);
  EXPECT_ARGS(INS(doc, 1), "a");
  assert_int_equal(count_empty_continuation(doc), 1);
  doc_free(doc);
}

/* a.8 name/value words: an escape at the very end is dropped, outside and
 * inside double quotes; legacy detection looks at the first word as the
 * splitter sees it (`a\ b` has no `=`), then splits the raw text. */
static void test_parse_words_edges(void **state) {
  (void)state;
  EXPECT_ONE_ARGS("ENV a=b\\\\\\\n", "a", "b\\\\", "=");
  EXPECT_ONE_ARGS("ENV a=\"b\\\\\\\n", "a", "\"b\\\\", "=");
  EXPECT_ONE_ARGS("ENV a\\ b c\n", "a\\", "b c", "");
  EXPECT_ONE_ARGS("ENV \"a b\" c\n", "\"a", "b\" c", "");
  EXPECT_ONE_ARGS("ARG a\xC2\xA0"
                  "b\n",
                  "a", "b");
  /* the splitter works on runes: invalid UTF-8 becomes U+FFFD
   * (P/line_parsers.go parseWords, WriteRune of utf8.RuneError) ... */
  EXPECT_ONE_ARGS("ENV a=\xFF\n", "a", "\xEF\xBF\xBD", "=");
  EXPECT_ONE_ARGS("ARG a=\xFF\n", "a=\xEF\xBF\xBD");
  /* ... while the legacy value is a slice of the raw text */
  EXPECT_ONE_ARGS("ENV a \xFF\n", "a", "\xFF", "");
}

/* a.7 byte-wise flags: each byte is taken as a rune, so the second byte of
 * an NBSP (0xA0) separates words. */
static void test_flags_bytewise_space(void **state) {
  (void)state;
  stagegraph_doc *doc = ONE("COPY --a=x\xC2\xA0y s d\n");
  EXPECT_FLAGS(INS(doc, 0), "--a=x\xC3\x82");
  EXPECT_ARGS(INS(doc, 0), "y", "s", "d");
  doc_free(doc);
  /* a lone `--` at the end */
  EXPECT_DUMP("RUN --\n", "(run)\n");
}

/* a.6: ONBUILD ONBUILD RUN is not eligible (the trigger is ONBUILD); a
 * CR-terminated terminator at end of file matches; flags before heredocs. */
static void test_heredoc_more(void **state) {
  (void)state;
  stagegraph_doc *doc = PARSE("ONBUILD ONBUILD RUN <<EOF\nx\nEOF\n");
  EXPECT_COUNT(doc, 3);
  EXPECT_HEREDOC_COUNT(INS(doc, 0), 0);
  doc_free(doc);
  doc = ONE("RUN <<EOF\nx\nEOF\r");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 0, 0);
  doc_free(doc);
  doc = ONE("RUN --mount=type=cache,target=/c 2<<-EOF cat\nx\nEOF\n");
  EXPECT_FLAGS(INS(doc, 0), "--mount=type=cache,target=/c");
  EXPECT_HEREDOC(INS(doc, 0), 0, "EOF", "x\n", 1, 1, 2);
  doc_free(doc);
  /* an unbalanced double quote in the name: the line cannot be lexed */
  doc = PARSE("RUN <<\"EOF\nEOF\n");
  EXPECT_COUNT(doc, 2);
  EXPECT_HEREDOC_COUNT(INS(doc, 0), 0);
  doc_free(doc);
}

/* ---- golden cases ------------------------------------------------------------- */

static const char *find_cases_dir(void) {
  static const char *const candidates[] = {"tests/cases/parser", "../tests/cases/parser",
                                           "../../tests/cases/parser", "cases/parser"};
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
    struct stat st;
    if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode)) return candidates[i];
  }
  return NULL;
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_golden_case(const char *dir, const char *name) {
  char path[4096];
  size_t src_len = 0, want_len = 0;
  snprintf(path, sizeof path, "%s/%s/Dockerfile", dir, name);
  char *src = read_file(path, &src_len);
  if (!src) {
    print_error("golden %s: cannot read %s\n", name, path);
    return 1;
  }
  int failed = 0;
  snprintf(path, sizeof path, "%s/%s/dump", dir, name);
  char *want = read_file(path, &want_len);
  int is_error = 0;
  if (!want) {
    snprintf(path, sizeof path, "%s/%s/error", dir, name);
    want = read_file(path, &want_len);
    is_error = 1;
    if (want && want_len && want[want_len - 1] == '\n') want[--want_len] = '\0';
  }
  if (!want) {
    print_error("golden %s: neither dump nor error\n", name);
    free(src);
    return 1;
  }
  stagegraph_doc *doc = NULL;
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  int rc = stagegraph_parse(&doc, src, src_len, NULL, &err);
  if (is_error) {
    if (rc != STAGEGRAPH_ESYNTAX || strcmp(err.message, want) != 0) {
      print_error("golden %s: want error \"%s\", got %s \"%s\"\n", name, want,
                  stagegraph_code_name(rc), rc ? err.message : "");
      failed = 1;
    }
  } else if (rc != 0) {
    print_error("golden %s: parse failed: %s\n", name, err.message);
    failed = 1;
  } else {
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    if (stagegraph_doc_dump(&out, doc, STAGEGRAPH_DUMP_BUILDKIT, NULL) != 0) {
      print_error("golden %s: dump failed\n", name);
      failed = 1;
    } else if (out.size != want_len || memcmp(out.ptr, want, want_len) != 0) {
      size_t i = 0;
      while (i < out.size && i < want_len && out.ptr[i] == want[i]) i++;
      print_error("golden %s: dump differs at byte %zu\n", name, i);
      show("got ", out.ptr, out.size);
      show("want", want, want_len);
      failed = 1;
    }
    stagegraph_buf_dispose(&out);
  }
  stagegraph_doc_free(doc);
  free(src);
  free(want);
  return failed;
}

static void test_golden_cases(void **state) {
  (void)state;
  const char *dir = find_cases_dir();
  if (!dir) fail_msg("tests/cases/parser not found (run from the repository root)");
  DIR *d = opendir(dir);
  assert_non_null(d);
  char **names = NULL;
  size_t count = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 32;
      names = realloc(names, cap * sizeof *names);
      assert_non_null(names);
    }
    names[count] = malloc(strlen(e->d_name) + 1);
    assert_non_null(names[count]);
    strcpy(names[count++], e->d_name);
  }
  closedir(d);
  if (count) qsort(names, count, sizeof *names, name_cmp);
  size_t failures = 0;
  for (size_t i = 0; i < count; i++) failures += (size_t)run_golden_case(dir, names[i]);
  for (size_t i = 0; i < count; i++) free(names[i]);
  free(names);
  assert_true(count >= 10);
  if (failures) fail_msg("%zu of %zu golden cases failed", failures, count);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      /* a.1 */
      cmocka_unit_test_teardown(test_bom_stripped_on_first_line, free_live_docs),
      cmocka_unit_test_teardown(test_bom_only_first_line_and_once, free_live_docs),
      cmocka_unit_test_teardown(test_bom_before_directive, free_live_docs),
      cmocka_unit_test_teardown(test_crlf, free_live_docs),
      cmocka_unit_test_teardown(test_lone_cr, free_live_docs),
      cmocka_unit_test_teardown(test_lf_lines, free_live_docs),
      cmocka_unit_test_teardown(test_no_instructions, free_live_docs),
      cmocka_unit_test_teardown(test_line_limit, free_live_docs),
      cmocka_unit_test_teardown(test_line_limit_heredoc_body, free_live_docs),
      cmocka_unit_test_teardown(test_line_limit_before_any_instruction, free_live_docs),
      /* a.2, a.5 */
      cmocka_unit_test_teardown(test_comments_blank_line_keeps, free_live_docs),
      cmocka_unit_test_teardown(test_comments_bare_hash_clears, free_live_docs),
      cmocka_unit_test_teardown(test_comments_text, free_live_docs),
      cmocka_unit_test_teardown(test_comments_attach_and_reset, free_live_docs),
      cmocka_unit_test_teardown(test_comments_inside_continuation, free_live_docs),
      cmocka_unit_test_teardown(test_comments_not_in_heredoc_body, free_live_docs),
      cmocka_unit_test_teardown(test_hash_mid_line_is_text, free_live_docs),
      /* a.3 */
      cmocka_unit_test_teardown(test_directive_keys_and_values, free_live_docs),
      cmocka_unit_test_teardown(test_directive_shape, free_live_docs),
      cmocka_unit_test_teardown(test_directive_region, free_live_docs),
      cmocka_unit_test_teardown(test_directive_shebang, free_live_docs),
      cmocka_unit_test_teardown(test_directive_repeated, free_live_docs),
      cmocka_unit_test_teardown(test_directive_escape_values, free_live_docs),
      cmocka_unit_test_teardown(test_directive_no_continuation, free_live_docs),
      cmocka_unit_test_teardown(test_escape_backtick_applies, free_live_docs),
      /* a.4 */
      cmocka_unit_test_teardown(test_continuation_join, free_live_docs),
      cmocka_unit_test_teardown(test_continuation_escaped_escape, free_live_docs),
      cmocka_unit_test_teardown(test_continuation_escape_only_line, free_live_docs),
      cmocka_unit_test_teardown(test_continuation_indented_escape_line, free_live_docs),
      cmocka_unit_test_teardown(test_continuation_comment_lines, free_live_docs),
      cmocka_unit_test_teardown(test_continuation_empty_lines_warn, free_live_docs),
      cmocka_unit_test_teardown(test_continuation_eof, free_live_docs),
      cmocka_unit_test_teardown(test_continuation_escape_at_eof_empty_instruction, free_live_docs),
      /* a.6 */
      cmocka_unit_test_teardown(test_heredoc_basic, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_multiple, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_glue, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_not_markers, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_redirect_name, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_quoting, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_chomp_and_terminator, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_fd, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_body_verbatim, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_unterminated, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_in_continued_line, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_onbuild, free_live_docs),
      /* a.7 */
      cmocka_unit_test_teardown(test_keyword_as_written, free_live_docs),
      cmocka_unit_test_teardown(test_keyword_unicode_lowercase, free_live_docs),
      cmocka_unit_test_teardown(test_keyword_unicode_lookup, free_live_docs),
      cmocka_unit_test_teardown(test_kind_names, free_live_docs),
      cmocka_unit_test_teardown(test_flags_basic, free_live_docs),
      cmocka_unit_test_teardown(test_flags_dashdash, free_live_docs),
      cmocka_unit_test_teardown(test_flags_first_non_flag_ends, free_live_docs),
      cmocka_unit_test_teardown(test_flags_escape_at_end, free_live_docs),
      cmocka_unit_test_teardown(test_flags_latin1, free_live_docs),
      cmocka_unit_test_teardown(test_flags_then_json, free_live_docs),
      cmocka_unit_test_teardown(test_flags_backslash_under_backtick_escape, free_live_docs),
      /* a.8 */
      cmocka_unit_test_teardown(test_parse_whitespace_lists, free_live_docs),
      cmocka_unit_test_teardown(test_parse_json_or_string, free_live_docs),
      cmocka_unit_test_teardown(test_parse_empty_rest, free_live_docs),
      cmocka_unit_test_teardown(test_parse_env_new_form, free_live_docs),
      cmocka_unit_test_teardown(test_parse_env_legacy_form, free_live_docs),
      cmocka_unit_test_teardown(test_parse_env_errors, free_live_docs),
      cmocka_unit_test_teardown(test_parse_env_backtick, free_live_docs),
      cmocka_unit_test_teardown(test_parse_arg, free_live_docs),
      cmocka_unit_test_teardown(test_parse_healthcheck, free_live_docs),
      cmocka_unit_test_teardown(test_parse_whole_rest, free_live_docs),
      cmocka_unit_test_teardown(test_parse_onbuild, free_live_docs),
      cmocka_unit_test_teardown(test_parse_unknown, free_live_docs),
      cmocka_unit_test_teardown(test_unknown_instruction_verdict, free_live_docs),
      cmocka_unit_test_teardown(test_name_value_instruction_checks, free_live_docs),
      cmocka_unit_test_teardown(test_json_non_strings, free_live_docs),
      cmocka_unit_test_teardown(test_json_fallback, free_live_docs),
      cmocka_unit_test_teardown(test_json_valid_forms, free_live_docs),
      cmocka_unit_test_teardown(test_json_escapes, free_live_docs),
      cmocka_unit_test_teardown(test_json_depth_limit, free_live_docs),
      /* dump */
      cmocka_unit_test_teardown(test_dump_quoting, free_live_docs),
      cmocka_unit_test_teardown(test_dump_spec_example, free_live_docs),
      cmocka_unit_test_teardown(test_positions, free_live_docs),
      /* pathological */
      cmocka_unit_test_teardown(test_pathological_deep_onbuild, free_live_docs),
      cmocka_unit_test_teardown(test_pathological_many_continuations, free_live_docs),
      cmocka_unit_test_teardown(test_pathological_brackets, free_live_docs),
      /* more edges */
      cmocka_unit_test_teardown(test_keyword_whitespace_classes, free_live_docs),
      cmocka_unit_test_teardown(test_comments_first_byte, free_live_docs),
      cmocka_unit_test_teardown(test_continuation_cr_then_blank, free_live_docs),
      cmocka_unit_test_teardown(test_parse_words_edges, free_live_docs),
      cmocka_unit_test_teardown(test_flags_bytewise_space, free_live_docs),
      cmocka_unit_test_teardown(test_heredoc_more, free_live_docs),
      /* golden */
      cmocka_unit_test_teardown(test_golden_cases, free_live_docs),
  };
  return cmocka_run_group_tests_name("parser", tests, NULL, NULL);
}
