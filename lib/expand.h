/* Shell-word expansion: BuildKit's frontend/dockerfile/shell lexer
 * (ProcessWord and ProcessWords), a leaf utility used by every layer that
 * expands FROM, COPY, ENV, ... fields and COPY/ADD heredoc bodies. */
#ifndef STAGEGRAPH_EXPAND_H
#define STAGEGRAPH_EXPAND_H

#include <stddef.h>

#include "buf.h"
#include "stagegraph.h"

typedef struct sgi_env {
  /* Return the value of `name` (not NUL-terminated, name_len bytes) or NULL
   * when unset; *value_len receives its length. Names are case-sensitive
   * (BuildKit's Unix behaviour); an empty name can be looked up. */
  const char *(*lookup)(void *ctx, const char *name, size_t name_len, size_t *value_len);
  void *ctx;
} sgi_env;

enum sgi_expand_mode {
  SGI_EXPAND_NORMAL = 0,
  /* a.6, COPY/ADD heredoc bodies: quotes are not processed and '\\' escapes
   * the next character whatever `escape` says (BuildKit's NewLex('\\') with
   * SkipProcessQuotes). */
  SGI_EXPAND_HEREDOC = 1
};

typedef struct sgi_expand_opts {
  char escape;      /* '\\' or '`' */
  int mode;         /* enum sgi_expand_mode */
  size_t max_bytes; /* 0 = none. Bounds the text one expansion holds at once: the
                     * output plus any unfinished nested word, pattern or
                     * replacement, and each #, %, / result. Exceeding it
                     * fails with STAGEGRAPH_ELIMIT. */
  sgi_buf *unset;   /* if not NULL: names referenced but unset are appended,
                     * each followed by '\0', in first-use order, without
                     * duplicates within this call. Filled on success and on
                     * STAGEGRAPH_EEXPAND (BuildKit reports them before failing). */
} sgi_expand_opts;

/* ProcessWord: the expanded word is appended to `out` (quotes removed).
 * Errors: STAGEGRAPH_EEXPAND with BuildKit's text
 * (`failed to process "<word>": ...`), STAGEGRAPH_ELIMIT, STAGEGRAPH_ENOMEM.
 * On failure `out` is restored to its previous length (unless an allocation
 * failed, which leaves it failed). `err` may be NULL. Temporary memory comes
 * from out->mem. */
int sgi_expand_word(sgi_buf *out, const char *word, size_t len, const sgi_env *env,
                    const sgi_expand_opts *opts, stagegraph_error *err);

/* ProcessWords: `out` receives each word followed by '\0' (appended);
 * *count the number of words. Same errors and failure behaviour. */
int sgi_expand_words(sgi_buf *out, size_t *count, const char *word, size_t len,
                     const sgi_env *env, const sgi_expand_opts *opts, stagegraph_error *err);

/* 1 when lexing `word` with an empty environment would not give back `word`
 * unchanged: it holds a $name or ${...}, a quote or the escape character (or
 * a leading BOM or invalid UTF-8, which the lexer rewrites). BuildKit fails
 * such a COPY --from with "variable expansion is not supported for --from,
 * ...", unless the lexer itself fails first: a caller wanting BuildKit's exact
 * message expands the word with an empty environment when this returns 1 and
 * reports that error if there is one. 0 means the lexer returns the word
 * unchanged and cannot fail. Allocation-free. */
int sgi_expand_changes(const char *word, size_t len, char escape);

#endif
