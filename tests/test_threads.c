/* A parsed document is immutable and safe to read from several threads
 * (include/stagegraph.h): one document, then THREADS threads that each,
 * many times over, build plans (several option sets), caches and lints from
 * it, render every format, dump it and walk its instructions and stages,
 * comparing every result with a single-threaded reference.
 *
 * The allocator is shared by all threads (a document copies it, its plans,
 * caches and lints inherit it); the test allocator counts with atomics, and
 * every block must be back when the threads are done.
 *
 * `make tsan` runs this test under ThreadSanitizer, which reports any data
 * race inside the library even when the outputs happen to match.
 * STAGEGRAPH_THREAD_ROUNDS overrides the number of rounds each thread
 * makes (fewer under STAGEGRAPH_NO_TIME_LIMITS, i.e. valgrind). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "budget.h"
#include "stagegraph.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

enum { THREADS = 4, ROUNDS = 40, ROUNDS_SLOW = 4 };

/* ---- the document ----------------------------------------------------------------- */

static const char DOCKERFILE[] =
    "# syntax=docker/dockerfile:1\n"
    "# check=skip=JSONArgsRecommended\n"
    "ARG GO_VERSION=1.22\n"
    "ARG BASE=alpine:3.20\n"
    "ARG VERSION\n"
    "\n"
    "# build compiles the server\n"
    "FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build\n"
    "ARG TARGETOS TARGETARCH VERSION\n"
    "WORKDIR /src\n"
    "RUN --mount=type=cache,target=/go/pkg/mod \\\n"
    "    --mount=type=bind,source=go.sum,target=go.sum \\\n"
    "    --mount=type=bind,source=go.mod,target=go.mod \\\n"
    "    go mod download -x\n"
    "RUN --mount=type=secret,id=netrc,target=/root/.netrc \\\n"
    "    --mount=type=ssh,id=github,required \\\n"
    "    --mount=type=bind,target=. \\\n"
    "    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \\\n"
    "    go build -ldflags \"-X main.version=${VERSION:-dev}\" -o /bin/server ./cmd/server\n"
    "\n"
    "FROM ${BASE} AS base\n"
    "RUN apk add --no-cache ca-certificates\n"
    "ONBUILD COPY --from=build /bin/server /usr/local/bin/server\n"
    "ONBUILD RUN <<EOF\n"
    "set -e\n"
    "server --version\n"
    "EOF\n"
    "\n"
    "FROM base AS test\n"
    "COPY <<-\"CONF\" /etc/test.conf\n"
    "\tmode = ${MODE:-strict}\n"
    "\tCONF\n"
    "RUN --mount=type=bind,from=build,source=/src,target=/src \\\n"
    "    cd /src && go test ./...\n"
    "\n"
    "FROM base AS docs\n"
    "COPY docs/ /srv/docs/\n"
    "RUN cat <<A > /a && cat <<B > /b\n"
    "alpha\n"
    "A\n"
    "beta\n"
    "B\n"
    "\n"
    "FROM scratch AS release\n"
    "COPY --from=base /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n"
    "COPY --from=build /bin/server /bin/server\n"
    "COPY --link --from=docs /srv/docs /docs\n"
    "ADD https://example.com/LICENSE /LICENSE\n"
    "LABEL org.opencontainers.image.version=$VERSION\n"
    "USER 10001:10001\n"
    "EXPOSE 8080\n"
    "HEALTHCHECK --interval=30s CMD [\"/bin/server\", \"-ping\"]\n"
    "ENTRYPOINT [\"/bin/server\"]\n";

static const char DOCKERIGNORE[] = ".git\n*.md\n!README.md\ndocs/drafts\n";

/* ---- jobs: what a thread builds, and what it must get ------------------------------- */

typedef enum job_kind { JOB_DOC, JOB_DUMP, JOB_PLAN, JOB_CACHE, JOB_LINT } job_kind;

typedef struct job {
  job_kind kind;
  int format;
  const char *targets[2];
  int legacy;
  const char *changed_paths[3];
  const char *changed_args[2];
  char *want; /* reference output */
  size_t want_len;
} job;

