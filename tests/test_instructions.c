/* The instruction layer: BuildKit's I/parse.go, I/bflag.go and the RUN
 * hooks, as specified in /work/shared/spec/buildkit-semantics.md a.8
 * ("Unknown instructions"), a.9, c.1 and c.10.
 *
 * Every expected message below is derived from the spec or from BuildKit's
 * own source (moby/buildkit frontend/dockerfile/instructions/, util/suggest,
 * tonistiigi/go-csvvalue, and Go's time and strconv packages for the texts
 * BuildKit passes through), never from this library's output. Where a case
 * rests on a source detail rather than the spec's prose, the comment says so.
 *
 * Tables never stop at the first mismatch: every failing case is printed,
 * then the test fails with the count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "stagegraph.h"

/* ---- helpers ---------------------------------------------------------------- */

/* BuildKit wraps every instruction error (I/parse.go parseError). */
#define W(n, m) "dockerfile parse error on line " #n ": " m
#define ACCEPT NULL
#define LABS "# syntax=docker/dockerfile:1-labs\n"

/* A readable rendering of a test input (escapes control and non-ASCII
 * bytes) for failure messages. */
static const char *show(const char *s) {
  static char buf[4][1024];
  static int slot;
  char *out = buf[slot++ & 3];
  size_t n = 0;
  for (; *s && n + 5 < sizeof buf[0]; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\\') n += (size_t)snprintf(out + n, 5, "\\\\");
    else if (c == '\n') n += (size_t)snprintf(out + n, 5, "\\n");
    else if (c == '\t') n += (size_t)snprintf(out + n, 5, "\\t");
    else if (c < 0x20 || c >= 0x7f) n += (size_t)snprintf(out + n, 5, "\\x%02x", c);
    else out[n++] = (char)c;
  }
  out[n] = '\0';
  return out;
}

static stagegraph_doc *parse_doc(const char *src) {
  stagegraph_doc *doc = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_parse(&doc, src, strlen(src), NULL, &err);
  if (rc != 0) fail_msg("parse of \"%s\" failed: %d %s", show(src), rc, err.message);
  assert_non_null(doc);
  return doc;
}

typedef struct vcase {
  const char *src;
  const char *want; /* the verdict message, or ACCEPT */
} vcase;

/* Returns 1 (after printing why) when the document's verdict differs. */
static int verdict_mismatch(const char *src, const char *want) {
  stagegraph_doc *doc = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_parse(&doc, src, strlen(src), NULL, &err);
  if (rc != 0) {
    print_error("  [%s]\n    parse failed (%s): %s\n", show(src), stagegraph_code_name(rc),
                err.message);
    return 1;
  }
  stagegraph_error v = STAGEGRAPH_ERROR_INIT;
  int vr = stagegraph_doc_verdict(doc, &v);
  int bad = 0;
  if (!want) {
    if (vr != 0) {
      print_error("  [%s]\n    want: accepted\n    got:  %s %s\n", show(src),
                  stagegraph_code_name(vr), show(v.message));
      bad = 1;
    }
  } else if (vr != STAGEGRAPH_EINSTRUCTION || strcmp(v.message, want) != 0 ||
             v.code != STAGEGRAPH_EINSTRUCTION) {
    print_error("  [%s]\n    want: EINSTRUCTION %s\n    got:  %s %s\n", show(src), show(want),
                vr ? stagegraph_code_name(vr) : "accepted", vr ? show(v.message) : "");
    bad = 1;
  }
  stagegraph_doc_free(doc);
  return bad;
}

static void run_table(const char *what, const vcase *t, size_t n) {
  size_t fails = 0;
  for (size_t i = 0; i < n; i++) fails += (size_t)verdict_mismatch(t[i].src, t[i].want);
  if (fails) fail_msg("%s: %zu of %zu cases failed", what, fails, n);
}

#define RUN_TABLE(t) run_table(#t, t, sizeof t / sizeof t[0])

static const stagegraph_instruction *ins_at(const stagegraph_doc *doc, size_t i) {
  const stagegraph_instruction *ins = stagegraph_doc_instruction(doc, i);
  assert_non_null(ins);
  return ins;
}

static const stagegraph_diagnostic *first_error(const stagegraph_doc *doc) {
  for (size_t i = 0; i < stagegraph_doc_diagnostic_count(doc); i++) {
    const stagegraph_diagnostic *d = stagegraph_doc_diagnostic(doc, i);
    if (stagegraph_diagnostic_severity(d) == STAGEGRAPH_SEVERITY_ERROR) return d;
  }
  return NULL;
}

static void expect_str(const char *what, const char *got, const char *want) {
  if (!want && !got) return;
  if (!want) fail_msg("%s: got \"%s\", want NULL", what, show(got));
  if (!got) fail_msg("%s: got NULL, want \"%s\"", what, show(want));
  if (strcmp(got, want) != 0) fail_msg("%s: got \"%s\", want \"%s\"", what, show(got), show(want));
}

/* ---- FROM ------------------------------------------------------------------- */

#define BAD_NAME(q) "invalid name for build stage: " q ", name can't start with a number or contain symbols"

static void test_from_argument_count(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM", W(1, "FROM requires either one or three arguments")},
      {"FROM a b", W(1, "FROM requires either one or three arguments")},
      {"FROM a AS", W(1, "FROM requires either one or three arguments")},
      {"FROM a AS b c", W(1, "FROM requires either one or three arguments")},
      {"FROM a IS b", W(1, "FROM requires either one or three arguments")},
      {"FROM a ASS b", W(1, "FROM requires either one or three arguments")},
      {"FROM a\nFROM b c\n", W(2, "FROM requires either one or three arguments")},
      /* the stage name is checked before the flags are parsed */
      {"FROM --bogus a b", W(1, "FROM requires either one or three arguments")},
      /* `--platform value` is not `--platform=value`: value becomes an argument */
      {"FROM --platform linux/amd64 alpine", W(1, "FROM requires either one or three arguments")},
      {"FROM a", ACCEPT},
      {"FROM a AS b", ACCEPT},
      {"FROM a as b", ACCEPT},
      {"FROM a As b", ACCEPT},
      {"FROM a aS b", ACCEPT},
      {"from a as b", ACCEPT},
      {"FROM\ta\tAS\tb", ACCEPT},
  };
  RUN_TABLE(t);
}

static void test_from_stage_names(void **state) {
  (void)state;
  static const vcase t[] = {
      /* ^[a-z][a-z0-9-_.]*$ after lowercasing; the name is quoted as written */
      {"FROM a AS 1x", W(1, BAD_NAME("\"1x\""))},
      {"FROM a AS 1", W(1, BAD_NAME("\"1\""))},
      {"FROM a AS Foo$", W(1, BAD_NAME("\"Foo$\""))},
      {"FROM a AS -x", W(1, BAD_NAME("\"-x\""))},
      {"FROM a AS _x", W(1, BAD_NAME("\"_x\""))},
      {"FROM a AS .x", W(1, BAD_NAME("\".x\""))},
      {"FROM a AS a/b", W(1, BAD_NAME("\"a/b\""))},
      {"FROM a AS a:b", W(1, BAD_NAME("\"a:b\""))},
      {"FROM a AS x!", W(1, BAD_NAME("\"x!\""))},
      {"FROM a AS MY@STAGE", W(1, BAD_NAME("\"MY@STAGE\""))},
      {"FROM a\nRUN x\nFROM b AS 9lives\n", W(3, BAD_NAME("\"9lives\""))},
      /* flags are parsed after the name check */
      {"FROM --bogus a AS 1x", W(1, BAD_NAME("\"1x\""))},
      {"FROM a AS my-stage_1.0", ACCEPT},
      {"FROM a AS A-B_C.D", ACCEPT},
      {"FROM a AS a", ACCEPT},
      {"FROM a AS z9", ACCEPT},
      {"FROM a AS a--__..", ACCEPT},
      {"FROM a AS BUILD", ACCEPT},
  };
  RUN_TABLE(t);
}

/* %q is Go's strconv.Quote: \" and \\ escaped, printable runes kept,
 * \a \b \f \n \r \t \v, \xNN for other bytes below 0x20, 0x7f and invalid
 * UTF-8, \uNNNN for non-printable runes (U+00A0 and U+200B included). */
static void test_from_stage_name_go_quoting(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a AS \"q\"", W(1, BAD_NAME("\"\\\"q\\\"\""))},
      {"FROM a AS a\\b", W(1, BAD_NAME("\"a\\\\b\""))},
      {"FROM a AS b\x01", W(1, BAD_NAME("\"b\\x01\""))},
      {"FROM a AS b\x7f", W(1, BAD_NAME("\"b\\x7f\""))},
      {"FROM a AS b\xff", W(1, BAD_NAME("\"b\\xff\""))},
      {"FROM a AS x\xe2\x80\x8b", W(1, BAD_NAME("\"x\\u200b\""))},
      {"FROM a AS x\xc2\xa0y", W(1, BAD_NAME("\"x\\u00a0y\""))},
      {"FROM a AS \xc3\xa9", W(1, BAD_NAME("\"\xc3\xa9\""))},
      /* Ä lowercases to ä, which the pattern does not allow */
      {"FROM a AS \xc3\x84", W(1, BAD_NAME("\"\xc3\x84\""))},
  };
  RUN_TABLE(t);
}

/* Go's Unicode case rules, which BuildKit uses throughout: strings.EqualFold
 * for AS, strings.ToLower for stage names and keywords, strings.ToUpper for
 * ONBUILD triggers, and util/suggest's matchCase for suggestions. */
