/* The cache model (issue "Cacheable layer boundaries and change impact";
 * spec section e of ../shared/spec/buildkit-semantics.md): layers versus
 * metadata (e.1), the inputs of RUN and COPY/ADD cache keys (e.2, e.3),
 * how a change propagates inside a stage and between stages (e.4), the
 * .dockerignore (e.5), build-arg scopes (b.2), the cache boundary and the
 * surviving-layer summary, and the renderers.
 *
 * Every expectation is derived by hand from the spec (cited as e.N / b.2)
 * or the issue, and where both are silent from BuildKit's dockerfile2llb
 * (convert.go, cited by function); the library's own output is never the
 * source of an expectation.
 *
 * Stage expectations are written as one token per instruction in build
 * order (FROM, the parent's ONBUILD triggers, then the stage's own): a
 * status letter, c(ached) m(aybe) or i(nvalidated), then L for an
 * instruction that makes a layer or - for one that only changes metadata. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "budget.h"
#include "stagegraph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"

/* ---- bookkeeping ------------------------------------------------------------ */

/* What a failing check must release before it jumps out of the test, so
 * that valgrind stays quiet about the test itself when the library is
 * wrong. */
enum { LIVE_MAX = 64 };
enum { LIVE_DOC = 1, LIVE_PLAN, LIVE_CACHE, LIVE_MALLOC, LIVE_JSON };
static struct {
  int kind;
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

/* Caches before plans before documents. */
static void live_release(void) {
  static const int order[] = {LIVE_CACHE, LIVE_PLAN, LIVE_DOC, LIVE_MALLOC, LIVE_JSON};
  for (size_t pass = 0; pass < sizeof order / sizeof order[0]; pass++)
    for (size_t i = 0; i < LIVE_MAX; i++) {
      if (live[i].kind != order[pass]) continue;
      switch (live[i].kind) {
      case LIVE_CACHE: stagegraph_cache_free(live[i].ptr); break;
      case LIVE_PLAN: stagegraph_plan_free(live[i].ptr); break;
      case LIVE_DOC: stagegraph_doc_free(live[i].ptr); break;
      case LIVE_MALLOC: free(live[i].ptr); break;
      case LIVE_JSON: jr_free(live[i].ptr); break;
      }
      live[i].kind = 0;
    }
}

static int live_teardown(void **state) {
  (void)state;
  live_release();
  return 0;
}

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

/* ---- building a model --------------------------------------------------------- */

/* One scenario: the build (targets, build args) and what changed. Lists
 * end at their first NULL, so designated initialisers need no counts. */
typedef struct scenario {
  const char *targets[8];
  const char *build_args[8];
  const char *paths[16];
  const char *args[8];
  const char *images[8];
  const char *ignore; /* .dockerignore text, or NULL */
  const char *const *many_paths; /* instead of paths when set: many_path_count of them */
  size_t many_path_count;
} scenario;

static size_t count_of(const char *const *list, size_t max) {
  size_t n = 0;
  while (n < max && list[n]) n++;
  return n;
}
#define COUNT(list) count_of((list), sizeof(list) / sizeof((list)[0]))

typedef struct model {
  const char *src;
  stagegraph_doc *doc;
  stagegraph_plan *plan;
  stagegraph_cache *cache;
} model;

static void options_from(stagegraph_cache_options *o, const scenario *s) {
  stagegraph_cache_options_init(o, sizeof *o);
  o->changed_paths = s->many_paths ? s->many_paths : s->paths;
  o->changed_path_count = s->many_paths ? s->many_path_count : COUNT(s->paths);
  o->changed_args = s->args;
  o->changed_arg_count = COUNT(s->args);
  o->changed_images = s->images;
  o->changed_image_count = COUNT(s->images);
  o->dockerignore = s->ignore;
  o->dockerignore_len = s->ignore ? strlen(s->ignore) : 0;
}

static model model_at(const char *file, int line, const char *src, const scenario *s) {
  model m = {src, NULL, NULL, NULL};
  stagegraph_options po = STAGEGRAPH_OPTIONS_INIT;
  po.build_args = s->build_args;
  po.build_arg_count = COUNT(s->build_args);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_parse(&m.doc, src, strlen(src), &po, &err);
  if (rc) FAIL_MSG("%s:%d: parse failed: %s %u %s\ninput:\n%s", file, line, stagegraph_code_name(rc),
                   err.line, err.message, src);
  live_add(LIVE_DOC, m.doc);
  stagegraph_plan_options plo = STAGEGRAPH_PLAN_OPTIONS_INIT;
  plo.targets = s->targets;
  plo.target_count = COUNT(s->targets);
  rc = stagegraph_plan_new(&m.plan, m.doc, &plo, &err);
  if (rc) FAIL_MSG("%s:%d: plan failed: %s %u %s\ninput:\n%s", file, line, stagegraph_code_name(rc),
                   err.line, err.message, src);
  live_add(LIVE_PLAN, m.plan);
  stagegraph_cache_options co;
  options_from(&co, s);
  rc = stagegraph_cache_new(&m.cache, m.plan, &co, &err);
  if (rc) FAIL_MSG("%s:%d: stagegraph_cache_new failed: %s %u %s\ninput:\n%s", file, line,
                   stagegraph_code_name(rc), err.line, err.message, src);
  assert_non_null(m.cache);
  live_add(LIVE_CACHE, m.cache);
  return m;
}
#define MODEL(src, ...) model_at(__FILE__, __LINE__, (src), &(scenario){__VA_ARGS__})

static void model_free(model *m) {
  live_forget(m->cache);
  live_forget(m->plan);
  live_forget(m->doc);
  stagegraph_cache_free(m->cache);
  stagegraph_plan_free(m->plan);
  stagegraph_doc_free(m->doc);
  memset(m, 0, sizeof *m);
}

/* ---- reading a model ------------------------------------------------------------ */

static const char *display_name(const model *m, size_t stage, char *tmp, size_t cap) {
  const char *n = stagegraph_stage_name(stagegraph_doc_stage(m->doc, stage));
  if (n) return n;
  snprintf(tmp, cap, "stage-%zu", stage);
  return tmp;
}

/* The position of the stage named `name` among the reported stages, or
 * STAGEGRAPH_NONE. */
static size_t find_stage(const model *m, const char *name) {
  char tmp[32];
  for (size_t i = 0; i < stagegraph_cache_stage_count(m->cache); i++)
    if (strcmp(display_name(m, stagegraph_cache_stage(m->cache, i), tmp, sizeof tmp), name) == 0)
      return i;
  return STAGEGRAPH_NONE;
}

static char status_letter(stagegraph_cache_status s) {
  return s == STAGEGRAPH_CACHED ? 'c' : s == STAGEGRAPH_MAYBE ? 'm' : s == STAGEGRAPH_INVALIDATED ? 'i' : '?';
}

/* The tokens of a stage ("c- iL ..."), into buf. */
static void tokens_of(const model *m, size_t i, char *buf, size_t cap) {
  size_t n = stagegraph_cache_instruction_count(m->cache, i), at = 0;
  buf[0] = '\0';
  for (size_t k = 0; k < n && at + 4 < cap; k++) {
    buf[at++] = status_letter(stagegraph_cache_instruction_status(m->cache, i, k));
    buf[at++] = stagegraph_cache_instruction_layer(m->cache, i, k) ? 'L' : '-';
    if (k + 1 < n) buf[at++] = ' ';
    buf[at] = '\0';
  }
}

/* Everything the model says, for failure messages. */
static void print_model(const model *m) {
  char tmp[32];
  print_error("input:\n%s\nmodel:\n", m->src);
  for (size_t i = 0; i < stagegraph_cache_stage_count(m->cache); i++) {
    size_t stage = stagegraph_cache_stage(m->cache, i);
    size_t b = stagegraph_cache_boundary(m->cache, i);
    print_error("  [%zu] %s first_invalidated=%u boundary=%lld\n", stage,
                display_name(m, stage, tmp, sizeof tmp), stagegraph_cache_first_invalidated(m->cache, i),
                b == STAGEGRAPH_NONE ? -1LL : (long long)b);
    for (size_t k = 0; k < stagegraph_cache_instruction_count(m->cache, i); k++) {
      const stagegraph_instruction *ins = stagegraph_cache_instruction(m->cache, i, k);
      const char *why = stagegraph_cache_instruction_reason(m->cache, i, k);
      print_error("    %2u %-8s %c%c%s%s %s\n", stagegraph_instruction_start_line(ins),
                  stagegraph_kind_name(stagegraph_instruction_kind(ins)),
                  status_letter(stagegraph_cache_instruction_status(m->cache, i, k)),
                  stagegraph_cache_instruction_layer(m->cache, i, k) ? 'L' : '-',
                  stagegraph_cache_instruction_onbuild(m->cache, i, k) ? " onbuild" : "",
                  stagegraph_cache_instruction_linked(m->cache, i, k) ? " linked" : "", why ? why : "");
    }
  }
}

/* The stage reports exactly these tokens and this first non-cached line. */
static void expect_stage_at(const char *file, int line, const model *m, const char *name,
                            uint32_t first, const char *tokens) {
  size_t i = find_stage(m, name);
  if (i == STAGEGRAPH_NONE) {
    print_error("%s:%d: stage %s is not reported\n", file, line, name);
    print_model(m);
    FAIL();
  }
  char got[512];
  tokens_of(m, i, got, sizeof got);
  uint32_t got_first = stagegraph_cache_first_invalidated(m->cache, i);
  /* a reason exactly for what is not cached */
  for (size_t k = 0; k < stagegraph_cache_instruction_count(m->cache, i); k++) {
    int cached = stagegraph_cache_instruction_status(m->cache, i, k) == STAGEGRAPH_CACHED;
    const char *why = stagegraph_cache_instruction_reason(m->cache, i, k);
    if (cached != (why == NULL) || (why && !*why)) {
      print_error("%s:%d: stage %s instruction %zu: reason \"%s\" for status %s\n", file, line, name, k,
                  why ? why : "(null)", stagegraph_cache_status_name(stagegraph_cache_instruction_status(m->cache, i, k)));
      print_model(m);
      FAIL();
    }
  }
  if (strcmp(got, tokens) != 0 || got_first != first) {
    print_error("%s:%d: stage %s\n  want first_invalidated %u, %s\n  got  first_invalidated %u, %s\n",
                file, line, name, first, tokens, got_first, got);
    print_model(m);
    FAIL();
  }
}
#define EXPECT_STAGE(m, name, first, tokens) expect_stage_at(__FILE__, __LINE__, &(m), (name), (first), (tokens))

/* The position of the instruction starting at `line` in reported stage i. */
static size_t step_at(const model *m, size_t i, uint32_t line) {
  for (size_t k = 0; k < stagegraph_cache_instruction_count(m->cache, i); k++)
    if (stagegraph_instruction_start_line(stagegraph_cache_instruction(m->cache, i, k)) == line)
      return k;
  return STAGEGRAPH_NONE;
}

static size_t stage_or_fail(const char *file, int line, const model *m, const char *name) {
  size_t i = find_stage(m, name);
  if (i == STAGEGRAPH_NONE) {
    print_error("%s:%d: stage %s is not reported\n", file, line, name);
    print_model(m);
    FAIL();
  }
  return i;
}

static size_t step_or_fail(const char *file, int line, const model *m, size_t i, uint32_t at) {
  size_t k = step_at(m, i, at);
  if (k == STAGEGRAPH_NONE) {
    print_error("%s:%d: no instruction at line %u\n", file, line, at);
    print_model(m);
    FAIL();
  }
  return k;
}

/* One instruction's status. */
static void expect_status_at(const char *file, int line, const model *m, const char *name,
                             uint32_t at, stagegraph_cache_status want) {
  size_t i = stage_or_fail(file, line, m, name);
  size_t k = step_or_fail(file, line, m, i, at);
  stagegraph_cache_status got = stagegraph_cache_instruction_status(m->cache, i, k);
  if (got != want) {
    print_error("%s:%d: stage %s line %u: want %s, got %s\n", file, line, name, at,
                stagegraph_cache_status_name(want), stagegraph_cache_status_name(got));
    print_model(m);
    FAIL();
  }
}
#define EXPECT_STATUS(m, name, at, want) expect_status_at(__FILE__, __LINE__, &(m), (name), (at), (want))

/* The stages reported, in order: names separated by spaces. */
static void expect_order_at(const char *file, int line, const model *m, const char *names) {
  char got[256] = "", tmp[32];
  for (size_t i = 0; i < stagegraph_cache_stage_count(m->cache); i++)
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "",
             display_name(m, stagegraph_cache_stage(m->cache, i), tmp, sizeof tmp));
  if (strcmp(got, names) != 0) {
    print_error("%s:%d: stages: want \"%s\", got \"%s\"\n", file, line, names, got);
    print_model(m);
    FAIL();
  }
}
#define EXPECT_ORDER(m, names) expect_order_at(__FILE__, __LINE__, &(m), (names))

/* The boundary of a stage, as the line of the instruction it points at
 * (0: none). */
static void expect_boundary_at(const char *file, int line, const model *m, const char *name,
                               uint32_t want) {
  size_t i = stage_or_fail(file, line, m, name);
  size_t k = stagegraph_cache_boundary(m->cache, i);
  uint32_t got = 0;
  if (k != STAGEGRAPH_NONE) {
    const stagegraph_instruction *ins = stagegraph_cache_instruction(m->cache, i, k);
    got = ins ? stagegraph_instruction_start_line(ins) : (uint32_t)-1;
  }
  if (got != want) {
    print_error("%s:%d: stage %s: boundary at line %u, want %u\n", file, line, name, got, want);
    print_model(m);
    FAIL();
  }
}
#define EXPECT_BOUNDARY(m, name, want) expect_boundary_at(__FILE__, __LINE__, &(m), (name), (want))

/* The inputs of one instruction, as a set: "kind:value" words separated
 * by single spaces ("" for none). */
static void expect_inputs_at(const char *file, int line, const model *m, const char *name,
                             uint32_t at, const char *want) {
  size_t i = stage_or_fail(file, line, m, name);
  size_t k = step_or_fail(file, line, m, i, at);
  size_t n = stagegraph_cache_input_count(m->cache, i, k);
  char got[1024] = "";
  for (size_t in = 0; in < n; in++)
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s:%s", in ? " " : "",
             stagegraph_input_kind_name(stagegraph_cache_input_kind(m->cache, i, k, in)),
             stagegraph_cache_input_value(m->cache, i, k, in));
  /* same number of words, and every wanted word present */
  size_t want_n = 0;
  int ok = 1;
  char copy[1024];
  snprintf(copy, sizeof copy, "%s", want);
  for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
    want_n++;
    int found = 0;
    for (size_t in = 0; in < n && !found; in++) {
      char one[512];
      snprintf(one, sizeof one, "%s:%s", stagegraph_input_kind_name(stagegraph_cache_input_kind(m->cache, i, k, in)),
               stagegraph_cache_input_value(m->cache, i, k, in));
      found = strcmp(one, w) == 0;
    }
    ok &= found;
  }
  if (!ok || want_n != n) {
    print_error("%s:%d: stage %s line %u inputs: want {%s}, got {%s}\n", file, line, name, at, want, got);
    print_model(m);
    FAIL();
  }
}
#define EXPECT_INPUTS(m, name, at, want) expect_inputs_at(__FILE__, __LINE__, &(m), (name), (at), (want))

