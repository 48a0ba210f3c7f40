/* Allocation failure across the whole pipeline (jansson's test_chaos):
 * parse -> plan -> cache -> lint -> every renderer (dump BuildKit/JSON,
 * plan and cache TEXT/JSON/DOT/MERMAID, lint TEXT/JSON/SARIF), on a handful
 * of corpus-like Dockerfiles embedded below, with an allocator whose N-th
 * call (malloc or realloc) fails.
 *
 * Every allocation of a full run fails once: each step is swept over its
 * own allocations, N = 0, 1, ... until an attempt makes no failing call,
 * on top of the failure-free objects of the steps before it (plans, caches
 * and lints inherit the document's allocator, so one allocator sees every
 * call). At each N:
 * - the step returns STAGEGRAPH_ENOMEM (err.code too) or what it returns
 *   with the normal allocator (same code and message), nothing else;
 * - a step that still succeeds must produce what a reference run with the
 *   C library's allocator produces: its text, or for an object every
 *   rendering of it plus a summary read through the getters, so nothing
 *   can silently go missing;
 * - nothing leaks: the allocator counts live blocks and bytes, which must
 *   be back where they were after a failed attempt, and zero at the end.
 * A separate run serves every block from a private pool and checks that
 * nothing stays in the C library's heap while the objects live.
 */
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
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HAVE_MALLINFO2 1
#endif

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the allocator ------------------------------------------------------------- */

/* The test allocator (tests/support/budget.h) with call N failing. The file
 * and step being swept, for debuggers: to stop where allocation 19 of step 4
 * (plan) fails, break on the `return 1` in budget.c's should_fail with
 * `condition 1 $_streq(sweeping, "go-mounts") && sweeping_step == 4 && b->fail_at == 19`. */
static const char *sweeping;
static int sweeping_step;

/* ---- the files ------------------------------------------------------------------ */

typedef struct tcase {
  const char *name;
  const char *dockerfile;
  const char *dockerignore; /* for the cache and lint, or NULL */
  const char *targets[2];
  const char *build_args[3];
  const char *build_contexts[2];
  const char *changed_paths[4];
  const char *changed_args[2];
  const char *changed_images[2];
} tcase;

static size_t count_of(const char *const *list, size_t max) {
  size_t n = 0;
  while (n < max && list[n]) n++;
  return n;
}
#define COUNT(list) count_of((list), N_OF(list))

