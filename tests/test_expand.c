/* Shell-word expansion: BuildKit's own vectors, then every form by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "expand.h"
#include "stagegraph.h"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* An environment of "KEY=VALUE" strings, later entries winning. */
typedef struct test_env {
  const char *const *kv;
  size_t n;
} test_env;

static const char *test_lookup(void *ctx, const char *name, size_t len, size_t *vlen) {
  const test_env *e = ctx;
  for (size_t i = e->n; i-- > 0;) {
    const char *kv = e->kv[i], *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    if (klen == len && memcmp(kv, name, len) == 0) {
      *vlen = eq ? strlen(eq + 1) : 0;
      return eq ? eq + 1 : kv + klen;
    }
  }
  return NULL;
}

static sgi_mem g_mem;

typedef struct result {
  int rc;
  char *text; /* the word, or the words joined with '|' */
  size_t count;
  char *unset; /* names joined with ',' */
  stagegraph_error err;
} result;

static char *dup_joined(const char *s, size_t len, char sep) {
  char *d = malloc(len + 1);
  assert_non_null(d);
  memcpy(d, s, len);
  d[len] = '\0';
  for (size_t i = 0; i < len; i++)
    if (d[i] == '\0') d[i] = sep;
  if (len && d[len - 1] == sep) d[len - 1] = '\0';
  return d;
}

static result run_opts(int words, const char *in, size_t len, const char *const *kv, size_t n,
                       const sgi_expand_opts *opts) {
  result r;
  memset(&r, 0, sizeof r);
  stagegraph_error_init(&r.err, sizeof r.err);
  test_env te = {kv, n};
  sgi_env env = {test_lookup, &te};
  sgi_buf out, unset;
  sgi_buf_init(&out, &g_mem);
  sgi_buf_init(&unset, &g_mem);
  sgi_expand_opts o = *opts;
  o.unset = &unset;
  sgi_buf_append(&out, "pre", 3); /* results are appended */
  r.rc = words ? sgi_expand_words(&out, &r.count, in, len, &env, &o, &r.err)
               : sgi_expand_word(&out, in, len, &env, &o, &r.err);
  assert_true(out.len >= 3);
  assert_memory_equal(out.ptr, "pre", 3);
  if (r.rc) assert_int_equal(out.len, 3); /* restored on failure */
  r.text =
      words ? dup_joined(out.ptr + 3, out.len - 3, '|') : dup_joined(out.ptr + 3, out.len - 3, 0);
  r.unset = dup_joined(unset.ptr ? unset.ptr : "", unset.len, ',');
  sgi_buf_free(&out);
  sgi_buf_free(&unset);
  return r;
}

static result run(int words, const char *in, const char *const *kv, size_t n, char escape,
                  int mode) {
  sgi_expand_opts o = {escape, mode, 0, NULL};
  return run_opts(words, in, strlen(in), kv, n, &o);
}

static void result_free(result *r) {
  free(r->text);
  free(r->unset);
}

/* ------------------------------------------------------------------------
 * BuildKit's vectors
 * ------------------------------------------------------------------------ */

static const char *vectors_dir(void) {
  const char *d = getenv("STAGEGRAPH_EXPANSION_VECTORS");
  return d && *d ? d : "../shared/conformance/expansion";
}

static FILE *open_vectors(const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", vectors_dir(), name);
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot open %s (set STAGEGRAPH_EXPANSION_VECTORS)", path);
  return f;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
  return s;
}

static void chomp(char *line) {
  size_t n = strlen(line);
  if (n && line[n - 1] == '\n') line[--n] = '\0';
}

static void test_envvar_vectors(void **state) {
  (void)state;
  static const char *const env[] = {"PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="};
  FILE *f = open_vectors("envVarTest");
  char line[4096];
  int checked = 0, lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    chomp(line);
    if (line[0] == '#') continue;
    char *l = trim(line);
    if (!*l) continue;
    char *bar1 = strchr(l, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
    if (!bar2 || strchr(bar2 + 1, '|')) fail_msg("envVarTest:%d: malformed", lineno);
    *bar1 = *bar2 = '\0';
    char *platform = trim(l), *in = trim(bar1 + 1), *want = trim(bar2 + 1);
    if (strcmp(platform, "W") == 0) continue;
    result r = run(0, in, env, 4, '\\', SGI_EXPAND_NORMAL);
    if (strcmp(want, "error") == 0) {
      if (r.rc != STAGEGRAPH_EEXPAND)
        fail_msg("envVarTest:%d: %s gave \"%s\", want an error", lineno, in, r.text);
      if (strncmp(r.err.message, "failed to process \"", 19) != 0)
        fail_msg("envVarTest:%d: message %s", lineno, r.err.message);
    } else if (r.rc != 0 || strcmp(r.text, want) != 0) {
      fail_msg("envVarTest:%d: %s gave rc %d \"%s\" (%s), want \"%s\"", lineno, in, r.rc, r.text,
               r.err.message, want);
    }
    result_free(&r);

    /* The public entry point agrees. */
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    int rc = stagegraph_expand_word(&out, in, strlen(in), env, 4, '\\', NULL, NULL);
    if (strcmp(want, "error") == 0) {
      assert_int_equal(rc, STAGEGRAPH_EEXPAND);
      assert_null(out.ptr);
    } else {
      assert_int_equal(rc, 0);
      assert_string_equal(out.ptr, want);
    }
    stagegraph_buf_dispose(&out);
    checked++;
  }
  fclose(f);
  print_message("envVarTest: %d vectors checked\n", checked);
  if (checked < 200) fail_msg("only %d envVarTest vectors read from %s", checked, vectors_dir());
}

