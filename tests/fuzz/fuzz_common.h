/* Shared pieces of the fuzz targets: the option header, a failing
 * allocator, and the checks every target makes on what the library returns
 * (error structs, owned buffers, JSON validity). Header-only so that each
 * target is one translation unit, built with clang's libFuzzer or with
 * standalone.c.
 *
 * The option header. Targets that take a Dockerfile (parse, plan, cache,
 * lint) read the input as a plain Dockerfile with default options, unless
 * it starts with the byte 0xFF (never valid UTF-8, so no real Dockerfile
 * starts with it): then the FZ_HEADER bytes after it are options and the rest
 * is the Dockerfile. Real Dockerfiles (../shared/corpus) are therefore good
 * seeds as they are, and the fuzzer reaches the options by inserting 0xFF.
 *
 *   h[0]  bits 0-2 build arg count, bits 3-5 target platform, bit 6 small
 *         limits, bit 7 failing allocator
 *   h[1]  bits 0-2 build platform, bits 3-7 the small limits' scale
 *   h[2]  allocation to fail (low byte), h[3] bit 7: fail every allocation
 *         from then on (else only that one), bits 0-6: high bits
 *   h[4..7]  build arg picks, one nibble each
 *   h[8..15] target specific (see each target)
 */
#ifndef STAGEGRAPH_FUZZ_COMMON_H
#define STAGEGRAPH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stagegraph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAGIC 0xFF
#define FZ_HEADER 16

/* A broken promise of the library: report it and abort, so libFuzzer and
 * the standalone driver both count it as a crash. */
#define FZ_CHECK(cond)                                                                   \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond);      \
      abort();                                                                           \
    }                                                                                    \
  } while (0)

/* Read every byte, so ASan sees a read past the end or after free. */
static inline unsigned fz_touch(const void *p, size_t n) {
  const volatile unsigned char *b = (const volatile unsigned char *)p;
  unsigned sum = 0;
  for (size_t i = 0; i < n; i++) sum += b[i];
  return sum;
}

static inline size_t fz_strlen(const char *s) {
  FZ_CHECK(s != NULL);
  return strlen(s);
}

/* ---- failing allocator --------------------------------------------------- */

typedef struct fz_alloc {
  unsigned long count;   /* allocations made since fz_alloc_reset */
  unsigned long fail_at; /* 1-based allocation to fail; 0: none */
  int persistent;        /* fail every allocation from fail_at on */
  unsigned long failed;  /* allocations refused */
} fz_alloc;

static fz_alloc fz_alloc_state;

static inline int fz_alloc_refuse(fz_alloc *a) {
  a->count++;
  if (a->fail_at && (a->count == a->fail_at || (a->persistent && a->count > a->fail_at))) {
    a->failed++;
    return 1;
  }
  return 0;
}

static inline void *fz_malloc(size_t size, void *ctx) {
  return fz_alloc_refuse((fz_alloc *)ctx) ? NULL : malloc(size);
}

static inline void *fz_realloc(void *ptr, size_t size, void *ctx) {
  return fz_alloc_refuse((fz_alloc *)ctx) ? NULL : realloc(ptr, size);
}

static inline void fz_free(void *ptr, void *ctx) {
  (void)ctx;
  free(ptr);
}

static const stagegraph_allocator fz_allocator = {fz_malloc, fz_realloc, fz_free,
                                                  &fz_alloc_state};

static inline void fz_alloc_reset(unsigned long fail_at, int persistent) {
  fz_alloc_state.count = 0;
  fz_alloc_state.fail_at = fail_at;
  fz_alloc_state.persistent = persistent;
  fz_alloc_state.failed = 0;
}

/* ENOMEM is only allowed when the failing allocator refused something. */
static inline void fz_check_nomem(int rc) {
  if (rc == STAGEGRAPH_ENOMEM) FZ_CHECK(fz_alloc_state.failed > 0);
}

/* ---- UTF-8 ------------------------------------------------------------------- */

