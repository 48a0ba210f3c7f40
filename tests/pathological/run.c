/*
 * `make pathological`: inputs built to find the quadratic (or worse)
 * corners of stagegraph, cmark's pathological_tests.py for Dockerfiles.
 * Every input is generated here, in code. Each case runs parse, plan,
 * cache and lint (when the library has it) in a child process of its own,
 * so a crash or a hang is reported and cut off instead of ending the run,
 * and the peak RSS printed is the case's own.
 *
 * A case fails when the library steps together take more CPU time than
 * the bound (10 s unless --bound; CPU time, so a loaded machine does not
 * fail a case; wall time is printed too), when the child crashes or is
 * killed (once it has used twice the bound plus 5 s of CPU, or ten times
 * the bound plus 60 s of wall time), or when a step returns a code the
 * case does not accept (ENOMEM, EINVAL and STAGEGRAPH_ERROR never are). The exit status is 1 when any case failed.
 * Not a cmocka test and not part of `make unit`: timings depend on the
 * machine.
 *
 * usage: run [--bound SECONDS] [--scale F] [--list] [CASE...]
 *   --scale F  multiply every count by F (0.1: 10k stages instead of 100k),
 *              to see how a case grows
 */
#define _DEFAULT_SOURCE /* getrusage, kill, nanosleep */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stagegraph.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- generated text ---------------------------------------------------------- */

typedef struct text {
  char *ptr;
  size_t len, cap;
} text;

static void die(const char *what) {
  fprintf(stderr, "pathological: %s\n", what);
  exit(3);
}

static void put(text *t, const char *s, size_t n) {
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + n + 1) cap *= 2;
    char *p = realloc(t->ptr, cap);
    if (!p) die("out of memory generating an input");
    t->ptr = p;
    t->cap = cap;
  }
  memcpy(t->ptr + t->len, s, n);
  t->len += n;
  t->ptr[t->len] = '\0';
}

static void add(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void add(text *t, const char *fmt, ...) {
  char small[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof small) die("a generated line is too long");
  put(t, small, (size_t)n);
}

/* ---- the cases ------------------------------------------------------------------ */

/* What a case feeds the library besides its text. */
typedef struct setup {
  const char *target; /* plan and lint target, or NULL for the last stage */
  text targets;       /* or many: NUL-separated names, target_count of them */
  size_t target_count;
  const char *changed_path;
  text changed_paths;        /* or many: NUL-separated, changed_path_count of them */
  size_t changed_path_count;
  const char *changed_image; /* or NULL */
  const char *changed_arg;   /* or NULL */
  text dockerignore;         /* the cache's .dockerignore, empty for none */
} setup;

/* End the changed path just added to s->changed_paths. */
static void end_changed_path(setup *s) {
  add(&s->changed_paths, "%c", 0);
  s->changed_path_count++;
}

/* `changed` paths "pkgA/modB/fileC.go" over 50 packages and 300 modules. */
static void add_module_paths(setup *s, int changed) {
  for (int j = 0; j < changed; j++) {
    add(&s->changed_paths, "pkg%d/mod%d/file%d.go", j % 50, j % 300, j);
    end_changed_path(s);
  }
}

typedef struct pcase {
  const char *name;
  const char *what;
  void (*generate)(text *t, setup *s);
  /* accepted codes of plan (the first step that may legitimately refuse
   * the input); parse must succeed, cache and lint follow the plan */
  int plan_ok[3];
} pcase;

static double scale = 1;

/* n scaled by --scale, at least 1 */
static int scaled(int n) {
  double v = n * scale;
  return v < 1 ? 1 : (int)v;
}
#define N100K scaled(100000)
#define N50K scaled(50000)
#define N25K scaled(25000)
#define N1K scaled(1000)

static void gen_chain(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine AS s0\nRUN echo 0\n");
  for (int i = 1; i < N100K; i++) add(t, "FROM s%d AS s%d\nRUN echo %d\n", i - 1, i, i);
}

static void gen_fan_in(text *t, setup *s) {
  s->changed_path = "src/main.c";
  for (int i = 0; i < N100K; i++) add(t, "FROM alpine AS s%d\nCOPY src/ /src/\n", i);
  add(t, "FROM scratch AS final\n");
  for (int i = 0; i < N100K; i++) add(t, "COPY --from=s%d /out /s%d\n", i, i);
}

/* 100k stages in a chain, the last one copying from each stage it is
 * built on: is "is this stage an ancestor?" a walk down the chain? */
static void gen_chain_copies(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine AS s0\n");
  for (int i = 1; i < N100K; i++) add(t, "FROM s%d AS s%d\n", i - 1, i);
  for (int i = 0; i + 1 < N100K; i++) add(t, "COPY --from=s%d /out /s%d\n", i, i);
}

/* One EXPOSE of 30k ports (a 60 KB line): are an instruction's words
 * gathered by copying the list at each word? */
static void gen_expose_words(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine\nEXPOSE");
  for (int i = 0; i < scaled(30000); i++) add(t, " 1");
  add(t, "\n");
}

/* One ENV whose value uses 7000 undefined variables (a 60 KB line): is
 * each checked against all the ones before? */
static void gen_undefined_vars(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine\nENV X=\"");
  for (int i = 0; i < scaled(7000); i++) add(t, " $u%d", i);
  add(t, "\"\n");
}

