/*
 * `make bench`: throughput, memory and scaling of stagegraph through its
 * public API. Not part of `make check`: it reports, it never fails on a
 * figure. Every time is the median of several runs; a run repeats the
 * operation until it has taken a minimum time, so short operations are
 * timed over many iterations. This machine's speed drifts by up to 1.6x
 * for minutes at a time, so a fixed parse timed around every run tells
 * whether the host ran at full speed, and only such runs count (see
 * HOST_DRIFT); a corpus phase measured before the host's full speed was
 * first seen is measured again at the end of the table.
 *
 * usage: bench [--corpus DIR] [--cli PATH] [--quick] [--parse-only] [--family NAME]
 *              [--families] [--profile WHAT]
 *   --corpus DIR   the corpus (DIR/files/ is read into memory first)
 *   --cli PATH     build/bin/stagegraph, for the peak RSS of `dump`
 *   --quick        a reduced set (also BENCH_QUICK=1)
 *   --parse-only   print only the corpus parse throughput (bench-compare)
 *   --family NAME  only the scaling table of that family (e.g. random-dag)
 *   --families     list the scaling families, one a line: name, unit, sizes
 *                  (what tests/bench/count.sh counts)
 *   --profile WHAT one untimed run for a profiler (valgrind --tool=callgrind):
 *                  a corpus phase (parse, dump-json, plan, cache,
 *                  render-plan, render-cache, pipeline, lint, render-lint:
 *                  one pass after the
 *                  setup), or FAMILY:N (parse, plan, cache and lint of one
 *                  generated input, e.g. chain:10000), or FAMILY:N:PHASE:K
 *                  (one phase repeated K times on that input after one
 *                  warm-up, freed memory kept: the scaling table's
 *                  conditions, for perf; e.g. random-dag:100000:plan:20)
 *
 * Scaling inputs are generated in a child process per size, and the sizes
 * of a family take turns at being timed (see "scaling" below), so a slow
 * spell of the machine does not land on one size; a size that is much
 * slower than expected (or crashes) is cut off by a time limit and
 * reported instead of stalling the run, and the child's peak RSS is that
 * size's own.
 */
#define _GNU_SOURCE /* wait4: the child's own rusage; sched_getcpu, CPU_SET */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h> /* mallopt: the scaling children's allocator policy */
#endif

#include "stagegraph.h"

/* ---- settings ---------------------------------------------------------- */

typedef struct settings {
  int quick;
  int runs;             /* runs per corpus measurement (median taken) */
  double min_run;       /* seconds a run lasts at least */
  double scale_timeout; /* seconds a scaling child may take to set up, or for one turn */
  int scale_rounds;     /* turns each child gets at most, per phase */
  double scale_budget;  /* seconds the whole scaling section may take */
} settings;

static settings S;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* What measurements use: this process's CPU time (user + system), so that
 * other load on the two cores does not count; page faults and other kernel
 * work done for the library still do. */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory");
  return p;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* ---- timing -------------------------------------------------------------- */

/* One operation; returns 0, or nonzero when it failed (counted, not fatal). */
typedef int (*op_fn)(void *ctx);

typedef struct timing {
  double median; /* seconds per operation */
  double min, max;
  int runs;
  double faults; /* minor page faults per operation, over all runs */
} timing;

static long minor_faults(void) {
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

/* Median over `runs` runs of the CPU time per operation; each run repeats
 * the operation in doubling batches (the clock is read between batches)
 * until `min_run` seconds have passed. When one operation alone is slow,
 * fewer runs are made so that the total stays near `cap` seconds. */
static timing measure(op_fn op, void *ctx, int runs, double min_run, double cap) {
  double t[32];
  if (runs > 32) runs = 32;
  int done = 0;
  long faults0 = minor_faults(), ops = 0;
  for (int r = 0; r < runs; r++) {
    long iters = 0, batch = 1;
    double start = cpu_now(), elapsed;
    for (;;) {
      for (long b = 0; b < batch; b++) op(ctx);
      iters += batch;
      elapsed = cpu_now() - start;
      if (elapsed >= min_run) break;
      if (elapsed < min_run / 4) batch *= 2;
    }
    t[done++] = elapsed / (double)iters;
    ops += iters;
    if (r == 0 && runs > 1 && t[0] * runs > cap) {
      runs = (int)(cap / t[0]);
      if (runs < 1) runs = 1;
      if (runs > 1 && runs % 2 == 0) runs--; /* odd: a true median */
    }
  }
  qsort(t, (size_t)done, sizeof t[0], cmp_double);
  timing out = {t[done / 2], t[0], t[done - 1], done,
                (double)(minor_faults() - faults0) / (double)(ops ? ops : 1)};
  return out;
}

/* ---- a counting allocator ------------------------------------------------ */

/* Total bytes requested by malloc and realloc (a realloc counts its whole
 * new size) and the peak of the bytes live at once. A header before each
 * block remembers its size for realloc and free. */
typedef struct counter {
  size_t requested;
  size_t live;
  size_t peak;
  size_t calls;
} counter;

enum { HDR = 16 };

static void count_add(counter *c, size_t add, size_t sub) {
  c->requested += add;
  c->live = c->live - sub + add;
  if (c->live > c->peak) c->peak = c->live;
  c->calls++;
}

static void *cnt_malloc(size_t size, void *ctx) {
  char *p = malloc(HDR + size);
  if (!p) return NULL;
  memcpy(p, &size, sizeof size);
  count_add(ctx, size, 0);
  return p + HDR;
}

static void *cnt_realloc(void *ptr, size_t size, void *ctx) {
  if (!ptr) return cnt_malloc(size, ctx);
  char *base = (char *)ptr - HDR;
  size_t old;
  memcpy(&old, base, sizeof old);
  char *p = realloc(base, HDR + size);
  if (!p) return NULL;
  memcpy(p, &size, sizeof size);
  count_add(ctx, size, old);
  return p + HDR;
}

static void cnt_free(void *ptr, void *ctx) {
  if (!ptr) return;
  counter *c = ctx;
  char *base = (char *)ptr - HDR;
  size_t old;
  memcpy(&old, base, sizeof old);
  c->live -= old;
  free(base);
}

static stagegraph_allocator counting_allocator(counter *c) {
  memset(c, 0, sizeof *c);
  stagegraph_allocator a = {cnt_malloc, cnt_realloc, cnt_free, c};
  return a;
}

/* ---- formatting ---------------------------------------------------------- */

/* A duration in seconds as ns, us, ms or s with three significant digits. */
static const char *fmt_time(char *out, size_t n, double s) {
  if (s < 0)
    snprintf(out, n, "-");
  else if (s < 1e-6)
    snprintf(out, n, "%.3g ns", s * 1e9);
  else if (s < 1e-3)
    snprintf(out, n, "%.3g us", s * 1e6);
  else if (s < 1)
    snprintf(out, n, "%.3g ms", s * 1e3);
  else
    snprintf(out, n, "%.3g s", s);
  return out;
}

static const char *fmt_size(char *out, size_t n, double bytes) {
  if (bytes < 1e3)
    snprintf(out, n, "%.0f B", bytes);
  else if (bytes < 1e6)
    snprintf(out, n, "%.1f kB", bytes / 1e3);
  else
    snprintf(out, n, "%.2f MB", bytes / 1e6);
  return out;
}

/* ---- the corpus ------------------------------------------------------------ */

typedef struct file {
  char *name;
  char *data;
  size_t len;
  int parse_rc;   /* stagegraph_parse */
  int plan_rc;    /* stagegraph_plan_new (default target), 1 = not tried */
  int cache_rc;   /* stagegraph_cache_new (no change), 1 = not tried */
  int lint_rc;    /* stagegraph_lint_new, 1 = not tried or not linked */
  stagegraph_doc *doc;
  stagegraph_plan *plan;
  stagegraph_cache *cache;
  stagegraph_lint *lint;
} file;

typedef struct corpus {
  file *files;
  size_t count;
  size_t bytes;
} corpus;

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(const char *path, char **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 1 << 14, n = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    if (n == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (!buf) die("out of memory");
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return -1;
  }
  *data = buf;
  *len = n;
  return 0;
}

static void corpus_load(corpus *c, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/files", dir);
  DIR *d = opendir(path);
  if (!d) die("cannot open %s: %s", path, strerror(errno));
  size_t cap = 256, n = 0;
  char **names = xmalloc(cap * sizeof *names);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap *= 2;
      names = realloc(names, cap * sizeof *names);
      if (!names) die("out of memory");
    }
    names[n] = xmalloc(strlen(e->d_name) + 1);
    strcpy(names[n++], e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_name);
  c->files = calloc(n ? n : 1, sizeof *c->files);
  if (!c->files) die("out of memory");
  c->count = 0;
  c->bytes = 0;
  for (size_t i = 0; i < n; i++) {
    file *f = &c->files[c->count];
    snprintf(path, sizeof path, "%s/files/%s", dir, names[i]);
    if (read_file(path, &f->data, &f->len) != 0) {
      fprintf(stderr, "bench: skipped unreadable %s\n", path);
      free(names[i]);
      continue;
    }
    f->name = names[i];
    f->plan_rc = f->cache_rc = f->lint_rc = 1;
    c->bytes += f->len;
    c->count++;
  }
  free(names);
}

