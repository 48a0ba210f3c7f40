/* .dockerignore reading, patternmatcher's pattern language and the fsutil
 * walkers' use of it, and COPY source coverage.
 *
 * The pieces of Go this rests on are reimplemented here: utf8.DecodeRune,
 * strings.TrimSpace, filepath.Clean, filepath.Match, text/scanner's reading
 * of a pattern, and the subset of regexp/syntax (Perl flags) that
 * patternmatcher's regexp translation can produce. The translation is done
 * exactly as patternmatcher does it, text first; the text is then parsed as
 * Go would parse it, because what a pattern means is what Go's regexp makes
 * of that text (a '*' inside brackets ends the class early, "[Local-Only]" is
 * an invalid range, "\d" is a digit). The result runs as a Thompson NFA:
 * linear in the path, no backtracking. */
#include "ignore.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

#define RUNE_ERROR 0xFFFD
#define RUNE_MAX 0x10FFFF
#define NO_RUNE (-1) /* text start or end, for assertions */

/* bufio.Scanner's default MaxScanTokenSize: a longer line fails ReadAll. */
#define SCAN_MAX 65536

/* ---- Go primitives ------------------------------------------------------ */

/* utf8.DecodeRune: invalid or truncated input gives RUNE_ERROR, 1 byte. */
static size_t decode_rune(const char *p, size_t n, int32_t *r) {
  const unsigned char *s = (const unsigned char *)p;
  if (n == 0) {
    *r = RUNE_ERROR;
    return 0;
  }
  unsigned c = s[0];
  if (c < 0x80) {
    *r = (int32_t)c;
    return 1;
  }
  unsigned lo = 0x80, hi = 0xBF;
  size_t need;
  int32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
    v = (int32_t)(c & 0x1F);
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    v = (int32_t)(c & 0x0F);
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    v = (int32_t)(c & 0x07);
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    *r = RUNE_ERROR;
    return 1;
  }
  if (n < need || s[1] < lo || s[1] > hi) {
    *r = RUNE_ERROR;
    return 1;
  }
  for (size_t i = 1; i < need; i++) {
    if (i > 1 && (s[i] < 0x80 || s[i] > 0xBF)) {
      *r = RUNE_ERROR;
      return 1;
    }
    v = (v << 6) | (int32_t)(s[i] & 0x3F);
  }
  *r = v;
  return need;
}

/* Length of the unicode.IsSpace rune at the start (or end) of s[0..n), 0 if
 * none. Every such rune has a valid encoding, so matching the bytes is what
 * DecodeRune / DecodeLastRune would find. */
