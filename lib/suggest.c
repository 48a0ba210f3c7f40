/* Suggestions for mistyped names. */
#include "suggest.h"

#include <string.h>

#include "hash.h"
#include "text.h"

enum {
  MAX_RUNES = 64,
  LIMIT = 3,        /* distances are capped here: 3 means "too far" */
  SCAN_QUERIES = 4, /* an index scans its first questions... */
  SCAN_OPTIONS = 32 /* ...and every question over this many options or fewer */
};

/* The runes of s, ASCII letters lowered with `fold`; (size_t)-1 past
 * MAX_RUNES. */
static size_t to_runes(const char *s, size_t len, uint32_t *out, int fold) {
  size_t n = 0, i = 0;
  while (i < len && n < MAX_RUNES) {
    size_t w;
    uint32_t r = sgi_utf8_decode(s + i, len - i, &w);
    if (fold && r >= 'A' && r <= 'Z') r += 32;
    out[n++] = r;
    i += w;
  }
  return i < len ? (size_t)-1 : n;
}

/* The edit distance of two rune strings when it is under `limit`, else
 * `limit`. Only the cells within limit-1 of the diagonal can be under it
 * (the others hold at least their distance from it), so only those are
 * computed; a row whose cells all reach the limit ends the computation. */
static size_t distance(const uint32_t *ra, size_t na, const uint32_t *rb, size_t nb, size_t limit) {
  size_t diff = na > nb ? na - nb : nb - na;
  if (diff >= limit) return limit;
  size_t w = limit - 1, row[MAX_RUNES + 1];
  for (size_t j = 0; j <= nb; j++) row[j] = j < limit ? j : limit; /* beyond the band: limit */
  for (size_t i = 1; i <= na; i++) {
    size_t lo = i > w ? i - w : 1, hi = i + w < nb ? i + w : nb;
    size_t prev = row[lo - 1]; /* the cell above-left of row[lo] */
    row[lo - 1] = lo == 1 && i < limit ? i : limit;
    size_t best = row[lo - 1];
    for (size_t j = lo; j <= hi; j++) {
      size_t cur = row[j];
      size_t m = prev + (ra[i - 1] != rb[j - 1]);
      if (cur + 1 < m) m = cur + 1;
      if (row[j - 1] + 1 < m) m = row[j - 1] + 1;
      row[j] = m < limit ? m : limit;
      if (row[j] < best) best = row[j];
      prev = cur;
    }
    if (best >= limit) return limit;
  }
  return row[nb];
}

static int equal(const char *a, size_t alen, const char *b, size_t blen, int fold) {
  return alen == blen && (fold ? !sgi_ascii_casecmp(a, alen, b) : !memcmp(a, b, alen));
}

size_t sgi_suggest_scan(const char *value, size_t len, const char *const *options, size_t count,
                        int fold) {
  uint32_t rv[MAX_RUNES], ro[MAX_RUNES];
  size_t nv = to_runes(value, len, rv, fold), match = STAGEGRAPH_NONE, best = LIMIT;
  for (size_t k = 0; k < count; k++) {
    size_t olen = strlen(options[k]);
    if (equal(value, len, options[k], olen, fold)) return STAGEGRAPH_NONE;
    if (nv == (size_t)-1 || best == 0) continue; /* nothing can be closer: look for the value */
    size_t no = to_runes(options[k], olen, ro, fold);
    if (no == (size_t)-1) continue;
    size_t d = distance(rv, nv, ro, no, best);
    if (d < best) {
      best = d;
      match = k;
    }
  }
  return match;
}

int sgi_suggest(sgi_buf *msg, const char *value, size_t len, const char *const *options,
                size_t count, int case_sensitive) {
  size_t k = sgi_suggest_scan(value, len, options, count, !case_sensitive);
  if (k == STAGEGRAPH_NONE) return 0;
  const char *match = options[k];
  /* the case of the value as Go sees it (strings.ToLower / ToUpper) */
  int value_lower = sgi_is_case(value, len, 1), value_upper = sgi_is_case(value, len, 0);
  sgi_buf_puts(msg, " (did you mean ");
  size_t mlen = strlen(match);
  int upper = !case_sensitive && value_upper && !value_lower;
  for (size_t i = 0; i < mlen; i++) {
    char c = match[i];
    if (!case_sensitive) {
      if (c >= 'A' && c <= 'Z') c = (char)(c + 32); /* the lowered option */
      if (upper && c >= 'a' && c <= 'z') c = (char)(c - 32);
    }
    sgi_buf_putc(msg, c);
  }
  sgi_buf_puts(msg, "?)");
  return msg->failed ? STAGEGRAPH_ENOMEM : 1;
}

/* ---- the index ------------------------------------------------------------------ */

typedef struct node {
  uint32_t rune;
  uint32_t parent;
  uint32_t child, last; /* the first and last child, 0 for none (the root is no child) */
  uint32_t sibling;     /* the next child of the parent, 0 for none */
  uint32_t end;         /* the first option whose runes end here, + 1; 0 for none */
  uint32_t first;       /* the first option through this node */
  uint8_t lo, hi;       /* the fewest and most runes of an option at or below it */
} node;

