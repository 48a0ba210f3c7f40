/* Variable scopes (spec b.2): the global scope of FROM lines, ARG and ENV
 * ordering in a stage, build args, automatic platform args. Observed
 * through the plan's expanded bases and the outline's resolved ARG values.
 * Then deep FROM forests, through the plan and through the scopes
 * themselves (internal: lib/envmap.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "envmap.h"
#include "stagegraph.h"
#include "textbuf.h"

typedef struct run {
  stagegraph_doc *doc;
  stagegraph_plan *plan;
  stagegraph_error err;
  int rc;
} run;

static run plan_of(const char *dockerfile, const char *const *build_args, size_t n) {
  run r;
  memset(&r, 0, sizeof r);
  stagegraph_error_init(&r.err, sizeof r.err);
  stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
  opts.build_args = build_args;
  opts.build_arg_count = n;
  r.rc = stagegraph_parse(&r.doc, dockerfile, strlen(dockerfile), &opts, &r.err);
  if (r.rc == 0) r.rc = stagegraph_plan_new(&r.plan, r.doc, NULL, &r.err);
  return r;
}

static void run_free(run *r) {
  stagegraph_plan_free(r->plan);
  stagegraph_doc_free(r->doc);
}

/* The outline's value for an arg (NULL: listed without a value); fails the
 * test when the arg is not listed. */
static const char *arg_value(const run *r, const char *name) {
  for (size_t i = 0; i < stagegraph_plan_arg_count(r->plan); i++)
    if (strcmp(stagegraph_plan_arg_name(r->plan, i), name) == 0)
      return stagegraph_plan_arg_value(r->plan, i);
  fail_msg("arg %s is not in the outline", name);
  return NULL;
}

static void expect_arg(const char *dockerfile, const char *const *build_args, size_t n,
                       const char *name, const char *want) {
  run r = plan_of(dockerfile, build_args, n);
  if (r.rc) fail_msg("%s\nplan failed: %s", dockerfile, r.err.message);
  const char *got = arg_value(&r, name);
  if (!got || strcmp(got, want) != 0)
    fail_msg("%s\n%s is \"%s\", want \"%s\"", dockerfile, name, got ? got : "(no value)", want);
  run_free(&r);
}

/* ENV then ARG of a value derived from it: the ARG sees the ENV. */
static void test_arg_default_sees_env(void **state) {
  (void)state;
  expect_arg("FROM alpine\nENV A=fromenv\nARG B=$A\n", NULL, 0, "B", "fromenv");
}

/* An ARG after an ENV of the same name replaces it in the build-time
 * environment; an ENV after an ARG replaces the ARG. */
static void test_arg_env_order(void **state) {
  (void)state;
  expect_arg("FROM alpine\nENV X=env\nARG X=arg\nARG Y=$X\n", NULL, 0, "Y", "arg");
  expect_arg("FROM alpine\nARG X=arg\nENV X=env\nARG Y=$X\n", NULL, 0, "Y", "env");
}

/* All pairs of one ENV see the variables as they were before it. */
static void test_env_snapshot(void **state) {
  (void)state;
  expect_arg("FROM alpine\nENV A=old\nENV A=new B=$A\nARG C=$B\n", NULL, 0, "C", "old");
  expect_arg("FROM alpine\nENV A=old\nENV A=new\nENV B=$A\nARG C=$B\n", NULL, 0, "C", "new");
}

/* A global ARG is invisible in a stage until the stage declares it. */
static void test_global_needs_redeclaring(void **state) {
  (void)state;
  expect_arg("ARG G=g\nFROM alpine\nARG C=x${G}x\n", NULL, 0, "C", "xx");
  expect_arg("ARG G=g\nFROM alpine\nARG G\nARG C=x${G}x\n", NULL, 0, "C", "xgx");
}

/* A build arg for a declared ARG is used verbatim, and the default is then
 * not evaluated at all (an error in it does not matter). */