/* One instruction's reason, exactly. */
static void expect_reason_at(const char *file, int line, const model *m, const char *name,
                             uint32_t at, const char *want) {
  size_t i = stage_or_fail(file, line, m, name);
  size_t k = step_or_fail(file, line, m, i, at);
  const char *why = stagegraph_cache_instruction_reason(m->cache, i, k);
  if (!why || strcmp(why, want) != 0) {
    print_error("%s:%d: stage %s line %u: reason \"%s\", want \"%s\"\n", file, line, name, at,
                why ? why : "(null)", want);
    print_model(m);
    FAIL();
  }
}
#define EXPECT_REASON(m, name, at, want) expect_reason_at(__FILE__, __LINE__, &(m), (name), (at), (want))

static char *render(const model *m, stagegraph_format fmt) {
  stagegraph_buf b = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_cache_render(&b, m->cache, fmt, &err);
  if (rc) FAIL_MSG("render %d failed: %s %s", (int)fmt, stagegraph_code_name(rc), err.message);
  assert_non_null(b.ptr);
  assert_int_equal(strlen(b.ptr), b.size);
  char *s = malloc(b.size + 1);
  assert_non_null(s);
  memcpy(s, b.ptr, b.size + 1);
  stagegraph_buf_dispose(&b);
  live_add(LIVE_MALLOC, s);
  return s;
}

static void release(void *p) {
  live_forget(p);
  free(p);
}

/* ---- the Node.js build of examples/Dockerfile ------------------------------------ */

/* A copy of examples/Dockerfile (kept here so the line numbers below stay
 * put when the example changes). */
static const char node_dockerfile[] =
    "# syntax=docker/dockerfile:1\n"                                        /*  1 */
    "# A multi-stage build for a Node.js service: the input of `make run`.\n" /*  2 */
    "\n"                                                                      /*  3 */
    "ARG NODE_VERSION=20\n"                                                   /*  4 */
    "\n"                                                                      /*  5 */
    "# deps installs the locked dependencies once, for the stages below\n"   /*  6 */
    "FROM node:${NODE_VERSION}-bookworm-slim AS deps\n"                       /*  7 */
    "WORKDIR /app\n"                                                          /*  8 */
    "COPY package.json package-lock.json ./\n"                                /*  9 */
    "RUN --mount=type=cache,target=/root/.npm \\\n"                           /* 10 */
    "    npm ci\n"                                                            /* 11 */
    "\n"                                                                      /* 12 */
    "# build compiles the sources and drops the development dependencies\n" /* 13 */
    "FROM deps AS build\n"                                                    /* 14 */
    "COPY tsconfig.json ./\n"                                                 /* 15 */
    "COPY src ./src\n"                                                        /* 16 */
    "RUN npm run build \\\n"                                                  /* 17 */
    " && npm prune --omit=dev\n"                                              /* 18 */
    "\n"                                                                      /* 19 */
    "# test runs the test suite against the compiled output\n"              /* 20 */
    "FROM build AS test\n"                                                    /* 21 */
    "COPY test ./test\n"                                                      /* 22 */
    "RUN npm test\n"                                                          /* 23 */
    "\n"                                                                      /* 24 */
    "# runtime is the slim image that ships\n"                                /* 25 */
    "FROM node:${NODE_VERSION}-bookworm-slim AS runtime\n"                    /* 26 */
    "ENV NODE_ENV=production\n"                                               /* 27 */
    "WORKDIR /app\n"                                                          /* 28 */
    "COPY --from=build --chown=node:node /app/node_modules ./node_modules\n"  /* 29 */
    "COPY --from=build --chown=node:node /app/dist ./dist\n"                  /* 30 */
    "COPY --chown=node:node package.json ./\n"                                /* 31 */
    "USER node\n"                                                             /* 32 */
    "EXPOSE 3000\n"                                                           /* 33 */
    "HEALTHCHECK --interval=30s --timeout=3s \\\n"                            /* 34 */
    "  CMD [\"node\", \"dist/healthcheck.js\"]\n"                             /* 35 */
    "CMD [\"node\", \"dist/server.js\"]\n";                                   /* 36 */

/* ---- e.1: layers and metadata ------------------------------------------------------- */

static void test_options_init(void **state) {
  (void)state;
  stagegraph_cache_options o;
  memset(&o, 0xff, sizeof o);
  stagegraph_cache_options_init(&o, sizeof o);
  assert_int_equal(o.size, sizeof o);
  assert_null(o.changed_paths);
  assert_int_equal(o.changed_path_count, 0);
  assert_null(o.changed_args);
  assert_int_equal(o.changed_arg_count, 0);
  assert_null(o.changed_images);
  assert_int_equal(o.changed_image_count, 0);
  assert_null(o.dockerignore);
  assert_int_equal(o.dockerignore_len, 0);
  stagegraph_cache_options_init(NULL, sizeof o); /* no crash */
  stagegraph_cache_options macro = STAGEGRAPH_CACHE_OPTIONS_INIT;
  assert_int_equal(macro.size, sizeof macro);
  assert_string_equal(stagegraph_cache_status_name(STAGEGRAPH_CACHED), "cached");
  assert_string_equal(stagegraph_cache_status_name(STAGEGRAPH_MAYBE), "maybe");
  assert_string_equal(stagegraph_cache_status_name(STAGEGRAPH_INVALIDATED), "invalidated");
  assert_string_equal(stagegraph_input_kind_name(STAGEGRAPH_INPUT_CONTEXT), "context");
  assert_string_equal(stagegraph_input_kind_name(STAGEGRAPH_INPUT_STAGE), "stage");
  assert_string_equal(stagegraph_input_kind_name(STAGEGRAPH_INPUT_IMAGE), "image");
  assert_string_equal(stagegraph_input_kind_name(STAGEGRAPH_INPUT_ARG), "arg");
  assert_string_equal(stagegraph_input_kind_name(STAGEGRAPH_INPUT_REMOTE), "remote");
}

/* e.1: RUN, COPY and ADD make layers, WORKDIR too unless the directory
 * resolves to "/" (it resolves against the previous WORKDIR, after
 * expansion); FROM, ENV, ARG, LABEL, MAINTAINER, USER, SHELL, EXPOSE,
 * VOLUME, STOPSIGNAL, HEALTHCHECK, CMD, ENTRYPOINT and ONBUILD do not. */
static void test_layer_kinds(void **state) {
  (void)state;
  model m = MODEL("FROM alpine AS base\n"           /*  1 - */
                  "ARG A=1\n"                       /*  2 - */
                  "ENV B=2\n"                       /*  3 - */
                  "LABEL x=y\n"                     /*  4 - */
                  "MAINTAINER me\n"                 /*  5 - */
                  "USER nobody\n"                   /*  6 - */
                  "SHELL [\"/bin/sh\", \"-c\"]\n"   /*  7 - */
                  "EXPOSE 80\n"                     /*  8 - */
                  "VOLUME /data\n"                  /*  9 - */
                  "STOPSIGNAL SIGTERM\n"            /* 10 - */
                  "HEALTHCHECK CMD true\n"          /* 11 - */
                  "CMD [\"x\"]\n"                   /* 12 - */
                  "ENTRYPOINT [\"y\"]\n"            /* 13 - */
                  "ONBUILD RUN echo hi\n"           /* 14 - */
                  "WORKDIR /\n"                     /* 15 - resolves to / */
                  "WORKDIR /app\n"                  /* 16 L */
                  "WORKDIR ..\n"                    /* 17 - /app/.. is / */
                  "WORKDIR sub\n"                   /* 18 L /sub */
                  "WORKDIR /app/..\n"               /* 19 - */
                  "ENV D=/\n"                       /* 20 - */
                  "WORKDIR $D\n"                    /* 21 - expands to / */
                  "RUN true\n"                      /* 22 L */
                  "COPY a.txt /a\n"                 /* 23 L */
                  "ADD b.tar /b\n",                 /* 24 L */
                  .paths = {NULL});
  EXPECT_ORDER(m, "base");
  EXPECT_STAGE(m, "base", 0,
               "c- c- c- c- c- c- c- c- c- c- c- c- c- c- c- cL c- cL c- c- c- cL cL cL");
  /* no broad source: nothing rebuilds on a source edit */
  EXPECT_BOUNDARY(m, "base", 0);
  assert_int_equal(stagegraph_cache_layer_count(m.cache), 5);
  assert_int_equal(stagegraph_cache_layers_surviving_edit(m.cache), 5);
  /* the instructions are the stage's, FROM first */
  assert_ptr_equal(stagegraph_cache_instruction(m.cache, 0, 0),
                   stagegraph_stage_from(stagegraph_doc_stage(m.doc, 0)));
  for (size_t k = 1; k < stagegraph_cache_instruction_count(m.cache, 0); k++) {
    assert_ptr_equal(stagegraph_cache_instruction(m.cache, 0, k),
                     stagegraph_stage_instruction(stagegraph_doc_stage(m.doc, 0), k - 1));
    assert_false(stagegraph_cache_instruction_onbuild(m.cache, 0, k));
    assert_null(stagegraph_cache_instruction_reason(m.cache, 0, k));
  }
  model_free(&m);
}

/* WORKDIR resolution starts where the parent stage left it, and follows
 * path.Clean through "..", ".", empty components and absolute paths. */
static void test_workdir_resolution(void **state) {
  (void)state;
  model m = MODEL("FROM alpine AS base\n"          /*  1 - */
                  "WORKDIR /a/b\n"                 /*  2 L /a/b */
                  "FROM base AS child\n"           /*  3 - */
                  "WORKDIR ..\n"                   /*  4 L /a */
                  "WORKDIR b/../..\n"              /*  5 - / */
                  "WORKDIR ./x//y/..\n"            /*  6 L /x */
                  "WORKDIR ../../..\n"             /*  7 - / (not past it) */
                  "WORKDIR ...\n"                  /*  8 L /... */
                  "WORKDIR /\n",                   /*  9 - */
                  .paths = {NULL});
  EXPECT_STAGE(m, "child", 0, "c- cL c- cL c- cL c-");
  model_free(&m);
}

/* WORKDIR resolves against the directory the parent stage left (the
 * child's image config starts as the parent's, c.1 / e.1). */
static void test_workdir_inherited(void **state) {
  (void)state;
  model m = MODEL("FROM alpine AS base\n" /* 1 */
                  "WORKDIR /srv/app\n"    /* 2 L */
                  "FROM base AS child\n"  /* 3 */
                  "WORKDIR ../..\n"       /* 4 - /srv/app/../.. is / */
                  "WORKDIR x\n",          /* 5 L /x */
                  .paths = {NULL});
  EXPECT_ORDER(m, "base child");
  EXPECT_STAGE(m, "base", 0, "c- cL");
  EXPECT_STAGE(m, "child", 0, "c- c- cL");
  model_free(&m);
}

/* ---- e.3: context inputs of COPY and ADD ------------------------------------------------ */

/* A wildcard source reads the matching names only, and "*" does not cross
 * a "/"; a directory source reads everything under it. */
