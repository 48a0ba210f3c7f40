/* Heredoc detection.
 *
 * BuildKit splits the line with its shell lexer in a mode that keeps quotes,
 * escapes and unset variables as written, then matches each word against
 * ^(\d*)<<(-?)\s*([^<]*)$ and lexes the remainder again to find the name and
 * whether any part of it was quoted. The lexer below is that lexer reduced
 * to what these modes can produce: with no variables set, `$name` and
 * `${...}` come out as written (except that escapes inside a `-`, `+` or `?`
 * default are removed and `${a//x/y}` loses one `/`), and errors in them
 * still fail the whole lexing. It runs without recursion: nested `${` and
 * quotes are tracked in an explicit stack. */
#include "heredoc.h"

#include <string.h>

#include "buf.h"
#include "strlist.h"
#include "text.h"
#include "unicode.h"


/* Word accumulation with the lexer's two ways of adding text: "raw" text
 * never splits; "split" text ends the word at whitespace. */
typedef struct words_state {
  sgi_buf word;
  int in_word;
  sgi_strlist *out;
  int rc;
} words_state;

static void add_raw(words_state *w, const char *s, size_t n) {
  sgi_buf_append(&w->word, s, n);
  w->in_word = 1;
}

static void add_split(words_state *w, const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t width;
    uint32_t r = sgi_utf8_decode(s + i, n - i, &width);
    if (sgi_is_space(r)) {
      if (w->in_word && w->word.len) {
        if (!w->rc) w->rc = sgi_strlist_push(w->out, w->word.ptr, w->word.len);
        sgi_buf_clear(&w->word);
        w->in_word = 0;
      }
    } else {
      add_raw(w, s + i, width);
    }
    i += width;
  }
}

/* A rune of a variable name after its first: unicode.IsLetter, IsDigit or
 * '_', as processName reads it. */
static int is_name_rune(uint32_t r) {
  return r == '_' || sgi_is_letter(r) || sgi_is_digit(r);
}

enum frame_kind { F_TOP, F_DQUOTE, F_BRACE_WORD, F_SLASH_PATTERN, F_SLASH_REPL };

typedef struct frame {
  unsigned char kind;
  unsigned char raw_escapes;
} frame;

typedef struct lexer {
  const char *s;
  size_t len, pos;
  int raw_quotes;
  int glue_heredoc;
  const char *error; /* static message when lexing failed */
  sgi_buf err_text;  /* message with arguments, when needed */
  frame *first_frames; /* the frame stack's first room, on lex_words' stack */
} lexer;

/* Where text goes: at the top level plain text and `$` results split at
 * whitespace while quotes and escapes do not; inside a top-level double
 * quote everything is raw; inside `${...}` everything splits (the whole
 * substitution is one string that BuildKit splits afterwards). */
static void emit(words_state *w, const frame *stack, size_t depth, int top_split, const char *p,
                 size_t n) {
  int split = depth == 1 ? top_split : stack[1].kind != F_DQUOTE;
  if (split)
    add_split(w, p, n);
  else
    add_raw(w, p, n);
}

static int push_frame(const lexer *lx, const sgi_mem *mem, frame **stack, size_t *cap,
                      size_t *depth, enum frame_kind kind, int raw_escapes) {
  if (*depth == *cap) { /* nested past the first room: the heap */
    int first = *stack == lx->first_frames;
    frame *grown = first ? sgi_malloc(mem, *cap * 2 * sizeof **stack)
                         : sgi_realloc(mem, *stack, *cap * 2 * sizeof **stack);
    if (!grown) return STAGEGRAPH_ENOMEM;
    if (first) memcpy(grown, *stack, *cap * sizeof **stack);
    *stack = grown;
    *cap *= 2;
  }
  (*stack)[*depth].kind = (unsigned char)kind;
  (*stack)[*depth].raw_escapes = (unsigned char)raw_escapes;
  (*depth)++;
  return 0;
}