static void test_unicode_case_rules(void **state) {
  (void)state;
  static const vcase t[] = {
      /* EqualFold("Aſ", "as") is true: U+017F folds to s */
      {"FROM a A\xc5\xbf b", ACCEPT},
      /* ToLower(U+212A KELVIN SIGN) is "k", which matches the pattern */
      {"FROM a AS \xe2\x84\xaa", ACCEPT},
      /* dispatch is by strings.ToLower(keyword): WOR<KELVIN>DIR is WORKDIR */
      {"FROM a\nWOR\xe2\x84\xaa" "DIR /x", ACCEPT},
      /* ToUpper("maintaıner") is "MAINTAINER" (U+0131 uppercases to I) */
      {"FROM a\nONBUILD mainta\xc4\xb1ner me",
       W(2, "MAINTAINER isn't allowed as an ONBUILD trigger")},
      /* "FRöM" is neither all upper nor all lower by Unicode rules, so the
       * suggestion stays lowercase */
      {"FRö" "M a", W(1, "unknown instruction: FR\xc3\xb6M (did you mean from?)")},
      /* "FRÖM" is all upper: ToUpper("FRÖM") == "FRÖM" */
      {"FR\xc3\x96M a", W(1, "unknown instruction: FR\xc3\x96M (did you mean FROM?)")},
      /* distance is counted in runes (agext/levenshtein): FRÖÖM -> FROM is 2 */
      {"FR\xc3\x96\xc3\x96M a", W(1, "unknown instruction: FR\xc3\x96\xc3\x96M (did you mean FROM?)")},
  };
  RUN_TABLE(t);
}

/* ---- ADD / COPY ------------------------------------------------------------- */

#define NO_DEST(x) x " requires at least two arguments, but only one was provided. Destination could not be determined"

static void test_copy_add_rules(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nCOPY", W(2, NO_DEST("COPY"))},
      {"FROM a\nCOPY x", W(2, NO_DEST("COPY"))},
      {"FROM a\nADD", W(2, NO_DEST("ADD"))},
      {"FROM a\nADD x", W(2, NO_DEST("ADD"))},
      {"FROM a\nCOPY [\"x\"]", W(2, NO_DEST("COPY"))},
      {"FROM a\ncopy x", W(2, NO_DEST("COPY"))},
      /* the count is checked before the flags */
      {"FROM a\nCOPY --from=b x", W(2, NO_DEST("COPY"))},
      {"FROM a\nADD --bogus x", W(2, NO_DEST("ADD"))},
      {"FROM a\nCOPY x y", ACCEPT},
      {"FROM a\nCOPY x y z/", ACCEPT},
      {"FROM a\nADD x y", ACCEPT},
      {"FROM a\nCOPY [\"x y\", \"/z\"]", ACCEPT},
  };
  RUN_TABLE(t);
}

static void test_heredoc_destination(void **state) {
  (void)state;
  static const vcase t[] = {
      /* T: I/parse_heredoc_test.go */
      {"FROM a\nCOPY /foo <<EOF\nEOF", W(2, "COPY cannot accept a heredoc as a destination")},
      {"FROM a\nADD /foo <<EOF\nEOF", W(2, "ADD cannot accept a heredoc as a destination")},
      {"FROM a\nCOPY /foo <<-EOF\nEOF", W(2, "COPY cannot accept a heredoc as a destination")},
      {"FROM a\nRUN true\nADD /foo <<EOF\nx\nEOF\n", W(3, "ADD cannot accept a heredoc as a destination")},
      /* the destination word is checked even in JSON form */
      {"FROM a\nCOPY [\"/foo\", \"<<EOF\"]", W(2, "COPY cannot accept a heredoc as a destination")},
      /* flags are parsed before the destination is looked at */
      {"FROM a\nCOPY --bogus /foo <<EOF\nEOF", W(2, "unknown flag: --bogus")},
      {"FROM a\nCOPY <<EOF /dest\nhello\nEOF", ACCEPT},
      {"FROM a\nCOPY <<EOF1 <<EOF2 /bar\nfirst\nEOF1\nsecond\nEOF2", ACCEPT},
      {"FROM a\nADD <<EOF foo.txt /bar\ninline\nEOF", ACCEPT},
  };
  RUN_TABLE(t);
}

/* ---- exactly one argument ------------------------------------------------------ */

static void test_exactly_one_argument(void **state) {
  (void)state;
  static const vcase t[] = {
      /* T: TestCommandsExactlyOneArgument */
      {"FROM a\nWORKDIR", W(2, "WORKDIR requires exactly one argument")},
      {"FROM a\nUSER", W(2, "USER requires exactly one argument")},
      {"FROM a\nMAINTAINER", W(2, "MAINTAINER requires exactly one argument")},
      {"FROM a\nSTOPSIGNAL", W(2, "STOPSIGNAL requires exactly one argument")},
      {"FROM a\nworkdir", W(2, "WORKDIR requires exactly one argument")},
      /* the count is checked before the flags */
      {"FROM a\nWORKDIR --x", W(2, "WORKDIR requires exactly one argument")},
      {"FROM a\nUSER --x", W(2, "USER requires exactly one argument")},
      {"FROM a\nMAINTAINER --x", W(2, "MAINTAINER requires exactly one argument")},
      {"FROM a\nSTOPSIGNAL --x", W(2, "STOPSIGNAL requires exactly one argument")},
      /* the whole rest is one argument */
      {"FROM a\nWORKDIR /a b", ACCEPT},
      {"FROM a\nUSER a b", ACCEPT},
      {"FROM a\nMAINTAINER Jane Doe <jane@example.com>", ACCEPT},
      {"FROM a\nSTOPSIGNAL SIGTERM", ACCEPT},
      /* the signal is only checked at dispatch */
      {"FROM a\nSTOPSIGNAL NOTASIGNAL", ACCEPT},
  };
  RUN_TABLE(t);
}

/* ---- at least one argument ------------------------------------------------------- */

static void test_at_least_one_argument(void **state) {
  (void)state;
  static const vcase t[] = {
      /* T: TestCommandsAtLeastOneArgument */
      {"FROM a\nEXPOSE", W(2, "EXPOSE requires at least one argument")},
      {"FROM a\nVOLUME", W(2, "VOLUME requires at least one argument")},
      {"FROM a\nONBUILD", W(2, "ONBUILD requires at least one argument")},
      {"FROM a\nENV", W(2, "ENV requires at least one argument")},
      {"FROM a\nLABEL", W(2, "LABEL requires at least one argument")},
      {"FROM a\nARG", W(2, "ARG requires at least one argument")},
      {"ARG\nFROM a", W(1, "ARG requires at least one argument")},
      {"FROM a\nHEALTHCHECK", W(2, "HEALTHCHECK requires at least one argument")},
      {"FROM a\nVOLUME []", W(2, "VOLUME requires at least one argument")},
      /* EXPOSE, VOLUME, ONBUILD count before flags */
      {"FROM a\nEXPOSE --x", W(2, "EXPOSE requires at least one argument")},
      {"FROM a\nVOLUME --x", W(2, "VOLUME requires at least one argument")},
      {"FROM a\nONBUILD --x", W(2, "ONBUILD requires at least one argument")},
      {"FROM a\nHEALTHCHECK --x", W(2, "HEALTHCHECK requires at least one argument")},
      /* ENV and LABEL parse flags first */
      {"FROM a\nENV --x", W(2, "unknown flag: --x")},
      {"FROM a\nLABEL --x", W(2, "unknown flag: --x")},
      /* ARG ignores flags */
      {"FROM a\nARG --x", W(2, "ARG requires at least one argument")},
      {"FROM a\nEXPOSE --x 80", W(2, "unknown flag: --x")},
      {"FROM a\nEXPOSE 80 443/udp", ACCEPT},
      {"FROM a\nVOLUME /a /b", ACCEPT},
      {"FROM a\nVOLUME [\"/a\", \"/b\"]", ACCEPT},
      {"FROM a\nENV a=b c=d", ACCEPT},
      {"FROM a\nENV a b c", ACCEPT},
      {"FROM a\nLABEL a=b", ACCEPT},
      {"FROM a\nARG a b=c", ACCEPT},
  };
  RUN_TABLE(t);
}

static void test_volume_empty_string(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nVOLUME [\"\"]", W(2, "VOLUME specified can not be an empty string")},
      {"FROM a\nVOLUME [\" \"]", W(2, "VOLUME specified can not be an empty string")},
      {"FROM a\nVOLUME [\"\\t\\n\"]", W(2, "VOLUME specified can not be an empty string")},
      {"FROM a\nVOLUME [\"/a\", \"\"]", W(2, "VOLUME specified can not be an empty string")},
      {"FROM a\nVOLUME [\"/a\", \"  \", \"/b\"]", W(2, "VOLUME specified can not be an empty string")},
      /* flags are parsed before the values are checked */
      {"FROM a\nVOLUME --x [\"\"]", W(2, "unknown flag: --x")},
      {"FROM a\nVOLUME [\" /a \"]", ACCEPT},
  };
  RUN_TABLE(t);
}

static void test_blank_names(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nENV =x", W(2, "ENV names can not be blank")},
      {"FROM a\nENV a=1 =x", W(2, "ENV names can not be blank")},
      {"FROM a\nLABEL =x", W(2, "LABEL names can not be blank")},
      {"FROM a\nLABEL a=1 =", W(2, "LABEL names can not be blank")},
      {"FROM a\nARG =x", W(2, "ARG names can not be blank")},
      {"FROM a\nARG a =x", W(2, "ARG names can not be blank")},
      {"ARG =x\nFROM a", W(1, "ARG names can not be blank")},
      /* ENV/LABEL flags are parsed before the pairs */
      {"FROM a\nENV --x =y", W(2, "unknown flag: --x")},
      {"FROM a\nLABEL --x a=b", W(2, "unknown flag: --x")},
      {"FROM a\nENV a=", ACCEPT},
      {"FROM a\nARG a=", ACCEPT},
  };
  RUN_TABLE(t);
}

/* ---- SHELL, CMD, ENTRYPOINT ----------------------------------------------------- */

static void test_shell_cmd_entrypoint(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nSHELL /bin/sh -c", W(2, "SHELL requires the arguments to be in JSON form")},
      /* single quotes are not JSON: the line falls back to shell form */
      {"FROM a\nSHELL ['/bin/sh']", W(2, "SHELL requires the arguments to be in JSON form")},
      {"FROM a\nSHELL []", W(2, "SHELL requires at least one argument")},
      {"FROM a\nSHELL", W(2, "SHELL requires at least one argument")},
      {"FROM a\nSHELL --x [\"sh\"]", W(2, "unknown flag: --x")},
      {"FROM a\nSHELL --x", W(2, "unknown flag: --x")},
      {"FROM a\nSHELL [\"/bin/bash\", \"-c\"]", ACCEPT},
      {"FROM a\nCMD --x echo", W(2, "unknown flag: --x")},
      {"FROM a\nENTRYPOINT --x=1 [\"a\"]", W(2, "unknown flag: --x")},
      {"FROM a\nCMD", ACCEPT},
      {"FROM a\nCMD []", ACCEPT},
      {"FROM a\nENTRYPOINT []", ACCEPT},
      {"FROM a\nCMD [\"a\", \"b\"]", ACCEPT},
      {"FROM a\nENTRYPOINT exec a b", ACCEPT},
      /* `--` ends the flags */
      {"FROM a\nCMD -- --x", ACCEPT},
  };
  RUN_TABLE(t);
}

