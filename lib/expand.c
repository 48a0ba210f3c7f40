/* Shell-word expansion: a C port of the behaviour of BuildKit's
 * frontend/dockerfile/shell lexer (spec section b.1, heredoc mode a.6).
 *
 * Shape. Go's lexer is recursive descent (processStopOn -> processDollar ->
 * processStopOn ...). Here the same states live on an explicit, heap-grown
 * frame stack, so ${a:-${a:-...}} nested 100,000 deep costs memory, not C
 * stack. Every frame's text lives on one text stack (in word mode the
 * caller's output buffer itself): a nested word is appended after its
 * parent's text and, when a ${...} form completes, its value replaces the
 * nested text in place, so ${x:-word} copies nothing.
 *
 * Patterns (#, ##, %, %%, /, //) are compiled to a tiny program (rune, any
 * rune but '\n', star) and run on a Pike VM with thread priorities, which
 * gives exactly the leftmost-first answer of the Go regexp BuildKit builds,
 * in O(value x pattern) time and never exponential time.
 *
 * Unicode: names, word splitting and the %q quoting of error messages use Go's
 * unicode.IsLetter / IsDigit / IsSpace / IsPrint. Go is on Unicode 15.0.0; the
 * tables at the end of this file were derived from the UCD 15.0.0
 * UnicodeData.txt (categories L*, Nd, and L|M|N|P|S), code points >= 0x80. */
#include "expand.h"

#include <stdint.h>
#include <string.h>

#include "error.h"
#include "unicode.h"

#define R_EOF (-1)
#define R_BAD 0xFFFD
#define DEFAULT_PUBLIC_MAX ((size_t)1 << 20) /* stagegraph_options' default */

/* ------------------------------------------------------------------------
 * Runes
 * ------------------------------------------------------------------------ */

static int is_letter(int32_t r) { return r >= 0 && sgi_is_letter((uint32_t)r); }
static int is_digit(int32_t r) { return r >= 0 && sgi_is_digit((uint32_t)r); }
static int is_print(int32_t r) { return r >= 0 && sgi_is_print((uint32_t)r); }