/* 100k global ARGs, each declared again in the stage, and a stage ARG
 * and a secret mount per line: the outline's args, secrets and the
 * global definitions, each looked up by name. */
static void gen_outline_names(text *t, setup *s) {
  (void)s;
  for (int i = 0; i < N25K; i++) add(t, "ARG g%d=x\n", i);
  add(t, "FROM alpine\n");
  for (int i = 0; i < N25K; i++) add(t, "ARG g%d\n", i);
  for (int i = 0; i < N25K; i++) add(t, "ARG a%d=x\n", i);
  for (int i = 0; i < N25K; i++) add(t, "RUN --mount=type=secret,id=s%d true\n", i);
}

/* 100k relative WORKDIRs in one stage: is each full path kept? */
static void gen_workdirs(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine\n");
  for (int i = 0; i < N100K; i++) add(t, "WORKDIR d%d\n", i);
}

/* 100k stages each copying from an image of its own: is each external
 * source checked against all the ones before? */
static void gen_external_sources(text *t, setup *s) {
  (void)s;
  for (int i = 0; i < N100K; i++) add(t, "FROM alpine AS s%d\nCOPY --from=img%d:1 / /\n", i, i);
}

/* One RUN of 10 MB: 100k physical lines of 104 bytes. */
static void gen_big_run(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine\nRUN true");
  char word[101];
  for (int i = 0; i < N100K; i++) {
    memset(word, 'a' + i % 26, 100);
    word[100] = '\0';
    add(t, " \\\n && %s", word);
  }
  add(t, "\n");
}

/* 50k heredocs: 25k in one RUN (its logical line spread over continuation
 * lines, bodies after it), 25k in RUNs of their own. */
static void gen_heredocs(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine\nRUN cat");
  for (int i = 0; i < N25K; i++) add(t, " <<H%d \\\n", i);
  add(t, " > /dev/null\n");
  for (int i = 0; i < N25K; i++) add(t, "line %d\nH%d\n", i, i);
  for (int i = 0; i < N25K; i++) add(t, "RUN <<E%d\necho %d\nE%d\n", i, i, i);
}

/* ARG X=${v0:-${v1:-...${v99999:-alpine}...}} used in FROM, the default
 * spread over continuation lines (each physical line under 64 KiB). */
static void gen_deep_nesting(text *t, setup *s) {
  (void)s;
  add(t, "ARG X=");
  size_t line = 0;
  for (int i = 0; i < N100K; i++) {
    size_t before = t->len;
    add(t, "${v%d:-", i);
    line += t->len - before;
    if (line > 60000) {
      add(t, "\\\n");
      line = 0;
    }
  }
  add(t, "alpine");
  for (int i = 0; i < N100K; i++) {
    put(t, "}", 1);
    if (++line > 60000) {
      add(t, "\\\n");
      line = 0;
    }
  }
  add(t, "\nFROM $X\nRUN true\n");
}

static void gen_duplicate_names(text *t, setup *s) {
  (void)s;
  for (int i = 0; i < N100K; i++) add(t, "FROM alpine AS dup\nRUN echo %d\n", i);
  add(t, "FROM dup\n");
}

/* 100k names of 200 bytes sharing a 190-byte prefix, differing in case
 * (names are lowercased) and in the last bytes, then a target that is
 * none of them, so the "did you mean" search runs over all of them. */
static void gen_similar_names(text *t, setup *s) {
  s->target = "stage-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaa-missing";
  char prefix[191];
  memset(prefix, 'a', 190);
  prefix[190] = '\0';
  for (int i = 0; i < N100K; i++)
    add(t, "FROM alpine AS %s%s%08x\nRUN true\n", i % 2 ? "STAGE-" : "stage-", prefix,
        (unsigned)i * 2654435761u);
}

/* 100k continuation lines in one RUN: words, comment lines (skipped) and
 * empty lines (BuildKit's empty-continuation warning). */
static void gen_continuations(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine\nRUN true");
  for (int i = 0; i < N100K; i++) {
    switch (i % 4) {
    case 0:
    case 1: add(t, " \\\n  && echo %d", i); break;
    case 2: add(t, " \\\n# comment %d", i); break;
    default: add(t, " \\\n"); break;
    }
  }
  add(t, "\n");
}

/* 100k ENV lines in one stage, then 1000 stages FROM it with one ENV
 * each: does every stage copy the whole environment? */
static void gen_env_copy(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine AS base\n");
  for (int i = 0; i < N100K; i++) add(t, "ENV V%d=value-%d\n", i, i);
  for (int i = 0; i < N1K; i++) add(t, "FROM base AS c%d\nENV C%d=$V%d\n", i, i, (i * 97) % N100K);
  add(t, "FROM scratch\n");
  for (int i = 0; i < N1K; i++) add(t, "COPY --from=c%d / /c%d/\n", i, i);
}

/* 10k stages in a chain, each declaring a build arg: does every stage
 * copy the build args of the stages below it? */
