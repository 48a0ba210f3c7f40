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

#define R_EOF (-1)
#define R_BAD 0xFFFD
#define DEFAULT_PUBLIC_MAX ((size_t)1 << 20) /* stagegraph_options' default */

static const uint32_t uni_letter[657][2];
static const uint32_t uni_digit[63][2];
static const uint32_t uni_print[710][2];
#define TABLE(t) t, sizeof t / sizeof t[0]

/* ------------------------------------------------------------------------
 * Runes
 * ------------------------------------------------------------------------ */

static int in_table(const uint32_t (*t)[2], size_t n, int32_t r) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if ((uint32_t)r < t[mid][0]) hi = mid;
    else if ((uint32_t)r > t[mid][1]) lo = mid + 1;
    else return 1;
  }
  return 0;
}

static int is_letter(int32_t r) {
  if (r < 0x80) return r >= 0 && ((r | 0x20) >= 'a' && (r | 0x20) <= 'z');
  return in_table(TABLE(uni_letter), r);
}

static int is_digit(int32_t r) {
  if (r < 0x80) return r >= '0' && r <= '9';
  return in_table(TABLE(uni_digit), r);
}

static int is_print(int32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  return in_table(TABLE(uni_print), r);
}

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

/* The longest run from x->pos of runes that are copied as they are. */
static size_t plain_run(ex *x, int32_t stop, int split, int dquote) {
  size_t i = x->pos, w;
  while (i < x->len) {
    unsigned c = x->in[i];
    if (c < 0x80) {
      if (c == '$' || (int32_t)c == x->esc) break;
      if (dquote ? c == '"'
                 : (int32_t)c == stop || (x->quotes && (c == '\'' || c == '"')) ||
                       (split && is_ascii_space((int)c)))
        break;
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

int sgi_expand_changes(const char *word, size_t len, char escape) {
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

/* ------------------------------------------------------------------------
 * Unicode 15.0.0 tables (ranges of code points >= 0x80, sorted)
 * ------------------------------------------------------------------------ */

/* unicode.IsLetter: categories Lu, Ll, Lt, Lm, Lo. */
static const uint32_t uni_letter[657][2] = {
  {0xAA, 0xAA}, {0xB5, 0xB5}, {0xBA, 0xBA}, {0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x2C1},
  {0x2C6, 0x2D1}, {0x2E0, 0x2E4}, {0x2EC, 0x2EC}, {0x2EE, 0x2EE}, {0x370, 0x374}, {0x376, 0x377},
  {0x37A, 0x37D}, {0x37F, 0x37F}, {0x386, 0x386}, {0x388, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x3A1},
  {0x3A3, 0x3F5}, {0x3F7, 0x481}, {0x48A, 0x52F}, {0x531, 0x556}, {0x559, 0x559}, {0x560, 0x588},
  {0x5D0, 0x5EA}, {0x5EF, 0x5F2}, {0x620, 0x64A}, {0x66E, 0x66F}, {0x671, 0x6D3}, {0x6D5, 0x6D5},
  {0x6E5, 0x6E6}, {0x6EE, 0x6EF}, {0x6FA, 0x6FC}, {0x6FF, 0x6FF}, {0x710, 0x710}, {0x712, 0x72F},
  {0x74D, 0x7A5}, {0x7B1, 0x7B1}, {0x7CA, 0x7EA}, {0x7F4, 0x7F5}, {0x7FA, 0x7FA}, {0x800, 0x815},
  {0x81A, 0x81A}, {0x824, 0x824}, {0x828, 0x828}, {0x840, 0x858}, {0x860, 0x86A}, {0x870, 0x887},
  {0x889, 0x88E}, {0x8A0, 0x8C9}, {0x904, 0x939}, {0x93D, 0x93D}, {0x950, 0x950}, {0x958, 0x961},
  {0x971, 0x980}, {0x985, 0x98C}, {0x98F, 0x990}, {0x993, 0x9A8}, {0x9AA, 0x9B0}, {0x9B2, 0x9B2},
  {0x9B6, 0x9B9}, {0x9BD, 0x9BD}, {0x9CE, 0x9CE}, {0x9DC, 0x9DD}, {0x9DF, 0x9E1}, {0x9F0, 0x9F1},
  {0x9FC, 0x9FC}, {0xA05, 0xA0A}, {0xA0F, 0xA10}, {0xA13, 0xA28}, {0xA2A, 0xA30}, {0xA32, 0xA33},
  {0xA35, 0xA36}, {0xA38, 0xA39}, {0xA59, 0xA5C}, {0xA5E, 0xA5E}, {0xA72, 0xA74}, {0xA85, 0xA8D},
  {0xA8F, 0xA91}, {0xA93, 0xAA8}, {0xAAA, 0xAB0}, {0xAB2, 0xAB3}, {0xAB5, 0xAB9}, {0xABD, 0xABD},
  {0xAD0, 0xAD0}, {0xAE0, 0xAE1}, {0xAF9, 0xAF9}, {0xB05, 0xB0C}, {0xB0F, 0xB10}, {0xB13, 0xB28},
  {0xB2A, 0xB30}, {0xB32, 0xB33}, {0xB35, 0xB39}, {0xB3D, 0xB3D}, {0xB5C, 0xB5D}, {0xB5F, 0xB61},
  {0xB71, 0xB71}, {0xB83, 0xB83}, {0xB85, 0xB8A}, {0xB8E, 0xB90}, {0xB92, 0xB95}, {0xB99, 0xB9A},
  {0xB9C, 0xB9C}, {0xB9E, 0xB9F}, {0xBA3, 0xBA4}, {0xBA8, 0xBAA}, {0xBAE, 0xBB9}, {0xBD0, 0xBD0},
  {0xC05, 0xC0C}, {0xC0E, 0xC10}, {0xC12, 0xC28}, {0xC2A, 0xC39}, {0xC3D, 0xC3D}, {0xC58, 0xC5A},
  {0xC5D, 0xC5D}, {0xC60, 0xC61}, {0xC80, 0xC80}, {0xC85, 0xC8C}, {0xC8E, 0xC90}, {0xC92, 0xCA8},
  {0xCAA, 0xCB3}, {0xCB5, 0xCB9}, {0xCBD, 0xCBD}, {0xCDD, 0xCDE}, {0xCE0, 0xCE1}, {0xCF1, 0xCF2},
  {0xD04, 0xD0C}, {0xD0E, 0xD10}, {0xD12, 0xD3A}, {0xD3D, 0xD3D}, {0xD4E, 0xD4E}, {0xD54, 0xD56},
  {0xD5F, 0xD61}, {0xD7A, 0xD7F}, {0xD85, 0xD96}, {0xD9A, 0xDB1}, {0xDB3, 0xDBB}, {0xDBD, 0xDBD},
  {0xDC0, 0xDC6}, {0xE01, 0xE30}, {0xE32, 0xE33}, {0xE40, 0xE46}, {0xE81, 0xE82}, {0xE84, 0xE84},
  {0xE86, 0xE8A}, {0xE8C, 0xEA3}, {0xEA5, 0xEA5}, {0xEA7, 0xEB0}, {0xEB2, 0xEB3}, {0xEBD, 0xEBD},
  {0xEC0, 0xEC4}, {0xEC6, 0xEC6}, {0xEDC, 0xEDF}, {0xF00, 0xF00}, {0xF40, 0xF47}, {0xF49, 0xF6C},
  {0xF88, 0xF8C}, {0x1000, 0x102A}, {0x103F, 0x103F}, {0x1050, 0x1055}, {0x105A, 0x105D},
  {0x1061, 0x1061}, {0x1065, 0x1066}, {0x106E, 0x1070}, {0x1075, 0x1081}, {0x108E, 0x108E},
  {0x10A0, 0x10C5}, {0x10C7, 0x10C7}, {0x10CD, 0x10CD}, {0x10D0, 0x10FA}, {0x10FC, 0x1248},
  {0x124A, 0x124D}, {0x1250, 0x1256}, {0x1258, 0x1258}, {0x125A, 0x125D}, {0x1260, 0x1288},
  {0x128A, 0x128D}, {0x1290, 0x12B0}, {0x12B2, 0x12B5}, {0x12B8, 0x12BE}, {0x12C0, 0x12C0},
  {0x12C2, 0x12C5}, {0x12C8, 0x12D6}, {0x12D8, 0x1310}, {0x1312, 0x1315}, {0x1318, 0x135A},
  {0x1380, 0x138F}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD}, {0x1401, 0x166C}, {0x166F, 0x167F},
  {0x1681, 0x169A}, {0x16A0, 0x16EA}, {0x16F1, 0x16F8}, {0x1700, 0x1711}, {0x171F, 0x1731},
  {0x1740, 0x1751}, {0x1760, 0x176C}, {0x176E, 0x1770}, {0x1780, 0x17B3}, {0x17D7, 0x17D7},
  {0x17DC, 0x17DC}, {0x1820, 0x1878}, {0x1880, 0x1884}, {0x1887, 0x18A8}, {0x18AA, 0x18AA},
  {0x18B0, 0x18F5}, {0x1900, 0x191E}, {0x1950, 0x196D}, {0x1970, 0x1974}, {0x1980, 0x19AB},
  {0x19B0, 0x19C9}, {0x1A00, 0x1A16}, {0x1A20, 0x1A54}, {0x1AA7, 0x1AA7}, {0x1B05, 0x1B33},
  {0x1B45, 0x1B4C}, {0x1B83, 0x1BA0}, {0x1BAE, 0x1BAF}, {0x1BBA, 0x1BE5}, {0x1C00, 0x1C23},
  {0x1C4D, 0x1C4F}, {0x1C5A, 0x1C7D}, {0x1C80, 0x1C88}, {0x1C90, 0x1CBA}, {0x1CBD, 0x1CBF},
  {0x1CE9, 0x1CEC}, {0x1CEE, 0x1CF3}, {0x1CF5, 0x1CF6}, {0x1CFA, 0x1CFA}, {0x1D00, 0x1DBF},
  {0x1E00, 0x1F15}, {0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57},
  {0x1F59, 0x1F59}, {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4},
  {0x1FB6, 0x1FBC}, {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3},
  {0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2071, 0x2071},
  {0x207F, 0x207F}, {0x2090, 0x209C}, {0x2102, 0x2102}, {0x2107, 0x2107}, {0x210A, 0x2113},
  {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126}, {0x2128, 0x2128},
  {0x212A, 0x212D}, {0x212F, 0x2139}, {0x213C, 0x213F}, {0x2145, 0x2149}, {0x214E, 0x214E},
  {0x2183, 0x2184}, {0x2C00, 0x2CE4}, {0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3}, {0x2D00, 0x2D25},
  {0x2D27, 0x2D27}, {0x2D2D, 0x2D2D}, {0x2D30, 0x2D67}, {0x2D6F, 0x2D6F}, {0x2D80, 0x2D96},
  {0x2DA0, 0x2DA6}, {0x2DA8, 0x2DAE}, {0x2DB0, 0x2DB6}, {0x2DB8, 0x2DBE}, {0x2DC0, 0x2DC6},
  {0x2DC8, 0x2DCE}, {0x2DD0, 0x2DD6}, {0x2DD8, 0x2DDE}, {0x2E2F, 0x2E2F}, {0x3005, 0x3006},
  {0x3031, 0x3035}, {0x303B, 0x303C}, {0x3041, 0x3096}, {0x309D, 0x309F}, {0x30A1, 0x30FA},
  {0x30FC, 0x30FF}, {0x3105, 0x312F}, {0x3131, 0x318E}, {0x31A0, 0x31BF}, {0x31F0, 0x31FF},
  {0x3400, 0x4DBF}, {0x4E00, 0xA48C}, {0xA4D0, 0xA4FD}, {0xA500, 0xA60C}, {0xA610, 0xA61F},
  {0xA62A, 0xA62B}, {0xA640, 0xA66E}, {0xA67F, 0xA69D}, {0xA6A0, 0xA6E5}, {0xA717, 0xA71F},
  {0xA722, 0xA788}, {0xA78B, 0xA7CA}, {0xA7D0, 0xA7D1}, {0xA7D3, 0xA7D3}, {0xA7D5, 0xA7D9},
  {0xA7F2, 0xA801}, {0xA803, 0xA805}, {0xA807, 0xA80A}, {0xA80C, 0xA822}, {0xA840, 0xA873},
  {0xA882, 0xA8B3}, {0xA8F2, 0xA8F7}, {0xA8FB, 0xA8FB}, {0xA8FD, 0xA8FE}, {0xA90A, 0xA925},
  {0xA930, 0xA946}, {0xA960, 0xA97C}, {0xA984, 0xA9B2}, {0xA9CF, 0xA9CF}, {0xA9E0, 0xA9E4},
  {0xA9E6, 0xA9EF}, {0xA9FA, 0xA9FE}, {0xAA00, 0xAA28}, {0xAA40, 0xAA42}, {0xAA44, 0xAA4B},
  {0xAA60, 0xAA76}, {0xAA7A, 0xAA7A}, {0xAA7E, 0xAAAF}, {0xAAB1, 0xAAB1}, {0xAAB5, 0xAAB6},
  {0xAAB9, 0xAABD}, {0xAAC0, 0xAAC0}, {0xAAC2, 0xAAC2}, {0xAADB, 0xAADD}, {0xAAE0, 0xAAEA},
  {0xAAF2, 0xAAF4}, {0xAB01, 0xAB06}, {0xAB09, 0xAB0E}, {0xAB11, 0xAB16}, {0xAB20, 0xAB26},
  {0xAB28, 0xAB2E}, {0xAB30, 0xAB5A}, {0xAB5C, 0xAB69}, {0xAB70, 0xABE2}, {0xAC00, 0xD7A3},
  {0xD7B0, 0xD7C6}, {0xD7CB, 0xD7FB}, {0xF900, 0xFA6D}, {0xFA70, 0xFAD9}, {0xFB00, 0xFB06},
  {0xFB13, 0xFB17}, {0xFB1D, 0xFB1D}, {0xFB1F, 0xFB28}, {0xFB2A, 0xFB36}, {0xFB38, 0xFB3C},
  {0xFB3E, 0xFB3E}, {0xFB40, 0xFB41}, {0xFB43, 0xFB44}, {0xFB46, 0xFBB1}, {0xFBD3, 0xFD3D},
  {0xFD50, 0xFD8F}, {0xFD92, 0xFDC7}, {0xFDF0, 0xFDFB}, {0xFE70, 0xFE74}, {0xFE76, 0xFEFC},
  {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0xFF66, 0xFFBE}, {0xFFC2, 0xFFC7}, {0xFFCA, 0xFFCF},
  {0xFFD2, 0xFFD7}, {0xFFDA, 0xFFDC}, {0x10000, 0x1000B}, {0x1000D, 0x10026}, {0x10028, 0x1003A},
  {0x1003C, 0x1003D}, {0x1003F, 0x1004D}, {0x10050, 0x1005D}, {0x10080, 0x100FA},
  {0x10280, 0x1029C}, {0x102A0, 0x102D0}, {0x10300, 0x1031F}, {0x1032D, 0x10340},
  {0x10342, 0x10349}, {0x10350, 0x10375}, {0x10380, 0x1039D}, {0x103A0, 0x103C3},
  {0x103C8, 0x103CF}, {0x10400, 0x1049D}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
  {0x10500, 0x10527}, {0x10530, 0x10563}, {0x10570, 0x1057A}, {0x1057C, 0x1058A},
  {0x1058C, 0x10592}, {0x10594, 0x10595}, {0x10597, 0x105A1}, {0x105A3, 0x105B1},
  {0x105B3, 0x105B9}, {0x105BB, 0x105BC}, {0x10600, 0x10736}, {0x10740, 0x10755},
  {0x10760, 0x10767}, {0x10780, 0x10785}, {0x10787, 0x107B0}, {0x107B2, 0x107BA},
  {0x10800, 0x10805}, {0x10808, 0x10808}, {0x1080A, 0x10835}, {0x10837, 0x10838},
  {0x1083C, 0x1083C}, {0x1083F, 0x10855}, {0x10860, 0x10876}, {0x10880, 0x1089E},
  {0x108E0, 0x108F2}, {0x108F4, 0x108F5}, {0x10900, 0x10915}, {0x10920, 0x10939},
  {0x10980, 0x109B7}, {0x109BE, 0x109BF}, {0x10A00, 0x10A00}, {0x10A10, 0x10A13},
  {0x10A15, 0x10A17}, {0x10A19, 0x10A35}, {0x10A60, 0x10A7C}, {0x10A80, 0x10A9C},
  {0x10AC0, 0x10AC7}, {0x10AC9, 0x10AE4}, {0x10B00, 0x10B35}, {0x10B40, 0x10B55},
  {0x10B60, 0x10B72}, {0x10B80, 0x10B91}, {0x10C00, 0x10C48}, {0x10C80, 0x10CB2},
  {0x10CC0, 0x10CF2}, {0x10D00, 0x10D23}, {0x10E80, 0x10EA9}, {0x10EB0, 0x10EB1},
  {0x10F00, 0x10F1C}, {0x10F27, 0x10F27}, {0x10F30, 0x10F45}, {0x10F70, 0x10F81},
  {0x10FB0, 0x10FC4}, {0x10FE0, 0x10FF6}, {0x11003, 0x11037}, {0x11071, 0x11072},
  {0x11075, 0x11075}, {0x11083, 0x110AF}, {0x110D0, 0x110E8}, {0x11103, 0x11126},
  {0x11144, 0x11144}, {0x11147, 0x11147}, {0x11150, 0x11172}, {0x11176, 0x11176},
  {0x11183, 0x111B2}, {0x111C1, 0x111C4}, {0x111DA, 0x111DA}, {0x111DC, 0x111DC},
  {0x11200, 0x11211}, {0x11213, 0x1122B}, {0x1123F, 0x11240}, {0x11280, 0x11286},
  {0x11288, 0x11288}, {0x1128A, 0x1128D}, {0x1128F, 0x1129D}, {0x1129F, 0x112A8},
  {0x112B0, 0x112DE}, {0x11305, 0x1130C}, {0x1130F, 0x11310}, {0x11313, 0x11328},
  {0x1132A, 0x11330}, {0x11332, 0x11333}, {0x11335, 0x11339}, {0x1133D, 0x1133D},
  {0x11350, 0x11350}, {0x1135D, 0x11361}, {0x11400, 0x11434}, {0x11447, 0x1144A},
  {0x1145F, 0x11461}, {0x11480, 0x114AF}, {0x114C4, 0x114C5}, {0x114C7, 0x114C7},
  {0x11580, 0x115AE}, {0x115D8, 0x115DB}, {0x11600, 0x1162F}, {0x11644, 0x11644},
  {0x11680, 0x116AA}, {0x116B8, 0x116B8}, {0x11700, 0x1171A}, {0x11740, 0x11746},
  {0x11800, 0x1182B}, {0x118A0, 0x118DF}, {0x118FF, 0x11906}, {0x11909, 0x11909},
  {0x1190C, 0x11913}, {0x11915, 0x11916}, {0x11918, 0x1192F}, {0x1193F, 0x1193F},
  {0x11941, 0x11941}, {0x119A0, 0x119A7}, {0x119AA, 0x119D0}, {0x119E1, 0x119E1},
  {0x119E3, 0x119E3}, {0x11A00, 0x11A00}, {0x11A0B, 0x11A32}, {0x11A3A, 0x11A3A},
  {0x11A50, 0x11A50}, {0x11A5C, 0x11A89}, {0x11A9D, 0x11A9D}, {0x11AB0, 0x11AF8},
  {0x11C00, 0x11C08}, {0x11C0A, 0x11C2E}, {0x11C40, 0x11C40}, {0x11C72, 0x11C8F},
  {0x11D00, 0x11D06}, {0x11D08, 0x11D09}, {0x11D0B, 0x11D30}, {0x11D46, 0x11D46},
  {0x11D60, 0x11D65}, {0x11D67, 0x11D68}, {0x11D6A, 0x11D89}, {0x11D98, 0x11D98},
  {0x11EE0, 0x11EF2}, {0x11F02, 0x11F02}, {0x11F04, 0x11F10}, {0x11F12, 0x11F33},
  {0x11FB0, 0x11FB0}, {0x12000, 0x12399}, {0x12480, 0x12543}, {0x12F90, 0x12FF0},
  {0x13000, 0x1342F}, {0x13441, 0x13446}, {0x14400, 0x14646}, {0x16800, 0x16A38},
  {0x16A40, 0x16A5E}, {0x16A70, 0x16ABE}, {0x16AD0, 0x16AED}, {0x16B00, 0x16B2F},
  {0x16B40, 0x16B43}, {0x16B63, 0x16B77}, {0x16B7D, 0x16B8F}, {0x16E40, 0x16E7F},
  {0x16F00, 0x16F4A}, {0x16F50, 0x16F50}, {0x16F93, 0x16F9F}, {0x16FE0, 0x16FE1},
  {0x16FE3, 0x16FE3}, {0x17000, 0x187F7}, {0x18800, 0x18CD5}, {0x18D00, 0x18D08},
  {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE}, {0x1B000, 0x1B122},
  {0x1B132, 0x1B132}, {0x1B150, 0x1B152}, {0x1B155, 0x1B155}, {0x1B164, 0x1B167},
  {0x1B170, 0x1B2FB}, {0x1BC00, 0x1BC6A}, {0x1BC70, 0x1BC7C}, {0x1BC80, 0x1BC88},
  {0x1BC90, 0x1BC99}, {0x1D400, 0x1D454}, {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F},
  {0x1D4A2, 0x1D4A2}, {0x1D4A5, 0x1D4A6}, {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9},
  {0x1D4BB, 0x1D4BB}, {0x1D4BD, 0x1D4C3}, {0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A},
  {0x1D50D, 0x1D514}, {0x1D516, 0x1D51C}, {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E},
  {0x1D540, 0x1D544}, {0x1D546, 0x1D546}, {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A5},
  {0x1D6A8, 0x1D6C0}, {0x1D6C2, 0x1D6DA}, {0x1D6DC, 0x1D6FA}, {0x1D6FC, 0x1D714},
  {0x1D716, 0x1D734}, {0x1D736, 0x1D74E}, {0x1D750, 0x1D76E}, {0x1D770, 0x1D788},
  {0x1D78A, 0x1D7A8}, {0x1D7AA, 0x1D7C2}, {0x1D7C4, 0x1D7CB}, {0x1DF00, 0x1DF1E},
  {0x1DF25, 0x1DF2A}, {0x1E030, 0x1E06D}, {0x1E100, 0x1E12C}, {0x1E137, 0x1E13D},
  {0x1E14E, 0x1E14E}, {0x1E290, 0x1E2AD}, {0x1E2C0, 0x1E2EB}, {0x1E4D0, 0x1E4EB},
  {0x1E7E0, 0x1E7E6}, {0x1E7E8, 0x1E7EB}, {0x1E7ED, 0x1E7EE}, {0x1E7F0, 0x1E7FE},
  {0x1E800, 0x1E8C4}, {0x1E900, 0x1E943}, {0x1E94B, 0x1E94B}, {0x1EE00, 0x1EE03},
  {0x1EE05, 0x1EE1F}, {0x1EE21, 0x1EE22}, {0x1EE24, 0x1EE24}, {0x1EE27, 0x1EE27},
  {0x1EE29, 0x1EE32}, {0x1EE34, 0x1EE37}, {0x1EE39, 0x1EE39}, {0x1EE3B, 0x1EE3B},
  {0x1EE42, 0x1EE42}, {0x1EE47, 0x1EE47}, {0x1EE49, 0x1EE49}, {0x1EE4B, 0x1EE4B},
  {0x1EE4D, 0x1EE4F}, {0x1EE51, 0x1EE52}, {0x1EE54, 0x1EE54}, {0x1EE57, 0x1EE57},
  {0x1EE59, 0x1EE59}, {0x1EE5B, 0x1EE5B}, {0x1EE5D, 0x1EE5D}, {0x1EE5F, 0x1EE5F},
  {0x1EE61, 0x1EE62}, {0x1EE64, 0x1EE64}, {0x1EE67, 0x1EE6A}, {0x1EE6C, 0x1EE72},
  {0x1EE74, 0x1EE77}, {0x1EE79, 0x1EE7C}, {0x1EE7E, 0x1EE7E}, {0x1EE80, 0x1EE89},
  {0x1EE8B, 0x1EE9B}, {0x1EEA1, 0x1EEA3}, {0x1EEA5, 0x1EEA9}, {0x1EEAB, 0x1EEBB},
  {0x20000, 0x2A6DF}, {0x2A700, 0x2B739}, {0x2B740, 0x2B81D}, {0x2B820, 0x2CEA1},
  {0x2CEB0, 0x2EBE0}, {0x2F800, 0x2FA1D}, {0x30000, 0x3134A}, {0x31350, 0x323AF},
};

/* unicode.IsDigit: category Nd. */
static const uint32_t uni_digit[63][2] = {
  {0x660, 0x669}, {0x6F0, 0x6F9}, {0x7C0, 0x7C9}, {0x966, 0x96F}, {0x9E6, 0x9EF}, {0xA66, 0xA6F},
  {0xAE6, 0xAEF}, {0xB66, 0xB6F}, {0xBE6, 0xBEF}, {0xC66, 0xC6F}, {0xCE6, 0xCEF}, {0xD66, 0xD6F},
  {0xDE6, 0xDEF}, {0xE50, 0xE59}, {0xED0, 0xED9}, {0xF20, 0xF29}, {0x1040, 0x1049},
  {0x1090, 0x1099}, {0x17E0, 0x17E9}, {0x1810, 0x1819}, {0x1946, 0x194F}, {0x19D0, 0x19D9},
  {0x1A80, 0x1A89}, {0x1A90, 0x1A99}, {0x1B50, 0x1B59}, {0x1BB0, 0x1BB9}, {0x1C40, 0x1C49},
  {0x1C50, 0x1C59}, {0xA620, 0xA629}, {0xA8D0, 0xA8D9}, {0xA900, 0xA909}, {0xA9D0, 0xA9D9},
  {0xA9F0, 0xA9F9}, {0xAA50, 0xAA59}, {0xABF0, 0xABF9}, {0xFF10, 0xFF19}, {0x104A0, 0x104A9},
  {0x10D30, 0x10D39}, {0x11066, 0x1106F}, {0x110F0, 0x110F9}, {0x11136, 0x1113F},
  {0x111D0, 0x111D9}, {0x112F0, 0x112F9}, {0x11450, 0x11459}, {0x114D0, 0x114D9},
  {0x11650, 0x11659}, {0x116C0, 0x116C9}, {0x11730, 0x11739}, {0x118E0, 0x118E9},
  {0x11950, 0x11959}, {0x11C50, 0x11C59}, {0x11D50, 0x11D59}, {0x11DA0, 0x11DA9},
  {0x11F50, 0x11F59}, {0x16A60, 0x16A69}, {0x16AC0, 0x16AC9}, {0x16B50, 0x16B59},
  {0x1D7CE, 0x1D7FF}, {0x1E140, 0x1E149}, {0x1E2F0, 0x1E2F9}, {0x1E4F0, 0x1E4F9},
  {0x1E950, 0x1E959}, {0x1FBF0, 0x1FBF9},
};

/* unicode.IsPrint: categories L, M, N, P, S. */
static const uint32_t uni_print[710][2] = {
  {0xA1, 0xAC}, {0xAE, 0x377}, {0x37A, 0x37F}, {0x384, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x3A1},
  {0x3A3, 0x52F}, {0x531, 0x556}, {0x559, 0x58A}, {0x58D, 0x58F}, {0x591, 0x5C7}, {0x5D0, 0x5EA},
  {0x5EF, 0x5F4}, {0x606, 0x61B}, {0x61D, 0x6DC}, {0x6DE, 0x70D}, {0x710, 0x74A}, {0x74D, 0x7B1},
  {0x7C0, 0x7FA}, {0x7FD, 0x82D}, {0x830, 0x83E}, {0x840, 0x85B}, {0x85E, 0x85E}, {0x860, 0x86A},
  {0x870, 0x88E}, {0x898, 0x8E1}, {0x8E3, 0x983}, {0x985, 0x98C}, {0x98F, 0x990}, {0x993, 0x9A8},
  {0x9AA, 0x9B0}, {0x9B2, 0x9B2}, {0x9B6, 0x9B9}, {0x9BC, 0x9C4}, {0x9C7, 0x9C8}, {0x9CB, 0x9CE},
  {0x9D7, 0x9D7}, {0x9DC, 0x9DD}, {0x9DF, 0x9E3}, {0x9E6, 0x9FE}, {0xA01, 0xA03}, {0xA05, 0xA0A},
  {0xA0F, 0xA10}, {0xA13, 0xA28}, {0xA2A, 0xA30}, {0xA32, 0xA33}, {0xA35, 0xA36}, {0xA38, 0xA39},
  {0xA3C, 0xA3C}, {0xA3E, 0xA42}, {0xA47, 0xA48}, {0xA4B, 0xA4D}, {0xA51, 0xA51}, {0xA59, 0xA5C},
  {0xA5E, 0xA5E}, {0xA66, 0xA76}, {0xA81, 0xA83}, {0xA85, 0xA8D}, {0xA8F, 0xA91}, {0xA93, 0xAA8},
  {0xAAA, 0xAB0}, {0xAB2, 0xAB3}, {0xAB5, 0xAB9}, {0xABC, 0xAC5}, {0xAC7, 0xAC9}, {0xACB, 0xACD},
  {0xAD0, 0xAD0}, {0xAE0, 0xAE3}, {0xAE6, 0xAF1}, {0xAF9, 0xAFF}, {0xB01, 0xB03}, {0xB05, 0xB0C},
  {0xB0F, 0xB10}, {0xB13, 0xB28}, {0xB2A, 0xB30}, {0xB32, 0xB33}, {0xB35, 0xB39}, {0xB3C, 0xB44},
  {0xB47, 0xB48}, {0xB4B, 0xB4D}, {0xB55, 0xB57}, {0xB5C, 0xB5D}, {0xB5F, 0xB63}, {0xB66, 0xB77},
  {0xB82, 0xB83}, {0xB85, 0xB8A}, {0xB8E, 0xB90}, {0xB92, 0xB95}, {0xB99, 0xB9A}, {0xB9C, 0xB9C},
  {0xB9E, 0xB9F}, {0xBA3, 0xBA4}, {0xBA8, 0xBAA}, {0xBAE, 0xBB9}, {0xBBE, 0xBC2}, {0xBC6, 0xBC8},
  {0xBCA, 0xBCD}, {0xBD0, 0xBD0}, {0xBD7, 0xBD7}, {0xBE6, 0xBFA}, {0xC00, 0xC0C}, {0xC0E, 0xC10},
  {0xC12, 0xC28}, {0xC2A, 0xC39}, {0xC3C, 0xC44}, {0xC46, 0xC48}, {0xC4A, 0xC4D}, {0xC55, 0xC56},
  {0xC58, 0xC5A}, {0xC5D, 0xC5D}, {0xC60, 0xC63}, {0xC66, 0xC6F}, {0xC77, 0xC8C}, {0xC8E, 0xC90},
  {0xC92, 0xCA8}, {0xCAA, 0xCB3}, {0xCB5, 0xCB9}, {0xCBC, 0xCC4}, {0xCC6, 0xCC8}, {0xCCA, 0xCCD},
  {0xCD5, 0xCD6}, {0xCDD, 0xCDE}, {0xCE0, 0xCE3}, {0xCE6, 0xCEF}, {0xCF1, 0xCF3}, {0xD00, 0xD0C},
  {0xD0E, 0xD10}, {0xD12, 0xD44}, {0xD46, 0xD48}, {0xD4A, 0xD4F}, {0xD54, 0xD63}, {0xD66, 0xD7F},
  {0xD81, 0xD83}, {0xD85, 0xD96}, {0xD9A, 0xDB1}, {0xDB3, 0xDBB}, {0xDBD, 0xDBD}, {0xDC0, 0xDC6},
  {0xDCA, 0xDCA}, {0xDCF, 0xDD4}, {0xDD6, 0xDD6}, {0xDD8, 0xDDF}, {0xDE6, 0xDEF}, {0xDF2, 0xDF4},
  {0xE01, 0xE3A}, {0xE3F, 0xE5B}, {0xE81, 0xE82}, {0xE84, 0xE84}, {0xE86, 0xE8A}, {0xE8C, 0xEA3},
  {0xEA5, 0xEA5}, {0xEA7, 0xEBD}, {0xEC0, 0xEC4}, {0xEC6, 0xEC6}, {0xEC8, 0xECE}, {0xED0, 0xED9},
  {0xEDC, 0xEDF}, {0xF00, 0xF47}, {0xF49, 0xF6C}, {0xF71, 0xF97}, {0xF99, 0xFBC}, {0xFBE, 0xFCC},
  {0xFCE, 0xFDA}, {0x1000, 0x10C5}, {0x10C7, 0x10C7}, {0x10CD, 0x10CD}, {0x10D0, 0x1248},
  {0x124A, 0x124D}, {0x1250, 0x1256}, {0x1258, 0x1258}, {0x125A, 0x125D}, {0x1260, 0x1288},
  {0x128A, 0x128D}, {0x1290, 0x12B0}, {0x12B2, 0x12B5}, {0x12B8, 0x12BE}, {0x12C0, 0x12C0},
  {0x12C2, 0x12C5}, {0x12C8, 0x12D6}, {0x12D8, 0x1310}, {0x1312, 0x1315}, {0x1318, 0x135A},
  {0x135D, 0x137C}, {0x1380, 0x1399}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD}, {0x1400, 0x167F},
  {0x1681, 0x169C}, {0x16A0, 0x16F8}, {0x1700, 0x1715}, {0x171F, 0x1736}, {0x1740, 0x1753},
  {0x1760, 0x176C}, {0x176E, 0x1770}, {0x1772, 0x1773}, {0x1780, 0x17DD}, {0x17E0, 0x17E9},
  {0x17F0, 0x17F9}, {0x1800, 0x180D}, {0x180F, 0x1819}, {0x1820, 0x1878}, {0x1880, 0x18AA},
  {0x18B0, 0x18F5}, {0x1900, 0x191E}, {0x1920, 0x192B}, {0x1930, 0x193B}, {0x1940, 0x1940},
  {0x1944, 0x196D}, {0x1970, 0x1974}, {0x1980, 0x19AB}, {0x19B0, 0x19C9}, {0x19D0, 0x19DA},
  {0x19DE, 0x1A1B}, {0x1A1E, 0x1A5E}, {0x1A60, 0x1A7C}, {0x1A7F, 0x1A89}, {0x1A90, 0x1A99},
  {0x1AA0, 0x1AAD}, {0x1AB0, 0x1ACE}, {0x1B00, 0x1B4C}, {0x1B50, 0x1B7E}, {0x1B80, 0x1BF3},
  {0x1BFC, 0x1C37}, {0x1C3B, 0x1C49}, {0x1C4D, 0x1C88}, {0x1C90, 0x1CBA}, {0x1CBD, 0x1CC7},
  {0x1CD0, 0x1CFA}, {0x1D00, 0x1F15}, {0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D},
  {0x1F50, 0x1F57}, {0x1F59, 0x1F59}, {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D},
  {0x1F80, 0x1FB4}, {0x1FB6, 0x1FC4}, {0x1FC6, 0x1FD3}, {0x1FD6, 0x1FDB}, {0x1FDD, 0x1FEF},
  {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFE}, {0x2010, 0x2027}, {0x2030, 0x205E}, {0x2070, 0x2071},
  {0x2074, 0x208E}, {0x2090, 0x209C}, {0x20A0, 0x20C0}, {0x20D0, 0x20F0}, {0x2100, 0x218B},
  {0x2190, 0x2426}, {0x2440, 0x244A}, {0x2460, 0x2B73}, {0x2B76, 0x2B95}, {0x2B97, 0x2CF3},
  {0x2CF9, 0x2D25}, {0x2D27, 0x2D27}, {0x2D2D, 0x2D2D}, {0x2D30, 0x2D67}, {0x2D6F, 0x2D70},
  {0x2D7F, 0x2D96}, {0x2DA0, 0x2DA6}, {0x2DA8, 0x2DAE}, {0x2DB0, 0x2DB6}, {0x2DB8, 0x2DBE},
  {0x2DC0, 0x2DC6}, {0x2DC8, 0x2DCE}, {0x2DD0, 0x2DD6}, {0x2DD8, 0x2DDE}, {0x2DE0, 0x2E5D},
  {0x2E80, 0x2E99}, {0x2E9B, 0x2EF3}, {0x2F00, 0x2FD5}, {0x2FF0, 0x2FFB}, {0x3001, 0x303F},
  {0x3041, 0x3096}, {0x3099, 0x30FF}, {0x3105, 0x312F}, {0x3131, 0x318E}, {0x3190, 0x31E3},
  {0x31F0, 0x321E}, {0x3220, 0xA48C}, {0xA490, 0xA4C6}, {0xA4D0, 0xA62B}, {0xA640, 0xA6F7},
  {0xA700, 0xA7CA}, {0xA7D0, 0xA7D1}, {0xA7D3, 0xA7D3}, {0xA7D5, 0xA7D9}, {0xA7F2, 0xA82C},
  {0xA830, 0xA839}, {0xA840, 0xA877}, {0xA880, 0xA8C5}, {0xA8CE, 0xA8D9}, {0xA8E0, 0xA953},
  {0xA95F, 0xA97C}, {0xA980, 0xA9CD}, {0xA9CF, 0xA9D9}, {0xA9DE, 0xA9FE}, {0xAA00, 0xAA36},
  {0xAA40, 0xAA4D}, {0xAA50, 0xAA59}, {0xAA5C, 0xAAC2}, {0xAADB, 0xAAF6}, {0xAB01, 0xAB06},
  {0xAB09, 0xAB0E}, {0xAB11, 0xAB16}, {0xAB20, 0xAB26}, {0xAB28, 0xAB2E}, {0xAB30, 0xAB6B},
  {0xAB70, 0xABED}, {0xABF0, 0xABF9}, {0xAC00, 0xD7A3}, {0xD7B0, 0xD7C6}, {0xD7CB, 0xD7FB},
  {0xF900, 0xFA6D}, {0xFA70, 0xFAD9}, {0xFB00, 0xFB06}, {0xFB13, 0xFB17}, {0xFB1D, 0xFB36},
  {0xFB38, 0xFB3C}, {0xFB3E, 0xFB3E}, {0xFB40, 0xFB41}, {0xFB43, 0xFB44}, {0xFB46, 0xFBC2},
  {0xFBD3, 0xFD8F}, {0xFD92, 0xFDC7}, {0xFDCF, 0xFDCF}, {0xFDF0, 0xFE19}, {0xFE20, 0xFE52},
  {0xFE54, 0xFE66}, {0xFE68, 0xFE6B}, {0xFE70, 0xFE74}, {0xFE76, 0xFEFC}, {0xFF01, 0xFFBE},
  {0xFFC2, 0xFFC7}, {0xFFCA, 0xFFCF}, {0xFFD2, 0xFFD7}, {0xFFDA, 0xFFDC}, {0xFFE0, 0xFFE6},
  {0xFFE8, 0xFFEE}, {0xFFFC, 0xFFFD}, {0x10000, 0x1000B}, {0x1000D, 0x10026}, {0x10028, 0x1003A},
  {0x1003C, 0x1003D}, {0x1003F, 0x1004D}, {0x10050, 0x1005D}, {0x10080, 0x100FA},
  {0x10100, 0x10102}, {0x10107, 0x10133}, {0x10137, 0x1018E}, {0x10190, 0x1019C},
  {0x101A0, 0x101A0}, {0x101D0, 0x101FD}, {0x10280, 0x1029C}, {0x102A0, 0x102D0},
  {0x102E0, 0x102FB}, {0x10300, 0x10323}, {0x1032D, 0x1034A}, {0x10350, 0x1037A},
  {0x10380, 0x1039D}, {0x1039F, 0x103C3}, {0x103C8, 0x103D5}, {0x10400, 0x1049D},
  {0x104A0, 0x104A9}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB}, {0x10500, 0x10527},
  {0x10530, 0x10563}, {0x1056F, 0x1057A}, {0x1057C, 0x1058A}, {0x1058C, 0x10592},
  {0x10594, 0x10595}, {0x10597, 0x105A1}, {0x105A3, 0x105B1}, {0x105B3, 0x105B9},
  {0x105BB, 0x105BC}, {0x10600, 0x10736}, {0x10740, 0x10755}, {0x10760, 0x10767},
  {0x10780, 0x10785}, {0x10787, 0x107B0}, {0x107B2, 0x107BA}, {0x10800, 0x10805},
  {0x10808, 0x10808}, {0x1080A, 0x10835}, {0x10837, 0x10838}, {0x1083C, 0x1083C},
  {0x1083F, 0x10855}, {0x10857, 0x1089E}, {0x108A7, 0x108AF}, {0x108E0, 0x108F2},
  {0x108F4, 0x108F5}, {0x108FB, 0x1091B}, {0x1091F, 0x10939}, {0x1093F, 0x1093F},
  {0x10980, 0x109B7}, {0x109BC, 0x109CF}, {0x109D2, 0x10A03}, {0x10A05, 0x10A06},
  {0x10A0C, 0x10A13}, {0x10A15, 0x10A17}, {0x10A19, 0x10A35}, {0x10A38, 0x10A3A},
  {0x10A3F, 0x10A48}, {0x10A50, 0x10A58}, {0x10A60, 0x10A9F}, {0x10AC0, 0x10AE6},
  {0x10AEB, 0x10AF6}, {0x10B00, 0x10B35}, {0x10B39, 0x10B55}, {0x10B58, 0x10B72},
  {0x10B78, 0x10B91}, {0x10B99, 0x10B9C}, {0x10BA9, 0x10BAF}, {0x10C00, 0x10C48},
  {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x10CFA, 0x10D27}, {0x10D30, 0x10D39},
  {0x10E60, 0x10E7E}, {0x10E80, 0x10EA9}, {0x10EAB, 0x10EAD}, {0x10EB0, 0x10EB1},
  {0x10EFD, 0x10F27}, {0x10F30, 0x10F59}, {0x10F70, 0x10F89}, {0x10FB0, 0x10FCB},
  {0x10FE0, 0x10FF6}, {0x11000, 0x1104D}, {0x11052, 0x11075}, {0x1107F, 0x110BC},
  {0x110BE, 0x110C2}, {0x110D0, 0x110E8}, {0x110F0, 0x110F9}, {0x11100, 0x11134},
  {0x11136, 0x11147}, {0x11150, 0x11176}, {0x11180, 0x111DF}, {0x111E1, 0x111F4},
  {0x11200, 0x11211}, {0x11213, 0x11241}, {0x11280, 0x11286}, {0x11288, 0x11288},
  {0x1128A, 0x1128D}, {0x1128F, 0x1129D}, {0x1129F, 0x112A9}, {0x112B0, 0x112EA},
  {0x112F0, 0x112F9}, {0x11300, 0x11303}, {0x11305, 0x1130C}, {0x1130F, 0x11310},
  {0x11313, 0x11328}, {0x1132A, 0x11330}, {0x11332, 0x11333}, {0x11335, 0x11339},
  {0x1133B, 0x11344}, {0x11347, 0x11348}, {0x1134B, 0x1134D}, {0x11350, 0x11350},
  {0x11357, 0x11357}, {0x1135D, 0x11363}, {0x11366, 0x1136C}, {0x11370, 0x11374},
  {0x11400, 0x1145B}, {0x1145D, 0x11461}, {0x11480, 0x114C7}, {0x114D0, 0x114D9},
  {0x11580, 0x115B5}, {0x115B8, 0x115DD}, {0x11600, 0x11644}, {0x11650, 0x11659},
  {0x11660, 0x1166C}, {0x11680, 0x116B9}, {0x116C0, 0x116C9}, {0x11700, 0x1171A},
  {0x1171D, 0x1172B}, {0x11730, 0x11746}, {0x11800, 0x1183B}, {0x118A0, 0x118F2},
  {0x118FF, 0x11906}, {0x11909, 0x11909}, {0x1190C, 0x11913}, {0x11915, 0x11916},
  {0x11918, 0x11935}, {0x11937, 0x11938}, {0x1193B, 0x11946}, {0x11950, 0x11959},
  {0x119A0, 0x119A7}, {0x119AA, 0x119D7}, {0x119DA, 0x119E4}, {0x11A00, 0x11A47},
  {0x11A50, 0x11AA2}, {0x11AB0, 0x11AF8}, {0x11B00, 0x11B09}, {0x11C00, 0x11C08},
  {0x11C0A, 0x11C36}, {0x11C38, 0x11C45}, {0x11C50, 0x11C6C}, {0x11C70, 0x11C8F},
  {0x11C92, 0x11CA7}, {0x11CA9, 0x11CB6}, {0x11D00, 0x11D06}, {0x11D08, 0x11D09},
  {0x11D0B, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D47},
  {0x11D50, 0x11D59}, {0x11D60, 0x11D65}, {0x11D67, 0x11D68}, {0x11D6A, 0x11D8E},
  {0x11D90, 0x11D91}, {0x11D93, 0x11D98}, {0x11DA0, 0x11DA9}, {0x11EE0, 0x11EF8},
  {0x11F00, 0x11F10}, {0x11F12, 0x11F3A}, {0x11F3E, 0x11F59}, {0x11FB0, 0x11FB0},
  {0x11FC0, 0x11FF1}, {0x11FFF, 0x12399}, {0x12400, 0x1246E}, {0x12470, 0x12474},
  {0x12480, 0x12543}, {0x12F90, 0x12FF2}, {0x13000, 0x1342F}, {0x13440, 0x13455},
  {0x14400, 0x14646}, {0x16800, 0x16A38}, {0x16A40, 0x16A5E}, {0x16A60, 0x16A69},
  {0x16A6E, 0x16ABE}, {0x16AC0, 0x16AC9}, {0x16AD0, 0x16AED}, {0x16AF0, 0x16AF5},
  {0x16B00, 0x16B45}, {0x16B50, 0x16B59}, {0x16B5B, 0x16B61}, {0x16B63, 0x16B77},
  {0x16B7D, 0x16B8F}, {0x16E40, 0x16E9A}, {0x16F00, 0x16F4A}, {0x16F4F, 0x16F87},
  {0x16F8F, 0x16F9F}, {0x16FE0, 0x16FE4}, {0x16FF0, 0x16FF1}, {0x17000, 0x187F7},
  {0x18800, 0x18CD5}, {0x18D00, 0x18D08}, {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB},
  {0x1AFFD, 0x1AFFE}, {0x1B000, 0x1B122}, {0x1B132, 0x1B132}, {0x1B150, 0x1B152},
  {0x1B155, 0x1B155}, {0x1B164, 0x1B167}, {0x1B170, 0x1B2FB}, {0x1BC00, 0x1BC6A},
  {0x1BC70, 0x1BC7C}, {0x1BC80, 0x1BC88}, {0x1BC90, 0x1BC99}, {0x1BC9C, 0x1BC9F},
  {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46}, {0x1CF50, 0x1CFC3}, {0x1D000, 0x1D0F5},
  {0x1D100, 0x1D126}, {0x1D129, 0x1D172}, {0x1D17B, 0x1D1EA}, {0x1D200, 0x1D245},
  {0x1D2C0, 0x1D2D3}, {0x1D2E0, 0x1D2F3}, {0x1D300, 0x1D356}, {0x1D360, 0x1D378},
  {0x1D400, 0x1D454}, {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2},
  {0x1D4A5, 0x1D4A6}, {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB},
  {0x1D4BD, 0x1D4C3}, {0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514},
  {0x1D516, 0x1D51C}, {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E}, {0x1D540, 0x1D544},
  {0x1D546, 0x1D546}, {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A5}, {0x1D6A8, 0x1D7CB},
  {0x1D7CE, 0x1DA8B}, {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF}, {0x1DF00, 0x1DF1E},
  {0x1DF25, 0x1DF2A}, {0x1E000, 0x1E006}, {0x1E008, 0x1E018}, {0x1E01B, 0x1E021},
  {0x1E023, 0x1E024}, {0x1E026, 0x1E02A}, {0x1E030, 0x1E06D}, {0x1E08F, 0x1E08F},
  {0x1E100, 0x1E12C}, {0x1E130, 0x1E13D}, {0x1E140, 0x1E149}, {0x1E14E, 0x1E14F},
  {0x1E290, 0x1E2AE}, {0x1E2C0, 0x1E2F9}, {0x1E2FF, 0x1E2FF}, {0x1E4D0, 0x1E4F9},
  {0x1E7E0, 0x1E7E6}, {0x1E7E8, 0x1E7EB}, {0x1E7ED, 0x1E7EE}, {0x1E7F0, 0x1E7FE},
  {0x1E800, 0x1E8C4}, {0x1E8C7, 0x1E8D6}, {0x1E900, 0x1E94B}, {0x1E950, 0x1E959},
  {0x1E95E, 0x1E95F}, {0x1EC71, 0x1ECB4}, {0x1ED01, 0x1ED3D}, {0x1EE00, 0x1EE03},
  {0x1EE05, 0x1EE1F}, {0x1EE21, 0x1EE22}, {0x1EE24, 0x1EE24}, {0x1EE27, 0x1EE27},
  {0x1EE29, 0x1EE32}, {0x1EE34, 0x1EE37}, {0x1EE39, 0x1EE39}, {0x1EE3B, 0x1EE3B},
  {0x1EE42, 0x1EE42}, {0x1EE47, 0x1EE47}, {0x1EE49, 0x1EE49}, {0x1EE4B, 0x1EE4B},
  {0x1EE4D, 0x1EE4F}, {0x1EE51, 0x1EE52}, {0x1EE54, 0x1EE54}, {0x1EE57, 0x1EE57},
  {0x1EE59, 0x1EE59}, {0x1EE5B, 0x1EE5B}, {0x1EE5D, 0x1EE5D}, {0x1EE5F, 0x1EE5F},
  {0x1EE61, 0x1EE62}, {0x1EE64, 0x1EE64}, {0x1EE67, 0x1EE6A}, {0x1EE6C, 0x1EE72},
  {0x1EE74, 0x1EE77}, {0x1EE79, 0x1EE7C}, {0x1EE7E, 0x1EE7E}, {0x1EE80, 0x1EE89},
  {0x1EE8B, 0x1EE9B}, {0x1EEA1, 0x1EEA3}, {0x1EEA5, 0x1EEA9}, {0x1EEAB, 0x1EEBB},
  {0x1EEF0, 0x1EEF1}, {0x1F000, 0x1F02B}, {0x1F030, 0x1F093}, {0x1F0A0, 0x1F0AE},
  {0x1F0B1, 0x1F0BF}, {0x1F0C1, 0x1F0CF}, {0x1F0D1, 0x1F0F5}, {0x1F100, 0x1F1AD},
  {0x1F1E6, 0x1F202}, {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251},
  {0x1F260, 0x1F265}, {0x1F300, 0x1F6D7}, {0x1F6DC, 0x1F6EC}, {0x1F6F0, 0x1F6FC},
  {0x1F700, 0x1F776}, {0x1F77B, 0x1F7D9}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0},
  {0x1F800, 0x1F80B}, {0x1F810, 0x1F847}, {0x1F850, 0x1F859}, {0x1F860, 0x1F887},
  {0x1F890, 0x1F8AD}, {0x1F8B0, 0x1F8B1}, {0x1F900, 0x1FA53}, {0x1FA60, 0x1FA6D},
  {0x1FA70, 0x1FA7C}, {0x1FA80, 0x1FA88}, {0x1FA90, 0x1FABD}, {0x1FABF, 0x1FAC5},
  {0x1FACE, 0x1FADB}, {0x1FAE0, 0x1FAE8}, {0x1FAF0, 0x1FAF8}, {0x1FB00, 0x1FB92},
  {0x1FB94, 0x1FBCA}, {0x1FBF0, 0x1FBF9}, {0x20000, 0x2A6DF}, {0x2A700, 0x2B739},
  {0x2B740, 0x2B81D}, {0x2B820, 0x2CEA1}, {0x2CEB0, 0x2EBE0}, {0x2F800, 0x2FA1D},
  {0x30000, 0x3134A}, {0x31350, 0x323AF}, {0xE0100, 0xE01EF},
};
