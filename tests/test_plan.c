/* The stage graph and the build plan (spec sections b.2 and c.1 to c.10 of
 * ../shared/spec/buildkit-semantics.md): name resolution, forward
 * references, numeric and variable --from, external images and named build
 * contexts, cycles, the global scope of FROM, targets, pruning, waves, the
 * critical path, the legacy builder's plan, ONBUILD triggers, the outline
 * and the renderers.
 *
 * Expected values come from the spec (cited as c.N / b.2) and, where the
 * spec is silent, from BuildKit's dockerfile2llb (convert.go, outline.go,
 * validations.go), cited by function name; the library's own output is
 * never the source of an expectation.
 *
 * The last test runs the golden cases in tests/cases/plan/<name>/:
 * `Dockerfile`, an optional `args` file (one option a line: `target=NAME`,
 * `build-arg=K=V`, `build-context=NAME=SRC`, `platform=os/arch`, `legacy`)
 * and either `expect.json` (a subset of the stagegraph.plan/1 JSON: objects
 * match when every expected key matches, arrays element by element with the
 * same length) or `error` (`CODE LINE MESSAGE`). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "budget.h"
#include "stagegraph.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"
#include "jsonr.h"

/* ---- helpers --------------------------------------------------------------- */

/* What a failing check must release before it jumps out of the test (so
 * valgrind stays quiet about the test itself when the library is wrong). */
enum { LIVE_MAX = 32 };
static struct {
  int kind; /* 0 free slot, 1 doc, 2 plan, 3 malloc */
  void *ptr;
} live[LIVE_MAX];

static void live_add(int kind, void *ptr) {
  for (size_t i = 0; i < LIVE_MAX; i++)
    if (!live[i].kind) {
      live[i].kind = kind;
      live[i].ptr = ptr;
      return;
    }
}

static void live_forget(void *ptr) {
  for (size_t i = 0; i < LIVE_MAX; i++)
    if (live[i].kind && live[i].ptr == ptr) live[i].kind = 0;
}

/* Releases everything still registered: plans before documents. */
static void live_release(void) {
  for (int pass = 0; pass < 3; pass++)
    for (size_t i = 0; i < LIVE_MAX; i++) {
      int k = live[i].kind;
      if ((pass == 0 && k == 2) || (pass == 1 && k == 1) || (pass == 2 && k == 3)) {
        if (k == 2) stagegraph_plan_free(live[i].ptr);
        else if (k == 1) stagegraph_doc_free(live[i].ptr);
        else free(live[i].ptr);
        live[i].kind = 0;
      }
    }
}

/* cmocka's fail(), after releasing what the test holds. */
#define FAIL()                                                                                     \
  do {                                                                                             \
    live_release();                                                                                \
    fail();                                                                                        \
  } while (0)
#define FAIL_MSG(...)                                                                              \
  do {                                                                                             \
    live_release();                                                                                \
    fail_msg(__VA_ARGS__);                                                                         \
  } while (0)

typedef struct run_opts {
  const char *targets[16];
  size_t target_count;
  const char *build_args[16];
  size_t build_arg_count;
  const char *contexts[16];
  size_t context_count;
  const char *platform;
  int legacy;
} run_opts;

static stagegraph_doc *parse_with(const char *src, const run_opts *ro) {
  stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
  if (ro) {
    o.build_args = ro->build_args;
    o.build_arg_count = ro->build_arg_count;
    o.platform = ro->platform;
  }
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_doc *doc = NULL;
  int rc = stagegraph_parse(&doc, src, strlen(src), &o, &err);
  if (rc) FAIL_MSG("parse failed: %s %u %s\ninput:\n%s", stagegraph_code_name(rc), err.line,
                   err.message, src);
  return doc;
}

static void plan_opts_from(stagegraph_plan_options *po, const run_opts *ro) {
  stagegraph_plan_options_init(po, sizeof *po);
  if (!ro) return;
  po->targets = ro->targets;
  po->target_count = ro->target_count;
  po->legacy = ro->legacy;
  po->build_contexts = ro->contexts;
  po->build_context_count = ro->context_count;
}

/* Parse and plan; fails the test when either fails. */
typedef struct planned {
  stagegraph_doc *doc;
  stagegraph_plan *plan;
} planned;

static planned plan_ok_at(const char *file, int line, const char *src, const run_opts *ro) {
  planned p = {parse_with(src, ro), NULL};
  stagegraph_plan_options po;
  plan_opts_from(&po, ro);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_plan_new(&p.plan, p.doc, &po, &err);
  if (rc) {
    print_error("%s:%d: stagegraph_plan_new failed: %s %u %s\ninput:\n%s\n", file, line,
                stagegraph_code_name(rc), err.line, err.message, src);
    stagegraph_doc_free(p.doc);
    FAIL();
  }
  live_add(1, p.doc);
  live_add(2, p.plan);
  return p;
}
#define PLAN_OK(src, ro) plan_ok_at(__FILE__, __LINE__, (src), (ro))

static void planned_free(planned *p) {
  live_forget(p->plan);
  live_forget(p->doc);
  stagegraph_plan_free(p->plan);
  stagegraph_doc_free(p->doc);
  p->plan = NULL;
  p->doc = NULL;
}

/* Plan expecting an error: code, line and message. */
static void plan_err_at(const char *file, int line, const char *src, const run_opts *ro, int code,
                        uint32_t eline, const char *message) {
  stagegraph_doc *doc = parse_with(src, ro);
  stagegraph_plan_options po;
  plan_opts_from(&po, ro);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_plan *plan = (stagegraph_plan *)(uintptr_t)1;
  int rc = stagegraph_plan_new(&plan, doc, &po, &err);
  int ok = rc == code && err.code == code && err.line == eline && strcmp(err.message, message) == 0 &&
           plan == NULL;
  if (!ok) {
    print_error("%s:%d: want %s %u \"%s\"\n          got  %s %u \"%s\" (err.code %s, out %s)\n"
                "input:\n%s\n",
                file, line, stagegraph_code_name(code), eline, message, stagegraph_code_name(rc),
                err.line, err.message, stagegraph_code_name(err.code), plan ? "set" : "NULL", src);
    if (rc == 0) stagegraph_plan_free(plan);
    stagegraph_doc_free(doc);
    FAIL();
  }
  stagegraph_doc_free(doc);
}
static void plan_err_anycode_at(const char *file, int line, const char *src, const char *message) {
  stagegraph_doc *doc = parse_with(src, NULL);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_plan *plan = NULL;
  int rc = stagegraph_plan_new(&plan, doc, NULL, &err);
  if (rc == 0 || strcmp(err.message, message) != 0) {
    print_error("%s:%d: want an error \"%s\", got %s \"%s\"\n", file, line, message,
                stagegraph_code_name(rc), rc ? err.message : "");
    stagegraph_plan_free(plan);
    stagegraph_doc_free(doc);
    FAIL();
  }
  stagegraph_doc_free(doc);
}
#define PLAN_ERR_ANYCODE(src, msg) plan_err_anycode_at(__FILE__, __LINE__, (src), (msg))
#define PLAN_ERR(src, ro, code, line, msg) plan_err_at(__FILE__, __LINE__, (src), (ro), (code), (line), (msg))

static char *render(const stagegraph_plan *plan, stagegraph_format fmt) {
  stagegraph_buf b = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_plan_render(&b, plan, fmt, &err);
  if (rc) FAIL_MSG("render %d failed: %s %s", (int)fmt, stagegraph_code_name(rc), err.message);
  assert_non_null(b.ptr);
  assert_int_equal(strlen(b.ptr), b.size);
  char *s = malloc(b.size + 1);
  assert_non_null(s);
  memcpy(s, b.ptr, b.size + 1);
  stagegraph_buf_dispose(&b);
  live_add(3, s);
  return s;
}

