/* Variable scopes (spec b.2): the global scope of FROM lines, ARG and ENV
 * ordering in a stage, build args, automatic platform args. Observed
 * through the plan's expanded bases and the outline's resolved ARG values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "stagegraph.h"

typedef struct run {
  stagegraph_doc *doc;
  stagegraph_plan *plan;
  stagegraph_error err;
  int rc;
} run;

static run plan_of(const char *text, const char *const *build_args, size_t n) {
  run r;
  memset(&r, 0, sizeof r);
  stagegraph_error_init(&r.err, sizeof r.err);
  stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
  opts.build_args = build_args;
  opts.build_arg_count = n;
  r.rc = stagegraph_parse(&r.doc, text, strlen(text), &opts, &r.err);
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

static void expect_arg(const char *text, const char *const *build_args, size_t n, const char *name,
                       const char *want) {
  run r = plan_of(text, build_args, n);
  if (r.rc) fail_msg("%s\nplan failed: %s", text, r.err.message);
  const char *got = arg_value(&r, name);
  if (!got || strcmp(got, want) != 0)
    fail_msg("%s\n%s is \"%s\", want \"%s\"", text, name, got ? got : "(no value)", want);
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
  };
  return cmocka_run_group_tests_name("scopes", tests, NULL, NULL);
}