static void test_words_vectors(void **state) {
  (void)state;
  FILE *f = open_vectors("wordsTest");
  char line[4096];
  static char envs[64][256];
  const char *env[64];
  size_t nenv = 0;
  int checked = 0, lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    chomp(line);
    if (line[0] == '#' || line[0] == '\0') continue;
    if (strncmp(line, "ENV ", 4) == 0) {
      const char *kv = line + 3;
      while (*kv == ' ') kv++;
      assert_true(nenv < 64 && strlen(kv) < 256);
      strcpy(envs[nenv], kv); /* trailing spaces are part of the value */
      env[nenv] = envs[nenv];
      nenv++;
      continue;
    }
    char *bar = strchr(line, '|');
    if (!bar || strchr(bar + 1, '|')) fail_msg("wordsTest:%d: malformed", lineno);
    *bar = '\0';
    char *in = trim(line), *want = bar + 1;
    while (*want == ' ') want++;
    char expect[4096];
    snprintf(expect, sizeof expect, "%s", want);
    for (char *c = expect; *c; c++)
      if (*c == ',') *c = '|';
    result r = run(1, in, env, nenv, '\\', SGI_EXPAND_NORMAL);
    if (r.rc) {
      free(r.text);
      r.text = strdup("error");
    }
    if (strcmp(r.text, expect) != 0)
      fail_msg("wordsTest:%d: %s gave \"%s\", want \"%s\"", lineno, in, r.text, expect);
    result_free(&r);
    checked++;
  }
  fclose(f);
  print_message("wordsTest: %d vectors checked\n", checked);
  assert_true(checked >= 20);
}

/* ------------------------------------------------------------------------
 * Every form by hand
 * ------------------------------------------------------------------------ */

static const char *const hand_env[] = {
    "x=hello", "e=",     "p=/a/b/c.txt", "nl=a\nb",   "sp= a  b ",  "y=h\\ello",     "star=**a",
    "bt=`ab",  "aé=uni", "tmpl=<${0}>",  "12=twelve", "=emptyname", "multi=a/b/a/b", "x=hello"};
#define HAND_N (sizeof hand_env / sizeof hand_env[0])

typedef struct word_case {
  const char *in;
  const char *want; /* NULL: an error */
  const char *msg;  /* the full message, when want is NULL */
} word_case;