/* ---- HEALTHCHECK ------------------------------------------------------------------ */

static void test_healthcheck_types(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nHEALTHCHECK NONE", ACCEPT},
      {"FROM a\nhealthcheck none", ACCEPT},
      {"FROM a\nHEALTHCHECK None", ACCEPT},
      {"FROM a\nHEALTHCHECK NONE x", W(2, "HEALTHCHECK NONE takes no arguments")},
      {"FROM a\nHEALTHCHECK none [\"x\"]", W(2, "HEALTHCHECK NONE takes no arguments")},
      /* HEALTHCHECK NONE never parses its flags */
      {"FROM a\nHEALTHCHECK --interval=abc NONE", ACCEPT},
      {"FROM a\nHEALTHCHECK --bogus NONE", ACCEPT},
      {"FROM a\nHEALTHCHECK --interval NONE", ACCEPT},
      {"FROM a\nHEALTHCHECK --bogus NONE x", W(2, "HEALTHCHECK NONE takes no arguments")},
      {"FROM a\nHEALTHCHECK CMD", W(2, "Missing command after HEALTHCHECK CMD")},
      {"FROM a\nHEALTHCHECK cmd", W(2, "Missing command after HEALTHCHECK CMD")},
      {"FROM a\nHEALTHCHECK CMD []", W(2, "Missing command after HEALTHCHECK CMD")},
      {"FROM a\nHEALTHCHECK CMD curl -f http://x/", ACCEPT},
      {"FROM a\nHEALTHCHECK cmd curl", ACCEPT},
      {"FROM a\nHEALTHCHECK CMD [\"curl\", \"-f\"]", ACCEPT},
      /* the type is uppercased and %#v-quoted */
      {"FROM a\nHEALTHCHECK CONNECT x", W(2, "Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)")},
      {"FROM a\nHEALTHCHECK connect x", W(2, "Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)")},
      {"FROM a\nHEALTHCHECK Connect", W(2, "Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)")},
      {"FROM a\nHEALTHCHECK CMD-SHELL x", W(2, "Unknown type \"CMD-SHELL\" in HEALTHCHECK (try CMD)")},
      {"FROM a\nHEALTHCHECK a\"b x", W(2, "Unknown type \"A\\\"B\" in HEALTHCHECK (try CMD)")},
      /* flags are parsed before the type switch, durations after it */
      {"FROM a\nHEALTHCHECK --bogus=1 CONNECT", W(2, "unknown flag: --bogus")},
      {"FROM a\nHEALTHCHECK --interval=abc CONNECT x", W(2, "Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)")},
      {"FROM a\nHEALTHCHECK --interval CMD true", W(2, "missing a value on flag: --interval")},
      {"FROM a\nHEALTHCHECK --interva=1s CMD true", W(2, "unknown flag: --interva (did you mean interval?)")},
      {"FROM a\nHEALTHCHECK --start-perio=1s CMD true", W(2, "unknown flag: --start-perio (did you mean start-period?)")},
      {"FROM a\nHEALTHCHECK --retries=1 --retries=2 CMD true", W(2, "duplicate flag specified: --retries")},
      {"FROM a\nHEALTHCHECK --x CMD true", W(2, "unknown flag: --x")},
  };
  RUN_TABLE(t);
}

#define HC(flags) "FROM a\nHEALTHCHECK " flags " CMD true"

static void test_healthcheck_durations(void **state) {
  (void)state;
  static const vcase t[] = {
      /* Go's time.ParseDuration texts */
      {HC("--interval=abc"), W(2, "time: invalid duration \"abc\"")},
      {HC("--timeout=1"), W(2, "time: missing unit in duration \"1\"")},
      {HC("--start-period=1x"), W(2, "time: unknown unit \"x\" in duration \"1x\"")},
      {HC("--start-interval=1h1"), W(2, "time: missing unit in duration \"1h1\"")},
      {HC("--interval=1e3s"), W(2, "time: unknown unit \"e\" in duration \"1e3s\"")},
      {HC("--interval=1S"), W(2, "time: unknown unit \"S\" in duration \"1S\"")},
      {HC("--interval=-"), W(2, "time: invalid duration \"-\"")},
      {HC("--interval=.s"), W(2, "time: invalid duration \".s\"")},
      {HC("--interval=s1"), W(2, "time: invalid duration \"s1\"")},
      {HC("--interval=9999999999h"), W(2, "time: invalid duration \"9999999999h\"")},
      /* time's own quote(): `"` and `\` escaped; bytes below 0x20 and every
       * byte of a non-ASCII rune as \xNN (not strconv.Quote) */
      {HC("--interval=a\\\"b"), W(2, "time: invalid duration \"a\\\"b\"")},
      {HC("--interval='1s\t'"), W(2, "time: unknown unit \"s\\x09\" in duration \"1s\\x09\"")},
      /* flag words are assembled byte by byte (spec a.7), so "é" (C3 A9)
       * arrives as "Ã©" (C3 83 C2 A9) and "µ" as "Âµ": no non-ASCII unit can
       * be written in a flag */
      {HC("--interval=5\xc3\xa9"), W(2, "time: unknown unit \"\\xc3\\x83\\xc2\\xa9\" in duration \"5\\xc3\\x83\\xc2\\xa9\"")},
      {HC("--interval=1000\xc2\xb5s"), W(2, "time: unknown unit \"\\xc3\\x82\\xc2\\xb5s\" in duration \"1000\\xc3\\x82\\xc2\\xb5s\"")},
      {HC("--interval=1000\xce\xbcs"), W(2, "time: unknown unit \"\\xc3\\x8e\\xc2\\xbcs\" in duration \"1000\\xc3\\x8e\\xc2\\xbcs\"")},
      /* non-zero below 1ms (flag name without dashes; %#v-quoted) */
      {HC("--start-period=0.5ms"), W(2, "Interval \"start-period\" cannot be less than 1ms")},
      {HC("--start-interval=100us"), W(2, "Interval \"start-interval\" cannot be less than 1ms")},
      {HC("--interval=-1s"), W(2, "Interval \"interval\" cannot be less than 1ms")},
      {HC("--interval=1ns"), W(2, "Interval \"interval\" cannot be less than 1ms")},
      /* order: interval, timeout, start-period, start-interval, then retries */
      {HC("--timeout=1x --interval=abc"), W(2, "time: invalid duration \"abc\"")},
      {HC("--start-interval=1x --start-period=1y"), W(2, "time: unknown unit \"y\" in duration \"1y\"")},
      {HC("--retries=x --start-interval=bad"), W(2, "time: invalid duration \"bad\"")},
      {HC("--start-interval=1ns --timeout=2ns"), W(2, "Interval \"timeout\" cannot be less than 1ms")},
      /* accepted */
      {HC("--interval=0"), ACCEPT},
      {HC("--interval=0s"), ACCEPT},
      {HC("--interval=-0"), ACCEPT},
      {HC("--interval=+0"), ACCEPT},
      {HC("--timeout=1ms"), ACCEPT},
      {HC("--interval=1000000ns"), ACCEPT},
      {HC("--interval=1h30m"), ACCEPT},
      {HC("--interval=1.5s"), ACCEPT},
      {HC("--interval=.5s"), ACCEPT},
      {HC("--interval=+5s"), ACCEPT},
      {HC("--interval="), ACCEPT},
      {HC("--interval=30s --timeout=10s --start-period=5s --start-interval=1s --retries=3"), ACCEPT},
  };
  RUN_TABLE(t);
}

static void test_healthcheck_retries(void **state) {
  (void)state;
  static const vcase t[] = {
      /* strconv.ParseInt(v, 10, 32) texts */
      {HC("--retries=x"), W(2, "strconv.ParseInt: parsing \"x\": invalid syntax")},
      {HC("--retries=1_000"), W(2, "strconv.ParseInt: parsing \"1_000\": invalid syntax")},
      {HC("--retries=0x10"), W(2, "strconv.ParseInt: parsing \"0x10\": invalid syntax")},
      {HC("--retries=-"), W(2, "strconv.ParseInt: parsing \"-\": invalid syntax")},
      {HC("--retries=+-1"), W(2, "strconv.ParseInt: parsing \"+-1\": invalid syntax")},
      /* "é" arrives re-encoded as "Ã©" (spec a.7); strconv.Quote keeps
       * printable runes */
      {HC("--retries=\xc3\xa9"), W(2, "strconv.ParseInt: parsing \"\xc3\x83\xc2\xa9\": invalid syntax")},
      {HC("--retries=2147483648"), W(2, "strconv.ParseInt: parsing \"2147483648\": value out of range")},
      {HC("--retries=-2147483649"), W(2, "strconv.ParseInt: parsing \"-2147483649\": value out of range")},
      {HC("--retries=99999999999"), W(2, "strconv.ParseInt: parsing \"99999999999\": value out of range")},
      /* ParseUint stops at the first digit that overflows 32 bits, before
       * it sees the bad byte (Go strconv/atoi.go) */
      {HC("--retries=99999999999x"), W(2, "strconv.ParseInt: parsing \"99999999999x\": value out of range")},
      {HC("--retries=-1"), W(2, "--retries cannot be negative (-1)")},
      {HC("--retries=-2147483648"), W(2, "--retries cannot be negative (-2147483648)")},
      {HC("--retries=0"), ACCEPT},
      {HC("--retries=-0"), ACCEPT},
      {HC("--retries=+3"), ACCEPT},
      {HC("--retries=2147483647"), ACCEPT},
      {HC("--retries=007"), ACCEPT},
      {HC("--retries="), ACCEPT},
  };
  RUN_TABLE(t);
}

/* ---- ONBUILD ---------------------------------------------------------------------- */

