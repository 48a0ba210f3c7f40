/* Fuzz target: shell-word expansion. stagegraph_expand_word and
 * stagegraph_expand_words with an environment taken from the input, and the
 * internal entry points for what the public API cannot reach (heredoc mode,
 * a small max_bytes).
 *
 * Input: byte 0 flags, byte 1 a parameter, then "KEY=VALUE" environment
 * entries separated by '\n' up to the first NUL, then the word (any bytes).
 * Without a NUL there is no environment and everything after the two bytes
 * is the word.
 *   flags bit 0  escape '`' (else '\')
 *   flags bit 1  ask for the unset-variable record
 *   flags bit 2  put a NULL entry among the environment (skipped)
 *   flags bit 3  internal call in heredoc mode (else normal)
 *   flags bit 4  internal call with max_bytes = 1 + 8 * parameter (else
 *                1 MiB, the public default: without a limit, nested
 *                replacements grow exponentially, see
 *                regressions/expand/nested-replace-unlimited)
 *   flags bit 5  failing allocator, failing allocation 1 + parameter
 *   flags bit 6  ... and every allocation after it
 */
#include "expand.h"
#include "fuzz_common.h"

#define MAX_ENV 64

typedef struct env_view {
  const char *const *env;
  size_t n;
} env_view;

/* As the public API reads its list: later entries win, "KEY" alone is "". */
static const char *lookup(void *ctx, const char *name, size_t n, size_t *vlen) {
  const env_view *v = ctx;
  for (size_t i = v->n; i-- > 0;) {
    const char *e = v->env[i];
    if (!e || strncmp(e, name, n) != 0 || (e[n] != '=' && e[n] != '\0')) continue;
    const char *val = e[n] == '=' ? e + n + 1 : e + n;
    *vlen = strlen(val);
    return val;
  }
  return NULL;
}

/* The unset record: NUL-terminated names, exactly filling the buffer. */
static void check_unset(const stagegraph_buf *u) {
  fz_check_buf(u);
  size_t at = 0;
  while (at < u->size) {
    const char *nul = memchr(u->ptr + at, 0, u->size - at);
    FZ_CHECK(nul != NULL);
    at = (size_t)(nul - u->ptr) + 1;
  }
}

static void expand_public(const char *word, size_t len, const char *const *env, size_t n,
                          char escape, int want_unset, int words) {
  stagegraph_buf out = STAGEGRAPH_BUF_INIT, unset = STAGEGRAPH_BUF_INIT;
  out.allocator = fz_allocator;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  size_t count = (size_t)-1;
  int rc = words ? stagegraph_expand_words(&out, &count, word, len, env, n, escape,
                                           want_unset ? &unset : NULL, &err)
                 : stagegraph_expand_word(&out, word, len, env, n, escape,
                                          want_unset ? &unset : NULL, &err);
  fz_check_error(rc, &err, len);
  if (rc) {
    FZ_CHECK(rc == STAGEGRAPH_EEXPAND || rc == STAGEGRAPH_ELIMIT || rc == STAGEGRAPH_ENOMEM);
    FZ_CHECK(out.size == 0 && unset.size == 0);
    if (words) FZ_CHECK(count == 0);
  } else {
    fz_check_buf(&out);
    if (want_unset) check_unset(&unset);
    if (words) {
      /* count words, each followed by a NUL */
      size_t at = 0, seen = 0;
      while (at < out.size) {
        const char *nul = memchr(out.ptr + at, 0, out.size - at);
        FZ_CHECK(nul != NULL);
        at = (size_t)(nul - out.ptr) + 1;
        seen++;
      }
      /* a NUL in the word itself also ends up in the output */
      if (!memchr(word, 0, len)) FZ_CHECK(seen == count);
      else FZ_CHECK(seen >= count);
    }
  }
  stagegraph_buf_dispose(&out);
  stagegraph_buf_dispose(&unset);
}