static job jobs[] = {
    {JOB_DOC, 0, {NULL}, 0, {NULL}, {NULL}, NULL, 0},
    {JOB_DUMP, STAGEGRAPH_DUMP_BUILDKIT, {NULL}, 0, {NULL}, {NULL}, NULL, 0},
    {JOB_DUMP, STAGEGRAPH_DUMP_JSON, {NULL}, 0, {NULL}, {NULL}, NULL, 0},
    {JOB_PLAN, STAGEGRAPH_FORMAT_TEXT, {NULL}, 0, {NULL}, {NULL}, NULL, 0},
    {JOB_PLAN, STAGEGRAPH_FORMAT_JSON, {NULL}, 0, {NULL}, {NULL}, NULL, 0},
    {JOB_PLAN, STAGEGRAPH_FORMAT_DOT, {"test"}, 0, {NULL}, {NULL}, NULL, 0},
    {JOB_PLAN, STAGEGRAPH_FORMAT_MERMAID, {"docs"}, 0, {NULL}, {NULL}, NULL, 0},
    {JOB_PLAN, STAGEGRAPH_FORMAT_JSON, {"test", "release"}, 1, {NULL}, {NULL}, NULL, 0},
    {JOB_CACHE, STAGEGRAPH_FORMAT_TEXT, {NULL}, 0, {"cmd/server/main.go"}, {NULL}, NULL, 0},
    {JOB_CACHE, STAGEGRAPH_FORMAT_JSON, {NULL}, 0, {"docs/index.md", "go.sum"}, {"VERSION"}, NULL, 0},
    {JOB_CACHE, STAGEGRAPH_FORMAT_DOT, {"test"}, 0, {"README.md"}, {NULL}, NULL, 0},
    {JOB_CACHE, STAGEGRAPH_FORMAT_MERMAID, {NULL}, 0, {NULL}, {"GO_VERSION"}, NULL, 0},
    {JOB_LINT, STAGEGRAPH_FORMAT_TEXT, {NULL}, 0, {NULL}, {NULL}, NULL, 0},
    {JOB_LINT, STAGEGRAPH_FORMAT_JSON, {"test"}, 0, {NULL}, {NULL}, NULL, 0},
    {JOB_LINT, STAGEGRAPH_FORMAT_SARIF, {NULL}, 0, {NULL}, {NULL}, NULL, 0},
};

static size_t count_of(const char *const *list, size_t max) {
  size_t n = 0;
  while (n < max && list[n]) n++;
  return n;
}
#define COUNT(list) count_of((list), N_OF(list))

/* A growable string on the C library's heap (each thread has its own). */
typedef struct text {
  char *ptr;
  size_t len, cap;
  int failed;
} text;

static void add(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void add(text *t, const char *fmt, ...) {
  if (t->failed) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->ptr ? t->ptr + t->len : NULL, t->ptr ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      t->failed = 1;
      return;
    }
    if (t->ptr && (size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    }
    size_t cap = t->cap ? t->cap * 2 : 4096;
    while (cap < t->len + (size_t)n + 1) cap *= 2;
    char *p = realloc(t->ptr, cap);
    if (!p) {
      t->failed = 1;
      return;
    }
    t->ptr = p;
    t->cap = cap;
  }
}

#define S(p) ((p) ? (p) : "(null)")