static const char *const WIDE_SPACES[] = {
    "\xC2\x85", "\xC2\xA0", "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82",
    "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86", "\xE2\x80\x87",
    "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9",
    "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};

static int ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static size_t space_at(const char *s, size_t n, int at_end) {
  if (n == 0) return 0;
  if (ascii_space(at_end ? s[n - 1] : s[0])) return 1;
  for (size_t i = 0; i < sizeof WIDE_SPACES / sizeof *WIDE_SPACES; i++) {
    size_t w = strlen(WIDE_SPACES[i]);
    if (w <= n && memcmp(at_end ? s + n - w : s, WIDE_SPACES[i], w) == 0) return w;
  }
  return 0;
}

/* strings.TrimSpace */
static void trim_space(const char **s, size_t *n) {
  size_t w;
  while ((w = space_at(*s, *n, 0)) != 0) {
    *s += w;
    *n -= w;
  }
  while ((w = space_at(*s, *n, 1)) != 0) *n -= w;
}

size_t sgi_path_clean(char *out, const char *in, size_t n) {
  if (n == 0) {
    memcpy(out, ".", 2);
    return 1;
  }
  int rooted = in[0] == '/';
  size_t r = 0, w = 0, dotdot = 0;
  if (rooted) {
    out[w++] = '/';
    r = dotdot = 1;
  }
  while (r < n) {
    if (in[r] == '/') {
      r++;
    } else if (in[r] == '.' && (r + 1 == n || in[r + 1] == '/')) {
      r++;
    } else if (in[r] == '.' && in[r + 1] == '.' && (r + 2 == n || in[r + 2] == '/')) {
      r += 2;
      if (w > dotdot) {
        w--;
        while (w > dotdot && out[w] != '/') w--;
      } else if (!rooted) {
        if (w > 0) out[w++] = '/';
        out[w++] = '.';
        out[w++] = '.';
        dotdot = w;
      }
    } else {
      if ((rooted && w != 1) || (!rooted && w != 0)) out[w++] = '/';
      for (; r < n && in[r] != '/'; r++) out[w++] = in[r];
    }
  }
  if (w == 0) out[w++] = '.';
  out[w] = '\0';
  return w;
}

/* ---- filepath.Match (Unix) ---------------------------------------------- */

typedef struct span {
  const char *s;
  size_t n;
} span;

/* One bracket-expression character, '\' escaping; -1 for ErrBadPattern. */
static int get_esc(span c, size_t *i, int32_t *r) {
  size_t k = *i;
  if (k >= c.n || c.s[k] == '-' || c.s[k] == ']') return -1;
  if (c.s[k] == '\\' && ++k >= c.n) return -1;
  size_t w = decode_rune(c.s + k, c.n - k, r);
  if (*r == RUNE_ERROR && w == 1) return -1;
  k += w;
  if (k >= c.n) return -1;
  *i = k;
  return 0;
}

/* Match one star-free chunk at the start of s: 1 (rest in *rest), 0, or -1
 * for a malformed chunk. After a mismatch the chunk is still read to the end
 * so that its syntax is checked, as Go does. */
static int match_chunk(span c, span s, span *rest) {
  int failed = 0;
  size_t ci = 0, si = 0;
  while (ci < c.n) {
    if (!failed && si == s.n) failed = 1;
    char ch = c.s[ci];
    if (ch == '[') {
      int32_t r = 0;
      if (!failed) si += decode_rune(s.s + si, s.n - si, &r);
      ci++;
      int negated = 0, match = 0;
      if (ci < c.n && c.s[ci] == '^') {
        negated = 1;
        ci++;
      }
      for (size_t nrange = 0;; nrange++) {
        if (ci < c.n && c.s[ci] == ']' && nrange > 0) {
          ci++;
          break;
        }
        int32_t lo, hi;
        if (get_esc(c, &ci, &lo) < 0) return -1;
        hi = lo;
        if (c.s[ci] == '-') {
          ci++;
          if (get_esc(c, &ci, &hi) < 0) return -1;
        }
        if (lo <= r && r <= hi) match = 1;
      }
      if (match == negated) failed = 1;
    } else if (ch == '?') {
      if (!failed) {
        int32_t r;
        if (s.s[si] == '/') failed = 1;
        si += decode_rune(s.s + si, s.n - si, &r);
      }
      ci++;
    } else {
      if (ch == '\\' && ++ci == c.n) return -1;
      if (!failed) {
        if (c.s[ci] != s.s[si]) failed = 1;
        si++;
      }
      ci++;
    }
  }
  if (failed) return 0;
  rest->s = s.s + si;
  rest->n = s.n - si;
  return 1;
}

/* Split off the leading stars and the chunk up to the next unbracketed '*'. */
static void scan_chunk(span *pat, int *star, span *chunk) {
  *star = 0;
  while (pat->n > 0 && pat->s[0] == '*') {
    pat->s++;
    pat->n--;
    *star = 1;
  }
  int inrange = 0;
  size_t i;
  for (i = 0; i < pat->n; i++) {
    char c = pat->s[i];
    if (c == '\\') {
      if (i + 1 < pat->n) i++;
    } else if (c == '[') {
      inrange = 1;
    } else if (c == ']') {
      inrange = 0;
    } else if (c == '*' && !inrange) {
      break;
    }
  }
  chunk->s = pat->s;
  chunk->n = i;
  pat->s += i;
  pat->n -= i;
}

/* filepath.Match: 1, 0, or -1 for ErrBadPattern. '*' and '?' never match
 * '/', a bracket expression can. Each star tries the positions up to the next
 * '/' once and commits, so the cost is O(len(pattern) * len(name)). */
static int go_match(span pat, span name) {
  while (pat.n > 0) {
    int star, ok;
    span chunk, t;
    scan_chunk(&pat, &star, &chunk);
    if (star && chunk.n == 0) return memchr(name.s, '/', name.n) == NULL;
    ok = match_chunk(chunk, name, &t);
    if (ok == 1 && (t.n == 0 || pat.n > 0)) {
      name = t;
      continue;
    }
    if (ok < 0) return -1;
    if (star) {
      int found = 0;
      for (size_t i = 0; i < name.n && name.s[i] != '/'; i++) {
        span rest = {name.s + i + 1, name.n - i - 1};
        ok = match_chunk(chunk, rest, &t);
        if (ok == 1) {
          if (pat.n == 0 && t.n > 0) continue;
          name = t;
          found = 1;
          break;
        }
        if (ok < 0) return -1;
      }
      if (found) continue;
    }
    /* No match; the rest of the pattern must still be well formed. */
    static const span empty = {"", 0};
    while (pat.n > 0) {
      scan_chunk(&pat, &star, &chunk);
      if (match_chunk(chunk, empty, &t) < 0) return -1;
    }
    return 0;
  }
  return name.n == 0;
}

/* ---- compiled patterns ---------------------------------------------------- */

enum { OP_MATCH, OP_CLASS, OP_ANY_NOT_NL, OP_EMPTY, OP_SPLIT, OP_JMP };
enum { EMPTY_BEGIN_TEXT = 1, EMPTY_END_TEXT, EMPTY_WORD_BOUNDARY, EMPTY_NOT_WORD_BOUNDARY };

/* Go's regexp refuses a program over 128 MiB of its 40-byte instructions
 * ("expression too large"); the same count of ours is the limit here, and
 * bracket ranges are capped like Go's rune budget. Both only matter for
 * patterns stacking many "{1000}" (a '{' the translation leaves raw). */
#define RX_MAX_INST ((128u << 20) / 40u)
#define RX_MAX_RANGES ((128u << 20) / 8u)
#define NIL32 UINT32_MAX

typedef struct rrange {
  int32_t lo, hi;
} rrange;

typedef struct sgi_inst {
  unsigned char op;
  unsigned char arg;   /* OP_EMPTY: EMPTY_*; OP_CLASS: 1 when negated */
  uint32_t out, out1;  /* next instruction; OP_SPLIT's second one */
  uint32_t lo, n;      /* OP_CLASS: ranges[lo .. lo + n), sorted, disjoint */
} sgi_inst;

typedef struct sgi_pattern {
  const char *text; /* cleaned, without '!', NUL-terminated */
  size_t len;
  int exclusion;
  sgi_match_kind kind;
  int usable;
  uint32_t line;
  size_t source;
  const sgi_inst *inst; /* SGI_MATCH_REGEX and usable; starts at 0 */
  size_t ninst;
  const rrange *ranges;
  int anchored; /* the program starts with a begin-text assertion */
} sgi_pattern;

struct sgi_patterns {
  sgi_mem mem;
  sgi_arena arena;
  sgi_pattern *items;
  size_t n;
  int exclusions;
  // fsutil's onlyPrefixExcludeExceptions: every exception is a plain path
  // once a trailing "/**" or "/*" is cut.
  int prefix_exceptions;
  size_t max_inst;
};

/* ---- growable arrays ------------------------------------------------------ */

static int reserve(const sgi_mem *mem, void **ptr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 16, bytes;
  while (c < need) c = c > (size_t)-1 / 2 ? need : c * 2;
  if (!sgi_mul_ok(c, elem, &bytes)) return STAGEGRAPH_ENOMEM;
  void *p = sgi_realloc(mem, *ptr, bytes);
  if (!p) return STAGEGRAPH_ENOMEM;
  *ptr = p;
  *cap = c;
  return 0;
}

/* Scratch shared by all patterns of one compile call. */
typedef struct builder {
  const sgi_mem *mem;
  char *tmp_a, *tmp_b; /* room for the longest input + 3 */
  int32_t *re; /* the regexp text as runes */
  size_t nre, cap_re;
  sgi_inst *inst;
  size_t ninst, cap_inst;
  rrange *ranges;
  size_t nranges, cap_ranges;
  rrange *cls; /* the bracket expression being read */
  size_t ncls, cap_cls;
  unsigned char *exits; /* marks while copying a fragment */
  size_t cap_exits;
} builder;

static void builder_free(builder *b) {
  sgi_free(b->mem, b->tmp_a);
  sgi_free(b->mem, b->tmp_b);
  sgi_free(b->mem, b->re);
  sgi_free(b->mem, b->inst);
  sgi_free(b->mem, b->ranges);
  sgi_free(b->mem, b->cls);
  sgi_free(b->mem, b->exits);
}

/* ---- patternmatcher's translation ------------------------------------------ */

static int push_rune(builder *b, int32_t r) {
  if (reserve(b->mem, (void **)&b->re, &b->cap_re, b->nre + 1, sizeof *b->re))
    return STAGEGRAPH_ENOMEM;
  b->re[b->nre++] = r;
  return 0;
}

static int push_ascii(builder *b, const char *s) {
  for (; *s; s++)
    if (push_rune(b, (unsigned char)*s)) return STAGEGRAPH_ENOMEM;
  return 0;
}

// Build the regexp text for a cleaned pattern into b->re and choose the
// match type, as Pattern.compile does. text/scanner reads the pattern as runes
// (a leading BOM skipped, invalid bytes as U+FFFD). "*" becomes "[^/]*", "?"
// "[^/]", "**" or "**/" "(.*/)?" and a final "**" ".*"; a '\\' escape is
// kept and everything else is copied. patternmatcher means to escape
// ". + ( ) | { } $", but its bitmap ([8]byte, bit c/8 of byte c%8) cannot
// hold a character from '@' up, so '|', '{' and '}' reach the regexp raw:
// "a|b*" is an alternation, "a{2}" a counted repetition.
static int translate(builder *b, const char *p, size_t n, sgi_match_kind *kind) {
  size_t i = 0;
  int32_t ch, nx;
  b->nre = 0;
  *kind = SGI_MATCH_EXACT;
  size_t w = decode_rune(p, n, &nx);
  if (n > 0 && nx == 0xFEFF) i += w;
  int rc = push_rune(b, '^');
  for (size_t iter = 0; i < n && !rc; iter++) {
    i += decode_rune(p + i, n - i, &ch);
    w = decode_rune(p + i, n - i, &nx);
    if (ch == '*') {
      if (i < n && nx == '*') {
        i += w;
        w = decode_rune(p + i, n - i, &nx);
        if (i < n && nx == '/') i += w;
        if (i == n) {
          if (*kind == SGI_MATCH_EXACT) {
            *kind = SGI_MATCH_PREFIX;
          } else {
            rc = push_ascii(b, ".*");
            *kind = SGI_MATCH_REGEX;
          }
        } else {
          rc = push_ascii(b, "(.*/)?");
          *kind = SGI_MATCH_REGEX;
        }
        if (iter == 0) *kind = SGI_MATCH_SUFFIX;
      } else {
        rc = push_ascii(b, "[^/]*");
        *kind = SGI_MATCH_REGEX;
      }
    } else if (ch == '?') {
      rc = push_ascii(b, "[^/]");
      *kind = SGI_MATCH_REGEX;
    } else if (ch == '.' || ch == '+' || ch == '(' || ch == ')' || ch == '$') {
      rc = push_rune(b, '\\') || push_rune(b, ch);
    } else if (ch == '\\') {
      rc = push_rune(b, '\\');
      if (!rc && i < n) {
        i += w;
        rc = push_rune(b, nx);
        *kind = SGI_MATCH_REGEX;
      }
    } else if (ch == '[' || ch == ']') {
      rc = push_rune(b, ch);
      *kind = SGI_MATCH_REGEX;
    } else {
      rc = push_rune(b, ch);
    }
  }
  if (!rc) rc = push_rune(b, '$');
  return rc ? STAGEGRAPH_ENOMEM : 0;
}

/* ---- Go regexp syntax (Perl flags) to an NFA ------------------------------ */

/* Parser state over b->re. `rc` is sticky: 0, RX_BAD (Go would reject the
 * expression, or it uses \p / \P, which are not implemented) or ENOMEM. */
enum { RX_BAD = 1, RX_MAX_DEPTH = 1000, RX_MAX_REPEAT = 1000 };

typedef struct rparser {
  builder *b;
  size_t i;
  int rc;
} rparser;

/* A piece of program: its entry and the list of its unpatched exits, each
 * (pc << 1 | second slot), linked through the slots themselves. */
typedef struct frag {
  uint32_t start, out;
} frag;

static const frag NO_FRAG = {NIL32, NIL32};

static int bad(rparser *ps) {
  if (!ps->rc) ps->rc = RX_BAD;
  return -1;
}

static uint32_t emit(rparser *ps, int op, int arg, uint32_t lo, uint32_t n) {
  builder *b = ps->b;
  if (ps->rc) return NIL32;
  if (b->ninst >= RX_MAX_INST) {
    bad(ps);
    return NIL32;
  }
  if (reserve(b->mem, (void **)&b->inst, &b->cap_inst, b->ninst + 1, sizeof *b->inst)) {
    ps->rc = STAGEGRAPH_ENOMEM;
    return NIL32;
  }
  sgi_inst *in = &b->inst[b->ninst];
  in->op = (unsigned char)op;
  in->arg = (unsigned char)arg;
  in->out = in->out1 = NIL32;
  in->lo = lo;
  in->n = n;
  return (uint32_t)b->ninst++;
}

static uint32_t *exit_slot(builder *b, uint32_t e) {
  sgi_inst *in = &b->inst[e >> 1];
  return (e & 1) ? &in->out1 : &in->out;
}

static void patch(builder *b, uint32_t list, uint32_t to) {
  while (list != NIL32) {
    uint32_t *slot = exit_slot(b, list);
    list = *slot;
    *slot = to;
  }
}

static uint32_t join_exits(builder *b, uint32_t l1, uint32_t l2) {
  if (l1 == NIL32) return l2;
  uint32_t e = l1;
  for (;;) {
    uint32_t *slot = exit_slot(b, e);
    if (*slot == NIL32) {
      *slot = l2;
      return l1;
    }
    e = *slot;
  }
}

static frag atom(rparser *ps, int op, int arg, uint32_t lo, uint32_t n) {
  uint32_t pc = emit(ps, op, arg, lo, n);
  frag f = {pc, pc == NIL32 ? NIL32 : pc << 1};
  return f;
}

static frag cat(rparser *ps, frag a, frag c) {
  if (ps->rc) return NO_FRAG;
  patch(ps->b, a.out, c.start);
  frag f = {a.start, c.out};
  return f;
}

static frag alt(rparser *ps, frag a, frag c) {
  uint32_t pc = emit(ps, OP_SPLIT, 0, 0, 0);
  if (ps->rc) return NO_FRAG;
  ps->b->inst[pc].out = a.start;
  ps->b->inst[pc].out1 = c.start;
  frag f = {pc, join_exits(ps->b, a.out, c.out)};
  return f;
}

/* x* x+ x? (greedy or not: the same language). */
static frag repeat(rparser *ps, frag f, int32_t op) {
  uint32_t pc = emit(ps, OP_SPLIT, 0, 0, 0);
  if (ps->rc) return NO_FRAG;
  builder *b = ps->b;
  b->inst[pc].out = f.start;
  if (op == '*') {
    patch(b, f.out, pc);
    f.start = pc;
    f.out = pc << 1 | 1;
  } else if (op == '+') {
    patch(b, f.out, pc);
    f.out = pc << 1 | 1;
  } else {
    f.start = pc;
    f.out = join_exits(b, f.out, pc << 1 | 1);
  }
  return f;
}

/* Mark which slots of inst[first .. end) are on f's exit list: those hold
 * links to other exits, the rest jumps inside the fragment. */
static int mark_exits(rparser *ps, frag f, uint32_t first, uint32_t end) {
  builder *b = ps->b;
  size_t n = (size_t)(end - first) * 2;
  if (reserve(b->mem, (void **)&b->exits, &b->cap_exits, n, 1)) {
    ps->rc = STAGEGRAPH_ENOMEM;
    return -1;
  }
  memset(b->exits, 0, n);
  for (uint32_t e = f.out; e != NIL32; e = *exit_slot(b, e)) b->exits[e - 2 * first] = 1;
  return 0;
}

/* A copy of fragment f (instructions inst[first .. end), exits marked),
 * appended to the program. */
static frag copy_frag(rparser *ps, frag f, uint32_t first, uint32_t end) {
  builder *b = ps->b;
  uint32_t len = end - first, off = (uint32_t)b->ninst - first;
  if (ps->rc) return NO_FRAG;
  if (reserve(b->mem, (void **)&b->inst, &b->cap_inst, b->ninst + len, sizeof *b->inst)) {
    ps->rc = STAGEGRAPH_ENOMEM;
    return NO_FRAG;
  }
  for (uint32_t k = 0; k < len; k++) {
    sgi_inst in = b->inst[first + k];
    if (in.out != NIL32) in.out += b->exits[2 * k] ? 2 * off : off;
    if (in.out1 != NIL32) in.out1 += b->exits[2 * k + 1] ? 2 * off : off;
    b->inst[b->ninst + k] = in;
  }
  b->ninst += len;
  frag c = {f.start + off, f.out == NIL32 ? NIL32 : f.out + 2 * off};
  return c;
}

/* x{min,max} (max -1: no upper bound) as Go expands it: min copies, then
 * x* or max - min optional copies. The original range is copied before it
 * is wrapped. */
static frag counted(rparser *ps, frag f, uint32_t first, int min, int max) {
  uint32_t end = (uint32_t)ps->b->ninst;
  int total = max < 0 ? (min > 1 ? min : 1) : max;
  if (max == 0) return atom(ps, OP_JMP, 0, 0, 0); /* x{0}: matches empty */
  /* The copies and their splits, checked against the limit before any is made. */
  if ((size_t)(end - first + 1) * (size_t)total > RX_MAX_INST - ps->b->ninst) {
    bad(ps);
    return NO_FRAG;
  }
  if (total > 1 && mark_exits(ps, f, first, end)) return NO_FRAG;
  frag chain = NO_FRAG;
  for (int k = 1; k < total && !ps->rc; k++) {
    frag c = copy_frag(ps, f, first, end);
    if (max < 0 && k == total - 1) {
      c = repeat(ps, c, '+');
    } else if (k >= min) {
      c = repeat(ps, c, '?');
    }
    chain = k == 1 ? c : cat(ps, chain, c);
  }
  if (max < 0 && total == 1) {
    f = repeat(ps, f, min == 0 ? '*' : '+');
  } else if (min == 0) {
    f = repeat(ps, f, '?');
  }
  return total > 1 ? cat(ps, f, chain) : f;
}

/* A sequence being parsed: everything before the last atom, and that atom
 * (kept apart because a repetition operator applies to it alone), whose
 * instructions start at last_first. */
typedef struct seq {
  frag head, last;
  int has_head, has_last;
  uint32_t last_first;
} seq;

static void seq_push(rparser *ps, seq *s, frag f, size_t first) {
  if (s->has_last) {
    s->head = s->has_head ? cat(ps, s->head, s->last) : s->last;
    s->has_head = 1;
  }
  s->last = f;
  s->has_last = 1;
  s->last_first = (uint32_t)first;
}

static frag seq_end(rparser *ps, seq *s) {
  if (!s->has_last) return atom(ps, OP_JMP, 0, 0, 0); /* empty: a no-op */
  return s->has_head ? cat(ps, s->head, s->last) : s->last;
}

static int add_range(rparser *ps, int32_t lo, int32_t hi) {
  builder *b = ps->b;
  if (reserve(b->mem, (void **)&b->cls, &b->cap_cls, b->ncls + 1, sizeof *b->cls)) {
    ps->rc = STAGEGRAPH_ENOMEM;
    return -1;
  }
  b->cls[b->ncls].lo = lo;
  b->cls[b->ncls].hi = hi;
  b->ncls++;
  return 0;
}

/* Add a group, or everything outside it (its ranges are sorted). */
static int add_group(rparser *ps, const rrange *g, size_t n, int negated) {
  int32_t next = 0;
  for (size_t k = 0; k < n; k++) {
    if (!negated) {
      if (add_range(ps, g[k].lo, g[k].hi)) return -1;
    } else {
      if (g[k].lo > next && add_range(ps, next, g[k].lo - 1)) return -1;
      next = g[k].hi + 1;
    }
  }
  if (negated && next <= RUNE_MAX && add_range(ps, next, RUNE_MAX)) return -1;
  return 0;
}

static int cmp_range(const void *a, const void *c) {
  const rrange *x = a, *y = c;
  return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Turn b->cls into a class instruction (sorted, merged ranges). */
static frag class_atom(rparser *ps, int negated) {
  builder *b = ps->b;
  if (ps->rc) return NO_FRAG;
  if (b->ncls > 1) qsort(b->cls, b->ncls, sizeof *b->cls, cmp_range);
  size_t first = b->nranges;
  for (size_t k = 0; k < b->ncls; k++) {
    rrange r = b->cls[k];
    if (b->nranges > first && r.lo <= b->ranges[b->nranges - 1].hi + 1) {
      if (r.hi > b->ranges[b->nranges - 1].hi) b->ranges[b->nranges - 1].hi = r.hi;
      continue;
    }
    if (b->nranges >= RX_MAX_RANGES) {
      bad(ps);
      return NO_FRAG;
    }
    if (reserve(b->mem, (void **)&b->ranges, &b->cap_ranges, b->nranges + 1, sizeof *b->ranges)) {
      ps->rc = STAGEGRAPH_ENOMEM;
      return NO_FRAG;
    }
    b->ranges[b->nranges++] = r;
  }
  b->ncls = 0;
  return atom(ps, OP_CLASS, negated, (uint32_t)first, (uint32_t)(b->nranges - first));
}

static frag literal(rparser *ps, int32_t r) {
  ps->b->ncls = 0;
  if (add_range(ps, r, r)) return NO_FRAG;
  return class_atom(ps, 0);
}

static const rrange G_DIGIT[] = {{'0', '9'}};
static const rrange G_SPACE_PERL[] = {{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}};
static const rrange G_WORD[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
static const rrange G_ALNUM[] = {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}};
static const rrange G_ALPHA[] = {{'A', 'Z'}, {'a', 'z'}};
static const rrange G_ASCII[] = {{0, 0x7F}};
static const rrange G_BLANK[] = {{'\t', '\t'}, {' ', ' '}};
static const rrange G_CNTRL[] = {{0, 0x1F}, {0x7F, 0x7F}};
static const rrange G_GRAPH[] = {{'!', '~'}};
static const rrange G_LOWER[] = {{'a', 'z'}};
static const rrange G_PRINT[] = {{' ', '~'}};
static const rrange G_PUNCT[] = {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}};
static const rrange G_SPACE[] = {{'\t', '\r'}, {' ', ' '}};
static const rrange G_UPPER[] = {{'A', 'Z'}};
static const rrange G_XDIGIT[] = {{'0', '9'}, {'A', 'F'}, {'a', 'f'}};

typedef struct group {
  const char *name;
  const rrange *r;
  size_t n;
} group;

#define GROUP(name, g) {name, g, sizeof g / sizeof *g}
static const group POSIX_GROUPS[] = {
    GROUP("alnum", G_ALNUM), GROUP("alpha", G_ALPHA), GROUP("ascii", G_ASCII),
    GROUP("blank", G_BLANK), GROUP("cntrl", G_CNTRL), GROUP("digit", G_DIGIT),
    GROUP("graph", G_GRAPH), GROUP("lower", G_LOWER), GROUP("print", G_PRINT),
    GROUP("punct", G_PUNCT), GROUP("space", G_SPACE), GROUP("upper", G_UPPER),
    GROUP("word", G_WORD),   GROUP("xdigit", G_XDIGIT)};
static const group PERL_GROUPS[] = {GROUP("d", G_DIGIT), GROUP("s", G_SPACE_PERL),
                                    GROUP("w", G_WORD)};
#undef GROUP

/* "\d" "\s" "\w" and their upper-case negations at re[i]; 1 when added. */
static int perl_group(rparser *ps) {
  const builder *b = ps->b;
  if (b->nre - ps->i < 2 || b->re[ps->i] != '\\') return 0;
  int32_t c = b->re[ps->i + 1];
  int negated = c == 'D' || c == 'S' || c == 'W';
  if (negated) c += 'a' - 'A';
  for (size_t k = 0; k < sizeof PERL_GROUPS / sizeof *PERL_GROUPS; k++) {
    if (c == PERL_GROUPS[k].name[0]) {
      ps->i += 2;
      return add_group(ps, PERL_GROUPS[k].r, PERL_GROUPS[k].n, negated) ? -1 : 1;
    }
  }
  return 0;
}

static int is_alnum(int32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int unhex(int32_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A single-character escape at re[i] == '\\' (regexp/syntax parseEscape). */
static int parse_escape(rparser *ps, int32_t *r) {
  const builder *b = ps->b;
  const int32_t *re = b->re;
  size_t n = b->nre;
  if (++ps->i >= n) return bad(ps); /* trailing backslash */
  int32_t c = re[ps->i++];
  if (c < 0x80 && !is_alnum(c)) {
    *r = c;
    return 0;
  }
  switch (c) {
  case '1': case '2': case '3': case '4': case '5': case '6': case '7':
    if (ps->i >= n || re[ps->i] < '0' || re[ps->i] > '7') return bad(ps); /* backreference */
    /* fall through */
  case '0':
    *r = c - '0';
    for (int k = 1; k < 3 && ps->i < n && re[ps->i] >= '0' && re[ps->i] <= '7'; k++)
      *r = *r * 8 + (re[ps->i++] - '0');
    return 0;
  case 'x': {
    if (ps->i >= n) return bad(ps);
    c = re[ps->i++];
    if (c == '{') {
      int32_t v = 0;
      size_t digits = 0;
      for (;;) {
        if (ps->i >= n) return bad(ps);
        c = re[ps->i++];
        if (c == '}') break;
        int d = unhex(c);
        if (d < 0) return bad(ps);
        v = v * 16 + d;
        if (v > RUNE_MAX) return bad(ps);
        digits++;
      }
      if (digits == 0) return bad(ps);
      *r = v;
      return 0;
    }
    int x = unhex(c), y = ps->i < n ? unhex(re[ps->i++]) : -1;
    if (x < 0 || y < 0) return bad(ps);
    *r = x * 16 + y;
    return 0;
  }
  case 'a': *r = '\a'; return 0;
  case 'f': *r = '\f'; return 0;
  case 'n': *r = '\n'; return 0;
  case 'r': *r = '\r'; return 0;
  case 't': *r = '\t'; return 0;
  case 'v': *r = '\v'; return 0;
  default: return bad(ps);
  }
}

static int class_char(rparser *ps, int32_t *r) {
  const builder *b = ps->b;
  if (ps->i >= b->nre) return bad(ps); /* missing closing ] */
  if (b->re[ps->i] == '\\') return parse_escape(ps, r);
  *r = b->re[ps->i++];
  return 0;
}

/* "[:name:]" or "[:^name:]" at re[i]; 1 when added, 0 when there is no
 * ":]" anywhere after it (then '[' is an ordinary character). */
static int posix_group(rparser *ps) {
  const builder *b = ps->b;
  const int32_t *re = b->re;
  size_t start = ps->i, end;
  for (end = start + 2; end + 1 < b->nre; end++)
    if (re[end] == ':' && re[end + 1] == ']') break;
  if (end + 1 >= b->nre) return 0;
  size_t k = start + 2;
  int negated = k < end && re[k] == '^';
  if (negated) k++;
  for (size_t g = 0; g < sizeof POSIX_GROUPS / sizeof *POSIX_GROUPS; g++) {
    const char *name = POSIX_GROUPS[g].name;
    size_t len = strlen(name), j;
    if (len != end - k) continue;
    for (j = 0; j < len && re[k + j] == (unsigned char)name[j]; j++) continue;
    if (j < len) continue;
    ps->i = end + 2;
    return add_group(ps, POSIX_GROUPS[g].r, POSIX_GROUPS[g].n, negated) ? -1 : 1;
  }
  return bad(ps); /* unknown class name */
}

/* A bracket expression at re[i] == '[' (regexp/syntax parseClass, Perl
 * flags: '-' is literal first or last, ']' literal first, ranges checked). */
static frag parse_class(rparser *ps) {
  const builder *b = ps->b;
  const int32_t *re = b->re;
  int negated = 0, first = 1;
  ps->b->ncls = 0;
  ps->i++;
  if (ps->i < b->nre && re[ps->i] == '^') {
    negated = 1;
    ps->i++;
  }
  while (ps->i >= b->nre || re[ps->i] != ']' || first) {
    first = 0;
    size_t left = b->nre - ps->i;
    if (left > 2 && re[ps->i] == '[' && re[ps->i + 1] == ':') {
      int got = posix_group(ps);
      if (got < 0) return NO_FRAG;
      if (got) continue;
    }
    if (left >= 2 && re[ps->i] == '\\' && (re[ps->i + 1] == 'p' || re[ps->i + 1] == 'P')) {
      bad(ps); /* Unicode classes: not implemented */
      return NO_FRAG;
    }
    int got = perl_group(ps);
    if (got < 0) return NO_FRAG;
    if (got) continue;
    int32_t lo, hi;
    if (class_char(ps, &lo)) return NO_FRAG;
    hi = lo;
    if (b->nre - ps->i >= 2 && re[ps->i] == '-' && re[ps->i + 1] != ']') {
      ps->i++;
      if (class_char(ps, &hi)) return NO_FRAG;
      if (hi < lo) {
        bad(ps);
        return NO_FRAG;
      }
    }
    if (add_range(ps, lo, hi)) return NO_FRAG;
  }
  ps->i++;
  return class_atom(ps, negated);
}

/* regexp/syntax parseInt: decimal without leading zeros; -1 when huge. */
static int parse_count(const rparser *ps, size_t *k, int *v) {
  const int32_t *re = ps->b->re;
  size_t n = ps->b->nre, at = *k;
  if (at >= n || re[at] < '0' || re[at] > '9') return 0;
  if (at + 1 < n && re[at] == '0' && re[at + 1] >= '0' && re[at + 1] <= '9') return 0;
  long val = 0;
  for (; at < n && re[at] >= '0' && re[at] <= '9'; at++)
    if (val >= 0) val = val >= 100000000 ? -1 : val * 10 + (re[at] - '0');
  *v = (int)val;
  *k = at;
  return 1;
}

/* "{n}", "{n,}" or "{n,m}" at re[i] (regexp/syntax parseRepeat): 1 with the
 * bounds (max -1 when open) and *after past the '}', 0 when '{' is a literal. */
static int parse_counts(const rparser *ps, int *min, int *max, size_t *after) {
  const int32_t *re = ps->b->re;
  size_t n = ps->b->nre, k = ps->i + 1;
  if (!parse_count(ps, &k, min) || k >= n) return 0;
  if (re[k] != ',') {
    *max = *min;
  } else {
    k++;
    if (k >= n) return 0;
    if (re[k] == '}') {
      *max = -1;
    } else if (!parse_count(ps, &k, max)) {
      return 0;
    } else if (*max < 0) {
      *min = -1;
    }
  }
  if (k >= n || re[k] != '}') return 0;
  *after = k + 1;
  return 1;
}

static int parse_alt(rparser *ps, unsigned depth, frag *out);

/* A repetition operator at re[i] applied to the last atom. */
static int parse_repeat(rparser *ps, seq *s, int *after_repeat) {
  const int32_t *re = ps->b->re;
  size_t n = ps->b->nre;
  int32_t c = re[ps->i];
  int min = 0, max = 0;
  if (c == '{') {
    size_t after;
    parse_counts(ps, &min, &max, &after);
    if (min < 0 || min > RX_MAX_REPEAT || max > RX_MAX_REPEAT || (max >= 0 && min > max))
      return bad(ps); /* invalid repeat count */
    ps->i = after;
  } else {
    ps->i++;
  }
  if (ps->i < n && re[ps->i] == '?') ps->i++; /* non-greedy: the same language */
  if (*after_repeat || !s->has_last) return bad(ps); /* nested, or missing argument */
  s->last = c == '{' ? counted(ps, s->last, s->last_first, min, max) : repeat(ps, s->last, c);
  *after_repeat = 1;
  return ps->rc ? -1 : 0;
}

/* One step of a sequence at re[i]: an atom, a group, "\Q...\E", or a
 * repetition of the last atom. */
static int parse_item(rparser *ps, unsigned depth, seq *s, int *after_repeat) {
  const builder *b = ps->b;
  const int32_t *re = b->re;
  size_t n = b->nre, first = b->ninst;
  int32_t c = re[ps->i];
  int min, max;
  size_t after;
  if (c == '*' || c == '+' || c == '?' || (c == '{' && parse_counts(ps, &min, &max, &after)))
    return parse_repeat(ps, s, after_repeat);
  *after_repeat = 0;
  switch (c) {
  case '(': {
    frag inner;
    if (ps->i + 1 < n && re[ps->i + 1] == '?') return bad(ps); /* flags, named groups */
    if (depth >= RX_MAX_DEPTH) return bad(ps);
    ps->i++;
    if (parse_alt(ps, depth + 1, &inner)) return -1;
    if (ps->i >= n) return bad(ps); /* missing ) */
    ps->i++;
    seq_push(ps, s, inner, first);
    break;
  }
  case '^': ps->i++; seq_push(ps, s, atom(ps, OP_EMPTY, EMPTY_BEGIN_TEXT, 0, 0), first); break;
  case '$': ps->i++; seq_push(ps, s, atom(ps, OP_EMPTY, EMPTY_END_TEXT, 0, 0), first); break;
  case '.': ps->i++; seq_push(ps, s, atom(ps, OP_ANY_NOT_NL, 0, 0, 0), first); break;
  case '[': seq_push(ps, s, parse_class(ps), first); break;
  case '\\': {
    int32_t e = ps->i + 1 < n ? re[ps->i + 1] : 0;
    int empty = e == 'A' ? EMPTY_BEGIN_TEXT
                : e == 'z' ? EMPTY_END_TEXT
                : e == 'b' ? EMPTY_WORD_BOUNDARY
                : e == 'B' ? EMPTY_NOT_WORD_BOUNDARY
                           : 0;
    if (empty) {
      ps->i += 2;
      seq_push(ps, s, atom(ps, OP_EMPTY, empty, 0, 0), first);
    } else if (e == 'Q') { /* literal text up to "\E" or the end */
      for (ps->i += 2; ps->i < n && !ps->rc; ps->i++) {
        if (re[ps->i] == '\\' && ps->i + 1 < n && re[ps->i + 1] == 'E') {
          ps->i += 2;
          break;
        }
        size_t at = b->ninst;
        seq_push(ps, s, literal(ps, re[ps->i]), at);
      }
    } else if (e == 'C' || e == 'p' || e == 'P') {
      return bad(ps); /* \C is rejected by Go; Unicode classes not implemented */
    } else {
      ps->b->ncls = 0;
      int got = perl_group(ps);
      if (got > 0) {
        seq_push(ps, s, class_atom(ps, 0), first);
      } else if (got == 0) {
        int32_t r;
        if (parse_escape(ps, &r)) return -1;
        seq_push(ps, s, literal(ps, r), first);
      }
    }
    break;
  }
  default: ps->i++; seq_push(ps, s, literal(ps, c), first); break;
  }
  return ps->rc ? -1 : 0;
}

/* A sequence up to the end, '|', or ')' (left unread) inside a group. */
static int parse_seq(rparser *ps, unsigned depth, frag *out) {
  seq s = {NO_FRAG, NO_FRAG, 0, 0, 0};
  int after_repeat = 0;
  while (ps->i < ps->b->nre && !ps->rc) {
    int32_t c = ps->b->re[ps->i];
    if (c == '|') break;
    if (c == ')') {
      if (depth == 0) return bad(ps); /* unexpected ) */
      break;
    }
    if (parse_item(ps, depth, &s, &after_repeat)) return -1;
  }
  *out = seq_end(ps, &s);
  return ps->rc ? -1 : 0;
}

/* Alternatives separated by '|' (the '|' the translation leaves raw). */
static int parse_alt(rparser *ps, unsigned depth, frag *out) {
  if (parse_seq(ps, depth, out)) return -1;
  while (ps->i < ps->b->nre && ps->b->re[ps->i] == '|') {
    frag next;
    ps->i++;
    if (parse_seq(ps, depth, &next)) return -1;
    *out = alt(ps, *out, next);
  }
  return ps->rc ? -1 : 0;
}

/* Compile b->re into b->inst / b->ranges: 0, RX_BAD or ENOMEM. */
static int compile_regex(builder *b, uint32_t *start) {
  rparser ps = {b, 0, 0};
  frag f;
  b->ninst = b->nranges = b->ncls = 0;
  if (parse_alt(&ps, 0, &f) == 0) {
    uint32_t m = emit(&ps, OP_MATCH, 0, 0, 0);
    if (!ps.rc) {
      patch(b, f.out, m);
      *start = f.start;
    }
  }
  return ps.rc;
}

/* ---- building a list (patternmatcher.New) -------------------------------- */

static int store_regex(sgi_patterns *p, builder *b, sgi_pattern *pt) {
  uint32_t start = 0;
  int rc = compile_regex(b, &start);
  if (rc == RX_BAD) return 0; /* usable stays 0 */
  if (rc) return rc;
  size_t bytes;
  if (!sgi_mul_ok(b->ninst, sizeof *b->inst, &bytes)) return STAGEGRAPH_ENOMEM;
  sgi_inst *inst = sgi_arena_alloc(&p->arena, bytes);
  rrange *ranges = sgi_arena_calloc(&p->arena, b->nranges ? b->nranges : 1, sizeof *ranges);
  if (!inst || !ranges) return STAGEGRAPH_ENOMEM;
  /* Swap instructions 0 and start: the runner begins at 0. */
  for (size_t k = 0; k < b->ninst; k++) {
    sgi_inst in = b->inst[k];
#define MOVE(x) ((x) == start ? 0 : (x) == 0 ? start : (x))
    if (in.out != NIL32) in.out = MOVE(in.out);
    if (in.out1 != NIL32) in.out1 = MOVE(in.out1);
    inst[MOVE(k)] = in;
#undef MOVE
  }
  if (b->nranges) memcpy(ranges, b->ranges, b->nranges * sizeof *ranges);
  pt->inst = inst;
  pt->ninst = b->ninst;
  pt->ranges = ranges;
  pt->anchored = inst[0].op == OP_EMPTY && inst[0].arg == EMPTY_BEGIN_TEXT;
  pt->usable = 1;
  if (b->ninst > p->max_inst) p->max_inst = b->ninst;
  return 0;
}

// fsutil's patternWithoutTrailingGlob: the length once "/**" and then "/*"
// are cut from the end.
static size_t without_trailing_glob(const char *s, size_t n) {
  if (n >= 3 && memcmp(s + n - 3, "/**", 3) == 0) n -= 3;
  if (n >= 2 && memcmp(s + n - 2, "/*", 2) == 0) n -= 2;
  return n;
}

/* One pattern through New: trim, skip blank, clean, '!', syntax check with
 * filepath.Match(p, "."), match type and program. */
static int add_pattern(sgi_patterns *p, builder *b, const char *s, size_t n, uint32_t line,
                       size_t source, const sgi_pos *pos, stagegraph_error *err) {
  trim_space(&s, &n);
  if (n == 0) return 0;
  size_t len = sgi_path_clean(b->tmp_b, s, n);
  const char *t = b->tmp_b;
  int exclusion = 0;
  if (t[0] == '!') {
    if (len == 1)
      return sgi_error_set(err, STAGEGRAPH_ESYNTAX, pos, "illegal exclusion pattern: \"!\"");
    exclusion = 1;
    t++;
    len--;
  }
  span pat = {t, len}, dot = {".", 1};
  if (go_match(pat, dot) < 0)
    return sgi_error_set(err, STAGEGRAPH_ESYNTAX, pos, "syntax error in pattern");
  sgi_pattern *pt = &p->items[p->n];
  memset(pt, 0, sizeof *pt);
  char *text = sgi_arena_strndup(&p->arena, t, len);
  if (!text) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  pt->text = text;
  pt->len = len;
  pt->exclusion = exclusion;
  pt->line = line;
  pt->source = source;
  pt->usable = 1;
  if (translate(b, t, len, &pt->kind))
    return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  if (pt->kind == SGI_MATCH_REGEX) {
    pt->usable = 0;
    if (store_regex(p, b, pt)) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  }
  if (exclusion) {
    p->exclusions = 1;
    size_t plain = without_trailing_glob(text, len);
    for (size_t k = 0; k < plain; k++)
      if (memchr("*[]?^\\", text[k], 6)) p->prefix_exceptions = 0;
  }
  p->n++;
  return 0;
}

static int list_new(sgi_patterns **out, const sgi_mem *mem, size_t cap, builder *b,
                    size_t tmp_len, stagegraph_error *err) {
  memset(b, 0, sizeof *b);
  b->mem = mem;
  sgi_patterns *p = sgi_malloc(mem, sizeof *p);
  if (!p) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  memset(p, 0, sizeof *p);
  p->mem = *mem;
  p->prefix_exceptions = 1;
  sgi_arena_init(&p->arena, &p->mem);
  *out = p;
  b->tmp_a = sgi_malloc(mem, tmp_len);
  b->tmp_b = sgi_malloc(mem, tmp_len);
  if (cap) p->items = sgi_arena_calloc(&p->arena, cap, sizeof *p->items);
  if (!b->tmp_a || !b->tmp_b || (cap && !p->items))
    return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  return 0;
}

void sgi_patterns_free(sgi_patterns *p) {
  if (!p) return;
  sgi_mem mem = p->mem;
  sgi_arena_free(&p->arena);
  sgi_free(&mem, p);
}

int sgi_patterns_compile(sgi_patterns **out, const sgi_mem *mem, const char *const *patterns,
                         size_t n, stagegraph_error *err) {
  if (!out || !mem || (n && !patterns))
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "invalid argument");
  size_t longest = 0;
  for (size_t i = 0; i < n; i++) {
    if (!patterns[i]) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "invalid argument");
    size_t len = strlen(patterns[i]);
    if (len > longest) longest = len;
  }
  if (longest > (size_t)-1 - 3) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  sgi_patterns *p = NULL;
  builder b;
  int rc = list_new(&p, mem, n, &b, longest + 3, err);
  for (size_t i = 0; i < n && !rc; i++)
    rc = add_pattern(p, &b, patterns[i], strlen(patterns[i]), 0, i, NULL, err);
  builder_free(&b);
  if (rc) {
    sgi_patterns_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

/* The lines bufio.ScanLines yields: split at '\n', one '\r' dropped, no
 * empty token after a final '\n'. `raw` is the length before dropping. */
typedef struct lines {
  const char *text;
  size_t len, at;
  uint32_t no;
} lines;

static int next_line(lines *it, const char **s, size_t *n, size_t *raw) {
  if (it->at >= it->len) return 0;
  const char *start = it->text + it->at;
  const char *nl = memchr(start, '\n', it->len - it->at);
  *n = *raw = nl ? (size_t)(nl - start) : it->len - it->at;
  it->at += *n + (nl != NULL);
  if (*n && start[*n - 1] == '\r') (*n)--;
  *s = start;
  it->no++;
  return 1;
}

static sgi_pos line_pos(const lines *it, const char *s, size_t n) {
  sgi_pos pos;
  pos.line = pos.end_line = it->no;
  pos.column = 1;
  pos.end_column = n < UINT32_MAX - 1 ? (uint32_t)n + 1 : UINT32_MAX;
  pos.offset = (size_t)(s - it->text);
  return pos;
}

/* ignorefile.ReadAll's handling of one line: NULL when it yields no pattern,
 * else the pattern (in b->tmp_a) with its length in *out_len. */
static const char *readall_line(builder *b, const char *s, size_t n, int first_line,
                                size_t *out_len) {
  if (first_line && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3, n -= 3;
  if (n > 0 && s[0] == '#') return NULL;
  trim_space(&s, &n);
  if (n == 0) return NULL;
  if (!b) return s; /* counting pass */
  int invert = s[0] == '!';
  if (invert) {
    s++;
    n--;
    trim_space(&s, &n);
  }
  char *p = b->tmp_a + 1;
  size_t len = 0;
  if (n > 0) {
    len = sgi_path_clean(p, s, n);
    if (len > 1 && p[0] == '/') p++, len--;
  }
  if (invert) *--p = '!', len++;
  *out_len = len;
  return p;
}

int sgi_ignore_parse(sgi_patterns **out, const sgi_mem *mem, const char *text, size_t len,
                     stagegraph_error *err) {
  if (!out || !mem || (!text && len))
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "invalid argument");
  /* First pass: Go's scanner fails on an over-long line before any pattern
   * is compiled; count the patterns. */
  lines it = {text, len, 0, 0};
  const char *s;
  size_t n, raw, count = 0, longest = 0;
  while (next_line(&it, &s, &n, &raw)) {
    if (raw >= SCAN_MAX) {
      sgi_pos pos = line_pos(&it, s, n);
      return sgi_error_set(err, STAGEGRAPH_ESYNTAX, &pos, "bufio.Scanner: token too long");
    }
    if (readall_line(NULL, s, n, it.no == 1, NULL)) count++;
    if (n > longest) longest = n;
  }
  sgi_patterns *p = NULL;
  builder b;
  int rc = list_new(&p, mem, count, &b, longest + 3, err);
  it.at = 0;
  it.no = 0;
  while (!rc && next_line(&it, &s, &n, &raw)) {
    size_t plen;
    const char *pat = readall_line(&b, s, n, it.no == 1, &plen);
    if (!pat) continue;
    sgi_pos pos = line_pos(&it, s, n);
    rc = add_pattern(p, &b, pat, plen, it.no, p->n, &pos, err);
  }
  builder_free(&b);
  if (rc) {
    sgi_patterns_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

size_t sgi_patterns_count(const sgi_patterns *p) { return p ? p->n : 0; }

int sgi_patterns_has_exclusions(const sgi_patterns *p) { return p ? p->exclusions : 0; }

int sgi_patterns_get(const sgi_patterns *p, size_t i, sgi_pattern_info *out) {
  if (!p || !out || i >= p->n) return STAGEGRAPH_EINVAL;
  const sgi_pattern *pt = &p->items[i];
  out->text = pt->text;
  out->len = pt->len;
  out->exclusion = pt->exclusion;
  out->kind = pt->kind;
  out->usable = pt->usable;
  out->line = pt->line;
  out->source = pt->source;
  return 0;
}

/* ---- running a pattern over a path --------------------------------------- */

/* Per-call NFA scratch, sized for the largest program of the list.
 * seen/queued hold the generation in which an instruction was last marked. */
typedef struct nfa {
  uint32_t *kern, *next, *stack, *clist, *seen, *queued;
  uint32_t seen_gen, queued_gen;
  size_t ninst;
} nfa;

static void nfa_free(const sgi_mem *mem, nfa *m) {
  sgi_free(mem, m->kern);
  sgi_free(mem, m->next);
  sgi_free(mem, m->stack);
  sgi_free(mem, m->clist);
  sgi_free(mem, m->seen);
  sgi_free(mem, m->queued);
}

static int nfa_init(const sgi_mem *mem, nfa *m, size_t ninst) {
  size_t bytes;
  memset(m, 0, sizeof *m);
  m->ninst = ninst ? ninst : 1;
  if (!sgi_mul_ok(m->ninst, sizeof(uint32_t), &bytes)) return STAGEGRAPH_ENOMEM;
  uint32_t **arrays[] = {&m->kern, &m->next, &m->stack, &m->clist, &m->seen, &m->queued};
  for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++) {
    *arrays[k] = sgi_malloc(mem, bytes);
    if (!*arrays[k]) return STAGEGRAPH_ENOMEM; /* the caller frees */
  }
  memset(m->seen, 0, bytes);
  memset(m->queued, 0, bytes);
  return 0;
}

/* The next marking generation; marks are cleared when the counter wraps. */
static uint32_t next_gen(uint32_t *gen, uint32_t *marks, size_t n) {
  if (++*gen == 0) {
    memset(marks, 0, n * sizeof *marks);
    *gen = 1;
  }
  return *gen;
}

static int is_word(int32_t r) { return r == '_' || (r >= 0 && r < 0x80 && is_alnum(r)); }

static int empty_ok(int kind, int32_t before, int32_t after) {
  switch (kind) {
  case EMPTY_BEGIN_TEXT: return before == NO_RUNE;
  case EMPTY_END_TEXT: return after == NO_RUNE;
  case EMPTY_WORD_BOUNDARY: return is_word(before) != is_word(after);
  default: return is_word(before) == is_word(after);
  }
}

static int consumes(const sgi_pattern *pt, const sgi_inst *in, int32_t r) {
  if (in->op == OP_ANY_NOT_NL) return r != '\n';
  const rrange *g = pt->ranges + in->lo;
  size_t lo = 0, hi = in->n;
  int found = 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r < g[mid].lo) {
      hi = mid;
    } else if (r > g[mid].hi) {
      lo = mid + 1;
    } else {
      found = 1;
      break;
    }
  }
  return found != in->arg;
}

/* Follow the empty transitions from m->kern[0..kn) with `before` and `after`
 * around the position: the consuming instructions reached go to m->clist
 * (count in *cn); returns 1 when the match instruction is reached. */
static int closure(const sgi_pattern *pt, nfa *m, size_t kn, int32_t before, int32_t after,
                   size_t *cn) {
  uint32_t gen = next_gen(&m->seen_gen, m->seen, m->ninst);
  size_t sp = 0, c = 0;
  int matched = 0;
#define VISIT(pc)                                                                                  \
  do {                                                                                             \
    uint32_t v_ = (pc);                                                                            \
    if (m->seen[v_] != gen) {                                                                      \
      m->seen[v_] = gen;                                                                           \
      m->stack[sp++] = v_;                                                                         \
    }                                                                                              \
  } while (0)
  for (size_t k = 0; k < kn; k++) {
    VISIT(m->kern[k]);
    while (sp) {
      const sgi_inst *in = &pt->inst[m->stack[--sp]];
      switch (in->op) {
      case OP_MATCH: matched = 1; break;
      case OP_CLASS:
      case OP_ANY_NOT_NL: m->clist[c++] = (uint32_t)(in - pt->inst); break;
      case OP_EMPTY:
        if (empty_ok(in->arg, before, after)) VISIT(in->out);
        break;
      case OP_JMP: VISIT(in->out); break;
      default:
        VISIT(in->out1);
        VISIT(in->out);
        break;
      }
    }
  }
#undef VISIT
  *cn = c;
  return matched;
}

/* out[k] = whether Go's regexp MatchString accepts s[0..bounds[k]) (an
 * unanchored search; the translation anchors it with '^'). One pass over the
 * longest prefix: bounds are rune boundaries (a '/' never ends a multi-byte
 * sequence), and a prefix ending at position b accepts when a thread
 * reached the match earlier, or reaches it at b with the text ending there. */
static void run_regex(const sgi_pattern *pt, nfa *m, const char *s, const size_t *bounds,
                      size_t nb, unsigned char *out) {
  size_t bi = 0, kn = 0, cn, p = 0, end = bounds[nb - 1];
  int32_t before = NO_RUNE;
  uint32_t gen = next_gen(&m->queued_gen, m->queued, m->ninst);
  for (;;) {
    if ((p == 0 || !pt->anchored) && m->queued[0] != gen) {
      m->queued[0] = gen;
      m->kern[kn++] = 0;
    }
    for (; bi < nb && bounds[bi] == p; bi++)
      out[bi] = (unsigned char)closure(pt, m, kn, before, NO_RUNE, &cn);
    if (bi == nb) return;
    if (kn == 0 && pt->anchored) break; /* nothing can match any more */
    int32_t r;
    size_t w = decode_rune(s + p, end - p, &r);
    if (closure(pt, m, kn, before, r, &cn)) {
      for (; bi < nb; bi++) out[bi] = 1; /* matched a prefix of every later bound */
      return;
    }
    gen = next_gen(&m->queued_gen, m->queued, m->ninst);
    size_t nn = 0;
    for (size_t k = 0; k < cn; k++) {
      const sgi_inst *in = &pt->inst[m->clist[k]];
      if (consumes(pt, in, r) && m->queued[in->out] != gen) {
        m->queued[in->out] = gen;
        m->next[nn++] = in->out;
      }
    }
    uint32_t *t = m->kern;
    m->kern = m->next;
    m->next = t;
    kn = nn;
    before = r;
    p += w;
  }
  for (; bi < nb; bi++) out[bi] = 0;
}

/* out[k] = Pattern.match(s[0..bounds[k])) for a usable pattern. */
static void eval_pattern(const sgi_pattern *pt, nfa *m, const char *s, const size_t *bounds,
                         size_t nb, unsigned char *out) {
  const char *t = pt->text;
  size_t tl = pt->len;
  for (size_t k = 0; k < nb && pt->kind != SGI_MATCH_REGEX; k++) {
    size_t b = bounds[k];
    switch (pt->kind) {
    case SGI_MATCH_EXACT: out[k] = b == tl && memcmp(s, t, tl) == 0; break;
    case SGI_MATCH_PREFIX: out[k] = b >= tl - 2 && memcmp(s, t, tl - 2) == 0; break;
    default: { /* suffix: the text after the leading "**" */
      const char *suf = t + 2;
      size_t sl = tl - 2;
      out[k] = (b >= sl && memcmp(s + b - sl, suf, sl) == 0) ||
               (sl > 0 && suf[0] == '/' && b == sl - 1 && memcmp(s, suf + 1, sl - 1) == 0);
    }
    }
  }
  if (pt->kind == SGI_MATCH_REGEX) run_regex(pt, m, s, bounds, nb, out);
}

/* ---- the match functions ---------------------------------------------------- */

typedef struct scratch {
  const sgi_mem *mem;
  char *path;
  size_t len;
  size_t *bounds;
  size_t nb;
  unsigned char *bits;
  nfa m;
} scratch;

static void scratch_free(scratch *sc) {
  sgi_free(sc->mem, sc->path);
  sgi_free(sc->mem, sc->bounds);
  sgi_free(sc->mem, sc->bits);
  nfa_free(sc->mem, &sc->m);
}

/* Clean the path and allocate room for bounds at every '/' plus two. */
static int scratch_init(scratch *sc, const sgi_patterns *p, const char *path, size_t len) {
  memset(sc, 0, sizeof *sc);
  sc->mem = &p->mem;
  if (!path && len) return STAGEGRAPH_EINVAL;
  if (len > (size_t)-1 - 2) return STAGEGRAPH_ENOMEM;
  sc->path = sgi_malloc(sc->mem, len + 2);
  if (!sc->path) return STAGEGRAPH_ENOMEM;
  sc->len = sgi_path_clean(sc->path, len ? path : "", len);
  size_t slashes = 0, bytes;
  for (size_t k = 0; k < sc->len; k++) slashes += sc->path[k] == '/';
  if (!sgi_mul_ok(slashes + 2, sizeof *sc->bounds, &bytes)) return STAGEGRAPH_ENOMEM;
  sc->bounds = sgi_malloc(sc->mem, bytes);
  sc->bits = sgi_malloc(sc->mem, slashes + 2);
  if (!sc->bounds || !sc->bits) return STAGEGRAPH_ENOMEM;
  return nfa_init(sc->mem, &sc->m, p->max_inst);
}

int sgi_patterns_matches(const sgi_patterns *p, const char *path, size_t len) {
  if (!p || p->n == 0) return 0;
  scratch sc;
  int rc = scratch_init(&sc, p, path, len);
  if (rc) {
    scratch_free(&sc);
    return rc;
  }
  /* Bounds: the parents MatchesOrParentMatches tries (the prefixes of
   * filepath.Dir(path) at each '/'; Dir "/" gives "" and "/"), then the path. */
  const char *c = sc.path;
  size_t last = sc.len;
  while (last > 0 && c[last - 1] != '/') last--;
  if (last == 1) {
    sc.bounds[sc.nb++] = 0;
    sc.bounds[sc.nb++] = 1;
  } else if (last > 1) {
    for (size_t k = 0; k < last - 1; k++)
      if (c[k] == '/') sc.bounds[sc.nb++] = k;
    sc.bounds[sc.nb++] = last - 1;
  }
  size_t nparents = sc.nb;
  sc.bounds[sc.nb++] = sc.len;
  int matched = 0;
  for (size_t i = 0; i < p->n; i++) {
    const sgi_pattern *pt = &p->items[i];
    if (pt->exclusion != matched) continue;
    if (!pt->usable) {
      rc = STAGEGRAPH_ESYNTAX;
      break;
    }
    eval_pattern(pt, &sc.m, c, sc.bounds, sc.nb, sc.bits);
    int m = sc.bits[nparents];
    for (size_t k = 0; k < nparents && !m; k++) m = sc.bits[k];
    if (m) matched = !pt->exclusion;
  }
  scratch_free(&sc);
  return rc ? rc : matched;
}

/* fsutil filter's test for skipping an excluded directory d = c[0..dl). */
static int transfer_skips(const sgi_patterns *p, const char *c, size_t dl) {
  if (!p->prefix_exceptions) return 0;
  for (size_t i = 0; i < p->n; i++) {
    const sgi_pattern *pt = &p->items[i];
    if (!pt->exclusion) continue;
    size_t tl = without_trailing_glob(pt->text, pt->len);
    if (tl >= dl && memcmp(pt->text, c, dl) == 0 && (tl == dl || pt->text[dl] == '/')) return 0;
  }
  return 1;
}

int sgi_patterns_walk_matches(const sgi_patterns *p, const char *path, size_t len, int transfer) {
  if (!p || p->n == 0) return 0;
  scratch sc;
  unsigned char *rows = NULL, *done = NULL, *info = NULL;
  int rc = scratch_init(&sc, p, path, len), matched = 0;
  const char *c = sc.path;
  size_t cl = sc.len;
  if (!rc && c[0] == '/') c++, cl--;
  if (rc || cl == 0 || (cl == 1 && c[0] == '.')) goto out;
  for (size_t k = 0; k < cl; k++)
    if (c[k] == '/') sc.bounds[sc.nb++] = k;
  sc.bounds[sc.nb++] = cl;
  /* Each pattern's result at every level, computed in one pass the first
   * time the walker evaluates the pattern. */
  size_t row = (sc.nb + 7) / 8, bytes;
  if (!sgi_mul_ok(row, p->n, &bytes)) {
    rc = STAGEGRAPH_ENOMEM;
    goto out;
  }
  rows = sgi_malloc(sc.mem, bytes);
  done = sgi_malloc(sc.mem, p->n);
  info = sgi_malloc(sc.mem, p->n);
  if (!rows || !done || !info) {
    rc = STAGEGRAPH_ENOMEM;
    goto out;
  }
  memset(done, 0, p->n);
  for (size_t k = 0; k < sc.nb; k++) {
    matched = 0;
    for (size_t i = 0; i < p->n; i++) {
      const sgi_pattern *pt = &p->items[i];
      unsigned char *r = rows + i * row;
      int m = k > 0 && info[i];
      if (!m) {
        if (pt->exclusion != matched) {
          info[i] = 0;
          continue;
        }
        if (!pt->usable) {
          rc = STAGEGRAPH_ESYNTAX;
          goto out;
        }
        if (!done[i]) {
          eval_pattern(pt, &sc.m, c, sc.bounds, sc.nb, sc.bits);
          memset(r, 0, row);
          for (size_t j = 0; j < sc.nb; j++)
            if (sc.bits[j]) r[j / 8] |= (unsigned char)(1u << (j % 8));
          done[i] = 1;
        }
        m = (r[k / 8] >> (k % 8)) & 1;
      }
      info[i] = (unsigned char)m;
      if (m) matched = !pt->exclusion;
    }
    if (transfer && matched && k + 1 < sc.nb && transfer_skips(p, c, sc.bounds[k])) break;
  }
out:
  sgi_free(sc.mem, rows);
  sgi_free(sc.mem, done);
  sgi_free(sc.mem, info);
  scratch_free(&sc);
  return rc ? rc : matched;
}

/* ---- COPY sources ------------------------------------------------------------ */

/* fsutil copy's containsWildcards: '*', '?' or '[' not escaped by '\'. */
static int has_wildcards(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\') {
      i++;
    } else if (s[i] == '*' || s[i] == '?' || s[i] == '[') {
      return 1;
    }
  }
  return 0;
}