static void expect_list_at(const char *file, int line, const char *what, const size_t *items,
                           size_t n, const size_t *want, size_t want_n) {
  int ok = n == want_n;
  for (size_t i = 0; ok && i < n; i++) ok = items[i] == want[i];
  if (!ok) {
    char got[256] = "", exp[256] = "";
    for (size_t i = 0; i < n && strlen(got) < 200; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu", i ? "," : "", items[i]);
    for (size_t i = 0; i < want_n && strlen(exp) < 200; i++)
      snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%zu", i ? "," : "", want[i]);
    print_error("%s:%d: %s: got [%s], want [%s]\n", file, line, what, got, exp);
    FAIL();
  }
}
#define LIST(...) ((const size_t[]){__VA_ARGS__}), (sizeof((const size_t[]){__VA_ARGS__}) / sizeof(size_t))
#define EXPECT_LIST(what, items, n, ...) expect_list_at(__FILE__, __LINE__, (what), (items), (n), LIST(__VA_ARGS__))

static const stagegraph_image *find_image(const stagegraph_plan *plan, const char *ref) {
  for (size_t i = 0; i < stagegraph_plan_image_count(plan); i++)
    if (strcmp(stagegraph_image_ref(stagegraph_plan_image(plan, i)), ref) == 0)
      return stagegraph_plan_image(plan, i);
  return NULL;
}

/* ---- options and arguments ------------------------------------------------ */

static void test_options_init(void **state) {
  (void)state;
  stagegraph_plan_options po;
  memset(&po, 0xff, sizeof po);
  stagegraph_plan_options_init(&po, sizeof po);
  assert_int_equal(po.size, sizeof po);
  assert_null(po.targets);
  assert_int_equal(po.target_count, 0);
  assert_int_equal(po.legacy, 0);
  assert_null(po.build_contexts);
  assert_int_equal(po.build_context_count, 0);
  stagegraph_plan_options_init(NULL, sizeof po); /* no crash */
  stagegraph_plan_options macro = STAGEGRAPH_PLAN_OPTIONS_INIT;
  assert_int_equal(macro.size, sizeof macro);
}

static void test_bad_arguments(void **state) {
  (void)state;
  stagegraph_doc *doc = parse_with("FROM alpine\n", NULL);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(stagegraph_plan_new(NULL, doc, NULL, &err), STAGEGRAPH_EINVAL);
  stagegraph_plan *plan = (stagegraph_plan *)(uintptr_t)1;
  assert_int_equal(stagegraph_plan_new(&plan, NULL, NULL, &err), STAGEGRAPH_EINVAL);
  assert_null(plan);
  stagegraph_plan_options po;
  memset(&po, 0, sizeof po); /* size 0: not initialised */
  assert_int_equal(stagegraph_plan_new(&plan, doc, &po, &err), STAGEGRAPH_EINVAL);
  assert_null(plan);
  /* NULL options mean the defaults */
  assert_int_equal(stagegraph_plan_new(&plan, doc, NULL, NULL), 0);
  assert_non_null(plan);
  assert_ptr_equal(stagegraph_plan_doc(plan), doc);
  assert_int_equal(stagegraph_plan_is_legacy(plan), 0);
  stagegraph_buf b = STAGEGRAPH_BUF_INIT;
  assert_int_equal(stagegraph_plan_render(&b, plan, (stagegraph_format)42, &err), STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_plan_render(NULL, plan, STAGEGRAPH_FORMAT_JSON, &err), STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_plan_render(&b, NULL, STAGEGRAPH_FORMAT_JSON, &err), STAGEGRAPH_EINVAL);
  stagegraph_buf_dispose(&b);
  stagegraph_plan_free(plan);
  stagegraph_plan_free(NULL);
  /* getters tolerate NULL and out-of-range indexes */
  assert_int_equal(stagegraph_plan_edge_count(NULL), 0);
  assert_int_equal(stagegraph_plan_image_count(NULL), 0);
  assert_null(stagegraph_plan_edge(NULL, 0));
  assert_int_equal(stagegraph_plan_stage_parent(NULL, 0), STAGEGRAPH_NONE);
  stagegraph_doc_free(doc);
}

/* "Every analysis refuses a document whose verdict is an error": the plan
 * returns the verdict itself. */
static void test_verdict_refused(void **state) {
  (void)state;
  static const char *const inputs[] = {
      "FROM alpine\nFOO bar\n",
      "RUN true\nFROM alpine\n",                         /* c.1: before FROM */
      "FROM alpine AS 1bad\n",                           /* c.11: stage name */
      "FROM alpine\nRUN --mount=from=$X,target=/x true\n", /* b.2 */
  };
  static const char *const messages[] = {
      "dockerfile parse error on line 2: unknown instruction: FOO (did you mean FROM?)",
      NULL,
      NULL,
      "dockerfile parse error on line 2: 'from' doesn't support variable expansion, define alias "
      "stage instead",
  };
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    stagegraph_doc *doc = parse_with(inputs[i], NULL);
    stagegraph_error verr = STAGEGRAPH_ERROR_INIT, perr = STAGEGRAPH_ERROR_INIT;
    int vrc = stagegraph_doc_verdict(doc, &verr);
    stagegraph_plan *plan = (stagegraph_plan *)(uintptr_t)1;
    int prc = stagegraph_plan_new(&plan, doc, NULL, &perr);
    if (vrc == 0 || prc != vrc || perr.line != verr.line || strcmp(perr.message, verr.message) != 0 ||
        plan != NULL || (messages[i] && strcmp(perr.message, messages[i]) != 0)) {
      print_error("input %zu:\n%sverdict %s %u \"%s\"\nplan    %s %u \"%s\"\nwant message \"%s\"\n", i,
                  inputs[i], stagegraph_code_name(vrc), verr.line, verr.message,
                  stagegraph_code_name(prc), perr.line, perr.message,
                  messages[i] ? messages[i] : "(the verdict's)");
      stagegraph_doc_free(doc);
      FAIL();
    }
    stagegraph_doc_free(doc);
  }
  /* c.1: no FROM at all (the verdict or the plan may report it) */
  PLAN_ERR_ANYCODE("ARG X=1\n", "dockerfile contains no stages to build");
}

/* ---- getters ---------------------------------------------------------------- */

/* c.1, c.2, c.6: stage getters on a small graph. */
static void test_stage_getters(void **state) {
  (void)state;
  run_opts ro = {.platform = "linux/arm64"};
  planned p = PLAN_OK("ARG TAG=3.19\n"
                      "FROM --platform=$BUILDPLATFORM alpine:$TAG AS build\n"
                      "FROM build AS test\n"
                      "FROM scratch AS out\n"
                      "COPY --from=build /a /a\n",
                      &ro);
  const stagegraph_plan *plan = p.plan;
  assert_string_equal(stagegraph_plan_stage_base(plan, 0), "alpine:3.19");
  assert_string_equal(stagegraph_plan_stage_platform(plan, 0), "linux/amd64");
  assert_int_equal(stagegraph_plan_stage_parent(plan, 0), STAGEGRAPH_NONE);
  const stagegraph_image *img = stagegraph_plan_stage_image(plan, 0);
  assert_non_null(img);
  assert_string_equal(stagegraph_image_ref(img), "alpine:3.19");
  assert_string_equal(stagegraph_image_normalized(img), "docker.io/library/alpine:3.19");
  assert_string_equal(stagegraph_image_familiar(img), "alpine:3.19");
  assert_string_equal(stagegraph_image_domain(img), "docker.io");
  assert_string_equal(stagegraph_image_path(img), "library/alpine");
  assert_string_equal(stagegraph_image_tag(img), "3.19");
  assert_string_equal(stagegraph_image_digest(img), "");
  assert_null(stagegraph_image_context(img));
  assert_null(stagegraph_plan_stage_context(plan, 0));

  assert_string_equal(stagegraph_plan_stage_base(plan, 1), "build");
  assert_null(stagegraph_plan_stage_platform(plan, 1));
  assert_int_equal(stagegraph_plan_stage_parent(plan, 1), 0);
  assert_null(stagegraph_plan_stage_image(plan, 1)); /* a stage parent */

  assert_string_equal(stagegraph_plan_stage_base(plan, 2), "scratch");
  assert_int_equal(stagegraph_plan_stage_parent(plan, 2), STAGEGRAPH_NONE);
  assert_null(stagegraph_plan_stage_image(plan, 2)); /* scratch is not an image */

  /* default target: the last stage (c.4); `test` is not needed */
  size_t n;
  const size_t *t = stagegraph_plan_targets(plan, &n);
  EXPECT_LIST("targets", t, n, 2);
  assert_int_equal(stagegraph_plan_stage_needed(plan, 0), 1);
  assert_int_equal(stagegraph_plan_stage_needed(plan, 1), 0);
  assert_int_equal(stagegraph_plan_stage_needed(plan, 2), 1);
  assert_int_equal(stagegraph_plan_stage_wave(plan, 0), 0);
  assert_int_equal(stagegraph_plan_stage_wave(plan, 1), STAGEGRAPH_NONE);
  assert_int_equal(stagegraph_plan_stage_wave(plan, 2), 1);
  const size_t *o = stagegraph_plan_order(plan, &n);
  EXPECT_LIST("order", o, n, 0, 2);
  const size_t *pr = stagegraph_plan_pruned(plan, &n);
  EXPECT_LIST("pruned", pr, n, 1);
  const size_t *cp = stagegraph_plan_critical_path(plan, &n);
  EXPECT_LIST("critical path", cp, n, 0, 2);
  assert_int_equal(stagegraph_plan_wave_count(plan), 2);
  const size_t *w = stagegraph_plan_wave(plan, 0, &n);
  EXPECT_LIST("wave 0", w, n, 0);
  w = stagegraph_plan_wave(plan, 1, &n);
  EXPECT_LIST("wave 1", w, n, 2);
  w = stagegraph_plan_wave(plan, 2, &n);
  assert_int_equal(n, 0);

  /* out of range */
  assert_null(stagegraph_plan_stage_base(plan, 3));
  assert_int_equal(stagegraph_plan_stage_needed(plan, 3), 0);
  assert_int_equal(stagegraph_plan_stage_wave(plan, 3), STAGEGRAPH_NONE);
  assert_null(stagegraph_plan_edge(plan, stagegraph_plan_edge_count(plan)));
  assert_null(stagegraph_plan_image(plan, stagegraph_plan_image_count(plan)));
  planned_free(&p);
}

/* c.3: edges, their kinds, instructions and references. */
static void test_edge_getters(void **state) {
  (void)state;
  planned p = PLAN_OK("FROM alpine AS a\n"                            /* 1 */
                      "FROM a AS b\n"                                 /* 2 */
                      "COPY --from=A /x /x\n"                         /* 3 */
                      "RUN --mount=type=cache,from=a,target=/c true\n" /* 4 */
                      "COPY --from=0 /y /y\n",                        /* 5 */
                      NULL);
  const stagegraph_plan *plan = p.plan;
  assert_int_equal(stagegraph_plan_edge_count(plan), 4);
  static const struct {
    stagegraph_edge_kind kind;
    uint32_t line;
    const char *ref;
    stagegraph_kind ins;
  } want[] = {
      {STAGEGRAPH_EDGE_FROM, 2, "a", STAGEGRAPH_KIND_FROM},
      {STAGEGRAPH_EDGE_COPY, 3, "A", STAGEGRAPH_KIND_COPY},
      {STAGEGRAPH_EDGE_MOUNT, 4, "a", STAGEGRAPH_KIND_RUN},
      {STAGEGRAPH_EDGE_COPY, 5, "0", STAGEGRAPH_KIND_COPY},
  };
  for (size_t i = 0; i < 4; i++) {
    const stagegraph_edge *e = stagegraph_plan_edge(plan, i);
    assert_non_null(e);
    assert_int_equal(stagegraph_edge_from(e), 0);
    assert_int_equal(stagegraph_edge_to(e), 1);
    assert_int_equal(stagegraph_edge_get_kind(e), want[i].kind);
    assert_int_equal(stagegraph_edge_onbuild(e), 0);
    assert_string_equal(stagegraph_edge_reference(e), want[i].ref);
    const stagegraph_instruction *ins = stagegraph_edge_instruction(e);
    assert_non_null(ins);
    assert_int_equal(stagegraph_instruction_kind(ins), want[i].ins);
    assert_int_equal(stagegraph_instruction_start_line(ins), want[i].line);
  }
  assert_string_equal(stagegraph_edge_kind_name(STAGEGRAPH_EDGE_FROM), "from");
  assert_string_equal(stagegraph_edge_kind_name(STAGEGRAPH_EDGE_COPY), "copy");
  assert_string_equal(stagegraph_edge_kind_name(STAGEGRAPH_EDGE_MOUNT), "mount");
  /* one dependency, however many edges */
  size_t n;
  const size_t *o = stagegraph_plan_order(plan, &n);
  EXPECT_LIST("order", o, n, 0, 1);
  assert_int_equal(stagegraph_plan_wave_count(plan), 2);
  planned_free(&p);
}

