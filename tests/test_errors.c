/* The error, option, version and memory contract of include/stagegraph.h:
 * code names, error and option structs (sized: never written or read past
 * `size`, by their init functions either), NULL arguments, limits, allocator
 * hooks, and allocation failure at every allocation of a parse, a file parse
 * and a dump, and of the parse, plan, lint and cache report of every corpus
 * file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "budget.h"
#include "files.h"
#include "stagegraph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define L(s) (s), (sizeof(s) - 1)

/* A 30-odd-line multi-stage Dockerfile with directives, comments, an empty
 * continuation line, JSON, ENV forms, heredocs and ONBUILD. */
static const char DOCKERFILE[] =
    "# syntax=docker/dockerfile:1\n"
    "# escape=\\\n"
    "ARG BASE=alpine:3.20\n"
    "# the build stage\n"
    "FROM ${BASE} AS build\n"
    "ENV A=1 B=\"two words\" \\\n"
    "    C=3\n"
    "LABEL org.example.title legacy value\n"
    "WORKDIR /src\n"
    "COPY --chown=app:app [\"go.mod\", \"go.sum\", \"./\"]\n"
    "RUN --mount=type=cache,target=/root/.cache \\\n"
    "\n"
    "    go build -o /out/app ./cmd/app\n"
    "RUN <<EOF\n"
    "set -e\n"
    "echo \"hello\"\n"
    "EOF\n"
    "COPY <<A <<-B /etc/\n"
    "alpha\n"
    "A\n"
    "\tbeta\n"
    "\tB\n"
    "ONBUILD RUN <<EOF\n"
    "echo onbuild\n"
    "EOF\n"
    "ONBUILD ONBUILD COPY . /x\n"
    "FROM build AS final\n"
    "HEALTHCHECK --interval=30s CMD [\"/out/app\", \"-ping\"]\n"
    "CMD [\"/out/app\", \"\\u00e9\"]\n"
    "EXPOSE 80 443/udp\n"
    "USER app\n"
    "ENTRYPOINT /bin/sh -c \"exec app\"\n";

static char *dump_of(const stagegraph_doc *doc, size_t *len) {
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  if (stagegraph_doc_dump(&out, doc, STAGEGRAPH_DUMP_BUILDKIT, NULL) != 0) return NULL;
  char *copy = malloc(out.size + 1);
  if (copy) {
    memcpy(copy, out.ptr, out.size + 1);
    *len = out.size;
  }
  stagegraph_buf_dispose(&out);
  return copy;
}

/* ---- codes and version ----------------------------------------------------- */

static void test_code_names(void **state) {
  (void)state;
  static const struct {
    int code;
    const char *name;
  } codes[] = {
      {STAGEGRAPH_OK, "OK"},
      {STAGEGRAPH_ERROR, "ERROR"},
      {STAGEGRAPH_ENOMEM, "ENOMEM"},
      {STAGEGRAPH_EINVAL, "EINVAL"},
      {STAGEGRAPH_EIO, "EIO"},
      {STAGEGRAPH_ESYNTAX, "ESYNTAX"},
      {STAGEGRAPH_EINSTRUCTION, "EINSTRUCTION"},
      {STAGEGRAPH_ELIMIT, "ELIMIT"},
      {STAGEGRAPH_ENOTFOUND, "ENOTFOUND"},
      {STAGEGRAPH_ECYCLE, "ECYCLE"},
      {STAGEGRAPH_EEXPAND, "EEXPAND"},
      {STAGEGRAPH_EREFERENCE, "EREFERENCE"},
      {STAGEGRAPH_ESTAGE, "ESTAGE"},
  };
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    assert_int_equal(codes[i].code, -(int)i);
    assert_string_equal(stagegraph_code_name(codes[i].code), codes[i].name);
  }
  static const int unknown[] = {1, 2, -13, -100, 1000, INT32_MIN, INT32_MAX};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
    assert_string_equal(stagegraph_code_name(unknown[i]), "EUNKNOWN");
}

static void test_version(void **state) {
  (void)state;
  assert_int_equal(stagegraph_version(), STAGEGRAPH_VERSION_NUMBER);
  assert_string_equal(stagegraph_version_string(), STAGEGRAPH_VERSION_STRING);
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", STAGEGRAPH_VERSION_MAJOR, STAGEGRAPH_VERSION_MINOR,
           STAGEGRAPH_VERSION_PATCH);
  assert_string_equal(STAGEGRAPH_VERSION_STRING, want);
  assert_int_equal(STAGEGRAPH_VERSION_NUMBER, (STAGEGRAPH_VERSION_MAJOR << 16) |
                                                  (STAGEGRAPH_VERSION_MINOR << 8) |
                                                  STAGEGRAPH_VERSION_PATCH);
  /* the string is static: the same pointer each time */
  assert_ptr_equal(stagegraph_version_string(), stagegraph_version_string());
}

/* ---- the error struct --------------------------------------------------------- */

static void test_error_init(void **state) {
  (void)state;
  stagegraph_error e;
  memset(&e, 0xCD, sizeof e);
  stagegraph_error_init(&e, sizeof e);
  stagegraph_error zero;
  memset(&zero, 0, sizeof zero);
  zero.size = sizeof zero;
  assert_memory_equal(&e, &zero, sizeof e);
  stagegraph_error_init(NULL, sizeof e);

  stagegraph_error m = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(m.size, sizeof m);
  assert_int_equal(m.code, 0);
  assert_int_equal(m.line, 0);
  assert_string_equal(m.message, "");
}