static void test_context_wildcards_and_directories(void **state) {
  (void)state;
  static const char src[] = "FROM node:20\n"          /* 1 */
                            "WORKDIR /app\n"          /* 2 L */
                            "COPY *.json ./\n"        /* 3 L */
                            "RUN npm ci\n"            /* 4 L */
                            "COPY src ./src\n"        /* 5 L */
                            "RUN npm run build\n";    /* 6 L */
  model m = MODEL(src, .paths = {"package.json"});
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL iL iL");
  EXPECT_INPUTS(m, "stage-0", 3, "context:*.json");
  EXPECT_INPUTS(m, "stage-0", 5, "context:src");
  EXPECT_INPUTS(m, "stage-0", 2, "");
  EXPECT_INPUTS(m, "stage-0", 1, "image:node:20");
  /* the reason names the input */
  size_t k = step_at(&m, 0, 3);
  const char *why = stagegraph_cache_instruction_reason(m.cache, 0, k);
  assert_non_null(why);
  assert_non_null(strstr(why, "*.json"));
  model_free(&m);

  m = MODEL(src, .paths = {"./package.json"}); /* the same path, written differently */
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL iL iL");
  model_free(&m);

  m = MODEL(src, .paths = {"src/a.js"});
  EXPECT_STAGE(m, "stage-0", 5, "c- cL cL cL iL iL");
  model_free(&m);

  m = MODEL(src, .paths = {"src/a/b.c"}); /* deeper under the directory */
  EXPECT_STAGE(m, "stage-0", 5, "c- cL cL cL iL iL");
  model_free(&m);

  /* "*.json" matches at the root only; "srcx" is not "src" */
  m = MODEL(src, .paths = {"config/app.json", "srcx/a.js", "README.md"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL cL cL cL");
  model_free(&m);

  /* a wildcard after a directory: "*" matches one name, and a matching
   * directory is read whole */
  static const char dir[] = "FROM alpine\n"          /* 1 */
                            "COPY src/*.c /x/\n"     /* 2 L */
                            "COPY lib/* /y/\n";      /* 3 L */
  m = MODEL(dir, .paths = {"src/sub/b.c", "src/a.h", "a.c"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL");
  model_free(&m);
  m = MODEL(dir, .paths = {"src/a.c"});
  EXPECT_STAGE(m, "stage-0", 2, "c- iL iL");
  model_free(&m);
  m = MODEL(dir, .paths = {"lib/sub/deep/b.c"});
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL");
  model_free(&m);

  /* two changes: the earliest miss wins */
  m = MODEL(src, .paths = {"src/a.js", "tsconfig.json"});
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL iL iL");
  model_free(&m);
}

/* "." is the whole context: any path reaches it. A named file reads only
 * itself. */
static void test_context_whole(void **state) {
  (void)state;
  static const char src[] = "FROM golang:1.22\n"              /* 1 */
                            "WORKDIR /src\n"                  /* 2 L */
                            "COPY go.mod go.sum ./\n"         /* 3 L */
                            "RUN go mod download\n"           /* 4 L */
                            "COPY . .\n"                      /* 5 L */
                            "RUN go build -o /app ./cmd/app\n"; /* 6 L */
  model m = MODEL(src, .paths = {"cmd/app/main.go"});
  EXPECT_STAGE(m, "stage-0", 5, "c- cL cL cL iL iL");
  EXPECT_INPUTS(m, "stage-0", 3, "context:go.mod context:go.sum");
  EXPECT_INPUTS(m, "stage-0", 5, "context:.");
  EXPECT_BOUNDARY(m, "stage-0", 5);
  model_free(&m);

  m = MODEL(src, .paths = {"go.sum"});
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL iL iL");
  model_free(&m);

  m = MODEL(src, .paths = {NULL});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL cL cL cL");
  model_free(&m);
}

/* e.3 / e.5: COPY --exclude (labs in this library) uses the .dockerignore
 * pattern language against paths inside the source: "*.md" matches at the
 * source root only, a pattern matching a directory excludes what is under
 * it, and paths are relative to the source ("dir/a.txt" is "a.txt"). */
static void test_copy_exclude(void **state) {
  (void)state;
  static const char whole[] = "# syntax=docker/dockerfile:1-labs\n" /* 1 */
                              "FROM alpine\n"                       /* 2 */
                              "COPY --exclude=*.md . /app\n"        /* 3 L */
                              "RUN ls /app\n";                      /* 4 L */
  model m = MODEL(whole, .paths = {"README.md"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL");
  model_free(&m);
  m = MODEL(whole, .paths = {"docs/guide.md"}); /* not at the root: copied */
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL");
  model_free(&m);
  m = MODEL(whole, .paths = {"README.md", "src/main.c"});
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL");
  model_free(&m);

  static const char deep[] = "# syntax=docker/dockerfile:1-labs\n" /* 1 */
                             "FROM alpine\n"                       /* 2 */
                             "COPY --exclude=**/*.md . /app\n"     /* 3 L */
                             "RUN ls /app\n";                      /* 4 L */
  m = MODEL(deep, .paths = {"README.md", "docs/guide.md", "a/b/c/d.md"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL");
  model_free(&m);

  static const char dir[] = "# syntax=docker/dockerfile:1-labs\n"              /* 1 */
                            "FROM alpine\n"                                    /* 2 */
                            "COPY --exclude=*.txt --exclude=tmp docs /docs\n"  /* 3 L */
                            "RUN ls /docs\n";                                  /* 4 L */
  m = MODEL(dir, .paths = {"docs/a.txt", "docs/tmp/x.md", "other/b.md"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL");
  model_free(&m);
  m = MODEL(dir, .paths = {"docs/sub/a.txt"}); /* "sub/a.txt": *.txt does not cross "/" */
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL");
  model_free(&m);
  m = MODEL(dir, .paths = {"docs/guide.md"});
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL");
  model_free(&m);
}

/* COPY --parents (labs): BuildKit's dispatchCopy copies from "/" (or the
 * part before "/./") with the source as an include pattern, matched like
 * .dockerignore patterns (e.5), so "**" spans any number of directories,
 * none included. */
static void test_copy_parents(void **state) {
  (void)state;
  static const char src[] = "# syntax=docker/dockerfile:1-labs\n"       /* 1 */
                            "FROM golang:1.22\n"                        /* 2 */
                            "COPY --parents src/**/*.go /app/\n"        /* 3 L */
                            "RUN go build ./...\n";                     /* 4 L */
  model m = MODEL(src, .paths = {"src/a/b/c.go"});
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL");
  model_free(&m);
  m = MODEL(src, .paths = {"src/x.go"}); /* "**" matches no directory too */
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL");
  model_free(&m);
  m = MODEL(src, .paths = {"src/a/notes.txt", "lib/x.go"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL");
  model_free(&m);

  static const char pivot[] = "# syntax=docker/dockerfile:1-labs\n"        /* 1 */
                              "FROM golang:1.22\n"                         /* 2 */
                              "COPY --parents ./cmd/./**/main.go /app/\n"  /* 3 L */
                              "RUN go build ./...\n";                      /* 4 L */
  m = MODEL(pivot, .paths = {"cmd/tool/main.go"});
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL");
  model_free(&m);
  m = MODEL(pivot, .paths = {"cmd/main.go"}); /* "**" after the pivot: no directory */
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL");
  model_free(&m);
  m = MODEL(pivot, .paths = {"cmd/tool/util.go", "main.go"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL");
  model_free(&m);
}

static void expect_out_of_memory(const char *src, const stagegraph_cache_options *opts);

/* Many changed paths against literal files and directories, globs, a
 * --exclude and the .dockerignore: a source is reached by the paths equal
 * to it or under it (after cleaning), a glob by the paths under its base
 * that match, and the reason names the first such path in the caller's
 * order, as written. Every COPY is --link, so each status is its own. */
/* Per line of stage-0: the first changed path in the caller's order that
 * reaches the line's first source reached, or NULL when none does (the
 * line is cached). */
typedef struct first_path {
  uint32_t line;
  const char *path, *source;
} first_path;

static void expect_first_paths_at(const char *file, int line, const model *m,
                                  const first_path *want, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!want[i].path) {
      expect_status_at(file, line, m, "stage-0", want[i].line, STAGEGRAPH_CACHED);
      continue;
    }
    char why[128];
    snprintf(why, sizeof why, "changed file \"%s\" is read by source \"%s\"", want[i].path,
             want[i].source);
    expect_reason_at(file, line, m, "stage-0", want[i].line, why);
  }
}
#define EXPECT_FIRST_PATHS(m, want)                                                                \
  expect_first_paths_at(__FILE__, __LINE__, &(m), (want), sizeof(want) / sizeof(want)[0])

static void test_changed_paths_by_prefix(void **state) {
  (void)state;
  static const char src[] = "# syntax=docker/dockerfile:1-labs\n"     /* 1 */
                            "FROM alpine\n"                           /* 2 */
                            "COPY --link src /s\n"                    /* 3 */
                            "COPY --link src/app/main.go /m\n"        /* 4 */
                            "COPY --link ./src/../lib/ /l\n"          /* 5 */
                            "COPY --link src2 /s2\n"                  /* 6 */
                            "COPY --link *.json /j\n"                 /* 7 */
                            "COPY --link src/*/util.go /u\n"          /* 8 */
                            "COPY --link docs /d\n"                   /* 9 */
                            "COPY --link missing/file /x\n"           /* 10 */
                            "COPY --link . /all\n"                    /* 11 */
                            "COPY --link --exclude=*.md web /w\n"     /* 12 */
                            "COPY --link a/b/c /abc\n"                /* 13 */
                            "COPY --link gen/f1?1.txt /g1\n"          /* 14 */
                            "COPY --link gen/f150.txt /g150\n"        /* 15 */
                            "COPY --link gen/ /gen\n"                 /* 16 */
                            "COPY --link missing2 gen/f150.txt src /multi\n"; /* 17 */
  /* the caller's order: two written paths, 200 generated ones in a
   * shuffled order (place i is f(37i mod 200)), then the others */
  static const char *const head[] = {"README.md", "./gen/f150.txt"};
  static const char *const tail[] = {
      "src-x/a.c",      "src.txt",      "src2x/y",       "src/b/util.go",  "lib/z.so",
      "./src/app/main.go", "src/app",   "src",           "docs/guide.md",  "web/README.md",
      "web/sub/x.md",   "a/b",          "package.json",  "conf/app.json",  "src/zzz"};
  enum { HEAD = 2, GEN = 200, TAIL = sizeof tail / sizeof tail[0] };
  static char gen[GEN][16];
  const char *paths[HEAD + GEN + TAIL];
  for (size_t i = 0; i < HEAD; i++) paths[i] = head[i];
  for (size_t i = 0; i < GEN; i++) {
    snprintf(gen[i], sizeof gen[i], "gen/f%03zu.txt", i * 37 % GEN);
    paths[HEAD + i] = gen[i];
  }
  for (size_t i = 0; i < TAIL; i++) paths[HEAD + GEN + i] = tail[i];

  /* per line: the first path in the caller's order that reaches the
   * line's first source reached, or NULL when none does */
  static const first_path want[] = {
      /* "src-x" and "src.txt" sort near "src" but are not under it */
      {3, "src/b/util.go", "src"},
      /* the file written another way; "src/app" and "src", above it, do not reach it */
      {4, "./src/app/main.go", "src/app/main.go"},
      {5, "lib/z.so", "./src/../lib/"},
      {6, NULL, NULL}, /* "src2x/y" is not under "src2" */
      {7, "package.json", "*.json"}, /* at the root only: not "conf/app.json" */
      {8, "src/b/util.go", "src/*/util.go"},
      {9, NULL, NULL}, /* docs is ignored */
      {10, NULL, NULL},
      {11, "./gen/f150.txt", "."}, /* README.md is ignored */
      /* "web/README.md" is "README.md" in the source, excluded; "*" stops at "/" */
      {12, "web/sub/x.md", "web"},
      {13, NULL, NULL}, /* "a/b" is above "a/b/c" */
      /* generated places 0 to 3 are f000, f037, f074, f111: f101 sorts first */
      {14, "gen/f111.txt", "gen/f1?1.txt"},
      {15, "./gen/f150.txt", "gen/f150.txt"},
      {16, "./gen/f150.txt", "gen/"},
      {17, "./gen/f150.txt", "gen/f150.txt"}, /* the first source reached */
  };
  model m = MODEL(src, .many_paths = paths, .many_path_count = HEAD + GEN + TAIL,
                  .ignore = "docs\n*.md\n");
  EXPECT_FIRST_PATHS(m, want);
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL iL cL iL iL cL cL iL iL cL iL iL iL iL");
  model_free(&m);

  /* without the .dockerignore, the first path reaches "." and "docs" is read */
  m = MODEL(src, .many_paths = paths, .many_path_count = HEAD + GEN + TAIL);
  EXPECT_REASON(m, "stage-0", 9, "changed file \"docs/guide.md\" is read by source \"docs\"");
  EXPECT_REASON(m, "stage-0", 11, "changed file \"README.md\" is read by source \".\"");
  model_free(&m);

  /* every allocation failure in the index and its queries is ENOMEM */
  stagegraph_cache_options o = STAGEGRAPH_CACHE_OPTIONS_INIT;
  o.changed_paths = tail;
  o.changed_path_count = TAIL;
  o.dockerignore = "docs\n";
  o.dockerignore_len = strlen(o.dockerignore);
  expect_out_of_memory(src, &o);
}

/* Wildcard sources follow the changed paths name by name: under the base
 * only the names the pattern's component at each depth matches are
 * followed, the first path in the caller's order wins even when it sorts
 * after another that reaches, a class is followed like any component
 * unless it could match a '/' (negated), when every path is asked, and a
 * pattern on several lines answers alike, --exclude apart. (--link: each
 * line's own reason.) */
static void test_wildcard_sources(void **state) {
  (void)state;
  static const char src[] = "# syntax=docker/dockerfile:1-labs\n"    /* 1 */
                            "FROM alpine\n"                          /* 2 */
                            "COPY --link */*.go /a\n"                /* 3 */
                            "COPY --link p*/m?/*.txt /b\n"           /* 4 */
                            "COPY --link --exclude=*.md d*/* /c\n"   /* 5 */
                            "COPY --link [ab]*/*.go /d\n"            /* 6 */
                            "COPY --link */*.go /e\n"                /* 7 */
                            "COPY --link */* /f\n"                   /* 8 */
                            "COPY --link --exclude=x.go */* /g\n"    /* 9 */
                            "COPY --link */q/*.go /h\n"              /* 10 */
                            "COPY --link *.md /i\n"                  /* 11 */
                            "COPY --link [^c]*/*.go /j\n";           /* 12 */
  static const char *const paths[] = {"c/deep/x.go", "docs/a.md",     "pkg/m1/notes.txt",
                                      "b2/z.go",     "a1/y.go",       "docs/sub/b.md",
                                      "docs/c.txt",  "pkg/m12/x.txt", "c/keep.go",
                                      "README.md"};
  static const first_path want[] = {
      /* "a1/y.go" sorts first, "b2/z.go" comes first; "c/deep" is no "*.go" */
      {3, "b2/z.go", "*/*.go"},
      {4, "pkg/m1/notes.txt", "p*/m?/*.txt"}, /* "m12" is not "m?" */
      /* the match is the source root, which --exclude never removes */
      {5, "docs/a.md", "d*/*"},
      {6, "b2/z.go", "[ab]*/*.go"},
      {7, "b2/z.go", "*/*.go"},
      {8, "c/deep/x.go", "*/*"}, /* "c/deep" matches and is read whole */
      /* ... but "x.go" under it is excluded here */
      {9, "docs/a.md", "*/*"},
      {10, NULL, NULL},
      {11, "README.md", "*.md"}, /* at the root only */
      {12, "b2/z.go", "[^c]*/*.go"}, /* asked path by path: "c/keep.go" is not read */
  };
  model m = MODEL(src, .many_paths = paths, .many_path_count = sizeof paths / sizeof paths[0]);
  EXPECT_FIRST_PATHS(m, want);
  model_free(&m);
}

/* --parents sources among many changed paths: each is asked only of the
 * paths under its pattern's leading plain components (line 9 reads
 * nothing under "pkg" or "pkx"), and still answers with the first path in
 * the caller's order (line 7: "pkg/m1/x.go" sorts first but is no
 * "[ab]*"). A directory the pattern names is read whole (lines 5, 11). */
static void test_parents_sources(void **state) {
  (void)state;
  static const char src[] = "# syntax=docker/dockerfile:1-labs\n"        /* 1 */
                            "FROM alpine\n"                              /* 2 */
                            "COPY --link --parents ./pkg/**/*.go /a\n"   /* 3 */
                            "COPY --link --parents a/./b/*.txt /b\n"     /* 4 */
                            "COPY --link --parents ./docs /c\n"          /* 5 */
                            "COPY --link --parents ./none/**/* /d\n"     /* 6 */
                            "COPY --link --parents ./pkg/[ab]*/*.go /e\n" /* 7 */
                            "COPY --link --parents **/*.md /f\n"         /* 8 */
                            "COPY --link --parents ./pk/** /g\n"         /* 9 */
                            "COPY --link --parents ./pkg/top.go /h\n"    /* 10 */
                            "COPY --link --parents ./a/./b/c /i\n";      /* 11 */
  static const char *const paths[] = {"docs/guide.md", "pkg/m1/x.go",    "lib/y.go",
                                      "a/b/n.txt",     "pkg/b2/z.go",    "pkx/a",
                                      "a/b/c/deep.txt", "pkg/top.go",    "README.md",
                                      "pk/readme"};
  static const first_path want[] = {
      {3, "pkg/m1/x.go", "./pkg/**/*.go"},
      {4, "a/b/n.txt", "a/./b/*.txt"}, /* "*" does not cross into "c/" */
      {5, "docs/guide.md", "./docs"},
      {6, NULL, NULL},
      {7, "pkg/b2/z.go", "./pkg/[ab]*/*.go"},
      {8, "docs/guide.md", "**/*.md"},
      {9, "pk/readme", "./pk/**"},
      {10, "pkg/top.go", "./pkg/top.go"},
      {11, "a/b/c/deep.txt", "./a/./b/c"},
  };
  model m = MODEL(src, .many_paths = paths, .many_path_count = sizeof paths / sizeof paths[0]);
  EXPECT_FIRST_PATHS(m, want);
  model_free(&m);
}

/* Every --exclude of an instruction applies, however many: the last of
 * 33 here excludes everything under the source (BuildKit has no limit;
 * this model once read the first 32). */
static void test_many_excludes(void **state) {
  (void)state;
  char src[2048];
  size_t n = (size_t)snprintf(src, sizeof src, "# syntax=docker/dockerfile:1-labs\nFROM alpine\nCOPY");
  for (int i = 0; i < 32; i++) n += (size_t)snprintf(src + n, sizeof src - n, " --exclude=e%d", i);
  snprintf(src + n, sizeof src - n, " --exclude=** ./pkg /p\nRUN ls /p\n");
  model m = MODEL(src, .paths = {"pkg/a.go", "pkg/m/b.txt"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL");
  model_free(&m);
  m = MODEL(src, .paths = {"pkg"}); /* the source root itself is never excluded */
  EXPECT_STAGE(m, "stage-0", 3, "c- iL iL");
  model_free(&m);
}

/* A heredoc source is part of the instruction, not of the context. */
static void test_heredoc_copy(void **state) {
  (void)state;
  static const char src[] = "FROM alpine\n"                     /* 1 */
                            "ARG NAME=app\n"                    /* 2 */
                            "COPY <<EOF /etc/static.conf\n"     /* 3 L */
                            "x\n"                               /* 4 */
                            "EOF\n"                             /* 5 */
                            "COPY <<EOF /etc/${NAME}.conf\n"    /* 6 L */
                            "hello\n"                           /* 7 */
                            "EOF\n"                             /* 8 */
                            "RUN cat /etc/*.conf\n";            /* 9 L */
  model m = MODEL(src, .paths = {"x", "static.conf", "EOF"});
  EXPECT_STAGE(m, "stage-0", 0, "c- c- cL cL cL");
  EXPECT_INPUTS(m, "stage-0", 3, "");
  EXPECT_INPUTS(m, "stage-0", 6, "arg:NAME");
  model_free(&m);
  m = MODEL(src, .args = {"NAME"});
  EXPECT_STAGE(m, "stage-0", 6, "c- c- cL iL iL");
  model_free(&m);
}

/* ---- e.5: .dockerignore ------------------------------------------------------------------ */

static void test_dockerignore(void **state) {
  (void)state;
  static const char src[] = "FROM node:20\n"         /* 1 */
                            "WORKDIR /app\n"         /* 2 L */
                            "COPY . .\n"             /* 3 L */
                            "RUN npm run build\n";   /* 4 L */
  /* an ignored path does not exist for the build */
  model m = MODEL(src, .paths = {"node_modules/x/index.js", "node_modules"}, .ignore = "node_modules\n");
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL cL");
  model_free(&m);
  m = MODEL(src, .paths = {"node_modules/x/index.js", "src/a.js"}, .ignore = "node_modules\n");
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL");
  model_free(&m);

  /* comments, "!" exceptions (the last match decides), root-level "*" */
  static const char md[] = "# docs are not needed\n*.md\n!README.md\n";
  m = MODEL(src, .paths = {"CHANGELOG.md"}, .ignore = md);
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL cL");
  model_free(&m);
  m = MODEL(src, .paths = {"README.md"}, .ignore = md);
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL");
  model_free(&m);
  m = MODEL(src, .paths = {"docs/guide.md"}, .ignore = md); /* "*.md" is root-level */
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL");
  model_free(&m);

  /* one leading "/" is removed; a pattern matching a directory matches
   * everything under it; "**" spans directories */
  m = MODEL(src, .paths = {"build/out/app.js", "logs/a/b.log", "x.log"}, .ignore = "/build\n**/*.log\n");
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL cL");
  model_free(&m);

  /* a "!" exception with wildcards makes the walker visit excluded
   * directories, so "*" then a "!" pattern for every .py file re-includes src/a.py */
  m = MODEL(src, .paths = {"src/a.py"}, .ignore = "*\n!**/*.py\n");
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL");
  model_free(&m);
  m = MODEL(src, .paths = {"src/a.c", "a.c"}, .ignore = "*\n!**/*.py\n");
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL cL");
  model_free(&m);

  /* an exception below an excluded directory: its literal prefix starts
   * with the directory, so the walker enters it */
  m = MODEL(src, .paths = {"node_modules/keep/x.js"}, .ignore = "node_modules\n!node_modules/keep\n");
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL");
  model_free(&m);
  m = MODEL(src, .paths = {"node_modules/other/x.js"}, .ignore = "node_modules\n!node_modules/keep\n");
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL cL");
  model_free(&m);

  /* a BOM and CRLF line ends are dropped; only a "#" in the first column
   * starts a comment, an indented one is a pattern (trimmed) */
  static const char bom[] = "\xEF\xBB\xBFnode_modules\r\n  # kept.txt\r\n";
  m = MODEL(src, .paths = {"node_modules/x", "# kept.txt"}, .ignore = bom);
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL cL");
  model_free(&m);
  m = MODEL(src, .paths = {"kept.txt"}, .ignore = bom);
  EXPECT_STAGE(m, "stage-0", 3, "c- cL iL iL");
  model_free(&m);

  /* an ignored path named explicitly by a source is still not there */
  m = MODEL("FROM alpine\nCOPY vendor/lib.a /lib.a\nRUN true\n", .paths = {"vendor/lib.a"},
            .ignore = "vendor\n");
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL");
  model_free(&m);
}

/* e.5: the .dockerignore applies to bind mounts without from= too. */
static void test_dockerignore_bind_mount(void **state) {
  (void)state;
  static const char src[] = "FROM golang:1.22\n"                                /* 1 */
                            "RUN --mount=type=bind,target=/src go build ./...\n"; /* 2 L */
  model m = MODEL(src, .paths = {"README.md"}, .ignore = "*.md\n");
  EXPECT_STAGE(m, "stage-0", 0, "c- cL");
  model_free(&m);
  m = MODEL(src, .paths = {"main.go"}, .ignore = "*.md\n");
  EXPECT_STAGE(m, "stage-0", 2, "c- iL");
  model_free(&m);
}

/* A .dockerignore that does not compile is an error (e.5). */
static void test_dockerignore_error(void **state) {
  (void)state;
  stagegraph_doc *doc = NULL;
  stagegraph_plan *plan = NULL;
  static const char src[] = "FROM alpine\nCOPY . .\n";
  assert_int_equal(stagegraph_parse(&doc, src, strlen(src), NULL, NULL), 0);
  live_add(LIVE_DOC, doc);
  assert_int_equal(stagegraph_plan_new(&plan, doc, NULL, NULL), 0);
  live_add(LIVE_PLAN, plan);
  stagegraph_cache_options o = STAGEGRAPH_CACHE_OPTIONS_INIT;
  o.dockerignore = "a\n!\n";
  o.dockerignore_len = strlen(o.dockerignore);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_cache *c = (stagegraph_cache *)(uintptr_t)1;
  int rc = stagegraph_cache_new(&c, plan, &o, &err);
  if (rc == 0) {
    live_add(LIVE_CACHE, c);
    FAIL_MSG("a bare \"!\" in .dockerignore was accepted");
  }
  assert_null(c);
  assert_int_equal(err.code, rc);
  assert_string_equal(err.message, "illegal exclusion pattern: \"!\"");
  assert_int_equal(err.line, 2);
  live_release();
}

/* An options struct from before dockerignore existed (a smaller size): the
 * member is not read. */
static void test_options_size(void **state) {
  (void)state;
  stagegraph_doc *doc = NULL;
  stagegraph_plan *plan = NULL;
  static const char src[] = "FROM alpine\nCOPY . .\n";
  assert_int_equal(stagegraph_parse(&doc, src, strlen(src), NULL, NULL), 0);
  live_add(LIVE_DOC, doc);
  assert_int_equal(stagegraph_plan_new(&plan, doc, NULL, NULL), 0);
  live_add(LIVE_PLAN, plan);
  const char *paths[] = {"node_modules/x"};
  stagegraph_cache_options o = STAGEGRAPH_CACHE_OPTIONS_INIT;
  o.changed_paths = paths;
  o.changed_path_count = 1;
  o.dockerignore = "node_modules\n";
  o.dockerignore_len = strlen(o.dockerignore);
  o.size = offsetof(stagegraph_cache_options, dockerignore);
  stagegraph_cache *c = NULL;
  assert_int_equal(stagegraph_cache_new(&c, plan, &o, NULL), 0);
  live_add(LIVE_CACHE, c);
  assert_int_equal(stagegraph_cache_instruction_status(c, 0, 1), STAGEGRAPH_INVALIDATED);
  live_release();
  /* NULL options: nothing changed */
  doc = NULL;
  plan = NULL;
  assert_int_equal(stagegraph_parse(&doc, src, strlen(src), NULL, NULL), 0);
  live_add(LIVE_DOC, doc);
  assert_int_equal(stagegraph_plan_new(&plan, doc, NULL, NULL), 0);
  live_add(LIVE_PLAN, plan);
  c = NULL;
  assert_int_equal(stagegraph_cache_new(&c, plan, NULL, NULL), 0);
  live_add(LIVE_CACHE, c);
  assert_int_equal(stagegraph_cache_instruction_status(c, 0, 1), STAGEGRAPH_CACHED);
  assert_int_equal(stagegraph_cache_first_invalidated(c, 0), 0);
  live_release();
}

/* ---- e.2: RUN bind mounts ------------------------------------------------------------------ */

/* A bind mount without from= reads the context: its source, or the whole
 * context without one (a mount's type defaults to bind). Cache mounts read
 * nothing. */
static void test_bind_mounts(void **state) {
  (void)state;
  static const char src[] =
      "FROM golang:1.22\n"                                                 /* 1 */
      "WORKDIR /src\n"                                                     /* 2 L */
      "RUN --mount=type=cache,target=/root/.cache/go-build go env\n"       /* 3 L */
      "RUN --mount=type=bind,source=go.mod,target=go.mod go mod download\n" /* 4 L */
      "RUN --mount=type=bind,target=. go build ./...\n"                    /* 5 L */
      "RUN --mount=target=/x,src=tools ls /x\n";                           /* 6 L */
  model m = MODEL(src, .paths = {"main.go"});
  EXPECT_STAGE(m, "stage-0", 5, "c- cL cL cL iL iL");
  EXPECT_INPUTS(m, "stage-0", 3, "");
  EXPECT_INPUTS(m, "stage-0", 4, "context:go.mod");
  EXPECT_INPUTS(m, "stage-0", 5, "context:.");
  EXPECT_INPUTS(m, "stage-0", 6, "context:tools");
  EXPECT_BOUNDARY(m, "stage-0", 5);
  model_free(&m);
  m = MODEL(src, .paths = {"go.mod"});
  EXPECT_STAGE(m, "stage-0", 4, "c- cL cL iL iL iL");
  model_free(&m);
  m = MODEL(src, .paths = {NULL});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL cL cL cL cL");
  model_free(&m);
}

/* ---- propagation inside a stage, and --link ------------------------------------------------------ */

/* Once one instruction misses, the rest of the stage misses, metadata
 * included; a COPY --link is keyed without the layers before it (e.3), so
 * it stays cached when its own inputs did not change, except with --chmod,
 * which turns --link off. The layers after a --link COPY still build on
 * the chain. */
static void test_propagation_and_link(void **state) {
  (void)state;
  static const char src[] = "FROM alpine\n"                          /* 1 */
                            "COPY a.txt /a\n"                        /* 2 L */
                            "ENV X=1\n"                              /* 3 - */
                            "COPY --link b.txt /b\n"                 /* 4 L linked */
                            "COPY --link --chmod=644 c.txt /c\n"     /* 5 L not linked */
                            "RUN echo\n"                             /* 6 L */
                            "COPY --link d.txt /d\n"                 /* 7 L linked */
                            "COPY --link=false e.txt /e\n"           /* 8 L not linked */
                            "CMD [\"sh\"]\n";                        /* 9 - */
  model m = MODEL(src, .paths = {"a.txt"});
  EXPECT_STAGE(m, "stage-0", 2, "c- iL i- cL iL iL cL iL i-");
  static const int linked[] = {0, 0, 0, 1, 0, 0, 1, 0, 0};
  for (size_t k = 0; k < 9; k++)
    if (stagegraph_cache_instruction_linked(m.cache, 0, k) != linked[k])
      FAIL_MSG("instruction %zu: linked %d, want %d", k, stagegraph_cache_instruction_linked(m.cache, 0, k),
               linked[k]);
  model_free(&m);

  /* a --link COPY whose own input changed misses, and so does the chain
   * after it (its result is merged onto the state) */
  m = MODEL(src, .paths = {"b.txt"});
  EXPECT_STAGE(m, "stage-0", 4, "c- cL c- iL iL iL cL iL i-");
  model_free(&m);
  m = MODEL(src, .paths = {"d.txt"});
  EXPECT_STAGE(m, "stage-0", 7, "c- cL c- cL cL cL iL iL i-");
  model_free(&m);
  m = MODEL(src, .paths = {"c.txt"});
  EXPECT_STAGE(m, "stage-0", 5, "c- cL c- cL iL iL cL iL i-");
  model_free(&m);
  m = MODEL(src, .paths = {NULL});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL c- cL cL cL cL cL c-");
  model_free(&m);

  /* a --link COPY from a rebuilt stage after a miss: keyed on the files
   * alone, so maybe */
  m = MODEL("FROM alpine AS base\n"             /* 1 */
            "COPY a.txt /a\n"                   /* 2 L */
            "FROM alpine AS final\n"            /* 3 */
            "COPY b.txt /b\n"                   /* 4 L */
            "COPY --link --from=base /a /a\n"   /* 5 L linked */
            "RUN echo\n",                       /* 6 L */
            .paths = {"a.txt", "b.txt"});
  EXPECT_STAGE(m, "final", 4, "c- iL mL iL");
  model_free(&m);
}

/* ---- b.2 / e.2: build args ------------------------------------------------------------------ */

/* A changed build arg misses at its first use: the first RUN after its
 * declaration in the stage (RUN's key holds every valued ARG in scope),
 * or an instruction that expands it. A COPY that does not expand it is
 * not keyed on the environment. */
static void test_build_arg_scope(void **state) {
  (void)state;
  static const char src[] = "FROM alpine\n"                        /* 1 */
                            "RUN echo before\n"                    /* 2 L */
                            "ARG V\n"                              /* 3 - */
                            "COPY a.txt /a\n"                      /* 4 L */
                            "RUN echo after\n"                     /* 5 L */
                            "RUN echo later\n"                     /* 6 L */
                            "COPY app.conf /etc/app-${V}.conf\n";  /* 7 L */
  model m = MODEL(src, .args = {"V"});
  EXPECT_STAGE(m, "stage-0", 5, "c- cL c- cL iL iL iL");
  EXPECT_INPUTS(m, "stage-0", 2, "");
  EXPECT_INPUTS(m, "stage-0", 4, "context:a.txt");
  EXPECT_INPUTS(m, "stage-0", 5, "arg:V");
  EXPECT_INPUTS(m, "stage-0", 7, "context:app.conf arg:V");
  model_free(&m);

  /* an undeclared build arg is in no cache key, proxies included (b.2) */
  m = MODEL(src, .args = {"OTHER", "HTTP_PROXY"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL c- cL cL cL cL");
  model_free(&m);

  /* a default does not change that */
  m = MODEL("FROM alpine\nRUN echo before\nARG V=1\nRUN echo after\n", .args = {"V"});
  EXPECT_STAGE(m, "stage-0", 4, "c- cL c- iL");
  model_free(&m);

  /* a declared proxy arg is an ordinary variable */
  m = MODEL("FROM alpine\nARG HTTP_PROXY\nRUN apk add curl\n", .args = {"HTTP_PROXY"});
  EXPECT_STAGE(m, "stage-0", 3, "c- c- iL");
  model_free(&m);
}

/* An instruction expanding the arg misses even when it is not a RUN:
 * COPY destinations and --chown are expanded (b.2). */
static void test_build_arg_expanded(void **state) {
  (void)state;
  model m = MODEL("FROM alpine\n"                              /* 1 */
                  "ARG NAME=app\n"                             /* 2 */
                  "COPY app.conf /etc/${NAME}/app.conf\n"      /* 3 L */
                  "RUN echo\n",                                /* 4 L */
                  .args = {"NAME"});
  EXPECT_STAGE(m, "stage-0", 3, "c- c- iL iL");
  model_free(&m);
  /* metadata instructions expanding it; CMD is never expanded (b.2) */
  m = MODEL("FROM alpine\n"              /* 1 */
            "ARG V\n"                    /* 2 */
            "CMD [\"echo\", \"$V\"]\n"   /* 3 - not expanded */
            "LABEL version=$V\n"         /* 4 - */
            "USER u$V\n"                 /* 5 - */
            "WORKDIR /srv/$V\n",         /* 6 L */
            .args = {"V"});
  EXPECT_STATUS(m, "stage-0", 3, STAGEGRAPH_CACHED);
  EXPECT_STATUS(m, "stage-0", 4, STAGEGRAPH_INVALIDATED);
  EXPECT_STATUS(m, "stage-0", 5, STAGEGRAPH_INVALIDATED);
  EXPECT_STATUS(m, "stage-0", 6, STAGEGRAPH_INVALIDATED);
  assert_int_equal(stagegraph_cache_first_invalidated(m.cache, 0), 4);
  EXPECT_INPUTS(m, "stage-0", 6, "arg:V");
  model_free(&m);
  m = MODEL("FROM alpine\n"                                    /* 1 */
            "ARG UID=1000\n"                                   /* 2 */
            "COPY --chown=${UID} app.conf /etc/app.conf\n",    /* 3 L */
            .args = {"UID"});
  EXPECT_STAGE(m, "stage-0", 3, "c- c- iL");
  EXPECT_INPUTS(m, "stage-0", 3, "context:app.conf arg:UID");
  model_free(&m);
}

/* ENV derived from a changed arg carries the change: the ENV expands it
 * (so it misses), and a later RUN has the new value in its environment
 * even after the arg itself is overridden. (Line 4 is not asserted: a
 * metadata-only miss at line 3 does not change the key of anything but a
 * RUN's environment in BuildKit, e.2 / e.3, and the issue's "the rest of
 * the stage misses" speaks of layers.) */
static void test_build_arg_env(void **state) {
  (void)state;
  model m = MODEL("FROM alpine\n"          /* 1 */
                  "ARG V\n"                /* 2 - */
                  "ENV APP=$V\n"           /* 3 - expands V */
                  "ENV V=fixed\n"          /* 4 - */
                  "RUN echo\n",            /* 5 L APP changed */
                  .args = {"V"});
  EXPECT_STATUS(m, "stage-0", 2, STAGEGRAPH_CACHED);
  EXPECT_STATUS(m, "stage-0", 3, STAGEGRAPH_INVALIDATED);
  EXPECT_STATUS(m, "stage-0", 5, STAGEGRAPH_INVALIDATED);
  assert_int_equal(stagegraph_cache_first_invalidated(m.cache, 0), 3);
  model_free(&m);
}

/* Every pair of a long ENV counts, however many pairs it has: here the
 * 70th carries the change and the 71st replaces V, so only APP brings the
 * change to the RUN. */
static void test_build_arg_env_many_pairs(void **state) {
  (void)state;
  char text[2048];
  size_t n = (size_t)snprintf(text, sizeof text, "FROM alpine\nARG V\nENV");
  for (int i = 0; i < 69; i++) n += (size_t)snprintf(text + n, sizeof text - n, " P%d=%d", i, i);
  snprintf(text + n, sizeof text - n, " APP=$V V=fixed\nRUN echo\n");
  model m = MODEL(text, .args = {"V"});
  EXPECT_STATUS(m, "stage-0", 3, STAGEGRAPH_INVALIDATED);
  EXPECT_STATUS(m, "stage-0", 4, STAGEGRAPH_INVALIDATED);
  model_free(&m);
  /* and the 71st pair alone replaces the changed value */
  n = (size_t)snprintf(text, sizeof text, "FROM alpine\nARG V\nENV");
  for (int i = 0; i < 70; i++) n += (size_t)snprintf(text + n, sizeof text - n, " P%d=%d", i, i);
  snprintf(text + n, sizeof text - n, " V=fixed\nRUN echo\n");
  model m2 = MODEL(text, .args = {"V"});
  EXPECT_STATUS(m2, "stage-0", 4, STAGEGRAPH_CACHED);
  model_free(&m2);
}

/* An ARG name of any length is a build arg like any other. */
static void test_build_arg_long_name(void **state) {
  (void)state;
  char name[400], text[1024];
  memset(name, 'A', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  snprintf(text, sizeof text, "FROM alpine\nARG %s\nRUN echo\n", name);
  model m = MODEL(text, .args = {name});
  EXPECT_STATUS(m, "stage-0", 3, STAGEGRAPH_INVALIDATED);
  model_free(&m);
}

/* ENV after ARG replaces the ARG's value in the build environment (b.2:
 * "ENV after ARG replaces the ARG"), and RUN's key holds the environment
 * (e.2), so a changed value of V no longer reaches the RUN. */
static void test_build_arg_env_override(void **state) {
  (void)state;
  model m = MODEL("FROM alpine\n"      /* 1 */
                  "ARG V\n"            /* 2 - */
                  "ENV V=fixed\n"      /* 3 - expands nothing */
                  "RUN echo $V\n",     /* 4 L env V=fixed either way */
                  .args = {"V"});
  EXPECT_STAGE(m, "stage-0", 0, "c- c- c- cL");
  model_free(&m);
}

/* The parent stage's state env includes its ARG values (b.2), so a child
 * stage's RUN sees them without declaring them. */
static void test_build_arg_inherited(void **state) {
  (void)state;
  model m = MODEL("FROM alpine AS base\n" /* 1 */
                  "ARG V=1\n"             /* 2 - */
                  "FROM base AS app\n"    /* 3 */
                  "RUN echo\n",           /* 4 L */
                  .args = {"V"});
  EXPECT_ORDER(m, "base app");
  EXPECT_STAGE(m, "base", 0, "c- c-");
  EXPECT_STATUS(m, "app", 4, STAGEGRAPH_INVALIDATED);
  assert_int_equal(stagegraph_cache_first_invalidated(m.cache, 1), 4);
  model_free(&m);
  /* not so for a sibling stage */
  m = MODEL("FROM alpine AS base\n" /* 1 */
            "ARG V=1\n"             /* 2 */
            "RUN echo\n"            /* 3 L */
            "FROM alpine AS app\n"  /* 4 */
            "COPY --from=base /etc/hostname /h\n" /* 5 L */
            "RUN echo\n",           /* 6 L */
            .args = {"V"});
  EXPECT_STAGE(m, "base", 3, "c- c- iL");
  EXPECT_STAGE(m, "app", 5, "c- mL mL");
  model_free(&m);
}

/* Stages FROM one base each start from its build args and changed
 * variables and change them on their own (b.2: a stage's args are its
 * parent's and its own; e.2: RUN's key reads them): `one` gives B a fresh
 * default and replaces A, so its RUN keeps its key; `two` and `three`
 * still see what `one` dropped, `three` does not see the arg `two`
 * declares, and `three` dropping A leaves B changed. */
static void test_build_arg_fan_out(void **state) {
  (void)state;
  model m = MODEL("FROM alpine AS base\n"          /*  1 */
                  "ARG A\n"                        /*  2 - changed */
                  "ARG B=$A C\n"                   /*  3 - B's default reads A */
                  "FROM base AS one\n"             /*  4 */
                  "ARG B=fresh\n"                  /*  5 - B no longer changed */
                  "ENV A=plain\n"                  /*  6 - nor A */
                  "RUN echo $B\n"                  /*  7 L */
                  "FROM base AS two\n"             /*  8 */
                  "ARG D\n"                        /*  9 - */
                  "RUN echo $D\n"                  /* 10 L reads A, B, C and D */
                  "FROM base AS three\n"           /* 11 */
                  "ENV A=plain\n"                  /* 12 - */
                  "RUN echo\n"                     /* 13 L reads A, B and C; B changed */
                  "FROM scratch AS final\n"        /* 14 */
                  "COPY --from=one / /one\n"       /* 15 L */
                  "COPY --from=two / /two\n"       /* 16 L */
                  "COPY --from=three / /three\n",  /* 17 L */
                  .args = {"A"});
  EXPECT_ORDER(m, "base one two three final");
  EXPECT_STAGE(m, "base", 0, "c- c- c-");
  EXPECT_STAGE(m, "one", 0, "c- c- c- cL");
  EXPECT_INPUTS(m, "one", 7, "arg:A arg:B arg:C");
  EXPECT_STAGE(m, "two", 10, "c- c- iL");
  EXPECT_INPUTS(m, "two", 10, "arg:A arg:B arg:C arg:D");
  EXPECT_REASON(m, "two", 10, "build arg A changed");
  EXPECT_STAGE(m, "three", 13, "c- c- iL");
  EXPECT_INPUTS(m, "three", 13, "arg:A arg:B arg:C");
  EXPECT_REASON(m, "three", 13, "build arg B changed");
  EXPECT_STAGE(m, "final", 16, "c- cL mL mL");
  model_free(&m);
}

/* RUN's key reads the whole environment (e.2); the reason names the
 * first changed variable in the order they were set, a variable set
 * again while changed keeping its place and one that stopped changing
 * going to the end when it changes again. Each RUN is in a stage of its
 * own, so that no earlier layer decides its reason; the build arg V is
 * replaced at line 4, so they read only X and Y changed. */
static void test_changed_variables_order(void **state) {
  (void)state;
  model m = MODEL("FROM alpine AS s1\n"        /*  1 */
                  "ARG V\n"                    /*  2 - changed: V */
                  "ENV X=$V Y=$V\n"            /*  3 - V X Y */
                  "ENV V=plain X=plain\n"      /*  4 - Y */
                  "ENV X=$Y\n"                 /*  5 - Y X */
                  "FROM s1 AS r1\n"            /*  6 */
                  "RUN echo\n"                 /*  7 L */
                  "FROM s1 AS s2\n"            /*  8 */
                  "ENV Y=$X\n"                 /*  9 - Y X: Y keeps its place */
                  "FROM s2 AS r2\n"            /* 10 */
                  "RUN echo\n"                 /* 11 L */
                  "FROM s2 AS s3\n"            /* 12 */
                  "ENV Y=plain\n"              /* 13 - X */
                  "ENV Y=$X\n"                 /* 14 - X Y */
                  "RUN echo\n",                /* 15 L */
                  .targets = {"r1", "r2", "s3"}, .args = {"V"});
  EXPECT_STAGE(m, "s1", 3, "c- c- i- c- c-");
  EXPECT_STAGE(m, "r1", 7, "c- iL");
  EXPECT_REASON(m, "r1", 7, "the environment changed (Y)");
  EXPECT_STAGE(m, "r2", 11, "c- iL");
  EXPECT_REASON(m, "r2", 11, "the environment changed (Y)");
  EXPECT_STAGE(m, "s3", 15, "c- c- c- iL");
  EXPECT_REASON(m, "s3", 15, "the environment changed (X)");
  model_free(&m);
}

/* RUN's inputs list the first 32 build args in scope in the order they
 * were declared (the model reads them all): one declared again keeps its
 * place, and those after the 32nd, in the stage or its parent, are left
 * out. */
static void test_build_arg_listing(void **state) {
  (void)state;
  char src[2048] = "FROM alpine AS base\nARG";
  for (int i = 39; i >= 0; i--) snprintf(src + strlen(src), sizeof src - strlen(src), " A%d", i);
  strcat(src, "\nFROM base AS app\nARG A39 Z\nRUN echo\n"); /* lines 3 to 5 */
  model m = MODEL(src);
  char want[1024] = "";
  for (int i = 39; i >= 8; i--)
    snprintf(want + strlen(want), sizeof want - strlen(want), "%sarg:A%d", i < 39 ? " " : "", i);
  EXPECT_INPUTS(m, "app", 5, want);
  model_free(&m);
}

/* Global ARGs: used in FROM they change the base, so the stage misses
 * from its FROM line, also through a meta ARG whose default uses them;
 * otherwise they reach a stage only when re-declared there (b.2). */
static void test_global_args(void **state) {
  (void)state;
  static const char src[] = "ARG NODE_VERSION=20\n"                /* 1 */
                            "ARG ALPINE=alpine:3.20\n"             /* 2 */
                            "FROM node:${NODE_VERSION} AS build\n" /* 3 */
                            "RUN npm ci\n"                         /* 4 L */
                            "FROM ${ALPINE} AS final\n"            /* 5 */
                            "COPY --from=build /app /app\n"        /* 6 L */
                            "RUN echo\n";                          /* 7 L */
  model m = MODEL(src, .args = {"NODE_VERSION"});
  EXPECT_ORDER(m, "build final");
  EXPECT_STAGE(m, "build", 3, "i- iL");
  EXPECT_STAGE(m, "final", 6, "c- mL mL");
  EXPECT_INPUTS(m, "build", 3, "image:node:20 arg:NODE_VERSION");
  EXPECT_INPUTS(m, "final", 6, "stage:build");
  model_free(&m);
  m = MODEL(src, .args = {"ALPINE"});
  EXPECT_STAGE(m, "build", 0, "c- cL");
  EXPECT_STAGE(m, "final", 5, "i- iL iL");
  model_free(&m);

  m = MODEL("ARG VERSION=3.20\n"              /* 1 */
            "ARG IMAGE=alpine:${VERSION}\n"   /* 2 */
            "FROM ${IMAGE}\n"                 /* 3 */
            "RUN echo\n",                     /* 4 L */
            .args = {"VERSION"});
  EXPECT_STAGE(m, "stage-0", 3, "i- iL");
  model_free(&m);

  static const char redeclared[] = "ARG V=1\n"        /* 1 */
                                   "FROM alpine\n"    /* 2 */
                                   "RUN echo one\n"   /* 3 L */
                                   "ARG V\n"          /* 4 - */
                                   "RUN echo two\n";  /* 5 L */
  m = MODEL(redeclared, .args = {"V"});
  EXPECT_STAGE(m, "stage-0", 5, "c- cL c- iL");
  model_free(&m);

  /* automatic platform args: global in FROM, visible in a stage only
   * once declared */
  static const char platform[] = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n" /* 1 */
                                 "RUN echo one\n"                                      /* 2 L */
                                 "ARG TARGETARCH\n"                                    /* 3 - */
                                 "RUN echo $TARGETARCH\n";                             /* 4 L */
  m = MODEL(platform, .args = {"BUILDPLATFORM"});
  EXPECT_STAGE(m, "build", 1, "i- iL i- iL");
  EXPECT_INPUTS(m, "build", 1, "image:golang:1.22 arg:BUILDPLATFORM");
  model_free(&m);
  m = MODEL(platform, .args = {"TARGETARCH"});
  EXPECT_STAGE(m, "build", 4, "c- cL c- iL");
  model_free(&m);

  /* not re-declared: the shell sees no V, BuildKit expands nothing */
  m = MODEL("ARG V=1\nFROM alpine\nRUN echo $V\n", .args = {"V"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL");
  model_free(&m);
}

/* ---- e.4: between stages -------------------------------------------------------------------- */

/* FROM a rebuilt stage continues its chain: the child misses from its
 * FROM line. COPY --from and mounts from= a stage are keyed on the content
 * of the files (e.3, e.4): "maybe", and the rest of the stage after them
 * is maybe too. */
static void test_stage_propagation(void **state) {
  (void)state;
  static const char src[] = "FROM alpine AS base\n"                                   /* 1 */
                            "COPY a.txt /a\n"                                         /* 2 L */
                            "FROM base AS child\n"                                    /* 3 */
                            "RUN echo child > /out\n"                                 /* 4 L */
                            "FROM alpine AS final\n"                                  /* 5 */
                            "COPY --from=child /out /out\n"                           /* 6 L */
                            "RUN --mount=type=bind,from=base,target=/b ls /b\n"       /* 7 L */
                            "RUN echo final\n";                                       /* 8 L */
  model m = MODEL(src, .paths = {"a.txt"});
  EXPECT_ORDER(m, "base child final");
  EXPECT_STAGE(m, "base", 2, "c- iL");
  EXPECT_STAGE(m, "child", 3, "i- iL");
  EXPECT_STAGE(m, "final", 6, "c- mL mL mL");
  EXPECT_INPUTS(m, "child", 3, "stage:base");
  EXPECT_INPUTS(m, "final", 6, "stage:child");
  EXPECT_INPUTS(m, "final", 7, "stage:base");
  model_free(&m);
  m = MODEL(src, .paths = {"b.txt"});
  EXPECT_STAGE(m, "base", 0, "c- cL");
  EXPECT_STAGE(m, "child", 0, "c- cL");
  EXPECT_STAGE(m, "final", 0, "c- cL cL cL");
  model_free(&m);

  /* a mount from a rebuilt stage alone */
  m = MODEL("FROM alpine AS base\n"                                          /* 1 */
            "COPY a.txt /a\n"                                                /* 2 L */
            "FROM alpine AS final\n"                                         /* 3 */
            "RUN --mount=type=bind,from=base,source=/a,target=/a cat /a\n"   /* 4 L */
            "RUN echo\n",                                                    /* 5 L */
            .paths = {"a.txt"});
  EXPECT_STAGE(m, "final", 4, "c- mL mL");
  model_free(&m);

  /* a step that names a stage twice keeps every stage it reads: mounts
   * from b, a and b again with only a rebuilt make the step maybe */
  m = MODEL("FROM alpine AS a\n"                                           /* 1 */
            "COPY x.txt /x\n"                                              /* 2 L */
            "FROM alpine AS b\n"                                           /* 3 */
            "RUN echo b\n"                                                 /* 4 L */
            "FROM alpine AS final\n"                                       /* 5 */
            "RUN --mount=from=b,target=/b --mount=from=a,target=/a "
            "--mount=from=b,target=/c ls\n",                               /* 6 L */
            .paths = {"x.txt"});
  EXPECT_STAGE(m, "a", 2, "c- iL");
  EXPECT_STAGE(m, "b", 0, "c- cL");
  EXPECT_STAGE(m, "final", 6, "c- mL");
  EXPECT_INPUTS(m, "final", 6, "stage:b stage:a");
  model_free(&m);

  /* each mount finds its own edge among a RUN's others (by the index of
   * its flag): images, a secret and a context mount between the stage
   * mounts, the stage mounts found in order, the images left images, B
   * (case-insensitive) the same stage as b */
  m = MODEL("FROM alpine AS a\n"                                           /* 1 */
            "COPY x.txt /x\n"                                              /* 2 L */
            "FROM alpine AS b\n"                                           /* 3 */
            "RUN echo b\n"                                                 /* 4 L */
            "FROM alpine AS final\n"                                       /* 5 */
            "RUN --mount=from=img:1,target=/i --mount=from=b,target=/b "
            "--mount=type=secret,id=s --mount=target=/ctx --mount=from=a,target=/a "
            "--mount=from=tool:2,target=/t --mount=from=B,target=/c ls\n", /* 6 L */
            .paths = {"x.txt"});
  EXPECT_STAGE(m, "final", 6, "c- iL"); /* the context mount reads x.txt */
  EXPECT_INPUTS(m, "final", 6, "image:img:1 stage:b context:. stage:a image:tool:2");
  model_free(&m);

  /* FROM a stage that may have changed: maybe from FROM */
  m = MODEL("FROM alpine AS a\n"       /* 1 */
            "COPY x.txt /x\n"          /* 2 L */
            "FROM alpine AS b\n"       /* 3 */
            "COPY --from=a /x /x\n"    /* 4 L */
            "FROM b AS c\n"            /* 5 */
            "RUN echo\n",              /* 6 L */
            .paths = {"x.txt"});
  EXPECT_STAGE(m, "a", 2, "c- iL");
  EXPECT_STAGE(m, "b", 4, "c- mL");
  EXPECT_STAGE(m, "c", 5, "m- mL");
  model_free(&m);

  /* an own change still invalidates after a maybe */
  m = MODEL("FROM alpine AS a\n"       /* 1 */
            "COPY x.txt /x\n"          /* 2 L */
            "FROM alpine AS b\n"       /* 3 */
            "COPY --from=a /x /x\n"    /* 4 L */
            "COPY y.txt /y\n"          /* 5 L */
            "RUN echo\n",              /* 6 L */
            .paths = {"x.txt", "y.txt"});
  EXPECT_STAGE(m, "b", 4, "c- mL iL iL");
  model_free(&m);
}

/* ONBUILD triggers run in the child, after its FROM, as the child's
 * instructions (c.8): they make layers and read the context there, not in
 * the stage that declares them. */
static void test_onbuild_triggers(void **state) {
  (void)state;
  model m = MODEL("FROM alpine AS base\n"   /* 1 */
                  "WORKDIR /app\n"          /* 2 L */
                  "ONBUILD COPY . /app\n"   /* 3 - here; L in the child */
                  "ONBUILD RUN make\n"      /* 4 - here; L in the child */
                  "FROM base AS app\n"      /* 5 */
                  "RUN echo done\n",        /* 6 L */
                  .paths = {"main.c"});
  EXPECT_ORDER(m, "base app");
  EXPECT_STAGE(m, "base", 0, "c- cL c- c-");
  EXPECT_STAGE(m, "app", 3, "c- iL iL iL");
  EXPECT_BOUNDARY(m, "base", 0);
  EXPECT_BOUNDARY(m, "app", 3);
  static const int onbuild[] = {0, 1, 1, 0};
  for (size_t k = 0; k < 4; k++)
    assert_int_equal(stagegraph_cache_instruction_onbuild(m.cache, 1, k), onbuild[k]);
  EXPECT_INPUTS(m, "app", 3, "context:.");
  model_free(&m);
}

/* ---- remote sources and images ------------------------------------------------------------------ */

/* e.3: HTTP sources are resolved again every build unless --checksum
 * pins them; git sources resolve their ref when the build runs. */
static void test_remote_add(void **state) {
  (void)state;
  model m = MODEL("FROM alpine\n" /* 1 */
                  "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d "
                  "https://example.com/pinned.tar.gz /pinned\n" /* 2 L */
                  "ADD https://example.com/latest.tar.gz /latest\n" /* 3 L */
                  "RUN echo\n",                                     /* 4 L */
                  .paths = {NULL});
  EXPECT_STAGE(m, "stage-0", 3, "c- cL mL mL");
  EXPECT_INPUTS(m, "stage-0", 2, "remote:https://example.com/pinned.tar.gz");
  EXPECT_INPUTS(m, "stage-0", 3, "remote:https://example.com/latest.tar.gz");
  model_free(&m);
  m = MODEL("FROM alpine\n"                                           /* 1 */
            "ADD https://github.com/moby/buildkit.git#v0.12.0 /src\n" /* 2 L */
            "ADD local.tar.gz /opt/\n",                               /* 3 L */
            .paths = {NULL});
  EXPECT_STAGE(m, "stage-0", 2, "c- mL mL");
  EXPECT_INPUTS(m, "stage-0", 2, "remote:https://github.com/moby/buildkit.git#v0.12.0");
  EXPECT_INPUTS(m, "stage-0", 3, "context:local.tar.gz");
  model_free(&m);
}

/* A changed base image: the stages FROM it miss from their FROM line; an
 * image COPY --from or mounted is keyed on its files' content: maybe. The
 * image may be named as written or normalised. */
static void test_changed_images(void **state) {
  (void)state;
  model m = MODEL(node_dockerfile, .images = {"node:20-bookworm-slim"});
  EXPECT_ORDER(m, "deps build runtime");
  EXPECT_STAGE(m, "deps", 7, "i- iL iL iL");
  EXPECT_STAGE(m, "build", 14, "i- iL iL iL");
  EXPECT_STAGE(m, "runtime", 26, "i- i- iL iL iL iL i- i- i- i-");
  model_free(&m);
  m = MODEL(node_dockerfile, .images = {"docker.io/library/node:20-bookworm-slim"});
  EXPECT_STAGE(m, "deps", 7, "i- iL iL iL");
  EXPECT_STAGE(m, "runtime", 26, "i- i- iL iL iL iL i- i- i- i-");
  model_free(&m);
  m = MODEL(node_dockerfile, .images = {"alpine", "node:18-bookworm-slim"});
  EXPECT_STAGE(m, "deps", 0, "c- cL cL cL");
  EXPECT_STAGE(m, "build", 0, "c- cL cL cL");
  EXPECT_STAGE(m, "runtime", 0, "c- c- cL cL cL cL c- c- c- c-");
  model_free(&m);

  static const char src[] = "FROM alpine\n"                                          /* 1 */
                            "COPY --from=busybox:1.36 /bin/busybox /bin/busybox\n"   /* 2 L */
                            "RUN --mount=from=golang:1.22,source=/usr/local/go,target=/go ls /go\n" /* 3 L */
                            "RUN echo\n";                                            /* 4 L */
  m = MODEL(src, .images = {"busybox:1.36"});
  EXPECT_STAGE(m, "stage-0", 2, "c- mL mL mL");
  EXPECT_INPUTS(m, "stage-0", 2, "image:busybox:1.36");
  EXPECT_INPUTS(m, "stage-0", 3, "image:golang:1.22");
  model_free(&m);
  m = MODEL(src, .images = {"golang:1.22"});
  EXPECT_STAGE(m, "stage-0", 3, "c- cL mL mL");
  model_free(&m);
  m = MODEL(src, .images = {"alpine"});
  EXPECT_STAGE(m, "stage-0", 1, "i- iL iL iL");
  model_free(&m);
  /* scratch is not an image */
  m = MODEL("FROM scratch\nCOPY app /app\n", .images = {"scratch"});
  EXPECT_STAGE(m, "stage-0", 0, "c- cL");
  EXPECT_INPUTS(m, "stage-0", 1, "");
  model_free(&m);
  m = MODEL(src, .images = {"docker.io/library/alpine:latest"});
  EXPECT_STAGE(m, "stage-0", 1, "i- iL iL iL");
  model_free(&m);
}

/* The same images named in their normalised form (the header: "as
 * written, or normalised"; distribution's ParseNormalizedNamed makes
 * "busybox:1.36" docker.io/library/busybox:1.36 and "alpine"
 * docker.io/library/alpine:latest, so "alpine:latest" names the same
 * image as "alpine"). */
static void test_changed_images_normalised(void **state) {
  (void)state;
  static const char src[] = "FROM alpine\n"                                          /* 1 */
                            "COPY --from=busybox:1.36 /bin/busybox /bin/busybox\n"   /* 2 L */
                            "RUN --mount=from=golang:1.22,source=/usr/local/go,target=/go ls /go\n" /* 3 L */
                            "RUN echo\n";                                            /* 4 L */
  model m = MODEL(src, .images = {"docker.io/library/busybox:1.36"});
  EXPECT_STAGE(m, "stage-0", 2, "c- mL mL mL");
  model_free(&m);
  m = MODEL(src, .images = {"docker.io/library/golang:1.22"});
  EXPECT_STAGE(m, "stage-0", 3, "c- cL mL mL");
  model_free(&m);
  m = MODEL(src, .images = {"alpine:latest"});
  EXPECT_STAGE(m, "stage-0", 1, "i- iL iL iL");
  model_free(&m);
}

/* ---- targets and pruning --------------------------------------------------------------------------- */

/* e.4: a stage the targets do not need is never built: it is not
 * reported, and changes it alone reads change nothing. */
static void test_pruned_stages(void **state) {
  (void)state;
  /* the default target, runtime, needs deps and build, not test */
  model m = MODEL(node_dockerfile, .paths = {"test/app.test.ts"});
  EXPECT_ORDER(m, "deps build runtime");
  assert_int_equal(stagegraph_cache_stage_count(m.cache), 3);
  assert_int_equal(stagegraph_cache_stage(m.cache, 0), 0);
  assert_int_equal(stagegraph_cache_stage(m.cache, 1), 1);
  assert_int_equal(stagegraph_cache_stage(m.cache, 2), 3);
  EXPECT_STAGE(m, "deps", 0, "c- cL cL cL");
  EXPECT_STAGE(m, "build", 0, "c- cL cL cL");
  EXPECT_STAGE(m, "runtime", 0, "c- c- cL cL cL cL c- c- c- c-");
  model_free(&m);

  m = MODEL(node_dockerfile, .targets = {"test"}, .paths = {"test/app.test.ts"});
  EXPECT_ORDER(m, "deps build test");
  EXPECT_STAGE(m, "deps", 0, "c- cL cL cL");
  EXPECT_STAGE(m, "build", 0, "c- cL cL cL");
  EXPECT_STAGE(m, "test", 22, "c- iL iL");
  EXPECT_INPUTS(m, "test", 22, "context:test");
  model_free(&m);

  /* a stage nothing needs, reading everything */
  m = MODEL("ARG UNUSED_BASE=alpine\n"        /* 1 */
            "FROM ${UNUSED_BASE} AS unused\n" /* 2 */
            "COPY . /all\n"                   /* 3 L */
            "FROM alpine AS app\n"            /* 4 */
            "COPY app.txt /app\n",            /* 5 L */
            .paths = {"x.c"}, .args = {"UNUSED_BASE"});
  EXPECT_ORDER(m, "app");
  EXPECT_STAGE(m, "app", 0, "c- cL");
  assert_int_equal(stagegraph_cache_layer_count(m.cache), 1);
  model_free(&m);

  /* two targets */
  m = MODEL(node_dockerfile, .targets = {"test", "runtime"}, .paths = {"src/index.ts"});
  EXPECT_ORDER(m, "deps build test runtime");
  EXPECT_STAGE(m, "test", 21, "i- iL iL");
  model_free(&m);
}

/* ---- the boundary and the summary for examples/Dockerfile -------------------------------------------- */

/*
 * The cache boundary of a stage is its first instruction reading the whole
 * context or a broad pattern (a directory), where an ordinary source edit
 * starts rebuilding. For examples/Dockerfile with the default target
 * (runtime; test is pruned), by hand:
 *
 *   deps    FROM(7)  WORKDIR /app(8) L  COPY package.json package-lock.json(9) L
 *           RUN npm ci(10) L                      -> 3 layers, no broad source
 *   build   FROM deps(14)  COPY tsconfig.json(15) L  COPY src(16) L  RUN(17) L
 *                                                 -> 3 layers, boundary at 16
 *   runtime FROM(26) ENV(27) WORKDIR /app(28) L  COPY --from=build x2 (29, 30) L
 *           COPY package.json(31) L  USER EXPOSE HEALTHCHECK CMD
 *                                                 -> 4 layers, no broad source
 *
 * 10 layers. An ordinary source edit (a file only "src" reads) leaves deps'
 * 3 layers and build's COPY tsconfig.json cached, rebuilds COPY src and the
 * RUN after it; build then produces new files, so runtime's COPY --from
 * lines (and the COPY after them) are "maybe", not cached; runtime's
 * WORKDIR, before them, stays cached: 3 + 1 + 1 = 5 layers survive.
 *
 * With --target test (runtime pruned): deps 3 + build 3 + test 2 (COPY test,
 * a directory, is test's boundary; RUN) = 8 layers; deps 3 and build's COPY
 * tsconfig.json survive, test's FROM misses with build: 4 survive.
 */
static void test_node_example_summary(void **state) {
  (void)state;
  model m = MODEL(node_dockerfile, .paths = {NULL});
  EXPECT_ORDER(m, "deps build runtime");
  EXPECT_BOUNDARY(m, "deps", 0);
  EXPECT_BOUNDARY(m, "build", 16);
  EXPECT_BOUNDARY(m, "runtime", 0);
  assert_int_equal(stagegraph_cache_boundary(m.cache, 1), 2); /* FROM, COPY tsconfig.json, COPY src */
  assert_int_equal(stagegraph_cache_layer_count(m.cache), 10);
  assert_int_equal(stagegraph_cache_layers_surviving_edit(m.cache), 5);
  /* nothing changed: everything cached */
  EXPECT_STAGE(m, "deps", 0, "c- cL cL cL");
  EXPECT_STAGE(m, "build", 0, "c- cL cL cL");
  EXPECT_STAGE(m, "runtime", 0, "c- c- cL cL cL cL c- c- c- c-");
  EXPECT_INPUTS(m, "deps", 7, "image:node:20-bookworm-slim arg:NODE_VERSION");
  EXPECT_INPUTS(m, "deps", 9, "context:package.json context:package-lock.json");
  EXPECT_INPUTS(m, "deps", 10, "");
  EXPECT_INPUTS(m, "build", 14, "stage:deps");
  EXPECT_INPUTS(m, "runtime", 29, "stage:build");
  EXPECT_INPUTS(m, "runtime", 31, "context:package.json");
  model_free(&m);

  m = MODEL(node_dockerfile, .targets = {"test"});
  EXPECT_BOUNDARY(m, "test", 22);
  assert_int_equal(stagegraph_cache_layer_count(m.cache), 8);
  assert_int_equal(stagegraph_cache_layers_surviving_edit(m.cache), 4);
  model_free(&m);

  /* the ordinary edit itself, as a change */
  m = MODEL(node_dockerfile, .paths = {"src/server.ts"});
  EXPECT_STAGE(m, "deps", 0, "c- cL cL cL");
  EXPECT_STAGE(m, "build", 16, "c- cL iL iL");
  EXPECT_STAGE(m, "runtime", 29, "c- c- cL mL mL mL m- m- m- m-");
  model_free(&m);

  /* package.json is read by deps and by runtime's own COPY */
  m = MODEL(node_dockerfile, .paths = {"package.json"});
  EXPECT_STAGE(m, "deps", 9, "c- cL iL iL");
  EXPECT_STAGE(m, "build", 14, "i- iL iL iL");
  EXPECT_STAGE(m, "runtime", 29, "c- c- cL mL mL iL i- i- i- i-");
  model_free(&m);

  /* the global ARG in both FROM lines */
  m = MODEL(node_dockerfile, .args = {"NODE_VERSION"});
  EXPECT_STAGE(m, "deps", 7, "i- iL iL iL");
  EXPECT_STAGE(m, "build", 14, "i- iL iL iL");
  EXPECT_STAGE(m, "runtime", 26, "i- i- iL iL iL iL i- i- i- i-");
  model_free(&m);
}

/* A reason names what makes the instruction miss: after a maybe (29, 30)
 * and a definite miss (31), the instructions after are invalidated because
 * of 31, not 29. */
static void test_reason_names_definite_miss(void **state) {
  (void)state;
  model m = MODEL(node_dockerfile, .paths = {"package.json"});
  EXPECT_STAGE(m, "runtime", 29, "c- c- cL mL mL iL i- i- i- i-");
  {
    size_t i = find_stage(&m, "runtime"), k = step_at(&m, i, 32);
    const char *why = stagegraph_cache_instruction_reason(m.cache, i, k);
    if (!why || !strstr(why, "31")) {
      print_error("reason for line 32: \"%s\", want it to name line 31\n", why ? why : "(null)");
      print_model(&m);
      FAIL();
    }
  }
  model_free(&m);
}

/* ---- renderers ----------------------------------------------------------------------------------------- */

static const jr_value *member(const jr_value *obj, const char *key) {
  const jr_value *v = jr_get(obj, key);
  if (!v) FAIL_MSG("JSON: no member \"%s\"", key);
  return v;
}

/* stagegraph.cache/1: "schema", and "stages" in build order, each with
 * index, name, first_invalidated (line or null) and instructions (line,
 * keyword, layer as a bool, status). */
static void test_render_json(void **state) {
  (void)state;
  model m = MODEL(node_dockerfile, .paths = {"src/server.ts"});
  char *text = render(&m, STAGEGRAPH_FORMAT_JSON);
  jr_value *root = jr_parse(text, strlen(text));
  if (!root) FAIL_MSG("not JSON:\n%s", text);
  live_add(LIVE_JSON, root);
  assert_int_equal(root->type, JR_OBJECT);
  const jr_value *schema = member(root, "schema");
  assert_int_equal(schema->type, JR_STRING);
  assert_string_equal(schema->str, "stagegraph.cache/1");
  const jr_value *stages = member(root, "stages");
  assert_int_equal(stages->type, JR_ARRAY);
  assert_int_equal(stages->count, 3);
  static const int index[] = {0, 1, 3};
  static const char *const names[] = {"deps", "build", "runtime"};
  static const int first[] = {0, 16, 29};
  static const char *const statuses[] = {"c- cL cL cL", "c- cL iL iL", "c- c- cL mL mL mL m- m- m- m-"};
  static const char *const keywords[] = {
      "FROM WORKDIR COPY RUN", "FROM COPY COPY RUN",
      "FROM ENV WORKDIR COPY COPY COPY USER EXPOSE HEALTHCHECK CMD"};
  static const int lines[3][10] = {{7, 8, 9, 10}, {14, 15, 16, 17}, {26, 27, 28, 29, 30, 31, 32, 33, 34, 36}};
  for (size_t i = 0; i < 3; i++) {
    const jr_value *s = stages->items[i];
    assert_int_equal(s->type, JR_OBJECT);
    const jr_value *v = member(s, "index");
    assert_int_equal(v->type, JR_NUMBER);
    assert_int_equal((int)v->number, index[i]);
    v = member(s, "name");
    assert_int_equal(v->type, JR_STRING);
    assert_string_equal(v->str, names[i]);
    v = member(s, "first_invalidated");
    if (first[i] == 0) {
      assert_int_equal(v->type, JR_NULL);
    } else {
      assert_int_equal(v->type, JR_NUMBER);
      assert_int_equal((int)v->number, first[i]);
    }
    const jr_value *ins = member(s, "instructions");
    assert_int_equal(ins->type, JR_ARRAY);
    char got_status[128] = "", got_kw[128] = "";
    for (size_t k = 0; k < ins->count; k++) {
      const jr_value *o = ins->items[k];
      const jr_value *line = member(o, "line");
      assert_int_equal(line->type, JR_NUMBER);
      assert_int_equal((int)line->number, lines[i][k]);
      const jr_value *kw = member(o, "keyword");
      assert_int_equal(kw->type, JR_STRING);
      const jr_value *layer = member(o, "layer");
      assert_int_equal(layer->type, JR_BOOL);
      const jr_value *st = member(o, "status");
      assert_int_equal(st->type, JR_STRING);
      char letter = strcmp(st->str, "cached") == 0 ? 'c' : strcmp(st->str, "maybe") == 0 ? 'm'
                    : strcmp(st->str, "invalidated") == 0 ? 'i' : '?';
      snprintf(got_status + strlen(got_status), sizeof got_status - strlen(got_status), "%s%c%c",
               k ? " " : "", letter, layer->boolean ? 'L' : '-');
      snprintf(got_kw + strlen(got_kw), sizeof got_kw - strlen(got_kw), "%s%s", k ? " " : "", kw->str);
    }
    if (strcmp(got_status, statuses[i]) != 0 || strcmp(got_kw, keywords[i]) != 0)
      FAIL_MSG("JSON stage %zu: got \"%s\" / \"%s\", want \"%s\" / \"%s\"", i, got_status, got_kw,
               statuses[i], keywords[i]);
  }
  live_forget(root);
  jr_free(root);
  release(text);
  model_free(&m);

  /* an unnamed stage has a null name */
  m = MODEL("FROM alpine\nRUN true\n", .paths = {NULL});
  text = render(&m, STAGEGRAPH_FORMAT_JSON);
  root = jr_parse(text, strlen(text));
  if (!root) FAIL_MSG("not JSON:\n%s", text);
  live_add(LIVE_JSON, root);
  stages = member(root, "stages");
  assert_int_equal(stages->count, 1);
  assert_int_equal(member(stages->items[0], "name")->type, JR_NULL);
  assert_int_equal(member(stages->items[0], "first_invalidated")->type, JR_NULL);
  live_forget(root);
  jr_free(root);
  release(text);
  model_free(&m);
}

/* The fill colour a DOT or Mermaid rendering gives the node whose label
 * starts with `label`, into out. */
static int colour_of(const char *text, const char *label, int mermaid, char *out, size_t cap) {
  char want[128];
  snprintf(want, sizeof want, mermaid ? "[\"%s" : "label=\"%s", label);
  const char *at = strstr(text, want);
  if (!at) return 0;
  const char *eol = strchr(at, '\n');
  if (!mermaid) {
    const char *fc = strstr(at, "fillcolor=\"");
    if (!fc || (eol && fc > eol)) return 0;
    fc += strlen("fillcolor=\"");
    size_t n = strcspn(fc, "\"");
    snprintf(out, cap, "%.*s", (int)n, fc);
    return 1;
  }
  /* Mermaid: the node id before "[", then "style <id> fill:<colour>" */
  const char *start = at;
  while (start > text && start[-1] != ' ' && start[-1] != '\n') start--;
  char style[160];
  snprintf(style, sizeof style, "style %.*s fill:", (int)(at - start), start);
  const char *st = strstr(text, style);
  if (!st) return 0;
  st += strlen(style);
  size_t n = strcspn(st, ",;\n ");
  snprintf(out, cap, "%.*s", (int)n, st);
  return 1;
}

/* DOT and Mermaid colour the instructions by status: one colour per
 * status. */
static void test_render_graphs(void **state) {
  (void)state;
  model m = MODEL("FROM alpine AS base\n"          /* 1 c */
                  "COPY a.txt /a\n"                /* 2 i */
                  "FROM alpine AS final\n"         /* 3 c */
                  "RUN echo\n"                     /* 4 c */
                  "COPY --from=base /a /a\n",      /* 5 m */
                  .paths = {"a.txt"});
  EXPECT_STAGE(m, "base", 2, "c- iL");
  EXPECT_STAGE(m, "final", 5, "c- cL mL");
  for (int mermaid = 0; mermaid < 2; mermaid++) {
    char *text = render(&m, mermaid ? STAGEGRAPH_FORMAT_MERMAID : STAGEGRAPH_FORMAT_DOT);
    if (strncmp(text, mermaid ? "flowchart" : "digraph", mermaid ? 9 : 7) != 0)
      FAIL_MSG("unexpected start:\n%s", text);
    char from1[64], copy[64], run[64], from2[64], copy_from[64];
    if (!colour_of(text, "FROM alpine AS base", mermaid, from1, sizeof from1) ||
        !colour_of(text, "COPY a.txt", mermaid, copy, sizeof copy) ||
        !colour_of(text, "FROM alpine AS final", mermaid, from2, sizeof from2) ||
        !colour_of(text, "RUN echo", mermaid, run, sizeof run) ||
        !colour_of(text, "COPY --from=base", mermaid, copy_from, sizeof copy_from))
      FAIL_MSG("%s: a node or its colour is missing:\n%s", mermaid ? "mermaid" : "dot", text);
    if (strcmp(from1, run) != 0 || strcmp(from1, from2) != 0 || strcmp(from1, copy) == 0 ||
        strcmp(from1, copy_from) == 0 || strcmp(copy, copy_from) == 0)
      FAIL_MSG("%s: cached %s/%s/%s, invalidated %s, maybe %s:\n%s", mermaid ? "mermaid" : "dot", from1, from2,
               run, copy, copy_from, text);
    release(text);
  }
  model_free(&m);
}

/* The text report marks the boundary, says what rebuilds and why, and
 * ends with the summary. */
static void test_render_text(void **state) {
  (void)state;
  model m = MODEL(node_dockerfile, .paths = {"src/server.ts"});
  char *text = render(&m, STAGEGRAPH_FORMAT_TEXT);
  /* the boundary marker comes right before the row of line 16 */
  const char *row = NULL;
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    unsigned n;
    if (sscanf(p, " %u ", &n) == 1 && n == 16) {
      row = p;
      break;
    }
  }
  if (!row || row == text) FAIL_MSG("no row for line 16:\n%s", text);
  const char *prev = row - 1;
  while (prev > text && prev[-1] != '\n') prev--;
  if (!strstr(prev, "boundary") || strstr(prev, "boundary") > row) FAIL_MSG("no boundary before line 16:\n%s", text);
  /* the row says invalidated and why (the changed file) */
  const char *eol = strchr(row, '\n');
  const char *inv = strstr(row, "invalidated");
  if (!inv || inv > eol) FAIL_MSG("line 16 not invalidated:\n%s", text);
  const char *why = strstr(row, "src/server.ts");
  if (!why || why > eol) FAIL_MSG("line 16 does not name the changed file:\n%s", text);
  if (!strstr(text, "5 of 10")) FAIL_MSG("no summary \"5 of 10\":\n%s", text);
  /* test is pruned */
  if (strstr(text, "npm test")) FAIL_MSG("the pruned stage is reported:\n%s", text);
  release(text);
  model_free(&m);
}

/* ---- API contract --------------------------------------------------------------------------------------- */

static void test_bad_arguments(void **state) {
  (void)state;
  stagegraph_doc *doc = NULL;
  stagegraph_plan *plan = NULL;
  assert_int_equal(stagegraph_parse(&doc, "FROM alpine\n", 12, NULL, NULL), 0);
  live_add(LIVE_DOC, doc);
  assert_int_equal(stagegraph_plan_new(&plan, doc, NULL, NULL), 0);
  live_add(LIVE_PLAN, plan);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(stagegraph_cache_new(NULL, plan, NULL, &err), STAGEGRAPH_EINVAL);
  assert_int_equal(err.code, STAGEGRAPH_EINVAL);
  stagegraph_cache *c = (stagegraph_cache *)(uintptr_t)1;
  assert_int_equal(stagegraph_cache_new(&c, NULL, NULL, &err), STAGEGRAPH_EINVAL);
  assert_null(c);
  stagegraph_cache_options o;
  memset(&o, 0, sizeof o); /* size 0: not initialised */
  c = (stagegraph_cache *)(uintptr_t)1;
  assert_int_equal(stagegraph_cache_new(&c, plan, &o, &err), STAGEGRAPH_EINVAL);
  assert_null(c);

  assert_int_equal(stagegraph_cache_new(&c, plan, NULL, NULL), 0);
  live_add(LIVE_CACHE, c);
  assert_ptr_equal(stagegraph_cache_plan(c), plan);
  /* out of range */
  assert_int_equal(stagegraph_cache_stage_count(c), 1);
  assert_int_equal(stagegraph_cache_stage(c, 1), STAGEGRAPH_NONE);
  assert_int_equal(stagegraph_cache_first_invalidated(c, 1), 0);
  assert_int_equal(stagegraph_cache_boundary(c, 0), STAGEGRAPH_NONE);
  assert_int_equal(stagegraph_cache_boundary(c, 1), STAGEGRAPH_NONE);
  assert_int_equal(stagegraph_cache_instruction_count(c, 0), 1);
  assert_int_equal(stagegraph_cache_instruction_count(c, 1), 0);
  assert_null(stagegraph_cache_instruction(c, 0, 1));
  assert_null(stagegraph_cache_instruction(c, 1, 0));
  assert_int_equal(stagegraph_cache_instruction_layer(c, 0, 1), 0);
  assert_null(stagegraph_cache_instruction_reason(c, 0, 1));
  assert_int_equal(stagegraph_cache_input_count(c, 0, 0), 1); /* image alpine */
  assert_null(stagegraph_cache_input_value(c, 0, 0, 1));
  assert_null(stagegraph_cache_input_value(c, 0, 1, 0));
  /* NULL cache */
  assert_null(stagegraph_cache_plan(NULL));
  assert_int_equal(stagegraph_cache_stage_count(NULL), 0);
  assert_int_equal(stagegraph_cache_instruction_count(NULL, 0), 0);
  assert_null(stagegraph_cache_instruction(NULL, 0, 0));
  assert_int_equal(stagegraph_cache_layer_count(NULL), 0);
  assert_int_equal(stagegraph_cache_layers_surviving_edit(NULL), 0);
  stagegraph_cache_free(NULL);
  /* render: bad format, NULL arguments */
  stagegraph_buf b = STAGEGRAPH_BUF_INIT;
  assert_int_equal(stagegraph_cache_render(&b, c, STAGEGRAPH_FORMAT_SARIF, &err), STAGEGRAPH_EINVAL);
  assert_null(b.ptr);
  assert_int_equal(stagegraph_cache_render(&b, c, (stagegraph_format)99, &err), STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_cache_render(NULL, c, STAGEGRAPH_FORMAT_TEXT, &err), STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_cache_render(&b, NULL, STAGEGRAPH_FORMAT_TEXT, &err), STAGEGRAPH_EINVAL);
  live_release();
}

/* Two models of one plan are independent. */
static void test_two_caches_one_plan(void **state) {
  (void)state;
  stagegraph_doc *doc = NULL;
  stagegraph_plan *plan = NULL;
  assert_int_equal(stagegraph_parse(&doc, node_dockerfile, strlen(node_dockerfile), NULL, NULL), 0);
  live_add(LIVE_DOC, doc);
  assert_int_equal(stagegraph_plan_new(&plan, doc, NULL, NULL), 0);
  live_add(LIVE_PLAN, plan);
  const char *a_paths[] = {"package.json"};
  stagegraph_cache_options o = STAGEGRAPH_CACHE_OPTIONS_INIT;
  o.changed_paths = a_paths;
  o.changed_path_count = 1;
  stagegraph_cache *a = NULL, *b = NULL;
  assert_int_equal(stagegraph_cache_new(&a, plan, &o, NULL), 0);
  live_add(LIVE_CACHE, a);
  assert_int_equal(stagegraph_cache_new(&b, plan, NULL, NULL), 0);
  live_add(LIVE_CACHE, b);
  assert_int_equal(stagegraph_cache_first_invalidated(a, 0), 9);
  assert_int_equal(stagegraph_cache_first_invalidated(b, 0), 0);
  live_forget(a);
  stagegraph_cache_free(a);
  assert_int_equal(stagegraph_cache_first_invalidated(b, 0), 0);
  assert_int_equal(stagegraph_cache_layers_surviving_edit(b), 5);
  live_release();
}

/* Every allocation failure in building the model of `src` under `o` and
 * rendering it is reported as ENOMEM, with nothing leaked (run under
 * valgrind). */
static void expect_out_of_memory(const char *src, const stagegraph_cache_options *opts) {
  alloc_budget ab;
  budget_init(&ab);
  stagegraph_allocator a = budget_allocator(&ab);
  stagegraph_options po = STAGEGRAPH_OPTIONS_INIT;
  po.allocator = &a;
  stagegraph_doc *doc = NULL;
  stagegraph_plan *plan = NULL;
  assert_int_equal(stagegraph_parse(&doc, src, strlen(src), &po, NULL), 0);
  live_add(LIVE_DOC, doc);
  assert_int_equal(stagegraph_plan_new(&plan, doc, NULL, NULL), 0);
  live_add(LIVE_PLAN, plan);
  const stagegraph_cache_options o = *opts;
  int done = 0;
  for (long budget = 0; budget < 100000 && !done; budget++) {
    stagegraph_cache *c = (stagegraph_cache *)(uintptr_t)1;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    budget_fail(&ab, budget, 1);
    int rc = stagegraph_cache_new(&c, plan, &o, &err);
    if (rc == 0) {
      /* and the renderers */
      for (int f = 0; f < 4; f++) {
        stagegraph_buf b = STAGEGRAPH_BUF_INIT;
        int r = stagegraph_cache_render(&b, c, (stagegraph_format)f, &err);
        if (r != 0 && r != STAGEGRAPH_ENOMEM) {
          budget_fail(&ab, -1, 0);
          stagegraph_cache_free(c);
          FAIL_MSG("render %d, budget %ld: %s", f, budget, stagegraph_code_name(r));
        }
        if (r) assert_null(b.ptr);
        stagegraph_buf_dispose(&b);
      }
      budget_fail(&ab, -1, 0);
      stagegraph_cache_free(c);
      done = 1;
    } else {
      budget_fail(&ab, -1, 0);
      if (rc != STAGEGRAPH_ENOMEM || err.code != STAGEGRAPH_ENOMEM)
        FAIL_MSG("budget %ld: %s %s (want ENOMEM)", budget, stagegraph_code_name(rc), err.message);
      assert_null(c);
    }
  }
  assert_true(done);
  live_release();
}

static void test_out_of_memory(void **state) {
  (void)state;
  const char *paths[] = {"src/server.ts", "node_modules/x"};
  const char *args[] = {"NODE_VERSION"};
  stagegraph_cache_options o = STAGEGRAPH_CACHE_OPTIONS_INIT;
  o.changed_paths = paths;
  o.changed_path_count = 2;
  o.changed_args = args;
  o.changed_arg_count = 1;
  o.dockerignore = "node_modules\n!node_modules/keep\n";
  o.dockerignore_len = strlen(o.dockerignore);
  expect_out_of_memory(node_dockerfile, &o);
}

/* The same where stages FROM one base add, drop and re-add build args and
 * changed variables, past the first level of their sets. */
static void test_out_of_memory_fan_out(void **state) {
  (void)state;
  char src[4096] = "ARG G=1\nFROM alpine AS base\nARG G\n";
  for (int i = 0; i < 20; i++) snprintf(src + strlen(src), sizeof src - strlen(src), "ARG A%d=$G\n", i);
  for (int k = 0; k < 3; k++)
    snprintf(src + strlen(src), sizeof src - strlen(src),
             "FROM base AS c%d\nARG A%d=fresh C%d\nENV A1=plain\nENV A1=$G\nRUN echo $C%d\n", k, k, k, k);
  strcat(src, "FROM scratch\nCOPY --from=c0 / /0\nCOPY --from=c1 / /1\nCOPY --from=c2 / /2\n");
  const char *args[] = {"G"};
  stagegraph_cache_options o = STAGEGRAPH_CACHE_OPTIONS_INIT;
  o.changed_args = args;
  o.changed_arg_count = 1;
  expect_out_of_memory(src, &o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_options_init, live_teardown),
      cmocka_unit_test_teardown(test_layer_kinds, live_teardown),
      cmocka_unit_test_teardown(test_workdir_resolution, live_teardown),
      cmocka_unit_test_teardown(test_workdir_inherited, live_teardown),
      cmocka_unit_test_teardown(test_context_wildcards_and_directories, live_teardown),
      cmocka_unit_test_teardown(test_context_whole, live_teardown),
      cmocka_unit_test_teardown(test_copy_exclude, live_teardown),
      cmocka_unit_test_teardown(test_copy_parents, live_teardown),
      cmocka_unit_test_teardown(test_changed_paths_by_prefix, live_teardown),
      cmocka_unit_test_teardown(test_wildcard_sources, live_teardown),
      cmocka_unit_test_teardown(test_parents_sources, live_teardown),
      cmocka_unit_test_teardown(test_many_excludes, live_teardown),
      cmocka_unit_test_teardown(test_heredoc_copy, live_teardown),
      cmocka_unit_test_teardown(test_dockerignore, live_teardown),
      cmocka_unit_test_teardown(test_dockerignore_bind_mount, live_teardown),
      cmocka_unit_test_teardown(test_dockerignore_error, live_teardown),
      cmocka_unit_test_teardown(test_options_size, live_teardown),
      cmocka_unit_test_teardown(test_bind_mounts, live_teardown),
      cmocka_unit_test_teardown(test_propagation_and_link, live_teardown),
      cmocka_unit_test_teardown(test_build_arg_scope, live_teardown),
      cmocka_unit_test_teardown(test_build_arg_expanded, live_teardown),
      cmocka_unit_test_teardown(test_build_arg_env, live_teardown),
      cmocka_unit_test_teardown(test_build_arg_env_override, live_teardown),
      cmocka_unit_test_teardown(test_build_arg_inherited, live_teardown),
      cmocka_unit_test_teardown(test_build_arg_env_many_pairs, live_teardown),
      cmocka_unit_test_teardown(test_build_arg_long_name, live_teardown),
      cmocka_unit_test_teardown(test_build_arg_fan_out, live_teardown),
      cmocka_unit_test_teardown(test_changed_variables_order, live_teardown),
      cmocka_unit_test_teardown(test_build_arg_listing, live_teardown),
      cmocka_unit_test_teardown(test_global_args, live_teardown),
      cmocka_unit_test_teardown(test_stage_propagation, live_teardown),
      cmocka_unit_test_teardown(test_onbuild_triggers, live_teardown),
      cmocka_unit_test_teardown(test_remote_add, live_teardown),
      cmocka_unit_test_teardown(test_changed_images, live_teardown),
      cmocka_unit_test_teardown(test_changed_images_normalised, live_teardown),
      cmocka_unit_test_teardown(test_pruned_stages, live_teardown),
      cmocka_unit_test_teardown(test_node_example_summary, live_teardown),
      cmocka_unit_test_teardown(test_reason_names_definite_miss, live_teardown),
      cmocka_unit_test_teardown(test_render_json, live_teardown),
      cmocka_unit_test_teardown(test_render_graphs, live_teardown),
      cmocka_unit_test_teardown(test_render_text, live_teardown),
      cmocka_unit_test_teardown(test_bad_arguments, live_teardown),
      cmocka_unit_test_teardown(test_two_caches_one_plan, live_teardown),
      cmocka_unit_test_teardown(test_out_of_memory, live_teardown),
      cmocka_unit_test_teardown(test_out_of_memory_fan_out, live_teardown),
  };
  return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