char *sgi_path_clean_rooted(const sgi_mem *mem, const char *s, size_t n, size_t *out_len) {
  if (n > (size_t)-1 - 3) return NULL;
  char *in = sgi_malloc(mem, n + 1), *out = sgi_malloc(mem, n + 3);
  if (in && out) {
    in[0] = '/';
    if (n) memcpy(in + 1, s, n);
    *out_len = sgi_path_clean(out, in, n + 1);
  } else {
    sgi_free(mem, out);
    out = NULL;
  }
  sgi_free(mem, in);
  return out;
}

/* Components in the rooted, clean s[0..n) ("/" has none). */
static size_t components(const char *s, size_t n) {
  size_t c = n > 1;
  for (size_t i = 1; i < n; i++) c += s[i] == '/';
  return c;
}

/* splitWildcards on the rooted, clean s[0..sl): the base is s[0..*base),
 * the components before the first one with a wildcard (0, the root, when
 * that is the first); the pattern starts at *pattern, sl or past it when
 * there is no wildcard. */
static void split_wildcards(const char *s, size_t sl, size_t *base, size_t *pattern) {
  size_t b = 0, k = 1;
  while (k < sl) {
    size_t e = k;
    while (e < sl && s[e] != '/') e++;
    if (has_wildcards(s + k, e - k)) break;
    b = e;
    k = e + 1;
  }
  *base = b;
  *pattern = k;
}