/* The byte offset of a 1-based (line, column) in src. */
static size_t offset_of(const char *src, size_t len, uint32_t line, uint32_t column) {
  size_t off = 0;
  for (uint32_t l = 1; l < line && off < len; off++)
    if (src[off] == '\n') l++;
  return off + column - 1;
}

/* A failing call fills code, position and message; `offset` is the byte
 * offset of (line, column). */
static void test_error_filled(void **state) {
  (void)state;
  static const struct {
    const char *src;
    uint32_t line;
    const char *message;
  } cases[] = {
      {"FROM a\nRUN <<EOF\nx\n", 2, "unterminated heredoc"},
      {"FROM a\n  ENV PATH\n", 2, "ENV must have two arguments"},
      {"FROM a\nCMD [1]\n", 2,
       "when using JSON array syntax, arrays must be comprised of strings only"},
  };
  stagegraph_doc *doc = NULL;
  stagegraph_error err;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len = strlen(cases[i].src);
    stagegraph_error_init(&err, sizeof err);
    assert_int_equal(stagegraph_parse(&doc, cases[i].src, len, NULL, &err), STAGEGRAPH_ESYNTAX);
    assert_null(doc);
    assert_int_equal(err.size, sizeof err);
    assert_int_equal(err.code, STAGEGRAPH_ESYNTAX);
    assert_string_equal(err.message, cases[i].message);
    assert_int_equal(err.line, cases[i].line);
    assert_true(err.column >= 1);
    if (err.offset != offset_of(cases[i].src, len, err.line, err.column))
      fail_msg("\"%s\": offset %zu is not the offset of line %u column %u (%zu)", cases[i].message,
               err.offset, err.line, err.column,
               offset_of(cases[i].src, len, err.line, err.column));
  }

  /* err may be NULL */
  assert_int_equal(stagegraph_parse(&doc, L(""), NULL, NULL), STAGEGRAPH_ESYNTAX);
  assert_null(doc);
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\n"), NULL, NULL), 0);
  assert_non_null(doc);
  stagegraph_doc_free(doc);
}

typedef union error_space {
  stagegraph_error e;
  max_align_t align;
  unsigned char raw[sizeof(stagegraph_error) + 64];
} error_space;

/* Returns the number of bytes written at or past `from` (and reports them). */
static size_t count_written(const error_space *s, size_t from, const char *what) {
  size_t first = 0, n = 0;
  for (size_t i = from; i < sizeof s->raw; i++) {
    if (s->raw[i] != 0xAB) {
      if (!n) first = i;
      n++;
    }
  }
  if (n) print_error("%s: size %zu, %zu bytes past it written (first at byte %zu)\n", what, from, n,
                     first);
  return n;
}

/* Run `call` with an error struct of each size: nothing past `size` is
 * written and `size` itself is kept. */
typedef int (*error_call)(stagegraph_error *err);

static int call_parse_empty(stagegraph_error *err) {
  stagegraph_doc *doc = NULL;
  return stagegraph_parse(&doc, "", 0, NULL, err);
}
static int call_parse_heredoc(stagegraph_error *err) {
  stagegraph_doc *doc = NULL;
  return stagegraph_parse(&doc, L("FROM a\nRUN <<EOF\n"), NULL, err);
}
static int call_parse_null_out(stagegraph_error *err) {
  return stagegraph_parse(NULL, L("FROM a\n"), NULL, err);
}
static int call_verdict(stagegraph_error *err) {
  stagegraph_doc *doc = NULL;
  if (stagegraph_parse(&doc, L("FROM a\nFROBNICATE x\n"), NULL, NULL) != 0) return 0;
  int rc = stagegraph_doc_verdict(doc, err);
  stagegraph_doc_free(doc);
  return rc;
}
static int call_dump_null(stagegraph_error *err) {
  return stagegraph_doc_dump(NULL, NULL, STAGEGRAPH_DUMP_BUILDKIT, err);
}
static int call_enomem(stagegraph_error *err) {
  alloc_budget t;
  budget_init(&t);
  budget_fail(&t, 0, 0);
  stagegraph_allocator a = budget_allocator(&t);
  stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
  opts.allocator = &a;
  stagegraph_doc *doc = NULL;
  return stagegraph_parse(&doc, L("FROM a\n"), &opts, err);
}