static void test_build_arg_verbatim(void **state) {
  (void)state;
  const char *args[] = {"X=$NOT_EXPANDED"};
  expect_arg("FROM alpine\nARG X=default\n", args, 1, "X", "$NOT_EXPANDED");
  const char *args2[] = {"X=given"};
  expect_arg("FROM alpine\nARG X=${Z:?boom}\n", args2, 1, "X", "given");
  run r = plan_of("FROM alpine\nARG X=${Z:?boom}\n", NULL, 0);
  assert_int_equal(r.rc, STAGEGRAPH_EEXPAND);
  assert_non_null(strstr(r.err.message, "Z: boom"));
  assert_int_equal(r.err.line, 2);
  run_free(&r);
}

/* A build arg nothing declares is invisible to expansion. */
static void test_undeclared_build_arg(void **state) {
  (void)state;
  const char *args[] = {"U=1"};
  expect_arg("FROM alpine\nARG C=x${U}x\n", args, 1, "C", "xx");
}

/* The automatic platform args are visible in a stage only once declared;
 * in FROM they are always there. */
static void test_platform_args(void **state) {
  (void)state;
  expect_arg("FROM alpine\nARG C=x${TARGETARCH}x\n", NULL, 0, "C", "xx");
  expect_arg("FROM alpine\nARG TARGETARCH\nARG C=x${TARGETARCH}x\n", NULL, 0, "C", "xamd64x");
  run r = plan_of("FROM alpine:${TARGETOS}-${TARGETARCH}\n", NULL, 0);
  assert_int_equal(r.rc, 0);
  assert_string_equal(stagegraph_plan_stage_base(r.plan, 0), "alpine:linux-amd64");
  run_free(&r);
  const char *args[] = {"TARGETARCH=arm64"};
  r = plan_of("FROM alpine:${TARGETARCH}\n", args, 1);
  assert_int_equal(r.rc, 0);
  assert_string_equal(stagegraph_plan_stage_base(r.plan, 0), "alpine:arm64");
  run_free(&r);
}

/* Meta ARGs: a build arg wins raw; otherwise the default is expanded with
 * the global scope built so far; no default and no build arg adds nothing. */
static void test_meta_args(void **state) {
  (void)state;
  run r = plan_of("ARG A=3\nARG B=1.$A\nFROM alpine:$B\n", NULL, 0);
  assert_int_equal(r.rc, 0);
  assert_string_equal(stagegraph_plan_stage_base(r.plan, 0), "alpine:1.3");
  run_free(&r);
  const char *args[] = {"B=edge"};
  r = plan_of("ARG A=3\nARG B=1.$A\nFROM alpine:$B\n", args, 1);
  assert_int_equal(r.rc, 0);
  assert_string_equal(stagegraph_plan_stage_base(r.plan, 0), "alpine:edge");
  run_free(&r);
  /* the later ARG does not see an earlier one only through its own line */
  r = plan_of("ARG B=1.$A\nARG A=3\nFROM alpine:$B\n", NULL, 0);
  assert_int_equal(r.rc, 0);
  assert_string_equal(stagegraph_plan_stage_base(r.plan, 0), "alpine:1.");
  run_free(&r);
  r = plan_of("ARG V\nFROM alpine$V\n", NULL, 0);
  assert_int_equal(r.rc, 0);
  assert_string_equal(stagegraph_plan_stage_base(r.plan, 0), "alpine");
  run_free(&r);
}

/* A stage built FROM another inherits its variables, ARG values included. */
static void test_parent_stage_env(void **state) {
  (void)state;
  expect_arg("FROM alpine AS base\nARG P=parent\nENV E=env\nFROM base\nARG C=$P-$E\n", NULL, 0,
             "C", "parent-env");
}


/* ---- deep FROM forests ---------------------------------------------------------- */

/* A 10k-stage chain, a variable set in each (one shadowed at every
 * hundredth stage): the last stage sees the first, the middle and the
 * latest, and the innermost of the shadowed one. */