static void gen_chain_args(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine AS s0\nARG A0\n");
  for (int i = 1; i < scaled(10000); i++) add(t, "FROM s%d AS s%d\nARG A%d=%d\n", i - 1, i, i, i);
}

/* A stage declaring 10k build args, all but the first defaulting to the
 * first, which the change changes, then 10k stages FROM it, each giving
 * one of them a fresh value, declaring one of its own and reading both,
 * and a last stage copying from each: does every child copy the base's
 * build args and changed variables? */
static void gen_fan_out_args(text *t, setup *s) {
  s->changed_arg = "A0";
  add(t, "FROM alpine AS base\nARG A0\n");
  for (int i = 1; i < scaled(10000); i++) add(t, "ARG A%d=${A0}.%d\n", i, i);
  for (int i = 0; i < scaled(10000); i++)
    add(t, "FROM base AS c%d\nARG A%d=fresh\nARG C%d\nRUN echo $C%d $A%d\n", i, i, i, i, i);
  add(t, "FROM scratch\n");
  for (int i = 0; i < scaled(10000); i++) add(t, "COPY --from=c%d / /c%d/\n", i, i);
}

/* 100k stages in a chain, each setting a variable from the first one's,
 * the last 1000 reading the first and the latest: is every variable
 * copied again every few levels? */
static void gen_deep_env_chain(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine AS s0\nENV V0=v\n");
  for (int i = 1; i < N100K; i++) {
    add(t, "FROM s%d AS s%d\nENV V%d=${V0}.%d\n", i - 1, i, i, i);
    if (i >= N100K - N1K) add(t, "RUN echo $V0 $V%d\n", i - 1);
  }
}

/* 100k stages in a chain, each setting a variable and using one that is
 * not set, one edit from its own: is each UndefinedVar's "did you mean" a
 * walk over every variable the chain set so far? */
static void gen_undefined_chain(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine AS s0\n");
  for (int i = 1; i < N100K; i++) add(t, "FROM s%d AS s%d\nENV V%d=1\nLABEL x=$U%d\n", i - 1, i, i, i);
}

/* One RUN of 100k mounts over continuation lines, from ten stages, from
 * images and secrets in turn: does finding each mount's edge scan the
 * instruction's others, and does each mount ask for the k-th --mount from
 * the first? */
static void gen_many_mounts(text *t, setup *s) {
  (void)s;
  for (int j = 0; j < 10; j++) add(t, "FROM alpine AS s%d\nRUN echo %d\n", j, j);
  add(t, "FROM alpine\nRUN");
  for (int i = 0; i < N100K; i++) {
    if (i % 3) add(t, " --mount=type=bind,from=s%d,target=/m%d \\\n", i % 10, i);
    else if (i % 2) add(t, " --mount=type=secret,id=k%d \\\n", i);
    else add(t, " --mount=from=img%d:1,source=/x,target=/n%d \\\n", i % 7, i);
  }
  add(t, "  true\n");
}

/* 50k stages and 20k targets naming every other one of the first 40k in
 * another case: is each target a scan of every stage, or of the targets
 * before it? (Plan text lists each stage's incoming edges: is that a scan
 * of every edge per stage?) */
static void gen_many_targets(text *t, setup *s) {
  int n = N50K;
  for (int i = 0; i < n; i++) add(t, "FROM alpine AS s%d\nRUN echo %d\n", i, i);
  add(t, "FROM scratch\n");
  for (int i = 0; i < n; i += 2) add(t, "COPY --from=s%d /o /o%d\n", i, i);
  for (int i = 0; i < n * 4 / 5; i += 2) {
    add(&s->targets, "S%d", i);
    add(&s->targets, "%c", 0);
    s->target_count++;
  }
}

/* 100k stages on two branches that alternate in the file: stage i is
 * built FROM stage i-2, sets a variable and uses an unset one, one edit
 * from a variable of its parent. Does each UndefinedVar's "did you mean"
 * move the names of one branch out and the other's in, at every stage? */
static void gen_alternating_branches(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine AS s0\nFROM alpine AS s1\n");
  for (int i = 2; i < N100K; i++)
    add(t, "FROM s%d AS s%d\nENV V%d=1\nLABEL x=$V%dx\n", i - 2, i, i, i - 2);
}

/* A chain of 990 stages, the last with 50k variables, 25k stages FROM it
 * with one variable each and a stage FROM each of those reading both:
 * does each child copy the 50k? (990: a stage 32 levels past a copy, as
 * the flattening scopes counted.) */
static void gen_deep_env_fan_out(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine AS s0\n");
  for (int i = 1; i < 990; i++) add(t, "FROM s%d AS s%d\n", i - 1, i);
  for (int i = 0; i < N50K; i++) add(t, "ENV V%d=%d\n", i, i);
  for (int i = 0; i < N25K; i++) add(t, "FROM s989 AS c%d\nENV C=%d\n", i, i);
  for (int i = 0; i < N25K; i++) add(t, "FROM c%d AS d%d\nRUN echo $C $V%d\n", i, i, i);
  add(t, "FROM scratch\n");
  for (int i = 0; i < N25K; i++) add(t, "COPY --from=d%d / /d%d/\n", i, i);
}