static const word_case forms[] = {
    /* plain references, names, special parameters */
    {"$x", "hello", NULL},
    {"${x}", "hello", NULL},
    {"$x.$x", "hello.hello", NULL},
    {"$unset|${unset}", "|", NULL},
    {"$", "$", NULL},
    {"$ x", "$ x", NULL},
    {"$/", "$/", NULL},
    {"$'x'", "$x", NULL},
    {"$aé", "uni", NULL},
    {"${aé}", "uni", NULL},
    {"$12x", "twelvex", NULL},
    {"$1", "", NULL},
    {"$@@@", "@@", NULL},
    {"$$x", "x", NULL},
    {"${#}${?}${-}${!}${*}", "", NULL},
    {"${}}", NULL, "failed to process \"${}}\": syntax error: bad substitution"},
    /* :- - :+ + :? ? */
    {"${u:-d}|${e:-d}|${x:-d}", "d|d|hello", NULL},
    {"${u-d}|${e-d}|${x-d}", "d||hello", NULL},
    {"${u:+d}|${e:+d}|${x:+d}", "||d", NULL},
    {"${u+d}|${e+d}|${x+d}", "|d|d", NULL},
    {"${x:?m}|${e?m}|${x?m}", "hello||hello", NULL},
    {"${u:?}", NULL, "failed to process \"${u:?}\": u: is not allowed to be unset"},
    {"${u?}", NULL, "failed to process \"${u?}\": u: is not allowed to be unset"},
    {"${e:?}", NULL, "failed to process \"${e:?}\": e: is not allowed to be empty"},
    {"${u?custom $x}", NULL, "failed to process \"${u?custom $x}\": u: custom hello"},
    {"${e:?no \"good\"}", NULL, "failed to process \"${e:?no \\\"good\\\"}\": e: no good"},
    {"${x:-${u:-${e:-deep}}}", "hello", NULL},
    {"${u:-${e:-${x:+deep}}}", "deep", NULL},
    {"${u:-'a b'\"c\"\\d}", "a bcd", NULL},
    {"${u:-a}}", "a}", NULL},
    {"${+a}", "a", NULL}, /* an empty name, set by "=emptyname" */
    /* # ## % %% */
    {"${p#*/}", "a/b/c.txt", NULL},
    {"${p##*/}", "c.txt", NULL},
    {"${p%/*}", "/a/b", NULL},
    {"${p%%/*}", "", NULL},
    {"${p%.txt}|${p%.TXT}", "/a/b/c|/a/b/c.txt", NULL},
    {"${p#/a}|${p#}|${p%}", "/b/c.txt|/a/b/c.txt|/a/b/c.txt", NULL},
    {"${p#?a}|${p#??}", "/b/c.txt|/b/c.txt", NULL},
    {"${p#*}|${p##*}", "/a/b/c.txt|", NULL},
    {"${star#\\*}|${star##\\**}|${star%%\\**}|${star%\\**}", "*a|||*", NULL},
    {"${multi#*a}|${multi##*a}|${multi%a*}|${multi%%a*}", "/b/a/b|/b|a/b/|", NULL},
    {"${p#.*[x]+(y)|^$}", "/a/b/c.txt", NULL},            /* regexp syntax is literal */
    {"${y#\"h\\e\"}", "llo", NULL},                       /* raw escapes inside quotes */
    {"${nl#*b}|${nl#a?}|${nl#a\n}", "a\nb|a\nb|b", NULL}, /* '*' and '?' stop at '\n' */
    {"${u#x}|${u%x}", "|", NULL},
    {"${x#\\a}", NULL,
     "failed to process \"${x#\\\\a}\": invalid pattern (\\a) in substitution: invalid escape "
     "'\\a'"},
    {"${x%ab\\c}", NULL,
     "failed to process \"${x%ab\\\\c}\": invalid pattern (\\cba) in substitution: invalid "
     "escape '\\c'"},
    {"${x#a\\}}", "hello", NULL},
    {"${x:#h}", NULL, "failed to process \"${x:#h}\": unsupported modifier (:#) in substitution"},
    {"${x:%h}", NULL, "failed to process \"${x:%h}\": unsupported modifier (:%) in substitution"},
    /* / and // */
    {"${x/l/L}|${x//l/L}", "heLlo|heLLo", NULL},
    {"${x/#h/J}|${x/%o/J}", "hello|hello", NULL}, /* no anchors: '#' and '%' are literal */
    {"${x//?/.}|${x/l*/X}|${x/*/X}", ".....|heX|X", NULL},
    {"${x//l/\\$0}|${x//l/\\$1}|${x//l/$tmpl}|${x//l/\\${0\\}}",
     "he\\l\\lo|he\\\\o|he<l><l>o|he\\${0\\}\\${0\\}o", NULL},
    {"${x/l/\\$0}", "he\\$0lo", NULL}, /* a single / inserts the text as is */
    {"${x//l/\\$\\$}|${x//l/\\$.}|${x//l/\\${0}", "he\\$\\$\\$\\$o|he\\$.\\$.o|he\\${0\\${0o",
     NULL},
    {"${x//$e/-}|${x/$e/-}|${x//*/X}", "-h-e-l-l-o-|-hello|X", NULL},
    {"${multi//\\//.}|${multi/\\//.}", "a.b.a.b|a.b/a/b", NULL},
    {"${x/'l'/\"L\"}", "heLlo", NULL},
    {"${nl//?/.}|${nl/*/X}", ".\n.|X\nb", NULL},
    {"${u/a/b}|${x///}", "|hello", NULL},
    {"${x/a", NULL, "failed to process \"${x/a\": syntax error: missing '/' in ${}"},
    {"${x//", NULL, "failed to process \"${x//\": syntax error: missing '/' in ${}"},
    {"${x/a/b", NULL, "failed to process \"${x/a/b\": syntax error: missing '}'"},
    {"${x/\\a/b}", NULL,
     "failed to process \"${x/\\\\a/b}\": invalid pattern (\\a) in substitution: invalid escape "
     "'\\a'"},
    /* unsupported forms and syntax errors */
    {"${x:2}", NULL, "failed to process \"${x:2}\": unsupported modifier (:2) in substitution"},
    {"${x:0:2}", NULL, "failed to process \"${x:0:2}\": unsupported modifier (:0) in substitution"},
    {"${x:=w}", NULL, "failed to process \"${x:=w}\": unsupported modifier (:=) in substitution"},
    {"${x=w}", NULL, "failed to process \"${x=w}\": unsupported modifier (=) in substitution"},
    {"${x^^}", NULL, "failed to process \"${x^^}\": unsupported modifier (^) in substitution"},
    {"${x:/a/b}", NULL,
     "failed to process \"${x:/a/b}\": unsupported modifier (:/) in substitution"},
    {"${.}", NULL, "failed to process \"${.}\": unsupported modifier (.) in substitution"},
    {"${x", NULL, "failed to process \"${x\": unsupported modifier (\xEF\xBF\xBD) in substitution"},
    {"${x\xff}", NULL,
     "failed to process \"${x\\xff}\": unsupported modifier (\xEF\xBF\xBD) in substitution"},
    {"${", NULL, "failed to process \"${\": syntax error: missing '}'"},
    {"${}", NULL, "failed to process \"${}\": syntax error: bad substitution"},
    {"${:x}", NULL, "failed to process \"${:x}\": syntax error: bad substitution"},
    {"${{x}", NULL, "failed to process \"${{x}\": syntax error: bad substitution"},
    {"${x:", NULL, "failed to process \"${x:\": syntax error: missing '}'"},
    {"${x:}", NULL, "failed to process \"${x:}\": syntax error: missing '}'"},
    {"${x:-abc", NULL, "failed to process \"${x:-abc\": syntax error: missing '}'"},
    {"${x:-'abc}", NULL, "failed to process \"${x:-'abc}\": syntax error: missing '}'"},
    {"${x:-${y", NULL, "failed to process \"${x:-${y\": syntax error: missing '}'"},
    {"${x/${y", NULL, "failed to process \"${x/${y\": syntax error: missing '/' in ${}"},
    {"${x:-${u:?}}", NULL, "failed to process \"${x:-${u:?}}\": u: is not allowed to be unset"},
    {"${x:-${u:?}", NULL, "failed to process \"${x:-${u:?}\": syntax error: missing '}'"},
    {"\"${x:-\"${u:?}\"}\"", NULL,
     "failed to process \"\\\"${x:-\\\"${u:?}\\\"}\\\"\": u: is not allowed to be unset"},
    /* quoting and escaping */
    {"'a\\b$x\"'", "a\\b$x\"", NULL},
    {"\"a\\nb\"|\"a\\\"b\"|\"a\\$x\"|\"a\\\\b\"|\"$x'\"", "a\\nb|a\"b|a$x|a\\b|hello'", NULL},
    {"a\\nb|a\\ b|a\\", "anb|a b|a", NULL},
    {"\"a\\", NULL,
     "failed to process \"\\\"a\\\\\": unexpected end of statement while looking for matching "
     "double-quote"},
    {"'abc", NULL,
     "failed to process \"'abc\": unexpected end of statement while looking for matching "
     "single-quote"},
    {"\"abc", NULL,
     "failed to process \"\\\"abc\": unexpected end of statement while looking for matching "
     "double-quote"},
    /* bytes: BOM, invalid UTF-8, NUL-free control characters, %q quoting */
    {"\xEF\xBB\xBF$x", "hello", NULL},
    {"a\xEF\xBB\xBF", "a\xEF\xBB\xBF", NULL},
    {"a\xff\xc3", "a\xEF\xBF\xBD\xEF\xBF\xBD", NULL},
    {"'\xff'", "\xEF\xBF\xBD", NULL},
    {"a\n\t\x01\x7f\xff\"\\\xc2\xa0\xF3\xA0\x80\x81\xE2\x82\xAC${", NULL,
     "failed to process \"a\\n\\t\\x01\\x7f\\xff\\\"\\\\\\u00a0\\U000e0001\xE2\x82\xAC${\": "
     "syntax error: missing '}'"},
    {"\a\b\f\r\v'", NULL,
     "failed to process \"\\a\\b\\f\\r\\v'\": unexpected end of statement while looking for "
     "matching single-quote"},
};