/* One UTF-8 sequence starting at p (not ASCII): its length, 0 if invalid. */
static inline size_t fz_utf8_seq(const unsigned char *p, const unsigned char *end) {
  unsigned char c = p[0];
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
  else return 0;
  if ((size_t)(end - p) < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n;
}

static inline int fz_utf8_valid(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  while (p < end) {
    if (*p < 0x80) {
      p++;
      continue;
    }
    size_t n = fz_utf8_seq(p, end);
    if (!n) return 0;
    p += n;
  }
  return 1;
}

/* Set by a target when everything it gave the library is valid UTF-8: error
 * messages must then be valid UTF-8 too (they are truncated at a UTF-8
 * boundary). */
static int fz_inputs_utf8;

/* ---- checks on results ----------------------------------------------------- */

/* A failed call: a known negative code, the same code in err, a NUL-terminated
 * message, and an offset inside the input when there is a position. */
static inline void fz_check_error(int rc, const stagegraph_error *err, size_t input_len) {
  if (rc == 0) return;
  FZ_CHECK(rc < 0);
  FZ_CHECK(strcmp(stagegraph_code_name(rc), "EUNKNOWN") != 0);
  FZ_CHECK(err->code == rc);
  FZ_CHECK(memchr(err->message, 0, sizeof err->message) != NULL);
  if (fz_inputs_utf8 && !fz_utf8_valid(err->message, strlen(err->message)))
    fprintf(stderr, "message not UTF-8: %s\n", err->message);
  if (fz_inputs_utf8) FZ_CHECK(fz_utf8_valid(err->message, strlen(err->message)));
  if (err->line) FZ_CHECK(err->offset <= input_len);
  fz_check_nomem(rc);
}

/* An owned output after success: NUL-terminated at size. */
static inline void fz_check_buf(const stagegraph_buf *b) {
  if (b->ptr == NULL) {
    FZ_CHECK(b->size == 0);
    return;
  }
  fz_touch(b->ptr, b->size + 1);
  FZ_CHECK(b->ptr[b->size] == '\0');
}

/* ---- strict JSON (RFC 8259, valid UTF-8) ------------------------------------ */

typedef struct fz_json {
  const unsigned char *p, *end;
  int depth;
} fz_json;

static inline void fz_json_ws(fz_json *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static inline int fz_json_lit(fz_json *j, const char *lit) {
  size_t n = strlen(lit);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0) return 0;
  j->p += n;
  return 1;
}

static inline int fz_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline int fz_json_string(fz_json *j) {
  if (j->p >= j->end || *j->p != '"') return 0;
  j->p++;
  while (j->p < j->end) {
    unsigned char c = *j->p;
    if (c == '"') {
      j->p++;
      return 1;
    }
    if (c < 0x20) return 0;
    if (c == '\\') {
      j->p++;
      if (j->p >= j->end) return 0;
      c = *j->p++;
      if (c == 'u') {
        for (int i = 0; i < 4; i++)
          if (j->p >= j->end || !fz_hex(*j->p++)) return 0;
      } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
        return 0;
      }
    } else if (c < 0x80) {
      j->p++;
    } else {
      size_t n = fz_utf8_seq(j->p, j->end);
      if (!n) return 0;
      j->p += n;
    }
  }
  return 0;
}

static inline int fz_json_number(fz_json *j) {
  const unsigned char *s = j->p;
  if (j->p < j->end && *j->p == '-') j->p++;
  if (j->p >= j->end) return 0;
  if (*j->p == '0') j->p++;
  else if (*j->p >= '1' && *j->p <= '9')
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  else return 0;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  return j->p > s;
}