/* Reads every instruction and stage through the getters. */
static void walk_instruction(text *t, const stagegraph_instruction *ins, int depth) {
  size_t len = 0;
  const char *orig = stagegraph_instruction_original(ins, &len);
  add(t, "%*s%zu %s %s %u-%u %zu-%zu json=%d [%zu]%s\n", depth, "", stagegraph_instruction_index(ins),
      stagegraph_kind_name(stagegraph_instruction_kind(ins)), S(stagegraph_instruction_keyword(ins)),
      (unsigned)stagegraph_instruction_start_line(ins), (unsigned)stagegraph_instruction_end_line(ins),
      stagegraph_instruction_start_offset(ins), stagegraph_instruction_end_offset(ins),
      stagegraph_instruction_is_json(ins), len, S(orig));
  for (size_t i = 0; i < stagegraph_instruction_flag_count(ins); i++)
    add(t, "%*s flag %s\n", depth, "", S(stagegraph_instruction_flag(ins, i)));
  for (size_t i = 0; i < stagegraph_instruction_arg_count(ins); i++)
    add(t, "%*s arg %s\n", depth, "", S(stagegraph_instruction_arg(ins, i, NULL)));
  for (size_t i = 0; i < stagegraph_instruction_comment_count(ins); i++)
    add(t, "%*s comment %s\n", depth, "", S(stagegraph_instruction_comment(ins, i)));
  for (size_t i = 0; i < stagegraph_instruction_heredoc_count(ins); i++) {
    const stagegraph_heredoc *h = stagegraph_instruction_heredoc(ins, i);
    add(t, "%*s heredoc %s %d %d %d %s\n", depth, "", S(stagegraph_heredoc_name(h)),
        stagegraph_heredoc_expand(h), stagegraph_heredoc_chomp(h), stagegraph_heredoc_fd(h),
        S(stagegraph_heredoc_content(h, NULL)));
  }
  static const char *const FLAGS[] = {"from", "mount", "link", "platform", "chown", "interval"};
  for (size_t f = 0; f < N_OF(FLAGS); f++)
    for (size_t nth = 0; nth < 4; nth++) {
      const char *v = stagegraph_instruction_flag_value(ins, FLAGS[f], nth);
      if (!v) break;
      add(t, "%*s --%s=%s\n", depth, "", FLAGS[f], v);
    }
  const stagegraph_instruction *trigger = stagegraph_instruction_trigger(ins);
  if (trigger) walk_instruction(t, trigger, depth + 2);
}

static void walk_doc(text *t, const stagegraph_doc *doc) {
  add(t, "escape %c\n", stagegraph_doc_escape(doc));
  for (size_t i = 0; i < stagegraph_doc_directive_count(doc); i++)
    add(t, "directive %s=%s\n", S(stagegraph_doc_directive_key(doc, i)),
        S(stagegraph_doc_directive_value(doc, i)));
  for (size_t i = 0; i < stagegraph_doc_instruction_count(doc); i++)
    walk_instruction(t, stagegraph_doc_instruction(doc, i), 0);
  for (size_t i = 0; i < stagegraph_doc_stage_count(doc); i++) {
    const stagegraph_stage *st = stagegraph_doc_stage(doc, i);
    add(t, "stage %zu %s %s %s desc=%s:", stagegraph_stage_index(st), S(stagegraph_stage_name(st)),
        S(stagegraph_stage_base(st)), S(stagegraph_stage_platform(st)),
        S(stagegraph_stage_description(st)));
    for (size_t k = 0; k < stagegraph_stage_instruction_count(st); k++)
      add(t, " %zu", stagegraph_instruction_index(stagegraph_stage_instruction(st, k)));
    add(t, "\n");
  }
  for (size_t i = 0; i < stagegraph_doc_meta_arg_count(doc); i++)
    add(t, "meta %zu\n", stagegraph_instruction_index(stagegraph_doc_meta_arg(doc, i)));
  for (size_t i = 0; i < stagegraph_doc_diagnostic_count(doc); i++) {
    const stagegraph_diagnostic *d = stagegraph_doc_diagnostic(doc, i);
    add(t, "diag %d %s %u %s\n", stagegraph_diagnostic_code(d), S(stagegraph_diagnostic_rule(d)),
        (unsigned)stagegraph_diagnostic_line(d), S(stagegraph_diagnostic_message(d)));
  }
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  add(t, "verdict %d\n", stagegraph_doc_verdict(doc, &err));
}

static void walk_plan(text *t, const stagegraph_plan *plan) {
  size_t n = 0;
  const size_t *order = stagegraph_plan_order(plan, &n);
  add(t, "order");
  for (size_t i = 0; i < n; i++) add(t, " %zu", order[i]);
  add(t, "\nedges %zu images %zu waves %zu args %zu secrets %zu ssh %zu\n",
      stagegraph_plan_edge_count(plan), stagegraph_plan_image_count(plan),
      stagegraph_plan_wave_count(plan), stagegraph_plan_arg_count(plan),
      stagegraph_plan_secret_count(plan), stagegraph_plan_ssh_count(plan));
  for (size_t i = 0; i < stagegraph_plan_image_count(plan); i++)
    add(t, "image %s\n", S(stagegraph_image_normalized(stagegraph_plan_image(plan, i))));
}