static const tcase CASES[] = {
    {"node-multistage",
     "# syntax=docker/dockerfile:1\n"
     "ARG NODE_VERSION=20\n"
     "\n"
     "# deps installs the locked dependencies once\n"
     "FROM node:${NODE_VERSION}-bookworm-slim AS deps\n"
     "WORKDIR /app\n"
     "COPY package.json package-lock.json ./\n"
     "RUN --mount=type=cache,target=/root/.npm \\\n"
     "    npm ci\n"
     "\n"
     "# build compiles the sources\n"
     "FROM deps AS build\n"
     "COPY tsconfig.json ./\n"
     "COPY src ./src\n"
     "RUN npm run build \\\n"
     " && npm prune --omit=dev\n"
     "\n"
     "FROM build AS test\n"
     "COPY test ./test\n"
     "RUN npm test\n"
     "\n"
     "FROM node:${NODE_VERSION}-bookworm-slim AS runtime\n"
     "ENV NODE_ENV=production\n"
     "WORKDIR /app\n"
     "COPY --from=build --chown=node:node /app/node_modules ./node_modules\n"
     "COPY --from=build --chown=node:node /app/dist ./dist\n"
     "COPY --chown=node:node package.json ./\n"
     "USER node\n"
     "EXPOSE 3000\n"
     "HEALTHCHECK --interval=30s --timeout=3s \\\n"
     "  CMD [\"node\", \"dist/healthcheck.js\"]\n"
     "CMD [\"node\", \"dist/server.js\"]\n",
     "node_modules\n*.log\n.git\n",
     {NULL},
     {"NODE_VERSION=22"},
     {NULL},
     {"src/index.ts", "package-lock.json"},
     {"NODE_VERSION"},
     {NULL}},

    {"go-mounts",
     "# syntax=docker/dockerfile:1.7\n"
     "ARG GO_VERSION=1.22\n"
     "FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build\n"
     "ARG TARGETOS TARGETARCH\n"
     "WORKDIR /src\n"
     "RUN --mount=type=cache,target=/go/pkg/mod \\\n"
     "    --mount=type=bind,source=go.sum,target=go.sum \\\n"
     "    --mount=type=bind,source=go.mod,target=go.mod \\\n"
     "    go mod download -x\n"
     "RUN --mount=type=secret,id=netrc,target=/root/.netrc,required \\\n"
     "    --mount=type=ssh,id=github \\\n"
     "    --mount=type=bind,target=. \\\n"
     "    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /bin/server ./cmd/server\n"
     "\n"
     "FROM alpine:3.19 AS certs\n"
     "RUN apk add --no-cache ca-certificates tzdata\n"
     "\n"
     "FROM alpine:3.19 AS tools\n"
     "RUN --mount=type=bind,from=build,source=/bin/server,target=/srv \\\n"
     "    /srv --version\n"
     "\n"
     "FROM scratch AS final\n"
     "COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n"
     "COPY --from=build /bin/server /bin/\n"
     "COPY --link --from=busybox:1.36 /bin/busybox /bin/busybox\n"
     "USER 10001:10001\n"
     "ENTRYPOINT [\"/bin/server\"]\n",
     "*.md\nvendor/\n",
     {"final"},
     {NULL},
     {"busybox:1.36=docker-image://busybox:1.37"},
     {"cmd/server/main.go", "go.sum"},
     {NULL},
     {"alpine:3.19"}},

    {"onbuild",
     "FROM alpine:3.20 AS tools\n"
     "RUN apk add --no-cache make gcc\n"
     "\n"
     "FROM alpine:3.20 AS base\n"
     "WORKDIR /app\n"
     "ONBUILD COPY --from=tools /usr/bin/make /usr/bin/make\n"
     "ONBUILD COPY . /app/src\n"
     "ONBUILD RUN make -C /app/src\n"
     "\n"
     "FROM base AS app\n"
     "RUN echo built\n"
     "\n"
     "FROM base AS test\n"
     "RUN [\"make\", \"test\"]\n"
     "\n"
     "FROM app\n"
     "LABEL maintainer=\"team@example.com\" \\\n"
     "      version=\"1.0\"\n",
     ".git\nbuild/\n",
     {NULL},
     {NULL},
     {NULL},
     {"src/main.c"},
     {NULL},
     {NULL}},

    {"heredocs",
     "# syntax=docker/dockerfile:1\n"
     "FROM debian:bookworm-slim AS base\n"
     "RUN <<EOF\n"
     "set -eux\n"
     "apt-get update\n"
     "apt-get install -y --no-install-recommends curl\n"
     "EOF\n"
     "COPY <<-\"CONF\" /etc/app.conf\n"
     "\tlisten = ${PORT:-8080}\n"
     "\tCONF\n"
     "RUN cat <<A > /a && cat <<B > /b\n"
     "alpha\n"
     "A\n"
     "beta\n"
     "B\n"
     "RUN python3 - <<'PY'\n"
     "print(\"hi\")\n"
     "PY\n"
     "FROM base\n"
     "ADD <<EOF /etc/motd\n"
     "welcome $HOSTNAME\n"
     "EOF\n"
     "CMD [\"bash\"]\n",
     NULL,
     {NULL},
     {NULL},
     {NULL},
     {NULL},
     {NULL},
     {NULL}},

    {"escape-continuations",
     "# escape=`\n"
     "FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS build\n"
     "SHELL [\"powershell\", \"-Command\", \"$ErrorActionPreference = 'Stop';\"]\n"
     "RUN Write-Host `\n"
     "    hello `\n"
     "\n"
     "    world\n"
     "WORKDIR C:\\app\n"
     "COPY . C:\\app\\\n"
     "RUN dir C:\\app\n"
     "FROM build\n"
     "ENTRYPOINT [\"C:\\\\app\\\\app.exe\"]\n",
     "bin\nobj\n",
     {NULL},
     {NULL},
     {NULL},
     {"app/Program.cs"},
     {NULL},
     {NULL}},

    {"python-context",
     "FROM python:3.12-slim AS base\n"
     "ENV PYTHONDONTWRITEBYTECODE=1 \\\n"
     "    PYTHONUNBUFFERED=1\n"
     "WORKDIR /app\n"
     "COPY requirements.txt .\n"
     "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n"
     "ADD https://example.com/static/vendor.tar.gz /tmp/vendor.tar.gz\n"
     "ADD git@github.com:example/lib.git#v1.0 /opt/lib\n"
     "COPY . .\n"
     "COPY README.md /docs/\n"
     "EXPOSE 8000\n"
     "HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\n"
     "CMD gunicorn app:app\n",
     "**/__pycache__\n*.md\n.git\n!README.md\n",
     {NULL},
     {NULL},
     {NULL},
     {"app/views.py", "requirements.txt", "README.md", "docs/notes.md"},
     {NULL},
     {NULL}},

    {"args-fanin",
     "ARG REGISTRY=docker.io\n"
     "ARG BASE_IMAGE=${REGISTRY}/library/alpine:3.19\n"
     "ARG VERSION\n"
     "FROM ${BASE_IMAGE} AS a\n"
     "ARG VERSION\n"
     "RUN echo ${VERSION:-dev} > /version\n"
     "FROM ${BASE_IMAGE} AS b\n"
     "RUN echo b > /b\n"
     "FROM ${BASE_IMAGE} AS c\n"
     "COPY --from=0 /version /version\n"
     "COPY --from=b /b /b\n"
     "FROM c AS unused\n"
     "RUN echo never\n"
     "FROM scratch AS out\n"
     "COPY --from=a /version /\n"
     "COPY --from=c / /c/\n",
     NULL,
     {"out"},
     {"VERSION=1.2.3", "REGISTRY=registry.example.com:5000"},
     {"b=docker-image://alpine:3.20"},
     {NULL},
     {"VERSION"},
     {NULL}},

    {"lint-bait",
     "FROM alpine:3.19 as Builder\n"
     "MAINTAINER someone@example.com\n"
     "ARG PASSWORD=secret\n"
     "ENV key value\n"
     "WORKDIR relative\n"
     "COPY $MISSING /dst\n"
     "copy . /app\n"
     "EXPOSE 80/TCP\n"
     "ENTRYPOINT [\"a\"]\n"
     "ENTRYPOINT [\"b\"]\n"
     "CMD echo hello\n"
     "FROM --platform=linux/amd64 builder AS final\n"
     "RUN echo done\n",
     "*.tmp\n",
     {NULL},
     {NULL},
     {NULL},
     {"x.tmp"},
     {NULL},
     {NULL}},

    /* error paths: a target that does not exist (with a suggestion), and a
     * document whose verdict is an error */
    {"target-not-found",
     "FROM alpine AS builder\n"
     "RUN true\n"
     "FROM builder AS release\n",
     NULL,
     {"relaese"},
     {NULL},
     {NULL},
     {NULL},
     {NULL},
     {NULL}},

    {"bad-instruction",
     "FROM alpine\n"
     "COPY --chmod=bad --from=x a b\n"
     "FORM busybox\n",
     NULL,
     {NULL},
     {NULL},
     {NULL},
     {NULL},
     {NULL},
     {NULL}},
};

/* ---- the pipeline --------------------------------------------------------------- */

enum step {
  S_PARSE,
  S_DOC_SUMMARY,
  S_DUMP_BUILDKIT,
  S_DUMP_JSON,
  S_PLAN,
  S_PLAN_SUMMARY,
  S_PLAN_TEXT,
  S_PLAN_JSON,
  S_PLAN_DOT,
  S_PLAN_MERMAID,
  S_CACHE,
  S_CACHE_SUMMARY,
  S_CACHE_TEXT,
  S_CACHE_JSON,
  S_CACHE_DOT,
  S_CACHE_MERMAID,
  S_LINT,
  S_LINT_SUMMARY,
  S_LINT_TEXT,
  S_LINT_JSON,
  S_LINT_SARIF,
  S_COUNT
};