static void test_forms(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    const word_case *c = &forms[i];
    /* '|' separates independent sub-cases in `in` for brevity */
    result r = run(0, c->in, hand_env, HAND_N, '\\', SGI_EXPAND_NORMAL);
    if (c->want) {
      if (r.rc != 0 || strcmp(r.text, c->want) != 0)
        fail_msg("case %zu: %s gave rc %d \"%s\" (%s), want \"%s\"", i, c->in, r.rc, r.text,
                 r.err.message, c->want);
    } else {
      if (r.rc != STAGEGRAPH_EEXPAND || strcmp(r.err.message, c->msg) != 0)
        fail_msg("case %zu: %s gave rc %d \"%s\"\n  message: %s\n  want:    %s", i, c->in, r.rc,
                 r.text, r.err.message, c->msg);
      assert_int_equal(r.err.code, STAGEGRAPH_EEXPAND);
    }
    result_free(&r);
  }
}

/* The cases of BuildKit's lex_test.go (TestProcessWithMatches and friends). */
static void test_buildkit_unit_cases(void **state) {
  (void)state;
  static const struct {
    const char *in;
    const char *env[4];
    const char *want; /* NULL: an error */
  } cases[] = {
      {"${FOO#()[]{\\}^$.\\*\\?|\\\\}", {"FOO=()[]{}^$.*?|\\x"}, "x"},
      {"${FOO%%\\**}", {"FOO=xx**"}, "xx"},
      {"${FOO#*x*y}", {"FOO=xxyy"}, "y"},
      {"${FOO#*}|${FOO#}|${FOO##}|${FOO%}", {"FOO=xxyy"}, "xxyy|xxyy|xxyy|xxyy"},
      {"${FOO#$BAR}", {"FOO=xxyy", "BAR=x"}, "xyy"},
      {"${FOO#$BAR}|${FOO%%$BAR}", {"FOO=xxyy", "BAR="}, "xxyy|xxyy"},
      {"${FOO##*x}", {"FOO=xxyy"}, "yy"},
      {"${FOO#?\\?}", {"FOO=???y"}, "?y"},
      {"${ABC:-.}${FOO%x}${ABC:-.}", {"FOO=xxyy"}, ".xxyy."},
      {"${FOO%%\\**\\*}", {"FOO=a***yy*"}, "a"},
      {"${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
       {"FOO=/foo*/*/*.txt", "NEEDLE=\\*/"},
       "/foo.*/*.txt - /foo..*.txt"},
      {"${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
       {"FOO=/tmp/tmp/bar.txt", "NEEDLE=/tmp"},
       "/tmp/bar.txt - /bar.txt"},
      {"${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
       {"FOO=/a/foo/b/c.txt", "NEEDLE=/?/", "REPLACEMENT=/"},
       "/foo/b/c.txt - /foo/c.txt"},
      {"${FOO/$NEEDLE/$REPLACEMENT}",
       {"FOO=http://google.de", "NEEDLE=http://", "REPLACEMENT=https://"},
       "https://google.de"},
      {"${FOO//\\//\\/}", {"FOO=/tmp/foo.txt"}, "\\/tmp\\/foo.txt"},
      {"${FOO/$BAR/ww}", {"FOO=xxyy", "BAR="}, "wwxxyy"},
      {"${FOO//ww}", {"FOO=xxyy"}, NULL},
      {"${FOO//}", {"FOO=xxyy"}, NULL},
      {"${FOO///}", {"FOO=xxyy"}, "xxyy"},
      {"${FOO///}", {NULL}, ""},
      {"${FOO=aaa}|${FOO=:aaa}", {"FOO=xxx"}, NULL},
      {"${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", {"FOO=xxx", "BAR="}, "xxx  ccc"},
      {"${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", {"FOO=xxx", "BAR="}, "xxx bbb ccc"},
      {"${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", {"FOO=xxx", "BAR="}, "aaa bbb "},
      {"${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", {"FOO=xxx", "BAR="}, "aaa  "},
      {"${BAR:?bbb}", {"FOO=xxx", "BAR="}, NULL},
      {"something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
       {"VERSION=v1.2.3", "TARGETOS=linux", "TARGETARCH=arm", "TARGETVARIANT=v7"},
       "something-v1.2.3.linux-arm-v7.tar.gz"},
      {"${VAR:?message here$ARG}", {"VAR=plain", "ARG=x"}, "plain"},
      {"${VAR?message here$ARG}", {"VAR=", "ARG=x"}, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n = 0;
    while (n < 4 && cases[i].env[n]) n++;
    result r = run(0, cases[i].in, cases[i].env, n, '\\', SGI_EXPAND_NORMAL);
    if (cases[i].want ? r.rc != 0 || strcmp(r.text, cases[i].want) != 0
                      : r.rc != STAGEGRAPH_EEXPAND)
      fail_msg("%s gave rc %d \"%s\" (%s), want %s", cases[i].in, r.rc, r.text, r.err.message,
               cases[i].want ? cases[i].want : "an error");
    result_free(&r);
  }
  static const char *const mandatory[] = {"VAR=", "ARG=x"};
  result r = run(0, "${VAR:?message here$ARG}", mandatory, 2, '\\', SGI_EXPAND_NORMAL);
  assert_string_equal(r.err.message,
                      "failed to process \"${VAR:?message here$ARG}\": VAR: message herex");
  result_free(&r);
  r = run(0, "${VAR?message here$ARG}", mandatory + 1, 1, '\\', SGI_EXPAND_NORMAL);
  assert_string_equal(r.err.message,
                      "failed to process \"${VAR?message here$ARG}\": VAR: message herex");
  result_free(&r);
}

static void test_backtick_escape(void **state) {
  (void)state;
  static const word_case cases[] = {
      {"a`$x|a\\b|a`b|a`", "a$x|a\\b|ab|a", NULL},
      {"\"a`\"b\"|\"a``b\"|\"a\\\"", "a\"b|a`b|a\\", NULL},
      {"${star#\\*}|${bt#`*}|${x#`h}", "*a|ab|hello", NULL},
      {"'a`'", "a`", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    result r = run(0, cases[i].in, hand_env, HAND_N, '`', SGI_EXPAND_NORMAL);
    if (r.rc != 0 || strcmp(r.text, cases[i].want) != 0)
      fail_msg("%s gave rc %d \"%s\" (%s), want \"%s\"", cases[i].in, r.rc, r.text, r.err.message,
               cases[i].want);
    result_free(&r);
  }
}

static void test_heredoc_mode(void **state) {
  (void)state;
  /* Quotes stay, '\\' escapes the next character, even with escape '`'. */
  result r = run(0, "a \"$x\" '$x' \\$x \\\\ \\q `b\\\nc\n${u:-'d'}", hand_env, HAND_N, '`',
                 SGI_EXPAND_HEREDOC);
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.text, "a \"hello\" 'hello' $x \\ q `b\nc\n'd'");
  assert_string_equal(r.unset, "u");
  result_free(&r);
  r = run(0, "echo ${x", hand_env, HAND_N, '\\', SGI_EXPAND_HEREDOC);
  assert_int_equal(r.rc, STAGEGRAPH_EEXPAND);
  assert_string_equal(r.err.message,
                      "failed to process \"echo ${x\": unsupported modifier (\xEF\xBF\xBD) in "
                      "substitution");
  result_free(&r);
  r = run(0, "'unterminated \"too", hand_env, HAND_N, '\\', SGI_EXPAND_HEREDOC);
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.text, "'unterminated \"too");
  result_free(&r);
}

