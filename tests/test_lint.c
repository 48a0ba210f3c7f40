/* Lint: BuildKit's build checks (spec section d of
 * ../shared/spec/buildkit-semantics.md, with the check directive of a.3
 * and lint mode of c.4) and the stage-graph rules of examples/RULES.md.
 *
 * Every rule has a case that fires (its rule, exact message and line) and
 * a near miss that must not fire. Then suppression (directive, comments,
 * options), targets, error=true, the renderers, the registry, allocation
 * failures and a run over the corpus. BuildKit's message texts come from
 * the spec's table in section d; stagegraph's own texts are the ones
 * examples/RULES.md documents. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "stagegraph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "files.h"
#include "jsonr.h"

/* ---- helpers ------------------------------------------------------------------ */

typedef struct lopts {
  const char *targets[8];
  size_t target_count;
  const char *skip[8];
  size_t skip_count;
  int experimental;
  const char *dockerignore;
  const char *build_args[8];
  size_t build_arg_count;
} lopts;

static void fill_options(stagegraph_lint_options *o, const lopts *lo) {
  stagegraph_lint_options_init(o, sizeof *o);
  if (!lo) return;
  o->targets = lo->targets;
  o->target_count = lo->target_count;
  o->skip = lo->skip;
  o->skip_count = lo->skip_count;
  o->experimental = lo->experimental;
  o->dockerignore = lo->dockerignore;
  o->dockerignore_len = lo->dockerignore ? strlen(lo->dockerignore) : 0;
}

static stagegraph_doc *parse(const char *src, const lopts *lo) {
  stagegraph_options po = STAGEGRAPH_OPTIONS_INIT;
  if (lo) {
    po.build_args = lo->build_args;
    po.build_arg_count = lo->build_arg_count;
  }
  stagegraph_doc *doc = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  if (stagegraph_parse(&doc, src, strlen(src), &po, &err) != 0)
    fail_msg("parse failed: %s\ninput:\n%s", err.message, src);
  return doc;
}

/* Lint and describe the findings, one per line: "L<line> <Rule>: <message>"
 * ("-" for a finding without a rule), after a leading newline. Everything
 * the library returned is released before the caller checks anything. */
static char *findings(const char *src, const lopts *lo, int *failed) {
  stagegraph_doc *doc = parse(src, lo);
  stagegraph_lint_options o;
  fill_options(&o, lo);
  stagegraph_lint *lint = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_lint_new(&lint, doc, &o, &err);
  if (rc) {
    stagegraph_doc_free(doc);
    fail_msg("stagegraph_lint_new: %s %s\ninput:\n%s", stagegraph_code_name(rc), err.message, src);
  }
  size_t cap = 256, len = 0;
  char *out = malloc(cap);
  assert_non_null(out);
  out[len++] = '\n';
  out[len] = '\0';
  for (size_t i = 0; i < stagegraph_lint_count(lint); i++) {
    const stagegraph_diagnostic *d = stagegraph_lint_diagnostic(lint, i);
    const char *rule = stagegraph_diagnostic_rule(d);
    const char *msg = stagegraph_diagnostic_message(d);
    size_t need = strlen(msg) + (rule ? strlen(rule) : 1) + 32;
    if (len + need >= cap) {
      while (len + need >= cap) cap *= 2;
      out = realloc(out, cap);
      assert_non_null(out);
    }
    len += (size_t)snprintf(out + len, cap - len, "L%u %s: %s\n", stagegraph_diagnostic_line(d),
                            rule ? rule : "-", msg);
  }
  if (failed) *failed = stagegraph_lint_failed(lint);
  stagegraph_lint_free(lint);
  stagegraph_doc_free(doc);
  return out;
}

static void expect_at(const char *file, int line, const char *src, const lopts *lo, const char *rule,
                      unsigned at, const char *message) {
  char *got = findings(src, lo, NULL);
  char want[2048];
  snprintf(want, sizeof want, "\nL%u %s: %s\n", at, rule, message);
  int ok = strstr(got, want) != NULL;
  if (!ok) {
    print_error("%s:%d: expected%s got:%s\ninput:\n%s\n", file, line, want, got, src);
    free(got);
    fail();
  }
  free(got);
}

static void expect_none_at(const char *file, int line, const char *src, const lopts *lo,
                           const char *rule) {
  char *got = findings(src, lo, NULL);
  char want[128];
  snprintf(want, sizeof want, " %s: ", rule);
  int ok = strstr(got, want) == NULL;
  if (!ok) {
    print_error("%s:%d: %s must not fire; got:%s\ninput:\n%s\n", file, line, rule, got, src);
    free(got);
    fail();
  }
  free(got);
}

static size_t count_at(const char *src, const lopts *lo, int *failed) {
  char *got = findings(src, lo, failed);
  size_t n = 0;
  for (const char *p = got; *p; p++) n += *p == '\n';
  free(got);
  return n - 1;
}

/* The rule does not fire on that line. */
static void expect_not_at(const char *file, int line, const char *src, const lopts *lo,
                          const char *rule, unsigned at) {
  char *got = findings(src, lo, NULL);
  char want[128];
  snprintf(want, sizeof want, "\nL%u %s: ", at, rule);
  int ok = strstr(got, want) == NULL;
  if (!ok) {
    print_error("%s:%d: %s must not fire on line %u; got:%s\ninput:\n%s\n", file, line, rule, at, got,
                src);
    free(got);
    fail();
  }
  free(got);
}

#define EXPECT(src, lo, rule, line, message) expect_at(__FILE__, __LINE__, src, lo, rule, line, message)
#define EXPECT_NOT_AT(src, lo, rule, line) expect_not_at(__FILE__, __LINE__, src, lo, rule, line)
#define EXPECT_NONE(src, lo, rule) expect_none_at(__FILE__, __LINE__, src, lo, rule)

/* ---- BuildKit's rules: parse time --------------------------------------------------- */

static void test_stage_name_casing(void **state) {
  (void)state;
  EXPECT("FROM alpine AS Build\n", NULL, "StageNameCasing", 1, "Stage name 'Build' should be lowercase");
  EXPECT_NONE("FROM alpine AS build\n", NULL, "StageNameCasing");
}

static void test_from_as_casing(void **state) {
  (void)state;
  EXPECT("FROM alpine as build\n", NULL, "FromAsCasing", 1, "'as' and 'FROM' keywords' casing do not match");
  EXPECT("from alpine AS build\n", NULL, "FromAsCasing", 1, "'AS' and 'from' keywords' casing do not match");
  EXPECT_NONE("from alpine as build\nFROM alpine AS b2\n", NULL, "FromAsCasing");
  /* a mixed-case FROM is ConsistentInstructionCasing's business only */
  EXPECT_NONE("From alpine as build\n", NULL, "FromAsCasing");
}

static void test_no_empty_continuation(void **state) {
  (void)state;
  EXPECT("FROM alpine\nRUN echo a \\\n\n  b\n", NULL, "NoEmptyContinuation", 2, "Empty continuation line");
  EXPECT_NONE("FROM alpine\nRUN echo a \\\n  b\n", NULL, "NoEmptyContinuation");
}

static void test_consistent_instruction_casing(void **state) {
  (void)state;
  EXPECT("FROM alpine\nRUN a\nrun b\n", NULL, "ConsistentInstructionCasing", 3,
         "Command 'run' should match the case of the command majority (uppercase)");
  EXPECT("from alpine\nrun a\nRun b\n", NULL, "ConsistentInstructionCasing", 3,
         "Command 'Run' should match the case of the command majority (lowercase)");
  /* a tie counts as an uppercase majority */
  EXPECT("FROM alpine\nrun a\n", NULL, "ConsistentInstructionCasing", 2,
         "Command 'run' should match the case of the command majority (uppercase)");
  EXPECT_NONE("FROM alpine\nRUN a\nCMD [\"b\"]\n", NULL, "ConsistentInstructionCasing");
  /* meta ARGs before the first FROM are not counted or checked */
  EXPECT_NONE("arg V=1\nFROM alpine\nRUN a\n", NULL, "ConsistentInstructionCasing");
}

static void test_duplicate_stage_name(void **state) {
  (void)state;
  EXPECT("FROM alpine AS a\nFROM alpine AS a\n", NULL, "DuplicateStageName", 2,
         "Duplicate stage name \"a\", stage names should be unique");
  EXPECT_NONE("FROM alpine AS a\nFROM alpine AS b\n", NULL, "DuplicateStageName");
}

static void test_reserved_stage_name(void **state) {
  (void)state;
  EXPECT("FROM alpine AS scratch\n", NULL, "ReservedStageName", 1,
         "Stage name should not use the same name as reserved stage \"scratch\"");
  EXPECT("FROM alpine AS context\n", NULL, "ReservedStageName", 1,
         "Stage name should not use the same name as reserved stage \"context\"");
  EXPECT_NONE("FROM alpine AS scratchpad\n", NULL, "ReservedStageName");
}

static void test_maintainer_deprecated(void **state) {
  (void)state;
  EXPECT("FROM alpine\nMAINTAINER me@example.com\n", NULL, "MaintainerDeprecated", 2,
         "Maintainer instruction is deprecated in favor of using label");
  EXPECT_NONE("FROM alpine\nLABEL org.opencontainers.image.authors=me@example.com\n", NULL,
              "MaintainerDeprecated");
}