/* Skip a variable name as BuildKit's processName reads it. */
static void skip_name(lexer *lx) {
  const char *s = lx->s;
  size_t len = lx->len;
  if (lx->pos >= len) return;
  unsigned char d = (unsigned char)s[lx->pos];
  size_t width;
  if (sgi_is_digit(sgi_utf8_decode(s + lx->pos, len - lx->pos, &width))) {
    /* a positional parameter: digits only */
    while (lx->pos < len && sgi_is_digit(sgi_utf8_decode(s + lx->pos, len - lx->pos, &width)))
      lx->pos += width;
  } else if (d && strchr("@*#?-$!0", d)) {
    lx->pos++;
  } else {
    while (lx->pos < len) {
      uint32_t r = sgi_utf8_decode(s + lx->pos, len - lx->pos, &width);
      if (!is_name_rune(r)) break;
      lx->pos += width;
    }
  }
}

/* A `$` at lx->pos. Plain `$name` is emitted; `${` emits its head and
 * pushes a frame for the modifier's word. */
static int lex_dollar(lexer *lx, words_state *w, frame **stack, size_t *cap, size_t *depth) {
  const sgi_mem *mem = w->out->bytes.mem;
  const char *s = lx->s;
  size_t len = lx->len, start = lx->pos++;
  if (lx->pos >= len || s[lx->pos] != '{') {
    skip_name(lx);
    emit(w, *stack, *depth, 1, s + start, lx->pos - start);
    return 0;
  }
  lx->pos++;
  if (lx->pos >= len) {
    lx->error = "syntax error: missing '}'";
    return STAGEGRAPH_ESYNTAX;
  }
  unsigned char d = (unsigned char)s[lx->pos];
  if (d == '{' || d == '}' || d == ':') {
    lx->error = "syntax error: bad substitution";
    return STAGEGRAPH_ESYNTAX;
  }
  skip_name(lx);
  if (lx->pos >= len) { /* Go reads end of input as U+FFFD */
    lx->error = "unsupported modifier (\xEF\xBF\xBD) in substitution";
    return STAGEGRAPH_ESYNTAX;
  }
  unsigned char m = (unsigned char)s[lx->pos++];
  if (m == '}') {
    emit(w, *stack, *depth, 1, s + start, lx->pos - start);
    return 0;
  }
  enum frame_kind kind = F_BRACE_WORD;
  int raw = 0;
  if (m == ':') {
    if (lx->pos >= len) {
      lx->error = "syntax error: missing '}'";
      return STAGEGRAPH_ESYNTAX;
    }
    m = (unsigned char)s[lx->pos++];
    raw = m == '#' || m == '%';
  } else if (m == '+' || m == '-' || m == '?' || m == '#' || m == '%') {
    raw = m == '#' || m == '%';
  } else if (m == '/') {
    kind = F_SLASH_PATTERN;
    raw = 1;
  } else {
    size_t width;
    sgi_utf8_decode(s + lx->pos - 1, len - lx->pos + 1, &width);
    sgi_buf_puts(&lx->err_text, "unsupported modifier (");
    sgi_buf_append(&lx->err_text, s + lx->pos - 1, width);
    sgi_buf_puts(&lx->err_text, ") in substitution");
    return lx->err_text.failed ? STAGEGRAPH_ENOMEM : STAGEGRAPH_ESYNTAX;
  }
  emit(w, *stack, *depth, 1, s + start, lx->pos - start);
  if (kind == F_SLASH_PATTERN && lx->pos < len && s[lx->pos] == '/') lx->pos++; /* `//` */
  return push_frame(lx, mem, stack, cap, depth, kind, raw);
}

/* Lex `s` into words (ProcessWords). Returns 0, or STAGEGRAPH_ESYNTAX with
 * the message in lx, or STAGEGRAPH_ENOMEM. */