static void test_words(void **state) {
  (void)state;
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"a b\tc\nd", "a|b|c|d"},
      {"$sp", "a|b"},
      {"x${sp}y", "x|a|b|y"},
      {"\"$sp\"", " a  b "},
      {"'$sp' \"\" ''", "$sp"},
      {"a\\ b \"\" c", "a b|c"},
      {"${u:-\"a b\"}", "a|b"},
      {"a${u:-b}c d", "bc|d"}, /* BuildKit drops the word in progress (see expand.c) */
      {"a\"${u:-b}\"c", "bc"},
      {"x ${x/l/L} y", "x|heLlo|y"},
      {"a\xc2\xa0"
       "b\xe3\x80\x80"
       "c",
       "a|b|c"}, /* Unicode white space splits */
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    result r = run(1, cases[i].in, hand_env, HAND_N, '\\', SGI_EXPAND_NORMAL);
    if (r.rc != 0 || strcmp(r.text, cases[i].want) != 0)
      fail_msg("%s gave rc %d \"%s\" (%s), want \"%s\"", cases[i].in, r.rc, r.text, r.err.message,
               cases[i].want);
    result_free(&r);
  }
  result r = run(1, "a b c", hand_env, HAND_N, '\\', SGI_EXPAND_NORMAL);
  assert_int_equal(r.count, 3);
  result_free(&r);
  r = run(1, "a \"b", hand_env, HAND_N, '\\', SGI_EXPAND_NORMAL);
  assert_int_equal(r.rc, STAGEGRAPH_EEXPAND);
  result_free(&r);
  /* invalid UTF-8 from a value is re-encoded when split, kept when quoted */
  static const char *const bad[] = {"v=a\xff b"};
  r = run(1, "$v \"$v\"", bad, 1, '\\', SGI_EXPAND_NORMAL);
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.text, "a\xEF\xBF\xBD|b|a\xff b");
  result_free(&r);
  r = run(0, "$v${v%x}", bad, 1, '\\', SGI_EXPAND_NORMAL);
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.text, "a\xff ba\xEF\xBF\xBD b");
  result_free(&r);
}