static void test_error_sized(void **state) {
  (void)state;
  static const struct {
    error_call call;
    int code;
    const char *name;
  } calls[] = {
      {call_parse_empty, STAGEGRAPH_ESYNTAX, "parse of an empty file"},
      {call_parse_heredoc, STAGEGRAPH_ESYNTAX, "unterminated heredoc"},
      {call_parse_null_out, STAGEGRAPH_EINVAL, "parse with out NULL"},
      {call_verdict, STAGEGRAPH_EINSTRUCTION, "verdict"},
      {call_dump_null, STAGEGRAPH_EINVAL, "dump of NULL"},
      {call_enomem, STAGEGRAPH_ENOMEM, "allocation failure"},
  };
  const size_t sizes[] = {
      sizeof(size_t),
      offsetof(stagegraph_error, code) + sizeof(int),
      offsetof(stagegraph_error, line),
      offsetof(stagegraph_error, offset),
      offsetof(stagegraph_error, message),
      offsetof(stagegraph_error, message) + 10,
      sizeof(stagegraph_error) - 1,
  };
  size_t bad = 0;
  for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      error_space s;
      memset(s.raw, 0xAB, sizeof s.raw);
      s.e.size = sizes[k];
      int rc = calls[c].call(&s.e);
      assert_int_equal(rc, calls[c].code);
      assert_int_equal(s.e.size, sizes[k]);
      if (sizes[k] >= offsetof(stagegraph_error, code) + sizeof(int))
        assert_int_equal(s.e.code, calls[c].code);
      bad += count_written(&s, sizes[k], calls[c].name) != 0;
    }
    /* a caller built against a larger (newer) struct: only our fields */
    error_space s;
    memset(s.raw, 0xAB, sizeof s.raw);
    s.e.size = sizeof s.raw;
    assert_int_equal(calls[c].call(&s.e), calls[c].code);
    assert_int_equal(s.e.size, sizeof s.raw);
    assert_int_equal(s.e.code, calls[c].code);
    assert_true(strlen(s.e.message) < STAGEGRAPH_MESSAGE_MAX);
    bad += count_written(&s, sizeof(stagegraph_error), calls[c].name) != 0;
  }
  if (bad) fail_msg("%zu calls wrote past the caller's error size", bad);
}

static int valid_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (!k || i + k > n) return 0;
    for (size_t j = 1; j < k; j++)
      if ((s[i + j] & 0xC0) != 0x80) return 0;
    i += k;
  }
  return 1;
}

/* A long message is cut at a UTF-8 boundary and stays NUL-terminated. */
static void test_error_message_truncated(void **state) {
  (void)state;
  char src[4096], full[4096];
  size_t n = (size_t)snprintf(src, sizeof src, "FROM a\nENV a=1 ");
  size_t f = (size_t)snprintf(full, sizeof full, "Syntax error - can't find = in \"");
  for (int i = 0; i < 600; i++) {
    memcpy(src + n, "\xC3\xA9", 2);
    memcpy(full + f, "\xC3\xA9", 2);
    n += 2;
    f += 2;
  }
  n += (size_t)snprintf(src + n, sizeof src - n, "\n");
  f += (size_t)snprintf(full + f, sizeof full - f, "\". Must be of the form: name=value");
  stagegraph_doc *doc = NULL;
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  assert_int_equal(stagegraph_parse(&doc, src, n, NULL, &err), STAGEGRAPH_ESYNTAX);
  size_t len = strnlen(err.message, sizeof err.message);
  assert_true(len < STAGEGRAPH_MESSAGE_MAX);
  assert_true(len >= STAGEGRAPH_MESSAGE_MAX - 4);
  assert_memory_equal(err.message, full, len);
  assert_true(valid_utf8((const unsigned char *)err.message, len));
}

/* ---- NULL arguments and accessors -------------------------------------------- */

static void test_null_arguments(void **state) {
  (void)state;
  stagegraph_error err;
  stagegraph_doc *doc = (stagegraph_doc *)(uintptr_t)1;

  stagegraph_error_init(&err, sizeof err);
  assert_int_equal(stagegraph_parse(NULL, L("FROM a\n"), NULL, &err), STAGEGRAPH_EINVAL);
  assert_int_equal(err.code, STAGEGRAPH_EINVAL);
  assert_true(err.message[0] != '\0');

  stagegraph_error_init(&err, sizeof err);
  assert_int_equal(stagegraph_parse(&doc, NULL, 6, NULL, &err), STAGEGRAPH_EINVAL);
  assert_null(doc);
  assert_int_equal(err.code, STAGEGRAPH_EINVAL);

  stagegraph_error_init(&err, sizeof err);
  assert_int_equal(stagegraph_parse_file(NULL, "Dockerfile", NULL, &err), STAGEGRAPH_EINVAL);
  doc = (stagegraph_doc *)(uintptr_t)1;
  assert_int_equal(stagegraph_parse_file(&doc, NULL, NULL, &err), STAGEGRAPH_EINVAL);
  assert_null(doc);

  assert_int_equal(stagegraph_parse(&doc, L("FROM a\n"), NULL, NULL), 0);
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error_init(&err, sizeof err);
  assert_int_equal(stagegraph_doc_dump(NULL, doc, STAGEGRAPH_DUMP_BUILDKIT, &err),
                   STAGEGRAPH_EINVAL);
  assert_int_equal(err.code, STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_doc_dump(&out, NULL, STAGEGRAPH_DUMP_BUILDKIT, &err),
                   STAGEGRAPH_EINVAL);
  assert_null(out.ptr);
  assert_int_equal(stagegraph_doc_dump(&out, doc, (stagegraph_dump_format)99, &err),
                   STAGEGRAPH_EINVAL);
  assert_null(out.ptr);
  stagegraph_error_init(&err, sizeof err);
  assert_int_equal(stagegraph_doc_verdict(NULL, &err), STAGEGRAPH_EINVAL);
  assert_int_equal(err.code, STAGEGRAPH_EINVAL);

  /* NULL is allowed for the release functions */
  stagegraph_doc_free(NULL);
  stagegraph_buf_dispose(NULL);
  stagegraph_buf empty = STAGEGRAPH_BUF_INIT;
  stagegraph_buf_dispose(&empty);
  stagegraph_options_init(NULL, sizeof(stagegraph_options));

  /* out of range: NULL or zero */
  assert_null(stagegraph_doc_instruction(doc, 1));
  assert_null(stagegraph_doc_instruction(doc, (size_t)-1));
  const stagegraph_instruction *ins = stagegraph_doc_instruction(doc, 0);
  assert_non_null(ins);
  size_t len = 99;
  assert_null(stagegraph_instruction_arg(ins, 1, &len));
  assert_int_equal(len, 0);
  assert_null(stagegraph_instruction_arg(ins, 1, NULL));
  assert_null(stagegraph_instruction_flag(ins, 0));
  assert_null(stagegraph_instruction_comment(ins, 0));
  assert_null(stagegraph_instruction_heredoc(ins, 0));
  assert_null(stagegraph_instruction_trigger(ins));
  assert_null(stagegraph_doc_directive_key(doc, 0));
  assert_null(stagegraph_doc_directive_value(doc, 0));
  assert_int_equal(stagegraph_doc_directive_line(doc, 0), 0);
  assert_null(stagegraph_doc_diagnostic(doc, 5));
  stagegraph_doc_free(doc);

  /* NULL objects read as empty */
  assert_int_equal(stagegraph_doc_instruction_count(NULL), 0);
  assert_null(stagegraph_doc_instruction(NULL, 0));
  assert_int_equal(stagegraph_doc_directive_count(NULL), 0);
  assert_int_equal(stagegraph_doc_diagnostic_count(NULL), 0);
  assert_int_equal(stagegraph_instruction_arg_count(NULL), 0);
  assert_int_equal(stagegraph_instruction_flag_count(NULL), 0);
  assert_int_equal(stagegraph_instruction_heredoc_count(NULL), 0);
  assert_null(stagegraph_instruction_keyword(NULL));
  assert_null(stagegraph_heredoc_name(NULL));
}