static int lex_words(lexer *lx, int raw_escapes_top, sgi_strlist *out) {
  const char *s = lx->s;
  size_t len = lx->len;
  const sgi_mem *mem = out->bytes.mem;
  words_state w;
  memset(&w, 0, sizeof w);
  char word_text[128]; /* the words of an ordinary line fit */
  sgi_buf_init_storage(&w.word, mem, word_text, sizeof word_text);
  w.out = out;
  sgi_buf_init(&lx->err_text, mem);
  frame first_frames[16];
  size_t cap = 16, depth = 1;
  frame *stack = lx->first_frames = first_frames;
  stack[0].kind = F_TOP;
  stack[0].raw_escapes = (unsigned char)raw_escapes_top;
  int rc = 0;
  while (!rc && (lx->pos < len || depth > 1)) {
    frame *f = &stack[depth - 1];
    if (lx->pos >= len) {
      lx->error = f->kind == F_DQUOTE ? "unexpected end of statement while looking for matching double-quote"
                  : f->kind == F_SLASH_PATTERN ? "syntax error: missing '/' in ${}"
                                               : "syntax error: missing '}'";
      rc = STAGEGRAPH_ESYNTAX;
      break;
    }
    unsigned char c = (unsigned char)s[lx->pos];
    size_t width;
    if (c == '$') {
      rc = lex_dollar(lx, &w, &stack, &cap, &depth);
      continue;
    }
    if (f->kind == F_DQUOTE) {
      lx->pos++;
      if (c == '"') {
        if (lx->raw_quotes) emit(&w, stack, depth, 0, "\"", 1);
        depth--;
        continue;
      }
      if (c == '\\') {
        if (f->raw_escapes) emit(&w, stack, depth, 0, "\\", 1);
        if (lx->pos >= len) continue;
        unsigned char n = (unsigned char)s[lx->pos];
        if (n == '"' || n == '$' || n == '\\') {
          lx->pos++;
          emit(&w, stack, depth, 0, s + lx->pos - 1, 1);
        } else if (!f->raw_escapes) {
          emit(&w, stack, depth, 0, "\\", 1);
        }
        continue;
      }
      emit(&w, stack, depth, 0, s + lx->pos - 1, 1);
      continue;
    }
    if ((f->kind == F_BRACE_WORD || f->kind == F_SLASH_REPL) && c == '}') {
      lx->pos++;
      emit(&w, stack, depth, 1, "}", 1);
      depth--;
      continue;
    }
    if (f->kind == F_SLASH_PATTERN && c == '/') {
      lx->pos++;
      emit(&w, stack, depth, 1, "/", 1);
      f->kind = F_SLASH_REPL;
      continue;
    }
    if (c == '\'') {
      const char *end = memchr(s + lx->pos + 1, '\'', len - lx->pos - 1);
      if (!end) {
        lx->error = "unexpected end of statement while looking for matching single-quote";
        rc = STAGEGRAPH_ESYNTAX;
        break;
      }
      size_t stop = (size_t)(end - s);
      if (lx->raw_quotes)
        emit(&w, stack, depth, 0, s + lx->pos, stop - lx->pos + 1);
      else
        emit(&w, stack, depth, 0, s + lx->pos + 1, stop - lx->pos - 1);
      lx->pos = stop + 1;
      continue;
    }
    if (c == '"') {
      lx->pos++;
      if (lx->raw_quotes) emit(&w, stack, depth, 0, "\"", 1);
      rc = push_frame(lx, mem, &stack, &cap, &depth, F_DQUOTE, f->raw_escapes);
      continue;
    }
    if (c == '<' && lx->glue_heredoc && depth == 1 && lx->pos + 1 < len && s[lx->pos + 1] == '<') {
      size_t start = lx->pos;
      lx->pos += 2;
      while (lx->pos < len && (s[lx->pos] == ' ' || s[lx->pos] == '\t' || s[lx->pos] == '\r'))
        lx->pos++;
      add_raw(&w, s + start, lx->pos - start);
      continue;
    }
    if (c == '\\') {
      lx->pos++;
      if (f->raw_escapes) emit(&w, stack, depth, 0, "\\", 1);
      if (lx->pos >= len) continue;
      sgi_utf8_decode(s + lx->pos, len - lx->pos, &width);
      emit(&w, stack, depth, 0, s + lx->pos, width);
      lx->pos += width;
      continue;
    }
    sgi_utf8_decode(s + lx->pos, len - lx->pos, &width);
    emit(&w, stack, depth, 1, s + lx->pos, width);
    lx->pos += width;
  }
  if (!rc && w.word.len) rc = sgi_strlist_push(out, w.word.ptr, w.word.len);
  if (!rc && w.rc) rc = w.rc;
  if (!rc && w.word.failed) rc = w.word.failed;
  sgi_buf_free(&w.word);
  if (stack != first_frames) sgi_free(mem, stack);
  lx->first_frames = NULL;
  return rc;
}