/* One COPY of 100k sources, one per continuation line: is each source
 * checked against all the ones before? */
static void gen_copy_sources(text *t, setup *s) {
  (void)s;
  add(t, "FROM alpine\nCOPY");
  for (int i = 0; i < N100K; i++) add(t, " src/f%d \\\n", i);
  add(t, " /dst/\n");
}

/* 50k stages on 50k images, then a stage copying 50k times from one more
 * image, with a changed image: is each image input looked up among all
 * the images? */
static void gen_image_inputs(text *t, setup *s) {
  s->changed_image = "busybox";
  for (int i = 0; i < N50K; i++) add(t, "FROM img%d:1 AS s%d\n", i, i);
  add(t, "FROM scratch\n");
  for (int i = 0; i < N50K; i++) add(t, "COPY --from=late:1 /f /f%d\n", i);
}

/* 25k COPY lines and a .dockerignore of 25k patterns: is the changed
 * path matched against the patterns again for each COPY? */
static void gen_ignored_paths(text *t, setup *s) {
  s->changed_path = "src5/main.c";
  for (int i = 0; i < N25K; i++) add(&s->dockerignore, "docs%d/**/*.md\n", i);
  add(t, "FROM alpine\n");
  for (int i = 0; i < N25K; i++) add(t, "COPY src%d/ /d%d/\n", i, i);
}

/* 40k COPY lines (files, directories, globs under a directory, a few at
 * the root) and 10k changed paths, some under a source, some not, in
 * shuffled order: is each changed path checked against each source? */
static void gen_changed_paths(text *t, setup *s) {
  int n = scaled(40000), changed = scaled(10000);
  add(t, "FROM alpine\n");
  for (int i = 0; i < n; i++) {
    switch (i % 4) {
    case 0: add(t, "COPY src/pkg%d/ /app/pkg%d/\n", i, i); break;
    case 1: add(t, "COPY src/pkg%d/main.go /app/m%d.go\n", i - 1, i); break;
    case 2: add(t, "COPY conf/c%d.json /c/\n", i); break;
    default:
      if (i % 1000 == 3) add(t, "COPY *.md /docs%d/\n", i);
      else if (i % 100 == 3) add(t, "COPY src/pkg%d/*.go /g%d/\n", i - 3, i);
      else add(t, "COPY lib/l%d.so /l/\n", i);
    }
  }
  for (int j = 0; j < changed; j++) {
    int r = (int)((j * 7919L) % (4L * n));
    if (j % 3 == 0) add(&s->changed_paths, "src/pkg%d/main.go", r);
    else if (j % 3 == 1) add(&s->changed_paths, "./conf/c%d.json", r);
    else add(&s->changed_paths, "docs/d%d.txt", r);
    end_changed_path(s);
  }
}

/* 2k COPY lines with wildcard sources and 10k changed paths that few of
 * them read: does each source match its pattern against every changed
 * path, or only against the names at each depth that can lead to a match? */
static void gen_glob_sources(text *t, setup *s) {
  int n = scaled(2000), changed = scaled(10000);
  static const char *const globs[] = {"*.md", "*/*.go", "pkg*/*/*.txt", "doc?/*", "*/mod1/f*.go",
                                      "src/*/*.go", "*"};
  add(t, "FROM alpine\n");
  for (int i = 0; i < n; i++) add(t, "COPY %s /d%d/\n", globs[i % 7], i);
  add_module_paths(s, changed);
}

/* 2k COPY --parents lines, each its own pattern under its own directory,
 * and 10k changed paths that none of them reads: is each pattern matched
 * against every changed path (and compiled again for each), or only
 * against the paths under its leading plain components? */
static void gen_parents_sources(text *t, setup *s) {
  int n = scaled(2000), changed = scaled(10000);
  add(t, "# syntax=docker/dockerfile:1-labs\nFROM alpine\n");
  for (int i = 0; i < n; i++) add(t, "COPY --parents ./svc%d/**/*.go /d/\n", i);
  add_module_paths(s, changed);
}

/* 200 COPY lines of 200 sources and 200 --exclude flags each, and 10k
 * changed paths under the sources: is the exclude list compiled once per
 * line, or again for each source (or each path)? */
static void gen_many_excludes(text *t, setup *s) {
  int n = scaled(200), changed = scaled(10000);
  add(t, "# syntax=docker/dockerfile:1-labs\nFROM alpine\n");
  for (int i = 0; i < n; i++) {
    add(t, "COPY");
    for (int k = 0; k < 200; k++) add(t, " --exclude=tmp%d/*.log", k);
    for (int k = 0; k < 200; k++) add(t, " d%d/f%d", i, k);
    add(t, " /out%d/\n", i);
  }
  for (int j = 0; j < changed; j++) {
    add(&s->changed_paths, "d%d/f%d/x%d.c", j % (n ? n : 1), j % 200, j);
    end_changed_path(s);
  }
}

/* 12k global ARGs and 12k FROMs, each using a variable that is not
 * declared: half one edit away from an ARG (a suggestion), half close to
 * none. Is each FROM's "did you mean" a scan of every global ARG? */