/* ---- options ------------------------------------------------------------------ */

static void test_options_init(void **state) {
  (void)state;
  stagegraph_options o;
  memset(&o, 0xCD, sizeof o);
  stagegraph_options_init(&o, sizeof o);
  assert_int_equal(o.size, sizeof o);
  assert_null(o.allocator);
  assert_null(o.platform);
  assert_null(o.build_platform);
  assert_null(o.build_args);
  assert_int_equal(o.build_arg_count, 0);
  assert_int_equal(o.max_input_bytes, 0);
  assert_int_equal(o.max_line_bytes, 0);
  assert_int_equal(o.max_instructions, 0);
  assert_int_equal(o.max_stages, 0);
  assert_int_equal(o.max_heredocs, 0);
  assert_int_equal(o.max_expansion_bytes, 0);
  stagegraph_options m = STAGEGRAPH_OPTIONS_INIT;
  assert_int_equal(m.size, sizeof m);

  /* defaults, explicitly and with NULL options */
  stagegraph_doc *doc = NULL;
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\n"), &m, NULL), 0);
  stagegraph_doc_free(doc);
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\n"), NULL, NULL), 0);
  stagegraph_doc_free(doc);

  /* an uninitialised (zero) size is refused */
  stagegraph_options zero;
  memset(&zero, 0, sizeof zero);
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  doc = (stagegraph_doc *)(uintptr_t)1;
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\n"), &zero, &err), STAGEGRAPH_EINVAL);
  assert_null(doc);
}

/* Members past the caller's `size` are never read. */
static void test_options_sized(void **state) {
  (void)state;
  static const char *const bad_args[] = {NULL};
  stagegraph_options o;
  stagegraph_options_init(&o, sizeof o);
  o.max_input_bytes = 1;
  o.max_line_bytes = 1;
  o.max_instructions = 1;
  o.build_args = bad_args;
  o.build_arg_count = 1;
  o.size = offsetof(stagegraph_options, build_args);
  stagegraph_doc *doc = NULL;
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\nRUN b\n"), &o, &err), 0);
  assert_int_equal(stagegraph_doc_instruction_count(doc), 2);
  stagegraph_doc_free(doc);

  /* with the full size the same members are read */
  o.size = sizeof o;
  doc = (stagegraph_doc *)(uintptr_t)1;
  assert_true(stagegraph_parse(&doc, L("FROM a\nRUN b\n"), &o, &err) != 0);
  assert_null(doc);
}

static void test_options_limits(void **state) {
  (void)state;
  stagegraph_options o;
  stagegraph_doc *doc = NULL;
  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);

  stagegraph_options_init(&o, sizeof o);
  o.max_input_bytes = 5;
  assert_int_equal(stagegraph_parse(&doc, L("FROM alpine\n"), &o, &err), STAGEGRAPH_ELIMIT);
  assert_null(doc);
  assert_int_equal(err.code, STAGEGRAPH_ELIMIT);
  o.max_input_bytes = 7;
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\n"), &o, NULL), 0);
  stagegraph_doc_free(doc);

  stagegraph_options_init(&o, sizeof o);
  o.max_instructions = 2;
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\nRUN b\nRUN c\n"), &o, &err),
                   STAGEGRAPH_ELIMIT);
  assert_null(doc);
  o.max_instructions = 3;
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\nRUN b\nRUN c\n"), &o, NULL), 0);
  stagegraph_doc_free(doc);

  stagegraph_options_init(&o, sizeof o);
  o.max_heredocs = 1;
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\nCOPY <<A <<B /\n1\nA\n2\nB\n"), &o, &err),
                   STAGEGRAPH_ELIMIT);
  assert_null(doc);
  o.max_heredocs = 2;
  assert_int_equal(stagegraph_parse(&doc, L("FROM a\nCOPY <<A <<B /\n1\nA\n2\nB\n"), &o, NULL), 0);
  stagegraph_doc_free(doc);

  /* a configured line limit below BuildKit's */
  stagegraph_options_init(&o, sizeof o);
  o.max_line_bytes = 10;
  int rc = stagegraph_parse(&doc, L("FROM a\nFROM alpine:3.20\n"), &o, &err);
  assert_true(rc == STAGEGRAPH_ELIMIT || rc == STAGEGRAPH_ESYNTAX);
  assert_null(doc);
  assert_int_equal(stagegraph_parse(&doc, L("FROM 12345\n"), &o, NULL), 0);
  stagegraph_doc_free(doc);
}