static int is_ascii_space(int c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Go's unicode.IsSpace. */
static int is_space(int32_t r) {
  if (r < 0x80) return is_ascii_space(r);
  switch (r) {
  case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
  case 0x3000:
    return 1;
  default:
    return r >= 0x2000 && r <= 0x200A;
  }
}

/* BuildKit's special parameters ($@ $* $# $? $- $$ $! $0). */
static int is_special(int32_t r) {
  return r == '@' || r == '*' || r == '#' || r == '?' || r == '-' || r == '$' || r == '!' ||
         r == '0';
}

/* One rune as Go's utf8.DecodeRune reads it: an ill-formed or truncated
 * sequence is U+FFFD with width 1. `n` must be at least 1. */
static int32_t utf8_decode(const unsigned char *s, size_t n, size_t *w) {
  unsigned c = s[0], lo = 0x80, hi = 0xBF;
  size_t need;
  int32_t r;
  if (c < 0x80) {
    *w = 1;
    return (int32_t)c;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    r = (int32_t)(c & 0x1F);
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    r = (int32_t)(c & 0x0F);
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    r = (int32_t)(c & 0x07);
    if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
  } else {
    goto bad;
  }
  if (n <= need || s[1] < lo || s[1] > hi) goto bad;
  r = (r << 6) | (s[1] & 0x3F);
  for (size_t i = 2; i <= need; i++) {
    if ((s[i] & 0xC0) != 0x80) goto bad;
    r = (r << 6) | (s[i] & 0x3F);
  }
  *w = need + 1;
  return r;
bad:
  *w = 1;
  return R_BAD;
}

/* UTF-8 of r; anything that is not a valid rune (R_EOF included) is U+FFFD,
 * as Go's WriteRune and string(rune) do. */
static size_t utf8_encode(char *o, int32_t r) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = R_BAD;
  if (r < 0x80) {
    o[0] = (char)r;
    return 1;
  }
  if (r < 0x800) {
    o[0] = (char)(0xC0 | (r >> 6));
    o[1] = (char)(0x80 | (r & 0x3F));
    return 2;
  }
  if (r < 0x10000) {
    o[0] = (char)(0xE0 | (r >> 12));
    o[1] = (char)(0x80 | ((r >> 6) & 0x3F));
    o[2] = (char)(0x80 | (r & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (r >> 18));
  o[1] = (char)(0x80 | ((r >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((r >> 6) & 0x3F));
  o[3] = (char)(0x80 | (r & 0x3F));
  return 4;
}

/* Length of the longest prefix of s that is well-formed UTF-8. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n) {
  size_t i = 0, w;
  while (i < n) {
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    utf8_decode(s + i, n - i, &w);
    if (w == 1) break;
    i += w;
  }
  return i;
}

/* ------------------------------------------------------------------------
 * Error messages
 * ------------------------------------------------------------------------ */

/* Twice the public message size: sgi_error_set_text cuts the final text at
 * a UTF-8 boundary, so the cut here never shows. */
typedef struct msgbuf {
  size_t n;
  char s[2 * STAGEGRAPH_MESSAGE_MAX];
} msgbuf;

static void msg_put(msgbuf *m, const void *s, size_t n) {
  size_t room = sizeof m->s - m->n;
  if (n > room) n = room;
  if (n) memcpy(m->s + m->n, s, n);
  m->n += n;
}

static void msg_str(msgbuf *m, const char *s) { msg_put(m, s, strlen(s)); }

static void msg_rune(msgbuf *m, int32_t r) {
  char u[4];
  msg_put(m, u, utf8_encode(u, r));
}

/* Go's strconv.Quote, which BuildKit's `failed to process %q` uses. */
static void msg_quote(msgbuf *m, const char *str, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  msg_put(m, "\"", 1);
  for (size_t i = 0, w; i < n && m->n < sizeof m->s; i += w) {
    int32_t r = utf8_decode(s + i, n - i, &w);
    char e[10];
    if (w == 1 && r == R_BAD) {
      e[0] = '\\', e[1] = 'x', e[2] = hex[s[i] >> 4], e[3] = hex[s[i] & 15];
      msg_put(m, e, 4);
    } else if (r == '"' || r == '\\') {
      e[0] = '\\', e[1] = (char)r;
      msg_put(m, e, 2);
    } else if (is_print(r)) {
      msg_put(m, s + i, w);
    } else {
      const char *named = NULL;
      switch (r) {
      case '\a': named = "\\a"; break;
      case '\b': named = "\\b"; break;
      case '\f': named = "\\f"; break;
      case '\n': named = "\\n"; break;
      case '\r': named = "\\r"; break;
      case '\t': named = "\\t"; break;
      case '\v': named = "\\v"; break;
      default: break;
      }
      if (named) {
        msg_str(m, named);
      } else if (r < ' ' || r == 0x7f) {
        e[0] = '\\', e[1] = 'x', e[2] = hex[r >> 4], e[3] = hex[r & 15];
        msg_put(m, e, 4);
      } else {
        int digits = r < 0x10000 ? 4 : 8;
        e[0] = '\\', e[1] = r < 0x10000 ? 'u' : 'U';
        for (int k = 0; k < digits; k++) e[2 + k] = hex[(r >> (4 * (digits - 1 - k))) & 15];
        msg_put(m, e, 2 + (size_t)digits);
      }
    }
  }
  msg_put(m, "\"", 1);
}

/* ------------------------------------------------------------------------
 * Expansion state
 * ------------------------------------------------------------------------ */

enum { F_WORD, F_DQUOTE, F_BRACE };
/* What a ${...} frame waits for: its word, or the pattern then the
 * replacement of a / form. */
enum { BR_WORD, BR_PATTERN, BR_REPL };
enum { STEP_MORE = 0, STEP_DONE = 1 };

typedef struct frame {
  unsigned char kind;
  unsigned char raw;   /* WORD, DQUOTE: escapes kept raw (# % / operands) */
  unsigned char stage; /* BRACE */
  unsigned char colon; /* BRACE: the ':' form (empty counts as unset) */
  unsigned char all;   /* BRACE: // rather than / */
  int32_t stop;        /* WORD: the rune ending it, R_EOF for the whole input */
  int32_t op;          /* BRACE: the modifier rune; R_EOF at end of input */
  size_t start;        /* where the frame's text begins on the text stack */
  size_t name, name_len; /* BRACE: the variable name, in the input */
  size_t pat_end;        /* BRACE in BR_REPL: end of the pattern text */
} frame;

enum { LOCAL_FRAMES = 8, LINEAR_UNSET = 16 };

typedef struct ex {
  const unsigned char *in;
  size_t len, pos;
  const sgi_env *env;
  int32_t esc;
  int quotes; /* quotes are processed (not heredoc content) */
  int words;  /* ProcessWords */
  size_t max;
  const sgi_mem *mem;
  sgi_buf *text; /* text stack: the output in word mode, `own` in words mode */
  size_t text_base;
  sgi_buf own;
  sgi_buf *out; /* words mode: finished words, then the word in progress */
  size_t out_base, wstart, count;
  sgi_buf *unset;
  size_t unset_base, unset_n;
  size_t *uset; /* hash set of recorded names (offset + 1), past LINEAR_UNSET */
  size_t uset_cap;
  frame *fr;
  size_t nfr, fr_cap;
  frame local[LOCAL_FRAMES];
  msgbuf msg;
} ex;

static frame *top(ex *x) { return &x->fr[x->nfr - 1]; }

static frame *push(ex *x, int kind) {
  if (x->nfr == x->fr_cap) {
    size_t cap = x->fr_cap * 2, bytes;
    if (!sgi_mul_ok(cap, sizeof(frame), &bytes)) return NULL;
    frame *f;
    if (x->fr == x->local) {
      f = sgi_malloc(x->mem, bytes);
      if (f) memcpy(f, x->local, sizeof x->local);
    } else {
      f = sgi_realloc(x->mem, x->fr, bytes);
    }
    if (!f) return NULL;
    x->fr = f;
    x->fr_cap = cap;
  }
  frame *f = &x->fr[x->nfr++];
  memset(f, 0, sizeof *f);
  f->kind = (unsigned char)kind;
  f->start = x->text->len;
  return f;
}

/* Raise a lexer error whose text is in x->msg. Go's processDollar replaces
 * an error coming out of its nested word with "missing '}'" (or "missing
 * '/'") when the scanner is at the end of the input; nested levels each do
 * it again, so the outermost pending ${...} decides. */
static int fail(ex *x) {
  if (x->pos >= x->len) {
    for (size_t i = 0; i < x->nfr; i++) {
      if (x->fr[i].kind != F_BRACE) continue;
      x->msg.n = 0;
      msg_str(&x->msg, x->fr[i].stage == BR_PATTERN ? "syntax error: missing '/' in ${}"
                                                     : "syntax error: missing '}'");
      break;
    }
  }
  return STAGEGRAPH_EEXPAND;
}

static int fail_str(ex *x, const char *s) {
  x->msg.n = 0;
  msg_str(&x->msg, s);
  return fail(x);
}

static int fail_modifier(ex *x, int colon, int32_t op) {
  x->msg.n = 0;
  msg_str(&x->msg, "unsupported modifier (");
  if (colon) msg_put(&x->msg, ":", 1);
  msg_rune(&x->msg, op);
  msg_str(&x->msg, ") in substitution");
  return fail(x);
}

/* ------------------------------------------------------------------------
 * Text stack and words
 * ------------------------------------------------------------------------ */

static int room(ex *x, size_t n) {
  if (!x->max) return 0;
  size_t held = x->text->len - x->text_base;
  if (x->words) held += x->out->len - x->out_base;
  return n > x->max || held > x->max - n ? STAGEGRAPH_ELIMIT : 0;
}

static int put(ex *x, const void *s, size_t n) {
  int rc = room(x, n);
  return rc ? rc : sgi_buf_append(x->text, s, n);
}

static int put_rune(ex *x, int32_t r) {
  char u[4];
  return put(x, u, utf8_encode(u, r));
}

/* Append bytes as Go's scanner re-encodes them: invalid bytes become U+FFFD. */
static int put_norm(ex *x, int (*sink)(ex *, const void *, size_t), const char *s, size_t n) {
  while (n) {
    size_t ok = utf8_valid_prefix((const unsigned char *)s, n);
    int rc = ok ? sink(x, s, ok) : 0;
    if (!rc && ok < n) rc = sink(x, "\xEF\xBF\xBD", 3), ok++;
    if (rc) return rc;
    s += ok;
    n -= ok;
  }
  return 0;
}

/* Copy text-stack bytes [off, off+n) to its top (the source may move when the
 * buffer grows, hence the offsets). */
static int put_self(ex *x, size_t off, size_t n) {
  int rc = room(x, n);
  if (!rc) rc = sgi_buf_grow(x->text, n);
  if (rc) return rc;
  memcpy(x->text->ptr + x->text->len, x->text->ptr + off, n);
  x->text->len += n;
  x->text->ptr[x->text->len] = '\0';
  return 0;
}

/* Text-stack bytes from `off` (the stack may not be allocated yet). */
static const char *text_at(const ex *x, size_t off) {
  return x->text->ptr ? x->text->ptr + off : "";
}

static void trunc_buf(sgi_buf *b, size_t len) {
  b->len = len;
  if (b->ptr && !b->failed) b->ptr[len] = '\0';
}

/* Words mode. The word in progress is the tail of `out` after `wstart`. */
static int w_put(ex *x, const void *s, size_t n) {
  int rc = room(x, n);
  return rc ? rc : sgi_buf_append(x->out, s, n);
}

static int w_rune(ex *x, int32_t r) {
  char u[4];
  return w_put(x, u, utf8_encode(u, r));
}

static int w_split(ex *x) {
  if (x->out->len == x->wstart) return 0;
  int rc = w_put(x, "", 1);
  if (rc) return rc;
  x->count++;
  x->wstart = x->out->len;
  return 0;
}

/* addChar: unquoted text splits at white space. */
static int w_char(ex *x, int32_t r) { return is_space(r) ? w_split(x) : w_rune(x, r); }

/* addString: the value of a $ form, split at white space rune by rune. */
static int w_dollar(ex *x, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    size_t j = i, w = 1;
    int32_t r = 0;
    while (j < n) {
      r = utf8_decode(s + j, n - j, &w);
      if ((w == 1 && r == R_BAD) || is_space(r)) break;
      j += w;
    }
    int rc = j > i ? w_put(x, s + i, j - i) : 0;
    if (!rc && j < n) rc = is_space(r) ? w_split(x) : w_rune(x, R_BAD);
    if (rc) return rc;
    i = j < n ? j + w : j;
  }
  return 0;
}

/* BuildKit's lexer (since its June 2024 allocation clean-up) shares one word buffer
 * between the nested lexer calls of ProcessWords and resets it whenever a
 * nested word (a ${x:-...} operand, a pattern, a replacement) starts, so the
 * word in progress before such a form is dropped: ProcessWords("a${x:-b}c")
 * gives ["bc"]. Reproduced on purpose; ProcessWord is not affected. */
static void w_nested_word_starts(ex *x) {
  if (x->words) trunc_buf(x->out, x->wstart);
}

static int push_word(ex *x, int32_t stop, int raw) {
  frame *f = push(x, F_WORD);
  if (!f) return STAGEGRAPH_ENOMEM;
  f->stop = stop;
  f->raw = (unsigned char)raw;
  w_nested_word_starts(x);
  return 0;
}

/* ------------------------------------------------------------------------
 * Variables
 * ------------------------------------------------------------------------ */

static size_t hash_name(const char *s, size_t n) {
  uint64_t h = 1469598103934665603u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
  return (size_t)(h ^ (h >> 32));
}

static int unset_same(const sgi_buf *u, size_t off, const char *name, size_t n) {
  return strncmp(u->ptr + off, name, n) == 0 && u->ptr[off + n] == '\0';
}

static void uset_insert(ex *x, size_t off, size_t n) {
  size_t mask = x->uset_cap - 1, i = hash_name(x->unset->ptr + off, n) & mask;
  while (x->uset[i]) i = (i + 1) & mask;
  x->uset[i] = off + 1;
}

static int uset_grow(ex *x) {
  size_t cap = x->uset_cap ? x->uset_cap * 2 : 4 * LINEAR_UNSET, bytes;
  if (!sgi_mul_ok(cap, sizeof(size_t), &bytes)) return STAGEGRAPH_ENOMEM;
  size_t *t = sgi_malloc(x->mem, bytes);
  if (!t) return STAGEGRAPH_ENOMEM;
  memset(t, 0, bytes);
  sgi_free(x->mem, x->uset);
  x->uset = t;
  x->uset_cap = cap;
  for (size_t off = x->unset_base; off < x->unset->len;) {
    size_t n = strlen(x->unset->ptr + off);
    uset_insert(x, off, n);
    off += n + 1;
  }
  return 0;
}

/* Record an unset name once, in first-use order. Linear below LINEAR_UNSET
 * names, hashed beyond, so many distinct names stay linear. */
static int record_unset(ex *x, const char *name, size_t n) {
  sgi_buf *u = x->unset;
  if (!x->uset) {
    for (size_t off = x->unset_base; off < u->len; off += strlen(u->ptr + off) + 1)
      if (unset_same(u, off, name, n)) return 0;
  } else {
    size_t mask = x->uset_cap - 1;
    for (size_t i = hash_name(name, n) & mask; x->uset[i]; i = (i + 1) & mask)
      if (unset_same(u, x->uset[i] - 1, name, n)) return 0;
  }
  size_t off = u->len;
  int rc = sgi_buf_append(u, name, n);
  if (!rc) rc = sgi_buf_append(u, "", 1);
  if (rc) return rc;
  x->unset_n++;
  if (x->uset && x->unset_n * 2 <= x->uset_cap) {
    uset_insert(x, off, n);
    return 0;
  }
  return x->unset_n >= LINEAR_UNSET ? uset_grow(x) : 0;
}

/* getEnv: *v is NULL when the name is unset. */
static int lookup(ex *x, size_t name, size_t n, const char **v, size_t *vlen) {
  *vlen = 0;
  *v = x->env && x->env->lookup
           ? x->env->lookup(x->env->ctx, (const char *)x->in + name, n, vlen)
           : NULL;
  if (*v) return 0;
  *vlen = 0;
  return x->unset ? record_unset(x, (const char *)x->in + name, n) : 0;
}

/* processName: a run of digits, one special parameter, or letters, digits
 * and '_'. Advances x->pos past it. */
static void scan_name(ex *x) {
  size_t w;
  if (x->pos >= x->len) return;
  int32_t r = utf8_decode(x->in + x->pos, x->len - x->pos, &w);
  if (is_digit(r)) {
    do {
      x->pos += w;
    } while (x->pos < x->len && is_digit(utf8_decode(x->in + x->pos, x->len - x->pos, &w)));
    return;
  }
  if (is_special(r)) {
    x->pos += w;
    return;
  }
  while (x->pos < x->len) {
    unsigned c = x->in[x->pos];
    if (c < 0x80) { /* most names are ASCII: no decoding */
      if (!((c | 0x20) - 'a' < 26 || c - '0' < 10 || c == '_')) break;
      x->pos++;
      continue;
    }
    r = utf8_decode(x->in + x->pos, x->len - x->pos, &w);
    if (!is_letter(r) && !is_digit(r) && r != '_') break;
    x->pos += w;
  }
}

static int32_t next_rune(ex *x) {
  size_t w;
  if (x->pos >= x->len) return R_EOF;
  int32_t r = utf8_decode(x->in + x->pos, x->len - x->pos, &w);
  x->pos += w;
  return r;
}

/* ------------------------------------------------------------------------
 * Patterns
 * ------------------------------------------------------------------------ */

/* BuildKit turns a pattern into a Go regexp: '*' is .* (greedy) or .*?
 * (lazy), '?' is '.', which in Go matches any rune but '\n', and everything
 * else is literal. A program is a rune list where these two are negative. */
enum { P_ANY = -2, P_STAR = -3 };

typedef struct matcher {
  int32_t *ops;
  size_t nops;
  int greedy;
  /* two thread queues (current, next): pc and start, plus a sparse index */
  size_t *pc[2], *start[2], *sparse[2], n[2];
  void *block;
} matcher;

/* Where runes come from: forward over bytes, or backward over a rune array
 * (BuildKit's %: it reverses the value and the pattern, then matches a
 * prefix). */
typedef struct source {
  const unsigned char *b;
  size_t n;
  const int32_t *r;
} source;

static int32_t src_next(const source *s, size_t pos, size_t *w) {
  if (pos >= s->n) {
    *w = 0;
    return R_EOF;
  }
  if (s->r) {
    *w = 1;
    return s->r[s->n - 1 - pos];
  }
  return utf8_decode(s->b + pos, s->n - pos, w);
}

static void q_add1(matcher *m, int q, size_t pc, size_t st) {
  m->sparse[q][pc] = m->n[q];
  m->pc[q][m->n[q]] = pc;
  m->start[q][m->n[q]] = st;
  m->n[q]++;
}

static int q_has(const matcher *m, int q, size_t pc) {
  size_t i = m->sparse[q][pc];
  return i < m->n[q] && m->pc[q][i] == pc;
}

/* Add the thread at `pc` and what it reaches without input, in Go's priority
 * order: a greedy star prefers to go on consuming, a lazy one to move on.
 * A star already queued has its whole closure queued, so the walk stops
 * there (as Go's add stops at a marked instruction): O(1) per new thread. */
static void q_add(matcher *m, int q, size_t pc, size_t st) {
  size_t s = pc;
  while (s < m->nops && m->ops[s] == P_STAR && !q_has(m, q, s)) s++;
  int tail = !q_has(m, q, s); /* s ends the run: a non-star, MATCH, or queued */
  if (m->greedy) {
    for (size_t i = pc; i < s; i++) q_add1(m, q, i, st);
    if (tail) q_add1(m, q, s, st);
  } else {
    if (tail) q_add1(m, q, s, st);
    for (size_t i = s; i-- > pc;) q_add1(m, q, i, st);
  }
}

/* Leftmost-first search from `from` (Go's pike VM): 1 with [*ms, *me). */
static int vm_find(matcher *m, const source *s, size_t from, int anchored, size_t *ms,
                   size_t *me) {
  int cur = 0, matched = 0;
  size_t pos = from, w;
  m->n[0] = 0;
  for (;;) {
    if (m->n[cur] == 0 && (matched || (anchored && pos != from))) break;
    if (!matched && (!anchored || pos == from)) q_add(m, cur, 0, pos);
    int32_t r = src_next(s, pos, &w);
    int nxt = !cur;
    m->n[nxt] = 0;
    for (size_t i = 0; i < m->n[cur]; i++) {
      size_t pc = m->pc[cur][i], st = m->start[cur][i];
      if (pc == m->nops) { /* match: lower-priority threads are cut */
        *ms = st, *me = pos, matched = 1;
        break;
      }
      int32_t op = m->ops[pc];
      if (r == R_EOF) continue;
      if (op == P_STAR) {
        if (r != '\n') q_add(m, nxt, pc, st);
      } else if (op == P_ANY ? r != '\n' : op == r) {
        q_add(m, nxt, pc + 1, st);
      }
    }
    if (w == 0) break;
    pos += w;
    cur = nxt;
  }
  return matched;
}

static void matcher_free(ex *x, matcher *m) { sgi_free(x->mem, m->block); }

/* Compile pattern bytes (BuildKit's convertShellPatternToRegex, after
 * reversePattern for %). Errors: "invalid pattern (<p>) in substitution:
 * invalid escape '\c'", <p> being the reversed text for %. */
static int compile(ex *x, matcher *m, size_t pat, size_t pat_len, int reverse, int greedy) {
  const unsigned char *p = (const unsigned char *)text_at(x, pat);
  size_t k = pat_len + 1, bytes, sz, rsz;
  memset(m, 0, sizeof *m);
  if (!sgi_mul_ok(k, 3 * 2 * sizeof(size_t), &sz) || !sgi_mul_ok(k, 3 * sizeof(int32_t), &rsz) ||
      sz > (size_t)-1 - rsz)
    return STAGEGRAPH_ENOMEM;
  bytes = sz + rsz;
  m->block = sgi_malloc(x->mem, bytes);
  if (!m->block) return STAGEGRAPH_ENOMEM;
  size_t *z = m->block;
  for (int q = 0; q < 2; q++) {
    m->pc[q] = z, z += k;
    m->start[q] = z, z += k;
    m->sparse[q] = z, z += k;
    memset(m->sparse[q], 0, k * sizeof(size_t));
  }
  int32_t *runes = (int32_t *)z, *rev = runes + k, *ops = rev + k;
  size_t n = 0;
  for (size_t i = 0, w; i < pat_len; i += w) runes[n++] = utf8_decode(p + i, pat_len - i, &w);
  if (reverse) { /* reversePattern: "a\*c" becomes "c\*a" */
    for (size_t i = 0; i < n;) {
      size_t o = n - 1 - i;
      if (runes[i] == '\\' && i != n - 1) {
        rev[o - 1] = '\\';
        rev[o] = runes[i + 1];
        i += 2;
      } else {
        rev[o] = runes[i++];
      }
    }
    runes = rev;
  }
  m->ops = ops;
  m->greedy = greedy;
  size_t i = n > 0 && runes[0] == 0xFEFF; /* text/scanner skips a leading BOM */
  while (i < n) {
    int32_t t = runes[i++];
    if (t == '*') {
      t = P_STAR;
    } else if (t == '?') {
      t = P_ANY;
    } else if (t == '\\') {
      if (i < n && (runes[i] == '}' || runes[i] == '/')) continue;
      t = i < n ? runes[i++] : R_EOF;
      if (t != '*' && t != '?' && t != '\\') {
        x->msg.n = 0;
        msg_str(&x->msg, "invalid pattern (");
        if (reverse) {
          for (size_t j = 0; j < n; j++) msg_rune(&x->msg, runes[j]);
        } else {
          msg_put(&x->msg, p, pat_len);
        }
        msg_str(&x->msg, ") in substitution: invalid escape '\\");
        msg_rune(&x->msg, t);
        msg_str(&x->msg, "'");
        matcher_free(x, m);
        return STAGEGRAPH_EEXPAND;
      }
    }
    ops[m->nops++] = t;
  }
  return 0;
}

/* The result of #, % or / goes after the current top, then moves down to
 * `to` (the start of the ${...} text), replacing the pattern. */
static void settle(ex *x, size_t from, size_t to) {
  size_t n = x->text->len - from;
  if (n) memmove(x->text->ptr + to, x->text->ptr + from, n);
  trunc_buf(x->text, to + n);
}

/* Go's Regexp.expand for ReplaceAllString with only group 0: $$ is '$', $0
 * and ${0} the match, any other $name or ${name} nothing, and a '$' that
 * starts no name stays. */
static int put_template(ex *x, size_t t0, size_t tn, const char *match, size_t mlen) {
  size_t i = 0;
  while (i < tn) {
    const char *t = x->text->ptr + t0;
    const char *d = memchr(t + i, '$', tn - i);
    size_t j = d ? (size_t)(d - t) : tn;
    int rc = put_self(x, t0 + i, j - i);
    if (rc || j == tn) return rc;
    t = x->text->ptr + t0;
    if (j + 1 < tn && t[j + 1] == '$') {
      rc = put(x, "$", 1);
      i = j + 2;
      if (rc) return rc;
      continue;
    }
    int brace = j + 1 < tn && t[j + 1] == '{';
    size_t ns = j + 1 + (size_t)brace, k = ns, w;
    while (k < tn) {
      int32_t r = utf8_decode((const unsigned char *)t + k, tn - k, &w);
      if (!is_letter(r) && !is_digit(r) && r != '_') break;
      k += w;
    }
    int ok = k > ns && (!brace || (k < tn && t[k] == '}'));
    if (!ok) {
      rc = put(x, "$", 1);
      i = j + 1;
    } else {
      int zero = k - ns == 1 && t[ns] == '0';
      i = k + (size_t)brace;
      rc = zero ? put(x, match, mlen) : 0;
    }
    if (rc) return rc;
  }
  return 0;
}

/* ${name#p} ${name##p} ${name%p} ${name%%p}; the pattern is text [pat, end). */
static int do_trim(ex *x, int32_t op, const char *v, size_t vlen, size_t at) {
  size_t pat = at, end = x->text->len;
  int greedy = end > pat && x->text->ptr[pat] == (char)op;
  matcher m;
  int rc = compile(x, &m, pat + (size_t)greedy, end - pat - (size_t)greedy, op == '%', greedy);
  if (rc) return rc;
  size_t ms, me;
  if (op == '#') {
    source s = {(const unsigned char *)v, vlen, NULL};
    if (!vm_find(&m, &s, 0, 1, &ms, &me)) me = 0;
    matcher_free(x, &m);
    trunc_buf(x->text, at);
    return put(x, v + me, vlen - me);
  }
  /* %: BuildKit reverses value and pattern as runes, matches a prefix and
   * reverses back, so invalid bytes in the value come out as U+FFFD. */
  size_t bytes;
  int32_t *runes = NULL;
  if (!sgi_mul_ok(vlen, sizeof(int32_t), &bytes) || !(runes = sgi_malloc(x->mem, bytes))) {
    matcher_free(x, &m);
    return STAGEGRAPH_ENOMEM;
  }
  size_t n = 0;
  for (size_t i = 0, w; i < vlen; i += w)
    runes[n++] = utf8_decode((const unsigned char *)v + i, vlen - i, &w);
  source s = {NULL, n, runes};
  if (!vm_find(&m, &s, 0, 1, &ms, &me)) me = 0;
  matcher_free(x, &m);
  trunc_buf(x->text, at);
  char chunk[256];
  size_t used = 0;
  for (size_t i = 0; i < n - me && !rc; i++) {
    used += utf8_encode(chunk + used, runes[i]);
    if (used > sizeof chunk - 4) rc = put(x, chunk, used), used = 0;
  }
  if (!rc) rc = put(x, chunk, used);
  sgi_free(x->mem, runes);
  return rc;
}

/* ${name/p/r} and ${name//p/r}: the pattern is text [at, pat_end), the
 * replacement [pat_end, end). / inserts the replacement as is; // goes
 * through Go's ReplaceAllString, template expansion and empty-match rules
 * included. */
static int do_replace(ex *x, int all, const char *v, size_t vlen, size_t at, size_t pat_end) {
  size_t repl = pat_end, repl_len = x->text->len - pat_end, res = x->text->len;
  matcher m;
  int rc = compile(x, &m, at, pat_end - at, 0, 1);
  if (rc) return rc;
  source s = {(const unsigned char *)v, vlen, NULL};
  size_t ms, me, last = 0, from = 0, w;
  if (!all) {
    if (vm_find(&m, &s, 0, 0, &ms, &me)) {
      rc = put(x, v, ms);
      if (!rc) rc = put_self(x, repl, repl_len);
      last = me;
    }
  } else {
    while (!rc && from <= vlen && vm_find(&m, &s, from, 0, &ms, &me)) {
      rc = put(x, v + last, ms - last);
      if (!rc && (me > last || ms == 0)) rc = put_template(x, repl, repl_len, v + ms, me - ms);
      last = me;
      w = 0;
      if (from < vlen) utf8_decode((const unsigned char *)v + from, vlen - from, &w);
      if (from + w > me) from += w;
      else if (from + 1 > me) from++;
      else from = me;
    }
  }
  matcher_free(x, &m);
  if (!rc) rc = put(x, v + last, vlen - last);
  if (!rc) settle(x, res, at);
  return rc;
}

/* ------------------------------------------------------------------------
 * The lexer
 * ------------------------------------------------------------------------ */

/* A ${...} form finished with its value on the text stack from `at`. */
static int brace_done(ex *x, size_t at) {
  x->nfr--;
  if (!(x->words && x->nfr == 1)) return 0;
  int rc = w_dollar(x, text_at(x, at), x->text->len - at);
  trunc_buf(x->text, at);
  return rc;
}

/* The last operand of a ${...} form ended: evaluate it. */
static int end_brace(ex *x) {
  frame b = *top(x);
  size_t at = b.start, end = x->text->len;
  const char *v;
  size_t vlen;
  int rc = lookup(x, b.name, b.name_len, &v, &vlen);
  if (rc) return rc;
  int empty = !v || (b.colon && vlen == 0);
  if (b.stage == BR_REPL) {
    rc = do_replace(x, b.all, v ? v : "", vlen, at, b.pat_end);
  } else {
    switch (b.op) {
    case '-':
      if (!empty) trunc_buf(x->text, at), rc = put(x, v, vlen);
      break;
    case '+':
      if (empty) trunc_buf(x->text, at);
      break;
    case '?':
      if (empty) {
        x->msg.n = 0;
        msg_put(&x->msg, x->in + b.name, b.name_len);
        msg_str(&x->msg, ": ");
        if (end > at) msg_put(&x->msg, x->text->ptr + at, end - at);
        else msg_str(&x->msg, v ? "is not allowed to be empty" : "is not allowed to be unset");
        x->nfr--;
        return fail(x);
      }
      trunc_buf(x->text, at);
      rc = put(x, v, vlen);
      break;
    case '#':
    case '%':
      rc = do_trim(x, b.op, v ? v : "", vlen, at);
      break;
    default:
      x->nfr--;
      return fail_modifier(x, b.colon, b.op);
    }
  }
  if (rc == STAGEGRAPH_EEXPAND) {
    x->nfr--;
    return fail(x);
  }
  return rc ? rc : brace_done(x, at);
}

/* A nested word reached its stop rune. */
static int end_word(ex *x) {
  x->nfr--;
  frame *b = top(x);
  if (b->stage != BR_PATTERN) return end_brace(x);
  b->pat_end = x->text->len;
  b->stage = BR_REPL;
  return push_word(x, '}', 1);
}

/* After a '$' (processDollar). The value goes to the frame on top. */
static int dollar(ex *x) {
  int topw = x->words && x->nfr == 1;
  const char *v;
  size_t vlen, ns = x->pos;
  int rc;
  if (x->pos >= x->len || x->in[x->pos] != '{') {
    scan_name(x);
    if (x->pos == ns) return topw ? w_dollar(x, "$", 1) : put(x, "$", 1);
    rc = lookup(x, ns, x->pos - ns, &v, &vlen);
    if (rc) return rc;
    return topw ? w_dollar(x, v, vlen) : put(x, v, vlen);
  }
  x->pos++;
  if (x->pos >= x->len) return fail_str(x, "syntax error: missing '}'");
  unsigned char c = x->in[x->pos];
  if (c == '{' || c == '}' || c == ':') return fail_str(x, "syntax error: bad substitution");
  ns = x->pos;
  scan_name(x);
  size_t nlen = x->pos - ns;
  int32_t op = next_rune(x);
  int colon = 0, all = 0;
  if (op == '}') {
    rc = lookup(x, ns, nlen, &v, &vlen);
    if (rc) return rc;
    return topw ? w_dollar(x, v, vlen) : put(x, v, vlen);
  }
  if (op == ':') { /* any rune after ':' reaches the operand, then fails late */
    colon = 1;
    op = next_rune(x);
  } else if (op == '/') {
    all = x->pos < x->len && x->in[x->pos] == '/';
    x->pos += (size_t)all;
  } else if (op != '+' && op != '-' && op != '?' && op != '#' && op != '%') {
    return fail_modifier(x, 0, op);
  }
  int raw = op == '#' || op == '%';
  if (colon && raw) return fail_modifier(x, 1, op);
  frame *b = push(x, F_BRACE);
  if (!b) return STAGEGRAPH_ENOMEM;
  b->name = ns;
  b->name_len = nlen;
  b->op = op;
  b->colon = (unsigned char)colon;
  b->all = (unsigned char)all;
  if (op == '/' && !colon) {
    b->stage = BR_PATTERN;
    return push_word(x, '/', 1);
  }
  b->stage = BR_WORD;
  return push_word(x, '}', raw);
}

static int single_quote(ex *x) {
  int topw = x->words && x->nfr == 1;
  size_t from = ++x->pos;
  const unsigned char *q = memchr(x->in + from, '\'', x->len - from);
  if (!q) {
    x->pos = x->len;
    return fail_str(x, "unexpected end of statement while looking for matching single-quote");
  }
  x->pos = (size_t)(q - x->in) + 1;
  return put_norm(x, topw ? w_put : put, (const char *)x->in + from, (size_t)(q - x->in) - from);
}

/* The longest run from x->pos of runes that are copied as they are. The
 * ASCII bytes that end it are a 128-bit set built once per run. */
static size_t plain_run(ex *x, int32_t stop, int split, int dquote) {
  uint64_t ends[2] = {0, 0};
#define END(c) (ends[(unsigned)(c) >> 6] |= UINT64_C(1) << ((unsigned)(c) & 63))
  END('$');
  if (x->esc >= 0 && x->esc < 0x80) END(x->esc);
  if (dquote) {
    END('"');
  } else {
    if (stop >= 0 && stop < 0x80) END(stop);
    if (x->quotes) END('\''), END('"');
    if (split) END(' '), END('\t'), END('\n'), END('\v'), END('\f'), END('\r');
  }
#undef END
  size_t i = x->pos, w;
  while (i < x->len) {
    unsigned c = x->in[i];
    if (c < 0x80) {
      if (ends[c >> 6] >> (c & 63) & 1) break;
      i++;
    } else {
      int32_t r = utf8_decode(x->in + i, x->len - i, &w);
      if (w == 1 || (split && is_space(r))) break;
      i += w;
    }
  }
  return i - x->pos;
}

/* One step of processStopOn. */
static int step_word(ex *x) {
  frame *f = top(x);
  int topw = x->words && x->nfr == 1, rc;
  if (x->pos >= x->len) {
    if (f->stop == R_EOF) return STEP_DONE;
    x->msg.n = 0;
    msg_str(&x->msg, "unexpected end of statement while looking for matching ");
    msg_rune(&x->msg, f->stop);
    return fail(x);
  }
  unsigned c = x->in[x->pos];
  if ((int32_t)c == f->stop) {
    x->pos++;
    return end_word(x);
  }
  if (c == '$') {
    x->pos++;
    return dollar(x);
  }
  if (x->quotes && c == '\'') return single_quote(x);
  if (x->quotes && c == '"') {
    int raw = f->raw;
    x->pos++;
    frame *d = push(x, F_DQUOTE);
    if (!d) return STAGEGRAPH_ENOMEM;
    d->raw = (unsigned char)raw;
    return STEP_MORE;
  }
  size_t n = plain_run(x, f->stop, topw, 0);
  if (n) {
    rc = topw ? w_put(x, x->in + x->pos, n) : put(x, x->in + x->pos, n);
    x->pos += n;
    return rc;
  }
  int32_t r = next_rune(x);
  if (r != x->esc) return topw ? w_char(x, r) : put_rune(x, r);
  if (f->raw && (rc = put_rune(x, r))) return rc; /* the top level is never raw */
  if (x->pos >= x->len) return STEP_MORE;      /* a trailing escape is dropped */
  r = next_rune(x);
  return topw ? w_rune(x, r) : put_rune(x, r);
}

/* One step of processDoubleQuote. */
static int step_dquote(ex *x) {
  frame *f = top(x);
  if (x->pos >= x->len)
    return fail_str(x, "unexpected end of statement while looking for matching double-quote");
  unsigned c = x->in[x->pos];
  if (c == '"') {
    size_t at = f->start;
    x->pos++;
    x->nfr--;
    if (!(x->words && x->nfr == 1)) return STEP_MORE;
    int rc = w_put(x, text_at(x, at), x->text->len - at);
    trunc_buf(x->text, at);
    return rc;
  }
  if (c == '$') {
    x->pos++;
    return dollar(x);
  }
  size_t n = plain_run(x, R_EOF, 0, 1);
  if (n) {
    int rc = put(x, x->in + x->pos, n);
    x->pos += n;
    return rc;
  }
  int32_t r = next_rune(x);
  if (r == x->esc) {
    int rc = f->raw ? put_rune(x, r) : 0;
    if (rc || x->pos >= x->len) return rc;
    c = x->in[x->pos];
    if (c == '"' || c == '$' || (int32_t)c == x->esc) r = (int32_t)c, x->pos++;
  }
  return put_rune(x, r);
}

static int expand(sgi_buf *out, size_t *count, int words, const char *word, size_t len,
                  const sgi_env *env, const sgi_expand_opts *opts, stagegraph_error *err) {
  static const sgi_expand_opts defaults = {'\\', SGI_EXPAND_NORMAL, 0, NULL};
  if (!opts) opts = &defaults;
  if (!out || (!word && len)) {
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "invalid argument");
  }
  ex x;
  x.in = (const unsigned char *)(word ? word : "");
  x.len = len;
  x.pos = len >= 3 && memcmp(word, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* scanner skips a BOM */
  x.env = env;
  x.quotes = opts->mode != SGI_EXPAND_HEREDOC;
  x.esc = x.quotes ? (unsigned char)opts->escape : '\\';
  x.words = words;
  x.max = opts->max_bytes;
  x.mem = out->mem;
  sgi_buf_init(&x.own, out->mem);
  x.text = words ? &x.own : out;
  x.text_base = x.text->len;
  x.out = out;
  x.out_base = x.wstart = out->len;
  x.count = 0;
  x.unset = opts->unset;
  x.unset_base = x.unset ? x.unset->len : 0;
  x.unset_n = 0;
  x.uset = NULL;
  x.uset_cap = 0;
  x.fr = x.local;
  x.fr_cap = LOCAL_FRAMES;
  x.nfr = 0;
  x.msg.n = 0;

  int rc = push_word(&x, R_EOF, 0);
  while (rc == STEP_MORE) rc = top(&x)->kind == F_WORD ? step_word(&x) : step_dquote(&x);
  if (rc == STEP_DONE) rc = words ? w_split(&x) : 0;

  if (x.fr != x.local) sgi_free(x.mem, x.fr);
  sgi_free(x.mem, x.uset);
  sgi_buf_free(&x.own);
  if (rc == 0) {
    if (count) *count = x.count;
    return 0;
  }
  trunc_buf(out, x.out_base);
  if (x.unset && rc != STAGEGRAPH_EEXPAND) trunc_buf(x.unset, x.unset_base);
  if (rc == STAGEGRAPH_EEXPAND) {
    msgbuf full;
    full.n = 0;
    msg_str(&full, "failed to process ");
    msg_quote(&full, word ? word : "", len);
    msg_str(&full, ": ");
    msg_put(&full, x.msg.s, x.msg.n);
    return sgi_error_set_text(err, rc, NULL, full.s, full.n);
  }
  if (rc == STAGEGRAPH_ELIMIT)
    return sgi_error_set(err, rc, NULL, "expanded word exceeds the limit of %zu bytes",
                         opts->max_bytes);
  return sgi_error_set(err, rc, NULL, "out of memory");
}

int sgi_expand_word(sgi_buf *out, const char *word, size_t len, const sgi_env *env,
                    const sgi_expand_opts *opts, stagegraph_error *err) {
  return expand(out, NULL, 0, word, len, env, opts, err);
}

int sgi_expand_words(sgi_buf *out, size_t *count, const char *word, size_t len,
                     const sgi_env *env, const sgi_expand_opts *opts, stagegraph_error *err) {
  return expand(out, count, 1, word, len, env, opts, err);
}

/* Some byte of the ASCII word w equals c: w ^ c has a zero byte, and for
 * bytes below 0x80 (x - 1) & ~x sets the high bit of exactly those. */
static int any_byte_is(uint64_t w, unsigned char c) {
  uint64_t x = w ^ (UINT64_C(0x0101010101010101) * c);
  return ((x - UINT64_C(0x0101010101010101)) & ~x & UINT64_C(0x8080808080808080)) != 0;
}

/* ASCII without '$', quotes or the escape character: the lexer gives the
 * word back unchanged. Most words are such, so they are settled here, 8
 * bytes at a time, before any character is decoded. */
static int plain_word(const char *word, size_t len, char escape) {
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, word + i, 8);
    if ((w & UINT64_C(0x8080808080808080)) || any_byte_is(w, '$') || any_byte_is(w, '\'') ||
        any_byte_is(w, '"') || any_byte_is(w, (unsigned char)escape))
      return 0;
  }
  for (; i < len; i++) {
    unsigned char c = (unsigned char)word[i];
    if (c >= 0x80 || c == '$' || c == '\'' || c == '"' || c == (unsigned char)escape) return 0;
  }
  return 1;
}

int sgi_expand_changes(const char *word, size_t len, char escape) {
  if (plain_word(word, len, escape)) return 0;
  const unsigned char *s = (const unsigned char *)word;
  if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) return 1;
  for (size_t i = 0, w; i < len; i += w) {
    int32_t r = utf8_decode(s + i, len - i, &w);
    if ((w == 1 && r == R_BAD) || r == '\'' || r == '"' || r == (unsigned char)escape) return 1;
    if (r == '$' && i + 1 < len) {
      size_t w2;
      int32_t n = utf8_decode(s + i + 1, len - i - 1, &w2);
      if (n == '{' || is_special(n) || is_letter(n) || is_digit(n) || n == '_') return 1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

typedef struct env_list {
  const char *const *env;
  size_t n;
} env_list;

/* "KEY=VALUE" strings, later entries win, "KEY" alone is set and empty
 * (BuildKit's EnvsFromSlice). */
static const char *env_list_lookup(void *ctx, const char *name, size_t n, size_t *vlen) {
  const env_list *l = ctx;
  for (size_t i = l->n; i-- > 0;) {
    const char *e = l->env[i];
    if (!e || strncmp(e, name, n) != 0 || (e[n] != '=' && e[n] != '\0')) continue;
    const char *v = e[n] == '=' ? e + n + 1 : e + n;
    *vlen = strlen(v);
    return v;
  }
  return NULL;
}

static int public_expand(stagegraph_buf *out, size_t *count_out, const char *word, size_t len,
                         const char *const *env, size_t env_count, char escape,
                         stagegraph_buf *unset_out, stagegraph_error *err) {
  if (count_out) *count_out = 0;
  if (!out || (!word && len) || (!env && env_count) || (escape != '\\' && escape != '`'))
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "invalid argument");
  /* The caller chooses the allocator through out->allocator (zero: libc). */
  sgi_mem mem;
  sgi_mem_init(&mem, &out->allocator);
  stagegraph_buf_dispose(out);
  if (unset_out) stagegraph_buf_dispose(unset_out);
  sgi_buf b, u;
  sgi_buf_init(&b, &mem);
  sgi_buf_init(&u, &mem);
  env_list list = {env, env_count};
  sgi_env e = {env_list_lookup, &list};
  sgi_expand_opts o = {escape, SGI_EXPAND_NORMAL, DEFAULT_PUBLIC_MAX, unset_out ? &u : NULL};
  size_t count = 0;
  int rc = count_out ? sgi_expand_words(&b, &count, word, len, &e, &o, err)
                     : sgi_expand_word(&b, word, len, &e, &o, err);
  if (rc) { /* err is filled */
    sgi_buf_free(&b);
    sgi_buf_free(&u);
    return rc;
  }
  /* NUL-terminate even an empty result before handing it over */
  if (sgi_buf_append(&b, "", 0) || (unset_out && sgi_buf_append(&u, "", 0))) {
    sgi_buf_free(&b);
    sgi_buf_free(&u);
    return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  }
  if (unset_out && sgi_buf_detach(&u, unset_out)) {
    sgi_buf_free(&b);
    return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  }
  if (sgi_buf_detach(&b, out)) {
    if (unset_out) stagegraph_buf_dispose(unset_out);
    return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  }
  if (count_out) *count_out = count;
  return 0;
}

int stagegraph_expand_word(stagegraph_buf *out, const char *word, size_t len,
                           const char *const *env, size_t env_count, char escape,
                           stagegraph_buf *unset_out, stagegraph_error *err) {
  return public_expand(out, NULL, word, len, env, env_count, escape, unset_out, err);
}

int stagegraph_expand_words(stagegraph_buf *out, size_t *count_out, const char *word, size_t len,
                            const char *const *env, size_t env_count, char escape,
                            stagegraph_buf *unset_out, stagegraph_error *err) {
  if (!count_out) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "invalid argument");
  return public_expand(out, count_out, word, len, env, env_count, escape, unset_out, err);
}