static void test_deep_chain(void **state) {
  (void)state;
  text t = {NULL, 0, 0};
  text_add(&t, "FROM alpine AS s0\nENV V0=first S=s0\n");
  for (int i = 1; i < 10000; i++) {
    text_add(&t, "FROM s%d AS s%d\nENV V%d=v%d\n", i - 1, i, i, i);
    if (i % 100 == 0) text_add(&t, "ENV S=s%d\n", i);
  }
  text_add(&t, "ARG R=$V0-$V5000-$V9999-$S-${PATH:+path}-${NOPE:-none}\n");
  expect_arg(t.ptr, NULL, 0, "R", "first-v5000-v9999-s9900-path-none");
  free(t.ptr);
}

/* Below a 100-stage chain, a stage with 2000 variables, 300 stages FROM
 * it each setting one of them again, and a stage FROM each of those: each
 * sees its own parent's value and the shared ones, not its siblings'. */
static void test_deep_fan_out(void **state) {
  (void)state;
  text t = {NULL, 0, 0};
  text_add(&t, "FROM alpine AS s0\n");
  for (int i = 1; i < 100; i++) text_add(&t, "FROM s%d AS s%d\n", i - 1, i);
  for (int i = 0; i < 2000; i++) text_add(&t, "ENV V%d=v%d\n", i, i);
  for (int i = 0; i < 300; i++) text_add(&t, "FROM s99 AS c%d\nENV V%d=c%d\n", i, i, i);
  for (int i = 0; i < 300; i++) text_add(&t, "FROM c%d AS d%d\nARG R%d=$V%d-$V%d\n", i, i, i, i, i + 1);
  text_add(&t, "FROM scratch\n");
  for (int i = 0; i < 300; i++) text_add(&t, "COPY --from=d%d / /d%d/\n", i, i);
  run r = plan_of(t.ptr, NULL, 0);
  if (r.rc) fail_msg("plan failed: %s", r.err.message);
  for (int i = 0; i < 300; i++) {
    char name[16], want[32];
    snprintf(name, sizeof name, "R%d", i);
    snprintf(want, sizeof want, "c%d-v%d", i, i + 1);
    const char *got = arg_value(&r, name);
    if (!got || strcmp(got, want) != 0) fail_msg("%s is \"%s\", want \"%s\"", name, got ? got : "(none)", want);
  }
  run_free(&r);
  free(t.ptr);
}

/* An ARG without a value deep in a chain stays declared but unset below
 * it (as in BuildKit, ${D-unset} takes the default), and a later ARG of
 * the same name without a value does not hide a value set in between. */
static void test_deep_declared_unset(void **state) {
  (void)state;
  text t = {NULL, 0, 0};
  text_add(&t, "FROM alpine AS s0\nARG D\n");
  for (int i = 1; i < 60; i++) text_add(&t, "FROM s%d AS s%d\n", i - 1, i);
  text_add(&t, "ARG E\nENV E=set\n");
  for (int i = 60; i < 120; i++) text_add(&t, "FROM s%d AS s%d\n", i - 1, i);
  text_add(&t, "ARG D\nARG E\nARG R=${D-unset}:${D:-empty}:${E}\n");
  expect_arg(t.ptr, NULL, 0, "R", "unset:empty:set");
  free(t.ptr);
}

/* ---- the scopes themselves ------------------------------------------------------ */

typedef struct forest {
  sgi_mem mem;
  sgi_arena arena;
  sgi_scope *scopes;
  size_t count;
} forest;

static void forest_init(forest *f, const stagegraph_allocator *a, size_t count) {
  sgi_mem_init(&f->mem, a);
  sgi_arena_init(&f->arena, &f->mem);
  f->scopes = calloc(count, sizeof *f->scopes);
  assert_non_null(f->scopes);
  f->count = count;
}

static void forest_free(forest *f) {
  for (size_t i = 0; i < f->count; i++) sgi_scope_free(&f->scopes[i]);
  sgi_arena_free(&f->arena);
  free(f->scopes);
}

static int set(sgi_scope *s, const char *name, const char *value) {
  return sgi_scope_set(s, name, strlen(name), value, value ? strlen(value) : 0);
}

/* 1 when present, with *value (NULL: declared without one). */
static int get(const sgi_scope *s, const char *name, const char **value) {
  return sgi_scope_get(s, name, strlen(name), value, NULL);
}