/* ---- the init functions of the sized structs ------------------------------------ */

/* A member of a sized struct: where it lies. */
typedef struct member_span {
  const char *name;
  size_t offset, size;
} member_span;

#define SPAN(T, m) {#m, offsetof(T, m), sizeof(((T *)0)->m)},
#define ERROR_MEMBERS(X, T)                                                                        \
  X(T, size) X(T, code) X(T, line) X(T, column) X(T, end_line) X(T, end_column) X(T, offset)      \
  X(T, message)
#define OPTIONS_MEMBERS(X, T)                                                                      \
  X(T, size) X(T, allocator) X(T, platform) X(T, build_platform) X(T, build_args)                  \
  X(T, build_arg_count) X(T, max_input_bytes) X(T, max_line_bytes) X(T, max_instructions)         \
  X(T, max_stages) X(T, max_heredocs) X(T, max_expansion_bytes)
#define PLAN_OPTIONS_MEMBERS(X, T)                                                                 \
  X(T, size) X(T, targets) X(T, target_count) X(T, legacy) X(T, build_contexts)                    \
  X(T, build_context_count)
#define CACHE_OPTIONS_MEMBERS(X, T)                                                                \
  X(T, size) X(T, changed_paths) X(T, changed_path_count) X(T, changed_args)                       \
  X(T, changed_arg_count) X(T, changed_images) X(T, changed_image_count) X(T, dockerignore)        \
  X(T, dockerignore_len)
#define LINT_OPTIONS_MEMBERS(X, T)                                                                 \
  X(T, size) X(T, targets) X(T, target_count) X(T, skip) X(T, skip_count) X(T, experimental)       \
  X(T, dockerignore) X(T, dockerignore_len) X(T, build_contexts) X(T, build_context_count)

/* One sized struct: its init function (called through a wrapper of one
 * type), its size, alignment and members, and the value of its INIT macro. */
typedef struct sized_kind {
  const char *name;
  void (*init)(void *p, size_t size);
  size_t size, align;
  const member_span *members;
  size_t member_count;
  const void *macro;
} sized_kind;

#define SIZED_KIND(T, MEMBERS, INIT)                                                               \
  static void init_any_##T(void *p, size_t size) { T##_init(p, size); }                            \
  static const member_span members_##T[] = {MEMBERS(SPAN, T)};                                     \
  static const T macro_##T = INIT;