static void gen_from_suggestions(text *t, setup *s) {
  (void)s;
  int n = scaled(12000);
  for (int i = 0; i < n; i++) add(t, "ARG version_%05d=1\n", i);
  for (int i = 0; i < n; i++) {
    if (i % 2) add(t, "FROM alpine${version_%05dx} AS s%d\n", (i * 7919) % n, i);
    else add(t, "FROM alpine${image_tag_%07d} AS s%d\n", i, i);
  }
}

/* One stage of 12k ENVs, then 12k LABELs each using a variable that is not
 * set, half one edit away from an ENV: is UndefinedVar's "did you mean" a
 * scan of every name in the stage? */
static void gen_var_suggestions(text *t, setup *s) {
  (void)s;
  int n = scaled(12000);
  add(t, "FROM alpine\n");
  for (int i = 0; i < n; i++) add(t, "ENV setting_%05d=1\n", i);
  for (int i = 0; i < n; i++) {
    if (i % 2) add(t, "LABEL l=$setting_%05dx\n", (i * 7919) % n);
    else add(t, "LABEL l=$other_value_%07d\n", i);
  }
}

/* 10k global ARGs and 10k FROMs, each using an undeclared variable, every
 * name 1 KB (suggestions have no length limit): half one edit away from an
 * ARG, near its end, half close to none. The names share a 900-byte
 * prefix, so each question follows it. Is a long name's "did you mean"
 * more than its length times a few cells? */
static void gen_long_suggestions(text *t, setup *s) {
  (void)s;
  int n = scaled(10000);
  char prefix[901];
  memset(prefix, 'p', 900);
  prefix[900] = '\0';
  for (int i = 0; i < n; i++) {
    add(t, "ARG %s", prefix);
    add(t, "%0100d=1\n", i * 7919);
  }
  for (int i = 0; i < n; i++) {
    add(t, "FROM alpine${%s", prefix);
    if (i % 2) add(t, "%099dx} AS s%d\n", ((i * 7919) % n) * 7919 / 10, i);
    else add(t, "%0100d_} AS s%d\n", i * 104729 + 1, i);
  }
}

#define OK STAGEGRAPH_OK
static const pcase CASES[] = {
    {"chain", "100k stages in a chain: FROM s{i-1} AS s{i}", gen_chain, {OK, OK, OK}},
    {"fan-in", "100k stages, the last one COPY --from every other", gen_fan_in, {OK, OK, OK}},
    {"chain-copies", "100k stages in a chain, the last COPY --from every stage it is built on",
     gen_chain_copies, {OK, OK, OK}},
    {"expose-words", "one EXPOSE of 30k ports", gen_expose_words, {OK, OK, OK}},
    {"undefined-vars", "one ENV using 7000 undefined variables", gen_undefined_vars, {OK, OK, OK}},
    {"outline-names", "25k global ARGs declared again, 25k stage ARGs, 25k secret mounts",
     gen_outline_names, {OK, OK, OK}},
    {"workdirs", "100k relative WORKDIRs in one stage", gen_workdirs, {OK, OK, OK}},
    {"external-sources", "100k stages, each COPY --from an image of its own", gen_external_sources,
     {OK, OK, OK}},
    {"big-run", "one 10 MB RUN over 100k continuation lines", gen_big_run, {OK, OK, OK}},
    {"heredocs", "50k heredocs: 25k in one RUN, 25k in RUNs of their own", gen_heredocs,
     {OK, OK, OK}},
    {"deep-nesting", "${v0:-${v1:-...}} 100k levels deep in an ARG used in FROM", gen_deep_nesting,
     {OK, STAGEGRAPH_ELIMIT, STAGEGRAPH_EEXPAND}},
    {"duplicate-names", "100k stages all named dup", gen_duplicate_names,
     {STAGEGRAPH_EINSTRUCTION, OK, OK}},
    {"similar-names", "100k long, similar stage names and a target that misses them all",
     gen_similar_names, {STAGEGRAPH_ENOTFOUND, STAGEGRAPH_ENOTFOUND, STAGEGRAPH_ENOTFOUND}},
    {"continuations", "100k continuation lines (with comments and empty lines) in one RUN",
     gen_continuations, {OK, OK, OK}},
    {"env-copy", "100k ENV in one stage, then 1000 stages FROM it with one ENV each",
     gen_env_copy, {OK, OK, OK}},
    {"chain-args", "10k stages in a chain, each declaring a build arg", gen_chain_args,
     {OK, OK, OK}},
    {"fan-out-args", "10k build args in a stage, 10k stages FROM it each declaring one, a changed arg",
     gen_fan_out_args, {OK, OK, OK}},
    {"deep-env-chain", "100k stages in a chain, a variable set in each, read in the last 1000",
     gen_deep_env_chain, {OK, OK, OK}},
    {"undefined-chain", "100k stages in a chain, each setting a variable and using an unset one",
     gen_undefined_chain, {OK, OK, OK}},
    {"many-targets", "50k stages, 20k targets given in another case", gen_many_targets,
     {OK, OK, OK}},
    {"many-mounts", "one RUN of 100k mounts over continuation lines, from stages, images and secrets",
     gen_many_mounts, {OK, OK, OK}},
    {"alternating-branches", "100k stages alternating between two FROM chains, each using an unset variable",
     gen_alternating_branches, {OK, OK, OK}},
    {"deep-env-fan-out", "a 990-stage chain, 50k variables in its last, 25k children each with a child",
     gen_deep_env_fan_out, {OK, OK, OK}},
    {"copy-sources", "one COPY of 100k sources over continuation lines", gen_copy_sources,
     {OK, OK, OK}},
    {"image-inputs", "50k images, then 50k COPY --from one more image, one image changed",
     gen_image_inputs, {OK, OK, OK}},
    {"ignored-paths", "25k COPY lines, a .dockerignore of 25k patterns and a changed path",
     gen_ignored_paths, {OK, OK, OK}},
    {"changed-paths", "40k COPY lines (files, directories, globs) and 10k changed paths",
     gen_changed_paths, {OK, OK, OK}},
    {"glob-sources", "2k COPY lines with wildcard sources, 10k changed paths few of them read",
     gen_glob_sources, {OK, OK, OK}},
    {"parents-sources", "2k COPY --parents lines, 10k changed paths none of them reads",
     gen_parents_sources, {OK, OK, OK}},
    {"many-excludes", "200 COPY lines of 200 sources and 200 --exclude each, 10k changed paths",
     gen_many_excludes, {OK, OK, OK}},
    {"from-suggestions", "12k global ARGs, 12k FROMs each using an undeclared variable",
     gen_from_suggestions, {OK, OK, OK}},
    {"var-suggestions", "12k ENVs in a stage, then 12k LABELs each using an unset variable",
     gen_var_suggestions, {OK, OK, OK}},
    {"long-suggestions", "10k 1 KB global ARGs, 10k FROMs each using an undeclared 1 KB variable",
     gen_long_suggestions, {OK, OK, OK}},
};