static void corpus_free(corpus *c) {
  for (size_t i = 0; i < c->count; i++) {
    stagegraph_lint_free(c->files[i].lint);
    stagegraph_cache_free(c->files[i].cache);
    stagegraph_plan_free(c->files[i].plan);
    stagegraph_doc_free(c->files[i].doc);
    free(c->files[i].data);
    free(c->files[i].name);
  }
  free(c->files);
  c->files = NULL;
  c->count = 0;
}

/* Parse, plan and cache every file once, keeping the results: the per-phase
 * measurements below time one phase over the results of the one before. */
static void corpus_prepare(corpus *c) {
  stagegraph_cache_options co = STAGEGRAPH_CACHE_OPTIONS_INIT;
  for (size_t i = 0; i < c->count; i++) {
    file *f = &c->files[i];
    f->parse_rc = stagegraph_parse(&f->doc, f->data, f->len, NULL, NULL);
    if (f->parse_rc != 0) continue;
    f->plan_rc = stagegraph_plan_new(&f->plan, f->doc, NULL, NULL);
    if (f->plan_rc == 0) f->cache_rc = stagegraph_cache_new(&f->cache, f->plan, &co, NULL);
    f->lint_rc = stagegraph_lint_new(&f->lint, f->doc, NULL, NULL);
  }
}

/* "N (ECODE n, ...)": how many files failed a phase, by code. */
static void print_failures(const corpus *c, const char *what, size_t offset) {
  int codes[32];
  size_t counts[32], kinds = 0, total = 0;
  for (size_t i = 0; i < c->count; i++) {
    int rc = *(const int *)((const char *)&c->files[i] + offset);
    if (rc == 0 || rc == 1) continue;
    total++;
    size_t k = 0;
    while (k < kinds && codes[k] != rc) k++;
    if (k == kinds && kinds < 32) {
      codes[kinds] = rc;
      counts[kinds++] = 0;
    }
    if (k < kinds) counts[k]++;
  }
  printf("  %-28s %zu", what, total);
  for (size_t k = 0; k < kinds; k++)
    printf("%s%s %zu", k ? ", " : " (", stagegraph_code_name(codes[k]), counts[k]);
  printf("%s\n", kinds ? ")" : "");
}

/* One pass of a phase over the corpus. `count` files and `bytes` input
 * bytes take part; each op_ctx carries the corpus. */
typedef struct pass {
  corpus *c;
  size_t files;
  size_t bytes;
  size_t failed; /* counted on the last pass */
} pass;

static int pass_parse(void *ctx) {
  pass *p = ctx;
  for (size_t i = 0; i < p->c->count; i++) {
    file *f = &p->c->files[i];
    stagegraph_doc *doc = NULL;
    stagegraph_parse(&doc, f->data, f->len, NULL, NULL);
    stagegraph_doc_free(doc);
  }
  return 0;
}

static int dump_one(stagegraph_dump_format format, void *ctx) {
  pass *p = ctx;
  for (size_t i = 0; i < p->c->count; i++) {
    file *f = &p->c->files[i];
    if (!f->doc) continue;
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    stagegraph_doc_dump(&out, f->doc, format, NULL);
    stagegraph_buf_dispose(&out);
  }
  return 0;
}
static int pass_dump_json(void *ctx) { return dump_one(STAGEGRAPH_DUMP_JSON, ctx); }
static int pass_dump_text(void *ctx) { return dump_one(STAGEGRAPH_DUMP_BUILDKIT, ctx); }

static int pass_plan(void *ctx) {
  pass *p = ctx;
  for (size_t i = 0; i < p->c->count; i++) {
    file *f = &p->c->files[i];
    if (!f->doc) continue;
    stagegraph_plan *plan = NULL;
    stagegraph_plan_new(&plan, f->doc, NULL, NULL);
    stagegraph_plan_free(plan);
  }
  return 0;
}

static int pass_cache(void *ctx) {
  pass *p = ctx;
  stagegraph_cache_options co = STAGEGRAPH_CACHE_OPTIONS_INIT;
  for (size_t i = 0; i < p->c->count; i++) {
    file *f = &p->c->files[i];
    if (!f->plan) continue;
    stagegraph_cache *cache = NULL;
    stagegraph_cache_new(&cache, f->plan, &co, NULL);
    stagegraph_cache_free(cache);
  }
  return 0;
}

static int pass_render_plan(void *ctx) {
  pass *p = ctx;
  for (size_t i = 0; i < p->c->count; i++) {
    file *f = &p->c->files[i];
    if (!f->plan) continue;
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    stagegraph_plan_render(&out, f->plan, STAGEGRAPH_FORMAT_JSON, NULL);
    stagegraph_buf_dispose(&out);
  }
  return 0;
}

static int pass_render_cache(void *ctx) {
  pass *p = ctx;
  for (size_t i = 0; i < p->c->count; i++) {
    file *f = &p->c->files[i];
    if (!f->cache) continue;
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    stagegraph_cache_render(&out, f->cache, STAGEGRAPH_FORMAT_JSON, NULL);
    stagegraph_buf_dispose(&out);
  }
  return 0;
}

static int pass_lint(void *ctx) {
  pass *p = ctx;
  for (size_t i = 0; i < p->c->count; i++) {
    file *f = &p->c->files[i];
    if (!f->doc) continue;
    stagegraph_lint *lint = NULL;
    stagegraph_lint_new(&lint, f->doc, NULL, NULL);
    stagegraph_lint_free(lint);
  }
  return 0;
}

static int pass_render_lint(void *ctx) {
  pass *p = ctx;
  for (size_t i = 0; i < p->c->count; i++) {
    file *f = &p->c->files[i];
    if (!f->lint) continue;
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    stagegraph_lint_render(&out, f->lint, STAGEGRAPH_FORMAT_JSON, f->name, NULL);
    stagegraph_buf_dispose(&out);
  }
  return 0;
}

/* Parse, plan for the default target, cache impact with no change: what a
 * tool does with each file. A file that fails a step stops there. */
static int pass_pipeline(void *ctx) {
  pass *p = ctx;
  stagegraph_cache_options co = STAGEGRAPH_CACHE_OPTIONS_INIT;
  size_t failed = 0;
  for (size_t i = 0; i < p->c->count; i++) {
    file *f = &p->c->files[i];
    stagegraph_doc *doc = NULL;
    stagegraph_plan *plan = NULL;
    stagegraph_cache *cache = NULL;
    if (stagegraph_parse(&doc, f->data, f->len, NULL, NULL) != 0 ||
        stagegraph_plan_new(&plan, doc, NULL, NULL) != 0 ||
        stagegraph_cache_new(&cache, plan, &co, NULL) != 0)
      failed++;
    stagegraph_cache_free(cache);
    stagegraph_plan_free(plan);
    stagegraph_doc_free(doc);
  }
  p->failed = failed;
  return 0;
}

typedef struct throughput {
  double mbps, files_per_s;
} throughput;

static int pin_to_one_cpu(double cal[2]);
static double calibrate_parse(void);
/* A generated input. */
typedef struct text {
  char *ptr;
  size_t len, cap;
} text;
static text calibration_text(void);
static double time_fixed_parse(const text *t, int rounds, int parses);

/* The host's speed drifts (a whole family at 1.8x, and a pipeline at 128
 * MB/s whose fastest run made 206, have been seen while instruction
 * counts stayed flat). A fixed parse of a small, cached document timed
 * just before and after a measurement tells its speed: a measurement
 * whose fixed parse took more than HOST_DRIFT times the fastest one seen
 * ran while the host was slow, and is not kept. */
#define HOST_DRIFT 1.15

static int host_drifted(int cpu, const double cal[2], double *before, double *after) {
  *before = cpu >= 0 && cpu < 2 ? cal[cpu] : -1;
  *after = *before > 0 ? calibrate_parse() : -1;
  return *after > 0 && (*after > *before * HOST_DRIFT || *before > *after * HOST_DRIFT);
}

/* The fixed parse's ms, the slower of one just before and one just after
 * each corpus run; the fastest seen on each CPU over the whole benchmark. */
static double host_fastest[64];

static double host_speed(void) {
  static text fixed;
  if (!fixed.ptr) fixed = calibration_text();
  return time_fixed_parse(&fixed, 3, 1);
}

/* `runs` runs of `op` (as measure) taken at the host's full speed on
 * `cpu`: each run is bracketed by the fixed parse, and runs are added,
 * up to three times as many, until `runs` of them ran within HOST_DRIFT of
 * the fastest fixed parse seen. The median is over those; *slow is set
 * when fewer than three were, and the median is then over every run. */
static timing measure_full_speed(op_fn op, void *ctx, int runs, double min_run, int cpu, int *kept,
                                 int *made, double *kept_host) {
  double per_op[96], host[96], faults = 0;
  int n = 0, ok = 0;
  double *fastest = &host_fastest[cpu >= 0 && cpu < 64 ? cpu : 0];
  for (; n < 3 * runs && n < 96 && ok < runs; n++) {
    double h0 = host_speed();
    timing one = measure(op, ctx, 1, min_run, 10.0);
    double h1 = host_speed();
    per_op[n] = one.median;
    host[n] = h0 > h1 ? h0 : h1;
    faults += one.faults;
    if (*fastest <= 0 || host[n] < *fastest) *fastest = host[n];
    ok = 0;
    for (int k = 0; k <= n; k++) ok += host[k] <= *fastest * HOST_DRIFT;
  }
  double t[96], h[96];
  int m = 0;
  for (int k = 0; k < n; k++)
    if (ok < 3 || host[k] <= *fastest * HOST_DRIFT) {
      h[m] = host[k];
      t[m++] = per_op[k];
    }
  qsort(t, (size_t)m, sizeof t[0], cmp_double);
  qsort(h, (size_t)m, sizeof h[0], cmp_double);
  *kept = ok;
  *made = n;
  *kept_host = h[m / 2];
  timing out = {t[m / 2], t[0], t[m - 1], m, faults / n};
  return out;
}