SIZED_KIND(stagegraph_error, ERROR_MEMBERS, STAGEGRAPH_ERROR_INIT)
SIZED_KIND(stagegraph_options, OPTIONS_MEMBERS, STAGEGRAPH_OPTIONS_INIT)
SIZED_KIND(stagegraph_plan_options, PLAN_OPTIONS_MEMBERS, STAGEGRAPH_PLAN_OPTIONS_INIT)
SIZED_KIND(stagegraph_cache_options, CACHE_OPTIONS_MEMBERS, STAGEGRAPH_CACHE_OPTIONS_INIT)
SIZED_KIND(stagegraph_lint_options, LINT_OPTIONS_MEMBERS, STAGEGRAPH_LINT_OPTIONS_INIT)
#define KIND(T)                                                                                    \
  {#T, init_any_##T, sizeof(T), _Alignof(T), members_##T,                                          \
   sizeof members_##T / sizeof members_##T[0], &macro_##T}

static const sized_kind sized_kinds[] = {
    KIND(stagegraph_error),         KIND(stagegraph_options),      KIND(stagegraph_plan_options),
    KIND(stagegraph_cache_options), KIND(stagegraph_lint_options),
};

#define SENTINEL 0xA5
typedef union sized_space {
  max_align_t align;
  unsigned char raw[1024];
} sized_space;

/* Init a struct of `caller_size` bytes at the start of a buffer full of
 * SENTINEL bytes. Expected: the first min(caller_size, the library's size)
 * bytes zero but for the size member, which holds that count, and every
 * byte after them untouched; nothing written at all when caller_size has no
 * room for the size member. Returns how many bytes (or sizes) are wrong. */
static size_t init_in_sentinel(const sized_kind *k, size_t caller_size) {
  sized_space s;
  memset(s.raw, SENTINEL, sizeof s.raw);
  k->init(s.raw, caller_size);
  size_t n = caller_size < k->size ? caller_size : k->size, bad = 0;
  if (caller_size < sizeof(size_t)) n = 0;
  if (n) {
    size_t stored;
    memcpy(&stored, s.raw, sizeof stored);
    if (stored != n) {
      print_error("%s, size %zu: size member %zu, expected %zu\n", k->name, caller_size, stored, n);
      bad++;
    }
  }
  size_t wrong = 0, first = 0;
  for (size_t i = n ? sizeof(size_t) : 0; i < sizeof s.raw; i++) {
    if (s.raw[i] != (i < n ? 0 : SENTINEL) && !wrong++) first = i;
  }
  if (wrong)
    print_error("%s, size %zu: %zu bytes wrong, the first at byte %zu (0x%02x)\n", k->name,
                caller_size, wrong, first, s.raw[first]);
  return bad + wrong;
}

/* Every caller size, from 0 up to well past the library's struct: a smaller
 * (older) caller's struct is written only within its size, the bytes after
 * it keep their sentinel; a larger (newer) one only within the library's. */
static void test_sized_init_bounds(void **state) {
  (void)state;
  size_t bad = 0;
  for (size_t i = 0; i < sizeof sized_kinds / sizeof sized_kinds[0]; i++) {
    const sized_kind *k = &sized_kinds[i];
    assert_true(k->size + 64 <= sizeof(sized_space));
    for (size_t size = 0; size <= k->size + 64; size++) bad += init_in_sentinel(k, size);
    bad += init_in_sentinel(k, (size_t)-1);
  }
  if (bad) fail_msg("%zu bytes written wrongly by the init functions", bad);
}

/* With the full size an init function gives what the INIT macro gives, for
 * every member; the member lists cover each struct to its end. */
static void test_sized_init_matches_macro(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof sized_kinds / sizeof sized_kinds[0]; i++) {
    const sized_kind *k = &sized_kinds[i];
    const member_span *last = &k->members[k->member_count - 1];
    if (k->size - (last->offset + last->size) >= k->align)
      fail_msg("%s: the test's member list ends before the struct's last member", k->name);
    sized_space s;
    memset(s.raw, SENTINEL, sizeof s.raw);
    k->init(s.raw, k->size);
    for (size_t m = 0; m < k->member_count; m++) {
      const member_span *span = &k->members[m];
      if (memcmp(s.raw + span->offset, (const unsigned char *)k->macro + span->offset, span->size))
        fail_msg("%s.%s: init function and INIT macro differ", k->name, span->name);
    }
    size_t size;
    memcpy(&size, k->macro, sizeof size);
    assert_int_equal(size, k->size);
  }
}

/* A NULL pointer is harmless whatever the size. */
static void test_sized_init_null(void **state) {
  (void)state;
  const size_t sizes[] = {0, 1, sizeof(size_t), 4096, (size_t)-1};
  for (size_t i = 0; i < sizeof sized_kinds / sizeof sized_kinds[0]; i++) {
    sized_kinds[i].init(NULL, sized_kinds[i].size);
    for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) sized_kinds[i].init(NULL, sizes[j]);
  }
}

/* ---- files ---------------------------------------------------------------------- */

static void test_parse_file(void **state) {
  (void)state;
  char path[] = "/tmp/stagegraph-test-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, DOCKERFILE, sizeof DOCKERFILE - 1), (ssize_t)(sizeof DOCKERFILE - 1));
  close(fd);

  stagegraph_doc *a = NULL, *b = NULL;
  assert_int_equal(stagegraph_parse_file(&a, path, NULL, NULL), 0);
  assert_int_equal(stagegraph_parse(&b, L(DOCKERFILE), NULL, NULL), 0);
  size_t la = 0, lb = 0;
  char *da = dump_of(a, &la), *db = dump_of(b, &lb);
  assert_non_null(da);
  assert_non_null(db);
  assert_int_equal(la, lb);
  assert_memory_equal(da, db, la);
  free(da);
  free(db);
  stagegraph_doc_free(a);
  stagegraph_doc_free(b);

  /* the allocator is used for reading too, and a failure is ENOMEM */
  for (size_t n = 1;; n++) {
    alloc_budget t;
    budget_init(&t);
    budget_fail(&t, (long)n - 1, 0);
    stagegraph_allocator al = budget_allocator(&t);
    stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
    o.allocator = &al;
    stagegraph_error err;
    stagegraph_error_init(&err, sizeof err);
    stagegraph_doc *doc = (stagegraph_doc *)(uintptr_t)1;
    int rc = stagegraph_parse_file(&doc, path, &o, &err);
    if (t.injected) {
      if (rc != STAGEGRAPH_ENOMEM) fail_msg("failing allocation %zu: rc %d, want ENOMEM", n, rc);
      assert_null(doc);
      assert_int_equal(err.code, STAGEGRAPH_ENOMEM);
    } else {
      assert_int_equal(rc, 0);
      stagegraph_doc_free(doc);
    }
    if (t.live != 0) fail_msg("failing allocation %zu: %ld blocks leaked", n, t.live);
    if (!t.injected) break;
    assert_true(n < 100000);
  }

  /* an input over the limit while reading */
  stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
  o.max_input_bytes = 16;
  stagegraph_doc *doc = (stagegraph_doc *)(uintptr_t)1;
  assert_int_equal(stagegraph_parse_file(&doc, path, &o, NULL), STAGEGRAPH_ELIMIT);
  assert_null(doc);
  unlink(path);

  stagegraph_error err;
  stagegraph_error_init(&err, sizeof err);
  doc = (stagegraph_doc *)(uintptr_t)1;
  assert_int_equal(stagegraph_parse_file(&doc, "/nonexistent/stagegraph/Dockerfile", NULL, &err),
                   STAGEGRAPH_EIO);
  assert_null(doc);
  assert_int_equal(err.code, STAGEGRAPH_EIO);
  assert_true(err.message[0] != '\0');
  /* a directory opens but cannot be read */
  assert_int_equal(stagegraph_parse_file(&doc, "/", NULL, &err), STAGEGRAPH_EIO);
  assert_null(doc);
}