static void test_undefined_arg_in_from(void **state) {
  (void)state;
  EXPECT("ARG VERSION=3.20\nFROM alpine:$VERSON\n", NULL, "UndefinedArgInFrom", 2,
         "FROM argument 'VERSON' is not declared (did you mean VERSION?)");
  EXPECT("FROM alpine:$TAG\n", NULL, "UndefinedArgInFrom", 1, "FROM argument 'TAG' is not declared");
  EXPECT("FROM --platform=$PLATFORM alpine\n", NULL, "UndefinedArgInFrom", 1,
         "FROM argument 'PLATFORM' is not declared");
  /* declared meta ARGs, even without a value, and the automatic args */
  EXPECT_NONE("ARG VERSION\nFROM alpine:${VERSION:-3.20}\n", NULL, "UndefinedArgInFrom");
  EXPECT_NONE("FROM --platform=$BUILDPLATFORM alpine AS b\n", NULL, "UndefinedArgInFrom");
}

/* Over many names the suggestions come from an index (lib/suggest.c):
 * the same answers, ties to the first name in order (the automatic args
 * come first), none for a name that is an option. */
static void test_many_suggestions(void **state) {
  (void)state;
  char src[4096];
  size_t len = 0;
  for (int i = 0; i < 40; i++) len += (size_t)snprintf(src + len, sizeof src - len, "ARG arg_%02d=1\n", i);
  static const char *const from_vars[] = {"zzzzzz", "arg_0x", "arg_41", "TARGETARC", "arg_5", "TARGETARCH_"};
  for (size_t i = 0; i < 6; i++)
    len += (size_t)snprintf(src + len, sizeof src - len, "FROM alpine${%s} AS s%zu\n", from_vars[i], i);
  len += (size_t)snprintf(src + len, sizeof src - len, "FROM alpine\n");
  for (int i = 0; i < 40; i++) len += (size_t)snprintf(src + len, sizeof src - len, "ENV env_%02d=1\n", i);
  static const char *const vars[] = {"qqqqqq", "qqqqqq", "qqqqqq", "qqqqqq", "env_0x", "env_41", "PATHS", "arg_01"};
  for (size_t i = 0; i < 8; i++) len += (size_t)snprintf(src + len, sizeof src - len, "LABEL l=$%s\n", vars[i]);
  assert_true(len < sizeof src - 1);
  EXPECT(src, NULL, "UndefinedArgInFrom", 41, "FROM argument 'zzzzzz' is not declared");
  EXPECT(src, NULL, "UndefinedArgInFrom", 42, "FROM argument 'arg_0x' is not declared (did you mean arg_00?)");
  EXPECT(src, NULL, "UndefinedArgInFrom", 43, "FROM argument 'arg_41' is not declared (did you mean arg_01?)");
  EXPECT(src, NULL, "UndefinedArgInFrom", 44,
         "FROM argument 'TARGETARC' is not declared (did you mean TARGETARCH?)");
  EXPECT(src, NULL, "UndefinedArgInFrom", 45, "FROM argument 'arg_5' is not declared (did you mean arg_05?)");
  EXPECT(src, NULL, "UndefinedArgInFrom", 46,
         "FROM argument 'TARGETARCH_' is not declared (did you mean TARGETARCH?)");
  unsigned at = 41 + 6 + 1 + 40;
  EXPECT(src, NULL, "UndefinedVar", at + 4, "Usage of undefined variable '$env_0x' (did you mean $env_00?)");
  EXPECT(src, NULL, "UndefinedVar", at + 5, "Usage of undefined variable '$env_41' (did you mean $env_01?)");
  EXPECT(src, NULL, "UndefinedVar", at + 6, "Usage of undefined variable '$PATHS' (did you mean $PATH?)");
  EXPECT(src, NULL, "UndefinedVar", at + 7, "Usage of undefined variable '$arg_01'");
}

static void test_redundant_target_platform(void **state) {
  (void)state;
  EXPECT("FROM --platform=$TARGETPLATFORM alpine\n", NULL, "RedundantTargetPlatform", 1,
         "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior");
  EXPECT("FROM --platform=${TARGETPLATFORM} alpine\n", NULL, "RedundantTargetPlatform", 1,
         "Setting platform to predefined ${TARGETPLATFORM} in FROM is redundant as this is the default behavior");
  EXPECT_NONE("FROM --platform=$BUILDPLATFORM alpine\n", NULL, "RedundantTargetPlatform");
  EXPECT_NONE("FROM --platform=$TARGETOS/$TARGETARCH alpine\n", NULL, "RedundantTargetPlatform");
}

static void test_invalid_default_arg_in_from(void **state) {
  (void)state;
  EXPECT("ARG TAG\nFROM alpine:${TAG}\n", NULL, "InvalidDefaultArgInFrom", 2,
         "Default value for ARG alpine:${TAG} results in empty or invalid base image name");
  EXPECT("ARG IMAGE\nFROM $IMAGE\n", NULL, "InvalidDefaultArgInFrom", 2,
         "Default value for ARG $IMAGE results in empty or invalid base image name");
  EXPECT_NONE("ARG TAG=3.20\nFROM alpine:${TAG}\n", NULL, "InvalidDefaultArgInFrom");
  /* only the defaults count: a build arg does not hide the problem */
  lopts lo = {.build_args = {"TAG=3.20"}, .build_arg_count = 1};
  EXPECT("ARG TAG\nFROM alpine:${TAG}\n", &lo, "InvalidDefaultArgInFrom", 2,
         "Default value for ARG alpine:${TAG} results in empty or invalid base image name");
}

static void test_from_platform_flag_const(void **state) {
  (void)state;
  EXPECT("FROM --platform=linux/amd64 alpine\n", NULL, "FromPlatformFlagConstDisallowed", 1,
         "FROM --platform flag should not use constant value \"linux/amd64\"");
  /* the stage name mentions the platform: on purpose */
  EXPECT_NONE("FROM --platform=linux/amd64 alpine AS build-amd64\n", NULL, "FromPlatformFlagConstDisallowed");
  EXPECT_NONE("FROM --platform=$BUILDPLATFORM alpine\n", NULL, "FromPlatformFlagConstDisallowed");
}

static void test_invalid_definition_description(void **state) {
  (void)state;
  const char *src = "FROM alpine\n# the version to install\nARG VERSION=1\n# Build the app\nFROM alpine AS build\n";
  lopts on = {.experimental = 1};
  EXPECT(src, &on, "InvalidDefinitionDescription", 3,
         "Comment for ARG should follow the format: `# VERSION <description>`");
  EXPECT(src, &on, "InvalidDefinitionDescription", 5,
         "Comment for FROM should follow the format: `# build <description>`");
  EXPECT("FROM alpine\n# x\nARG A=1 B=2\n", &on, "InvalidDefinitionDescription", 3,
         "Comment for ARG should follow the format: `# <arg_key> <description>`");
  /* experimental: off unless enabled */
  EXPECT_NONE(src, NULL, "InvalidDefinitionDescription");
  EXPECT_NONE("FROM alpine\n# VERSION to install\nARG VERSION=1\n# build the app\nFROM alpine AS build\n", &on,
              "InvalidDefinitionDescription");
  EXPECT("# check=experimental=InvalidDefinitionDescription\nFROM alpine\n# x\nARG A=1\n", NULL,
         "InvalidDefinitionDescription", 4, "Comment for ARG should follow the format: `# A <description>`");
}

/* ---- BuildKit's rules: dispatch time -------------------------------------------------- */

static void test_json_args_recommended(void **state) {
  (void)state;
  EXPECT("FROM alpine\nCMD echo hi\n", NULL, "JSONArgsRecommended", 2,
         "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals");
  EXPECT("FROM alpine\nENTRYPOINT /app\n", NULL, "JSONArgsRecommended", 2,
         "JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals");
  EXPECT_NONE("FROM alpine\nCMD [\"echo\", \"hi\"]\n", NULL, "JSONArgsRecommended");
  /* a SHELL in the stage chain */
  EXPECT_NONE("FROM alpine AS base\nSHELL [\"/bin/ash\", \"-c\"]\nFROM base\nCMD echo hi\n", NULL,
              "JSONArgsRecommended");
}

static void test_workdir_relative_path(void **state) {
  (void)state;
  EXPECT("FROM alpine\nWORKDIR app\n", NULL, "WorkdirRelativePath", 2,
         "Relative workdir \"app\" can have unexpected results if the base image changes");
  EXPECT_NONE("FROM alpine\nWORKDIR /app\nWORKDIR sub\n", NULL, "WorkdirRelativePath");
  EXPECT_NONE("FROM alpine AS base\nWORKDIR /app\nFROM base\nWORKDIR sub\n", NULL, "WorkdirRelativePath");
}

static void test_undefined_var(void **state) {
  (void)state;
  EXPECT("FROM alpine\nCOPY $SRC /dst\n", NULL, "UndefinedVar", 2, "Usage of undefined variable '$SRC'");
  EXPECT("FROM alpine\nARG SOURCE=a\nCOPY $SORCE /dst\n", NULL, "UndefinedVar", 3,
         "Usage of undefined variable '$SORCE' (did you mean $SOURCE?)");
  EXPECT("FROM alpine\nENV PATH=$PATH:/opt/bin HOME=$HOMER\n", NULL, "UndefinedVar", 2,
         "Usage of undefined variable '$HOMER'");
  /* declared without a value; RUN is not expanded; proxy and SBOM args */
  EXPECT_NONE("FROM alpine\nARG SRC\nCOPY $SRC /dst\nRUN echo $NOPE\n", NULL, "UndefinedVar");
  EXPECT_NONE("FROM alpine\nENV A=$http_proxy B=$HTTPS_PROXY C=$BUILDKIT_SBOM_SCAN_STAGE\n", NULL,
              "UndefinedVar");
}

/* Names of any length get a suggestion, as in BuildKit (util/suggest has
 * no length limit): 70 characters, one letter off a defined one. */