static const char *lex_error_text(lexer *lx) {
  return lx->error ? lx->error : (lx->err_text.ptr ? lx->err_text.ptr : "");
}

static size_t count_quotes(const sgi_str *w) {
  size_t n = 0;
  for (size_t i = 0; i < w->len; i++) n += w->ptr[i] == '\'' || w->ptr[i] == '"';
  return n;
}

/* Lex the name part of a marker; ESYNTAX errors are wrapped as BuildKit's
 * `failed to process "<rest>": <err>`. */
static int lex_name(sgi_arena *arena, const char *rest, size_t len, int raw_quotes,
                    sgi_strlist *out, stagegraph_error *err) {
  lexer lx;
  memset(&lx, 0, sizeof lx);
  lx.s = rest;
  lx.len = len;
  lx.raw_quotes = raw_quotes;
  int rc = lex_words(&lx, 0, out);
  if (rc == STAGEGRAPH_ESYNTAX) {
    sgi_buf msg;
    sgi_buf_init(&msg, arena->mem);
    sgi_buf_puts(&msg, "failed to process ");
    sgi_quote_go(&msg, rest, len);
    sgi_buf_puts(&msg, ": ");
    sgi_buf_puts(&msg, lex_error_text(&lx));
    if (msg.failed)
      rc = STAGEGRAPH_ENOMEM;
    else
      sgi_error_set_text(err, rc, NULL, msg.ptr, msg.len);
    sgi_buf_free(&msg);
  }
  sgi_buf_free(&lx.err_text);
  return rc;
}

/* The name of a marker from its lexed remainder (once with quotes removed,
 * once kept, to see whether any part was quoted): 1 with doc->name (an
 * arena copy) and doc->expand set, 0 when it is not a marker, or an error
 * code as parse_marker returns it. */
static int marker_name(sgi_arena *arena, const char *rest, size_t len, sgi_strlist *plain,
                       sgi_strlist *raw, stagegraph_heredoc *doc, stagegraph_error *err,
                       int report) {
  int rc;
  if ((rc = lex_name(arena, rest, len, 0, plain, err))) return report || rc != STAGEGRAPH_ESYNTAX ? rc : 0;
  if (plain->count != 1) return 0;
  if ((rc = lex_name(arena, rest, len, 1, raw, err))) return report || rc != STAGEGRAPH_ESYNTAX ? rc : 0;
  if (raw->count != plain->count) {
    if (!report) return 0;
    return sgi_error_set(err, STAGEGRAPH_ESYNTAX, NULL,
                         "internal lexing of heredoc produced inconsistent results: %.*s",
                         (int)len, rest);
  }
  sgi_str name = sgi_strlist_at(plain, 0), raw_name = sgi_strlist_at(raw, 0);
  if (!(doc->name = sgi_arena_strndup(arena, name.ptr, name.len))) return STAGEGRAPH_ENOMEM;
  doc->expand = count_quotes(&name) == count_quotes(&raw_name);
  return 1;
}