static void test_onbuild_triggers(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nONBUILD ONBUILD RUN x", W(2, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")},
      {"FROM a\nonbuild onbuild run x", W(2, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")},
      {"FROM a\nONBUILD ONBUILD", W(2, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")},
      {"FROM a\nONBUILD FROM x", W(2, "FROM isn't allowed as an ONBUILD trigger")},
      {"FROM a\nONBUILD from x", W(2, "FROM isn't allowed as an ONBUILD trigger")},
      {"FROM a\nONBUILD From x AS y", W(2, "FROM isn't allowed as an ONBUILD trigger")},
      {"FROM a\nONBUILD MAINTAINER me", W(2, "MAINTAINER isn't allowed as an ONBUILD trigger")},
      {"FROM a\nONBUILD maintainer me", W(2, "MAINTAINER isn't allowed as an ONBUILD trigger")},
      /* ONBUILD's own flags are parsed (none allowed) before the trigger check */
      {"FROM a\nONBUILD --x RUN y", W(2, "unknown flag: --x")},
      {"FROM a\nONBUILD --x ONBUILD y", W(2, "unknown flag: --x")},
      /* the trigger itself is not validated */
      {"FROM a\nONBUILD RUN --bogus x", ACCEPT},
      {"FROM a\nONBUILD FROBNICATE x", ACCEPT},
      {"FROM a\nONBUILD COPY a", ACCEPT},
      {"FROM a\nONBUILD WORKDIR", ACCEPT},
      {"FROM a\nONBUILD HEALTHCHECK CONNECT", ACCEPT},
      {"FROM a\nONBUILD RUN echo hi", ACCEPT},
      {"FROM a\nONBUILD COPY --from=b x y", ACCEPT},
  };
  RUN_TABLE(t);
}

/* ---- flags ---------------------------------------------------------------------------- */

static void test_bool_flags(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nCOPY --link x y", ACCEPT},
      {"FROM a\nCOPY --link=true x y", ACCEPT},
      {"FROM a\nCOPY --link=TRUE x y", ACCEPT},
      {"FROM a\nCOPY --link=FALSE x y", ACCEPT},
      {"FROM a\nCOPY --link=False x y", ACCEPT},
      {"FROM a\nCOPY --link= x y", W(2, "missing a value on flag: --link")},
      {"FROM a\nCOPY --link=yes x y", W(2, "expecting boolean value for flag --link, not: yes")},
      {"FROM a\nCOPY --link=1 x y", W(2, "expecting boolean value for flag --link, not: 1")},
      {"FROM a\nCOPY --link=t x y", W(2, "expecting boolean value for flag --link, not: t")},
      {"FROM a\nCOPY --link --link x y", W(2, "duplicate flag specified: --link")},
      {"FROM a\nCOPY --link=true --link=false x y", W(2, "duplicate flag specified: --link")},
      {"FROM a\nADD --keep-git-dir x y", ACCEPT},
      {"FROM a\nADD --keep-git-dir=false x y", ACCEPT},
      {"FROM a\nADD --unpack=true x y", ACCEPT},
      {"FROM a\nADD --unpack=maybe x y", W(2, "expecting boolean value for flag --unpack, not: maybe")},
      {"FROM a\nADD --link= x y", W(2, "missing a value on flag: --link")},
  };
  RUN_TABLE(t);
}

static void test_string_flags(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nCOPY --from x y", W(2, "missing a value on flag: --from")},
      {"FROM a\nCOPY --chown x y", W(2, "missing a value on flag: --chown")},
      {"FROM a\nADD --checksum x y", W(2, "missing a value on flag: --checksum")},
      {"FROM a\nCOPY --from= x y", ACCEPT},
      {"FROM a\nCOPY --from=a --from=b x y", W(2, "duplicate flag specified: --from")},
      {"FROM a\nCOPY --from=a --from=a x y", W(2, "duplicate flag specified: --from")},
      {"FROM a\nCOPY --chown=1 --chmod=2 --chown=3 x y", W(2, "duplicate flag specified: --chown")},
      {"FROM a\nADD --chmod=755 --checksum=sha256:00 x y", ACCEPT},
      {"FROM --platform=a --platform=b x", W(1, "duplicate flag specified: --platform")},
      {"FROM --platform a", W(1, "missing a value on flag: --platform")},
      /* repeatable flags: each occurrence needs `=`, repeats are fine */
      {"FROM a\nRUN --mount=type=cache,target=/a --mount=type=bind,target=/b true", ACCEPT},
      {"FROM a\nRUN --mount true", W(2, "missing a value on flag: --mount")},
      {"FROM a\nRUN --mount=type=cache,target=/a --mount true", W(2, "missing a value on flag: --mount")},
      /* quotes and escapes are removed from flag words */
      {"FROM a\nCOPY --from=\"my stage\" x y", ACCEPT},
      {"FROM a\nCOPY --chown=a\\ b x y", ACCEPT},
      /* `--` ends the flags; later words are arguments */
      {"FROM a\nCOPY --link -- --from=x y", ACCEPT},
      {"FROM a\nRUN -- --bogus", ACCEPT},
      /* only leading words are flags */
      {"FROM a\nCOPY x --bogus y", ACCEPT},
  };
  RUN_TABLE(t);
}

static void test_unknown_flags(void **state) {
  (void)state;
  static const vcase t[] = {
      /* T: I/parse_test.go (unknown flag: --boo) */
      {"FROM a\nMAINTAINER --boo joe@example.com", W(2, "unknown flag: --boo")},
      {"FROM a\nCOPY --form=a x y", W(2, "unknown flag: --form (did you mean from?)")},
      {"FROM a\nCOPY --From=a x y", W(2, "unknown flag: --From (did you mean from?)")},
      /* case-sensitive: FROM is 4 edits from from */
      {"FROM a\nCOPY --FROM=a x y", W(2, "unknown flag: --FROM")},
      {"FROM a\nCOPY --fromm x y", W(2, "unknown flag: --fromm (did you mean from?)")},
      {"FROM a\nCOPY --lnk x y", W(2, "unknown flag: --lnk (did you mean link?)")},
      /* chmod and chown are both 2 away: the alphabetically first wins */
      {"FROM a\nCOPY --chmn=1 x y", W(2, "unknown flag: --chmn (did you mean chmod?)")},
      {"FROM a\nCOPY --frobnicate x y", W(2, "unknown flag: --frobnicate")},
      {"FROM a\nADD --from=a x y", W(2, "unknown flag: --from")},
      {"FROM a\nADD --keep-git-dirs x y", W(2, "unknown flag: --keep-git-dirs (did you mean keep-git-dir?)")},
      {"FROM a\nADD --unpak x y", W(2, "unknown flag: --unpak (did you mean unpack?)")},
      {"FROM --plattform=x a", W(1, "unknown flag: --plattform (did you mean platform?)")},
      {"FROM --platfrom=x a", W(1, "unknown flag: --platfrom (did you mean platform?)")},
      {"FROM a\nRUN --mout=x true", W(2, "unknown flag: --mout (did you mean mount?)")},
      {"FROM a\nRUN --netwrk=host true", W(2, "unknown flag: --netwrk (did you mean network?)")},
      {"FROM a\nRUN --devce=x true", W(2, "unknown flag: --devce (did you mean device?)")},
      /* instructions without flags: no options, so no suggestion */
      {"FROM a\nUSER --uid=1 root", W(2, "unknown flag: --uid")},
      {"FROM a\nWORKDIR --x /a", W(2, "unknown flag: --x")},
      {"FROM a\nEXPOSE --link 80", W(2, "unknown flag: --link")},
      {"FROM a\nENV --from=x a=b", W(2, "unknown flag: --from")},
      /* an unknown flag is reported even when later flags are fine */
      {"FROM a\nCOPY --bogus --from=b x y", W(2, "unknown flag: --bogus")},
      /* the first bad flag in order wins */
      {"FROM a\nCOPY --from --bogus x y", W(2, "missing a value on flag: --from")},
      {"FROM a\nCOPY --bogus --from x y", W(2, "unknown flag: --bogus")},
  };
  RUN_TABLE(t);
}

static void test_ignored_flags(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nARG --x a", ACCEPT},
      {"FROM a\nARG --platform=x --x a=b", ACCEPT},
      {"ARG --bogus a\nFROM x", ACCEPT},
      {"FROM a\nSTOPSIGNAL --x SIGKILL", ACCEPT},
      {"FROM a\nSTOPSIGNAL --x=1 --x=2 9", ACCEPT},
      {"FROM a\nHEALTHCHECK --x --x NONE", ACCEPT},
  };
  RUN_TABLE(t);
}

static void test_run_network(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nRUN --network=bridge true", W(2, "invalid network mode \"bridge\"")},
      {"FROM a\nRUN --network=HOST true", W(2, "invalid network mode \"HOST\"")},
      {"FROM a\nRUN --network= true", W(2, "invalid network mode \"\"")},
      /* %q quoting of the value */
      {"FROM a\nRUN --network='a\"b' true", W(2, "invalid network mode \"a\\\"b\"")},
      {"FROM a\nRUN --network='a\tb' true", W(2, "invalid network mode \"a\\tb\"")},
      {"FROM a\nRUN --network true", W(2, "missing a value on flag: --network")},
      {"FROM a\nRUN --network=host --network=none true", W(2, "duplicate flag specified: --network")},
      {"FROM a\nRUN --network=host true", ACCEPT},
      {"FROM a\nRUN --network=none true", ACCEPT},
      {"FROM a\nRUN --network=default true", ACCEPT},
      /* --device is parsed in every frontend; its use fails only at dispatch */
      {"FROM a\nRUN --device=/dev/fuse true", ACCEPT},
  };
  RUN_TABLE(t);
}

/* The labs-only flags (a deliberate choice of this library: BuildKit's
 * standard frontend does not register them). */