static void test_unset_record(void **state) {
  (void)state;
  result r = run(0, "$a ${b} ${c:-$d} $a ${e} ${x} ${f#$g} ${h/$i/$j} ${k:?}", hand_env, HAND_N,
                 '\\', SGI_EXPAND_NORMAL);
  assert_int_equal(r.rc, STAGEGRAPH_EEXPAND);
  /* recorded in first-use order, each once; kept on an expansion error */
  assert_string_equal(r.unset, "a,b,d,c,g,f,i,j,h,k");
  result_free(&r);
  r = run(0, "$1 ${@} $$", hand_env, HAND_N, '\\', SGI_EXPAND_NORMAL);
  assert_string_equal(r.unset, "1,@,$");
  result_free(&r);
  r = run(0, "${x:#a}", hand_env, HAND_N, '\\', SGI_EXPAND_NORMAL);
  assert_string_equal(r.unset, ""); /* rejected before the lookup */
  result_free(&r);

  /* many names: the hashed path, still first-use order and no duplicates */
  char in[4096], want[4096];
  size_t n = 0, w = 0;
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 100; i++) {
      n += (size_t)snprintf(in + n, sizeof in - n, "$n%d", i * 7 % 100);
      if (k == 0)
        w += (size_t)snprintf(want + w, sizeof want - w, "%sn%d", i ? "," : "", i * 7 % 100);
    }
  r = run(0, in, hand_env, HAND_N, '\\', SGI_EXPAND_NORMAL);
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.unset, want);
  result_free(&r);

  /* the unset buffer is appended to, and restored on ENOMEM/ELIMIT */
  sgi_buf out, unset;
  sgi_buf_init(&out, &g_mem);
  sgi_buf_init(&unset, &g_mem);
  sgi_buf_append(&unset, "old", 4);
  sgi_expand_opts o = {'\\', SGI_EXPAND_NORMAL, 4, &unset};
  assert_int_equal(sgi_expand_word(&out, "$zz $x", 6, NULL, &o, NULL), 0);
  assert_int_equal(unset.len, 4 + 3 + 2);
  assert_memory_equal(unset.ptr, "old\0zz\0x", 10);
  o.max_bytes = 2;
  assert_int_equal(sgi_expand_word(&out, "$q abc", 6, NULL, &o, NULL), STAGEGRAPH_ELIMIT);
  assert_int_equal(unset.len, 9);
  sgi_buf_free(&out);
  sgi_buf_free(&unset);
}

static void test_changes(void **state) {
  (void)state;
  static const struct {
    const char *in;
    char esc;
    int want;
  } cases[] = {
      {"builder", '\\', 0},
      {"docker.io/x:1.0@sha256:ab", '\\', 0},
      {"a$", '\\', 0},
      {"a$.b", '\\', 0},
      {"$}", '\\', 0},
      {"안녕", '\\', 0},
      {"a`b", '\\', 0},
      {"a\\b", '`', 0},
      {"$x", '\\', 1},
      {"${x}", '\\', 1},
      {"$1", '\\', 1},
      {"$@", '\\', 1},
      {"$_", '\\', 1},
      {"$é", '\\', 1},
      {"'a'", '\\', 1},
      {"\"a\"", '\\', 1},
      {"a\\b", '\\', 1},
      {"a`b", '`', 1},
      {"\xEF\xBB\xBF"
       "a",
       '\\', 1},
      {"a\xff", '\\', 1},
      {"${", '\\', 1}, /* fails to lex: the caller reports that error */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int got = sgi_expand_changes(cases[i].in, strlen(cases[i].in), cases[i].esc);
    if (got != cases[i].want) fail_msg("%s: %d, want %d", cases[i].in, got, cases[i].want);
    /* cross-check with the lexer itself */
    result r = run(0, cases[i].in, NULL, 0, cases[i].esc, SGI_EXPAND_NORMAL);
    int lexer_says = r.rc != 0 || strcmp(r.text, cases[i].in) != 0;
    assert_int_equal(lexer_says, cases[i].want);
    result_free(&r);
  }
  assert_int_equal(sgi_expand_changes("", 0, '\\'), 0);
}

/* ------------------------------------------------------------------------
 * Limits, depth, cost
 * ------------------------------------------------------------------------ */