/* Shadowing and NULL values at every depth of an 80-scope chain: a name
 * set without a value deep down is present with NULL; one shadowed past
 * the 32nd layer gives the innermost value; shallow scopes are unchanged
 * by the visible maps their descendants built. */
static void test_scope_shadowing(void **state) {
  (void)state;
  forest f;
  forest_init(&f, NULL, 80);
  char name[16], value[16];
  for (size_t i = 0; i < 80; i++) {
    assert_int_equal(sgi_scope_init(&f.scopes[i], i ? &f.scopes[i - 1] : NULL, &f.arena, &f.mem), 0);
    snprintf(name, sizeof name, "L%zu", i);
    snprintf(value, sizeof value, "%zu", i);
    assert_int_equal(set(&f.scopes[i], name, value), 0);
    assert_int_equal(set(&f.scopes[i], "X", value), 0);
    if (i == 5) assert_int_equal(set(&f.scopes[i], "N", NULL), 0);
    if (i == 50) assert_int_equal(set(&f.scopes[i], "M", NULL), 0);
  }
  for (size_t i = 0; i < 80; i++) {
    const char *v = "?";
    snprintf(value, sizeof value, "%zu", i);
    assert_int_equal(get(&f.scopes[i], "X", &v), 1);
    assert_string_equal(v, value);
    assert_int_equal(get(&f.scopes[i], "L0", &v), 1);
    assert_string_equal(v, "0");
    assert_int_equal(get(&f.scopes[i], "N", &v), i >= 5);
    if (i >= 5) assert_null(v);
    assert_int_equal(get(&f.scopes[i], "M", &v), i >= 50);
    if (i >= 50) assert_null(v);
    snprintf(name, sizeof name, "L%zu", i + 1);
    assert_int_equal(get(&f.scopes[i], name, NULL), 0);
  }
  forest_free(&f);
}

static int collect(void *ctx, const sgi_envvar *v) {
  text *t = ctx;
  const char *value = sgi_envvar_value(v, NULL);
  text_add(t, "%s=%s ", sgi_envvar_name(v), value ? value : "-");
  return 0;
}

static int stop_at_b(void *ctx, const sgi_envvar *v) {
  (void)ctx;
  return strcmp(sgi_envvar_name(v), "B") == 0 ? 7 : 0;
}

/* sgi_scope_each: innermost first, each scope in the order of setting; a
 * shallow chain lists every layer (repeats included); past 32 layers the
 * parent's variables come once each, at their innermost definition. */
static void test_scope_each_order(void **state) {
  (void)state;
  forest f;
  forest_init(&f, NULL, 40);
  for (size_t i = 0; i < 40; i++) {
    assert_int_equal(sgi_scope_init(&f.scopes[i], i ? &f.scopes[i - 1] : NULL, &f.arena, &f.mem), 0);
    if (i == 0) {
      assert_int_equal(set(&f.scopes[i], "A", "a0"), 0);
      assert_int_equal(set(&f.scopes[i], "B", "b0"), 0);
    }
    if (i == 1) {
      assert_int_equal(set(&f.scopes[i], "C", NULL), 0);
      assert_int_equal(set(&f.scopes[i], "A", "a1"), 0);
    }
    if (i == 38) {
      assert_int_equal(set(&f.scopes[i], "D", "d38"), 0);
      assert_int_equal(set(&f.scopes[i], "B", "b38"), 0);
    }
    if (i == 39) assert_int_equal(set(&f.scopes[i], "A", "a39"), 0);
  }
  text t = {NULL, 0, 0};
  assert_int_equal(sgi_scope_each(&f.scopes[2], collect, &t), 0);
  assert_string_equal(t.ptr, "C=- A=a1 A=a0 B=b0 ");
  t.len = 0;
  assert_int_equal(sgi_scope_each(&f.scopes[39], collect, &t), 0);
  assert_string_equal(t.ptr, "A=a39 D=d38 B=b38 C=- A=a1 ");
  assert_int_equal(sgi_scope_each(&f.scopes[39], stop_at_b, NULL), 7);
  free(t.ptr);
  forest_free(&f);
}