static void test_labs_flags(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nCOPY --parents x y", W(2, "unknown flag: --parents")},
      {"FROM a\nCOPY --exclude=*.md x y", W(2, "unknown flag: --exclude")},
      {"FROM a\nADD --exclude=*.md x y", W(2, "unknown flag: --exclude")},
      {"FROM a\nRUN --security=insecure true", W(2, "unknown flag: --security")},
      /* without labs, parents is not an option to suggest */
      {"FROM a\nCOPY --parent x y", W(2, "unknown flag: --parent")},
      {LABS "FROM a\nCOPY --parents x y", ACCEPT},
      {LABS "FROM a\nCOPY --parents=false --exclude=a --exclude=b x y", ACCEPT},
      {LABS "FROM a\nADD --exclude=*.md x y", ACCEPT},
      {LABS "FROM a\nRUN --security=insecure true", ACCEPT},
      {LABS "FROM a\nRUN --security=sandbox true", ACCEPT},
      {LABS "FROM a\nRUN --security=foo true", W(3, "security \"foo\" is not valid")},
      {LABS "FROM a\nRUN --security=Insecure true", W(3, "security \"Insecure\" is not valid")},
      {LABS "FROM a\nRUN --security='a\"b' true", W(3, "security \"a\\\"b\" is not valid")},
      {LABS "FROM a\nRUN --security true", W(3, "missing a value on flag: --security")},
      {LABS "FROM a\nCOPY --parents=maybe x y", W(3, "expecting boolean value for flag --parents, not: maybe")},
      {LABS "FROM a\nCOPY --exclude x y", W(3, "missing a value on flag: --exclude")},
      {LABS "FROM a\nCOPY --parent x y", W(3, "unknown flag: --parent (did you mean parents?)")},
      {LABS "FROM a\nRUN --securty=insecure true", W(3, "unknown flag: --securty (did you mean security?)")},
      /* network is checked before security */
      {LABS "FROM a\nRUN --security=foo --network=bridge true", W(3, "invalid network mode \"bridge\"")},
      /* which syntax directives select labs */
      {"# syntax=docker/dockerfile-upstream:master-labs\nFROM a\nCOPY --parents x y", ACCEPT},
      {"# syntax = docker/dockerfile:labs\nFROM a\nCOPY --parents x y", ACCEPT},
      {"# check=skip=all\n# syntax=docker/dockerfile:1-labs\nFROM a\nCOPY --parents x y", ACCEPT},
      {"# syntax=docker/dockerfile:1\nFROM a\nCOPY --parents x y", W(3, "unknown flag: --parents")},
      /* not a directive: after an instruction, or after an ordinary comment */
      {"FROM a\n# syntax=docker/dockerfile:1-labs\nCOPY --parents x y", W(3, "unknown flag: --parents")},
      {"# hello\n# syntax=docker/dockerfile:1-labs\nFROM a\nCOPY --parents x y", W(4, "unknown flag: --parents")},
  };
  RUN_TABLE(t);
}

/* ---- RUN --mount at parse time ------------------------------------------------------ */

#define NO_VAR "'from' doesn't support variable expansion, define alias stage instead"

static void test_mount_from_variables(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nRUN --mount=from=$X,target=/x true", W(2, NO_VAR)},
      {"FROM a\nRUN --mount=type=bind,from=${X},target=/x true", W(2, NO_VAR)},
      {"FROM a\nRUN --mount=from=a$b true", W(2, NO_VAR)},
      {"FROM a\nRUN --mount=from=$$ true", W(2, NO_VAR)},
      {"FROM a\nRUN --mount=from=a$$ true", W(2, NO_VAR)},
      /* keys are lowercased */
      {"FROM a\nRUN --mount=FROM=$X true", W(2, NO_VAR)},
      {"FROM a\nRUN --mount=From=$X true", W(2, NO_VAR)},
      /* a CSV-quoted field */
      {"FROM a\nRUN --mount='type=bind,\"from=$X\"' true", W(2, NO_VAR)},
      /* any occurrence of the flag */
      {"FROM a\nRUN --mount=type=cache,target=/a --mount=from=$X true", W(2, NO_VAR)},
      /* `$` as the last byte is fine */
      {"FROM a\nRUN --mount=from=a$ true", ACCEPT},
      {"FROM a\nRUN --mount=from=$ true", ACCEPT},
      {"FROM a\nRUN --mount=from=stage,target=/x true", ACCEPT},
      /* other keys are expanded later */
      {"FROM a\nRUN --mount=source=$X,target=$Y true", ACCEPT},
      {"FROM a\nRUN --mount=type=$T true", ACCEPT},
      /* "fromx" and "xfrom" are other keys */
      {"FROM a\nRUN --mount=fromx=$X true", ACCEPT},
  };
  RUN_TABLE(t);
}

/* go-csvvalue's errors are encoding/csv ParseErrors with its own columns
 * (T: tonistiigi/go-csvvalue csvvalue_test.go), wrapped as
 * "failed to parse csv mounts: ...". */
#define CSV(col, what) "failed to parse csv mounts: parse error on line 1, column " #col ": " what
#define ERR_QUOTE "extraneous or missing \" in quoted-field"
#define ERR_BARE "bare \" in non-quoted-field"

static void test_mount_csv(void **state) {
  (void)state;
  static const vcase t[] = {
      /* an empty value is io.EOF */
      {"FROM a\nRUN --mount= true", W(2, "failed to parse csv mounts: EOF")},
      /* `"` (test "Single quote strict": column 2) */
      {"FROM a\nRUN --mount='\"' true", W(2, CSV(2, ERR_QUOTE))},
      /* `"""` (test "Too many quotes only": column 4) */
      {"FROM a\nRUN --mount='\"\"\"' true", W(2, CSV(4, ERR_QUOTE))},
      /* `"a "word",b` (test "ExtraneousQuote": column 4) */
      {"FROM a\nRUN --mount='\"a \"word\",b' true", W(2, CSV(4, ERR_QUOTE))},
      /* unterminated: the column just after the opening quote */
      {"FROM a\nRUN --mount='type=bind,\"src' true", W(2, CSV(12, ERR_QUOTE))},
      /* bare quote: the column of the quote (test "One quote") */
      {"FROM a\nRUN --mount='type=bind,a\"b' true", W(2, CSV(12, ERR_BARE))},
      {"FROM a\nRUN --mount='foo,aa\"bb,cc' true", W(2, CSV(7, ERR_BARE))},
      /* the whole value is split before any field is looked at */
      {"FROM a\nRUN --mount='from=$X,\"' true", W(2, CSV(10, ERR_QUOTE))},
      {"FROM a\nRUN --mount='type=bind,\"target=/a,b\"' true", ACCEPT},
      {"FROM a\nRUN --mount='\"\"' true", ACCEPT},
      {"FROM a\nRUN --mount='a,\"b\"\"c\",d' true", ACCEPT},
      {"FROM a\nRUN --mount=, true", ACCEPT},
  };
  RUN_TABLE(t);
  /* the flag words the cases above rely on */
  stagegraph_doc *doc = parse_doc("FROM a\nRUN --mount='\"a \"word\",b' true\nRUN --mount= true\n");
  expect_str("flag word", stagegraph_instruction_flag(ins_at(doc, 1), 0), "--mount=\"a \"word\",b");
  expect_str("flag word", stagegraph_instruction_flag(ins_at(doc, 2), 0), "--mount=");
  stagegraph_doc_free(doc);
}

/* Everything else about mounts is checked when the stage is built. */
static void test_mount_deferred_checks(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nRUN --mount=type=bogus true", ACCEPT},
      {"FROM a\nRUN --mount=bogus true", ACCEPT},
      {"FROM a\nRUN --mount=unknownkey=1 true", ACCEPT},
      {"FROM a\nRUN --mount=type=secret true", ACCEPT},
      {"FROM a\nRUN --mount=type=secret,from=x,id=a true", ACCEPT},
      {"FROM a\nRUN --mount=type=secret,source=a,id=b true", ACCEPT},
      {"FROM a\nRUN --mount=type=cache,sharing=weird true", ACCEPT},
      {"FROM a\nRUN --mount=type=bind,sharing=shared true", ACCEPT},
      {"FROM a\nRUN --mount=type=tmpfs,mode=0755 true", ACCEPT},
      {"FROM a\nRUN --mount=type=bind,uid=x true", ACCEPT},
      {"FROM a\nRUN --mount=type=cache,mode=999 true", ACCEPT},
      {"FROM a\nRUN --mount=ro=maybe true", ACCEPT},
      {"FROM a\nRUN --mount=type=bind,required true", ACCEPT},
      {"FROM a\nRUN --mount=target=/ true", ACCEPT},
      {"FROM a\nRUN --mount=type=ssh,source=x true", ACCEPT},
  };
  RUN_TABLE(t);
}

/* ---- unknown instructions ---------------------------------------------------------- */

static void test_unknown_instructions(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nRUN x\nFROBNICATE", W(3, "unknown instruction: FROBNICATE")},
      {"FORM a", W(1, "unknown instruction: FORM (did you mean FROM?)")},
      {"form a", W(1, "unknown instruction: form (did you mean from?)")},
      {"Form a", W(1, "unknown instruction: Form (did you mean from?)")},
      {"FROM a\nfoo bar", W(2, "unknown instruction: foo (did you mean from?)")},
      {"FROM a\nRUNN x", W(2, "unknown instruction: RUNN (did you mean RUN?)")},
      {"FROM a\nCPY a b", W(2, "unknown instruction: CPY (did you mean COPY?)")},
      /* ADD and ARG are both 1 away: the alphabetically first wins */
      {"FROM a\nARD x", W(2, "unknown instruction: ARD (did you mean ADD?)")},
      {"FROM a\nard x", W(2, "unknown instruction: ard (did you mean add?)")},
      {"FROM a\nENTRYPIONT x", W(2, "unknown instruction: ENTRYPIONT (did you mean ENTRYPOINT?)")},
      {"FROM a\nHEALTHCHEK CMD x", W(2, "unknown instruction: HEALTHCHEK (did you mean HEALTHCHECK?)")},
      {"FROM a\nwrkdir /x", W(2, "unknown instruction: wrkdir (did you mean workdir?)")},
      {"FROM a\nStopSignl 9", W(2, "unknown instruction: StopSignl (did you mean stopsignal?)")},
      {"FROM a\nCOPY2 a b", W(2, "unknown instruction: COPY2 (did you mean COPY?)")},
      {"FROM a\nXYZZY", W(2, "unknown instruction: XYZZY")},
      {"FROM a\nFrobnicate", W(2, "unknown instruction: Frobnicate")},
      {"FROM a\nEXPOSEPORT 80", W(2, "unknown instruction: EXPOSEPORT")},
      /* flags on an unknown instruction do not matter */
      {"FROM a\nFROBNICATE --x y", W(2, "unknown instruction: FROBNICATE")},
  };
  RUN_TABLE(t);
}