/* ---- running a case ---------------------------------------------------------------- */

enum { STEP_PARSE, STEP_PLAN, STEP_CACHE, STEP_LINT, STEPS };
static const char *const STEP_NAMES[STEPS] = {"parse", "plan", "cache", "lint"};

/* What the child reports, in memory shared with the parent, kept current
 * so a killed child still tells which step it was in. */
typedef struct report {
  int current; /* the step running, or -1 */
  int ran[STEPS];
  int rc[STEPS];
  double cpu[STEPS], wall[STEPS];
  size_t input_bytes;
  long peak_rss_kib;
  int bad_code; /* a step returned a code the case does not accept */
  int done;
} report;

static double clock_of(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double now(void) { return clock_of(CLOCK_MONOTONIC); }
static double cpu_now(void) { return clock_of(CLOCK_PROCESS_CPUTIME_ID); }

static int accepted(const pcase *c, int step, int rc) {
  if (rc == STAGEGRAPH_ENOMEM || rc == STAGEGRAPH_EINVAL || rc == STAGEGRAPH_ERROR) return 0;
  if (step == STEP_PARSE) return rc == 0;
  if (step == STEP_PLAN) {
    for (size_t i = 0; i < N_OF(c->plan_ok); i++)
      if (c->plan_ok[i] == rc) return 1;
    return 0;
  }
  return 1; /* cache and lint: any analysis verdict, as long as it is timely */
}

/* Timing one step: begin() before the call, end() after it. */
static double began_wall, began_cpu;

static void begin(report *r, int step) {
  r->current = step;
  began_wall = now();
  began_cpu = cpu_now();
}

static void end(const pcase *c, report *r, int step, int rc, stagegraph_error *err) {
  r->cpu[step] = cpu_now() - began_cpu;
  r->wall[step] = now() - began_wall;
  r->ran[step] = 1;
  r->rc[step] = rc;
  r->current = -1;
  if (!accepted(c, step, rc)) r->bad_code = 1;
  if (strlen(err->message) > 100) strcpy(err->message + 97, "...");
  printf("    %-6s %8.3f s CPU %8.3f s wall  %s%s%s%s\n", STEP_NAMES[step], r->cpu[step],
         r->wall[step], stagegraph_code_name(rc), rc ? ": " : "", rc ? err->message : "",
         accepted(c, step, rc) ? "" : "  (not accepted)");
  fflush(stdout);
  *err = (stagegraph_error)STAGEGRAPH_ERROR_INIT;
}

/* Each step's output in every format it has, as the CLI prints it: the
 * renderers are timed with their step. */
static int render_all(const void *object, int step, stagegraph_error *err) {
  static const stagegraph_format plan_formats[] = {STAGEGRAPH_FORMAT_TEXT, STAGEGRAPH_FORMAT_JSON,
                                                   STAGEGRAPH_FORMAT_DOT, STAGEGRAPH_FORMAT_MERMAID};
  static const stagegraph_format lint_formats[] = {STAGEGRAPH_FORMAT_TEXT, STAGEGRAPH_FORMAT_JSON,
                                                   STAGEGRAPH_FORMAT_SARIF};
  int rc = 0;
  for (size_t f = 0; f < (step == STEP_LINT ? N_OF(lint_formats) : N_OF(plan_formats)) && !rc; f++) {
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    if (step == STEP_PLAN) rc = stagegraph_plan_render(&out, object, plan_formats[f], err);
    else if (step == STEP_CACHE) rc = stagegraph_cache_render(&out, object, plan_formats[f], err);
    else rc = stagegraph_lint_render(&out, object, lint_formats[f], "Dockerfile", err);
    stagegraph_buf_dispose(&out);
  }
  return rc;
}

/* The `count` NUL-separated strings of `list`, as an array to free. */
static const char **list_of(const text *list, size_t count) {
  const char **out = malloc(count * sizeof *out);
  if (!out) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  const char *s = list->ptr;
  for (size_t i = 0; i < count; i++, s += strlen(s) + 1) out[i] = s;
  return out;
}

static void run_case(const pcase *c, report *r) {
  text t = {NULL, 0, 0};
  setup s = {NULL, {NULL, 0, 0}, 0, NULL, {NULL, 0, 0}, 0, NULL, NULL, {NULL, 0, 0}};
  c->generate(&t, &s);
  r->input_bytes = t.len;
  printf("    input  %.1f MB\n", (double)t.len / 1e6);
  fflush(stdout);

  stagegraph_doc *doc = NULL;
  stagegraph_plan *plan = NULL;
  stagegraph_cache *cache = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  const char *one[] = {s.target};
  const char **targets = one;
  size_t target_count = s.target ? 1 : 0;
  if (s.target_count) {
    targets = list_of(&s.targets, s.target_count);
    target_count = s.target_count;
  }
  begin(r, STEP_PARSE);
  int rc = stagegraph_parse(&doc, t.ptr, t.len, NULL, &err);
  end(c, r, STEP_PARSE, rc, &err);
  if (rc == 0) {
    stagegraph_plan_options po = STAGEGRAPH_PLAN_OPTIONS_INIT;
    po.targets = targets;
    po.target_count = target_count;
    begin(r, STEP_PLAN);
    rc = stagegraph_plan_new(&plan, doc, &po, &err);
    if (rc == 0) rc = render_all(plan, STEP_PLAN, &err);
    end(c, r, STEP_PLAN, rc, &err);
    if (rc != 0) plan = NULL;
  }
  if (plan) {
    const char *one_changed[] = {s.changed_path ? s.changed_path : "Dockerfile.extra"};
    const char **changed = one_changed;
    size_t changed_count = 1;
    if (s.changed_path_count) {
      changed = list_of(&s.changed_paths, s.changed_path_count);
      changed_count = s.changed_path_count;
    }
    stagegraph_cache_options co = STAGEGRAPH_CACHE_OPTIONS_INIT;
    co.changed_paths = changed;
    co.changed_path_count = changed_count;
    const char *images[] = {s.changed_image};
    co.changed_images = images;
    co.changed_image_count = s.changed_image ? 1 : 0;
    const char *args[] = {s.changed_arg};
    co.changed_args = args;
    co.changed_arg_count = s.changed_arg ? 1 : 0;
    co.dockerignore = s.dockerignore.ptr;
    co.dockerignore_len = s.dockerignore.len;
    begin(r, STEP_CACHE);
    rc = stagegraph_cache_new(&cache, plan, &co, &err);
    if (rc == 0) rc = render_all(cache, STEP_CACHE, &err);
    end(c, r, STEP_CACHE, rc, &err);
    if (rc != 0) cache = NULL;
    if (changed != one_changed) free(changed);
  }
  if (doc) {
    stagegraph_lint_options lo = STAGEGRAPH_LINT_OPTIONS_INIT;
    lo.targets = targets;
    lo.target_count = target_count;
    stagegraph_lint *lint = NULL;
    begin(r, STEP_LINT);
    rc = stagegraph_lint_new(&lint, doc, &lo, &err);
    if (rc == 0) rc = render_all(lint, STEP_LINT, &err);
    end(c, r, STEP_LINT, rc, &err);
    stagegraph_lint_free(rc == 0 ? lint : NULL);
  }
  stagegraph_cache_free(cache);
  stagegraph_plan_free(plan);
  stagegraph_doc_free(doc);
  free(t.ptr);
  free(s.dockerignore.ptr);
  free(s.targets.ptr);
  free(s.changed_paths.ptr);
  if (targets != one) free(targets);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  r->peak_rss_kib = ru.ru_maxrss;
  r->done = 1;
}

/* ---- the runner ------------------------------------------------------------------------- */

typedef struct verdict {
  const char *name;
  double cpu, wall;
  long peak_rss_kib;
  char status[96]; /* "ok", or what went wrong */
} verdict;

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* CPU seconds a running child has used (Linux /proc), or -1. */
static double child_cpu(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  unsigned long utime = 0, stime = 0;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double children_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

/* Runs a case in a child, killed once it has used twice the bound plus
 * 5 s of CPU (generating the input included), or ten times the bound plus
 * 60 s of wall time where /proc cannot tell. */
static verdict run_child(const pcase *c, double bound) {
  verdict v;
  memset(&v, 0, sizeof v);
  v.name = c->name;
  report *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) die("mmap");
  memset(r, 0, sizeof *r);
  r->current = -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    /* a runaway case fails with ENOMEM instead of taking the machine */
    struct rlimit rl = {(rlim_t)8 << 30, (rlim_t)8 << 30};
    setrlimit(RLIMIT_AS, &rl);
    run_case(c, r);
    _exit(0);
  }
  double start = now(), cpu_before = children_cpu();
  int status = 0, killed = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) die("waitpid");
    if (!killed && (child_cpu(pid) > 2 * bound + 5 || now() - start > 10 * bound + 60)) {
      kill(pid, SIGKILL);
      killed = 1;
    }
    sleep_ms(20);
  }
  double child_total = children_cpu() - cpu_before;
  for (int s = 0; s < STEPS; s++) {
    v.cpu += r->cpu[s];
    v.wall += r->wall[s];
  }
  v.peak_rss_kib = r->peak_rss_kib;
  const char *in = r->current >= 0 ? STEP_NAMES[r->current] : "no step";
  if (killed) {
    snprintf(v.status, sizeof v.status, "killed in %s after %.0f s of CPU", in, child_total);
    v.wall = now() - start;
    v.cpu = child_total;
  } else if (WIFSIGNALED(status)) {
    snprintf(v.status, sizeof v.status, "crashed in %s (signal %d, %s)", in, WTERMSIG(status),
             strsignal(WTERMSIG(status)));
  } else if (!r->done || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(v.status, sizeof v.status, "the child failed in %s (exit %d)", in,
             WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  } else if (v.cpu > bound) {
    int slowest = 0;
    for (int s = 1; s < STEPS; s++)
      if (r->cpu[s] > r->cpu[slowest]) slowest = s;
    snprintf(v.status, sizeof v.status, "over the bound (%s: %.1f s)", STEP_NAMES[slowest],
             r->cpu[slowest]);
  } else if (r->bad_code) {
    snprintf(v.status, sizeof v.status, "a step returned a code the case does not accept");
  } else {
    snprintf(v.status, sizeof v.status, "ok");
  }
  munmap(r, sizeof *r);
  return v;
}