/* ---- allocator hooks ---------------------------------------------------------- */

static void test_allocator_used(void **state) {
  (void)state;
  alloc_budget t;
  budget_init(&t);
  stagegraph_allocator a = budget_allocator(&t);
  budget_strays = 0;
  stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
  o.allocator = &a;
  stagegraph_doc *doc = NULL;
  assert_int_equal(stagegraph_parse(&doc, L(DOCKERFILE), &o, NULL), 0);
  assert_true(t.mallocs > 0);
  assert_true(t.live > 0);
  assert_int_equal(budget_strays, 0);

  /* the document copied the struct: changing ours has no effect */
  stagegraph_allocator saved = a;
  a.malloc = NULL;
  a.free = NULL;
  a.ctx = NULL;

  long before = t.live;
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  assert_int_equal(stagegraph_doc_dump(&out, doc, STAGEGRAPH_DUMP_BUILDKIT, NULL), 0);
  assert_true(t.live > before);
  assert_int_equal(out.ptr[out.size], '\0');
  stagegraph_buf_dispose(&out);
  assert_null(out.ptr);
  assert_int_equal(t.live, before);
  stagegraph_buf_dispose(&out); /* twice is fine */

  stagegraph_doc_free(doc);
  assert_int_equal(t.live, 0);
  assert_true(t.frees > 0);
  assert_int_equal(budget_strays, 0);
  a = saved;
}

/* Fail allocation N (alone, and N and every later one) for every N until the
 * parse succeeds: each failure is ENOMEM with no document and no leak. */
static void sweep_parse(int fail_rest) {
  size_t total = 0;
  for (size_t n = 1;; n++) {
    alloc_budget t;
    budget_init(&t);
    budget_fail(&t, (long)n - 1, fail_rest);
    stagegraph_allocator a = budget_allocator(&t);
    stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
    o.allocator = &a;
    stagegraph_error err;
    stagegraph_error_init(&err, sizeof err);
    stagegraph_doc *doc = (stagegraph_doc *)(uintptr_t)1;
    int rc = stagegraph_parse(&doc, L(DOCKERFILE), &o, &err);
    if (t.injected) {
      if (rc != STAGEGRAPH_ENOMEM)
        fail_msg("failing allocation %zu%s: rc %s, want ENOMEM", n, fail_rest ? "+" : "",
                 stagegraph_code_name(rc));
      if (doc != NULL) fail_msg("failing allocation %zu: a document was returned", n);
      assert_int_equal(err.code, STAGEGRAPH_ENOMEM);
      assert_true(err.message[0] != '\0');
    } else {
      assert_int_equal(rc, 0);
      assert_non_null(doc);
      stagegraph_doc_free(doc);
    }
    if (t.live != 0) fail_msg("failing allocation %zu: %ld blocks leaked", n, t.live);
    if (!t.injected) {
      total = n - 1;
      break;
    }
    assert_true(n < 100000);
  }
  assert_true(total > 0);
  print_message("parse sweep%s: %zu allocation points\n", fail_rest ? " (persistent failure)" : "",
                total);
}

static void test_enomem_parse_sweep(void **state) {
  (void)state;
  sweep_parse(0);
  sweep_parse(1);
}

static void test_enomem_dump_sweep(void **state) {
  (void)state;
  for (size_t k = 1;; k++) {
    alloc_budget t;
    budget_init(&t);
    stagegraph_allocator a = budget_allocator(&t);
    stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
    o.allocator = &a;
    stagegraph_doc *doc = NULL;
    assert_int_equal(stagegraph_parse(&doc, L(DOCKERFILE), &o, NULL), 0);
    long live = t.live;
    budget_fail(&t, (long)k - 1, 0);
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    stagegraph_error err;
    stagegraph_error_init(&err, sizeof err);
    int rc = stagegraph_doc_dump(&out, doc, STAGEGRAPH_DUMP_BUILDKIT, &err);
    if (t.injected) {
      if (rc != STAGEGRAPH_ENOMEM) fail_msg("dump, failing allocation %zu: rc %d", k, rc);
      assert_null(out.ptr);
      assert_int_equal(err.code, STAGEGRAPH_ENOMEM);
      assert_int_equal(t.live, live);
    } else {
      assert_int_equal(rc, 0);
      assert_non_null(out.ptr);
      stagegraph_buf_dispose(&out);
    }
    stagegraph_doc_free(doc);
    assert_int_equal(t.live, 0);
    if (!t.injected) break;
    assert_true(k < 100000);
  }
}

/* One operation on a corpus document under a failure of its allocation
 * k alone: ENOMEM whenever the failure happened (never another answer),
 * and nothing left allocated. 1 while there was an allocation k. */
enum { OP_PLAN, OP_LINT, OP_CACHE };