/* ---- stages: c.1 errors -------------------------------------------------------------- */

static void test_no_build_stage(void **state) {
  (void)state;
  static const vcase t[] = {
      /* not wrapped in "dockerfile parse error on line N" */
      {"RUN x\nFROM a", "no build stage in current context"},
      {"ARG a\nRUN x\nFROM a", "no build stage in current context"},
      {"LABEL a=b\nFROM a", "no build stage in current context"},
      {"ONBUILD RUN x\nFROM a", "no build stage in current context"},
      {"\n\nWORKDIR /x\nFROM a", "no build stage in current context"},
      {"RUN x\nFROBNICATE\nFROM a", "no build stage in current context"},
      /* an instruction error comes first */
      {"FROBNICATE\nRUN x\nFROM a", W(1, "unknown instruction: FROBNICATE")},
      {"RUN --bogus x\nFROM a", W(1, "unknown flag: --bogus")},
      {"COPY x\nFROM a", W(1, NO_DEST("COPY"))},
      {"FOO\nFROM a", W(1, "unknown instruction: FOO (did you mean FROM?)")},
      /* ARGs before the first FROM are meta args */
      {"ARG a\nARG b=1\nFROM a", ACCEPT},
      {"# c\nARG a\nFROM a\nRUN x", ACCEPT},
  };
  RUN_TABLE(t);
}

static void test_no_stages(void **state) {
  (void)state;
  static const vcase t[] = {
      {"ARG a", "dockerfile contains no stages to build"},
      {"ARG a\nARG b", "dockerfile contains no stages to build"},
      {"# c\nARG --x a\n", "dockerfile contains no stages to build"},
      /* instruction errors come first */
      {"ARG =x", W(1, "ARG names can not be blank")},
      {"ARG a\nARG =b", W(2, "ARG names can not be blank")},
      {"ARG a\nARG", W(2, "ARG requires at least one argument")},
      {"ARG a\nRUN x", "no build stage in current context"},
  };
  RUN_TABLE(t);
}

static void test_first_error_is_verdict(void **state) {
  (void)state;
  static const vcase t[] = {
      {"FROM a\nRUN --bogus x\nCOPY a\n", W(2, "unknown flag: --bogus")},
      {"FROM a\nCOPY a\nRUN --bogus x\n", W(2, NO_DEST("COPY"))},
      {"FROM a AS 1\nFOO\n", W(1, BAD_NAME("\"1\""))},
      {"FROM a\nRUN x\nFROBNICATE\nRUN --network=bridge x\n", W(3, "unknown instruction: FROBNICATE")},
      {"FROM a\nUSER\nONBUILD ONBUILD x\nEXPOSE\n", W(2, "USER requires exactly one argument")},
      /* warnings are not errors */
      {"FROM a\nRUN echo \\\n\n  hi\nFROBNICATE\n", W(5, "unknown instruction: FROBNICATE")},
  };
  RUN_TABLE(t);
}

static void test_diagnostics_in_file_order(void **state) {
  (void)state;
  stagegraph_doc *doc = parse_doc("FROM a\nRUN --bogus x\nCOPY a\nFROBNICATE\n");
  const char *want[] = {W(2, "unknown flag: --bogus"), W(3, NO_DEST("COPY")),
                        W(4, "unknown instruction: FROBNICATE")};
  uint32_t lines[] = {2, 3, 4};
  size_t k = 0;
  for (size_t i = 0; i < stagegraph_doc_diagnostic_count(doc); i++) {
    const stagegraph_diagnostic *d = stagegraph_doc_diagnostic(doc, i);
    if (stagegraph_diagnostic_severity(d) != STAGEGRAPH_SEVERITY_ERROR) continue;
    assert_true(k < 3);
    expect_str("diagnostic message", stagegraph_diagnostic_message(d), want[k]);
    assert_int_equal(stagegraph_diagnostic_code(d), STAGEGRAPH_EINSTRUCTION);
    assert_int_equal(stagegraph_diagnostic_line(d), lines[k]);
    assert_null(stagegraph_diagnostic_rule(d));
    k++;
  }
  /* the verdict is the first of them */
  assert_true(k >= 1);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(stagegraph_doc_verdict(doc, &err), STAGEGRAPH_EINSTRUCTION);
  expect_str("verdict", err.message, want[0]);
  stagegraph_doc_free(doc);
}

/* ---- positions --------------------------------------------------------------------- */

typedef struct pcase {
  const char *src;
  uint32_t line, column, end_line;
  size_t offset;
  const char *want;
} pcase;

static void test_positions(void **state) {
  (void)state;
  static const pcase t[] = {
      {"FROM a\nRUN --bogus x\n", 2, 1, 2, 7, W(2, "unknown flag: --bogus")},
      {"FROM a\n\n  RUN --bogus x\n", 3, 3, 3, 10, W(3, "unknown flag: --bogus")},
      {"FROM a\n\tRUN --bogus x\n", 2, 2, 2, 8, W(2, "unknown flag: --bogus")},
      /* the whole logical line; the message names the start line */
      {"FROM a\nRUN --bogus \\\n  echo hi\n", 2, 1, 3, 7, W(2, "unknown flag: --bogus")},
      {"FROM a\nCOPY /foo <<EOF\nbody\nEOF\n", 2, 1, 4, 7, W(2, "COPY cannot accept a heredoc as a destination")},
      {"FROM a\n# c\nFROBNICATE\n", 3, 1, 3, 11, W(3, "unknown instruction: FROBNICATE")},
      {"ARG a\n  RUN x\nFROM a\n", 2, 3, 2, 8, "no build stage in current context"},
      {"FROM a AS 1x\n", 1, 1, 1, 0, W(1, BAD_NAME("\"1x\""))},
  };
  size_t fails = 0;
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    stagegraph_doc *doc = parse_doc(t[i].src);
    const stagegraph_diagnostic *d = first_error(doc);
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    int vr = stagegraph_doc_verdict(doc, &err);
    int bad = !d || vr != STAGEGRAPH_EINSTRUCTION || strcmp(err.message, t[i].want) != 0 ||
              err.line != t[i].line || err.column != t[i].column || err.end_line != t[i].end_line ||
              err.offset != t[i].offset || stagegraph_diagnostic_line(d) != t[i].line ||
              stagegraph_diagnostic_column(d) != t[i].column ||
              stagegraph_diagnostic_end_line(d) != t[i].end_line ||
              strcmp(stagegraph_diagnostic_message(d), t[i].want) != 0;
    if (bad) {
      print_error("  [%s]\n    want: %u:%u-%u offset %zu %s\n", show(t[i].src), t[i].line,
                  t[i].column, t[i].end_line, t[i].offset, t[i].want);
      print_error("    got:  verdict %u:%u-%u offset %zu %s; diagnostic %u:%u-%u\n", err.line,
                  err.column, err.end_line, err.offset, err.message,
                  d ? stagegraph_diagnostic_line(d) : 0, d ? stagegraph_diagnostic_column(d) : 0,
                  d ? stagegraph_diagnostic_end_line(d) : 0);
      fails++;
    }
    stagegraph_doc_free(doc);
  }
  if (fails) fail_msg("test_positions: %zu of %zu cases failed", fails, sizeof t / sizeof t[0]);
}

/* `dockerfile contains no stages to build` is returned by C/convert.go as a
 * bare errors.New: BuildKit gives it no location, and the header says a
 * position is 0 when the error has none. */
static void test_no_stages_has_no_position(void **state) {
  (void)state;
  stagegraph_doc *doc = parse_doc("ARG a\nARG b\n");
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int vr = stagegraph_doc_verdict(doc, &err);
  stagegraph_doc_free(doc);
  assert_int_equal(vr, STAGEGRAPH_EINSTRUCTION);
  expect_str("verdict", err.message, "dockerfile contains no stages to build");
  if (err.line != 0 || err.column != 0)
    fail_msg("no-stages verdict has position %u:%u, want 0:0 (no location in BuildKit)", err.line,
             err.column);
}

static void test_verdict_edge_cases(void **state) {
  (void)state;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(stagegraph_doc_verdict(NULL, &err), STAGEGRAPH_EINVAL);
  stagegraph_doc *doc = parse_doc("FROM a\nRUN x\n");
  stagegraph_error ok = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(stagegraph_doc_verdict(doc, &ok), 0);
  assert_int_equal(stagegraph_doc_verdict(doc, NULL), 0);
  assert_null(first_error(doc));
  stagegraph_doc_free(doc);
  doc = parse_doc("FROM a\nFROBNICATE\n");
  assert_int_equal(stagegraph_doc_verdict(doc, NULL), STAGEGRAPH_EINSTRUCTION);
  stagegraph_doc_free(doc);
}

/* ---- stages ---------------------------------------------------------------------------- */