static void test_undefined_var_long_name(void **state) {
  (void)state;
  const char *defined = "A_VERY_LONG_VARIABLE_NAME_THAT_GOES_ON_AND_ON_FOR_SEVENTY_CHARACTERS_X";
  const char *used = "A_VERY_LONG_VARIABLE_NAME_THAT_GOES_ON_AND_ON_FOR_SEVENTY_CHARACTERS_Y";
  assert_int_equal(strlen(defined), 70);
  char src[512], message[512];
  snprintf(src, sizeof src, "FROM alpine\nARG %s=1\nCOPY $%s /dst\n", defined, used);
  snprintf(message, sizeof message, "Usage of undefined variable '$%s' (did you mean $%s?)", used, defined);
  EXPECT(src, NULL, "UndefinedVar", 3, message);
  snprintf(src, sizeof src, "ARG %s=1\nFROM alpine:$%s\n", defined, used);
  snprintf(message, sizeof message, "FROM argument '%s' is not declared (did you mean %s?)", used, defined);
  EXPECT(src, NULL, "UndefinedArgInFrom", 2, message);
}

/* Equally close names: the parent stage's come before a deeper
 * ancestor's, each stage's in the order they were set, and the stage's own
 * come last. CB is one edit from AB, XB, YB and ZB. */
static void test_undefined_var_ancestor_tie(void **state) {
  (void)state;
  const char *src = "FROM alpine AS a\nENV AB=1\n"
                    "FROM a AS b\nENV XB=1 YB=1\n"
                    "FROM b AS c\nENV ZB=1\nLABEL l=$CB\n"
                    "FROM a AS d\nENV ZB=1\nLABEL l=$CB\n";
  EXPECT(src, NULL, "UndefinedVar", 7, "Usage of undefined variable '$CB' (did you mean $XB?)");
  EXPECT(src, NULL, "UndefinedVar", 10, "Usage of undefined variable '$CB' (did you mean $AB?)");
  /* the stage's own name wins only when closer */
  EXPECT("FROM alpine AS a\nENV ABC=1\nFROM a\nENV CBC=1\nLABEL l=$CBC_\n", NULL, "UndefinedVar",
         5, "Usage of undefined variable '$CBC_' (did you mean $CBC?)");
}

/* A name set again in a child stage takes the child's place: XB was set
 * before AB in a, but b sets AB again, so AB is met first. A name declared
 * without a value is no suggestion (ARG YB in b). */
static void test_undefined_var_redefined(void **state) {
  (void)state;
  const char *src = "FROM alpine AS a\nENV XB=1 AB=1\n"
                    "FROM a AS b\nENV AB=2\nARG YB\n"
                    "FROM b\nLABEL l=$CB\n"
                    "FROM a\nLABEL l=$CB\n";
  EXPECT(src, NULL, "UndefinedVar", 7, "Usage of undefined variable '$CB' (did you mean $AB?)");
  EXPECT(src, NULL, "UndefinedVar", 9, "Usage of undefined variable '$CB' (did you mean $XB?)");
}

/* A chain of 40 stages, past the 32 levels walked stage by stage: s1 sets
 * XB then AB, s3 sets AB again, s38 declares YB without a value; s20 asks
 * for CB (AB, met in s3 before s1's XB), s36 sets ZB and s39 asks again
 * (ZB), then a sibling of s39 built on s37 asks for XA (XB: one edit,
 * where AB is two). */
static void test_undefined_var_deep_chain(void **state) {
  (void)state;
  char src[4096];
  size_t n = 0;
  n += (size_t)snprintf(src + n, sizeof src - n, "FROM alpine AS s0\n");
  int line = 1, at20 = 0, at39 = 0, at_sibling = 0; /* the line of the last FROM */
  for (int i = 1; i < 40; i++) {
    n += (size_t)snprintf(src + n, sizeof src - n, "FROM s%d AS s%d\n", i - 1, i);
    line++;
    const char *body = i == 1 ? "ENV XB=1 AB=1\n" : i == 3 ? "ENV AB=2\n" : i == 36 ? "ENV ZB=1\n"
                       : i == 38 ? "ARG YB\n" : i == 20 || i == 39 ? "LABEL l=$CB\n" : "";
    if (i == 20) at20 = line + 1;
    if (i == 39) at39 = line + 1;
    n += (size_t)snprintf(src + n, sizeof src - n, "%s", body);
    if (*body) line++;
  }
  n += (size_t)snprintf(src + n, sizeof src - n, "FROM s37\nLABEL l=$XA\n");
  at_sibling = line + 2;
  assert_true(n < sizeof src);
  EXPECT(src, NULL, "UndefinedVar", at20, "Usage of undefined variable '$CB' (did you mean $AB?)");
  EXPECT(src, NULL, "UndefinedVar", at39, "Usage of undefined variable '$CB' (did you mean $ZB?)");
  EXPECT(src, NULL, "UndefinedVar", at_sibling, "Usage of undefined variable '$XA' (did you mean $XB?)");
}

/* Stages alternating between two branches in the file (suggestions are
 * found in FROM-tree order, not file order): each stage's "did you mean"
 * comes from its own branch, and in an instruction the answers stay with
 * their names, a proxy variable skipped among them. */
static void test_undefined_var_alternating(void **state) {
  (void)state;
  const char *src = "FROM alpine AS a0\nENV APPLE=1\n"
                    "FROM alpine AS b0\nENV BANANA=1\n"
                    "FROM a0 AS a1\nENV APRICOT=1\nLABEL x=$APPLEX\n"
                    "FROM b0 AS b1\nENV BLUEBERRY=1\nLABEL x=$http_proxy y=$APPLEX z=$BANANAX\n"
                    "FROM a1 AS a2\nLABEL x=$BLUEBERRYX y=$APRICOTX\n"
                    "FROM b1 AS b2\nLABEL x=$BLUEBERRYX\n";
  EXPECT(src, NULL, "UndefinedVar", 7, "Usage of undefined variable '$APPLEX' (did you mean $APPLE?)");
  EXPECT(src, NULL, "UndefinedVar", 10, "Usage of undefined variable '$APPLEX'");
  EXPECT(src, NULL, "UndefinedVar", 10, "Usage of undefined variable '$BANANAX' (did you mean $BANANA?)");
  EXPECT(src, NULL, "UndefinedVar", 12, "Usage of undefined variable '$BLUEBERRYX'");
  EXPECT(src, NULL, "UndefinedVar", 12, "Usage of undefined variable '$APRICOTX' (did you mean $APRICOT?)");
  EXPECT(src, NULL, "UndefinedVar", 14,
         "Usage of undefined variable '$BLUEBERRYX' (did you mean $BLUEBERRY?)");
}

static void test_multiple_instructions_disallowed(void **state) {
  (void)state;
  EXPECT("FROM alpine\nCMD [\"a\"]\nCMD [\"b\"]\n", NULL, "MultipleInstructionsDisallowed", 2,
         "Multiple CMD instructions should not be used in the same stage because only the last one will be used");
  EXPECT("FROM alpine\nHEALTHCHECK NONE\nHEALTHCHECK CMD [\"true\"]\n", NULL, "MultipleInstructionsDisallowed", 2,
         "Multiple HEALTHCHECK instructions should not be used in the same stage because only the last one will "
         "be used");
  EXPECT_NONE("FROM alpine AS a\nCMD [\"a\"]\nFROM a\nCMD [\"b\"]\n", NULL, "MultipleInstructionsDisallowed");
}

static void test_legacy_key_value_format(void **state) {
  (void)state;
  EXPECT("FROM alpine\nENV A b\n", NULL, "LegacyKeyValueFormat", 2,
         "\"ENV key=value\" should be used instead of legacy \"ENV key value\" format");
  EXPECT("FROM alpine\nLABEL a b c\n", NULL, "LegacyKeyValueFormat", 2,
         "\"LABEL key=value\" should be used instead of legacy \"LABEL key value\" format");
  EXPECT_NONE("FROM alpine\nENV A=b\nLABEL a=\"b c\"\n", NULL, "LegacyKeyValueFormat");
}

static void test_secrets_used_in_arg_or_env(void **state) {
  (void)state;
  EXPECT("FROM alpine\nARG GITHUB_TOKEN\n", NULL, "SecretsUsedInArgOrEnv", 2,
         "Do not use ARG or ENV instructions for sensitive data (ARG \"GITHUB_TOKEN\")");
  EXPECT("FROM alpine\nENV api_key=x\n", NULL, "SecretsUsedInArgOrEnv", 2,
         "Do not use ARG or ENV instructions for sensitive data (ENV \"api_key\")");
  EXPECT("FROM alpine\nENV Password x\n", NULL, "SecretsUsedInArgOrEnv", 2,
         "Do not use ARG or ENV instructions for sensitive data (ENV \"Password\")");
  /* whole tokens only; allowed tokens */
  EXPECT_NONE("FROM alpine\nARG TOKENIZER\nARG TOKEN_FILE\nARG PUBLIC_KEY\nENV KEYBOARD=us GPG_KEY_VERSION=2\n",
              NULL, "SecretsUsedInArgOrEnv");
  /* (?i) matches by Go's simple case folding: U+017F LONG S is an s and
   * U+212A KELVIN SIGN a k, but U+0130 is no i */
  EXPECT("FROM alpine\nARG \xc5\xbf" "ECRET\n", NULL, "SecretsUsedInArgOrEnv", 2,
         "Do not use ARG or ENV instructions for sensitive data (ARG \"\xc5\xbf" "ECRET\")");
  EXPECT("FROM alpine\nENV MY_\xe2\x84\xaa" "EY=x\n", NULL, "SecretsUsedInArgOrEnv", 2,
         "Do not use ARG or ENV instructions for sensitive data (ENV \"MY_\xe2\x84\xaa" "EY\")");
  EXPECT_NONE("FROM alpine\nARG CREDENT\xc4\xb0" "AL\n", NULL, "SecretsUsedInArgOrEnv");
}