/* A corpus phase's row of the throughput table. */
typedef struct phase_row {
  const char *name;
  op_fn op;
  pass *p;
  const char *note;
  throughput result;
  int cpu;
  double host; /* the median fixed parse (ms) of the runs kept */
} phase_row;

/* Each phase runs on the CPU that is the faster at that moment: which one
 * is slower, and by how much, changes within a run (see pin_to_one_cpu),
 * and only its runs at the host's full speed count. */
static void report_phase(phase_row *row) {
  double cal[2];
  int cpu = pin_to_one_cpu(cal);
  row->op(row->p); /* warm-up */
  int kept, made;
  timing t = measure_full_speed(row->op, row->p, S.runs, S.min_run, cpu, &kept, &made, &row->host);
  if (kept < 3)
    printf("  (%s: %d of %d runs at the host's full speed: the median of all is shown)\n", row->name,
           kept, made);
  else if (made > kept)
    printf("  (%s: %d of %d runs at the host's full speed; the median of those is shown)\n",
           row->name, kept, made);
  row->result.mbps = (double)row->p->bytes / t.median / 1e6;
  row->result.files_per_s = (double)row->p->files / t.median;
  row->cpu = cpu;
  char ms[32];
  snprintf(ms, sizeof ms, "%.2f", t.median * 1e3);
  printf("  %-24s %6zu %9.1f %10.0f %10s   %6.1f..%-6.1f %8.1f %4d  %s\n", row->name,
         row->p->files, row->result.mbps, row->result.files_per_s, ms,
         (double)row->p->bytes / t.max / 1e6, (double)row->p->bytes / t.min / 1e6, t.faults, cpu,
         row->note ? row->note : "");
}

/* "Full speed" is relative to the fastest fixed parse seen so far, so the
 * first phases of a run that starts in a slow spell would count slow runs
 * as full speed. Once every phase is measured, a phase whose kept runs'
 * fixed parse is over HOST_DRIFT times the fastest seen since on its CPU
 * is measured again (twice at most), and its new row replaces the old. */
static void remeasure_slow_phases(phase_row *rows, size_t count) {
  for (int round = 0; round < 2; round++) {
    int again = 0;
    for (size_t i = 0; i < count; i++) {
      double fastest = host_fastest[rows[i].cpu >= 0 && rows[i].cpu < 64 ? rows[i].cpu : 0];
      if (rows[i].host <= fastest * HOST_DRIFT) continue;
      if (!again++)
        printf("  measured again: phases whose runs were slower than the host's full speed seen "
               "later (fixed parse over %.2fx the fastest on their CPU)\n",
               HOST_DRIFT);
      printf("  (%s: its runs' fixed parse %.2f ms, the fastest on CPU %d %.2f ms)\n", rows[i].name,
             rows[i].host, rows[i].cpu, fastest);
      report_phase(&rows[i]);
    }
    if (!again) return;
  }
}

/* The files and bytes a phase runs over: those with a result at `offset`
 * (a stagegraph_doc / plan / cache pointer in `file`). */
static pass pass_over(corpus *c, size_t offset) {
  pass p = {c, 0, 0, 0};
  for (size_t i = 0; i < c->count; i++) {
    if (offset != (size_t)-1 && !*(void **)((char *)&c->files[i] + offset)) continue;
    p.files++;
    p.bytes += c->files[i].len;
  }
  return p;
}

/* ---- memory --------------------------------------------------------------- */

typedef struct alloc_stats {
  double requested_per_byte; /* total requested / input bytes */
  double peak_per_byte;      /* peak live / input bytes */
  size_t requested, peak, calls;
} alloc_stats;

static alloc_stats parse_allocations(const char *data, size_t len, const stagegraph_options *base) {
  counter cnt;
  stagegraph_allocator a = counting_allocator(&cnt);
  stagegraph_options o = STAGEGRAPH_OPTIONS_INIT;
  if (base) o = *base;
  o.allocator = &a;
  stagegraph_doc *doc = NULL;
  stagegraph_parse(&doc, data, len, &o, NULL);
  stagegraph_doc_free(doc);
  alloc_stats s = {len ? (double)cnt.requested / (double)len : 0,
                   len ? (double)cnt.peak / (double)len : 0, cnt.requested, cnt.peak, cnt.calls};
  return s;
}

/* Peak RSS (kB) of `argv` run as a child with its output thrown away. */
static long child_rss_kb(char *const argv[], int *status_out) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    FILE *null = freopen("/dev/null", "w", stdout);
    (void)null;
    if (!freopen("/dev/null", "w", stderr)) _exit(127);
    execv(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return -1;
  *status_out = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return ru.ru_maxrss;
}

/* The resident set now (kB), or -1 where /proc is not there. */
static long current_rss_kb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long size = 0, resident = -1;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The largest file of DIR/files, by stat, without reading any. */
static int largest_file(const char *dir, char *path, size_t n) {
  char files[4096];
  if ((size_t)snprintf(files, sizeof files, "%s/files", dir) >= sizeof files) return -1;
  DIR *d = opendir(files);
  if (!d) return -1;
  off_t best = -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char p[4096 + 256 + 2];
    struct stat st;
    if (e->d_name[0] == '.') continue;
    snprintf(p, sizeof p, "%s/%s", files, e->d_name);
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > best) {
      best = st.st_size;
      if ((size_t)snprintf(path, n, "%s", p) >= n) best = -1;
    }
  }
  closedir(d);
  return best < 0 ? -1 : 0;
}

static long self_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* ---- generated inputs --------------------------------------------------- */

static void put(text *t, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->ptr + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0) die("format error");
    if ((size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    }
    t->cap = t->cap ? t->cap * 2 : 1 << 16;
    while (t->cap - t->len <= (size_t)n) t->cap *= 2;
    t->ptr = realloc(t->ptr, t->cap);
    if (!t->ptr) die("out of memory");
  }
}

/* The fixed parse that tells the host's speed: 2,000 three-line stages. */
static text calibration_text(void) {
  text t = {NULL, 0, 0};
  for (int i = 0; i < 2000; i++) put(&t, "FROM alpine AS s%d\nRUN make %d\nCOPY . /src\n", i, i);
  return t;
}

/* The fastest of `rounds` timings of `parses` parses of the calibration
 * text, in ms. */
static double time_fixed_parse(const text *t, int rounds, int parses) {
  double best = -1;
  for (int r = 0; r < rounds; r++) {
    double t0 = cpu_now();
    for (int k = 0; k < parses; k++) {
      stagegraph_doc *doc = NULL;
      stagegraph_parse(&doc, t->ptr, t->len, NULL, NULL);
      stagegraph_doc_free(doc);
    }
    double el = cpu_now() - t0;
    if (best < 0 || el < best) best = el;
  }
  return best * 1e3;
}

static uint64_t rng_state;
static uint64_t rng(void) { /* xorshift64*, fixed seed: the same DAG every run */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

/* Each family writes an input with `n` units. */
typedef void (*gen_fn)(text *t, size_t n);

static void gen_run_lines(text *t, size_t n) {
  put(t, "FROM alpine\n");
  for (size_t i = 1; i < n; i++) put(t, "RUN echo %zu\n", i);
}

static void gen_stages_of_5(text *t, size_t n) {
  for (size_t s = 0; s < n / 5; s++)
    put(t, "FROM alpine:3.19 AS s%zu\nWORKDIR /src\nENV N=%zu\nCOPY go.mod ./\nRUN make %zu\n", s,
        s, s);
}

static void gen_chain(text *t, size_t n) {
  put(t, "FROM alpine AS s0\nRUN echo 0\n");
  for (size_t i = 1; i < n; i++) put(t, "FROM s%zu AS s%zu\nRUN echo %zu\n", i - 1, i, i);
}

static void gen_fan_in(text *t, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) put(t, "FROM alpine AS s%zu\nRUN echo %zu > /out\n", i, i);
  put(t, "FROM alpine AS final\n");
  for (size_t i = 0; i + 1 < n; i++) put(t, "COPY --from=s%zu /out /in/%zu\n", i, i);
}

static void gen_fan_out(text *t, size_t n) {
  put(t, "FROM alpine AS base\nRUN echo base\n");
  for (size_t i = 1; i < n; i++) put(t, "FROM base AS s%zu\nRUN echo %zu\n", i, i);
}

/* A stage that names an earlier one, drawn from all of them (random) or
 * from the 8 before it (near, r % 8 < i): the same shape, but a near
 * reference finds its name and its parent in cache at any size. Which
 * stages the last one needs differs, so compare the two where they do
 * the same work per stage (make bench-count: 10k and 100k). */
static size_t dag_ref(size_t i, int near) {
  size_t r = (size_t)(rng() % i);
  return near ? i - 1 - r % 8 : r;
}