/* What one job produces: 0 with the text in *out, or the failing code. */
static int run_job(const job *j, const stagegraph_doc *doc, text *out) {
  stagegraph_buf buf = STAGEGRAPH_BUF_INIT;
  stagegraph_plan *plan = NULL;
  stagegraph_cache *cache = NULL;
  int rc = 0;
  out->len = 0;
  switch (j->kind) {
  case JOB_DOC:
    walk_doc(out, doc);
    return out->failed ? STAGEGRAPH_ENOMEM : 0;
  case JOB_DUMP:
    rc = stagegraph_doc_dump(&buf, doc, (stagegraph_dump_format)j->format, NULL);
    break;
  case JOB_PLAN:
  case JOB_CACHE: {
    stagegraph_plan_options po = STAGEGRAPH_PLAN_OPTIONS_INIT;
    po.targets = j->targets;
    po.target_count = COUNT(j->targets);
    po.legacy = j->legacy;
    if ((rc = stagegraph_plan_new(&plan, doc, &po, NULL))) break;
    if (j->kind == JOB_PLAN) {
      walk_plan(out, plan);
      rc = stagegraph_plan_render(&buf, plan, (stagegraph_format)j->format, NULL);
      break;
    }
    stagegraph_cache_options co = STAGEGRAPH_CACHE_OPTIONS_INIT;
    co.changed_paths = j->changed_paths;
    co.changed_path_count = COUNT(j->changed_paths);
    co.changed_args = j->changed_args;
    co.changed_arg_count = COUNT(j->changed_args);
    co.dockerignore = DOCKERIGNORE;
    co.dockerignore_len = sizeof DOCKERIGNORE - 1;
    if ((rc = stagegraph_cache_new(&cache, plan, &co, NULL))) break;
    add(out, "layers %zu surviving %zu\n", stagegraph_cache_layer_count(cache),
        stagegraph_cache_layers_surviving_edit(cache));
    rc = stagegraph_cache_render(&buf, cache, (stagegraph_format)j->format, NULL);
    break;
  }
  case JOB_LINT: {
    stagegraph_lint_options lo = STAGEGRAPH_LINT_OPTIONS_INIT;
    lo.targets = j->targets;
    lo.target_count = COUNT(j->targets);
    lo.dockerignore = DOCKERIGNORE;
    lo.dockerignore_len = sizeof DOCKERIGNORE - 1;
    stagegraph_lint *lint = NULL;
    if ((rc = stagegraph_lint_new(&lint, doc, &lo, NULL))) break;
    add(out, "findings %zu failed %d\n", stagegraph_lint_count(lint), stagegraph_lint_failed(lint));
    rc = stagegraph_lint_render(&buf, lint, (stagegraph_format)j->format, "Dockerfile", NULL);
    stagegraph_lint_free(lint);
    break;
  }
  }
  if (rc == 0 && buf.ptr) add(out, "%.*s", (int)buf.size, buf.ptr);
  stagegraph_buf_dispose(&buf);
  stagegraph_cache_free(cache);
  stagegraph_plan_free(plan);
  if (rc == 0 && out->failed) rc = STAGEGRAPH_ENOMEM;
  return rc;
}

/* ---- the threads ---------------------------------------------------------------------- */

/* Threads wait here until all are created, so their work overlaps. */
typedef struct gate {
  pthread_mutex_t lock;
  pthread_cond_t opened;
  int open;
} gate;

static void gate_wait(gate *g) {
  pthread_mutex_lock(&g->lock);
  while (!g->open) pthread_cond_wait(&g->opened, &g->lock);
  pthread_mutex_unlock(&g->lock);
}

static void gate_open(gate *g) {
  pthread_mutex_lock(&g->lock);
  g->open = 1;
  pthread_cond_broadcast(&g->opened);
  pthread_mutex_unlock(&g->lock);
}

typedef struct worker {
  pthread_t thread;
  int id;
  int rounds;
  const stagegraph_doc *doc;
  struct gate *start;
  long runs, mismatches, errors;
  char first[512]; /* the first mismatch, for the report */
} worker;