/* A pattern component that matches within one name: no '\\' (an escape
 * could name a '/'), and each class not negated, without a '/' or a range
 * across it. Anything unclear (a malformed class) is not plain: its paths
 * are then asked one by one, which is always right. */
static int plain_component(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\') return 0;
    if (s[i] != '[') continue;
    size_t k = i + 1;
    if (k < n && s[k] == '^') return 0;
    for (size_t ranges = 0;; ranges++) {
      if (k >= n) return 0;
      if (s[k] == ']' && ranges > 0) break;
      unsigned char lo = (unsigned char)s[k], hi = lo;
      if (lo == '-' || lo == ']' || lo == '/' || lo == '\\') return 0;
      if (k + 1 < n && s[k + 1] == '-') {
        if (k + 2 >= n || s[k + 2] == ']' || s[k + 2] == '\\') return 0;
        hi = (unsigned char)s[k + 2];
        k += 3;
      } else {
        k++;
      }
      if (lo <= '/' && '/' <= hi) return 0;
    }
    i = k; /* the class's ']' */
  }
  return 1;
}

int sgi_path_source_pattern(const sgi_mem *mem, const char *src, size_t src_len, char **pattern,
                            size_t *pattern_len, size_t *components, size_t *plain) {
  size_t sl = 0, b, k;
  *pattern = NULL;
  char *s = sgi_path_clean_rooted(mem, src_len ? src : "", src_len, &sl);
  if (!s) return STAGEGRAPH_ENOMEM;
  split_wildcards(s, sl, &b, &k);
  if (k >= sl) {
    sgi_free(mem, s);
    return 0;
  }
  size_t n = 0, good = 0;
  for (size_t start = k; start < sl; n++) {
    size_t e = start;
    while (e < sl && s[e] != '/') e++;
    if (good == n && plain_component(s + start, e - start)) good++;
    start = e + 1;
  }
  memmove(s, s + k, sl - k);
  s[sl - k] = '\0';
  *pattern = s;
  *pattern_len = sl - k;
  *components = n;
  *plain = good;
  return 1;
}