static void test_copy_ignored_file(void **state) {
  (void)state;
  lopts ig = {.dockerignore = "secret.txt\n*.log\n"};
  EXPECT("FROM alpine\nCOPY secret.txt /x\n", &ig, "CopyIgnoredFile", 2,
         "Attempting to Copy file \"secret.txt\" that is excluded by .dockerignore");
  EXPECT("FROM alpine\nADD ./logs/../app.log /x/\n", &ig, "CopyIgnoredFile", 2,
         "Attempting to Add file \"app.log\" that is excluded by .dockerignore");
  lopts all = {.dockerignore = "*\n"};
  EXPECT("FROM alpine\nCOPY . /x\n", &all, "CopyIgnoredFile", 2,
         "Attempting to Copy file \".\" that is excluded by .dockerignore");
  /* no .dockerignore; "." with specific patterns; exceptions; other stages */
  EXPECT_NONE("FROM alpine\nCOPY secret.txt /x\n", NULL, "CopyIgnoredFile");
  EXPECT_NONE("FROM alpine\nCOPY . /x\nCOPY keep.txt /y\n", &ig, "CopyIgnoredFile");
  lopts except = {.dockerignore = "secret.txt\n!keep\n"};
  EXPECT_NONE("FROM alpine\nCOPY secret.txt /x\n", &except, "CopyIgnoredFile");
  EXPECT_NONE("FROM alpine AS a\nFROM alpine\nCOPY --from=a secret.txt /x\n", &ig, "CopyIgnoredFile");
}

static void test_expose_rules(void **state) {
  (void)state;
  EXPECT("FROM alpine\nEXPOSE 80/TCP\n", NULL, "ExposeProtoCasing", 2,
         "Defined protocol '80/TCP' in EXPOSE instruction should be lowercase");
  EXPECT("FROM alpine\nEXPOSE 8080:80\n", NULL, "ExposeInvalidFormat", 2,
         "EXPOSE instruction should not define an IP address or host-port mapping, found '8080:80'");
  EXPECT("FROM alpine\nEXPOSE 127.0.0.1::80/udp\n", NULL, "ExposeInvalidFormat", 2,
         "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1::80/udp'");
  EXPECT_NONE("FROM alpine\nEXPOSE 80/tcp 53/udp 8000-8010\n", NULL, "ExposeProtoCasing");
  EXPECT_NONE("FROM alpine\nEXPOSE 80/tcp 53/udp 8000-8010\n", NULL, "ExposeInvalidFormat");
}

/* ---- the stage-graph rules --------------------------------------------------------- */

static void test_fat_final_stage(void **state) {
  (void)state;
  EXPECT("FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM golang:1.22\nCOPY --from=build /out/app /app\n",
         NULL, "FatFinalStage", 3,
         "The shipped stage \"stage-1\" is based on \"golang:1.22\", a full toolchain image: build there, then copy "
         "the result into a small runtime base (distroless, alpine, a -slim tag or scratch)");
  /* through the FROM chain, to the line naming the image */
  EXPECT("FROM debian:12 AS base\nFROM golang AS build\nFROM base\n", NULL, "FatFinalStage", 1,
         "The shipped stage \"stage-2\" is based on \"debian:12\", a full distribution image: build there, then "
         "copy the result into a small runtime base (distroless, alpine, a -slim tag or scratch)");
  EXPECT_NONE("FROM golang:1.22 AS build\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /a /a\n", NULL,
              "FatFinalStage");
  EXPECT_NONE("FROM node:20 AS build\nFROM node:20-slim\n", NULL, "FatFinalStage");
  EXPECT_NONE("FROM eclipse-temurin:21 AS build\nFROM eclipse-temurin:21-jre\n", NULL, "FatFinalStage");
  /* a distribution in a single-stage file is left alone */
  EXPECT_NONE("FROM ubuntu:24.04\nRUN true\n", NULL, "FatFinalStage");
}

static void test_dependencies_after_sources(void **state) {
  (void)state;
  EXPECT("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", NULL, "DependenciesAfterSources", 4,
         "\"npm ci\" runs after the whole build context is copied (line 3), so every source change reinstalls "
         "the dependencies: copy package.json and package-lock.json first, install, then copy the sources");
  EXPECT("FROM golang\nCOPY ./ /src\nRUN cd /src && go mod download && go build\n", NULL, "DependenciesAfterSources",
         3,
         "\"go mod download\" runs after the whole build context is copied (line 2), so every source change "
         "reinstalls the dependencies: copy go.mod and go.sum first, install, then copy the sources");
  EXPECT_NONE("FROM node:20\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm ci && npm run build\n",
              NULL, "DependenciesAfterSources");
  EXPECT_NONE("FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n", NULL,
              "DependenciesAfterSources");
  /* installed in the stage this one is built on */
  EXPECT_NONE("FROM node:20 AS deps\nCOPY package*.json ./\nRUN npm ci\nFROM deps\nCOPY . .\nRUN npm install\n", NULL,
              "DependenciesAfterSources");
}

static void test_toolchain_in_final_stage(void **state) {
  (void)state;
  EXPECT("FROM golang AS build\nRUN go build -o /app\nFROM debian:12-slim\n"
         "RUN apt-get update && apt-get install -y --no-install-recommends gcc libssl-dev ca-certificates\n"
         "COPY --from=build /app /app\n",
         NULL, "ToolchainInFinalStage", 4,
         "The shipped stage \"stage-1\" installs build tools (gcc, libssl-dev) although stage \"build\" builds for "
         "it: install them there and copy only the build output");
  EXPECT("FROM node:20 AS build\nRUN npm ci && npm run build\nFROM node:20-slim\nCOPY --from=build /app/dist /app\n"
         "RUN npm ci\n",
         NULL, "ToolchainInFinalStage", 5,
         "The shipped stage \"stage-1\" installs development dependencies (npm ci without --omit=dev) although "
         "stage \"build\" builds for it: do that there and copy only the result");
  EXPECT("FROM golang AS gen\nRUN make\nFROM golang:1.22-alpine\nCOPY --from=gen /gen /src/gen\nRUN go build -o /app\n",
         NULL, "ToolchainInFinalStage", 5,
         "The shipped stage \"stage-1\" builds code (go build) although stage \"gen\" builds for it: do that "
         "there and copy only the result");
  /* no build stage; removed in the same RUN; production installs */
  EXPECT_NONE("FROM debian:12-slim\nRUN apt-get install -y gcc\n", NULL, "ToolchainInFinalStage");
  EXPECT_NONE("FROM golang AS build\nFROM alpine\nCOPY --from=build /a /a\n"
              "RUN apk add --virtual .deps gcc musl-dev && pip install x && apk del .deps\n",
              NULL, "ToolchainInFinalStage");
  EXPECT_NONE("FROM node:20 AS build\nFROM node:20-slim\nCOPY --from=build /a /a\nRUN npm ci --omit=dev\n", NULL,
              "ToolchainInFinalStage");
}

static void test_secret_copied_to_final_stage(void **state) {
  (void)state;
  EXPECT("FROM alpine\nCOPY id_rsa /root/.ssh/id_rsa\n", NULL, "SecretCopiedToFinalStage", 2,
         "COPY puts the secret-looking file \"id_rsa\" into stage \"stage-0\", which is shipped: layers keep it in "
         "the image; use RUN --mount=type=secret (or ssh) instead");
  EXPECT("FROM alpine AS build\nCOPY config/.env /src/\nFROM alpine\nCOPY --from=build /src /src\n", NULL,
         "SecretCopiedToFinalStage", 2,
         "COPY puts the secret-looking file \"config/.env\" into stage \"build\", whose files reach the shipped "
         "stage \"stage-1\": layers keep it in the image; use RUN --mount=type=secret (or ssh) instead");
  EXPECT("FROM alpine\nCOPY . /src\n", NULL, "SecretCopiedToFinalStage", 2,
         "COPY of the whole build context may copy secrets such as .env or .git into stage \"stage-0\", which is "
         "shipped: add a .dockerignore");
  lopts partial = {.dockerignore = ".git\n"};
  EXPECT("FROM alpine\nCOPY . /src\n", &partial, "SecretCopiedToFinalStage", 2,
         "COPY of the whole build context copies .env into stage \"stage-0\", which is shipped: .dockerignore "
         "does not exclude it");
  lopts good = {.dockerignore = ".git\n.env*\nid_rsa\n"};
  EXPECT_NONE("FROM alpine\nCOPY . /src\nCOPY id_rsa /k\n", &good, "SecretCopiedToFinalStage");
  EXPECT_NONE("FROM alpine\nCOPY id_rsa.pub .env.example /k/\n", NULL, "SecretCopiedToFinalStage");
  /* a stage whose files do not reach the target */
  EXPECT_NONE("FROM alpine AS tool\nCOPY id_rsa /k\nFROM alpine\nRUN --mount=from=tool,target=/t true\n", NULL,
              "SecretCopiedToFinalStage");
}

static void test_dead_stage(void **state) {
  (void)state;
  EXPECT("FROM alpine AS unused\nRUN x\nFROM alpine AS app\nRUN y\n", NULL, "DeadStage", 1,
         "Stage \"unused\" is not needed by the target \"app\" and no stage uses it: BuildKit skips it silently, "
         "but the classic builder and kaniko still build it");
  lopts target = {.targets = {"unused"}, .target_count = 1};
  EXPECT("FROM alpine AS unused\nRUN x\nFROM alpine AS app\nRUN y\n", &target, "DeadStage", 3,
         "Stage \"app\" is not needed by the target \"unused\" and no stage uses it: no build of the target runs it");
  EXPECT_NONE("FROM alpine AS tool\nRUN x\nFROM alpine\nCOPY --from=tool /x /x\n", NULL, "DeadStage");
  /* b is dead; a is used by b, although the target does not need either */
  lopts c = {.targets = {"c"}, .target_count = 1};
  const char *chain = "FROM alpine AS a\nFROM a AS b\nFROM alpine AS c\n";
  EXPECT(chain, &c, "DeadStage", 2,
         "Stage \"b\" is not needed by the target \"c\" and no stage uses it: BuildKit skips it silently, but the "
         "classic builder and kaniko still build it");
  char *got = findings(chain, &c, NULL);
  int line1 = strstr(got, "\nL1 DeadStage") != NULL;
  free(got);
  assert_false(line1);
}