/* External images: uses with kind, stage and line. */
static void test_image_uses(void **state) {
  (void)state;
  planned p = PLAN_OK("FROM alpine AS a\n"                          /* 1 */
                      "COPY --from=busybox /x /x\n"                 /* 2 */
                      "FROM alpine\n"                               /* 3 */
                      "RUN --mount=from=busybox,target=/b true\n"   /* 4 */
                      "COPY --from=a /y /y\n",                      /* 5 */
                      NULL);
  const stagegraph_plan *plan = p.plan;
  assert_int_equal(stagegraph_plan_image_count(plan), 2);
  const stagegraph_image *alpine = find_image(plan, "alpine");
  const stagegraph_image *busybox = find_image(plan, "busybox");
  assert_non_null(alpine);
  assert_non_null(busybox);
  assert_ptr_equal(stagegraph_plan_image(plan, 0), alpine); /* first use, line 1 */
  assert_ptr_equal(stagegraph_plan_image(plan, 1), busybox);
  assert_int_equal(stagegraph_image_use_count(alpine), 2);
  assert_int_equal(stagegraph_image_use_kind(alpine, 0), STAGEGRAPH_EDGE_FROM);
  assert_int_equal(stagegraph_image_use_stage(alpine, 0), 0);
  assert_int_equal(stagegraph_image_use_line(alpine, 0), 1);
  assert_int_equal(stagegraph_image_use_kind(alpine, 1), STAGEGRAPH_EDGE_FROM);
  assert_int_equal(stagegraph_image_use_stage(alpine, 1), 1);
  assert_int_equal(stagegraph_image_use_line(alpine, 1), 3);
  assert_int_equal(stagegraph_image_use_count(busybox), 2);
  assert_int_equal(stagegraph_image_use_kind(busybox, 0), STAGEGRAPH_EDGE_COPY);
  assert_int_equal(stagegraph_image_use_stage(busybox, 0), 0);
  assert_int_equal(stagegraph_image_use_line(busybox, 0), 2);
  assert_int_equal(stagegraph_image_use_kind(busybox, 1), STAGEGRAPH_EDGE_MOUNT);
  assert_int_equal(stagegraph_image_use_stage(busybox, 1), 1);
  assert_int_equal(stagegraph_image_use_line(busybox, 1), 4);
  assert_string_equal(stagegraph_image_normalized(busybox), "docker.io/library/busybox:latest");
  assert_int_equal(stagegraph_image_use_stage(busybox, 2), STAGEGRAPH_NONE);
  planned_free(&p);
}

/* c.7: named contexts on stages and images, with the getters. */
static void test_named_contexts(void **state) {
  (void)state;
  run_opts ro = {.contexts = {"base=docker-image://busybox:1.36", "golang=docker-image://golang:1.22"},
                 .context_count = 2};
  planned p = PLAN_OK("FROM alpine AS dep\n"
                      "FROM alpine AS base\n"
                      "COPY --from=dep /x /x\n"
                      "FROM base AS final\n"
                      "COPY --from=docker.io/library/golang:latest /go /go\n",
                      &ro);
  const stagegraph_plan *plan = p.plan;
  assert_null(stagegraph_plan_stage_context(plan, 0));
  assert_string_equal(stagegraph_plan_stage_context(plan, 1), "docker-image://busybox:1.36");
  assert_null(stagegraph_plan_stage_context(plan, 2));
  /* the replaced stage's own dependencies are not needed */
  assert_int_equal(stagegraph_plan_stage_needed(plan, 0), 0);
  assert_int_equal(stagegraph_plan_stage_needed(plan, 2), 1);
  const stagegraph_image *go = find_image(plan, "docker.io/library/golang:latest");
  assert_non_null(go);
  assert_string_equal(stagegraph_image_context(go), "docker-image://golang:1.22");
  planned_free(&p);
}

/* c.8: the ONBUILD trigger of a parent adds an edge to the child, marked
 * onbuild, whose instruction is the parent's ONBUILD; triggers do not pass
 * to grandchildren. */
static void test_onbuild_edges(void **state) {
  (void)state;
  planned p = PLAN_OK("FROM alpine AS helper\n"                          /* 1 */
                      "FROM alpine AS tools\n"                           /* 2 */
                      "FROM alpine AS base\n"                            /* 3 */
                      "ONBUILD COPY --from=helper /x /x\n"               /* 4 */
                      "ONBUILD RUN --mount=from=tools,target=/t true\n"  /* 5 */
                      "FROM base AS app\n"                               /* 6 */
                      "FROM app AS grand\n",                             /* 7 */
                      NULL);
  const stagegraph_plan *plan = p.plan;
  int copy = 0, mount = 0;
  for (size_t i = 0; i < stagegraph_plan_edge_count(plan); i++) {
    const stagegraph_edge *e = stagegraph_plan_edge(plan, i);
    if (!stagegraph_edge_onbuild(e)) continue;
    assert_int_equal(stagegraph_edge_to(e), 3); /* app, never grand */
    const stagegraph_instruction *ins = stagegraph_edge_instruction(e);
    assert_int_equal(stagegraph_instruction_kind(ins), STAGEGRAPH_KIND_ONBUILD);
    if (stagegraph_edge_get_kind(e) == STAGEGRAPH_EDGE_COPY) {
      copy++;
      assert_int_equal(stagegraph_edge_from(e), 0);
      assert_string_equal(stagegraph_edge_reference(e), "helper");
      assert_int_equal(stagegraph_instruction_start_line(ins), 4);
    } else {
      mount++;
      assert_int_equal(stagegraph_edge_get_kind(e), STAGEGRAPH_EDGE_MOUNT);
      assert_int_equal(stagegraph_edge_from(e), 1);
      assert_string_equal(stagegraph_edge_reference(e), "tools");
      assert_int_equal(stagegraph_instruction_start_line(ins), 5);
    }
  }
  assert_int_equal(copy, 1);
  assert_int_equal(mount, 1);
  size_t n;
  const size_t *o = stagegraph_plan_order(plan, &n);
  EXPECT_LIST("order", o, n, 0, 1, 2, 3, 4);
  assert_int_equal(stagegraph_plan_stage_wave(plan, 3), 1);
  assert_int_equal(stagegraph_plan_stage_wave(plan, 4), 2);
  planned_free(&p);

  /* the trigger does not run in its own stage */
  run_opts ro = {.targets = {"base"}, .target_count = 1};
  p = PLAN_OK("FROM alpine AS helper\n"
              "FROM alpine AS base\n"
              "ONBUILD COPY --from=helper /x /x\n"
              "FROM base AS app\n",
              &ro);
  o = stagegraph_plan_order(p.plan, &n);
  EXPECT_LIST("order", o, n, 1);
  for (size_t i = 0; i < stagegraph_plan_edge_count(p.plan); i++)
    assert_int_not_equal(stagegraph_edge_to(stagegraph_plan_edge(p.plan, i)), 1);
  planned_free(&p);
}

/* c.8: a trigger is parsed with the default escape, whatever the parent
 * file's escape directive. */
static void test_onbuild_default_escape(void **state) {
  (void)state;
  planned p = PLAN_OK("# escape=`\n"
                      "FROM alpine AS helper\n"
                      "FROM alpine AS base\n"
                      "ONBUILD COPY --from=helper /x /x\n"
                      "FROM base AS app\n",
                      NULL);
  int found = 0;
  for (size_t i = 0; i < stagegraph_plan_edge_count(p.plan); i++) {
    const stagegraph_edge *e = stagegraph_plan_edge(p.plan, i);
    if (stagegraph_edge_onbuild(e) && stagegraph_edge_from(e) == 0 && stagegraph_edge_to(e) == 2) found = 1;
  }
  assert_true(found);
  planned_free(&p);
}

/* c.4/c.8: a trigger of the parent that copies from a later stage fails
 * when the child is built; BuildKit (initOnBuildTriggers) resets the
 * trigger's location to the child's FROM. */
static void test_onbuild_forward(void **state) {
  (void)state;
  run_opts ro = {.targets = {"app"}, .target_count = 1};
  PLAN_ERR("FROM alpine AS base\n"
           "ONBUILD COPY --from=later /x /x\n"
           "FROM base AS app\n"
           "FROM alpine AS later\n",
           &ro, STAGEGRAPH_ESTAGE, 3,
           "cannot copy from stage \"later\", it needs to be defined before current stage \"app\"");
  /* near miss: the parent alone is fine */
  run_opts base = {.targets = {"base"}, .target_count = 1};
  planned p = PLAN_OK("FROM alpine AS base\n"
                      "ONBUILD COPY --from=later /x /x\n"
                      "FROM base AS app\n"
                      "FROM alpine AS later\n",
                      &base);
  planned_free(&p);
}

/* ---- errors with positions (c.3, c.5, c.11) ----------------------------- */