/* sgi_expand_changes == 0 promises the lexer gives the word back unchanged
 * with an empty environment, and cannot fail. */
static void check_changes(const char *word, size_t len, char escape) {
  if (sgi_expand_changes(word, len, escape) != 0 || len > ((size_t)1 << 20)) return;
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  fz_alloc_reset(0, 0);
  int rc = stagegraph_expand_word(&out, word, len, NULL, 0, escape, NULL, &err);
  if (rc != 0) fprintf(stderr, "changes == 0 but expansion failed: %s\n", err.message);
  FZ_CHECK(rc == 0);
  FZ_CHECK(out.size == len && (len == 0 || memcmp(out.ptr, word, len) == 0));
  stagegraph_buf_dispose(&out);
}

static void expand_internal(const char *word, size_t len, const env_view *view, char escape,
                            int mode, size_t max_bytes) {
  sgi_mem mem;
  sgi_mem_init(&mem, &fz_allocator);
  sgi_buf out, unset;
  sgi_buf_init(&out, &mem);
  sgi_buf_init(&unset, &mem);
  sgi_env env = {lookup, (void *)view};
  sgi_expand_opts opts = {escape, mode, max_bytes, &unset};
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;

  int rc = sgi_expand_word(&out, word, len, &env, &opts, &err);
  fz_check_error(rc, &err, len);
  if (rc == 0) {
    if (max_bytes) FZ_CHECK(out.len <= max_bytes);
    FZ_CHECK(!out.failed);
  } else if (rc != STAGEGRAPH_ENOMEM) {
    FZ_CHECK(out.len == 0);
  }

  size_t count = 0;
  sgi_buf_clear(&out);
  rc = sgi_expand_words(&out, &count, word, len, &env, &opts, &err);
  fz_check_error(rc, &err, len);
  if (rc == 0 && max_bytes) FZ_CHECK(out.len <= max_bytes + count);
  sgi_buf_free(&out);
  sgi_buf_free(&unset);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  uint8_t flags = data[0], param = data[1];
  const char *rest = (const char *)data + 2;
  size_t rest_len = size - 2;
  char escape = (flags & 1) ? '`' : '\\';
  fz_inputs_utf8 = fz_utf8_valid(rest, rest_len);

  /* environment entries, copied so each is NUL-terminated */
  fz_pool pool = {{0}, 0};
  const char *env[MAX_ENV + 1];
  size_t n = 0;
  const char *word = rest;
  size_t len = rest_len;
  const char *nul = memchr(rest, 0, rest_len);
  if (nul) {
    word = nul + 1;
    len = rest_len - (size_t)(nul - rest) - 1;
    const char *p = rest;
    while (p <= nul && n < MAX_ENV) {
      const char *nl = memchr(p, '\n', (size_t)(nul - p));
      const char *e = nl ? nl : nul;
      const char *entry = fz_pool_dup(&pool, p, (size_t)(e - p));
      if (entry) env[n++] = entry;
      p = e + 1;
    }
  }
  if (flags & 4) env[n++] = NULL;
  env_view view = {env, n};

  fz_alloc_reset((flags & 0x20) ? 1ul + param : 0, (flags & 0x40) != 0);
  expand_public(word, len, env, n, escape, flags & 2, 0);
  fz_alloc_reset((flags & 0x20) ? 1ul + param : 0, (flags & 0x40) != 0);
  expand_public(word, len, env, n, escape, flags & 2, 1);
  fz_alloc_reset((flags & 0x20) ? 1ul + param : 0, (flags & 0x40) != 0);
  expand_internal(word, len, &view, escape, (flags & 8) ? SGI_EXPAND_HEREDOC : SGI_EXPAND_NORMAL,
                  (flags & 0x10) ? 1 + 8 * (size_t)param : (size_t)1 << 20);
  check_changes(word, len, escape);
  fz_pool_free(&pool);
  return 0;
}