static void *work(void *arg) {
  worker *w = arg;
  text out = {NULL, 0, 0, 0};
  gate_wait(w->start);
  for (int r = 0; r < w->rounds; r++)
    for (size_t k = 0; k < N_OF(jobs); k++) {
      /* each thread walks the jobs from its own offset, so different
       * operations overlap */
      const job *j = &jobs[(k + (size_t)w->id * 3 + (size_t)r) % N_OF(jobs)];
      int rc = run_job(j, w->doc, &out);
      w->runs++;
      if (rc) {
        if (!w->errors++ && !w->mismatches)
          snprintf(w->first, sizeof w->first, "job %zu failed with %s", (size_t)(j - jobs),
                   stagegraph_code_name(rc));
      } else if (out.len != j->want_len || memcmp(out.ptr, j->want, out.len) != 0) {
        if (!w->mismatches++ && !w->errors) {
          size_t i = 0;
          while (i < out.len && i < j->want_len && out.ptr[i] == j->want[i]) i++;
          snprintf(w->first, sizeof w->first, "job %zu: output differs from the reference at byte %zu "
                   "(%zu bytes, want %zu)", (size_t)(j - jobs), i, out.len, j->want_len);
        }
      }
    }
  free(out.ptr);
  return NULL;
}

static int rounds_wanted(void) {
  const char *env = getenv("STAGEGRAPH_THREAD_ROUNDS");
  if (env && atoi(env) > 0) return atoi(env);
  return getenv("STAGEGRAPH_NO_TIME_LIMITS") ? ROUNDS_SLOW : ROUNDS;
}

static void test_threads_share_a_document(void **state) {
  (void)state;
  alloc_budget shared;
  budget_init(&shared);
  stagegraph_allocator alloc = budget_allocator(&shared);
  stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
  opts.allocator = &alloc;
  static const char *const build_args[] = {"VERSION=2.0.1"};
  opts.build_args = build_args;
  opts.build_arg_count = 1;
  stagegraph_doc *doc = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_parse(&doc, DOCKERFILE, sizeof DOCKERFILE - 1, &opts, &err);
  if (rc) fail_msg("parse: %s %s", stagegraph_code_name(rc), err.message);
  err = (stagegraph_error)STAGEGRAPH_ERROR_INIT;
  if ((rc = stagegraph_doc_verdict(doc, &err))) {
    stagegraph_doc_free(doc);
    fail_msg("verdict: %s %s", stagegraph_code_name(rc), err.message);
  }

  /* the single-threaded reference */
  for (size_t k = 0; k < N_OF(jobs); k++) {
    text out = {NULL, 0, 0, 0};
    rc = run_job(&jobs[k], doc, &out);
    if (rc) {
      free(out.ptr);
      stagegraph_doc_free(doc);
      fail_msg("reference job %zu: %s", k, stagegraph_code_name(rc));
    }
    jobs[k].want = out.ptr;
    jobs[k].want_len = out.len;
  }

  gate start = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
  worker workers[THREADS];
  memset(workers, 0, sizeof workers);
  int rounds = rounds_wanted();
  int started = 0;
  for (int i = 0; i < THREADS; i++) {
    workers[i].id = i;
    workers[i].rounds = rounds;
    workers[i].doc = doc;
    workers[i].start = &start;
    if (pthread_create(&workers[i].thread, NULL, work, &workers[i]) != 0) break;
    started++;
  }
  gate_open(&start);
  long runs = 0, mismatches = 0, errors = 0;
  for (int i = 0; i < started; i++) {
    pthread_join(workers[i].thread, NULL);
    runs += workers[i].runs;
    mismatches += workers[i].mismatches;
    errors += workers[i].errors;
    if (workers[i].first[0]) print_error("threads: thread %d: %s\n", i, workers[i].first);
  }

  stagegraph_doc_free(doc);
  for (size_t k = 0; k < N_OF(jobs); k++) {
    free(jobs[k].want);
    jobs[k].want = NULL;
  }
  print_message("threads: %d threads x %d rounds x %zu jobs: %ld runs, %ld allocations\n", THREADS,
                rounds, N_OF(jobs), runs, (long)shared.calls);
  if (started < THREADS) fail_msg("could only start %d of %d threads", started, THREADS);
  if (mismatches || errors)
    fail_msg("%ld of %ld concurrent runs differ from the reference, %ld failed", mismatches, runs,
             errors);
  long live = shared.live;
  if (live != 0) fail_msg("%ld blocks of the shared allocator were never freed", live);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_threads_share_a_document),
  };
  return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