int sgi_path_match_component(const char *pattern, size_t pattern_len, const char *name,
                             size_t name_len) {
  span pat = {pattern, pattern_len}, n = {name, name_len};
  return go_match(pat, n) == 1;
}

int sgi_path_source_init(sgi_path_source *x, const sgi_mem *mem, const char *src, size_t src_len) {
  memset(x, 0, sizeof *x);
  if (!mem) return STAGEGRAPH_EINVAL;
  x->mem = mem;
  x->s = sgi_path_clean_rooted(mem, src_len ? src : "", src_len, &x->len);
  if (!x->s) return STAGEGRAPH_ENOMEM;
  split_wildcards(x->s, x->len, &x->base, &x->pattern);
  /* a name with more '/' than the pattern has '/' and brackets cannot match */
  for (size_t j = x->pattern; j < x->len; j++) x->budget += x->s[j] == '/' || x->s[j] == '[';
  return 0;
}

int sgi_path_source_dir(const sgi_path_source *x, size_t *len) {
  if (x->pattern >= x->len) {
    *len = x->len;
    return 1;
  }
  *len = x->base ? x->base : 1;
  return 0;
}

void sgi_path_source_free(sgi_path_source *x) {
  if (x->mem) sgi_free(x->mem, x->s);
  x->s = NULL;
}