static void gen_dag(text *t, size_t n, int near) {
  rng_state = 0x9e3779b97f4a7c15ull;
  put(t, "FROM alpine AS s0\nRUN echo 0 > /out\n");
  for (size_t i = 1; i < n; i++) {
    if (rng() % 4 == 0)
      put(t, "FROM alpine AS s%zu\n", i);
    else
      put(t, "FROM s%zu AS s%zu\n", dag_ref(i, near), i);
    size_t copies = (size_t)(rng() % 3);
    for (size_t k = 0; k < copies; k++)
      put(t, "COPY --from=s%zu /out /in/%zu\n", dag_ref(i, near), k);
    put(t, "RUN echo %zu > /out\n", i);
  }
}

static void gen_random_dag(text *t, size_t n) { gen_dag(t, n, 0); }
static void gen_near_dag(text *t, size_t n) { gen_dag(t, n, 1); }

/* One RUN of `n` bytes, continued over 64-byte physical lines. */
static void gen_huge_run(text *t, size_t n) {
  put(t, "FROM alpine\nRUN true");
  while (t->len + 64 < n)
    put(t, " \\\n    && echo 0123456789abcdef0123456789abcdef0123456789abcd");
  put(t, "\n");
}

static void gen_heredocs(text *t, size_t n) {
  put(t, "FROM alpine\n");
  for (size_t i = 0; i < n; i++) put(t, "RUN <<EOF\nset -e\necho %zu\nEOF\n", i);
}

typedef struct family {
  const char *name;
  const char *what;
  const char *unit;
  gen_fn gen;
  size_t sizes[6]; /* 0-terminated */
  int stages;      /* measured in stages (the 100k-stages target) */
  int weight;      /* its share of the scaling time */
} family;

static const family families[] = {
    {"run-lines", "one stage, N-1 RUN lines", "instruction", gen_run_lines,
     {1000, 10000, 100000, 1000000}, 0, 2},
    {"stages-of-5", "N/5 stages: FROM + 4 instructions each", "instruction", gen_stages_of_5,
     {1000, 10000, 100000, 1000000}, 0, 2},
    {"chain", "stage i FROM s{i-1}", "stage", gen_chain, {10, 100, 1000, 10000, 100000}, 1, 1},
    {"fan-in", "last stage COPY --from every other", "stage", gen_fan_in,
     {10, 100, 1000, 10000, 100000}, 1, 1},
    {"fan-out", "every stage FROM base", "stage", gen_fan_out, {10, 100, 1000, 10000, 100000}, 1,
     1},
    {"random-dag", "FROM a random earlier stage, 0-2 COPY --from, seed fixed", "stage",
     gen_random_dag, {10, 100, 1000, 10000, 100000}, 1, 1},
    {"near-dag", "random-dag's shape, each reference 1-8 stages back", "stage", gen_near_dag,
     {10, 100, 1000, 10000, 100000}, 1, 1},
    {"huge-run", "one RUN, 64-byte continuation lines, N bytes", "byte", gen_huge_run,
     {10000, 100000, 1000000, 10000000}, 0, 1},
    {"heredocs", "N RUN <<EOF heredocs", "heredoc", gen_heredocs, {100, 1000, 10000, 100000}, 0,
     1},
};

enum { PH_PARSE, PH_PLAN, PH_CACHE, PH_LINT, PH_COUNT };
static const char *const phase_names[PH_COUNT] = {"parse", "plan", "cache", "lint"};

typedef struct scale_ctx {
  const char *data;
  size_t len;
  const stagegraph_options *opts;
  const stagegraph_doc *doc;
  const stagegraph_plan *plan;
} scale_ctx;

static int op_parse(void *ctx) {
  scale_ctx *s = ctx;
  stagegraph_doc *doc = NULL;
  int rc = stagegraph_parse(&doc, s->data, s->len, s->opts, NULL);
  stagegraph_doc_free(doc);
  return rc;
}
static int op_plan(void *ctx) {
  scale_ctx *s = ctx;
  stagegraph_plan *plan = NULL;
  int rc = stagegraph_plan_new(&plan, s->doc, NULL, NULL);
  stagegraph_plan_free(plan);
  return rc;
}
static int op_cache(void *ctx) {
  scale_ctx *s = ctx;
  stagegraph_cache_options co = STAGEGRAPH_CACHE_OPTIONS_INIT;
  stagegraph_cache *cache = NULL;
  int rc = stagegraph_cache_new(&cache, s->plan, &co, NULL);
  stagegraph_cache_free(cache);
  return rc;
}
static int op_lint(void *ctx) {
  scale_ctx *s = ctx;
  stagegraph_lint *lint = NULL;
  int rc = stagegraph_lint_new(&lint, s->doc, NULL, NULL);
  stagegraph_lint_free(lint);
  return rc;
}
static const op_fn phase_ops[PH_COUNT] = {op_parse, op_plan, op_cache, op_lint};

/* ---- scaling: a child per size, taking turns -------------------------------
 *
 * This machine's speed drifts: a virtual CPU shares its core, and the same
 * work measures up to twice as slow for minutes at a time. Sizes measured
 * one after the other would then be compared across such spells. Instead
 * each size of a family gets a child process of its own, which generates
 * its input and sets up once, then times one phase at a time when asked
 * (a turn). The parent goes round the sizes several times, in alternating
 * order, and keeps each size and phase's fastest turn: every size is
 * measured across the whole span of the family, so a slow spell slows a
 * turn of each size rather than every turn of one. A child per size also
 * means that a size that crashes, or takes longer than its time limit, is
 * cut off and reported without stopping the run, and that the peak RSS is
 * the size's own. */

/* The child's first message, once it has set up. */
typedef struct scale_setup {
  unsigned ready;  /* the phases it can time (bit p for phase p) */
  int failed_rc;   /* the code setting up a phase failed with, 0 if none */
  int failed_phase;
  size_t bytes;
  long rss_start_kb; /* its resident set before generating */
  double alloc_per_byte, peak_per_byte; /* of one counted parse */
} scale_setup;

/* A turn's answer. */
typedef struct scale_turn {
  double per_op; /* seconds per operation */
  double faults; /* minor page faults per operation */
  double host;   /* ms of the fixed parse just before and after it (the slower) */
} scale_turn;

/* Whether the next child keeps freed memory (set before fork). glibc's
 * default policy gives the top of the heap back to the kernel when a large
 * document is freed and maps big blocks afresh each time, so every
 * repetition of a large operation pays a page fault per 4 KiB it touches;
 * on a virtual machine that is several microseconds each, more than the
 * parse itself. Keeping freed memory, as a long-running process's heap
 * does in its steady state, measures the library's own work; the
 * allocator-policy section shows both. */
static void retain_freed_memory(void) {
#ifdef __GLIBC__
  mallopt(M_MMAP_MAX, 0);              /* every block from the heap */
  mallopt(M_TRIM_THRESHOLD, INT_MAX); /* and the heap never shrinks */
#endif
}

static void put_all(int fd, const void *p, size_t n) {
  ssize_t w = write(fd, p, n); /* < PIPE_BUF: atomic */
  (void)w;
}

/* In the child: generate and set up, report, then answer turns until the
 * parent closes the request pipe. A phase's first turn starts with one
 * untimed operation, so the memory the timed ones take has been touched
 * (the objects the setup keeps hold theirs). */
static void scale_child(int req, int resp, const family *fam, size_t n, int retain) {
  scale_setup su;
  memset(&su, 0, sizeof su);
  if (retain) retain_freed_memory();
  su.rss_start_kb = current_rss_kb();
  text t = {NULL, 0, 0};
  fam->gen(&t, n);
  su.bytes = t.len;

  stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
  opts.max_instructions = 4u << 20; /* the 1M families pass the default */
  /* The document the later phases use comes from a counted parse. */
  counter cnt;
  stagegraph_allocator counting = counting_allocator(&cnt);
  opts.allocator = &counting;
  stagegraph_doc *doc = NULL;
  stagegraph_plan *plan = NULL;
  int rc = stagegraph_parse(&doc, t.ptr, t.len, &opts, NULL);
  opts.allocator = NULL;
  su.alloc_per_byte = t.len ? (double)cnt.requested / (double)t.len : 0;
  su.peak_per_byte = t.len ? (double)cnt.peak / (double)t.len : 0;
  if (rc) {
    su.failed_rc = rc, su.failed_phase = PH_PARSE;
  } else {
    su.ready = 1u << PH_PARSE;
    if ((rc = stagegraph_plan_new(&plan, doc, NULL, NULL)) != 0)
      su.failed_rc = rc, su.failed_phase = PH_PLAN;
    else
      su.ready |= 1u << PH_PLAN | 1u << PH_CACHE | 1u << PH_LINT;
  }
  put_all(resp, &su, sizeof su);

  scale_ctx ctx = {t.ptr, t.len, &opts, doc, plan};
  text fixed = calibration_text();
  unsigned warm = 0;
  int phase;
  while (read(req, &phase, sizeof phase) == (ssize_t)sizeof phase) {
    if (phase < 0 || phase >= PH_COUNT || !(su.ready & 1u << phase)) _exit(3);
    if (!(warm & 1u << phase)) phase_ops[phase](&ctx);
    warm |= 1u << phase;
    double host_before = time_fixed_parse(&fixed, 3, 1);
    timing tm = measure(phase_ops[phase], &ctx, 1, S.quick ? 0.02 : 0.05, 1.0);
    double host_after = time_fixed_parse(&fixed, 3, 1);
    scale_turn turn = {tm.median, tm.faults, host_before > host_after ? host_before : host_after};
    put_all(resp, &turn, sizeof turn);
  }
  _exit(0);
}