static void test_forward_stage_reference(void **state) {
  (void)state;
  lopts target = {.targets = {"a"}, .target_count = 1};
  EXPECT("FROM alpine AS a\nFROM alpine AS b\nCOPY --from=c /x /x\nFROM alpine AS c\n", &target,
         "ForwardStageReference", 3,
         "Stage \"c\" (line 4) is defined after stage \"b\", which copies from it: building \"b\" fails with "
         "BuildKit's \"cannot copy from stage\" error");
  EXPECT_NONE("FROM alpine AS c\nFROM alpine AS a\nFROM alpine AS b\nCOPY --from=c /x /x\n", &target,
              "ForwardStageReference");
}

static void test_redundant_copy_from_parent(void **state) {
  (void)state;
  EXPECT("FROM alpine AS base\nRUN mkdir /x\nFROM base\nCOPY --from=base /x /y\n", NULL, "RedundantCopyFromParent", 4,
         "COPY --from=base copies from stage \"base\", which this stage is built on: its files are already "
         "here; use them in place (or RUN cp)");
  EXPECT_NONE("FROM alpine AS base\nFROM alpine AS other\nFROM base\nCOPY --from=other /x /y\n", NULL,
              "RedundantCopyFromParent");
  /* a FROM tree with two roots: an ancestor two levels up counts; a
   * sibling's branch, another root and a descendant do not */
  const char *tree = "FROM alpine AS a\n"           /* 1 */
                     "FROM a AS b\n"                /* 2 */
                     "FROM alpine AS r2\n"          /* 3 */
                     "FROM a AS c\n"                /* 4 */
                     "FROM b AS d\n"                /* 5 */
                     "COPY --from=a /x /y\n"        /* 6: a is d's grandparent */
                     "COPY --from=c /x /y\n"        /* 7: c is b's sibling */
                     "COPY --from=r2 /x /y\n"       /* 8: another root */
                     "FROM c AS e\n"                /* 9 */
                     "COPY --from=b /x /y\n"        /* 10: b is c's sibling */
                     "COPY --from=a /x /y\n"        /* 11 */
                     "FROM alpine AS f\n"           /* 12 */
                     "COPY --from=e /x /y\n";       /* 13: e is not built on f */
  EXPECT(tree, NULL, "RedundantCopyFromParent", 6,
         "COPY --from=a copies from stage \"a\", which this stage is built on: its files are already "
         "here; use them in place (or RUN cp)");
  EXPECT(tree, NULL, "RedundantCopyFromParent", 11,
         "COPY --from=a copies from stage \"a\", which this stage is built on: its files are already "
         "here; use them in place (or RUN cp)");
  EXPECT_NOT_AT(tree, NULL, "RedundantCopyFromParent", 7);
  EXPECT_NOT_AT(tree, NULL, "RedundantCopyFromParent", 8);
  EXPECT_NOT_AT(tree, NULL, "RedundantCopyFromParent", 10);
  EXPECT_NOT_AT(tree, NULL, "RedundantCopyFromParent", 13);
}

static void test_copy_whole_filesystem(void **state) {
  (void)state;
  EXPECT("FROM golang AS build\nFROM alpine\nCOPY --from=build / /\n", NULL, "CopyWholeFilesystem", 3,
         "COPY --from=build copies the whole filesystem of \"build\" into stage \"stage-1\": copy only the paths "
         "the image needs");
  EXPECT("FROM alpine\nCOPY --from=busybox:1.36 . /rootfs\n", NULL, "CopyWholeFilesystem", 2,
         "COPY --from=busybox:1.36 copies the whole filesystem of \"busybox:1.36\" into stage \"stage-0\": copy "
         "only the paths the image needs");
  /* an artifact stage on scratch; a subdirectory */
  EXPECT_NONE("FROM golang AS build\nFROM scratch AS out\nCOPY --from=build /app /app\nFROM alpine\n"
              "COPY --from=out / /\nCOPY --from=build /app/ /app/\n",
              NULL, "CopyWholeFilesystem");
}

static void test_stage_referenced_by_index(void **state) {
  (void)state;
  EXPECT("FROM alpine AS build\nFROM alpine\nCOPY --from=0 /x /x\n", NULL, "StageReferencedByIndex", 3,
         "COPY --from=0 names stage \"build\" by its position: use --from=build, positions change when stages are "
         "added or moved");
  EXPECT("FROM alpine\nFROM alpine\nCOPY --from=0 /x /x\n", NULL, "StageReferencedByIndex", 3,
         "COPY --from=0 names a stage by its position: name it (FROM ... AS <name>) and use --from=<name>, "
         "positions change when stages are added or moved");
  EXPECT_NONE("FROM alpine AS build\nFROM alpine\nCOPY --from=build /x /x\n", NULL, "StageReferencedByIndex");
}

static void test_final_stage_runs_as_root(void **state) {
  (void)state;
  EXPECT("FROM alpine\nRUN true\n", NULL, "FinalStageRunsAsRoot", 1,
         "The shipped stage \"stage-0\" runs as root (no USER instruction in its stages): add USER with an "
         "unprivileged user");
  EXPECT("FROM alpine\nUSER app\nRUN true\nUSER 0:0\n", NULL, "FinalStageRunsAsRoot", 4,
         "The shipped stage \"stage-0\" runs as root (USER 0:0): switch to an unprivileged user before the end of "
         "the stage");
  EXPECT_NONE("FROM alpine AS base\nUSER 10001\nFROM base\nRUN true\n", NULL, "FinalStageRunsAsRoot");
  EXPECT_NONE("FROM gcr.io/distroless/static:nonroot\n", NULL, "FinalStageRunsAsRoot");
  /* only the shipped stage */
  EXPECT_NONE("FROM golang AS build\nFROM alpine\nCOPY --from=build /a /a\nUSER app\n", NULL, "FinalStageRunsAsRoot");
}

/* ---- suppression, targets, error=true ----------------------------------------------- */

static void test_directive_skip(void **state) {
  (void)state;
  EXPECT_NONE("# check=skip=JSONArgsRecommended\nFROM alpine\nCMD echo hi\n", NULL, "JSONArgsRecommended");
  EXPECT_NONE("# check=skip=FinalStageRunsAsRoot, JSONArgsRecommended\nFROM alpine\nCMD echo hi\n", NULL,
              "JSONArgsRecommended");
  assert_int_equal(count_at("# check=skip=all\nFROM alpine as Build\nMAINTAINER x\nCMD echo\n", NULL, NULL), 0);
  /* skip does not turn experimental rules off once they are on */
  EXPECT("# check=skip=all;experimental=all\nFROM alpine\n# x\nARG A=1\n", NULL, "InvalidDefinitionDescription", 4,
         "Comment for ARG should follow the format: `# A <description>`");
}

static void test_comment_skip(void **state) {
  (void)state;
  const char *src = "FROM alpine\n# check=skip=JSONArgsRecommended\nCMD echo a\nFROM alpine\nCMD echo b\n";
  EXPECT_NONE("FROM alpine\n# check=skip=JSONArgsRecommended\nCMD echo a\n", NULL, "JSONArgsRecommended");
  EXPECT(src, NULL, "JSONArgsRecommended", 5,
         "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals");
  /* above FROM: the stage's FROM-level checks */
  EXPECT_NONE("FROM alpine\n# check=skip=StageNameCasing\nFROM alpine AS Build\n", NULL, "StageNameCasing");
  /* only the first check= comment counts; an invalid one is ignored */
  EXPECT("FROM alpine\n# check=skip=MaintainerDeprecated\n# check=skip=JSONArgsRecommended\nCMD echo\n", NULL,
         "JSONArgsRecommended", 4,
         "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals");
  EXPECT("FROM alpine\n# check=bogus\nCMD echo\n", NULL, "JSONArgsRecommended", 3,
         "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals");
  /* our rules too */
  EXPECT_NONE("FROM alpine\n# check=skip=FinalStageRunsAsRoot\nUSER root\n", NULL, "FinalStageRunsAsRoot");
}

static void test_options_skip(void **state) {
  (void)state;
  lopts lo = {.skip = {"MaintainerDeprecated"}, .skip_count = 1};
  EXPECT_NONE("FROM alpine\nMAINTAINER x\n", &lo, "MaintainerDeprecated");
  EXPECT("FROM alpine\nMAINTAINER x\nCMD echo\n", &lo, "JSONArgsRecommended", 3,
         "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals");
  lopts all = {.skip = {"all"}, .skip_count = 1, .experimental = 1};
  assert_int_equal(count_at("FROM alpine as Build\n# x\nARG A=1\nMAINTAINER x\n", &all, NULL), 0);
}

static void test_bad_check_directive(void **state) {
  (void)state;
  int failed = 0;
  EXPECT("# check=foo=bar\nFROM alpine\n", NULL, "-", 1,
         "failed to parse check options: invalid check option \"foo\"");
  EXPECT("# check=skip\nFROM alpine\n", NULL, "-", 1, "failed to parse check options: invalid check option \"skip\"");
  EXPECT("# check=error=maybe\nFROM alpine\n", NULL, "-", 1,
         "failed to parse check options: failed to parse check option \"error=maybe\": strconv.ParseBool: "
         "parsing \"maybe\": invalid syntax");
  count_at("# check=foo=bar\nFROM alpine\n", NULL, &failed);
  assert_int_equal(failed, 1);
  /* the rest of the file is still linted */
  EXPECT("# check=foo=bar\nFROM alpine\nMAINTAINER x\n", NULL, "MaintainerDeprecated", 3,
         "Maintainer instruction is deprecated in favor of using label");
  /* BUILDKIT_DOCKERFILE_CHECK replaces the directive */
  lopts lo = {.build_args = {"BUILDKIT_DOCKERFILE_CHECK=skip=MaintainerDeprecated"}, .build_arg_count = 1};
  EXPECT_NONE("# check=skip=JSONArgsRecommended\nFROM alpine\nMAINTAINER x\n", &lo, "MaintainerDeprecated");
}