static void test_forward_references(void **state) {
  (void)state;
  run_opts a = {.targets = {"a"}, .target_count = 1};
  PLAN_ERR("FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\n", &a, STAGEGRAPH_ESTAGE, 2,
           "cannot copy from stage \"b\", it needs to be defined before current stage \"a\"");
  PLAN_ERR("FROM alpine AS a\nRUN --mount=from=x,target=/t true\nFROM alpine AS x\n", &a,
           STAGEGRAPH_ESTAGE, 2,
           "cannot mount from stage \"x\" to \"/t\", stage needs to be defined before current command");
  /* An unknown mount key is reported whole, lowercased as Go's
   * strings.ToLower does. Flag words take each byte as a rune (split.c),
   * so "\xc3\x80" (À) in the source is U+00C3 U+0080 in the flag, and
   * U+00C3 lowercases to U+00E3; nothing is cut, even inside a rune. */
  PLAN_ERR("FROM alpine\nRUN --mount=target=/x,An-Unknown-Key-Longer-Than-32-Bytes-\xc3\x80=1 "
           "true\n",
           NULL, STAGEGRAPH_EINSTRUCTION, 2,
           "unexpected key 'an-unknown-key-longer-than-32-bytes-\xc3\xa3\xc2\x80' in "
           "'An-Unknown-Key-Longer-Than-32-Bytes-\xc3\x83\xc2\x80=1'");
  /* the bytes D7 and DE alone are U+00D7 (x, no lowercase) and U+00DE */
  PLAN_ERR("FROM alpine\nRUN --mount=target=/x,\xd7\xde=1 true\n", NULL, STAGEGRAPH_EINSTRUCTION, 2,
           "unexpected key '\xc3\x97\xc3\xbe' in '\xc3\x97\xc3\x9e=1' (did you mean id?)");
  /* pruned: fine */
  planned p = PLAN_OK("FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\n", NULL);
  assert_int_equal(stagegraph_plan_stage_needed(p.plan, 0), 0);
  planned_free(&p);
  /* earlier: fine */
  p = PLAN_OK("FROM alpine AS b\nFROM alpine AS a\nCOPY --from=b /x /x\n", NULL);
  planned_free(&p);
}

/* c.2: "Indexes may point at the current or a later stage, giving a cycle
 * or forward error"; the message quotes --from as written. */
static void test_forward_index(void **state) {
  (void)state;
  run_opts a = {.targets = {"a"}, .target_count = 1};
  PLAN_ERR("FROM alpine AS a\nCOPY --from=1 /x /x\nFROM alpine AS b\n", &a, STAGEGRAPH_ESTAGE, 2,
           "cannot copy from stage \"1\", it needs to be defined before current stage \"a\"");
}

/* Each value put into src_fmt (at one or two %s) plans; or fails at
 * line 2 with EINSTRUCTION and msg_fmt's message (the value at its %s). */
static void plans_ok_at(const char *file, int line, const char *src_fmt, const char *const *values,
                        size_t n) {
  for (size_t i = 0; i < n; i++) {
    char src[256];
    snprintf(src, sizeof src, src_fmt, values[i], values[i]);
    planned p = plan_ok_at(file, line, src, NULL);
    planned_free(&p);
  }
}
static void plans_fail_at(const char *file, int line, const char *src_fmt, const char *const *values,
                          size_t n, const char *msg_fmt) {
  for (size_t i = 0; i < n; i++) {
    char src[256], msg[256];
    snprintf(src, sizeof src, src_fmt, values[i], values[i]);
    snprintf(msg, sizeof msg, msg_fmt, values[i]);
    plan_err_at(file, line, src, NULL, STAGEGRAPH_EINSTRUCTION, 2, msg);
  }
}
#define PLANS_OK(fmt, values) plans_ok_at(__FILE__, __LINE__, (fmt), (values), sizeof(values) / sizeof(values)[0])
#define PLANS_FAIL(fmt, values, msg) \
  plans_fail_at(__FILE__, __LINE__, (fmt), (values), sizeof(values) / sizeof(values)[0], (msg))

/* Dispatch checks of image settings (C/convert.go's dispatchStopSignal:
 * moby/sys/signal ParseSignal; C/convert_expose.go's parsePort), on the
 * expanded values of the needed stages only. */
static void test_stop_signal(void **state) {
  (void)state;
  static const char *const ok[] = {
      "SIGTERM", "sigterm", "TERM", "kill", "9", "-9", "+15", "SIGRTMIN", "SIGRTMIN+15",
      "RTMAX-14", "rtmax", "SIGWINCH", "SIGSTKFLT",
      /* strings.ToUpper maps U+017F LONG S to S */
      "\xc5\xbfigterm",
  };
  PLANS_OK("FROM alpine\nSTOPSIGNAL %s\n", ok);
  static const char *const bad[] = {
      "0", "-0", "+0", "00", "SIGSIGTERM", "SIGRTMIN+16", "RTMIN+01", "RTMAX-15", "RTMAX+1",
      "SIG", "TERM9", "9223372036854775808", "SIGUNUSED",
  };
  PLANS_FAIL("FROM alpine\nSTOPSIGNAL %s\n", bad, "invalid signal: %s");
  /* the value is expanded first; an empty one is no signal */
  PLAN_ERR("FROM alpine\nARG S=\"TERM \"\nSTOPSIGNAL $S\n", NULL, STAGEGRAPH_EINSTRUCTION, 3,
           "invalid signal: TERM ");
  PLAN_ERR("FROM alpine\nSTOPSIGNAL $NONE\n", NULL, STAGEGRAPH_EINSTRUCTION, 2, "invalid signal: ");
  planned p = PLAN_OK("FROM alpine\nARG S=SIGHUP\nSTOPSIGNAL ${S}\n", NULL);
  planned_free(&p);
  /* a stage the target does not need is not dispatched */
  p = PLAN_OK("FROM alpine AS a\nSTOPSIGNAL NOPE\nFROM alpine AS b\n", NULL);
  planned_free(&p);
}

/* C/convert_copy.go dispatchCopy: --chmod, once expanded, is an octal mode
 * up to 07777 or a symbolic one (dchapes-mode's grammar) */
static void test_copy_chmod(void **state) {
  (void)state;
  static const char *const ok[] = {
      "644", "0644", "7777", "0", "u+x", "a=rwx,go-w", "+X", "=", "u+", "go=u-w",
      "u=rwx,go=rx", "u+r-w", "ug+rs,o+t", "=rw,+X",
  };
  PLANS_OK("FROM alpine\nCOPY --chmod=%s a /b\nADD --chmod=%s a /c\n", ok);
  static const char *const numeric[] = {"10000", "999", "64a", "8", "077777777777", "0o644", "1_0"};
  PLANS_FAIL("FROM alpine\nCOPY --chmod=%s a /b\n", numeric,
             "invalid chmod parameter: '%s'. it should be octal string and between 0 and 07777");
  /* refused by the symbolic parser (the last three end where a clause
   * needs more) */
  static const char *const symbolic[] = {"abc", "u+q", "-644", "u!x", "a+r,,g-w", "u", "ug", "a+r,"};
  PLANS_FAIL("FROM alpine\nADD --chmod=%s a /b\n", symbolic, "invalid syntax");
  /* the expanded value is read; an empty one sets no mode */
  PLAN_ERR("FROM alpine\nARG M=888\nCOPY --chmod=$M a /b\n", NULL, STAGEGRAPH_EINSTRUCTION, 3,
           "invalid chmod parameter: '888'. it should be octal string and between 0 and 07777");
  planned p = PLAN_OK("FROM alpine\nARG M=755\nCOPY --chmod=${M} a /b\nCOPY --chmod=$NONE a /c\n", NULL);
  planned_free(&p);
  p = PLAN_OK("FROM alpine AS a\nCOPY --chmod=9 a /b\nFROM alpine AS b\n", NULL);
  planned_free(&p);
}

/* C/convert.go dispatchVolume: an item that expands to nothing (the
 * parser refuses a written one) */
static void test_volume_expanded_empty(void **state) {
  (void)state;
  PLAN_ERR("FROM alpine\nVOLUME /a $V\n", NULL, STAGEGRAPH_EINSTRUCTION, 2,
           "VOLUME specified can not be an empty string");
  PLAN_ERR("FROM alpine\nVOLUME [\"${V}\"]\n", NULL, STAGEGRAPH_EINSTRUCTION, 2,
           "VOLUME specified can not be an empty string");
  /* expansion errors of later items come first */
  PLAN_ERR("FROM alpine\nVOLUME $V ${W:?now}\n", NULL, STAGEGRAPH_EEXPAND, 2,
           "failed to process \"${W:?now}\": W: now");
  /* the parser trims each item (strings.TrimSpace) before it is
   * expanded: a JSON item " $E" is "$E" */
  PLAN_ERR("FROM alpine\nARG V=/data\nVOLUME [\"$V\", \" $E\\t\"]\n", NULL, STAGEGRAPH_EINSTRUCTION, 3,
           "VOLUME specified can not be an empty string");
  /* a space that comes from a variable is kept */
  planned p = PLAN_OK("FROM alpine\nARG V=/data\nARG S=\" \"\nVOLUME [\"$V\", \"$S\"]\n", NULL);
  planned_free(&p);
  p = PLAN_OK("FROM alpine AS a\nVOLUME $V\nFROM alpine AS b\n", NULL);
  planned_free(&p);
}