/* The parent's side of one child. */
#define SCALE_MAX_TURNS 16
typedef struct scale_proc {
  pid_t pid;
  int req, resp;     /* -1 once closed */
  scale_setup setup;
  int got_setup;
  int timed_out;     /* killed after its time limit */
  int crashed;       /* the signal it died of */
  long rss_kb;       /* its peak resident set */
  double best[PH_COUNT];   /* the fastest accepted turn's seconds per operation, -1: none */
  double faults[PH_COUNT]; /* that turn's page faults per operation */
  /* every turn, for the choice of the fastest taken at the host's full
   * speed (scale_choose) */
  scale_turn turn[PH_COUNT][SCALE_MAX_TURNS];
  int turns[PH_COUNT];
} scale_proc;

/* Read exactly n bytes within `timeout` seconds: 1, or 0 on time-out or
 * when the child is gone. */
static int read_within(int fd, void *buf, size_t n, double timeout) {
  double deadline = now() + timeout;
  for (;;) {
    double left = deadline - now();
    if (left <= 0) return 0;
    struct pollfd pfd = {fd, POLLIN, 0};
    int pr = poll(&pfd, 1, (int)(left * 1000) + 1);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    ssize_t got = read(fd, buf, n); /* a message comes whole: under PIPE_BUF */
    return got == (ssize_t)n;
  }
}

static void scale_kill(scale_proc *p) {
  if (p->pid > 0) kill(p->pid, SIGKILL);
  p->timed_out = 1;
}

/* The parent's ends of the pipes of the children alive: a child closes
 * them, or a child would keep an earlier child's request pipe open and
 * that child would never see it close. */
static int parent_fds[32];
static size_t parent_fd_count;

static void close_parent_fd(int *fd) {
  for (size_t i = 0; i < parent_fd_count; i++)
    if (parent_fds[i] == *fd) parent_fds[i] = parent_fds[--parent_fd_count];
  close(*fd);
  *fd = -1;
}

/* Fork a child for size n; wait for its setup within `timeout`. */
static void scale_start(scale_proc *p, const family *fam, size_t n, int retain, double timeout) {
  memset(p, 0, sizeof *p);
  for (int k = 0; k < PH_COUNT; k++) p->best[k] = -1;
  signal(SIGPIPE, SIG_IGN); /* a child that died: its turn fails, the run goes on */
  int req[2], resp[2];
  if (pipe(req) != 0 || pipe(resp) != 0) die("pipe: %s", strerror(errno));
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    for (size_t i = 0; i < parent_fd_count; i++) close(parent_fds[i]);
    close(req[1]);
    close(resp[0]);
    scale_child(req[0], resp[1], fam, n, retain);
    _exit(0);
  }
  close(req[0]);
  close(resp[1]);
  p->pid = pid;
  p->req = req[1];
  p->resp = resp[0];
  if (parent_fd_count + 2 > sizeof parent_fds / sizeof parent_fds[0]) die("too many children");
  parent_fds[parent_fd_count++] = p->req;
  parent_fds[parent_fd_count++] = p->resp;
  p->got_setup = read_within(p->resp, &p->setup, sizeof p->setup, timeout);
  if (!p->got_setup) scale_kill(p);
}

/* One turn of phase `phase`; keeps the fastest. 0 when the child timed out
 * or is gone (it is then killed). */
static int scale_turn_of(scale_proc *p, int phase, double timeout) {
  if (!p->got_setup || p->timed_out || !(p->setup.ready & 1u << phase)) return 0;
  scale_turn t;
  if (write(p->req, &phase, sizeof phase) != (ssize_t)sizeof phase ||
      !read_within(p->resp, &t, sizeof t, timeout)) {
    scale_kill(p);
    return 0;
  }
  if (p->turns[phase] < SCALE_MAX_TURNS) p->turn[phase][p->turns[phase]++] = t;
  return 1;
}

/* The fastest fixed parse any turn of these children saw: the host at its
 * full speed. */
static double scale_fastest_host(const scale_proc *procs, size_t count) {
  double fastest = -1;
  for (size_t i = 0; i < count; i++)
    for (int ph = 0; ph < PH_COUNT; ph++)
      for (int k = 0; k < procs[i].turns[ph]; k++)
        if (fastest < 0 || procs[i].turn[ph][k].host < fastest) fastest = procs[i].turn[ph][k].host;
  return fastest;
}

/* Each phase's best: its fastest turn among those taken while the host
 * ran within HOST_DRIFT of `fastest_host`. A phase with turns but none at
 * full speed keeps -1 and is counted in the result. */
static int scale_choose(scale_proc *p, double fastest_host) {
  int missing = 0;
  for (int ph = 0; ph < PH_COUNT; ph++) {
    p->best[ph] = -1;
    for (int k = 0; k < p->turns[ph]; k++) {
      const scale_turn *t = &p->turn[ph][k];
      if (t->host > fastest_host * HOST_DRIFT) continue;
      if (p->best[ph] < 0 || t->per_op < p->best[ph]) {
        p->best[ph] = t->per_op;
        p->faults[ph] = t->faults;
      }
    }
    missing += p->turns[ph] > 0 && p->best[ph] < 0;
  }
  return missing;
}

/* Each phase's fastest turn, whatever the host's speed. */
static void scale_choose_any(scale_proc *p) {
  for (int ph = 0; ph < PH_COUNT; ph++)
    for (int k = 0; k < p->turns[ph]; k++)
      if (p->best[ph] < 0 || p->turn[ph][k].per_op < p->best[ph]) {
        p->best[ph] = p->turn[ph][k].per_op;
        p->faults[ph] = p->turn[ph][k].faults;
      }
}

/* Close the pipes and reap the child: its peak RSS, how it ended. */
static void scale_stop(scale_proc *p) {
  if (p->pid <= 0) return;
  close_parent_fd(&p->req);
  close_parent_fd(&p->resp);
  int status = 0;
  struct rusage ru;
  if (wait4(p->pid, &status, 0, &ru) == p->pid) {
    p->rss_kb = ru.ru_maxrss;
    if (WIFSIGNALED(status) && !p->timed_out) p->crashed = WTERMSIG(status);
  }
  p->pid = 0;
}

/* The worst (largest) last/first ratio over the phases of each family kind,
 * for the summary. */
typedef struct scale_summary {
  double worst_first; /* per-unit time, largest size / smallest size */
  double worst_best;  /* largest size / the cheapest size */
  char where_first[48], where_best[48]; /* the family and phase of each */
  int incomplete; /* a size was skipped, timed out, crashed or failed */
  char why[160];
} scale_summary;

static void note_incomplete(scale_summary *sum, const char *fmt, ...) {
  if (!sum->incomplete) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sum->why, sizeof sum->why, fmt, ap);
    va_end(ap);
  }
  sum->incomplete = 1;
}

/* The children timing one size, as one: each phase's fastest turn of any,
 * the largest peak RSS, and whether any failed. */
#define SCALE_TWINS 2

static void merge_twins(const scale_proc twins[SCALE_TWINS], scale_proc *out) {
  *out = twins[0];
  for (int t = 1; t < SCALE_TWINS; t++) {
    const scale_proc *p = &twins[t];
    if (!out->got_setup && p->got_setup) out->setup = p->setup, out->got_setup = 1;
    out->timed_out |= p->timed_out;
    if (!out->crashed) out->crashed = p->crashed;
    if (p->rss_kb > out->rss_kb) out->rss_kb = p->rss_kb;
    for (int ph = 0; ph < PH_COUNT; ph++)
      if (p->best[ph] >= 0 && (out->best[ph] < 0 || p->best[ph] < out->best[ph])) {
        out->best[ph] = p->best[ph];
        out->faults[ph] = p->faults[ph];
      }
  }
}