static inline int fz_json_value(fz_json *j) {
  fz_json_ws(j);
  if (j->p >= j->end || j->depth > 512) return 0;
  unsigned char c = *j->p;
  if (c == '{' || c == '[') {
    unsigned char close = c == '{' ? '}' : ']';
    j->p++;
    j->depth++;
    fz_json_ws(j);
    if (j->p < j->end && *j->p == close) {
      j->p++;
      j->depth--;
      return 1;
    }
    for (;;) {
      if (c == '{') {
        fz_json_ws(j);
        if (!fz_json_string(j)) return 0;
        fz_json_ws(j);
        if (j->p >= j->end || *j->p++ != ':') return 0;
      }
      if (!fz_json_value(j)) return 0;
      fz_json_ws(j);
      if (j->p >= j->end) return 0;
      if (*j->p == ',') {
        j->p++;
        continue;
      }
      if (*j->p++ != close) return 0;
      j->depth--;
      return 1;
    }
  }
  if (c == '"') return fz_json_string(j);
  if (c == 't') return fz_json_lit(j, "true");
  if (c == 'f') return fz_json_lit(j, "false");
  if (c == 'n') return fz_json_lit(j, "null");
  return fz_json_number(j);
}

/* The whole buffer is one JSON value (trailing white space allowed). */
static inline void fz_check_json(const stagegraph_buf *b) {
  fz_check_buf(b);
  fz_json j = {(const unsigned char *)b->ptr, (const unsigned char *)b->ptr + b->size, 0};
  int ok = b->ptr && fz_json_value(&j);
  if (ok) {
    fz_json_ws(&j);
    ok = j.p == j.end;
  }
  if (!ok) {
    size_t at = b->ptr ? (size_t)((const char *)j.p - b->ptr) : 0;
    fprintf(stderr, "invalid JSON at byte %zu of %zu:\n%.*s\n", at, b->size,
            (int)(b->size < 4096 ? b->size : 4096), b->ptr ? b->ptr : "");
  }
  FZ_CHECK(ok);
}

/* ---- the option header ------------------------------------------------------- */

static const char *const fz_build_arg_table[16] = {
    "A=1",
    "BASE=alpine:3.20",
    "TAG=latest",
    "X",
    "=",
    "V=${A}",
    "TARGETPLATFORM=linux/arm64",
    "BUILDPLATFORM=linux/386",
    "HTTP_PROXY=http://proxy:3128",
    "B=b c  d",
    "NAME=Foo",
    "EMPTY=",
    "K=v=w",
    "TARGETSTAGE=build",
    "STAGE=build",
    "IMG=busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
};

static const char *const fz_platform_table[8] = {
    NULL, "linux/arm64", "linux/arm/v7", "windows/amd64", "darwin/arm64/v8", "", "linux", "Linux/AMD64/",
};

typedef struct fz_input {
  uint8_t h[FZ_HEADER]; /* zeroes when the input had no header */
  int has_header;
  const char *text; /* the Dockerfile (up to the trailer, for targets with one) */
  size_t text_len;
  const char *trailer; /* after the first NUL, when split; else NULL */
  size_t trailer_len;
  const char *build_args[8];
  stagegraph_options opts;
} fz_input;

/* Split off the header; with `split_trailer`, the Dockerfile ends at the
 * first NUL and what follows is the target's trailer. */
static inline void fz_input_init(fz_input *in, const uint8_t *data, size_t size,
                                 int split_trailer) {
  memset(in, 0, sizeof *in);
  if (size >= 1 + FZ_HEADER && data[0] == FZ_MAGIC) {
    memcpy(in->h, data + 1, FZ_HEADER);
    in->has_header = 1;
    data += 1 + FZ_HEADER;
    size -= 1 + FZ_HEADER;
  }
  in->text = (const char *)data;
  in->text_len = size;
  if (split_trailer) {
    const char *nul = memchr(data, 0, size);
    if (nul) {
      in->text_len = (size_t)(nul - (const char *)data);
      in->trailer = nul + 1;
      in->trailer_len = size - in->text_len - 1;
    }
  }

  fz_inputs_utf8 = fz_utf8_valid(in->text, in->text_len) &&
                   (!in->trailer || fz_utf8_valid(in->trailer, in->trailer_len));

  const uint8_t *h = in->h;
  stagegraph_options_init(&in->opts, sizeof in->opts);
  size_t nargs = h[0] & 7;
  for (size_t i = 0; i < nargs; i++) {
    unsigned pick = (h[4 + i / 2] >> (4 * (i % 2))) & 15;
    in->build_args[i] = fz_build_arg_table[pick];
  }
  in->opts.build_args = nargs ? in->build_args : NULL;
  in->opts.build_arg_count = nargs;
  in->opts.platform = fz_platform_table[(h[0] >> 3) & 7];
  in->opts.build_platform = fz_platform_table[h[1] & 7];
  if (h[0] & 0x40) {
    size_t scale = (size_t)(h[1] >> 3); /* 0..31 */
    in->opts.max_input_bytes = 1 + scale * 64;
    in->opts.max_line_bytes = 1 + scale * 8;
    in->opts.max_instructions = 1 + scale;
    in->opts.max_stages = 1 + scale / 4;
    in->opts.max_heredocs = 1 + scale / 8;
    in->opts.max_expansion_bytes = 1 + scale * 16;
  }
  if (h[0] & 0x80) {
    unsigned long at = 1 + h[2] + ((unsigned long)(h[3] & 0x7F) << 8);
    fz_alloc_reset(at, h[3] >> 7);
    in->opts.allocator = &fz_allocator;
  } else {
    fz_alloc_reset(0, 0);
  }
}