struct sgi_suggest_trie {
  uint64_t seed;   /* of the hash: where the trie lives, so crafted names cannot collide */
  size_t indexed;  /* options in the trie */
  node *node;      /* node 0 is the root */
  size_t nodes, node_cap;
  uint32_t *slot;  /* node by (parent, rune): open addressing, 0 empty */
  size_t slot_cap; /* a power of two, at least twice nodes */
};

void sgi_suggest_index_init(sgi_suggest_index *x, const sgi_mem *mem) {
  x->mem = mem;
  x->queries = 0;
  x->trie = NULL;
}

void sgi_suggest_index_free(sgi_suggest_index *x) {
  if (!x->trie) return;
  sgi_free(x->mem, x->trie->node);
  sgi_free(x->mem, x->trie->slot);
  sgi_free(x->mem, x->trie);
  x->trie = NULL;
}

void sgi_suggest_index_clear(sgi_suggest_index *x) {
  sgi_suggest_trie *t = x->trie;
  x->queries = 0;
  if (!t) return;
  /* lists cleared and filled again for each stage must not pay for the
   * largest one at each clear */
  if (t->slot_cap > 1024) {
    sgi_suggest_index_free(x);
    return;
  }
  memset(t->slot, 0, t->slot_cap * sizeof *t->slot);
  t->indexed = t->nodes = 0;
}

static uint32_t slot_hash(const sgi_suggest_trie *t, uint32_t parent, uint32_t rune) {
  uint64_t h = sgi_hash_mix(t->seed ^ ((uint64_t)parent << 32 | rune));
  return (uint32_t)(h ^ (h >> 32));
}

/* The slot of the child of `parent` with `rune`: where it is, or the
 * empty slot where it would go. */
static uint32_t *slot_of(const sgi_suggest_trie *t, uint32_t parent, uint32_t rune) {
  size_t mask = t->slot_cap - 1, i = slot_hash(t, parent, rune) & mask;
  for (;;) {
    uint32_t n = t->slot[i];
    if (!n || (t->node[n].parent == parent && t->node[n].rune == rune)) return &t->slot[i];
    i = (i + 1) & mask;
  }
}

/* Room for `more` nodes, so adding an option cannot fail halfway. */
static int reserve_nodes(const sgi_mem *mem, sgi_suggest_trie *t, size_t more) {
  size_t need = t->nodes + more, bytes;
  if (need > UINT32_MAX / 2) return STAGEGRAPH_ENOMEM;
  if (need > t->node_cap) {
    size_t cap = t->node_cap ? t->node_cap : 64;
    while (cap < need) cap *= 2;
    if (!sgi_mul_ok(cap, sizeof *t->node, &bytes)) return STAGEGRAPH_ENOMEM;
    node *grown = sgi_realloc(mem, t->node, bytes);
    if (!grown) return STAGEGRAPH_ENOMEM;
    t->node = grown;
    t->node_cap = cap;
  }
  if (need * 2 <= t->slot_cap) return 0;
  size_t cap = t->slot_cap ? t->slot_cap : 64;
  while (cap < need * 2) cap *= 2;
  uint32_t *slot = sgi_calloc(mem, cap, sizeof *slot);
  if (!slot) return STAGEGRAPH_ENOMEM;
  sgi_free(mem, t->slot);
  t->slot = slot;
  t->slot_cap = cap;
  for (size_t n = 1; n < t->nodes; n++) *slot_of(t, t->node[n].parent, t->node[n].rune) = (uint32_t)n;
  return 0;
}

static void new_node(sgi_suggest_trie *t, uint32_t parent, uint32_t rune, uint32_t first) {
  node *n = &t->node[t->nodes++];
  memset(n, 0, sizeof *n);
  n->rune = rune;
  n->parent = parent;
  n->first = first;
  n->lo = MAX_RUNES;
}

/* Option k into the trie; one over MAX_RUNES runes is close to nothing
 * and needs no node. */
static int index_option(const sgi_mem *mem, sgi_suggest_trie *t, const char *option, size_t k) {
  uint32_t runes[MAX_RUNES];
  size_t n = to_runes(option, strlen(option), runes, 0);
  if (n == (size_t)-1) return 0;
  int rc = reserve_nodes(mem, t, n + (t->nodes ? 0 : 1));
  if (rc) return rc;
  if (!t->nodes) new_node(t, 0, 0, 0);
  uint32_t at = 0;
  for (size_t i = 0;; i++) {
    node *here = &t->node[at];
    if (n < here->lo) here->lo = (uint8_t)n;
    if (n > here->hi) here->hi = (uint8_t)n;
    if (i == n) break;
    uint32_t *slot = slot_of(t, at, runes[i]);
    if (!*slot) {
      *slot = (uint32_t)t->nodes;
      new_node(t, at, runes[i], (uint32_t)k);
      node *parent = &t->node[at];
      if (parent->last) t->node[parent->last].sibling = *slot;
      else parent->child = *slot;
      parent->last = *slot;
    }
    at = *slot;
  }
  if (!t->node[at].end) t->node[at].end = (uint32_t)k + 1;
  return 0;
}