static void test_expose_ports(void **state) {
  (void)state;
  static const char *const ok[] = {
      "80", "80/tcp", "80/UDP", "53/sctp", "0", "65535", "+80", "8000-9000", "80-80",
      "80-+80", "8080:80", ":80", "127.0.0.1:8080:80", "127.0.0.1::80", "[::1]:8080:80",
      "::1:8080:80", "1:2:3:4:5:6:7:8:80:80", "::ffff:1.2.3.4:80:80", "[fe80::1]::80",
      "8000-8010:9000-9010", "8000-8010:80", "0.0.0.0:80-81:90-91/udp",
  };
  PLANS_OK("FROM alpine\nEXPOSE %s\n", ok);
  static const struct {
    const char *spec, *message;
  } bad[] = {
      {"80/foo", "invalid port: \"80/foo\": invalid proto: foo"},
      {"80/TCPX", "invalid port: \"80/TCPX\": invalid proto: TCPX"},
      {"/tcp", "invalid port: \"/tcp\": no port specified"},
      {"8080:", "invalid port: \"8080:\": no port specified"},
      {"70000", "invalid containerPort: 70000"},
      /* the range is cut at the first '-': "-0" has an empty start */
      {"-0", "invalid containerPort: -0"},
      {"-1", "invalid containerPort: -1"},
      {"80-", "invalid containerPort: 80-"},
      {"-80", "invalid containerPort: -80"},
      {"90-80", "invalid containerPort: 90-80"},
      {"80-90-100", "invalid containerPort: 80-90-100"},
      {"8o", "invalid containerPort: 8o"},
      {"1_000", "invalid containerPort: 1_000"},
      {"x:80", "invalid hostPort: x"},
      {"8000-8010:9000-9020", "invalid ranges specified for container and host Ports: 9000-9020 and 8000-8010"},
      {"256.0.0.1:80:80", "invalid IP address: 256.0.0.1"},
      {"01.2.3.4:80:80", "invalid IP address: 01.2.3.4"},
      {"1.2.3:80:80", "invalid IP address: 1.2.3"},
      {"fe80::1%eth0:80:80", "invalid IP address: fe80::1%eth0"},
      {"1:2:3:4:5:6:7:8:9:80:80", "invalid IP address: 1:2:3:4:5:6:7:8:9"},
      {"1::2::3:80:80", "invalid IP address: 1::2::3"},
      {"12345::1:80:80", "invalid IP address: 12345::1"},
      {"1:2:3:4:5:6:7::8:80:80", "invalid IP address: 1:2:3:4:5:6:7::8"},
      {"1:2:3:4:5:1.2.3.4:80:80", "invalid IP address: 1:2:3:4:5:1.2.3.4"},
      {"host:80:80", "invalid IP address: host"},
      {"[::1:80:80", "invalid IP address [::1: address [::1:: missing ']' in address"},
      {"[::1]x:80:80", "invalid IP address [::1]x: address [::1]x:: missing port in address"},
      {"[a]:b]:80:80", "invalid IP address [a]:b]: address [a]:b]:: too many colons in address"},
      {"[[::1]:80:80", "invalid IP address [[::1]: address [[::1]:: unexpected '[' in address"},
      {"[1.2.3]:80:80", "invalid IP address: 1.2.3"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char src[128];
    snprintf(src, sizeof src, "FROM alpine\nEXPOSE 81 %s\n", bad[i].spec);
    PLAN_ERR(src, NULL, STAGEGRAPH_EINSTRUCTION, 2, bad[i].message);
  }
  /* every word is expanded before any port is read: the expansion error
   * of a later word comes first */
  PLAN_ERR("FROM alpine\nEXPOSE 70000 ${X:?nox}\n", NULL, STAGEGRAPH_EEXPAND, 2,
           "failed to process \"${X:?nox}\": X: nox");
  PLAN_ERR("FROM alpine\nARG P=\"80 90/foo\"\nEXPOSE $P\n", NULL, STAGEGRAPH_EINSTRUCTION, 3,
           "invalid port: \"90/foo\": invalid proto: foo");
  /* the parser sorts the words as strings, and dispatch reads them so:
   * "70000" comes before "90/foo", "${A" before "${B" */
  PLAN_ERR("FROM alpine\nEXPOSE 90/foo 70000\n", NULL, STAGEGRAPH_EINSTRUCTION, 2,
           "invalid containerPort: 70000");
  PLAN_ERR("FROM alpine\nEXPOSE ${B:?b} ${A:?a}\n", NULL, STAGEGRAPH_EEXPAND, 2,
           "failed to process \"${A:?a}\": A: a");
  /* more words than fit the scratch on the stack */
  PLAN_ERR("FROM alpine\nEXPOSE 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 0/x 20\n", NULL,
           STAGEGRAPH_EINSTRUCTION, 2, "invalid port: \"0/x\": invalid proto: x");
  planned p = PLAN_OK("FROM alpine AS a\nEXPOSE 80/foo\nFROM alpine AS b\n", NULL);
  planned_free(&p);
}

/* ---- outline (c.10) ------------------------------------------------------- */

typedef struct want_arg {
  const char *name, *value, *description;
  uint32_t line;
} want_arg;

/* A value the test does not check (the spec leaves it open). */
static const char any_value[] = "(any)";
#define ANY any_value

static void expect_args_at(const char *file, int line, const stagegraph_plan *plan,
                           const want_arg *want, size_t n) {
  size_t got = stagegraph_plan_arg_count(plan);
  int ok = got == n;
  for (size_t i = 0; ok && i < n; i++) {
    const char *v = stagegraph_plan_arg_value(plan, i);
    const char *d = stagegraph_plan_arg_description(plan, i);
    ok = strcmp(stagegraph_plan_arg_name(plan, i), want[i].name) == 0 &&
         (want[i].value == ANY || (want[i].value == NULL ? v == NULL : (v && strcmp(v, want[i].value) == 0))) &&
         (want[i].description == NULL || (d && strcmp(d, want[i].description) == 0)) &&
         stagegraph_plan_arg_line(plan, i) == want[i].line;
  }
  if (!ok) {
    print_error("%s:%d: outline args differ\n  got:\n", file, line);
    for (size_t i = 0; i < got; i++) {
      const char *v = stagegraph_plan_arg_value(plan, i);
      print_error("    %s=%s [%s] line %u\n", stagegraph_plan_arg_name(plan, i), v ? v : "(null)",
                  stagegraph_plan_arg_description(plan, i), stagegraph_plan_arg_line(plan, i));
    }
    print_error("  want:\n");
    for (size_t i = 0; i < n; i++)
      print_error("    %s=%s [%s] line %u\n", want[i].name, want[i].value ? want[i].value : "(null)",
                  want[i].description ? want[i].description : "*", want[i].line);
    FAIL();
  }
}
#define EXPECT_ARGS(plan, ...)                                                                     \
  expect_args_at(__FILE__, __LINE__, (plan), (const want_arg[]){__VA_ARGS__},                      \
                 sizeof((const want_arg[]){__VA_ARGS__}) / sizeof(want_arg))

static const char outline_df[] =
    "ARG UNUSED=1\n"                                                /* 1 */
    "# VERSION the alpine version\n"                                /* 2 */
    "ARG VERSION=3.19\n"                                            /* 3 */
    "ARG TARGETARCH\n"                                              /* 4 */
    "FROM alpine:${VERSION} AS build\n"                             /* 5 */
    "# MODE build mode\n"                                           /* 6 */
    "ARG MODE=release\n"                                            /* 7 */
    "ARG TARGETPLATFORM\n"                                          /* 8 */
    "ARG VERSION\n"                                                 /* 9 */
    "ARG NOVALUE\n"                                                 /* 10 */
    "RUN --mount=type=secret,id=tok,required=true true\n"           /* 11 */
    "RUN --mount=type=secret,target=/run/secrets/npmrc true\n"      /* 12 */
    "RUN --mount=type=ssh true\n"                                   /* 13 */
    "RUN --mount=type=secret,source=src1,target=/s true\n"          /* 14 */
    "RUN --mount=type=ssh,id=gh,required=true true\n"               /* 15 */
    "FROM alpine AS helper\n"                                       /* 16 */
    "ARG HELPER=h\n"                                                /* 17 */
    "RUN --mount=type=secret,id=helpertok true\n"                   /* 18 */
    "FROM build AS final\n"                                         /* 19 */
    "COPY --from=helper /x /x\n"                                    /* 20 */
    "ARG BUILDOS=custom\n"                                          /* 21 */
    "FROM alpine AS other\n"                                        /* 22 */
    "# OTHER other's arg\n"                                         /* 23 */
    "ARG OTHER=1\n"                                                 /* 24 */
    "RUN --mount=type=ssh,id=otherssh true\n";                      /* 25 */

static void test_outline_args(void **state) {
  (void)state;
  run_opts ro = {.targets = {"final"}, .target_count = 1};
  planned p = PLAN_OK(outline_df, &ro);
  /* VERSION: used by FROM; the stage's `ARG VERSION` inherits the global
   * one and shows the global definition (line 3). TARGETPLATFORM is only
   * re-declared: not listed. TARGETARCH, UNUSED and OTHER are not used. */
  EXPECT_ARGS(p.plan, {"VERSION", "3.19", "the alpine version", 3}, {"MODE", "release", "build mode", 7},
              {"NOVALUE", NULL, "", 10}, {"HELPER", "h", "", 17}, {"BUILDOS", "custom", "", 21});
  planned_free(&p);

  /* without build-args, target build: the same as for final minus the
   * stages final adds */
  run_opts b = {.targets = {"build"}, .target_count = 1};
  p = PLAN_OK(outline_df, &b);
  EXPECT_ARGS(p.plan, {"VERSION", "3.19", "the alpine version", 3}, {"MODE", "release", "build mode", 7},
              {"NOVALUE", NULL, "", 10});
  planned_free(&p);

  /* the outline is of the first target */
  run_opts other = {.targets = {"other", "final"}, .target_count = 2};
  p = PLAN_OK(outline_df, &other);
  EXPECT_ARGS(p.plan, {"OTHER", "1", "other's arg", 24});
  assert_int_equal(stagegraph_plan_secret_count(p.plan), 0);
  assert_int_equal(stagegraph_plan_ssh_count(p.plan), 1);
  assert_string_equal(stagegraph_plan_ssh_id(p.plan, 0), "otherssh");
  planned_free(&p);
}

/* b.2/c.10: a build-arg makes a stage's re-declared `ARG X` its own
 * definition (it no longer inherits the global). */
static void test_outline_build_arg_redeclared(void **state) {
  (void)state;
  planned p;
  /* With a build-arg, the stage's `ARG VERSION` takes the build-arg's
   * value instead of inheriting the global (b.2), so it is its own
   * definition; the outline has one entry per name (outline.go keys args
   * by name). */
  run_opts ba = {.targets = {"build"}, .target_count = 1, .build_args = {"VERSION=3.20", "MODE=debug"},
                 .build_arg_count = 2};
  p = PLAN_OK(outline_df, &ba);
  EXPECT_ARGS(p.plan, {"MODE", "debug", "build mode", 7}, {"VERSION", "3.20", "", 9}, {"NOVALUE", NULL, "", 10});
  planned_free(&p);

  /* The last of a key given twice wins, a key that begins another is its
   * own, and "KEY" alone sets "" (stagegraph_options.build_args). */
  run_opts twice = {.targets = {"build"}, .target_count = 1,
                    .build_args = {"MODE=first", "VERSION=3.19", "MOD=x", "MODES=y", "MODE=debug",
                                   "VERSION=3.20", "NOVALUE"},
                    .build_arg_count = 7};
  p = PLAN_OK(outline_df, &twice);
  EXPECT_ARGS(p.plan, {"MODE", "debug", "build mode", 7}, {"VERSION", "3.20", "", 9}, {"NOVALUE", "", "", 10});
  planned_free(&p);

}

static void test_outline_secrets_ssh(void **state) {
  (void)state;
  run_opts ro = {.targets = {"final"}, .target_count = 1};
  planned p = PLAN_OK(outline_df, &ro);
  const stagegraph_plan *plan = p.plan;
  /* id: source, else id, else the basename of target; sorted by line */
  static const struct {
    const char *id;
    int required;
    uint32_t line;
  } secrets[] = {{"tok", 1, 11}, {"npmrc", 0, 12}, {"src1", 0, 14}, {"helpertok", 0, 18}},
    ssh[] = {{"default", 0, 13}, {"gh", 1, 15}};
  assert_int_equal(stagegraph_plan_secret_count(plan), 4);
  for (size_t i = 0; i < 4; i++) {
    assert_string_equal(stagegraph_plan_secret_id(plan, i), secrets[i].id);
    assert_int_equal(stagegraph_plan_secret_required(plan, i), secrets[i].required);
    assert_int_equal(stagegraph_plan_secret_line(plan, i), secrets[i].line);
  }
  assert_int_equal(stagegraph_plan_ssh_count(plan), 2);
  for (size_t i = 0; i < 2; i++) {
    assert_string_equal(stagegraph_plan_ssh_id(plan, i), ssh[i].id);
    assert_int_equal(stagegraph_plan_ssh_required(plan, i), ssh[i].required);
    assert_int_equal(stagegraph_plan_ssh_line(plan, i), ssh[i].line);
  }
  assert_null(stagegraph_plan_secret_id(plan, 4));
  assert_null(stagegraph_plan_ssh_id(plan, 2));
  planned_free(&p);
}

/* c.10: global ARGs used by FROM, transitively through their defaults. */
static void test_outline_globals(void **state) {
  (void)state;
  planned p = PLAN_OK("# A the major\n"
                      "ARG A=3\n"
                      "ARG B=alpine:$A\n"
                      "ARG C=unused\n"
                      "FROM $B\n",
                      NULL);
  EXPECT_ARGS(p.plan, {"A", "3", "the major", 2}, {"B", "alpine:3", "", 3});
  planned_free(&p);
  /* a global used only by a FROM --platform */
  p = PLAN_OK("ARG P=linux/arm64\nFROM --platform=$P alpine\n", NULL);
  EXPECT_ARGS(p.plan, {"P", "linux/arm64", "", 1});
  planned_free(&p);
  /* a global used by a pruned stage's FROM is not listed */
  p = PLAN_OK("ARG V=1\nFROM alpine:$V AS a\nFROM alpine AS b\n", NULL);
  assert_int_equal(stagegraph_plan_arg_count(p.plan), 0);
  planned_free(&p);
}

/* c.10: automatic platform args are listed only when declared globally,
 * given a default or supplied as a build-arg. */
static void test_outline_platform_args(void **state) {
  (void)state;
  static const char df[] = "ARG TARGETOS\n"            /* 1 */
                           "FROM alpine:$TARGETOS\n"   /* 2 */
                           "ARG TARGETARCH\n"          /* 3 */
                           "ARG BUILDARCH=x\n"         /* 4 */
                           "ARG TARGETVARIANT\n";      /* 5 */
  planned p = PLAN_OK(df, NULL);
  assert_int_equal(stagegraph_plan_arg_count(p.plan), 2);
  assert_string_equal(stagegraph_plan_arg_name(p.plan, 0), "TARGETOS");
  assert_int_equal(stagegraph_plan_arg_line(p.plan, 0), 1);
  assert_string_equal(stagegraph_plan_arg_name(p.plan, 1), "BUILDARCH");
  assert_string_equal(stagegraph_plan_arg_value(p.plan, 1), "x");
  assert_int_equal(stagegraph_plan_arg_line(p.plan, 1), 4);
  planned_free(&p);

  run_opts ro = {.build_args = {"TARGETARCH=arm64"}, .build_arg_count = 1};
  p = PLAN_OK(df, &ro);
  EXPECT_ARGS(p.plan, {"TARGETOS", ANY, NULL, 1}, {"TARGETARCH", "arm64", "", 3}, {"BUILDARCH", "x", "", 4});
  planned_free(&p);
}

/* ---- renderers ------------------------------------------------------------- */

static const char render_df[] = "FROM alpine AS builder\n"
                                "FROM alpine AS unused\n"
                                "FROM scratch AS final\n"
                                "COPY --from=builder /app /app\n";

static int line_with(const char *text, const char *a, const char *b) {
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char *l = malloc(n + 1);
    memcpy(l, p, n);
    l[n] = '\0';
    int hit = strstr(l, a) && (!b || strstr(l, b));
    free(l);
    if (hit) return 1;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

static void test_render_json(void **state) {
  (void)state;
  planned p = PLAN_OK(render_df, NULL);
  char *s = render(p.plan, STAGEGRAPH_FORMAT_JSON);
  jr_value *v = jr_parse(s, strlen(s));
  if (!v) FAIL_MSG("render JSON does not parse:\n%s", s);
  const jr_value *schema = jr_get(v, "schema");
  assert_non_null(schema);
  assert_int_equal(schema->type, JR_STRING);
  assert_string_equal(schema->str, "stagegraph.plan/1");
  const jr_value *stages = jr_get(v, "stages");
  assert_non_null(stages);
  assert_int_equal(stages->type, JR_ARRAY);
  assert_int_equal(stages->count, 3);
  const jr_value *name = jr_get(stages->items[1], "name");
  assert_non_null(name);
  assert_string_equal(name->str, "unused");
  const jr_value *needed = jr_get(stages->items[1], "needed");
  assert_non_null(needed);
  assert_int_equal(needed->type, JR_BOOL);
  assert_int_equal(needed->boolean, 0);
  jr_free(v);
  live_forget(s);
  free(s);
  planned_free(&p);
}

/* The id of the node whose definition line shows `label` (the first line
 * with the label and a `[` or `(` but no edge arrow): the first token. */
static int node_id(const char *text, const char *label, char *id, size_t cap) {
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char *l = malloc(n + 1);
    memcpy(l, p, n);
    l[n] = '\0';
    if (strstr(l, label) && (strchr(l, '[') || strchr(l, '(')) && !strstr(l, "->") && !strstr(l, "-.") &&
        !strstr(l, "==")) {
      const char *t = l;
      while (*t == ' ' || *t == '\t') t++;
      size_t k = 0;
      while (t[k] && t[k] != ' ' && t[k] != '[' && t[k] != '(' && t[k] != '\t' && k + 1 < cap) {
        id[k] = t[k];
        k++;
      }
      id[k] = '\0';
      free(l);
      return k > 0;
    }
    free(l);
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

/* A line holding an edge from id `a` to id `b`: it starts with `a`, has
 * an arrow, and `b` follows it as a whole token (DOT `a -> b [..];`,
 * Mermaid `a -.->|"label"| b`). */
static int edge_line(const char *text, const char *a, const char *b) {
  const char *p = text;
  size_t al = strlen(a), bl = strlen(b);
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    const char *l = p;
    while (l < p + n && (*l == ' ' || *l == '\t')) l++;
    size_t ln = n - (size_t)(l - p);
    if (ln > al && strncmp(l, a, al) == 0 && l[al] == ' ') {
      const char *arrow = NULL;
      for (size_t k = al; k + 1 < ln && !arrow; k++)
        if ((l[k] == '-' || l[k] == '=') && (l[k + 1] == '>' || l[k + 1] == '.' || l[k + 1] == '=' || l[k + 1] == '-'))
          arrow = l + k;
      for (const char *q = arrow; q && q + bl <= l + ln; q++) {
        if ((q[-1] == ' ' || q[-1] == '|') && strncmp(q, b, bl) == 0 &&
            (q + bl == l + ln || q[bl] == ' ' || q[bl] == ';' || q[bl] == '['))
          return 1;
      }
    }
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

static void test_render_dot(void **state) {
  (void)state;
  planned p = PLAN_OK(render_df, NULL);
  char *s = render(p.plan, STAGEGRAPH_FORMAT_DOT);
  assert_non_null(strstr(s, "digraph"));
  assert_non_null(strstr(s, "alpine"));
  char builder[32], unused[32], final[32];
  if (!node_id(s, "builder", builder, sizeof builder) || !node_id(s, "unused", unused, sizeof unused) ||
      !node_id(s, "final", final, sizeof final))
    FAIL_MSG("DOT: a stage has no node:\n%s", s);
  /* the pruned stage is styled apart (dashed or grey), the needed not */
  if (!line_with(s, "unused", "dashed") && !line_with(s, "unused", "gray") && !line_with(s, "unused", "grey"))
    FAIL_MSG("DOT: the pruned stage is not styled:\n%s", s);
  if (line_with(s, "\"builder", "gray") || line_with(s, "\"final", "gray"))
    FAIL_MSG("DOT: a needed stage is greyed:\n%s", s);
  if (!edge_line(s, builder, final)) FAIL_MSG("DOT: no edge builder -> final:\n%s", s);
  if (edge_line(s, unused, final) || edge_line(s, builder, unused)) FAIL_MSG("DOT: a made-up edge:\n%s", s);
  if (s[strlen(s) - 1] != '\n' || !strstr(s, "}")) FAIL_MSG("DOT: unterminated:\n%s", s);
  live_forget(s);
  free(s);
  planned_free(&p);
}

static void test_render_mermaid(void **state) {
  (void)state;
  planned p = PLAN_OK(render_df, NULL);
  char *s = render(p.plan, STAGEGRAPH_FORMAT_MERMAID);
  assert_true(strncmp(s, "flowchart", 9) == 0 || strncmp(s, "graph", 5) == 0);
  char builder[32], unused[32], final[32], want[96];
  if (!node_id(s, "\"builder\"", builder, sizeof builder) || !node_id(s, "\"unused\"", unused, sizeof unused) ||
      !node_id(s, "\"final\"", final, sizeof final))
    FAIL_MSG("Mermaid: a stage has no node:\n%s", s);
  snprintf(want, sizeof want, "class %s ", unused);
  if (!line_with(s, want, "pruned")) FAIL_MSG("Mermaid: the pruned stage has no class:\n%s", s);
  snprintf(want, sizeof want, "class %s ", builder);
  if (line_with(s, want, "pruned")) FAIL_MSG("Mermaid: a needed stage is classed pruned:\n%s", s);
  if (!edge_line(s, builder, final)) FAIL_MSG("Mermaid: no edge builder -> final:\n%s", s);
  if (edge_line(s, unused, final)) FAIL_MSG("Mermaid: a made-up edge:\n%s", s);
  live_forget(s);
  free(s);
  planned_free(&p);
}

static void test_render_text(void **state) {
  (void)state;
  planned p = PLAN_OK(render_df, NULL);
  char *s = render(p.plan, STAGEGRAPH_FORMAT_TEXT);
  assert_non_null(strstr(s, "builder"));
  assert_non_null(strstr(s, "final"));
  assert_non_null(strstr(s, "unused"));
  /* the skipped stage is reported after the built ones */
  const char *skip = strstr(s, "Skip");
  if (!skip) skip = strstr(s, "skip");
  if (!skip) skip = strstr(s, "pruned");
  if (!skip || !strstr(skip, "unused")) FAIL_MSG("text: the pruned stage is not reported:\n%s", s);
  live_forget(s);
  free(s);
  planned_free(&p);

  /* legacy mode says so */
  run_opts ro = {.legacy = 1, .targets = {"unused"}, .target_count = 1};
  p = PLAN_OK(render_df, &ro);
  assert_int_equal(stagegraph_plan_is_legacy(p.plan), 1);
  s = render(p.plan, STAGEGRAPH_FORMAT_TEXT);
  assert_non_null(strstr(s, "legacy"));
  live_forget(s);
  free(s);
  s = render(p.plan, STAGEGRAPH_FORMAT_JSON);
  jr_value *v = jr_parse(s, strlen(s));
  assert_non_null(v);
  const jr_value *legacy = jr_get(v, "legacy");
  assert_non_null(legacy);
  assert_int_equal(legacy->boolean, 1);
  jr_free(v);
  live_forget(s);
  free(s);
  planned_free(&p);
}

/* ---- robustness -------------------------------------------------------------- */

/* A failed allocation anywhere in planning is STAGEGRAPH_ENOMEM, with no
 * leak (run under valgrind) and no crash. */
static void test_out_of_memory(void **state) {
  (void)state;
  alloc_budget ab;
  budget_init(&ab);
  stagegraph_allocator a = budget_allocator(&ab);
  stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
  o.allocator = &a;
  const char *src = outline_df;
  stagegraph_doc *doc = NULL;
  assert_int_equal(stagegraph_parse(&doc, src, strlen(src), &o, NULL), 0);
  live_add(1, doc);
  const char *targets[] = {"final"};
  const char *contexts[] = {"helper=docker-image://busybox"};
  stagegraph_plan_options po = STAGEGRAPH_PLAN_OPTIONS_INIT;
  po.targets = targets;
  po.target_count = 1;
  po.build_contexts = contexts;
  po.build_context_count = 1;
  int done = 0;
  for (long budget = 0; budget < 100000 && !done; budget++) {
    stagegraph_plan *plan = NULL;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    budget_fail(&ab, budget, 1);
    int rc = stagegraph_plan_new(&plan, doc, &po, &err);
    if (rc == 0) {
      stagegraph_buf b = STAGEGRAPH_BUF_INIT;
      int rrc = stagegraph_plan_render(&b, plan, STAGEGRAPH_FORMAT_JSON, &err);
      assert_true(rrc == 0 || rrc == STAGEGRAPH_ENOMEM);
      stagegraph_buf_dispose(&b);
      budget_fail(&ab, -1, 0);
      stagegraph_plan_free(plan);
      done = budget > 0;
      if (!done) FAIL_MSG("plan_new succeeded without allocating");
    } else {
      if (rc != STAGEGRAPH_ENOMEM)
        FAIL_MSG("budget %ld: %s %s (want ENOMEM)", budget, stagegraph_code_name(rc), err.message);
      assert_int_equal(err.code, STAGEGRAPH_ENOMEM);
      assert_null(plan);
    }
  }
  assert_true(done);
  live_forget(doc);
  stagegraph_doc_free(doc);
}

/* A document is immutable: two plans of one document with different
 * options do not disturb each other. */
/* The dispatch checks under allocation failure of each allocation in
 * turn (that one alone, so that a failure the library swallowed is not
 * hidden by the next one failing too): ENOMEM, then the one result (a
 * plan, or the check's error). */
static void sweep_dispatch_checks(const char *src, int want, const char *message) {
  alloc_budget ab;
  budget_init(&ab);
  stagegraph_allocator a = budget_allocator(&ab);
  stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
  o.allocator = &a;
  stagegraph_doc *doc = NULL;
  assert_int_equal(stagegraph_parse(&doc, src, strlen(src), &o, NULL), 0);
  live_add(1, doc);
  int done = 0;
  for (long budget = 0; budget < 100000 && !done; budget++) {
    stagegraph_plan *plan = NULL;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    budget_fail(&ab, budget, 0);
    int rc = stagegraph_plan_new(&plan, doc, NULL, &err);
    int injected = atomic_load(&ab.injected);
    budget_fail(&ab, -1, 0);
    stagegraph_plan_free(plan);
    if (rc == STAGEGRAPH_ENOMEM) continue;
    /* a failed allocation must not turn into another answer */
    if (injected) FAIL_MSG("budget %ld: an allocation failed, yet %s", budget, stagegraph_code_name(rc));
    if (rc != want || (message && strcmp(err.message, message) != 0))
      FAIL_MSG("budget %ld: %s \"%s\" (want %s)", budget, stagegraph_code_name(rc), err.message,
               stagegraph_code_name(want));
    done = 1;
  }
  assert_true(done);
  live_forget(doc);
  stagegraph_doc_free(doc);
}

static void test_out_of_memory_dispatch_checks(void **state) {
  (void)state;
  /* more EXPOSE words than the stack holds, a --chmod copied aside, a
   * long number for STOPSIGNAL */
  sweep_dispatch_checks("FROM alpine\nEXPOSE 20 19 18 17 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0\n"
                        "COPY --chmod=u+x,go-w a /b\nSTOPSIGNAL 000000000000000000000000000000000009\n"
                        "VOLUME [\" /data \"]\n",
                        0, NULL);
  /* a signal name too long for the stack: upper-cased on the heap */
  sweep_dispatch_checks("FROM alpine\nSTOPSIGNAL sig-not-a-signal-and-longer-than-thirty-two-bytes\n",
                        STAGEGRAPH_EINSTRUCTION,
                        "invalid signal: sig-not-a-signal-and-longer-than-thirty-two-bytes");
  sweep_dispatch_checks("FROM alpine\nEXPOSE 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 70000\n",
                        STAGEGRAPH_EINSTRUCTION, "invalid containerPort: 70000");
}

static void test_two_plans_one_doc(void **state) {
  (void)state;
  stagegraph_doc *doc = parse_with("FROM alpine AS a\nFROM alpine AS b\nCOPY --from=a /x /x\n", NULL);
  const char *ta[] = {"a"};
  stagegraph_plan_options pa = STAGEGRAPH_PLAN_OPTIONS_INIT, pb = STAGEGRAPH_PLAN_OPTIONS_INIT;
  pa.targets = ta;
  pa.target_count = 1;
  pb.legacy = 1;
  stagegraph_plan *x = NULL, *y = NULL;
  assert_int_equal(stagegraph_plan_new(&x, doc, &pa, NULL), 0);
  assert_int_equal(stagegraph_plan_new(&y, doc, &pb, NULL), 0);
  size_t n;
  const size_t *o = stagegraph_plan_order(x, &n);
  EXPECT_LIST("order a", o, n, 0);
  o = stagegraph_plan_order(y, &n);
  EXPECT_LIST("order legacy", o, n, 0, 1);
  assert_int_equal(stagegraph_plan_is_legacy(x), 0);
  assert_int_equal(stagegraph_plan_is_legacy(y), 1);
  stagegraph_plan_free(x);
  stagegraph_plan_free(y);
  stagegraph_doc_free(doc);
}

/* ---- golden cases ------------------------------------------------------------- */

static const char *find_cases_dir(void) {
  static const char *const candidates[] = {"tests/cases/plan", "../tests/cases/plan",
                                           "../../tests/cases/plan", "cases/plan"};
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
    struct stat st;
    if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode)) return candidates[i];
  }
  return NULL;
}

static int path_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static const char *type_name(jr_type t) {
  switch (t) {
  case JR_NULL: return "null";
  case JR_BOOL: return "bool";
  case JR_NUMBER: return "number";
  case JR_STRING: return "string";
  case JR_ARRAY: return "array";
  case JR_OBJECT: return "object";
  }
  return "?";
}

static void describe(const jr_value *v, char *out, size_t cap) {
  switch (v->type) {
  case JR_NULL: snprintf(out, cap, "null"); break;
  case JR_BOOL: snprintf(out, cap, "%s", v->boolean ? "true" : "false"); break;
  case JR_NUMBER: snprintf(out, cap, "%g", v->number); break;
  case JR_STRING: snprintf(out, cap, "\"%s\"", v->str); break;
  case JR_ARRAY: snprintf(out, cap, "array of %zu", v->count); break;
  case JR_OBJECT: snprintf(out, cap, "object of %zu keys", v->count); break;
  }
}

/* Subset match: on mismatch writes the path and both values to `why`. */
static int json_subset(const jr_value *want, const jr_value *got, char *path, size_t plen, char *why,
                       size_t wcap) {
  char a[160], b[160];
  if (!got) {
    describe(want, a, sizeof a);
    snprintf(why, wcap, "%s: missing (want %s)", path[0] ? path : "$", a);
    return 0;
  }
  if (want->type != got->type) {
    describe(want, a, sizeof a);
    describe(got, b, sizeof b);
    snprintf(why, wcap, "%s: want %s %s, got %s %s", path[0] ? path : "$", type_name(want->type), a,
             type_name(got->type), b);
    return 0;
  }
  size_t base = strlen(path);
  switch (want->type) {
  case JR_NULL: return 1;
  case JR_BOOL:
  case JR_NUMBER:
  case JR_STRING: {
    int eq = want->type == JR_BOOL     ? want->boolean == got->boolean
             : want->type == JR_NUMBER ? want->number == got->number
                                       : (want->str_len == got->str_len &&
                                          memcmp(want->str, got->str, want->str_len) == 0);
    if (!eq) {
      describe(want, a, sizeof a);
      describe(got, b, sizeof b);
      snprintf(why, wcap, "%s: want %s, got %s", path[0] ? path : "$", a, b);
    }
    return eq;
  }
  case JR_ARRAY:
    if (want->count != got->count) {
      snprintf(why, wcap, "%s: want %zu elements, got %zu", path[0] ? path : "$", want->count, got->count);
      return 0;
    }
    for (size_t i = 0; i < want->count; i++) {
      snprintf(path + base, plen - base, "[%zu]", i);
      if (!json_subset(want->items[i], got->items[i], path, plen, why, wcap)) return 0;
      path[base] = '\0';
    }
    return 1;
  case JR_OBJECT:
    for (size_t i = 0; i < want->count; i++) {
      snprintf(path + base, plen - base, ".%s", want->keys[i]);
      if (!json_subset(want->items[i], jr_get(got, want->keys[i]), path, plen, why, wcap)) return 0;
      path[base] = '\0';
    }
    return 1;
  }
  return 0;
}

/* Reads `args` into ro; strings point into `text`, which the caller keeps. */
static int read_args(char *text, run_opts *ro, char *why, size_t wcap) {
  memset(ro, 0, sizeof *ro);
  if (!text) return 1;
  char *save = NULL;
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    size_t n = strlen(l);
    while (n && (l[n - 1] == '\r' || l[n - 1] == ' ')) l[--n] = '\0';
    if (!n || l[0] == '#') continue;
    if (strncmp(l, "target=", 7) == 0 && ro->target_count < 16) {
      ro->targets[ro->target_count++] = l + 7;
    } else if (strncmp(l, "build-arg=", 10) == 0 && ro->build_arg_count < 16) {
      ro->build_args[ro->build_arg_count++] = l + 10;
    } else if (strncmp(l, "build-context=", 14) == 0 && ro->context_count < 16) {
      ro->contexts[ro->context_count++] = l + 14;
    } else if (strncmp(l, "platform=", 9) == 0) {
      ro->platform = l + 9;
    } else if (strcmp(l, "legacy") == 0) {
      ro->legacy = 1;
    } else {
      snprintf(why, wcap, "bad line in args: %s", l);
      return 0;
    }
  }
  return 1;
}