/* Whether the source reads the rooted, clean p[0..pl), and its root's
 * depth when it does. */
static int source_reads(const sgi_path_source *x, const char *p, size_t pl, size_t *depth) {
  const char *s = x->s;
  size_t sl = x->len, base = x->base, k = x->pattern;
  /* The path relative to the base, or no coverage when outside it. */
  size_t rel;
  if (base == 0) {
    rel = 1;
  } else if (pl >= base && memcmp(p, s, base) == 0 && (pl == base || p[base] == '/')) {
    rel = pl == base ? pl : base + 1;
  } else {
    return 0;
  }
  if (k >= sl) { /* no wildcard: the source itself and what is under it */
    *depth = components(s, sl);
    return 1;
  }
  if (rel >= pl) return 0; /* the base itself is never a match */
  /* ResolveWildcards walks the base and takes every path that matches,
   * whole directories included, so an ancestor's match covers the path. */
  span pat = {s + k, sl - k};
  size_t slashes = 0;
  for (size_t e = rel; e <= pl && slashes <= x->budget; e++) {
    if (e < pl && p[e] != '/') continue;
    span name = {p + rel, e - rel};
    if (go_match(pat, name) == 1) {
      *depth = components(s, base) + slashes + 1;
      return 1;
    }
    slashes++;
  }
  return 0;
}