int main(int argc, char **argv) {
  double bound = 10;
  const char *only[N_OF(CASES) + 1];
  size_t only_count = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--bound") == 0 && i + 1 < argc) {
      bound = atof(argv[++i]);
      if (bound <= 0) die("--bound needs a positive number of seconds");
    } else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
      scale = atof(argv[++i]);
      if (scale <= 0) die("--scale needs a positive factor");
    } else if (strcmp(argv[i], "--list") == 0) {
      for (size_t k = 0; k < N_OF(CASES); k++) printf("%-16s %s\n", CASES[k].name, CASES[k].what);
      return 0;
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: %s [--bound SECONDS] [--scale F] [--list] [CASE...]\n", argv[0]);
      return 2;
    } else if (only_count < N_OF(only)) {
      only[only_count++] = argv[i];
    }
  }

  printf("pathological inputs (stagegraph %s), bound %g s of CPU per case%s\n",
         stagegraph_version_string(), bound,
         scale != 1 ? ", counts scaled" : "");
  verdict results[N_OF(CASES)];
  size_t n = 0, failed = 0;
  for (size_t k = 0; k < N_OF(CASES); k++) {
    int wanted = only_count == 0;
    for (size_t j = 0; j < only_count; j++) wanted |= strcmp(only[j], CASES[k].name) == 0;
    if (!wanted) continue;
    printf("\n%s: %s\n", CASES[k].name, CASES[k].what);
    fflush(stdout);
    results[n] = run_child(&CASES[k], bound);
    verdict *v = &results[n++];
    int ok = strcmp(v->status, "ok") == 0;
    failed += !ok;
    printf("    total  %8.3f s CPU %8.3f s wall  peak RSS %.1f MiB  %s\n", v->cpu, v->wall,
           (double)v->peak_rss_kib / 1024, v->status);
    if (!v->peak_rss_kib) printf("           (no peak RSS: the child did not finish)\n");
  }
  for (size_t j = 0; j < only_count; j++) {
    int known = 0;
    for (size_t k = 0; k < N_OF(CASES); k++) known |= strcmp(only[j], CASES[k].name) == 0;
    if (!known) {
      fprintf(stderr, "pathological: no case named %s (see --list)\n", only[j]);
      return 2;
    }
  }

  printf("\n%-16s %9s %9s %13s  %s\n", "case", "CPU s", "wall s", "peak RSS MiB", "verdict");
  for (size_t i = 0; i < n; i++) {
    char rss[32] = "-";
    if (results[i].peak_rss_kib) snprintf(rss, sizeof rss, "%.1f", (double)results[i].peak_rss_kib / 1024);
    printf("%-16s %9.3f %9.3f %13s  %s\n", results[i].name, results[i].cpu, results[i].wall, rss,
           results[i].status);
  }
  printf("%zu of %zu cases passed (bound %g s of CPU each)\n", n - failed, n, bound);
  return failed ? 1 : 0;
}