static void test_stage_list(void **state) {
  (void)state;
  static const char src[] =
      "ARG BASE=alpine\n"                       /* 0 */
      "ARG TAG\n"                               /* 1 */
      "# build compiles the code\n"
      "FROM ${BASE}:${TAG} AS Build\n"          /* 2 */
      "RUN make\n"                              /* 3 */
      "COPY . /src\n"                           /* 4 */
      "\n"
      "#  unrelated\n"
      "\n"
      "# release ships it\n"
      "FROM --platform=linux/arm64 scratch AS release\n" /* 5 */
      "COPY --from=build /out /\n"              /* 6 */
      "ONBUILD RUN echo hi\n"                   /* 7 */
      "ARG LATE\n"                              /* 8 */
      "FROM release\n";                         /* 9 */
  stagegraph_doc *doc = parse_doc(src);
  assert_int_equal(stagegraph_doc_verdict(doc, NULL), 0);
  assert_int_equal(stagegraph_doc_stage_count(doc), 3);
  assert_null(stagegraph_doc_stage(doc, 3));

  const stagegraph_stage *s0 = stagegraph_doc_stage(doc, 0);
  assert_non_null(s0);
  assert_int_equal(stagegraph_stage_index(s0), 0);
  expect_str("stage 0 name", stagegraph_stage_name(s0), "build");
  expect_str("stage 0 base", stagegraph_stage_base(s0), "${BASE}:${TAG}");
  assert_null(stagegraph_stage_platform(s0));
  expect_str("stage 0 description", stagegraph_stage_description(s0), "compiles the code");
  assert_ptr_equal(stagegraph_stage_from(s0), ins_at(doc, 2));
  assert_int_equal(stagegraph_stage_instruction_count(s0), 2);
  assert_ptr_equal(stagegraph_stage_instruction(s0, 0), ins_at(doc, 3));
  assert_ptr_equal(stagegraph_stage_instruction(s0, 1), ins_at(doc, 4));
  assert_null(stagegraph_stage_instruction(s0, 2));

  const stagegraph_stage *s1 = stagegraph_doc_stage(doc, 1);
  assert_int_equal(stagegraph_stage_index(s1), 1);
  expect_str("stage 1 name", stagegraph_stage_name(s1), "release");
  expect_str("stage 1 base", stagegraph_stage_base(s1), "scratch");
  expect_str("stage 1 platform", stagegraph_stage_platform(s1), "linux/arm64");
  expect_str("stage 1 description", stagegraph_stage_description(s1), "ships it");
  assert_int_equal(stagegraph_instruction_kind(stagegraph_stage_from(s1)), STAGEGRAPH_KIND_FROM);
  assert_int_equal(stagegraph_stage_instruction_count(s1), 3);
  assert_int_equal(stagegraph_instruction_kind(stagegraph_stage_instruction(s1, 0)), STAGEGRAPH_KIND_COPY);
  assert_int_equal(stagegraph_instruction_kind(stagegraph_stage_instruction(s1, 1)), STAGEGRAPH_KIND_ONBUILD);
  /* an ARG after the first FROM belongs to its stage */
  assert_ptr_equal(stagegraph_stage_instruction(s1, 2), ins_at(doc, 8));

  const stagegraph_stage *s2 = stagegraph_doc_stage(doc, 2);
  assert_null(stagegraph_stage_name(s2));
  expect_str("stage 2 base", stagegraph_stage_base(s2), "release");
  assert_null(stagegraph_stage_platform(s2));
  expect_str("stage 2 description", stagegraph_stage_description(s2), "");
  assert_int_equal(stagegraph_stage_instruction_count(s2), 0);
  assert_null(stagegraph_stage_instruction(s2, 0));

  assert_int_equal(stagegraph_doc_meta_arg_count(doc), 2);
  assert_ptr_equal(stagegraph_doc_meta_arg(doc, 0), ins_at(doc, 0));
  assert_ptr_equal(stagegraph_doc_meta_arg(doc, 1), ins_at(doc, 1));
  assert_null(stagegraph_doc_meta_arg(doc, 2));
  expect_str("meta arg 0", stagegraph_instruction_arg(stagegraph_doc_meta_arg(doc, 0), 0, NULL),
             "BASE=alpine");
  stagegraph_doc_free(doc);
}

typedef struct scase {
  const char *src;
  size_t stage; /* which stage */
  const char *name, *base, *platform;
} scase;

static void test_stage_names_bases_platforms(void **state) {
  (void)state;
  static const scase t[] = {
      {"FROM a AS Build", 0, "build", "a", NULL},
      {"FROM a as MY-Stage.1_x", 0, "my-stage.1_x", "a", NULL},
      {"from A:Tag aS BUILD", 0, "build", "A:Tag", NULL},
      {"FROM a", 0, NULL, "a", NULL},
      {"FROM a AS x\nFROM b AS X", 1, "x", "b", NULL},
      {"FROM ${IMG:-alpine}:3 AS x", 0, "x", "${IMG:-alpine}:3", NULL},
      {"FROM --platform=$BUILDPLATFORM golang AS b", 0, "b", "golang", "$BUILDPLATFORM"},
      {"FROM --platform= a", 0, NULL, "a", ""},
      {"FROM --platform=\"linux/arm/v7\" a", 0, NULL, "a", "linux/arm/v7"},
      {"FROM a AS b\nRUN x\nFROM --platform=windows/amd64 b", 1, NULL, "b", "windows/amd64"},
      /* Go Unicode rules (see test_unicode_case_rules) */
      {"FROM a A\xc5\xbf b", 0, "b", "a", NULL},
      {"FROM a AS \xe2\x84\xaa", 0, "k", "a", NULL},
  };
  size_t fails = 0;
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    stagegraph_doc *doc = parse_doc(t[i].src);
    const stagegraph_stage *s = stagegraph_doc_stage(doc, t[i].stage);
    const char *name = s ? stagegraph_stage_name(s) : NULL;
    const char *base = s ? stagegraph_stage_base(s) : NULL;
    const char *platform = s ? stagegraph_stage_platform(s) : NULL;
#define SAME(a, b) ((!(a) && !(b)) || ((a) && (b) && strcmp((a), (b)) == 0))
    if (!s || !SAME(name, t[i].name) || !SAME(base, t[i].base) || !SAME(platform, t[i].platform) ||
        stagegraph_doc_verdict(doc, NULL) != 0) {
      print_error("  [%s] stage %zu\n    want: name %s base %s platform %s (accepted)\n",
                  show(t[i].src), t[i].stage, t[i].name ? t[i].name : "NULL", t[i].base,
                  t[i].platform ? t[i].platform : "NULL");
      print_error("    got:  name %s base %s platform %s (verdict %d)\n", name ? show(name) : "NULL",
                  base ? show(base) : "NULL", platform ? show(platform) : "NULL",
                  stagegraph_doc_verdict(doc, NULL));
      fails++;
    }
#undef SAME
    stagegraph_doc_free(doc);
  }
  if (fails) fail_msg("stage names: %zu of %zu cases failed", fails, sizeof t / sizeof t[0]);
}

typedef struct dcase {
  const char *src;
  const char *want;
} dcase;

static void test_stage_descriptions(void **state) {
  (void)state;
  static const dcase t[] = {
      /* T: testOutlineArgs */
      {"# target defines build target\nFROM a AS target", "defines build target"},
      {"# build builds it\nFROM a AS build", "builds it"},
      /* the lowercased name is compared */
      {"# Build builds it\nFROM a AS Build", ""},
      {"# build builds it\nFROM a AS Build", "builds it"},
      /* an indented comment keeps its '#' */
      {"  # build builds it\nFROM a AS build", ""},
      {"\t# build builds it\nFROM a AS build", ""},
      /* the name must be followed by a space */
      {"# build\nFROM a AS build", ""},
      {"# build   \nFROM a AS build", ""},
      {"# buildx builds\nFROM a AS build", ""},
      {"# build\tbuilds\nFROM a AS build", ""},
      /* only the name and one space are cut */
      {"# build  two spaces\nFROM a AS build", " two spaces"},
      {"#build tight\nFROM a AS build", "tight"},
      {"#   build padded\nFROM a AS build", "padded"},
      /* the first matching line */
      {"# first line\n# build second\nFROM a AS build", "second"},
      {"# build one\n# build two\nFROM a AS build", "one"},
      /* a blank line keeps the comments, a bare '#' clears them */
      {"# build one\n\nFROM a AS build", "one"},
      {"# build one\n#\nFROM a AS build", ""},
      /* comments belong to the next instruction */
      {"# build one\nARG x\nFROM a AS build", ""},
      /* unnamed stages have none */
      {"# build one\nFROM a", ""},
      /* directives are not comments */
      {"# syntax=docker/dockerfile:1\n# build one\nFROM a AS build", "one"},
      {"FROM x\n# b the second\nFROM a AS b", "the second"},
  };
  size_t fails = 0;
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    stagegraph_doc *doc = parse_doc(t[i].src);
    size_t n = stagegraph_doc_stage_count(doc);
    const stagegraph_stage *s = n ? stagegraph_doc_stage(doc, n - 1) : NULL;
    const char *got = s ? stagegraph_stage_description(s) : NULL;
    if (!got || strcmp(got, t[i].want) != 0) {
      print_error("  [%s]\n    want: \"%s\"\n    got:  %s%s%s\n", show(t[i].src), t[i].want,
                  got ? "\"" : "", got ? show(got) : "NULL", got ? "\"" : "");
      fails++;
    }
    stagegraph_doc_free(doc);
  }
  if (fails) fail_msg("descriptions: %zu of %zu cases failed", fails, sizeof t / sizeof t[0]);
}

static void test_meta_args(void **state) {
  (void)state;
  stagegraph_doc *doc = parse_doc("ARG A\n# c\nARG --x B=1 C\nFROM x\nARG D\nFROM y\nARG E\n");
  assert_int_equal(stagegraph_doc_verdict(doc, NULL), 0);
  assert_int_equal(stagegraph_doc_meta_arg_count(doc), 2);
  expect_str("meta 0", stagegraph_instruction_arg(stagegraph_doc_meta_arg(doc, 0), 0, NULL), "A");
  expect_str("meta 1", stagegraph_instruction_arg(stagegraph_doc_meta_arg(doc, 1), 0, NULL), "B=1");
  assert_int_equal(stagegraph_instruction_kind(stagegraph_doc_meta_arg(doc, 1)), STAGEGRAPH_KIND_ARG);
  assert_int_equal(stagegraph_doc_stage_count(doc), 2);
  assert_int_equal(stagegraph_stage_instruction_count(stagegraph_doc_stage(doc, 0)), 1);
  assert_int_equal(stagegraph_stage_instruction_count(stagegraph_doc_stage(doc, 1)), 1);
  stagegraph_doc_free(doc);

  doc = parse_doc("FROM x\nARG A\n");
  assert_int_equal(stagegraph_doc_meta_arg_count(doc), 0);
  assert_null(stagegraph_doc_meta_arg(doc, 0));
  stagegraph_doc_free(doc);

  /* only ARGs: meta args, no stages, and the no-stages verdict */
  doc = parse_doc("ARG A\nARG B\n");
  assert_int_equal(stagegraph_doc_meta_arg_count(doc), 2);
  assert_int_equal(stagegraph_doc_stage_count(doc), 0);
  assert_null(stagegraph_doc_stage(doc, 0));
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(stagegraph_doc_verdict(doc, &err), STAGEGRAPH_EINSTRUCTION);
  expect_str("verdict", err.message, "dockerfile contains no stages to build");
  stagegraph_doc_free(doc);
}