/* A search: the value's runes and the best option so far. Rows are bands
 * of the distance table: cell t of the row at depth k is the distance
 * between the node's prefix and the value's first k - 2 + t runes, capped
 * at LIMIT (cells off the band are at least LIMIT). */
typedef struct search {
  const sgi_suggest_trie *t;
  const uint32_t *v;
  size_t m;
  size_t best;  /* the distance to beat or equal; 2 before a match */
  size_t match; /* the option, or STAGEGRAPH_NONE */
} search;

/* The least distance an option at or below the node (at depth k, with its
 * band) can have: a cell's distance plus the difference between what is
 * left of the value and of the options. */
static size_t lower_bound(const search *s, const node *n, size_t k, const uint8_t *band) {
  size_t bound = LIMIT;
  for (size_t t = 0; t < 5; t++) {
    if (band[t] >= bound) continue;
    size_t left = s->m - (k + t - 2), lo = n->lo - k, hi = n->hi - k;
    size_t gap = left < lo ? lo - left : left > hi ? left - hi : 0;
    if (band[t] + gap < bound) bound = band[t] + gap;
  }
  return bound;
}

/* The band of a child (depth k + 1, rune r) from its parent's. */
static void step(const search *s, const uint8_t *band, size_t k, uint32_t r, uint8_t *next) {
  for (size_t t = 0; t < 5; t++) {
    if (k + t < 1 || k + t - 1 > s->m) { /* column k - 1 + t is off the table */
      next[t] = LIMIT;
      continue;
    }
    size_t j = k + t - 1;
    size_t d = (t < 4 ? band[t + 1] : LIMIT) + 1u;          /* the option's rune left out */
    if (j > 0 && band[t] + (size_t)(r != s->v[j - 1]) < d)  /* matched or replaced */
      d = band[t] + (size_t)(r != s->v[j - 1]);
    if (t > 0 && next[t - 1] + 1u < d) d = next[t - 1] + 1u; /* the value's rune left out */
    next[t] = (uint8_t)(d < LIMIT ? d : LIMIT);
  }
}

static void visit(search *s, uint32_t at, size_t k, const uint8_t *band) {
  const node *n = &s->t->node[at];
  size_t bound = lower_bound(s, n, k, band);
  /* an option below can only win by being closer, or as close and earlier */
  if (bound > s->best || (bound == s->best && s->match != STAGEGRAPH_NONE && n->first >= s->match))
    return;
  if (n->end && s->m + 2 >= k && s->m + 2 - k < 5) {
    size_t d = band[s->m + 2 - k];
    if (d < s->best || (d == s->best && n->end - 1 < s->match)) {
      s->best = d;
      s->match = n->end - 1;
      if (d == 0) return; /* the value's own runes: nothing is closer */
    }
  }
  for (uint32_t c = n->child; c && !(s->best == 0 && s->match != STAGEGRAPH_NONE); c = s->t->node[c].sibling) {
    uint8_t next[5];
    step(s, band, k, s->t->node[c].rune, next);
    visit(s, c, k + 1, next);
  }
}

int sgi_suggest_index_find(sgi_suggest_index *x, const char *const *options, size_t count,
                           const char *value, size_t len, size_t *found) {
  *found = STAGEGRAPH_NONE;
  if (x->queries < SCAN_QUERIES || count <= SCAN_OPTIONS) {
    x->queries++;
    *found = sgi_suggest_scan(value, len, options, count, 0);
    return 0;
  }
  sgi_suggest_trie *t = x->trie;
  if (!t) {
    if (!(t = x->trie = sgi_calloc(x->mem, 1, sizeof *t))) return STAGEGRAPH_ENOMEM;
    t->seed = sgi_hash_seed(t);
  }
  for (; t->indexed < count; t->indexed++) {
    int rc = index_option(x->mem, t, options[t->indexed], t->indexed);
    if (rc) return rc;
  }
  uint32_t v[MAX_RUNES];
  size_t m = to_runes(value, len, v, 0);
  if (m == (size_t)-1 || !t->nodes) return 0; /* too long to be close to anything */
  search s = {t, v, m, 2, STAGEGRAPH_NONE};
  uint8_t root[5] = {LIMIT, LIMIT, 0, m >= 1 ? 1 : LIMIT, m >= 2 ? 2 : LIMIT};
  visit(&s, 0, 0, root);
  if (s.match == STAGEGRAPH_NONE || s.best > 0) {
    *found = s.match;
    return 0;
  }
  /* The value's runes: an option with the value's own bytes means none,
   * else the first with those runes. Valid UTF-8 has one spelling, so the
   * bytes can differ only where one side has U+FFFD (an invalid sequence
   * decodes to it): the rare value that has it is looked for among the
   * options after the match. */
  for (size_t i = 0; i < m; i++) {
    if (v[i] != SGI_RUNE_ERROR) continue;
    for (size_t k = s.match; k < count; k++)
      if (strlen(options[k]) == len && !memcmp(options[k], value, len)) return 0;
    *found = s.match;
    return 0;
  }
  return 0;
}