static void test_error_true(void **state) {
  (void)state;
  int failed = -1;
  size_t n = count_at("# check=error=true\nFROM alpine\nMAINTAINER x\nUSER app\n", NULL, &failed);
  assert_true(n > 0);
  assert_int_equal(failed, 1);
  count_at("FROM alpine\nMAINTAINER x\nUSER app\n", NULL, &failed);
  assert_int_equal(failed, 0);
  /* nothing to report: nothing fails */
  count_at("# check=error=true\nFROM alpine\nUSER app\n", NULL, &failed);
  assert_int_equal(failed, 0);
  /* an error finding fails without error=true */
  count_at("FROM alpine\nCOPY --from=later /a /a\nFROM alpine AS later\n", NULL, &failed);
  assert_int_equal(failed, 1);
}

static void test_targets_limit_dispatch_rules(void **state) {
  (void)state;
  const char *src = "FROM alpine AS A\nCMD echo a\nENV K v\nFROM alpine AS b\nCMD [\"b\"]\nUSER app\n";
  lopts b = {.targets = {"b"}, .target_count = 1};
  EXPECT(src, NULL, "JSONArgsRecommended", 2,
         "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals");
  EXPECT(src, NULL, "LegacyKeyValueFormat", 3,
         "\"ENV key=value\" should be used instead of legacy \"ENV key value\" format");
  EXPECT_NONE(src, &b, "JSONArgsRecommended");
  EXPECT_NONE(src, &b, "LegacyKeyValueFormat");
  /* parse-time rules still look at every stage */
  EXPECT(src, &b, "StageNameCasing", 1, "Stage name 'A' should be lowercase");
  /* the stage-graph rules follow the targets too */
  lopts a = {.targets = {"a"}, .target_count = 1};
  EXPECT(src, &a, "FinalStageRunsAsRoot", 1,
         "The shipped stage \"a\" runs as root (no USER instruction in its stages): add USER with an unprivileged "
         "user");
  EXPECT_NONE(src, NULL, "FinalStageRunsAsRoot");
}

/* With a target, dispatch walks only the stages it needs and records
 * nothing for the others (run under valgrind, a rule reading a record of
 * a stage dispatch skipped is an uninitialised read). */
static void test_targets_skip_undispatched_records(void **state) {
  (void)state;
  const char *src = "FROM node:20 AS a\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
                    "FROM node:20 AS b\nCOPY ${SRC:-.} .\nRUN npm ci\n";
  const char *msg = "\"npm ci\" runs after the whole build context is copied (line %d), so every source change "
                    "reinstalls the dependencies: copy package.json and package-lock.json first, install, then "
                    "copy the sources";
  char at3[512], at6[512];
  snprintf(at3, sizeof at3, msg, 3);
  snprintf(at6, sizeof at6, msg, 6);
  lopts b = {.targets = {"b"}, .target_count = 1};
  /* b's source is known only from dispatch's expansion of ${SRC:-.} */
  EXPECT(src, &b, "DependenciesAfterSources", 7, at6);
  EXPECT_NOT_AT(src, &b, "DependenciesAfterSources", 4);
  EXPECT(src, NULL, "DependenciesAfterSources", 4, at3);
  EXPECT(src, NULL, "DependenciesAfterSources", 7, at6);
}

static void test_plan_errors(void **state) {
  (void)state;
  /* BuildKit's dispatch error becomes an error finding; parse-time
   * checks still run */
  EXPECT("FROM alpine\nCOPY --from=later /a /a\nFROM alpine AS later\nMAINTAINER x\n", NULL, "-", 2,
         "cannot copy from stage \"later\", it needs to be defined before current stage \"stage-0\"");
  EXPECT("FROM alpine\nCOPY --from=later /a /a\nFROM alpine AS later\nMAINTAINER x\n", NULL, "MaintainerDeprecated", 4,
         "Maintainer instruction is deprecated in favor of using label");
  /* a target that does not exist and a document BuildKit rejects are errors */
  stagegraph_doc *doc = parse("FROM alpine AS a\n", NULL);
  stagegraph_lint_options o = STAGEGRAPH_LINT_OPTIONS_INIT;
  const char *t[] = {"b"};
  o.targets = t;
  o.target_count = 1;
  stagegraph_lint *lint = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_lint_new(&lint, doc, &o, &err);
  stagegraph_doc_free(doc);
  assert_int_equal(rc, STAGEGRAPH_ENOTFOUND);
  assert_null(lint);
  assert_string_equal(err.message, "target stage \"b\" could not be found (did you mean a?)");
  doc = parse("FROM alpine\nFOO bar\n", NULL);
  rc = stagegraph_lint_new(&lint, doc, NULL, &err);
  stagegraph_doc_free(doc);
  assert_int_equal(rc, STAGEGRAPH_EINSTRUCTION);
  assert_null(lint);
  lopts bad = {.dockerignore = "!\n"};
  doc = parse("FROM alpine\n", NULL);
  stagegraph_lint_options bo;
  fill_options(&bo, &bad);
  rc = stagegraph_lint_new(&lint, doc, &bo, &err);
  stagegraph_doc_free(doc);
  assert_int_equal(rc, STAGEGRAPH_ESYNTAX);
  assert_string_equal(err.message, "illegal exclusion pattern: \"!\"");
}

/* Variable expansion has the plan's limits: meta ARGs doubling to 1 MiB
 * and 16 copies of it pass the total budget and stop the lint with ELIMIT
 * instead of filling memory. */
static void test_expansion_limit(void **state) {
  (void)state;
  char src[2048];
  size_t len = (size_t)snprintf(src, sizeof src, "ARG A0=xxxxxxxx\n");
  for (int i = 1; i <= 17; i++) len += (size_t)snprintf(src + len, sizeof src - len, "ARG A%d=$A%d$A%d\n", i, i - 1, i - 1);
  for (int i = 1; i <= 16; i++) len += (size_t)snprintf(src + len, sizeof src - len, "ARG C%d=$A17\n", i);
  snprintf(src + len, sizeof src - len, "FROM alpine:$C16\n");
  stagegraph_doc *doc = parse(src, NULL);
  stagegraph_lint *lint = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_lint_new(&lint, doc, NULL, &err);
  stagegraph_doc_free(doc);
  assert_int_equal(rc, STAGEGRAPH_ELIMIT);
  assert_null(lint);
  /* with the value cut short by a build arg, only the check of the
   * defaults is given up */
  lopts lo = {.build_args = {"A17=small"}, .build_arg_count = 1};
  EXPECT(src, &lo, "FinalStageRunsAsRoot", 35,
         "The shipped stage \"stage-0\" runs as root (no USER instruction in its stages): add USER with an "
         "unprivileged user");
  EXPECT_NONE(src, &lo, "InvalidDefaultArgInFrom");
}

static void test_sorted_and_positions(void **state) {
  (void)state;
  const char *src = "FROM alpine\nEXPOSE 80/TCP 1:2\nMAINTAINER x\nUSER app\n";
  stagegraph_doc *doc = parse(src, NULL);
  stagegraph_lint *lint = NULL;
  assert_int_equal(stagegraph_lint_new(&lint, doc, NULL, NULL), 0);
  size_t n = stagegraph_lint_count(lint);
  int sorted = 1;
  for (size_t i = 1; i < n; i++) {
    const stagegraph_diagnostic *a = stagegraph_lint_diagnostic(lint, i - 1), *b = stagegraph_lint_diagnostic(lint, i);
    uint32_t la = stagegraph_diagnostic_line(a), lb = stagegraph_diagnostic_line(b);
    uint32_t ca = stagegraph_diagnostic_column(a), cb = stagegraph_diagnostic_column(b);
    const char *ra = stagegraph_diagnostic_rule(a), *rb = stagegraph_diagnostic_rule(b);
    if (la > lb || (la == lb && ca > cb) || (la == lb && ca == cb && strcmp(ra ? ra : "", rb ? rb : "") > 0))
      sorted = 0;
  }
  const stagegraph_diagnostic *d = stagegraph_lint_diagnostic(lint, 0);
  uint32_t line = stagegraph_diagnostic_line(d), col = stagegraph_diagnostic_column(d);
  uint32_t end_line = stagegraph_diagnostic_end_line(d), end_col = stagegraph_diagnostic_end_column(d);
  const char *url = stagegraph_diagnostic_url(d);
  char urlcopy[128];
  snprintf(urlcopy, sizeof urlcopy, "%s", url ? url : "");
  stagegraph_severity sev = stagegraph_diagnostic_severity(d);
  int code = stagegraph_diagnostic_code(d);
  assert_null(stagegraph_lint_diagnostic(lint, n));
  stagegraph_lint_free(lint);
  stagegraph_doc_free(doc);
  assert_true(sorted);
  assert_int_equal(line, 2);
  assert_int_equal(col, 1);
  assert_int_equal(end_line, 2);
  assert_int_equal(end_col, 18); /* one past "EXPOSE 80/TCP 1:2" */
  assert_string_equal(urlcopy, "https://docs.docker.com/go/dockerfile/rule/expose-invalid-format/");
  assert_int_equal(sev, STAGEGRAPH_SEVERITY_WARNING);
  assert_int_equal(code, 0);
}