int sgi_path_source_reads(const sgi_path_source *x, const char *path, size_t path_len,
                          size_t *root_depth) {
  if (!x->s) return STAGEGRAPH_EINVAL;
  /* path.Join("/", path) on the stack when it fits: "/" and the path,
   * then its cleaned form (at most two bytes longer) */
  char stack[1024];
  char *p = NULL, *heap = NULL;
  size_t pl = 0;
  if (path_len < (sizeof stack - 4) / 2) {
    char *in = stack, *out = stack + path_len + 1;
    in[0] = '/';
    if (path_len) memcpy(in + 1, path, path_len);
    pl = sgi_path_clean(out, in, path_len + 1);
    p = out;
  } else if (!(p = heap = sgi_path_clean_rooted(x->mem, path, path_len, &pl))) {
    return STAGEGRAPH_ENOMEM;
  }
  size_t depth = 0;
  int covered = source_reads(x, p, pl, &depth);
  sgi_free(x->mem, heap);
  if (covered == 1 && root_depth) *root_depth = depth;
  return covered;
}

int sgi_path_source_root(const sgi_mem *mem, const char *src, size_t src_len, const char *path,
                         size_t path_len, size_t *root_depth) {
  sgi_path_source x;
  int rc = sgi_path_source_init(&x, mem, src, src_len);
  if (!rc) rc = sgi_path_source_reads(&x, path_len ? path : "", path_len, root_depth);
  sgi_path_source_free(&x);
  return rc;
}

int sgi_path_covered_by_source(const sgi_mem *mem, const char *src, size_t src_len,
                               const char *path, size_t path_len) {
  return sgi_path_source_root(mem, src, src_len, path, path_len, NULL);
}