static void scale_family_try(const family *fam, double budget_end, scale_summary *sum, int retry) {
  size_t sizes[6], nsizes = 0;
  for (size_t i = 0; i < 6 && fam->sizes[i]; i++) {
    if (S.quick && i + 1 < 6 && fam->sizes[i + 1] == 0 && i > 0) break; /* drop the largest */
    sizes[nsizes++] = fam->sizes[i];
  }
  /* the family's children inherit the CPU that is the faster now */
  double cal[2];
  int cpu = pin_to_one_cpu(cal);
  printf("\n%s: %s; time per %s; CPU %d\n", fam->name, fam->what, fam->unit, cpu);
  fflush(stdout);
  /* SCALE_TWINS children per size: a process whose memory the host
   * places badly stays slow for its whole life, which turns cannot undo */
  scale_proc twins[6][SCALE_TWINS], procs[6];
  for (size_t i = 0; i < nsizes; i++)
    for (int t = 0; t < SCALE_TWINS; t++)
      scale_start(&twins[i][t], fam, sizes[i], 1, S.scale_timeout);
  /* Rounds while the family's time lasts (one at least), each child's
   * phases in turn, the sizes upward in one round and downward in the
   * next. */
  int rounds = 0;
  for (int r = 0; r < S.scale_rounds && (r == 0 || now() < budget_end); r++, rounds++)
    for (size_t k = 0; k < nsizes; k++)
      for (int t = 0; t < SCALE_TWINS; t++) {
        scale_proc *p = &twins[r % 2 ? nsizes - 1 - k : k][t];
        for (int ph = 0; ph < PH_COUNT; ph++) scale_turn_of(p, ph, S.scale_timeout);
      }
  /* Each turn is bracketed by a fixed parse: a turn taken while the host
   * ran slow (its fixed parse over HOST_DRIFT times the fastest any turn
   * saw) does not count, and a size and phase left with none gets more
   * turns, up to as many again. */
  double fastest_host = -1;
  int missing = 0, extra = 0;
  for (;;) {
    fastest_host = scale_fastest_host(&twins[0][0], nsizes * SCALE_TWINS);
    missing = 0;
    for (size_t i = 0; i < nsizes; i++) {
      for (int t = 0; t < SCALE_TWINS; t++) scale_choose(&twins[i][t], fastest_host);
      for (int ph = 0; ph < PH_COUNT; ph++) {
        int turns = 0, best = 0;
        for (int t = 0; t < SCALE_TWINS; t++)
          turns += twins[i][t].turns[ph], best |= twins[i][t].best[ph] >= 0;
        missing += turns > 0 && !best;
      }
    }
    if (!missing || extra >= S.scale_rounds || now() >= budget_end + 30) break;
    extra++;
    for (size_t i = 0; i < nsizes; i++)
      for (int ph = 0; ph < PH_COUNT; ph++) {
        int best = 0;
        for (int t = 0; t < SCALE_TWINS; t++) best |= twins[i][t].best[ph] >= 0;
        for (int t = 0; t < SCALE_TWINS && !best; t++) scale_turn_of(&twins[i][t], ph, S.scale_timeout);
      }
  }
  int total_turns = 0, full_speed = 0;
  for (size_t i = 0; i < nsizes; i++)
    for (int t = 0; t < SCALE_TWINS; t++)
      for (int ph = 0; ph < PH_COUNT; ph++)
        for (int k = 0; k < twins[i][t].turns[ph]; k++, total_turns++)
          full_speed += twins[i][t].turn[ph][k].host <= fastest_host * HOST_DRIFT;
  for (size_t i = 0; i < nsizes; i++) {
    for (int t = 0; t < SCALE_TWINS; t++) {
      scale_stop(&twins[i][t]);
      if (missing) scale_choose_any(&twins[i][t]);
    }
    merge_twins(twins[i], &procs[i]);
  }
  double before, after;
  host_drifted(cpu, cal, &before, &after);
  if (after > 0) printf("  fixed parse on CPU %d: %.2f ms before the family, %.2f after\n", cpu, before, after);
  printf("  turns at the host's full speed (fixed parse around the turn within %.2fx of the fastest, "
         "%.2f ms): %d of %d\n", HOST_DRIFT, fastest_host, full_speed, total_turns);
  if (missing) {
    if (!retry) {
      printf("  %d size and phase pairs had no turn at full speed: measured again\n", missing);
      scale_family_try(fam, budget_end, sum, 1);
      return;
    }
    printf("  %d size and phase pairs had no turn at full speed this time either: their fastest turn "
           "is shown; read the ratios with care\n", missing);
  }

  printf("  %9s %10s", "N", "input");
  for (int p = 0; p < PH_COUNT; p++) printf(" %10s", phase_names[p]);
  printf(" %10s %9s %9s   (fastest of %d turns in %d processes)\n", "+peak RSS", "alloc/B", "peak/B",
         (rounds + extra) * SCALE_TWINS, SCALE_TWINS);
  double per_unit[6][PH_COUNT];
  for (size_t i = 0; i < nsizes; i++) {
    const scale_proc *p = &procs[i];
    size_t n = sizes[i];
    char buf[32];
    printf("  %9zu %10s", n, p->got_setup ? fmt_size(buf, sizeof buf, (double)p->setup.bytes) : "-");
    for (int ph = 0; ph < PH_COUNT; ph++) {
      per_unit[i][ph] = p->best[ph] >= 0 ? p->best[ph] / (double)n : -1;
      printf(" %10s", fmt_time(buf, sizeof buf, per_unit[i][ph]));
    }
    long grew = p->got_setup && p->setup.rss_start_kb >= 0 ? p->rss_kb - p->setup.rss_start_kb : p->rss_kb;
    printf(" %10s", p->rss_kb > 0 ? fmt_size(buf, sizeof buf, grew * 1024.0) : "-");
    if (p->got_setup) printf(" %9.2f %9.2f", p->setup.alloc_per_byte, p->setup.peak_per_byte);
    if (p->timed_out) printf("  TIMED OUT (limit %.0f s)", S.scale_timeout);
    if (p->crashed) printf("  CRASHED (signal %d)", p->crashed);
    if (p->got_setup && p->setup.failed_rc)
      printf("  %s failed: %s", phase_names[p->setup.failed_phase],
             stagegraph_code_name(p->setup.failed_rc));
    printf("\n");
    if (p->timed_out || p->crashed || !p->got_setup || p->setup.failed_rc)
      note_incomplete(sum, "%s N=%zu %s", fam->name, n,
                      p->timed_out ? "timed out"
                      : p->crashed ? "crashed"
                      : p->got_setup ? "failed"
                                     : "incomplete");
  }
  printf("  per-%s time, largest measured N vs N=%zu (last/first; last/cheapest):", fam->unit,
         sizes[0]);
  for (int p = 0; p < PH_COUNT; p++) {
    size_t last = nsizes - 1;
    while (last > 0 && per_unit[last][p] <= 0) last--;
    if (last == 0 || per_unit[0][p] <= 0) continue;
    double best = per_unit[0][p];
    for (size_t i = 0; i <= last; i++)
      if (per_unit[i][p] > 0 && per_unit[i][p] < best) best = per_unit[i][p];
    double rf = per_unit[last][p] / per_unit[0][p], rb = per_unit[last][p] / best;
    printf(" %s@%zu %.2fx; %.2fx%s", phase_names[p], sizes[last], rf, rb, rb > 1.2 ? " (!)" : "");
    if (rf > sum->worst_first) {
      sum->worst_first = rf;
      snprintf(sum->where_first, sizeof sum->where_first, "%s %s", fam->name, phase_names[p]);
    }
    if (rb > sum->worst_best) {
      sum->worst_best = rb;
      snprintf(sum->where_best, sizeof sum->where_best, "%s %s", fam->name, phase_names[p]);
    }
  }
  printf("\n");
}

static void scale_family(const family *fam, double budget_end, scale_summary *sum) {
  scale_family_try(fam, budget_end, sum, 0);
}

/* The largest chain and run-lines inputs parsed and planned by children
 * under glibc's default policy and with freed memory kept (as the scaling
 * tables are measured), taking turns: the difference is the kernel's
 * page-fault cost. */
static void allocator_policy(void) {
  static const struct {
    const char *family;
    size_t n, quick_n;
  } cases[] = {{"chain", 100000, 10000}, {"run-lines", 1000000, 100000}};
  printf("\nallocator policy: time per unit with glibc's default malloc policy (freed memory "
         "goes back to the kernel) and with freed memory kept (the tables above)\n");
  printf("  %-22s %10s %10s %10s %10s %11s %11s\n", "input", "parse", "kept", "plan", "kept",
         "faults/parse", "kept");
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const family *fam = NULL;
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
      if (strcmp(families[f].name, cases[c].family) == 0) fam = &families[f];
    if (!fam) continue;
    size_t n = S.quick ? cases[c].quick_n : cases[c].n;
    scale_proc procs[2];
    for (int keep = 0; keep < 2; keep++) scale_start(&procs[keep], fam, n, keep, S.scale_timeout);
    for (int r = 0; r < 3; r++)
      for (int keep = 0; keep < 2; keep++) {
        scale_turn_of(&procs[keep], PH_PARSE, S.scale_timeout);
        scale_turn_of(&procs[keep], PH_PLAN, S.scale_timeout);
      }
    for (int keep = 0; keep < 2; keep++) scale_stop(&procs[keep]);
    char label[64], b[4][32];
    snprintf(label, sizeof label, "%s N=%zu", fam->name, n);
    double t[4];
    for (int k = 0; k < 4; k++) {
      double best = procs[k % 2].best[k < 2 ? PH_PARSE : PH_PLAN];
      t[k] = best >= 0 ? best / (double)n : -1;
    }
    printf("  %-22s %10s %10s %10s %10s %11.0f %11.0f\n", label, fmt_time(b[0], sizeof b[0], t[0]),
           fmt_time(b[1], sizeof b[1], t[1]), fmt_time(b[2], sizeof b[2], t[2]),
           fmt_time(b[3], sizeof b[3], t[3]), procs[0].faults[PH_PARSE], procs[1].faults[PH_PARSE]);
    fflush(stdout);
  }
}

/* ---- profiling ------------------------------------------------------------ */