/* The next line of the trailer (lines end at '\n'); 0 past the end. */
static inline int fz_trailer_line(const fz_input *in, size_t *pos, const char **line,
                                  size_t *len) {
  if (!in->trailer || *pos > in->trailer_len) return 0;
  const char *s = in->trailer + *pos;
  size_t left = in->trailer_len - *pos;
  const char *nl = memchr(s, '\n', left);
  *line = s;
  *len = nl ? (size_t)(nl - s) : left;
  *pos += *len + 1;
  return 1;
}

/* ---- a small pool of owned strings, freed together ----------------------------- */

#define FZ_POOL_MAX 256

typedef struct fz_pool {
  char *s[FZ_POOL_MAX];
  size_t n;
} fz_pool;

/* A NUL-terminated copy (NULL when the pool is full or malloc fails). */
static inline const char *fz_pool_dup(fz_pool *p, const char *s, size_t len) {
  if (p->n == FZ_POOL_MAX) return NULL;
  char *c = malloc(len + 1);
  if (!c) return NULL;
  memcpy(c, s, len);
  c[len] = '\0';
  p->s[p->n++] = c;
  return c;
}

static inline const char *fz_pool_cat(fz_pool *p, const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (p->n == FZ_POOL_MAX) return NULL;
  char *c = malloc(la + lb + 1);
  if (!c) return NULL;
  memcpy(c, a, la);
  memcpy(c + la, b, lb + 1);
  p->s[p->n++] = c;
  return c;
}

static inline void fz_pool_free(fz_pool *p) {
  for (size_t i = 0; i < p->n; i++) free(p->s[i]);
  p->n = 0;
}

/* ---- targets and build contexts, for plan, cache and lint ---------------------- */

static const char *const fz_context_sources[16] = {
    "docker-image://alpine:3.20",
    "docker-image://busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "oci-layout://store@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "oci-layout://store:tag",
    "https://github.com/moby/buildkit.git#master",
    "git@github.com:moby/buildkit.git",
    "http://example.com/context.tar.gz",
    "local:other",
    "input:foo",
    "target:build",
    "./relative/dir",
    "",
    "docker-image://",
    "docker-image://UPPER:tag",
    "service:x",
    "/abs/path",
};

/* The name of stage k to use as a target or context name: its AS name, else
 * its base as written (NULL for a FROM without arguments). */
static inline const char *fz_stage_label(const stagegraph_doc *doc, size_t k) {
  const stagegraph_stage *st = stagegraph_doc_stage(doc, k);
  const char *label = st ? stagegraph_stage_name(st) : NULL;
  if (st && !label) label = stagegraph_stage_base(st);
  return label ? label : "";
}

static inline const char *fz_upper(fz_pool *pool, const char *s) {
  size_t n = strlen(s);
  const char *c = fz_pool_dup(pool, s, n);
  if (!c) return s;
  for (char *q = (char *)c; *q; q++)
    if (*q >= 'a' && *q <= 'z') *q = (char)(*q - 'a' + 'A');
  return c;
}