static const char *const STEP_NAMES[S_COUNT] = {
    "parse",       "doc summary",  "dump buildkit", "dump json",  "plan",        "plan summary",
    "plan text",   "plan json",    "plan dot",      "plan mermaid", "cache",     "cache summary",
    "cache text",  "cache json",   "cache dot",     "cache mermaid", "lint",     "lint summary",
    "lint text",   "lint json",    "lint sarif"};

/* Problems found by the sweep, grouped by kind (file, step, what went
 * wrong): each kind is printed once with its first message, how many
 * failure points showed it and their range; the test fails at the end. */
enum { KINDS_MAX = 256 };
static struct kind {
  char key[160];
  char first[1024];
  long count, first_n, last_n;
} kinds[KINDS_MAX];
static size_t kind_count;
static long problem_count;

static void problem(long n, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void problem(long n, const char *key, const char *fmt, ...) {
  problem_count++;
  size_t i = 0;
  while (i < kind_count && strcmp(kinds[i].key, key) != 0) i++;
  if (i == kind_count) {
    if (kind_count == KINDS_MAX) return;
    kind_count++;
    snprintf(kinds[i].key, sizeof kinds[i].key, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(kinds[i].first, sizeof kinds[i].first, fmt, ap);
    va_end(ap);
    kinds[i].first_n = n;
  }
  kinds[i].count++;
  kinds[i].last_n = n;
}

static void problems_print(void) {
  for (size_t i = 0; i < kind_count; i++)
    print_error("alloc: %s\n       (%ld failure point%s, N=%ld..%ld)\n", kinds[i].first,
                kinds[i].count, kinds[i].count == 1 ? "" : "s", kinds[i].first_n, kinds[i].last_n);
}

/* "first difference at byte B: line L: want <...> got <...>" */
static void describe_difference(char *msg, size_t cap, const char *want, size_t wlen,
                                const char *got, size_t glen) {
  size_t i = 0;
  while (i < wlen && i < glen && want[i] == got[i]) i++;
  size_t line = 1, bol = 0;
  for (size_t k = 0; k < i; k++)
    if (want[k] == '\n') {
      line++;
      bol = k + 1;
    }
  size_t we = bol, ge = bol;
  while (we < wlen && want[we] != '\n' && we - bol < 200) we++;
  while (ge < glen && got[ge] != '\n' && ge - bol < 200) ge++;
  snprintf(msg, cap, "line %zu: want \"%.*s\", got \"%.*s\"", line, (int)(we - bol), want + bol,
           (int)(ge - bol), got + bol);
}

/* A fixed text buffer for the summaries: the chaos runs must not touch the
 * C library's heap, or the final check could not see a stray malloc. */
static char summary[1 << 20];
static size_t summary_len;

static void sum(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static void sum(const char *fmt, ...) {
  if (summary_len >= sizeof summary - 1) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(summary + summary_len, sizeof summary - summary_len, fmt, ap);
  va_end(ap);
  if (n > 0) summary_len += (size_t)n;
  if (summary_len > sizeof summary - 1) summary_len = sizeof summary - 1;
}

#define S(p) ((p) ? (p) : "(null)")

static char key[160];
#define KEY(...) (snprintf(key, sizeof key, __VA_ARGS__), key)

static void summarise_instruction(const stagegraph_instruction *ins, int depth) {
  size_t len = 0;
  const char *orig = stagegraph_instruction_original(ins, &len);
  sum("%*sins %zu %s kw=%s lines=%u-%u off=%zu-%zu json=%d orig[%zu]=%s\n", depth, "",
      stagegraph_instruction_index(ins), stagegraph_kind_name(stagegraph_instruction_kind(ins)),
      S(stagegraph_instruction_keyword(ins)), (unsigned)stagegraph_instruction_start_line(ins),
      (unsigned)stagegraph_instruction_end_line(ins), stagegraph_instruction_start_offset(ins),
      stagegraph_instruction_end_offset(ins), stagegraph_instruction_is_json(ins), len, S(orig));
  for (size_t i = 0; i < stagegraph_instruction_flag_count(ins); i++)
    sum("%*s flag %s\n", depth, "", S(stagegraph_instruction_flag(ins, i)));
  for (size_t i = 0; i < stagegraph_instruction_arg_count(ins); i++) {
    size_t alen = 0;
    const char *a = stagegraph_instruction_arg(ins, i, &alen);
    sum("%*s arg[%zu] %s\n", depth, "", alen, S(a));
  }
  for (size_t i = 0; i < stagegraph_instruction_comment_count(ins); i++)
    sum("%*s comment %s\n", depth, "", S(stagegraph_instruction_comment(ins, i)));
  for (size_t i = 0; i < stagegraph_instruction_heredoc_count(ins); i++) {
    const stagegraph_heredoc *h = stagegraph_instruction_heredoc(ins, i);
    size_t hlen = 0;
    const char *body = stagegraph_heredoc_content(h, &hlen);
    sum("%*s heredoc %s expand=%d chomp=%d fd=%d [%zu] %s\n", depth, "",
        S(stagegraph_heredoc_name(h)), stagegraph_heredoc_expand(h), stagegraph_heredoc_chomp(h),
        stagegraph_heredoc_fd(h), hlen, S(body));
  }
  static const char *const FLAGS[] = {"from", "mount", "chown", "chmod", "link", "platform"};
  for (size_t f = 0; f < N_OF(FLAGS); f++) {
    const char *v = stagegraph_instruction_flag_value(ins, FLAGS[f], 0);
    if (v) sum("%*s --%s=%s\n", depth, "", FLAGS[f], v);
  }
  const stagegraph_instruction *trigger = stagegraph_instruction_trigger(ins);
  if (trigger) summarise_instruction(trigger, depth + 2);
}

static void summarise_diagnostic(const stagegraph_diagnostic *d) {
  sum("diag sev=%d code=%d rule=%s %u:%u-%u:%u url=%s %s\n", (int)stagegraph_diagnostic_severity(d),
      stagegraph_diagnostic_code(d), S(stagegraph_diagnostic_rule(d)),
      (unsigned)stagegraph_diagnostic_line(d), (unsigned)stagegraph_diagnostic_column(d),
      (unsigned)stagegraph_diagnostic_end_line(d), (unsigned)stagegraph_diagnostic_end_column(d),
      S(stagegraph_diagnostic_url(d)), S(stagegraph_diagnostic_message(d)));
}

static void summarise_doc(const stagegraph_doc *doc) {
  sum("escape %c\n", stagegraph_doc_escape(doc));
  for (size_t i = 0; i < stagegraph_doc_directive_count(doc); i++)
    sum("directive %s=%s line %u\n", S(stagegraph_doc_directive_key(doc, i)),
        S(stagegraph_doc_directive_value(doc, i)), (unsigned)stagegraph_doc_directive_line(doc, i));
  for (size_t i = 0; i < stagegraph_doc_instruction_count(doc); i++)
    summarise_instruction(stagegraph_doc_instruction(doc, i), 0);
  for (size_t i = 0; i < stagegraph_doc_meta_arg_count(doc); i++)
    sum("meta arg %zu\n", stagegraph_instruction_index(stagegraph_doc_meta_arg(doc, i)));
  for (size_t i = 0; i < stagegraph_doc_stage_count(doc); i++) {
    const stagegraph_stage *st = stagegraph_doc_stage(doc, i);
    sum("stage %zu name=%s base=%s platform=%s desc=%s from=%zu n=%zu:", stagegraph_stage_index(st),
        S(stagegraph_stage_name(st)), S(stagegraph_stage_base(st)),
        S(stagegraph_stage_platform(st)), S(stagegraph_stage_description(st)),
        stagegraph_instruction_index(stagegraph_stage_from(st)),
        stagegraph_stage_instruction_count(st));
    for (size_t k = 0; k < stagegraph_stage_instruction_count(st); k++)
      sum(" %zu", stagegraph_instruction_index(stagegraph_stage_instruction(st, k)));
    sum("\n");
  }
  for (size_t i = 0; i < stagegraph_doc_diagnostic_count(doc); i++)
    summarise_diagnostic(stagegraph_doc_diagnostic(doc, i));
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_doc_verdict(doc, &err);
  sum("verdict %d %u:%u %s\n", rc, (unsigned)err.line, (unsigned)err.column, rc ? err.message : "");
}

static void sum_list(const char *what, const size_t *list, size_t n) {
  sum("%s", what);
  for (size_t i = 0; i < n; i++) sum(" %zu", list[i]);
  sum("\n");
}

static void summarise_plan(const stagegraph_plan *plan) {
  const stagegraph_doc *doc = stagegraph_plan_doc(plan);
  sum("legacy %d\n", stagegraph_plan_is_legacy(plan));
  for (size_t s = 0; s < stagegraph_doc_stage_count(doc); s++) {
    const stagegraph_image *im = stagegraph_plan_stage_image(plan, s);
    sum("stage %zu base=%s platform=%s parent=%zu image=%s context=%s needed=%d wave=%zu\n", s,
        S(stagegraph_plan_stage_base(plan, s)), S(stagegraph_plan_stage_platform(plan, s)),
        stagegraph_plan_stage_parent(plan, s), im ? S(stagegraph_image_normalized(im)) : "-",
        S(stagegraph_plan_stage_context(plan, s)), stagegraph_plan_stage_needed(plan, s),
        stagegraph_plan_stage_wave(plan, s));
  }
  for (size_t e = 0; e < stagegraph_plan_edge_count(plan); e++) {
    const stagegraph_edge *ed = stagegraph_plan_edge(plan, e);
    sum("edge %zu->%zu %s ins=%zu onbuild=%d ref=%s\n", stagegraph_edge_from(ed),
        stagegraph_edge_to(ed), stagegraph_edge_kind_name(stagegraph_edge_get_kind(ed)),
        stagegraph_instruction_index(stagegraph_edge_instruction(ed)), stagegraph_edge_onbuild(ed),
        S(stagegraph_edge_reference(ed)));
  }
  for (size_t i = 0; i < stagegraph_plan_image_count(plan); i++) {
    const stagegraph_image *im = stagegraph_plan_image(plan, i);
    sum("image %s dom=%s path=%s tag=%s dig=%s norm=%s fam=%s ctx=%s uses:", S(stagegraph_image_ref(im)),
        S(stagegraph_image_domain(im)), S(stagegraph_image_path(im)), S(stagegraph_image_tag(im)),
        S(stagegraph_image_digest(im)), S(stagegraph_image_normalized(im)),
        S(stagegraph_image_familiar(im)), S(stagegraph_image_context(im)));
    for (size_t u = 0; u < stagegraph_image_use_count(im); u++)
      sum(" %d/%zu/%u", (int)stagegraph_image_use_kind(im, u), stagegraph_image_use_stage(im, u),
          (unsigned)stagegraph_image_use_line(im, u));
    sum("\n");
  }
  size_t n = 0;
  const size_t *l = stagegraph_plan_targets(plan, &n);
  sum_list("targets", l, n);
  l = stagegraph_plan_order(plan, &n);
  sum_list("order", l, n);
  l = stagegraph_plan_pruned(plan, &n);
  sum_list("pruned", l, n);
  l = stagegraph_plan_critical_path(plan, &n);
  sum_list("critical", l, n);
  for (size_t w = 0; w < stagegraph_plan_wave_count(plan); w++) {
    l = stagegraph_plan_wave(plan, w, &n);
    sum_list("wave", l, n);
  }
  for (size_t i = 0; i < stagegraph_plan_arg_count(plan); i++)
    sum("arg %s=%s (%s) line %u\n", S(stagegraph_plan_arg_name(plan, i)),
        S(stagegraph_plan_arg_value(plan, i)), S(stagegraph_plan_arg_description(plan, i)),
        (unsigned)stagegraph_plan_arg_line(plan, i));
  for (size_t i = 0; i < stagegraph_plan_secret_count(plan); i++)
    sum("secret %s req=%d line %u\n", S(stagegraph_plan_secret_id(plan, i)),
        stagegraph_plan_secret_required(plan, i), (unsigned)stagegraph_plan_secret_line(plan, i));
  for (size_t i = 0; i < stagegraph_plan_ssh_count(plan); i++)
    sum("ssh %s req=%d line %u\n", S(stagegraph_plan_ssh_id(plan, i)),
        stagegraph_plan_ssh_required(plan, i), (unsigned)stagegraph_plan_ssh_line(plan, i));
}

static void summarise_cache(const stagegraph_cache *cache) {
  sum("layers %zu surviving %zu\n", stagegraph_cache_layer_count(cache),
      stagegraph_cache_layers_surviving_edit(cache));
  for (size_t i = 0; i < stagegraph_cache_stage_count(cache); i++) {
    sum("stage %zu first_invalidated=%u boundary=%zu\n", stagegraph_cache_stage(cache, i),
        (unsigned)stagegraph_cache_first_invalidated(cache, i), stagegraph_cache_boundary(cache, i));
    for (size_t k = 0; k < stagegraph_cache_instruction_count(cache, i); k++) {
      sum(" ins %zu onbuild=%d layer=%d linked=%d %s reason=%s inputs:",
          stagegraph_instruction_index(stagegraph_cache_instruction(cache, i, k)),
          stagegraph_cache_instruction_onbuild(cache, i, k),
          stagegraph_cache_instruction_layer(cache, i, k),
          stagegraph_cache_instruction_linked(cache, i, k),
          stagegraph_cache_status_name(stagegraph_cache_instruction_status(cache, i, k)),
          S(stagegraph_cache_instruction_reason(cache, i, k)));
      for (size_t in = 0; in < stagegraph_cache_input_count(cache, i, k); in++)
        sum(" %s:%s", stagegraph_input_kind_name(stagegraph_cache_input_kind(cache, i, k, in)),
            S(stagegraph_cache_input_value(cache, i, k, in)));
      sum("\n");
    }
  }
}

static void summarise_lint(const stagegraph_lint *lint) {
  sum("findings %zu failed %d\n", stagegraph_lint_count(lint), stagegraph_lint_failed(lint));
  for (size_t i = 0; i < stagegraph_lint_count(lint); i++)
    summarise_diagnostic(stagegraph_lint_diagnostic(lint, i));
}

#ifdef HAVE_MALLINFO2
/* The C library's heap in use (small blocks and mapped ones). */
static size_t libc_in_use(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}
#endif

/* ---- the steps ----------------------------------------------------------------- */

enum slot { O_DOC, O_PLAN, O_CACHE, O_LINT, O_COUNT };
enum how { CREATE, SUMMARY, RENDER };

static const struct {
  enum how how;
  enum slot slot; /* CREATE: the object made; otherwise the object read */
  int format;
} STEPS[S_COUNT] = {
    {CREATE, O_DOC, 0},
    {SUMMARY, O_DOC, 0},
    {RENDER, O_DOC, STAGEGRAPH_DUMP_BUILDKIT},
    {RENDER, O_DOC, STAGEGRAPH_DUMP_JSON},
    {CREATE, O_PLAN, 0},
    {SUMMARY, O_PLAN, 0},
    {RENDER, O_PLAN, STAGEGRAPH_FORMAT_TEXT},
    {RENDER, O_PLAN, STAGEGRAPH_FORMAT_JSON},
    {RENDER, O_PLAN, STAGEGRAPH_FORMAT_DOT},
    {RENDER, O_PLAN, STAGEGRAPH_FORMAT_MERMAID},
    {CREATE, O_CACHE, 0},
    {SUMMARY, O_CACHE, 0},
    {RENDER, O_CACHE, STAGEGRAPH_FORMAT_TEXT},
    {RENDER, O_CACHE, STAGEGRAPH_FORMAT_JSON},
    {RENDER, O_CACHE, STAGEGRAPH_FORMAT_DOT},
    {RENDER, O_CACHE, STAGEGRAPH_FORMAT_MERMAID},
    {CREATE, O_LINT, 0},
    {SUMMARY, O_LINT, 0},
    {RENDER, O_LINT, STAGEGRAPH_FORMAT_TEXT},
    {RENDER, O_LINT, STAGEGRAPH_FORMAT_JSON},
    {RENDER, O_LINT, STAGEGRAPH_FORMAT_SARIF},
};

/* The objects a run has built, by slot. */
typedef struct objects {
  void *obj[O_COUNT];
} objects;

static void free_object(enum slot slot, void *obj) {
  switch (slot) {
  case O_DOC: stagegraph_doc_free(obj); break;
  case O_PLAN: stagegraph_plan_free(obj); break;
  case O_CACHE: stagegraph_cache_free(obj); break;
  case O_LINT:
    stagegraph_lint_free(obj);
    break;
  case O_COUNT: break;
  }
}

static void objects_free(objects *o) {
  for (int k = O_COUNT - 1; k >= 0; k--) free_object((enum slot)k, o->obj[k]);
  memset(o, 0, sizeof *o);
}

/* Whether a step can run: the object it reads exists (a cache needs the
 * plan), and lint is built. */
static int runnable(int step, const objects *o) {
  enum slot slot = STEPS[step].slot;
  if (STEPS[step].how != CREATE) return o->obj[slot] != NULL;
  if (slot == O_DOC) return 1;
  if (slot == O_CACHE) return o->obj[O_PLAN] != NULL;
  return o->obj[O_DOC] != NULL;
}

/* Runs one step: CREATE puts the new object in *made, RENDER fills `buf`,
 * SUMMARY fills `summary`. `alloc` NULL: the C library's allocator. */
static int perform(const tcase *tc, const stagegraph_allocator *alloc, int step, const objects *o,
                   void **made, stagegraph_buf *buf, stagegraph_error *err) {
  const void *doc = o->obj[O_DOC], *plan = o->obj[O_PLAN], *cache = o->obj[O_CACHE];
  int format = STEPS[step].format;
  switch (step) {
  case S_PARSE: {
    stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
    opts.allocator = alloc;
    opts.build_args = tc->build_args;
    opts.build_arg_count = COUNT(tc->build_args);
    return stagegraph_parse((stagegraph_doc **)made, tc->dockerfile, strlen(tc->dockerfile), &opts,
                            err);
  }
  case S_PLAN: {
    stagegraph_plan_options popts = STAGEGRAPH_PLAN_OPTIONS_INIT;
    popts.targets = tc->targets;
    popts.target_count = COUNT(tc->targets);
    popts.build_contexts = tc->build_contexts;
    popts.build_context_count = COUNT(tc->build_contexts);
    return stagegraph_plan_new((stagegraph_plan **)made, doc, &popts, err);
  }
  case S_CACHE: {
    stagegraph_cache_options copts = STAGEGRAPH_CACHE_OPTIONS_INIT;
    copts.changed_paths = tc->changed_paths;
    copts.changed_path_count = COUNT(tc->changed_paths);
    copts.changed_args = tc->changed_args;
    copts.changed_arg_count = COUNT(tc->changed_args);
    copts.changed_images = tc->changed_images;
    copts.changed_image_count = COUNT(tc->changed_images);
    copts.dockerignore = tc->dockerignore;
    copts.dockerignore_len = tc->dockerignore ? strlen(tc->dockerignore) : 0;
    return stagegraph_cache_new((stagegraph_cache **)made, plan, &copts, err);
  }
  case S_LINT: {
    stagegraph_lint_options lopts = STAGEGRAPH_LINT_OPTIONS_INIT;
    lopts.targets = tc->targets;
    lopts.target_count = COUNT(tc->targets);
    lopts.dockerignore = tc->dockerignore;
    lopts.dockerignore_len = tc->dockerignore ? strlen(tc->dockerignore) : 0;
    lopts.build_contexts = tc->build_contexts;
    lopts.build_context_count = COUNT(tc->build_contexts);
    return stagegraph_lint_new((stagegraph_lint **)made, doc, &lopts, err);
  }
  case S_LINT_SUMMARY: summary_len = 0; summarise_lint(o->obj[O_LINT]); return 0;
  case S_LINT_TEXT:
  case S_LINT_JSON:
  case S_LINT_SARIF:
    return stagegraph_lint_render(buf, o->obj[O_LINT], (stagegraph_format)format, "Dockerfile", err);
  case S_DOC_SUMMARY: summary_len = 0; summarise_doc(doc); return 0;
  case S_PLAN_SUMMARY: summary_len = 0; summarise_plan(plan); return 0;
  case S_CACHE_SUMMARY: summary_len = 0; summarise_cache(cache); return 0;
  case S_DUMP_BUILDKIT:
  case S_DUMP_JSON: return stagegraph_doc_dump(buf, doc, (stagegraph_dump_format)format, err);
  case S_PLAN_TEXT:
  case S_PLAN_JSON:
  case S_PLAN_DOT:
  case S_PLAN_MERMAID: return stagegraph_plan_render(buf, plan, (stagegraph_format)format, err);
  case S_CACHE_TEXT:
  case S_CACHE_JSON:
  case S_CACHE_DOT:
  case S_CACHE_MERMAID: return stagegraph_cache_render(buf, cache, (stagegraph_format)format, err);
  default: return STAGEGRAPH_EINVAL;
  }
}

/* The text a SUMMARY or RENDER step produced. */
static void produced(int step, const stagegraph_buf *buf, const char **text, size_t *len) {
  if (STEPS[step].how == SUMMARY) {
    *text = summary;
    *len = summary_len;
  } else {
    *text = buf->ptr;
    *len = buf->size;
  }
}

/* ---- the reference ---------------------------------------------------------------- */

/* What the C library's allocator gives: each step's code, message, text. */
typedef struct outcome {
  int ran[S_COUNT];
  int rc[S_COUNT];
  char message[S_COUNT][STAGEGRAPH_MESSAGE_MAX];
  char *text[S_COUNT]; /* malloc'd copies */
  size_t len[S_COUNT];
} outcome;

static void outcome_free(outcome *o) {
  for (int i = 0; i < S_COUNT; i++) free(o->text[i]);
  memset(o, 0, sizeof *o);
}

static void reference(const tcase *tc, outcome *ref) {
  memset(ref, 0, sizeof *ref);
  objects o;
  memset(&o, 0, sizeof o);
  for (int step = 0; step < S_COUNT; step++) {
    if (!runnable(step, &o)) continue;
    void *made = NULL;
    stagegraph_buf buf = STAGEGRAPH_BUF_INIT;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    int rc = perform(tc, NULL, step, &o, &made, &buf, &err);
    ref->ran[step] = 1;
    ref->rc[step] = rc;
    if (rc) memcpy(ref->message[step], err.message, sizeof err.message);
    if (rc == 0 && STEPS[step].how == CREATE) o.obj[STEPS[step].slot] = made;
    if (rc == 0 && STEPS[step].how != CREATE) {
      const char *text;
      size_t len;
      produced(step, &buf, &text, &len);
      ref->text[step] = malloc(len + 1);
      assert_non_null(ref->text[step]);
      memcpy(ref->text[step], text, len);
      ref->text[step][len] = '\0';
      ref->len[step] = len;
    }
    stagegraph_buf_dispose(&buf);
  }
  objects_free(&o);
}

/* ---- the sweep ----------------------------------------------------------------------- */

typedef struct sweeper {
  const tcase *tc;
  alloc_budget *ch;
  stagegraph_allocator alloc;
  const outcome *ref;
  int sweep;        /* 0: only the failure-free attempt of each step */
  objects o;        /* the failure-free objects so far */
  int ran[S_COUNT];
  long points;      /* attempts in which an allocation failed */
  long allocations; /* calls made by the failure-free attempts */
} sweeper;

static void arm(alloc_budget *c, long fail_at, int step) {
  budget_fail(c, fail_at, 0);
  sweeping_step = step;
}

/* Compares a step's text with the reference. */
static void compare(sweeper *sw, int step, long n, int after, const char *text, size_t len) {
  const outcome *ref = sw->ref;
  if (len == ref->len[step] && memcmp(text, ref->text[step], len) == 0) return;
  char diff[600];
  describe_difference(diff, sizeof diff, ref->text[step], ref->len[step], text, len);
  problem(n, KEY("%s/%s/output/%s", sw->tc->name, STEP_NAMES[step], STEP_NAMES[after]),
          "%s: %s made with allocation %ld of %s failing succeeded, but %s differs from the "
          "reference (%zu bytes, want %zu): %s",
          sw->tc->name, STEP_NAMES[after], n, STEP_NAMES[after], STEP_NAMES[step], len,
          ref->len[step], diff);
}

/* Everything an object made despite a failed allocation shows must equal
 * the reference: its summary and its renderings (made without failures). */
static void verify_object(sweeper *sw, int create, void *made, long n) {
  objects o = sw->o;
  o.obj[STEPS[create].slot] = made;
  for (int step = create + 1; step < S_COUNT && STEPS[step].slot == STEPS[create].slot; step++) {
    arm(sw->ch, -1, step);
    stagegraph_buf buf = STAGEGRAPH_BUF_INIT;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    int rc = perform(sw->tc, &sw->alloc, step, &o, NULL, &buf, &err);
    if (rc != sw->ref->rc[step]) {
      problem(n, KEY("%s/%s/verify/%s", sw->tc->name, STEP_NAMES[create], STEP_NAMES[step]),
              "%s: %s made with allocation %ld failing succeeded, but %s of it returns %s (%s)",
              sw->tc->name, STEP_NAMES[create], n, STEP_NAMES[step], stagegraph_code_name(rc),
              err.message);
    } else if (rc == 0) {
      const char *text;
      size_t len;
      produced(step, &buf, &text, &len);
      compare(sw, step, n, create, text, len);
    }
    stagegraph_buf_dispose(&buf);
  }
}

/* Attempts `step` with allocation n failing (-1: none) and checks what
 * happens. Returns whether an allocation failed; a failure-free CREATE
 * leaves its object in sw->o. */
static int attempt(sweeper *sw, int step, long n) {
  const char *name = sw->tc->name, *sname = STEP_NAMES[step];
  alloc_budget *ch = sw->ch;
  long live0 = ch->live;
  size_t bytes0 = ch->live_bytes;
  void *made = NULL;
  stagegraph_buf buf = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  arm(ch, n, step);
  int rc = perform(sw->tc, &sw->alloc, step, &sw->o, &made, &buf, &err);
  int injected = ch->injected;
  long calls = ch->calls;
  arm(ch, -1, -1);
  int want = sw->ref->rc[step];

  if (rc != 0) {
    if (err.code != rc)
      problem(n, KEY("%s/%s/errcode", name, sname), "%s: %s returned %s but err.code is %s", name,
              sname, stagegraph_code_name(rc), stagegraph_code_name(err.code));
    if (made)
      problem(n, KEY("%s/%s/outset", name, sname), "%s: %s failed with %s but set *out", name,
              sname, stagegraph_code_name(rc));
    if (rc == want) {
      if (strcmp(err.message, sw->ref->message[step]) != 0)
        problem(n, KEY("%s/%s/message", name, sname),
                "%s: with allocation %ld failing, %s returned %s as the reference does, but the "
                "message is \"%s\", want \"%s\"",
                name, n, sname, stagegraph_code_name(rc), err.message, sw->ref->message[step]);
    } else if (rc == STAGEGRAPH_ENOMEM && !injected) {
      problem(n, KEY("%s/%s/late-enomem", name, sname),
              "%s: %s returned ENOMEM though no allocation failed", name, sname);
    } else if (rc != STAGEGRAPH_ENOMEM) {
      problem(n, KEY("%s/%s/code/%d", name, sname, rc),
              "%s: with allocation %ld of %s failing, it returned %s (%s), want %s%s", name, n,
              sname, stagegraph_code_name(rc), err.message, stagegraph_code_name(want),
              injected ? " or ENOMEM" : "");
    }
  } else if (want != 0) {
    problem(n, KEY("%s/%s/succeeded", name, sname),
            "%s: with allocation %ld of %s failing, it succeeded, want %s (%s)", name, n, sname,
            stagegraph_code_name(want), sw->ref->message[step]);
  } else if (STEPS[step].how == CREATE) {
    if (injected) {
      verify_object(sw, step, made, n);
      free_object(STEPS[step].slot, made);
      made = NULL;
    } else {
      sw->o.obj[STEPS[step].slot] = made;
    }
  } else {
    const char *text;
    size_t len;
    produced(step, &buf, &text, &len);
    if (STEPS[step].how == RENDER && (!text || text[len] != '\0'))
      problem(n, KEY("%s/%s/nul", name, sname), "%s: %s succeeded without a NUL-terminated text",
              name, sname);
    else
      compare(sw, step, n, step, text, len);
  }
  stagegraph_buf_dispose(&buf);

  /* whatever happened, the step holds nothing more once its object (if
   * kept) is accounted for */
  if (!(rc == 0 && !injected && STEPS[step].how == CREATE) &&
      (ch->live != live0 || ch->live_bytes != bytes0))
    problem(n, KEY("%s/%s/leak", name, sname),
            "%s: with allocation %ld of %s failing (%s), %ld blocks (%ld bytes) leaked", name, n,
            sname, stagegraph_code_name(rc), ch->live - live0, (long)(ch->live_bytes - bytes0));
  if (!injected) {
    sw->ran[step] = 1;
    sw->allocations += calls;
  }
  return injected;
}

/* Every step of a file, each swept over its allocations in turn: the
 * objects the later steps need are the failure-free ones, so every
 * allocation of a full run fails exactly once. */
static void run_steps(sweeper *sw) {
  sw->alloc = budget_allocator(sw->ch);
  memset(&sw->o, 0, sizeof sw->o);
  for (int step = 0; step < S_COUNT; step++) {
    if (!runnable(step, &sw->o)) continue;
    if (!sw->sweep || STEPS[step].how == SUMMARY) {
      if (attempt(sw, step, -1))
        problem(-1, KEY("%s/%s/nofail", sw->tc->name, STEP_NAMES[step]),
                "%s: an allocation failed with no failure asked for", sw->tc->name);
      continue;
    }
    for (long n = 0;; n++) {
      if (!attempt(sw, step, n)) break;
      sw->points++;
      if (n > 1000000) {
        problem(n, KEY("%s/endless", sw->tc->name), "%s: %s still allocating after 1000000 calls",
                sw->tc->name, STEP_NAMES[step]);
        break;
      }
    }
  }
  for (int s = 0; s < S_COUNT; s++)
    if (sw->ref->ran[s] != sw->ran[s])
      problem(-1, KEY("%s/ran/%d", sw->tc->name, s), "%s: %s %s in the reference run but not here",
              sw->tc->name, STEP_NAMES[s], sw->ref->ran[s] ? "ran" : "did not run");
}

static void sweep_done(sweeper *sw) {
  objects_free(&sw->o);
  if (sw->ch->live != 0 || sw->ch->live_bytes != 0)
    problem(-1, KEY("%s/leak-end", sw->tc->name), "%s: %ld blocks (%zu bytes) leaked in all",
            sw->tc->name, sw->ch->live, sw->ch->live_bytes);
  if (sw->ch->foreign)
    problem(-1, KEY("%s/foreign", sw->tc->name), "%s: %ld frees of blocks the allocator did not make",
            sw->tc->name, sw->ch->foreign);
}

static void test_alloc_sweep(void **state) {
  (void)state;
  long total = 0, allocations = 0;
  problem_count = 0;
  kind_count = 0;
  for (size_t i = 0; i < N_OF(CASES); i++) {
    const tcase *tc = &CASES[i];
    outcome ref;
    reference(tc, &ref);
    alloc_budget ch;
    budget_init(&ch);
    sweeping = tc->name;
    sweeper sw;
    memset(&sw, 0, sizeof sw);
    sw.tc = tc;
    sw.ch = &ch;
    sw.ref = &ref;
    sw.sweep = 1;
    run_steps(&sw);
    sweep_done(&sw);
    outcome_free(&ref);
    print_message("alloc: %-22s %4ld failure points swept (%ld allocations in a full run)\n",
                  tc->name, sw.points, sw.allocations);
    total += sw.points;
    allocations += sw.allocations;
  }
  print_message("alloc: %ld failure points swept over %zu files (%ld allocations)\n", total,
                N_OF(CASES), allocations);
  if (problem_count) {
    problems_print();
    fail_msg("%ld problems (%zu kinds) under allocation failure", problem_count, kind_count);
  }
}

/* Plans, caches, lints and rendered buffers inherit the document's
 * allocator: with every block served from a private pool, a whole run
 * holds nothing in the C library's heap while its objects live (the check
 * needs glibc's mallinfo2; under valgrind and sanitizers, which replace
 * malloc, it sees nothing and passes). */
static void test_allocator_inherited(void **state) {
  (void)state;
  problem_count = 0;
  kind_count = 0;
  size_t pool_cap = (size_t)64 << 20;
  char *pool = malloc(pool_cap);
  assert_non_null(pool);
  alloc_budget ch;
  for (size_t i = 0; i < N_OF(CASES); i++) {
    const tcase *tc = &CASES[i];
    outcome ref;
    reference(tc, &ref);
    budget_init(&ch);
    ch.pool = pool;
    ch.pool_cap = pool_cap;
    sweeper sw;
    memset(&sw, 0, sizeof sw);
    sw.tc = tc;
    sw.ch = &ch;
    sw.ref = &ref;
#ifdef HAVE_MALLINFO2
    size_t before = libc_in_use();
#endif
    run_steps(&sw);
#ifdef HAVE_MALLINFO2
    size_t now = libc_in_use();
    if (now > before)
      problem(-1, KEY("%s/libc", tc->name),
              "%s: %zu bytes of the C library's heap are held while the objects live: something "
              "bypasses the document's allocator",
              tc->name, now - before);
#endif
    if (ch.calls == 0 && sw.allocations == 0)
      problem(-1, KEY("%s/unused", tc->name), "%s: the allocator was never called", tc->name);
    sweep_done(&sw);
    outcome_free(&ref);
  }
  free(pool);
  if (problem_count) {
    problems_print();
    fail_msg("%ld problems", problem_count);
  }
}

/* The files reach the steps they are meant to: every step succeeds (so
 * the sweep covers every renderer), except for the two error cases, whose
 * plan fails (a guard against the files drifting into errors). */
static void test_reference_coverage(void **state) {
  (void)state;
  for (size_t i = 0; i < N_OF(CASES); i++) {
    const tcase *tc = &CASES[i];
    outcome ref;
    reference(tc, &ref);
    int error_case =
        strcmp(tc->name, "target-not-found") == 0 || strcmp(tc->name, "bad-instruction") == 0;
    int ok = ref.ran[S_PARSE] && ref.rc[S_PARSE] == 0;
    for (int s = 0; s < S_COUNT && ok; s++) {
      int plan_side = STEPS[s].slot == O_PLAN || STEPS[s].slot == O_CACHE;
      if (error_case && plan_side) ok = s == S_PLAN ? ref.rc[s] != 0 : !ref.ran[s];
      else if (error_case && STEPS[s].slot == O_LINT) ok = ref.ran[S_LINT];
      else ok = ref.ran[s] && ref.rc[s] == 0;
      if (!ok) print_error("alloc: %s: reference %s: %s %s\n", tc->name, STEP_NAMES[s],
                           ref.ran[s] ? stagegraph_code_name(ref.rc[s]) : "not run",
                           ref.message[s]);
    }
    outcome_free(&ref);
    if (!ok) fail_msg("%s: the reference run does not reach the steps it should", tc->name);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_coverage),
      cmocka_unit_test(test_allocator_inherited),
      cmocka_unit_test(test_alloc_sweep),
  };
  return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