/* FAMILY:N:PHASE:K: the phase repeated K times on a warm heap. */
static int profile_phase(text *t, const stagegraph_options *opts, const char *spec,
                         const char *what) {
  static const struct {
    const char *name;
    op_fn op;
  } ops[] = {{"parse", op_parse}, {"plan", op_plan}, {"cache", op_cache}, {"lint", op_lint}};
  const char *colon = strchr(spec, ':');
  size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
  long repeat = colon ? strtol(colon + 1, NULL, 10) : 1;
  op_fn op = NULL;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strlen(ops[i].name) == len && strncmp(ops[i].name, spec, len) == 0) op = ops[i].op;
  if (!op || repeat < 1) die("unknown phase or count in --profile %s", what);
  retain_freed_memory();
  stagegraph_doc *doc = NULL;
  stagegraph_plan *plan = NULL;
  int rc = stagegraph_parse(&doc, t->ptr, t->len, opts, NULL);
  if (rc == 0) rc = stagegraph_plan_new(&plan, doc, NULL, NULL);
  scale_ctx ctx = {t->ptr, t->len, opts, doc, plan};
  double t0 = 0;
  for (long i = 0; rc == 0 && i <= repeat; i++) {
    if (i == 1) t0 = cpu_now(); /* the first is the warm-up */
    rc = op(&ctx);
  }
  double per = rc == 0 ? (cpu_now() - t0) / (double)repeat : 0;
  printf("profile %s: %zu bytes, %s, %.3f ms per run\n", what, t->len,
         rc ? stagegraph_code_name(rc) : "ok", per * 1e3);
  stagegraph_plan_free(plan);
  stagegraph_doc_free(doc);
  free(t->ptr);
  return rc ? 1 : 0;
}

static int profile(corpus *c, const char *corpus_dir, const char *what) {
  const char *colon = strchr(what, ':');
  if (colon) {
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
      if (strncmp(families[f].name, what, (size_t)(colon - what)) != 0 ||
          families[f].name[colon - what] != 0)
        continue;
      char *rest = NULL;
      size_t n = (size_t)strtoull(colon + 1, &rest, 10);
      text t = {NULL, 0, 0};
      families[f].gen(&t, n);
      stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
      opts.max_instructions = 4u << 20;
      if (*rest == ':') return profile_phase(&t, &opts, rest + 1, what);
      stagegraph_doc *doc = NULL;
      stagegraph_plan *plan = NULL;
      stagegraph_cache *cache = NULL;
      stagegraph_cache_options co = STAGEGRAPH_CACHE_OPTIONS_INIT;
      int rc = stagegraph_parse(&doc, t.ptr, t.len, &opts, NULL);
      if (rc == 0) rc = stagegraph_plan_new(&plan, doc, NULL, NULL);
      if (rc == 0) rc = stagegraph_cache_new(&cache, plan, &co, NULL);
      stagegraph_lint *lint = NULL;
      if (rc == 0) rc = stagegraph_lint_new(&lint, doc, NULL, NULL);
      stagegraph_lint_free(lint);
      printf("profile %s: %zu bytes, %s\n", what, t.len, rc ? stagegraph_code_name(rc) : "ok");
      stagegraph_cache_free(cache);
      stagegraph_plan_free(plan);
      stagegraph_doc_free(doc);
      free(t.ptr);
      return rc ? 1 : 0;
    }
    die("unknown family in --profile %s", what);
  }
  static const struct {
    const char *name;
    op_fn op;
  } phases[] = {{"parse", pass_parse},       {"dump-json", pass_dump_json},
                {"plan", pass_plan},         {"cache", pass_cache},
                {"render-plan", pass_render_plan}, {"render-cache", pass_render_cache},
                {"pipeline", pass_pipeline},
                {"lint", pass_lint},         {"render-lint", pass_render_lint},
  };
  corpus_load(c, corpus_dir);
  for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++) {
    if (strcmp(phases[i].name, what) != 0) continue;
    if (phases[i].op != pass_parse && phases[i].op != pass_pipeline) corpus_prepare(c);
    pass p = pass_over(c, (size_t)-1);
    phases[i].op(&p);
    printf("profile %s: one pass over %zu files\n", what, c->count);
    corpus_free(c);
    return 0;
  }
  die("unknown --profile %s", what);
  return 2;
}

/* ---- main ---------------------------------------------------------------- */

/* --families: "name unit size..." a line. */
static int list_families(void) {
  for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
    printf("%s %s", families[f].name, families[f].unit);
    for (const size_t *n = families[f].sizes; *n; n++) printf(" %zu", *n);
    printf("\n");
  }
  return 0;
}

/* "load average 1.23" from /proc/loadavg: other work on the machine makes
 * every figure noisier, even in CPU time (shared caches, memory bandwidth). */
static const char *load_average(void) {
  static char out[64];
  double l1 = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l1) != 1) l1 = -1;
    fclose(f);
  }
  if (l1 < 0)
    snprintf(out, sizeof out, "load average unknown");
  else
    snprintf(out, sizeof out, "load average %.2f", l1);
  return out;
}

/* One CPU for a corpus phase or a scaling family (whose children inherit
 * it): on this project's virtual machine, children the scheduler placed
 * on alternating CPUs measured up to 2x apart, so the sizes of one scaling
 * table were not comparable; and one virtual CPU is often slower than the
 * other for minutes (it shares its core), which one changing within a run
 * (a whole-corpus pipeline measured 124 MB/s on one and 195 on the other).
 * So each allowed CPU times a short fixed parse, the best of a few, and
 * the phase or family stays on the fastest. The CPU, or -1 when not
 * pinned; the calibration times in ms in cal[] (-1: none). */
static double calibrate_parse(void) {
  text t = calibration_text();
  double ms = time_fixed_parse(&t, 5, 5);
  free(t.ptr);
  return ms;
}

static int pin_to_one_cpu(double cal[2]) {
  cal[0] = cal[1] = -1;
#if defined(__linux__) && defined(CPU_SET)
  cpu_set_t allowed, set;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return -1;
  int best = -1;
  double best_ms = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpu < 64; cpu++) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) continue;
    double ms = calibrate_parse();
    if (cpu < 2) cal[cpu] = ms;
    if (best < 0 || ms < best_ms) best = cpu, best_ms = ms;
  }
  if (best < 0) return -1;
  CPU_ZERO(&set);
  CPU_SET(best, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0 ? best : -1;
#else
  return -1;
#endif
}

static void machine(void) {
  char model[256] = "unknown";
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f) {
    char line[512];
    while (fgets(line, sizeof line, f)) {
      if (strncmp(line, "model name", 10) == 0) {
        char *colon = strchr(line, ':');
        if (colon) {
          snprintf(model, sizeof model, "%s", colon + 2);
          model[strcspn(model, "\n")] = 0;
        }
        break;
      }
    }
    fclose(f);
  }
  double cal[2];
  int cpu = pin_to_one_cpu(cal);
  printf("machine: %ld cores online, %s; %s; ", sysconf(_SC_NPROCESSORS_ONLN), model,
         load_average());
  if (cpu >= 0)
    printf("pinned to CPU %d, the faster at a fixed parse (CPU 0: %.2f ms, CPU 1: %.2f ms; "
           "children too)\n",
           cpu, cal[0], cal[1]);
  else
    printf("not pinned to a CPU\n");
}