/* A 10k-scope chain whose every scope has a child of its own (a comb):
 * every variable is found from the deepest scope and from each tooth. */
static void test_scope_comb(void **state) {
  (void)state;
  enum { N = 10000 };
  forest f;
  forest_init(&f, NULL, 2 * N);
  char name[16];
  for (size_t i = 0; i < N; i++) {
    sgi_scope *s = &f.scopes[i], *tooth = &f.scopes[N + i];
    assert_int_equal(sgi_scope_init(s, i ? &f.scopes[i - 1] : NULL, &f.arena, &f.mem), 0);
    snprintf(name, sizeof name, "V%zu", i);
    assert_int_equal(sgi_scope_set_ref(s, name, strlen(name), "v", 1), 0);
    if (i) {
      assert_int_equal(sgi_scope_init(tooth, &f.scopes[i - 1], &f.arena, &f.mem), 0);
      assert_int_equal(set(tooth, "T", "t"), 0);
      assert_int_equal(get(tooth, name, NULL), 0); /* its sibling's */
      snprintf(name, sizeof name, "V%zu", i - 1);
      assert_int_equal(get(tooth, name, NULL), 1);
      assert_int_equal(get(tooth, "V0", NULL), 1);
    }
  }
  for (size_t i = 0; i < N; i += 7) {
    snprintf(name, sizeof name, "V%zu", i);
    assert_int_equal(get(&f.scopes[N - 1], name, NULL), 1);
  }
  assert_int_equal(get(&f.scopes[N - 1], "T", NULL), 0);
  forest_free(&f);
}

/* Initialising a deep scope builds visible maps, and listing a deep
 * scope sorts its parent's: an allocation failing there is reported as
 * ENOMEM, at each allocation in turn. */
static void test_scope_allocation_failure(void **state) {
  (void)state;
  alloc_budget ab;
  budget_init(&ab);
  stagegraph_allocator a = budget_allocator(&ab);
  int rc = STAGEGRAPH_ENOMEM, failures = 0;
  for (long fail_at = 0; rc; fail_at++) {
    forest f;
    forest_init(&f, &a, 200);
    f.arena.min_block = 64;
    budget_fail(&ab, fail_at, 1);
    rc = 0;
    char name[16];
    for (size_t i = 0; i < 200 && !rc; i++) {
      f.arena.total = 0; /* small blocks: failures at many places */
      rc = sgi_scope_init(&f.scopes[i], i ? &f.scopes[i - 1] : NULL, &f.arena, &f.mem);
      snprintf(name, sizeof name, "V%zu", i);
      if (!rc) rc = set(&f.scopes[i], name, "v");
      if (!rc && i == 150) rc = sgi_scope_each(&f.scopes[i], stop_at_b, NULL);
    }
    if (rc) {
      assert_int_equal(rc, STAGEGRAPH_ENOMEM);
      failures++;
    }
    forest_free(&f);
  }
  assert_true(failures > 20);
  assert_int_equal(ab.live, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arg_default_sees_env),
      cmocka_unit_test(test_arg_env_order),
      cmocka_unit_test(test_env_snapshot),
      cmocka_unit_test(test_global_needs_redeclaring),
      cmocka_unit_test(test_build_arg_verbatim),
      cmocka_unit_test(test_undeclared_build_arg),
      cmocka_unit_test(test_platform_args),
      cmocka_unit_test(test_meta_args),
      cmocka_unit_test(test_parent_stage_env),
      cmocka_unit_test(test_deep_chain),
      cmocka_unit_test(test_deep_fan_out),
      cmocka_unit_test(test_deep_declared_unset),
      cmocka_unit_test(test_scope_shadowing),
      cmocka_unit_test(test_scope_each_order),
      cmocka_unit_test(test_scope_comb),
      cmocka_unit_test(test_scope_allocation_failure),
  };
  return cmocka_run_group_tests_name("scopes", tests, NULL, NULL);
}