/* ---- renderers and registry ---------------------------------------------------------- */

static char *render(const char *src, stagegraph_format format, const char *path) {
  stagegraph_doc *doc = parse(src, NULL);
  stagegraph_lint *lint = NULL;
  assert_int_equal(stagegraph_lint_new(&lint, doc, NULL, NULL), 0);
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  int rc = stagegraph_lint_render(&out, lint, format, path, NULL);
  char *copy = rc == 0 ? malloc(out.size + 1) : NULL;
  if (copy) memcpy(copy, out.ptr, out.size + 1);
  stagegraph_buf_dispose(&out);
  stagegraph_lint_free(lint);
  stagegraph_doc_free(doc);
  assert_non_null(copy);
  return copy;
}

static void test_render_text(void **state) {
  (void)state;
  char *text = render("FROM alpine\nMAINTAINER x\nUSER app\n", STAGEGRAPH_FORMAT_TEXT, "dir/Dockerfile");
  int ok = strcmp(text, "dir/Dockerfile:2:1: warning: Maintainer instruction is deprecated in favor of using label "
                        "[MaintainerDeprecated]\n") == 0;
  if (!ok) print_error("got: %s\n", text);
  free(text);
  assert_true(ok);
  text = render("FROM alpine\nUSER app\n", STAGEGRAPH_FORMAT_TEXT, NULL);
  assert_string_equal(text, "");
  free(text);
  /* lint renders no plan formats */
  stagegraph_doc *doc = parse("FROM alpine\n", NULL);
  stagegraph_lint *lint = NULL;
  assert_int_equal(stagegraph_lint_new(&lint, doc, NULL, NULL), 0);
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_lint_render(&out, lint, STAGEGRAPH_FORMAT_DOT, NULL, &err);
  stagegraph_lint_free(lint);
  stagegraph_doc_free(doc);
  assert_int_equal(rc, STAGEGRAPH_EINVAL);
}

static void test_render_json(void **state) {
  (void)state;
  char *text = render("FROM alpine\nMAINTAINER x\nUSER app\n", STAGEGRAPH_FORMAT_JSON, NULL);
  jr_value *v = jr_parse(text, strlen(text));
  free(text);
  assert_non_null(v);
  const jr_value *schema = jr_get(v, "schema"), *diags = jr_get(v, "diagnostics");
  int ok = schema && schema->type == JR_STRING && strcmp(schema->str, "stagegraph.lint/1") == 0 && diags &&
           diags->type == JR_ARRAY && diags->count == 1;
  if (ok) {
    const jr_value *d = diags->items[0];
    const jr_value *rule = jr_get(d, "rule"), *sev = jr_get(d, "severity"), *msg = jr_get(d, "message");
    const jr_value *line = jr_get(d, "line"), *col = jr_get(d, "column"), *el = jr_get(d, "end_line");
    const jr_value *ec = jr_get(d, "end_column"), *url = jr_get(d, "url");
    ok = rule && !strcmp(rule->str, "MaintainerDeprecated") && sev && !strcmp(sev->str, "warning") && msg &&
         !strcmp(msg->str, "Maintainer instruction is deprecated in favor of using label") && line &&
         line->number == 2 && col && col->number == 1 && el && el->number == 2 && ec && ec->number == 13 && url &&
         !strcmp(url->str, "https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/");
  }
  jr_free(v);
  assert_true(ok);
}

static void test_render_sarif(void **state) {
  (void)state;
  const char *src = "# check=foo\nFROM alpine\nMAINTAINER x\nCMD echo hi\n";
  char *text = render(src, STAGEGRAPH_FORMAT_SARIF, "sub dir/Dockerfile");
  jr_value *v = jr_parse(text, strlen(text));
  free(text);
  assert_non_null(v);
  int ok = 1;
  const jr_value *version = jr_get(v, "version"), *schema = jr_get(v, "$schema"), *runs = jr_get(v, "runs");
  ok &= version && version->type == JR_STRING && !strcmp(version->str, "2.1.0");
  ok &= schema && schema->type == JR_STRING && strstr(schema->str, "sarif") != NULL;
  ok &= runs && runs->type == JR_ARRAY && runs->count == 1;
  const jr_value *run = ok ? runs->items[0] : NULL;
  const jr_value *driver = run && jr_get(run, "tool") ? jr_get(jr_get(run, "tool"), "driver") : NULL;
  const jr_value *name = driver ? jr_get(driver, "name") : NULL;
  const jr_value *rules = driver ? jr_get(driver, "rules") : NULL;
  const jr_value *results = run ? jr_get(run, "results") : NULL;
  ok &= name && !strcmp(name->str, "stagegraph");
  ok &= rules && rules->type == JR_ARRAY && rules->count == stagegraph_rule_count();
  for (size_t i = 0; ok && i < rules->count; i++) {
    const jr_value *id = jr_get(rules->items[i], "id"), *help = jr_get(rules->items[i], "helpUri");
    const jr_value *sd = jr_get(rules->items[i], "shortDescription");
    ok &= id && !strcmp(id->str, stagegraph_rule_name(i)) && help && sd && jr_get(sd, "text");
  }
  /* the bad directive (no rule), MaintainerDeprecated, JSONArgsRecommended, FinalStageRunsAsRoot */
  ok &= results && results->type == JR_ARRAY && results->count == 4;
  for (size_t i = 0; ok && i < results->count; i++) {
    const jr_value *r = results->items[i];
    const jr_value *rule_id = jr_get(r, "ruleId"), *level = jr_get(r, "level"), *message = jr_get(r, "message");
    const jr_value *locs = jr_get(r, "locations");
    ok &= rule_id && rule_id->type == JR_STRING && level && level->type == JR_STRING && message &&
          jr_get(message, "text") && locs && locs->type == JR_ARRAY && locs->count == 1;
    if (!ok) break;
    const jr_value *phys = jr_get(locs->items[0], "physicalLocation");
    const jr_value *art = phys ? jr_get(phys, "artifactLocation") : NULL;
    const jr_value *uri = art ? jr_get(art, "uri") : NULL;
    const jr_value *region = phys ? jr_get(phys, "region") : NULL;
    ok &= uri && !strcmp(uri->str, "sub%20dir/Dockerfile") && region && jr_get(region, "startLine") &&
          jr_get(region, "startColumn");
  }
  if (ok) {
    const jr_value *first = results->items[0];
    ok &= !strcmp(jr_get(first, "level")->str, "error") &&
          !strcmp(jr_get(jr_get(first, "message"), "text")->str,
                  "failed to parse check options: invalid check option \"foo\"");
    const jr_value *second = results->items[1];
    const jr_value *region = jr_get(jr_get(jr_get(second, "locations")->items[0], "physicalLocation"), "region");
    ok &= !strcmp(jr_get(second, "ruleId")->str, "FinalStageRunsAsRoot") &&
          !strcmp(jr_get(second, "level")->str, "warning") && jr_get(region, "startLine")->number == 2 &&
          jr_get(second, "ruleIndex") != NULL;
  }
  jr_free(v);
  assert_true(ok);
}

static void test_registry(void **state) {
  (void)state;
  size_t n = stagegraph_rule_count();
  assert_int_equal(n, 31);
  size_t experimental = 0;
  for (size_t i = 0; i < n; i++) {
    const char *name = stagegraph_rule_name(i), *url = stagegraph_rule_url(i);
    assert_non_null(name);
    assert_non_null(stagegraph_rule_description(i));
    assert_int_equal(stagegraph_rule_severity(i), STAGEGRAPH_SEVERITY_WARNING);
    for (size_t k = 0; k < i; k++) assert_string_not_equal(stagegraph_rule_name(k), name);
    experimental += (size_t)stagegraph_rule_experimental(i);
    /* BuildKit's rules link to BuildKit's docs, ours to examples/RULES.md#<lowercase name> */
    if (strncmp(url, "https://docs.docker.com/go/dockerfile/rule/", 43) == 0) continue;
    char want[256], lower[64];
    size_t k = 0;
    for (; name[k] && k + 1 < sizeof lower; k++) lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
    lower[k] = '\0';
    snprintf(want, sizeof want, "https://github.com/stagegraph/stagegraph/blob/main/examples/RULES.md#%s", lower);
    assert_string_equal(url, want);
  }
  assert_int_equal(experimental, 1);
  assert_string_equal(stagegraph_rule_name(18), "InvalidDefinitionDescription");
  assert_true(stagegraph_rule_experimental(18));
  assert_null(stagegraph_rule_name(n));
  assert_string_equal(stagegraph_rule_url(0), "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/");
}

static void test_arguments(void **state) {
  (void)state;
  stagegraph_lint *lint = (stagegraph_lint *)1;
  assert_int_equal(stagegraph_lint_new(&lint, NULL, NULL, NULL), STAGEGRAPH_EINVAL);
  assert_null(lint);
  assert_int_equal(stagegraph_lint_new(NULL, NULL, NULL, NULL), STAGEGRAPH_EINVAL);
  stagegraph_lint_options o;
  memset(&o, 0, sizeof o);
  stagegraph_doc *doc = parse("FROM alpine\n", NULL);
  int rc = stagegraph_lint_new(&lint, doc, &o, NULL);
  stagegraph_doc_free(doc);
  assert_int_equal(rc, STAGEGRAPH_EINVAL);
  stagegraph_lint_free(NULL);
  assert_int_equal(stagegraph_lint_count(NULL), 0);
  assert_null(stagegraph_lint_diagnostic(NULL, 0));
  assert_int_equal(stagegraph_lint_failed(NULL), 0);
  stagegraph_lint_options_init(NULL, sizeof o);
  stagegraph_lint_options_init(&o, sizeof o);
  assert_int_equal(o.size, sizeof o);
}