static int fail_one(alloc_budget *t, stagegraph_doc *doc, const stagegraph_plan *plan, int op,
                    long k, const char *name) {
  long live = t->live;
  budget_fail(t, k, 0);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc;
  if (op == OP_PLAN) {
    stagegraph_plan *p = NULL;
    rc = stagegraph_plan_new(&p, doc, NULL, &err);
    stagegraph_plan_free(p);
  } else if (op == OP_LINT) {
    stagegraph_lint *l = NULL;
    rc = stagegraph_lint_new(&l, doc, NULL, &err);
    stagegraph_lint_free(l);
  } else {
    stagegraph_cache *c = NULL;
    rc = stagegraph_cache_new(&c, plan, NULL, &err);
    stagegraph_cache_free(c);
  }
  if (t->injected && rc != STAGEGRAPH_ENOMEM)
    fail_msg("%s: operation %d, failing allocation %ld alone: %s \"%s\"", name, op, k,
             stagegraph_code_name(rc), err.message);
  if (t->live != live) fail_msg("%s: operation %d, allocation %ld: %ld blocks left", name, op, k, t->live - live);
  return t->injected;
}

/* The parse of a corpus file under a failure of its allocation k alone:
 * ENOMEM whenever the failure happened, nothing left allocated. 1 while
 * there was an allocation k. */
static int fail_parse_one(alloc_budget *t, const stagegraph_options *o, const char *path, long k,
                          const char *name) {
  budget_fail(t, k, 0);
  stagegraph_doc *doc = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_parse_file(&doc, path, o, &err);
  stagegraph_doc_free(doc);
  if (t->injected && rc != STAGEGRAPH_ENOMEM)
    fail_msg("%s: parse, failing allocation %ld alone: %s \"%s\"", name, k, stagegraph_code_name(rc),
             err.message);
  assert_int_equal(t->live, 0);
  return t->injected;
}

static void test_enomem_corpus(void **state) {
  (void)state;
  char dir[4096];
  size_t count;
  char **names = corpus_files(dir, sizeof dir, &count);
  if (!names) fail_msg("corpus: %s not found (set STAGEGRAPH_CORPUS)", dir);
  size_t files = 0, parses = 0, runs = 0;
  for (size_t i = 0; i < count; i++) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    alloc_budget t;
    budget_init(&t);
    stagegraph_allocator a = budget_allocator(&t);
    stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
    o.allocator = &a;
    for (long k = 0; fail_parse_one(&t, &o, path, k, names[i]); k++) {
      parses++;
      assert_true(k < 100000);
    }
    budget_fail(&t, -1, 0);
    stagegraph_doc *doc = NULL;
    if (stagegraph_parse_file(&doc, path, &o, NULL)) {
      stagegraph_doc_free(doc);
      continue;
    }
    stagegraph_plan *plan = NULL;
    if (stagegraph_plan_new(&plan, doc, NULL, NULL)) plan = NULL;
    for (int op = OP_PLAN; op <= OP_CACHE; op++)
      for (long k = 0; (op != OP_CACHE || plan) && fail_one(&t, doc, plan, op, k, names[i]); k++) {
        runs++;
        assert_true(k < 100000);
      }
    stagegraph_plan_free(plan);
    stagegraph_doc_free(doc);
    assert_int_equal(t.live, 0);
    files++;
  }
  free_names(names, count);
  print_message("corpus: %zu files, %zu single allocation failures in parses and %zu in plans, lint "
                "and cache reports, each one ENOMEM\n",
                files, parses, runs);
  assert_true(files > 1000);
}

/* The documents are independent: one allocator per document. */
static void test_two_allocators(void **state) {
  (void)state;
  alloc_budget t1, t2;
  budget_init(&t1);
  budget_init(&t2);
  stagegraph_allocator a1 = budget_allocator(&t1), a2 = budget_allocator(&t2);
  stagegraph_options o1 = STAGEGRAPH_OPTIONS_INIT, o2 = STAGEGRAPH_OPTIONS_INIT;
  o1.allocator = &a1;
  o2.allocator = &a2;
  stagegraph_doc *d1 = NULL, *d2 = NULL;
  assert_int_equal(stagegraph_parse(&d1, L(DOCKERFILE), &o1, NULL), 0);
  long calls1 = t1.calls;
  assert_int_equal(stagegraph_parse(&d2, L("FROM a\n"), &o2, NULL), 0);
  assert_int_equal(t1.calls, calls1);
  assert_true(t2.calls > 0);
  stagegraph_doc_free(d2);
  assert_int_equal(t2.live, 0);
  assert_true(t1.live > 0);
  stagegraph_doc_free(d1);
  assert_int_equal(t1.live, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_code_names),
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_error_init),
      cmocka_unit_test(test_error_filled),
      cmocka_unit_test(test_error_sized),
      cmocka_unit_test(test_error_message_truncated),
      cmocka_unit_test(test_null_arguments),
      cmocka_unit_test(test_options_init),
      cmocka_unit_test(test_options_sized),
      cmocka_unit_test(test_options_limits),
      cmocka_unit_test(test_sized_init_bounds),
      cmocka_unit_test(test_sized_init_matches_macro),
      cmocka_unit_test(test_sized_init_null),
      cmocka_unit_test(test_parse_file),
      cmocka_unit_test(test_allocator_used),
      cmocka_unit_test(test_enomem_parse_sweep),
      cmocka_unit_test(test_enomem_dump_sweep),
      cmocka_unit_test(test_enomem_corpus),
      cmocka_unit_test(test_two_allocators),
  };
  return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