/* Match ^(\d*)<<(-?)\s*([^<]*)$ and lex the name. Returns 1 for a
 * marker, 0 for none, or an error code (ESYNTAX only when `err` wants
 * lexing errors reported). */
static int parse_marker(sgi_arena *arena, const char *w, size_t wl, stagegraph_heredoc *doc,
                        stagegraph_error *err, int report) {
  size_t p = 0;
  while (p < wl && w[p] >= '0' && w[p] <= '9') p++;
  size_t digits = p;
  if (wl - p < 2 || w[p] != '<' || w[p + 1] != '<') return 0;
  p += 2;
  int chomp = 0;
  if (p < wl && w[p] == '-') {
    chomp = 1;
    p++;
  }
  while (p < wl && (w[p] == ' ' || w[p] == '\t' || w[p] == '\n' || w[p] == '\f' || w[p] == '\r'))
    p++;
  if (memchr(w + p, '<', wl - p)) return 0;
  if (p == wl) return 0;
  sgi_strlist plain, raw; /* a marker's name is one short word */
  sgi_strlist_item items[2][4];
  char bytes[2][64];
  sgi_strlist_init_storage(&plain, arena->mem, items[0], 4, bytes[0], sizeof bytes[0]);
  sgi_strlist_init_storage(&raw, arena->mem, items[1], 4, bytes[1], sizeof bytes[1]);
  int rc = marker_name(arena, w + p, wl - p, &plain, &raw, doc, err, report);
  sgi_strlist_free(&plain);
  sgi_strlist_free(&raw);
  if (rc != 1) return rc;
  long fd = 0;
  for (size_t k = 0; k < digits; k++) {
    fd = fd * 10 + (w[k] - '0');
    if (fd > 0x7FFFFFFF) fd = 0x7FFFFFFF;
  }
  doc->chomp = chomp;
  doc->fd = (int)fd;
  doc->content = "";
  doc->content_len = 0;
  return 1;
}

int sgi_heredoc_parse_word(sgi_arena *arena, const char *word, size_t len, stagegraph_heredoc *out) {
  return parse_marker(arena, word, len, out, NULL, 0);
}

int sgi_heredocs_from_line(sgi_arena *arena, const char *line, size_t len,
                           stagegraph_heredoc **out, size_t *count, stagegraph_error *err) {
  *out = NULL;
  *count = 0;
  sgi_strlist words; /* an ordinary line's words fit on the stack */
  sgi_strlist_item items[16];
  char bytes[256];
  sgi_strlist_init_storage(&words, arena->mem, items, 16, bytes, sizeof bytes);
  lexer lx;
  memset(&lx, 0, sizeof lx);
  lx.s = line;
  lx.len = len;
  lx.raw_quotes = 1;
  lx.glue_heredoc = 1;
  int rc = lex_words(&lx, 1, &words);
  sgi_buf_free(&lx.err_text);
  if (rc == STAGEGRAPH_ESYNTAX) { /* an unlexable line has no heredocs */
    rc = 0;
    words.count = 0;
  }
  stagegraph_heredoc *docs = NULL;
  size_t n = 0, cap = 0;
  for (size_t i = 0; rc == 0 && i < words.count; i++) {
    stagegraph_heredoc doc;
    sgi_str word = sgi_strlist_at(&words, i);
    int found = parse_marker(arena, word.ptr, word.len, &doc, err, 1);
    if (found < 0) rc = found;
    if (found != 1) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 2;
      stagegraph_heredoc *grown = sgi_arena_alloc(arena, cap * sizeof *grown);
      if (!grown) {
        rc = STAGEGRAPH_ENOMEM;
        break;
      }
      if (n) memcpy(grown, docs, n * sizeof *docs);
      docs = grown;
    }
    docs[n++] = doc;
  }
  sgi_strlist_free(&words);
  if (rc) return rc;
  *out = docs;
  *count = n;
  return 0;
}