/* ---- allocation failures ---------------------------------------------------------------- */

/* Every allocation point fails in turn: each run either fails with ENOMEM
 * or gives exactly the findings of a run without failures. */
static char *lint_sarif(stagegraph_doc *doc, const stagegraph_lint_options *o, alloc_budget *f, long n,
                        int *rc) {
  stagegraph_lint *lint = NULL;
  budget_fail(f, n, 1);
  *rc = stagegraph_lint_new(&lint, doc, o, NULL);
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  if (*rc == 0) *rc = stagegraph_lint_render(&out, lint, STAGEGRAPH_FORMAT_SARIF, NULL, NULL);
  /* still armed: what is left only frees, so f->calls counts the lint's calls */
  char *copy = *rc == 0 ? strdup(out.ptr) : NULL;
  stagegraph_buf_dispose(&out);
  stagegraph_lint_free(lint);
  return copy;
}

static void sweep(const char *src) {
  alloc_budget f;
  budget_init(&f);
  stagegraph_allocator a = budget_allocator(&f);
  stagegraph_options po = STAGEGRAPH_OPTIONS_INIT;
  po.allocator = &a;
  stagegraph_doc *doc = NULL;
  assert_int_equal(stagegraph_parse(&doc, src, strlen(src), &po, NULL), 0);
  const char *ignore = ".git\n*.log\n";
  stagegraph_lint_options o = STAGEGRAPH_LINT_OPTIONS_INIT;
  o.dockerignore = ignore;
  o.dockerignore_len = strlen(ignore);
  int rc;
  char *reference = lint_sarif(doc, &o, &f, -1, &rc);
  long total = f.calls, bad = 0, differ = 0;
  for (long n = 0; reference && n < total; n++) {
    char *got = lint_sarif(doc, &o, &f, n, &rc);
    if (rc != 0 && rc != STAGEGRAPH_ENOMEM) bad++;
    if (got && strcmp(got, reference) != 0) differ++;
    free(got);
  }
  free(reference);
  stagegraph_doc_free(doc);
  print_message("lint allocation sweep: %ld allocation points\n", total);
  assert_true(total > 0);
  assert_int_equal(bad, 0);
  assert_int_equal(differ, 0);
}

static void test_out_of_memory(void **state) {
  (void)state;
  sweep("# check=skip=NoSuchRule\nARG V=1\nFROM golang:$V AS Build\nWORKDIR app\nCOPY . .\n"
        "RUN npm ci && go build\nENV TOKEN x\nFROM build AS t\nCOPY --from=0 / /\n"
        "FROM debian\nRUN apt-get install -y gcc\nCOPY --from=t /a /a\nCOPY id_rsa $X /k/\n"
        "# check=skip=JSONArgsRecommended\nEXPOSE 80/TCP 1:2\nCMD x\nCMD y\nFROM alpine AS dead\n");
}

/* UndefinedVar's names of a FROM chain, past the first questions and 32
 * names (its trie), with branches that pop the stack. */
static void test_out_of_memory_chain(void **state) {
  (void)state;
  char src[8192];
  size_t n = (size_t)snprintf(src, sizeof src, "FROM alpine AS s0\n");
  for (int i = 0; i < 40; i++) n += (size_t)snprintf(src + n, sizeof src - n, "ENV NAME_%02d=1\n", i);
  for (int i = 1; i < 12; i++)
    n += (size_t)snprintf(src + n, sizeof src - n, "FROM s%d AS s%d\nENV OWN_%d=1\nLABEL l=$NAME_%dx\n",
                          i % 3 ? i - 1 : i / 2, i, i, i);
  assert_true(n < sizeof src);
  sweep(src);
}

/* ---- the corpus --------------------------------------------------------------------------- */

static void test_corpus(void **state) {
  (void)state;
  char dir[4096];
  size_t count;
  char **names = corpus_files(dir, sizeof dir, &count);
  if (!names) {
    print_message("corpus: %s not found, skipped\n", dir);
    skip();
  }
  size_t nrules = stagegraph_rule_count();
  size_t *files_with = calloc(nrules, sizeof *files_with), *total = calloc(nrules, sizeof *total);
  assert_non_null(files_with);
  assert_non_null(total);
  size_t linted = 0, build_errors = 0, lint_failures = 0;
  unsigned char *seen = calloc(nrules, 1);
  assert_non_null(seen);
  for (size_t i = 0; i < count; i++) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    size_t len;
    char *data = read_file(path, &len);
    if (!data) continue;
    stagegraph_doc *doc = NULL;
    int rc = stagegraph_parse(&doc, data, len, NULL, NULL);
    free(data);
    if (rc) continue;
    if (stagegraph_doc_verdict(doc, NULL) != 0) {
      stagegraph_doc_free(doc);
      continue;
    }
    stagegraph_lint *lint = NULL;
    rc = stagegraph_lint_new(&lint, doc, NULL, NULL);
    if (rc) {
      lint_failures++;
      print_message("corpus: %s: lint failed with %s\n", names[i], stagegraph_code_name(rc));
      stagegraph_doc_free(doc);
      continue;
    }
    linted++;
    memset(seen, 0, nrules);
    int error = 0;
    for (size_t k = 0; k < stagegraph_lint_count(lint); k++) {
      const char *rule = stagegraph_diagnostic_rule(stagegraph_lint_diagnostic(lint, k));
      if (!rule) {
        error = 1;
        continue;
      }
      for (size_t r = 0; r < nrules; r++)
        if (!strcmp(rule, stagegraph_rule_name(r))) total[r]++, seen[r] = 1;
    }
    for (size_t r = 0; r < nrules; r++) files_with[r] += seen[r];
    build_errors += (size_t)error;
    stagegraph_lint_free(lint);
    stagegraph_doc_free(doc);
  }
  free_names(names, count);
  free(seen);
  print_message("corpus: %zu files linted, %zu with a build error finding\n", linted, build_errors);
  static const char *const must_occur[] = {"StageNameCasing",     "FromAsCasing",         "MaintainerDeprecated",
                                           "JSONArgsRecommended", "LegacyKeyValueFormat", "UndefinedVar",
                                           "ConsistentInstructionCasing", "SecretsUsedInArgOrEnv"};
  int bad = lint_failures != 0 || linted == 0;
  for (size_t r = 0; r < nrules; r++) {
    const char *name = stagegraph_rule_name(r);
    print_message("corpus: %-32s %5zu findings in %4zu files\n", name, total[r], files_with[r]);
    if (linted && files_with[r] == linted) {
      print_error("corpus: %s fires on every file\n", name);
      bad = 1;
    }
    for (size_t m = 0; m < sizeof must_occur / sizeof must_occur[0]; m++)
      if (!strcmp(name, must_occur[m]) && files_with[r] == 0) {
        print_error("corpus: %s fires on no file\n", name);
        bad = 1;
      }
  }
  free(files_with);
  free(total);
  assert_false(bad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stage_name_casing),
      cmocka_unit_test(test_from_as_casing),
      cmocka_unit_test(test_no_empty_continuation),
      cmocka_unit_test(test_consistent_instruction_casing),
      cmocka_unit_test(test_duplicate_stage_name),
      cmocka_unit_test(test_reserved_stage_name),
      cmocka_unit_test(test_maintainer_deprecated),
      cmocka_unit_test(test_undefined_arg_in_from),
      cmocka_unit_test(test_many_suggestions),
      cmocka_unit_test(test_redundant_target_platform),
      cmocka_unit_test(test_invalid_default_arg_in_from),
      cmocka_unit_test(test_from_platform_flag_const),
      cmocka_unit_test(test_invalid_definition_description),
      cmocka_unit_test(test_json_args_recommended),
      cmocka_unit_test(test_workdir_relative_path),
      cmocka_unit_test(test_undefined_var),
      cmocka_unit_test(test_undefined_var_long_name),
      cmocka_unit_test(test_undefined_var_ancestor_tie),
      cmocka_unit_test(test_undefined_var_redefined),
      cmocka_unit_test(test_undefined_var_deep_chain),
      cmocka_unit_test(test_undefined_var_alternating),
      cmocka_unit_test(test_multiple_instructions_disallowed),
      cmocka_unit_test(test_legacy_key_value_format),
      cmocka_unit_test(test_secrets_used_in_arg_or_env),
      cmocka_unit_test(test_copy_ignored_file),
      cmocka_unit_test(test_expose_rules),
      cmocka_unit_test(test_fat_final_stage),
      cmocka_unit_test(test_dependencies_after_sources),
      cmocka_unit_test(test_toolchain_in_final_stage),
      cmocka_unit_test(test_secret_copied_to_final_stage),
      cmocka_unit_test(test_dead_stage),
      cmocka_unit_test(test_forward_stage_reference),
      cmocka_unit_test(test_redundant_copy_from_parent),
      cmocka_unit_test(test_copy_whole_filesystem),
      cmocka_unit_test(test_stage_referenced_by_index),
      cmocka_unit_test(test_final_stage_runs_as_root),
      cmocka_unit_test(test_directive_skip),
      cmocka_unit_test(test_comment_skip),
      cmocka_unit_test(test_options_skip),
      cmocka_unit_test(test_bad_check_directive),
      cmocka_unit_test(test_error_true),
      cmocka_unit_test(test_targets_limit_dispatch_rules),
      cmocka_unit_test(test_targets_skip_undispatched_records),
      cmocka_unit_test(test_plan_errors),
      cmocka_unit_test(test_expansion_limit),
      cmocka_unit_test(test_sorted_and_positions),
      cmocka_unit_test(test_render_text),
      cmocka_unit_test(test_render_json),
      cmocka_unit_test(test_render_sarif),
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_out_of_memory_chain),
      cmocka_unit_test(test_corpus),
  };
  return cmocka_run_group_tests_name("lint", tests, NULL, NULL);
}