static void test_limit(void **state) {
  (void)state;
  /* a value doubled again and again, as ENV a=$a$a would */
  size_t len = 8;
  char *v = malloc(len + 3);
  assert_non_null(v);
  memcpy(v, "v=abcdefgh", 11);
  sgi_buf out;
  sgi_buf_init(&out, &g_mem);
  sgi_expand_opts o = {'\\', SGI_EXPAND_NORMAL, 1 << 16, NULL};
  int rc = 0, rounds = 0;
  while (rc == 0) {
    const char *env[] = {v};
    test_env te = {env, 1};
    sgi_env e = {test_lookup, &te};
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    sgi_buf_clear(&out);
    rc = sgi_expand_word(&out, "$v$v", 4, &e, &o, &err);
    if (rc == 0) {
      assert_int_equal(out.len, 2 * len);
      char *nv = realloc(v, out.len + 3);
      assert_non_null(nv);
      v = nv;
      memcpy(v + 2, out.ptr, out.len + 1);
      len = out.len;
      rounds++;
    } else {
      assert_int_equal(rc, STAGEGRAPH_ELIMIT);
      assert_int_equal(err.code, STAGEGRAPH_ELIMIT);
      assert_int_equal(out.len, 0);
    }
  }
  assert_int_equal(rounds, 13); /* 8 << 13 = 65536 is the last length within 1 << 16 */
  /* intermediate text counts too, and so do // results */
  const char *env[] = {v, "e="};
  test_env te = {env, 2};
  sgi_env e = {test_lookup, &te};
  rc = sgi_expand_word(&out, "${v//$e/$v}", 11, &e, &o, NULL);
  assert_int_equal(rc, STAGEGRAPH_ELIMIT);
  rc = sgi_expand_word(&out, "${e:-$v$v}", 10, &e, &o, NULL);
  assert_int_equal(rc, STAGEGRAPH_ELIMIT);
  size_t count;
  rc = sgi_expand_words(&out, &count, "$v $v", 5, &e, &o, NULL);
  assert_int_equal(rc, STAGEGRAPH_ELIMIT);
  o.max_bytes = 0; /* no limit */
  sgi_buf_clear(&out);
  assert_int_equal(sgi_expand_word(&out, "$v$v", 4, &e, &o, NULL), 0);
  assert_int_equal(out.len, 2 * len);
  sgi_buf_free(&out);
  free(v);
}

static char *repeat(const char *a, size_t n, const char *mid, const char *b) {
  size_t la = strlen(a), lm = strlen(mid), lb = strlen(b);
  char *s = malloc(n * (la + lb) + lm + 1), *p = s;
  assert_non_null(s);
  for (size_t i = 0; i < n; i++) memcpy(p, a, la), p += la;
  memcpy(p, mid, lm), p += lm;
  for (size_t i = 0; i < n; i++) memcpy(p, b, lb), p += lb;
  *p = '\0';
  return s;
}