int main(int argc, char **argv) {
  const char *corpus_dir = "../shared/corpus";
  const char *cli = NULL;
  int parse_only = 0;
  const char *profile_what = NULL, *family_only = NULL;
  const char *q = getenv("BENCH_QUICK");
  S.quick = q && *q && strcmp(q, "0") != 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
      corpus_dir = argv[++i];
    else if (strcmp(argv[i], "--cli") == 0 && i + 1 < argc)
      cli = argv[++i];
    else if (strcmp(argv[i], "--quick") == 0)
      S.quick = 1;
    else if (strcmp(argv[i], "--parse-only") == 0)
      parse_only = 1;
    else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
      profile_what = argv[++i];
    else if (strcmp(argv[i], "--family") == 0 && i + 1 < argc)
      family_only = argv[++i];
    else if (strcmp(argv[i], "--families") == 0)
      return list_families();
    else
      die("usage: bench [--corpus DIR] [--cli PATH] [--quick] [--parse-only] [--profile WHAT] "
          "[--family NAME] [--families]");
  }
  S.runs = S.quick ? 3 : 7;
  S.min_run = S.quick ? 0.03 : 0.1;
  S.scale_timeout = S.quick ? 10 : 40;
  S.scale_rounds = S.quick ? 2 : 4; /* turns per child; two children per size */
  S.scale_budget = S.quick ? 30 : 125;
  double start = now();
  if (profile_what) {
    corpus pc;
    return profile(&pc, corpus_dir, profile_what);
  }
  if (family_only) {
    double cal[2];
    pin_to_one_cpu(cal);
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
      if (strcmp(families[f].name, family_only) != 0) continue;
      scale_summary sum = {0, 0, "", "", 0, ""};
      scale_family(&families[f], now() + S.scale_budget, &sum);
      return sum.incomplete;
    }
    die("unknown family %s", family_only);
  }

  /* The CLI's peak RSS first, while this process is small: a child's
   * ru_maxrss counts the resident set it had before exec too. */
  long cli_rss = -1, base_rss = -1;
  int cli_status = 0;
  char cli_file[4096] = "";
  if (cli && !parse_only && largest_file(corpus_dir, cli_file, sizeof cli_file) == 0) {
    int st2 = 0;
    char *dump_argv[] = {(char *)cli, "dump", cli_file, NULL};
    char *ver_argv[] = {(char *)cli, "--version", NULL};
    cli_rss = child_rss_kb(dump_argv, &cli_status);
    base_rss = child_rss_kb(ver_argv, &st2);
  }

  corpus c;
  corpus_load(&c, corpus_dir);
  if (c.count == 0) die("no files in %s/files", corpus_dir);

  if (parse_only) {
    pass p = pass_over(&c, (size_t)-1);
    pass_parse(&p);
    timing t = measure(pass_parse, &p, S.runs, S.min_run, 10.0);
    printf("stagegraph %s parse(+instructions): %zu files, %zu bytes, %.1f MB/s (median of %d)\n",
           stagegraph_version_string(), c.count, c.bytes, (double)c.bytes / t.median / 1e6,
           t.runs);
    printf("mbps=%.3f\n", (double)c.bytes / t.median / 1e6);
    corpus_free(&c);
    return 0;
  }

  printf("stagegraph %s benchmark%s; MB = 10^6 bytes; times are medians of the process's CPU "
         "time (user + sys)\n",
         stagegraph_version_string(), S.quick ? " (BENCH_QUICK: reduced set)" : "");
  machine();

  /* -- corpus throughput -- */
  corpus_prepare(&c);
  size_t max_i = 0;
  for (size_t i = 1; i < c.count; i++)
    if (c.files[i].len > c.files[max_i].len) max_i = i;
  printf("\ncorpus: %s/files: %zu files, %zu bytes (%.2f MB), read into memory first; "
         "largest %s (%zu bytes)\n",
         corpus_dir, c.count, c.bytes, (double)c.bytes / 1e6, c.files[max_i].name,
         c.files[max_i].len);
  printf("  files failing a phase (kept going; a phase runs over the files the one before "
         "accepted):\n");
  print_failures(&c, "parse:", offsetof(file, parse_rc));
  print_failures(&c, "plan (default target):", offsetof(file, plan_rc));
  print_failures(&c, "cache (no change):", offsetof(file, cache_rc));
  print_failures(&c, "lint:", offsetof(file, lint_rc));

  printf("\nthroughput over the corpus (MB/s of input; median of %d runs, each >= %.0f ms; "
         "range = slowest..fastest run; faults: minor page faults per pass; cpu: the one it ran on, "
         "the faster at that moment)\n",
         S.runs, S.min_run * 1e3);
  printf("  %-24s %6s %9s %10s %10s   %-14s %8s %4s\n", "phase", "files", "MB/s", "files/s", "ms/pass",
         "range MB/s", "faults", "cpu");
  pass p_all = pass_over(&c, (size_t)-1);
  pass p_doc = pass_over(&c, offsetof(file, doc));
  pass p_plan = pass_over(&c, offsetof(file, plan));
  pass p_cache = pass_over(&c, offsetof(file, cache));
  pass p_lint = pass_over(&c, offsetof(file, lint));
  phase_row rows[] = {
      {"parse(+instructions)", pass_parse, &p_all,
       "parse+free; the public API has no parser-only entry point", {0, 0}, -1, 0},
      {"dump json", pass_dump_json, &p_doc, "stagegraph_doc_dump JSON, parsed docs", {0, 0}, -1, 0},
      {"dump buildkit text", pass_dump_text, &p_doc, NULL, {0, 0}, -1, 0},
      {"plan", pass_plan, &p_doc, "plan_new+free, default target, parsed docs", {0, 0}, -1, 0},
      {"cache", pass_cache, &p_plan, "cache_new+free, no change, planned docs", {0, 0}, -1, 0},
      {"lint", pass_lint, &p_doc, "lint_new+free, parsed docs", {0, 0}, -1, 0},
      {"render plan json", pass_render_plan, &p_plan, NULL, {0, 0}, -1, 0},
      {"render cache json", pass_render_cache, &p_cache, NULL, {0, 0}, -1, 0},
      {"render lint json", pass_render_lint, &p_lint, NULL, {0, 0}, -1, 0},
      {"full pipeline", pass_pipeline, &p_all, "parse+plan+cache+free of every file", {0, 0}, -1, 0},
  };
  size_t nrows = sizeof rows / sizeof rows[0];
  for (size_t i = 0; i < nrows; i++) report_phase(&rows[i]);
  remeasure_slow_phases(rows, nrows);
  throughput parse_tp = rows[0].result, pipe_tp = rows[nrows - 1].result;

  /* -- memory -- */
  printf("\nmemory (counting allocator passed in stagegraph_options.allocator)\n");
  size_t req = 0, peak_sum = 0, worst_i = 0;
  double worst = 0;
  for (size_t i = 0; i < c.count; i++) {
    alloc_stats a = parse_allocations(c.files[i].data, c.files[i].len, NULL);
    req += a.requested;
    peak_sum += a.peak;
    if (a.requested_per_byte > worst) {
      worst = a.requested_per_byte;
      worst_i = i;
    }
  }
  alloc_stats big = parse_allocations(c.files[max_i].data, c.files[max_i].len, NULL);
  double corpus_alloc = (double)req / (double)c.bytes;
  printf("  parse, whole corpus: %.2f bytes requested per input byte (%zu / %zu); sum of "
         "per-file peaks %.2f per input byte\n",
         corpus_alloc, req, c.bytes, (double)peak_sum / (double)c.bytes);
  printf("  parse, largest file: %.2f bytes requested per input byte, peak live %.2f per "
         "input byte, %zu allocator calls\n",
         big.requested_per_byte, big.peak_per_byte, big.calls);
  printf("  parse, worst file: %.1f per input byte (%s, %zu bytes)\n", worst,
         c.files[worst_i].name, c.files[worst_i].len);
  {
    static const char tiny[] = "FROM alpine\n";
    alloc_stats a = parse_allocations(tiny, sizeof tiny - 1, NULL);
    printf("  parse, \"FROM alpine\\n\" (12 bytes): %zu bytes requested in %zu calls (the fixed "
           "cost per document)\n",
           a.requested, a.calls);
  }
  printf("  peak RSS of this benchmark so far: %.1f MB\n", self_rss_kb() / 1024.0);
  if (cli_rss > 0)
    printf("  peak RSS of `%s dump %s` (measured first, getrusage of the child): %.2f MB "
           "(%ld kB, exit %d); `--version` alone: %.2f MB\n",
           cli, cli_file, cli_rss / 1024.0, cli_rss, cli_status, base_rss / 1024.0);

  /* -- scaling -- */
  /* The corpus goes first: each child is a fork, and a small parent leaves
   * it less to copy on write. */
  corpus_free(&c);

  printf("\nscaling on generated inputs (a child process per size, the sizes of a family taking "
         "turns; time per unit: the fastest turn; "
         "+peak RSS: the child's peak over its resident set at fork, input text included; "
         "alloc/B and peak/B: bytes requested and peak live bytes of one parse per input "
         "byte)\n");
  double budget_end = now() + S.scale_budget;
  scale_summary instr = {0, 0, "", "", 0, ""}, stages = {0, 0, "", "", 0, ""},
                other = {0, 0, "", "", 0, ""};
  size_t nfam = sizeof families / sizeof families[0];
  for (size_t f = 0; f < nfam; f++) {
    const family *fam = &families[f];
    /* Each family gets its weight's share of the time left, so one slow
     * family cannot starve the next; time it does not use goes on. */
    int weights = 0;
    for (size_t g = f; g < nfam; g++) weights += families[g].weight;
    double family_end = now() + (budget_end - now()) * fam->weight / weights;
    scale_summary *sum = fam->stages                              ? &stages
                         : strcmp(fam->unit, "instruction") == 0 ? &instr
                                                                 : &other;
    scale_family(fam, family_end, sum);
  }
  allocator_policy();

  /* -- summary against the targets -- */
  printf("\ntargets (reported, not asserted)\n");
  printf("  parse(+instructions) >= 300 MB/s:               %7.1f MB/s   %s\n", parse_tp.mbps,
         parse_tp.mbps >= 300 ? "met" : "MISSED");
  printf("  full pipeline >= 150 MB/s:                      %7.1f MB/s   %s\n", pipe_tp.mbps,
         pipe_tp.mbps >= 150 ? "met" : "MISSED");
  printf("  linear within 20%%, 1k -> 1M instructions:       worst %.2fx last/first (%s), "
         "%.2fx last/cheapest (%s)   %s%s%s\n",
         instr.worst_first, instr.where_first, instr.worst_best, instr.where_best,
         instr.worst_first <= 1.2 && !instr.incomplete ? "met" : "MISSED",
         instr.incomplete ? "; incomplete: " : "", instr.why);
  printf("  linear within 20%%, 10 -> 100k stages:           worst %.2fx last/first (%s), "
         "%.2fx last/cheapest (%s)   %s%s%s\n",
         stages.worst_first, stages.where_first, stages.worst_best, stages.where_best,
         stages.worst_first <= 1.2 && !stages.incomplete ? "met" : "MISSED",
         stages.incomplete ? "; incomplete: " : "", stages.why);
  printf("  (not a target) huge-run, heredocs:            worst %.2fx last/first (%s), "
         "%.2fx last/cheapest (%s)%s%s\n",
         other.worst_first, other.where_first, other.worst_best, other.where_best, other.incomplete ? "; incomplete: " : "",
         other.why);
  printf("  parse allocations <= 4 bytes per input byte:    %7.2f (corpus), %.2f (largest file)   "
         "%s\n",
         corpus_alloc, big.requested_per_byte, corpus_alloc <= 4 ? "met" : "MISSED");
  if (cli_rss > 0)
    printf("  CLI dump peak RSS, largest corpus file < 4 MB: %7.2f MB   %s\n", cli_rss / 1024.0,
           cli_rss < 4096 ? "met" : "MISSED");
  else
    printf("  CLI dump peak RSS: not measured (no --cli)\n");
  printf("  lint:                                           measured above\n");
  printf("\nbench: done in %.1f s; %s\n", now() - start, load_average());

  return 0;
}