static void test_stage_getters_null(void **state) {
  (void)state;
  assert_int_equal(stagegraph_doc_stage_count(NULL), 0);
  assert_null(stagegraph_doc_stage(NULL, 0));
  assert_int_equal(stagegraph_doc_meta_arg_count(NULL), 0);
  assert_null(stagegraph_doc_meta_arg(NULL, 0));
  assert_null(stagegraph_stage_name(NULL));
  assert_null(stagegraph_stage_from(NULL));
  assert_int_equal(stagegraph_stage_instruction_count(NULL), 0);
  assert_null(stagegraph_stage_instruction(NULL, 0));
  assert_null(stagegraph_instruction_flag_value(NULL, "from", 0));
}

/* ---- stagegraph_instruction_flag_value ----------------------------------------------- */

typedef struct fcase {
  const char *src;
  size_t ins;       /* instruction index */
  const char *name; /* flag name */
  size_t nth;
  const char *want; /* NULL: absent */
} fcase;

static void test_flag_values(void **state) {
  (void)state;
  static const fcase t[] = {
      /* strings */
      {"FROM a\nCOPY --from=b --chown=1:2 --chmod=755 x y", 1, "from", 0, "b"},
      {"FROM a\nCOPY --from=b --chown=1:2 --chmod=755 x y", 1, "chown", 0, "1:2"},
      {"FROM a\nCOPY --from=b --chown=1:2 --chmod=755 x y", 1, "chmod", 0, "755"},
      {"FROM a\nCOPY --from=b x y", 1, "from", 1, NULL},
      {"FROM a\nCOPY --from= x y", 1, "from", 0, ""},
      {"FROM a\nCOPY --from=\"my stage\" x y", 1, "from", 0, "my stage"},
      {"FROM a\nCOPY --from=a=b x y", 1, "from", 0, "a=b"},
      {"FROM a\nADD --checksum=sha256:00 x y", 1, "checksum", 0, "sha256:00"},
      {"FROM --platform=linux/arm64 a", 0, "platform", 0, "linux/arm64"},
      /* bools read "true" or "false" */
      {"FROM a\nCOPY --link x y", 1, "link", 0, "true"},
      {"FROM a\nCOPY --link=TRUE x y", 1, "link", 0, "true"},
      {"FROM a\nCOPY --link=True x y", 1, "link", 0, "true"},
      {"FROM a\nCOPY --link=FALSE x y", 1, "link", 0, "false"},
      {"FROM a\nCOPY --link=false x y", 1, "link", 0, "false"},
      {"FROM a\nADD --keep-git-dir=false --unpack x y", 1, "keep-git-dir", 0, "false"},
      {"FROM a\nADD --keep-git-dir=false --unpack x y", 1, "unpack", 0, "true"},
      {"FROM a\nCOPY --link -- --from=x y", 1, "link", 0, "true"},
      {"FROM a\nCOPY --link -- --from=x y", 1, "from", 0, NULL},
      /* repeatable */
      {"FROM a\nRUN --mount=type=cache,target=/a --network=none --mount=type=tmpfs,target=/b true", 1, "mount", 0, "type=cache,target=/a"},
      {"FROM a\nRUN --mount=type=cache,target=/a --network=none --mount=type=tmpfs,target=/b true", 1, "mount", 1, "type=tmpfs,target=/b"},
      {"FROM a\nRUN --mount=type=cache,target=/a --network=none --mount=type=tmpfs,target=/b true", 1, "mount", 2, NULL},
      {"FROM a\nRUN --mount=type=cache,target=/a --network=none --mount=type=tmpfs,target=/b true", 1, "network", 0, "none"},
      {"FROM a\nRUN --mount=type=cache,target=/a --network=none --mount=type=tmpfs,target=/b true", 1, "network", 1, NULL},
      {"FROM a\nRUN --mount=type=cache,target=/a true", 1, "security", 0, NULL},
      {"FROM a\nRUN --mount=type=cache,target=/a true", 1, "network", 0, NULL},
      {"FROM a\nRUN --device=/dev/a --device=/dev/b true", 1, "device", 1, "/dev/b"},
      {LABS "FROM a\nCOPY --exclude=*.md --parents --exclude=*.txt x y", 1, "exclude", 0, "*.md"},
      {LABS "FROM a\nCOPY --exclude=*.md --parents --exclude=*.txt x y", 1, "exclude", 1, "*.txt"},
      {LABS "FROM a\nCOPY --exclude=*.md --parents --exclude=*.txt x y", 1, "exclude", 2, NULL},
      {LABS "FROM a\nCOPY --exclude=*.md --parents --exclude=*.txt x y", 1, "parents", 0, "true"},
      {LABS "FROM a\nRUN --security=insecure true", 1, "security", 0, "insecure"},
      {LABS "FROM a\nADD --exclude=x --link=false y z", 1, "exclude", 0, "x"},
      {"FROM a\nHEALTHCHECK --interval=30s --timeout=10s --start-period=5s --start-interval=1s --retries=3 CMD true", 1, "interval", 0, "30s"},
      {"FROM a\nHEALTHCHECK --interval=30s --timeout=10s --start-period=5s --start-interval=1s --retries=3 CMD true", 1, "timeout", 0, "10s"},
      {"FROM a\nHEALTHCHECK --interval=30s --timeout=10s --start-period=5s --start-interval=1s --retries=3 CMD true", 1, "start-period", 0, "5s"},
      {"FROM a\nHEALTHCHECK --interval=30s --timeout=10s --start-period=5s --start-interval=1s --retries=3 CMD true", 1, "start-interval", 0, "1s"},
      {"FROM a\nHEALTHCHECK --interval=30s --timeout=10s --start-period=5s --start-interval=1s --retries=3 CMD true", 1, "retries", 0, "3"},
      /* absent flags, bools included */
      {"FROM a\nCOPY x y", 1, "link", 0, NULL},
      {"FROM a\nCOPY x y", 1, "from", 0, NULL},
      {"FROM a", 0, "platform", 0, NULL},
      /* flags BuildKit never validates have no values */
      {"FROM a\nARG --x=1 a", 1, "x", 0, NULL},
      {"FROM a\nSTOPSIGNAL --x=1 9", 1, "x", 0, NULL},
      {"FROM a\nHEALTHCHECK --interval=5s NONE", 1, "interval", 0, NULL},
      /* the name is the bare flag name */
      {"FROM a\nCOPY --from=b x y", 1, "--from", 0, NULL},
      {"FROM a\nCOPY --from=b x y", 1, "FROM", 0, NULL},
      {"FROM a\nCOPY --from=b x y", 1, "bogus", 0, NULL},
      /* an instruction with an error has no values */
      {"FROM a\nCOPY --from=a --bogus x y", 1, "from", 0, NULL},
      {"FROM a\nRUN --mount=type=cache,target=/a --network=bridge true", 1, "mount", 0, NULL},
      {"FROM a\nCOPY --from=b x", 1, "from", 0, NULL},
      {"FROM --platform=x a AS 1", 0, "platform", 0, NULL},
  };
  size_t fails = 0;
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    stagegraph_doc *doc = parse_doc(t[i].src);
    const stagegraph_instruction *ins = stagegraph_doc_instruction(doc, t[i].ins);
    const char *got = ins ? stagegraph_instruction_flag_value(ins, t[i].name, t[i].nth) : NULL;
    int ok = (!got && !t[i].want) || (got && t[i].want && strcmp(got, t[i].want) == 0);
    if (!ins || !ok) {
      print_error("  [%s] instruction %zu flag %s #%zu\n    want: %s\n    got:  %s\n", show(t[i].src),
                  t[i].ins, t[i].name, t[i].nth, t[i].want ? t[i].want : "NULL",
                  got ? show(got) : "NULL");
      fails++;
    }
    stagegraph_doc_free(doc);
  }
  if (fails) fail_msg("flag values: %zu of %zu cases failed", fails, sizeof t / sizeof t[0]);
}

static void test_flag_value_null_name(void **state) {
  (void)state;
  stagegraph_doc *doc = parse_doc("FROM a\nCOPY --from=b x y\n");
  assert_null(stagegraph_instruction_flag_value(ins_at(doc, 1), NULL, 0));
  expect_str("from", stagegraph_instruction_flag_value(ins_at(doc, 1), "from", 0), "b");
  stagegraph_doc_free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_from_argument_count),
      cmocka_unit_test(test_from_stage_names),
      cmocka_unit_test(test_from_stage_name_go_quoting),
      cmocka_unit_test(test_unicode_case_rules),
      cmocka_unit_test(test_copy_add_rules),
      cmocka_unit_test(test_heredoc_destination),
      cmocka_unit_test(test_exactly_one_argument),
      cmocka_unit_test(test_at_least_one_argument),
      cmocka_unit_test(test_volume_empty_string),
      cmocka_unit_test(test_blank_names),
      cmocka_unit_test(test_shell_cmd_entrypoint),
      cmocka_unit_test(test_healthcheck_types),
      cmocka_unit_test(test_healthcheck_durations),
      cmocka_unit_test(test_healthcheck_retries),
      cmocka_unit_test(test_onbuild_triggers),
      cmocka_unit_test(test_bool_flags),
      cmocka_unit_test(test_string_flags),
      cmocka_unit_test(test_unknown_flags),
      cmocka_unit_test(test_ignored_flags),
      cmocka_unit_test(test_run_network),
      cmocka_unit_test(test_labs_flags),
      cmocka_unit_test(test_mount_from_variables),
      cmocka_unit_test(test_mount_csv),
      cmocka_unit_test(test_mount_deferred_checks),
      cmocka_unit_test(test_unknown_instructions),
      cmocka_unit_test(test_no_build_stage),
      cmocka_unit_test(test_no_stages),
      cmocka_unit_test(test_first_error_is_verdict),
      cmocka_unit_test(test_diagnostics_in_file_order),
      cmocka_unit_test(test_positions),
      cmocka_unit_test(test_no_stages_has_no_position),
      cmocka_unit_test(test_verdict_edge_cases),
      cmocka_unit_test(test_stage_list),
      cmocka_unit_test(test_stage_names_bases_platforms),
      cmocka_unit_test(test_stage_descriptions),
      cmocka_unit_test(test_meta_args),
      cmocka_unit_test(test_stage_getters_null),
      cmocka_unit_test(test_flag_values),
      cmocka_unit_test(test_flag_value_null_name),
  };
  return cmocka_run_group_tests_name("instructions", tests, NULL, NULL);
}