static void test_deep_nesting(void **state) {
  (void)state;
  enum { DEPTH = 100000 };
  static const char *const env[] = {"set=v"};
  static const struct {
    const char *open, *mid, *close, *want;
  } cases[] = {
      {"${a:-", "x", "}", "x"},
      {"${a:-\"", "x", "\"}", "x"},
      {"\"${set:+", "y", "}\"", "y"},
      {"${set/", "v/", "/w}", "v"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *in = repeat(cases[i].open, DEPTH, cases[i].mid, cases[i].close);
    result r = run(0, in, env, 1, '\\', SGI_EXPAND_NORMAL);
    if (i < 3) {
      assert_int_equal(r.rc, 0);
      assert_string_equal(r.text, cases[i].want);
    }
    result_free(&r);
    r = run(1, in, env, 1, '\\', SGI_EXPAND_NORMAL);
    if (i < 3) assert_int_equal(r.rc, 0);
    result_free(&r);
    in[strlen(in) - 1] = '\0'; /* unclosed */
    r = run(0, in, env, 1, '\\', SGI_EXPAND_NORMAL);
    assert_int_equal(r.rc, STAGEGRAPH_EEXPAND);
    result_free(&r);
    free(in);
    /* the outermost level decides the message (shallow, so it is not cut) */
    in = repeat(cases[i].open, 20, cases[i].mid, cases[i].close);
    in[strlen(in) - 1] = '\0';
    r = run(0, in, env, 1, '\\', SGI_EXPAND_NORMAL);
    assert_int_equal(r.rc, STAGEGRAPH_EEXPAND);
    if (!strstr(r.err.message, i == 2 ? "double-quote" : "missing '}'"))
      fail_msg("case %zu: %s", i, r.err.message);
    result_free(&r);
    free(in);
  }
}

static void test_cost(void **state) {
  (void)state;
  /* many stars against a long value that never matches, and a 1 MiB word:
   * correct results (their cost is measured by the benchmarks) */
  size_t n = 20000;
  char *val = malloc(n + 3), *pat = repeat("*", 200, "a*c", "");
  assert_non_null(val);
  memcpy(val, "v=", 2);
  memset(val + 2, 'a', n);
  val[n + 2] = '\0';
  const char *env[] = {val};
  char in[512];
  static const char *const forms_fmt[] = {"${v#%s}",    "${v##%s}",  "${v%%%s}",
                                          "${v%%%%%s}", "${v/%s/x}", "${v//%s/x}"};
  for (size_t i = 0; i < sizeof forms_fmt / sizeof forms_fmt[0]; i++) {
    snprintf(in, sizeof in, forms_fmt[i], pat);
    result r = run(0, in, env, 1, '\\', SGI_EXPAND_NORMAL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(strlen(r.text), n);
    result_free(&r);
  }
  /* a long word of references and plain text: linear */
  size_t big = 1 << 20;
  char *word = malloc(big + 1);
  assert_non_null(word);
  for (size_t i = 0; i < big; i += 4) memcpy(word + i, i % 8 ? "ab c" : "$x d", 4);
  word[big] = '\0';
  const char *env2[] = {"x=12"};
  result r = run(0, word, env2, 1, '\\', SGI_EXPAND_NORMAL);
  assert_int_equal(r.rc, 0);
  result_free(&r);
  r = run(1, word, env2, 1, '\\', SGI_EXPAND_NORMAL);
  assert_int_equal(r.rc, 0);
  result_free(&r);
  free(word);
  free(val);
  free(pat);
}

/* ------------------------------------------------------------------------
 * Public API and allocation failure
 * ------------------------------------------------------------------------ */

static void test_public(void **state) {
  (void)state;
  static const char *const env[] = {"A=1", "B=two words", "A=3", "C", NULL};
  stagegraph_buf out = STAGEGRAPH_BUF_INIT, unset = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(
      stagegraph_expand_word(&out, "$A-${C:-c}-$D-$E-$D", 19, env, 5, '\\', &unset, &err), 0);
  assert_string_equal(out.ptr, "3-c---");
  assert_int_equal(out.size, 6);
  assert_int_equal(unset.size, 4);
  assert_memory_equal(unset.ptr, "D\0E\0", 4);
  /* out is replaced, not appended to */
  assert_int_equal(stagegraph_expand_word(&out, "`$A", 3, env, 5, '`', NULL, &err), 0);
  assert_string_equal(out.ptr, "$A");
  size_t count = 99;
  assert_int_equal(
      stagegraph_expand_words(&out, &count, "x $B 'y z'", 10, env, 5, '\\', &unset, &err), 0);
  assert_int_equal(count, 4);
  assert_int_equal(out.size, 16);
  assert_memory_equal(out.ptr, "x\0two\0words\0y z\0", 16);
  assert_int_equal(unset.size, 0);
  /* errors leave both buffers empty */
  assert_int_equal(stagegraph_expand_word(&out, "${D:?}", 6, env, 5, '\\', &unset, &err),
                   STAGEGRAPH_EEXPAND);
  assert_string_equal(err.message, "failed to process \"${D:?}\": D: is not allowed to be unset");
  assert_null(out.ptr);
  assert_null(unset.ptr);
  assert_int_equal(stagegraph_expand_words(&out, &count, "'", 1, env, 5, '\\', NULL, &err),
                   STAGEGRAPH_EEXPAND);
  assert_int_equal(count, 0);
  /* bad arguments */
  assert_int_equal(stagegraph_expand_word(NULL, "x", 1, NULL, 0, '\\', NULL, &err),
                   STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_expand_word(&out, "x", 1, NULL, 0, '/', NULL, &err),
                   STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_expand_word(&out, NULL, 1, NULL, 0, '\\', NULL, &err),
                   STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_expand_word(&out, "x", 1, NULL, 2, '\\', NULL, &err),
                   STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_expand_words(&out, NULL, "x", 1, NULL, 0, '\\', NULL, &err),
                   STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_expand_word(&out, NULL, 0, NULL, 0, '\\', NULL, NULL), 0);
  assert_string_equal(out.ptr, "");
  stagegraph_buf_dispose(&out);
  stagegraph_buf_dispose(&unset);
}

static void sweep(int words, const char *in) {
  static const char *const env[] = {"v=abc/def/ghi", "w=x y"};
  long n;
  int rc = STAGEGRAPH_ENOMEM;
  for (n = 0; rc == STAGEGRAPH_ENOMEM; n++) {
    alloc_budget c;
    budget_init(&c);
    budget_fail(&c, n, 1);
    stagegraph_buf out = STAGEGRAPH_BUF_INIT, unset = STAGEGRAPH_BUF_INIT;
    out.allocator = budget_allocator(&c);
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    size_t count = 0;
    rc = words ? stagegraph_expand_words(&out, &count, in, strlen(in), env, 2, '\\', &unset, &err)
               : stagegraph_expand_word(&out, in, strlen(in), env, 2, '\\', &unset, &err);
    if (rc == STAGEGRAPH_ENOMEM) {
      assert_int_equal(err.code, STAGEGRAPH_ENOMEM);
      assert_null(out.ptr);
      assert_null(unset.ptr);
      assert_int_equal(c.live, 0);
    } else {
      assert_int_equal(rc, 0);
      assert_true(out.size > 0);
      stagegraph_buf_dispose(&out);
      stagegraph_buf_dispose(&unset);
      assert_int_equal(c.live, 0);
    }
  }
  assert_true(n > 3); /* the sweep did fail some allocations */
}

static void test_alloc_failure(void **state) {
  (void)state;
  /* deep enough for heap frames, enough unset names for the hash, every
   * pattern form */
  char *deep = repeat("${u:-", 40, "${v#*/}${v##*/}${v%/*}${v%%/*}${v/?/-}${v//?/\\$0}", "}");
  char in[8192];
  size_t n = (size_t)snprintf(in, sizeof in, "%s $w \"${w:-x}\"", deep);
  for (int i = 0; i < 40; i++) n += (size_t)snprintf(in + n, sizeof in - n, " $n%d", i);
  sweep(0, in);
  sweep(1, in);
  free(deep);
}

int main(void) {
  sgi_mem_init(&g_mem, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_envvar_vectors),  cmocka_unit_test(test_words_vectors),
      cmocka_unit_test(test_forms),           cmocka_unit_test(test_buildkit_unit_cases),
      cmocka_unit_test(test_backtick_escape), cmocka_unit_test(test_heredoc_mode),
      cmocka_unit_test(test_words),           cmocka_unit_test(test_unset_record),
      cmocka_unit_test(test_changes),         cmocka_unit_test(test_limit),
      cmocka_unit_test(test_deep_nesting),    cmocka_unit_test(test_cost),
      cmocka_unit_test(test_public),          cmocka_unit_test(test_alloc_failure),
  };
  return cmocka_run_group_tests_name("expand", tests, NULL, NULL);
}