/* Targets from h[8] bits 0-1 (count), h[9..11] (picks), h[8] bit 6
 * (uppercase); build contexts from h[8] bits 3-5 (count), h[12..15] and
 * h[9..11] again (picks). Returns the number of targets. */
static inline size_t fz_pick_targets(const fz_input *in, const stagegraph_doc *doc,
                                     fz_pool *pool, const char **targets) {
  size_t n = stagegraph_doc_stage_count(doc);
  size_t count = in->h[8] & 3;
  for (size_t i = 0; i < count; i++) {
    size_t k = in->h[9 + i] % (n + 3);
    const char *t;
    if (k < n) {
      t = fz_stage_label(doc, k);
    } else if (k == n) {
      t = "nonexistent";
    } else if (k == n + 1) {
      t = "";
    } else {
      t = "0";
    }
    if (in->h[8] & 0x40) t = fz_upper(pool, t);
    targets[i] = t;
  }
  return count;
}

static inline size_t fz_pick_contexts(const fz_input *in, const stagegraph_doc *doc,
                                      fz_pool *pool, const char **contexts) {
  size_t n = stagegraph_doc_stage_count(doc);
  size_t count = (in->h[8] >> 3) & 7;
  size_t made = 0;
  for (size_t i = 0; i < count; i++) {
    uint8_t b = i < 4 ? in->h[12 + i] : in->h[9 + (i - 4)];
    size_t k = (b & 15) % (n + 3);
    const char *name;
    if (k < n) name = fz_stage_label(doc, k);
    else if (k == n) name = "alpine";
    else if (k == n + 1) name = "docker.io/library/alpine:latest";
    else name = "Bad Name";
    const char *entry;
    if ((b >> 4) == 15 && (i & 1)) {
      entry = name; /* no '=': invalid */
    } else {
      const char *with_eq = fz_pool_cat(pool, name, "=");
      entry = with_eq ? fz_pool_cat(pool, with_eq, fz_context_sources[b >> 4]) : NULL;
    }
    if (entry) contexts[made++] = entry;
  }
  return made;
}

/* Plan options from the header: targets, legacy (h[8] bit 2) and build
 * contexts, pointing into the caller's arrays. */
static inline void fz_plan_options(const fz_input *in, const stagegraph_doc *doc, fz_pool *pool,
                                   stagegraph_plan_options *po, const char **targets,
                                   const char **contexts) {
  stagegraph_plan_options_init(po, sizeof *po);
  po->target_count = fz_pick_targets(in, doc, pool, targets);
  po->targets = po->target_count ? targets : NULL;
  po->legacy = (in->h[8] >> 2) & 1;
  po->build_context_count = fz_pick_contexts(in, doc, pool, contexts);
  po->build_contexts = po->build_context_count ? contexts : NULL;
}

/* A trailer line `d<pattern>` appends the pattern as a .dockerignore line,
 * while it fits. */
static inline void fz_ignore_line(char *ignore, size_t cap, size_t *ignore_len, const char *line,
                                  size_t len) {
  if (*ignore_len + len > cap) return;
  memcpy(ignore + *ignore_len, line + 1, len - 1);
  *ignore_len += len - 1;
  ignore[(*ignore_len)++] = '\n';
}

/* What a render call gave: a well-formed error; `expect` is the code it
 * must fail with when it fails (STAGEGRAPH_EINVAL: it must fail so; 0: any
 * code), and on success the output is sound (a JSON value when json). */
static inline void fz_check_render(int rc, const stagegraph_error *err, const stagegraph_buf *out,
                                   int json, int expect) {
  fz_check_error(rc, err, 0);
  if (expect == STAGEGRAPH_EINVAL) {
    FZ_CHECK(rc == STAGEGRAPH_EINVAL);
  } else if (rc == 0) {
    if (json) fz_check_json(out);
    else fz_check_buf(out);
  } else if (expect) {
    FZ_CHECK(rc == expect);
  }
}

#endif