static char *join(const char *dir, const char *name, const char *file) {
  size_t n = strlen(dir) + strlen(name) + strlen(file) + 3;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s/%s", dir, name, file);
  return p;
}

/* Runs one case; returns 1 when it passes, else fills `why`. */
static int run_case(const char *dir, const char *name, char *why, size_t wcap, char *actual,
                    size_t actual_cap) {
  int ok = 0;
  char *df_path = join(dir, name, "Dockerfile"), *args_path = join(dir, name, "args");
  char *exp_path = join(dir, name, "expect.json"), *err_path = join(dir, name, "error");
  size_t df_len = 0, exp_len = 0;
  char *df = read_file(df_path, &df_len);
  char *args = path_exists(args_path) ? read_file(args_path, NULL) : NULL;
  char *exp = path_exists(exp_path) ? read_file(exp_path, &exp_len) : NULL;
  char *errtext = path_exists(err_path) ? read_file(err_path, NULL) : NULL;
  stagegraph_doc *doc = NULL;
  stagegraph_plan *plan = NULL;
  jr_value *want = NULL, *got = NULL;
  char *json = NULL;
  run_opts ro;
  if (!df) {
    snprintf(why, wcap, "no Dockerfile");
    goto out;
  }
  if (!exp == !errtext) {
    snprintf(why, wcap, "needs exactly one of expect.json and error");
    goto out;
  }
  if (!read_args(args, &ro, why, wcap)) goto out;
  stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
  o.build_args = ro.build_args;
  o.build_arg_count = ro.build_arg_count;
  o.platform = ro.platform;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_parse(&doc, df, df_len, &o, &err);
  if (rc == 0) {
    stagegraph_plan_options po;
    plan_opts_from(&po, &ro);
    stagegraph_error_init(&err, sizeof err);
    rc = stagegraph_plan_new(&plan, doc, &po, &err);
    if (rc && plan) {
      snprintf(why, wcap, "failed (%s) but *out is not NULL", stagegraph_code_name(rc));
      plan = NULL;
      goto out;
    }
  }
  if (errtext) {
    /* CODE LINE MESSAGE */
    size_t n = strlen(errtext);
    while (n && (errtext[n - 1] == '\n' || errtext[n - 1] == '\r')) errtext[--n] = '\0';
    char code[32] = "";
    unsigned line = 0;
    int used = 0;
    if (sscanf(errtext, "%31s %u %n", code, &line, &used) < 2) {
      snprintf(why, wcap, "bad error file: %s", errtext);
      goto out;
    }
    const char *msg = errtext + used;
    if (rc == 0) {
      snprintf(why, wcap, "want %s %u \"%s\", got success", code, line, msg);
      goto out;
    }
    if (strcmp(stagegraph_code_name(rc), code) != 0 || err.line != line || strcmp(err.message, msg) != 0) {
      snprintf(why, wcap, "want %s %u \"%s\"\n        got  %s %u \"%s\"", code, line, msg,
               stagegraph_code_name(rc), err.line, err.message);
      goto out;
    }
    ok = 1;
    goto out;
  }
  if (rc) {
    snprintf(why, wcap, "want success, got %s %u \"%s\"", stagegraph_code_name(rc), err.line, err.message);
    goto out;
  }
  want = jr_parse(exp, exp_len);
  if (!want) {
    snprintf(why, wcap, "expect.json does not parse");
    goto out;
  }
  stagegraph_buf b = STAGEGRAPH_BUF_INIT;
  rc = stagegraph_plan_render(&b, plan, STAGEGRAPH_FORMAT_JSON, &err);
  if (rc) {
    snprintf(why, wcap, "render failed: %s %s", stagegraph_code_name(rc), err.message);
    goto out;
  }
  json = malloc(b.size + 1);
  memcpy(json, b.ptr, b.size + 1);
  stagegraph_buf_dispose(&b);
  got = jr_parse(json, strlen(json));
  if (!got) {
    snprintf(why, wcap, "the plan's JSON does not parse");
    goto out;
  }
  char path[512] = "";
  if (!json_subset(want, got, path, sizeof path, why, wcap)) goto out;
  /* every format renders */
  for (int f = STAGEGRAPH_FORMAT_TEXT; f <= STAGEGRAPH_FORMAT_MERMAID; f++) {
    stagegraph_buf r = STAGEGRAPH_BUF_INIT;
    if (stagegraph_plan_render(&r, plan, (stagegraph_format)f, &err) != 0 || !r.ptr || !r.size) {
      snprintf(why, wcap, "format %d does not render", f);
      stagegraph_buf_dispose(&r);
      goto out;
    }
    stagegraph_buf_dispose(&r);
  }
  ok = 1;
out:
  if (!ok && json && actual_cap) {
    /* the actual JSON, compact, helps to read a failure */
    size_t w = 0;
    for (const char *c = json; *c && w + 1 < actual_cap; c++)
      if (*c != '\n' && !(*c == ' ' && (c[1] == ' ' || c[-1] == ' ' || c[-1] == '\n'))) actual[w++] = *c;
    actual[w] = '\0';
  }
  jr_free(want);
  jr_free(got);
  free(json);
  stagegraph_plan_free(plan);
  stagegraph_doc_free(doc);
  free(df);
  free(args);
  free(exp);
  free(errtext);
  free(df_path);
  free(args_path);
  free(exp_path);
  free(err_path);
  return ok;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden_cases(void **state) {
  (void)state;
  const char *dir = find_cases_dir();
  if (!dir) FAIL_MSG("tests/cases/plan not found (run from the repository root)");
  DIR *d = opendir(dir);
  assert_non_null(d);
  char **names = NULL;
  size_t count = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 64;
      names = realloc(names, cap * sizeof *names);
      assert_non_null(names);
    }
    names[count++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, count, sizeof *names, cmp_names);
  size_t failures = 0;
  static char why[700], actual[16384];
  for (size_t i = 0; i < count; i++) {
    why[0] = actual[0] = '\0';
    if (!run_case(dir, names[i], why, sizeof why, actual, sizeof actual)) {
      failures++;
      /* cmocka's print_error has a short buffer: print in pieces */
      print_error("[  CASE  ] %s: FAILED\n", names[i]);
      print_error("        %s\n", why);
      if (actual[0]) {
        print_error("        actual: ");
        for (size_t k = 0, n = strlen(actual); k < n; k += 400) print_error("%.400s", actual + k);
        print_error("\n");
      }
    }
    free(names[i]);
  }
  free(names);
  print_message("[  CASES ] %zu of %zu golden plan cases passed\n", count - failures, count);
  if (failures) FAIL_MSG("%zu of %zu golden cases failed", failures, count);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_options_init),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_verdict_refused),
      cmocka_unit_test(test_stage_getters),
      cmocka_unit_test(test_edge_getters),
      cmocka_unit_test(test_image_uses),
      cmocka_unit_test(test_named_contexts),
      cmocka_unit_test(test_onbuild_edges),
      cmocka_unit_test(test_onbuild_default_escape),
      cmocka_unit_test(test_onbuild_forward),
      cmocka_unit_test(test_forward_references),
      cmocka_unit_test(test_forward_index),
      cmocka_unit_test(test_outline_args),
      cmocka_unit_test(test_outline_build_arg_redeclared),
      cmocka_unit_test(test_outline_secrets_ssh),
      cmocka_unit_test(test_outline_globals),
      cmocka_unit_test(test_outline_platform_args),
      cmocka_unit_test(test_render_json),
      cmocka_unit_test(test_render_dot),
      cmocka_unit_test(test_render_mermaid),
      cmocka_unit_test(test_render_text),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_out_of_memory_dispatch_checks),
      cmocka_unit_test(test_two_plans_one_doc),
      cmocka_unit_test(test_stop_signal),
      cmocka_unit_test(test_expose_ports),
      cmocka_unit_test(test_volume_expanded_empty),
      cmocka_unit_test(test_copy_chmod),
      cmocka_unit_test(test_golden_cases),
  };
  return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
