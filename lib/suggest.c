/* Suggestions for mistyped names. */
#include "suggest.h"

#include <string.h>

#include "hash.h"
#include "text.h"

enum {
  LIMIT = 3,        /* distances are capped here: 3 means "too far" */
  BAND = 5,         /* the cells of a row within 2 of the diagonal, the only ones under LIMIT */
  SCAN_QUERIES = 4, /* an index scans its first questions... */
  SCAN_OPTIONS = 32 /* ...and every question over this many options or fewer */
};

/* ---- runes and bands ------------------------------------------------------------- */

/* Names of any length are compared without copying them: runes are decoded
 * as the comparison reaches them. */
typedef struct cursor {
  const char *s;
  size_t len; /* bytes left, or SIZE_MAX up to a NUL */
  int fold;   /* ASCII letters lowered */
} cursor;

/* The rest of a NUL-terminated text, without measuring it (a tail is read
 * only as far as the search gets): the NUL ends a sequence as any byte
 * that is not a continuation byte does, so the decoder reads no further,
 * and the caller knows how many runes there are. */
static cursor rest_of(const char *text) { return (cursor){text, SIZE_MAX, 0}; }

static uint32_t next_rune(cursor *c) {
  size_t w;
  uint32_t r = sgi_utf8_decode(c->s, c->len, &w);
  c->s += w;
  c->len -= w;
  return c->fold && r - 'A' < 26u ? r + 32 : r;
}

static size_t count_runes(const char *s, size_t len) {
  cursor c = {s, len, 0};
  size_t n = 0;
  for (; c.len; n++) next_rune(&c);
  return n;
}

/* The edit-distance table one row at a time, each row a band: cell t of
 * row k is the distance between the first k runes of one string and the
 * first k - 2 + t runes of the other (`cols` runes), capped at LIMIT; cells
 * off the band are at least LIMIT. The band of row k + 1, whose rune is r,
 * from row k's; win[t] is the other string's rune k - 2 + t (read only
 * where that is one of its runes). */
static void step(const uint8_t *band, size_t k, uint32_t r, const uint32_t *win, size_t cols,
                 uint8_t *next) {
  for (size_t t = 0; t < BAND; t++) {
    if (k + t < 1 || k + t - 1 > cols) { /* column k - 1 + t is off the table */
      next[t] = LIMIT;
      continue;
    }
    size_t j = k + t - 1;
    size_t d = (t < BAND - 1 ? band[t + 1] : LIMIT) + 1u;      /* r left out */
    if (j > 0 && band[t] + (size_t)(r != win[t]) < d)         /* matched or replaced */
      d = band[t] + (size_t)(r != win[t]);
    if (t > 0 && next[t - 1] + 1u < d) d = next[t - 1] + 1u; /* the other's rune left out */
    next[t] = (uint8_t)(d < LIMIT ? d : LIMIT);
  }
}

/* Row 0: the empty prefix against the other string's first 0, 1, 2 runes. */
static void first_band(uint8_t *band, size_t cols) {
  band[0] = band[1] = LIMIT;
  band[2] = 0;
  band[3] = cols >= 1 ? 1 : LIMIT;
  band[4] = cols >= 2 ? 2 : LIMIT;
}

/* The cell of row k at column `cols` (the whole other string), LIMIT when
 * off the band. */
static size_t last_cell(const uint8_t *band, size_t k, size_t cols) {
  return cols + 2 >= k && cols + 2 - k < BAND ? band[cols + 2 - k] : LIMIT;
}

/* The distance between a (na runes) and b (nb runes) when it is under
 * `best`, else LIMIT. Rows follow a; the five runes of b around the
 * diagonal slide along in win. A row whose cells all reach `best` ends the
 * computation: the distance is at least its least cell. */
static size_t distance(cursor a, size_t na, cursor b, size_t nb, size_t best) {
  if (na + LIMIT <= nb || nb + LIMIT <= na) return LIMIT;
  uint8_t band[BAND], next[BAND];
  uint32_t win[BAND] = {0};
  first_band(band, nb);
  for (size_t t = 2; t < BAND && t - 2 < nb; t++) win[t] = next_rune(&b);
  for (size_t k = 0; k < na; k++) {
    step(band, k, next_rune(&a), win, nb, next);
    size_t least = LIMIT;
    for (size_t t = 0; t < BAND; t++) {
      band[t] = next[t];
      if (next[t] < least) least = next[t];
    }
    if (least >= best) return LIMIT;
    memmove(win, win + 1, (BAND - 1) * sizeof *win);
    win[BAND - 1] = k + 3 < nb ? next_rune(&b) : 0;
  }
  size_t d = last_cell(band, na, nb);
  return d < best ? d : LIMIT;
}

static int equal(const char *a, size_t alen, const char *b, size_t blen, int fold) {
  return alen == blen && (fold ? !sgi_ascii_casecmp(a, alen, b) : !memcmp(a, b, alen));
}

/* The scan, from the first option or (newest) from the last: the option
 * and its distance (0 with none: the value is an option; LIMIT: none
 * close enough). */
static size_t scan(const char *value, size_t len, const char *const *options, size_t count,
                   int fold, int newest, size_t *dist) {
  size_t nv = count_runes(value, len), match = STAGEGRAPH_NONE, best = LIMIT;
  for (size_t i = 0; i < count; i++) {
    size_t k = newest ? count - 1 - i : i, olen = strlen(options[k]);
    if (equal(value, len, options[k], olen, fold)) {
      *dist = 0;
      return STAGEGRAPH_NONE;
    }
    if (best == 0) continue; /* nothing can be closer: look for the value */
    cursor v = {value, len, fold}, o = {options[k], olen, fold};
    size_t d = distance(v, nv, o, count_runes(options[k], olen), best);
    if (d < best) {
      best = d;
      match = k;
    }
  }
  *dist = best;
  return match;
}

size_t sgi_suggest_scan(const char *value, size_t len, const char *const *options, size_t count,
                        int fold) {
  size_t dist;
  return scan(value, len, options, count, fold, 0, &dist);
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

/* A node stands for a prefix of runes shared by options. An option's runes
 * past the last node it shares with another option are no nodes but its
 * tail, read from its text: the node where it parts from the others holds
 * where in the text the rest starts, and when a later option follows the
 * tail, its next rune becomes a node. The trie then holds the prefixes
 * that tell options apart, so long names cost nodes only where they are
 * alike. */
typedef struct node {
  uint32_t rune;
  uint32_t parent;
  uint32_t child, last; /* the first and last child, 0 for none (the root is no child) */
  uint32_t sibling;     /* the next child of the parent, 0 for none */
  uint32_t end;         /* the first option whose runes end here, + 1; 0 for none */
  uint32_t first;       /* the first option through this node */
  uint32_t lo, hi;      /* the fewest and most runes of an option at or below it */
  uint32_t tail;        /* where the tail starts in option `text`, 0 for none (no children then) */
  uint32_t text;        /* the option whose tail it is */
} node;

/* How to take back the options from one on (a stack index): the nodes
 * there were before it, and the undo log's length then. */
typedef struct mark {
  uint32_t nodes;
  size_t undo;
} mark;

/* A node as it was before an option changed it. */
typedef struct undo {
  uint32_t at;
  node was;
} undo;

struct sgi_suggest_trie {
  uint64_t seed;   /* of the hash: where the trie lives, so crafted names cannot collide */
  int newest;      /* ties go to the later option ("first" means the latest) */
  size_t indexed;  /* options in the trie */
  /* a stack index's record of each option indexed: its mark, and the
   * nodes it changed (nodes from `fresh` on are its own) */
  mark *marks;
  undo *log;
  size_t log_len, log_cap, marked, marks_cap;
  uint32_t fresh;
  node *node;      /* node 0 is the root */
  size_t nodes, node_cap;
  uint32_t *slot;  /* node by (parent, rune): open addressing, 0 empty */
  size_t slot_cap; /* a power of two, at least twice nodes */
  /* a question's scratch, for a value of up to scratch_cap runes: its runes
   * after two unused ones (step's window at depth k starts at value + k),
   * and the band of each depth the search is at, which never passes the
   * value's runes + 3 */
  uint32_t *value;
  uint8_t (*band)[BAND];
  size_t scratch_cap;
};

void sgi_suggest_index_init(sgi_suggest_index *x, const sgi_mem *mem) {
  x->mem = mem;
  x->queries = 0;
  x->trie = NULL;
  x->newest = 0;
}

void sgi_suggest_index_init_stack(sgi_suggest_index *x, const sgi_mem *mem) {
  sgi_suggest_index_init(x, mem);
  x->newest = 1;
}

void sgi_suggest_index_free(sgi_suggest_index *x) {
  if (!x->trie) return;
  sgi_free(x->mem, x->trie->node);
  sgi_free(x->mem, x->trie->slot);
  sgi_free(x->mem, x->trie->value);
  sgi_free(x->mem, x->trie->band);
  sgi_free(x->mem, x->trie->marks);
  sgi_free(x->mem, x->trie->log);
  sgi_free(x->mem, x->trie);
  x->trie = NULL;
}

void sgi_suggest_index_clear(sgi_suggest_index *x) {
  sgi_suggest_trie *t = x->trie;
  x->queries = 0;
  if (!t) return;
  /* lists cleared and filled again for each stage must not pay for the
   * largest one at each clear */
  if (t->slot_cap > 1024 || t->scratch_cap > 1024) {
    sgi_suggest_index_free(x);
    return;
  }
  memset(t->slot, 0, t->slot_cap * sizeof *t->slot);
  t->indexed = t->nodes = t->marked = t->log_len = 0;
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

/* Room for `more` nodes, so a step of adding an option cannot fail halfway. */
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

/* A new child of `parent` (which has room for it) for option k's rune r,
 * the runes of an option of `runes` runes to go on from byte `tail` of its
 * text. */
static uint32_t new_child(sgi_suggest_trie *t, uint32_t *slot, uint32_t parent, uint32_t r, size_t k,
                          size_t runes, size_t tail) {
  uint32_t at = *slot = (uint32_t)t->nodes++;
  node *n = &t->node[at], *p = &t->node[parent];
  memset(n, 0, sizeof *n);
  n->rune = r;
  n->parent = parent;
  n->first = n->text = (uint32_t)k;
  n->lo = n->hi = (uint32_t)runes;
  if (p->last) t->node[p->last].sibling = at;
  else p->child = at;
  p->last = at;
  return at;
}

/* Where option k parts from the others, at a new node for its rune r at
 * depth `depth`: the rest of its runes, if any, are its tail. */
static void new_tail(sgi_suggest_trie *t, uint32_t *slot, uint32_t parent, uint32_t r, size_t k,
                     size_t runes, size_t depth, size_t at_byte) {
  node *n = &t->node[new_child(t, slot, parent, r, k, runes, 0)];
  if (depth < runes) n->tail = (uint32_t)at_byte;
  else n->end = (uint32_t)k + 1;
}

/* The next rune of the tail at `at` (depth `depth`) as a node of its own,
 * holding what is left of the tail. The node's most runes are the tail's
 * option's: any longer option through it would have taken the tail
 * apart. */
static void expand_tail(sgi_suggest_trie *t, const char *const *options, uint32_t at, size_t depth) {
  node *n = &t->node[at];
  size_t k = n->text, runes = n->hi;
  const char *text = options[k];
  cursor c = rest_of(text + n->tail);
  uint32_t r = next_rune(&c);
  n->tail = 0;
  new_tail(t, slot_of(t, at, r), at, r, k, runes, depth + 1, (size_t)(c.s - text));
}

/* Room in *items (of `size` bytes each, *cap of them) for entry `used`. */
static int room_for(const sgi_mem *mem, void **items, size_t used, size_t *cap, size_t size) {
  if (used < *cap) return 0;
  size_t n = *cap ? 2 * *cap : 64, bytes;
  if (!sgi_mul_ok(n, size, &bytes)) return STAGEGRAPH_ENOMEM;
  void *grown = sgi_realloc(mem, *items, bytes);
  if (!grown) return STAGEGRAPH_ENOMEM;
  *items = grown;
  *cap = n;
  return 0;
}

/* Before an option changes node `at`, a stack index logs it, unless the
 * option made it: 0 or STAGEGRAPH_ENOMEM, with nothing changed. */
static int touch(const sgi_mem *mem, sgi_suggest_trie *t, uint32_t at) {
  if (!t->newest || at >= t->fresh) return 0;
  int rc = room_for(mem, (void **)&t->log, t->log_len, &t->log_cap, sizeof *t->log);
  if (rc) return rc;
  t->log[t->log_len].at = at;
  t->log[t->log_len++].was = t->node[at];
  return 0;
}

/* A stack index notes where option k starts (once: a failed attempt is
 * walked again on top of what it changed, and taken back with it). */
static int mark_option(const sgi_mem *mem, sgi_suggest_trie *t, size_t k) {
  if (!t->newest) return 0;
  if (k < t->marked) { /* walked again after a failure */
    t->fresh = t->marks[k].nodes;
    return 0;
  }
  int rc = room_for(mem, (void **)&t->marks, k, &t->marks_cap, sizeof *t->marks);
  if (rc) return rc;
  t->marks[k].nodes = t->fresh = (uint32_t)t->nodes;
  t->marks[k].undo = t->log_len;
  t->marked = k + 1;
  return 0;
}

/* Option k into the trie. Each step reserves its nodes first, so a failure
 * leaves a path the next attempt walks again. In a stack index option k is
 * the first through every node of its path. */
static int index_option(const sgi_mem *mem, sgi_suggest_trie *t, const char *const *options,
                        size_t k) {
  const char *text = options[k];
  size_t len = strlen(text);
  if (len > UINT32_MAX) return STAGEGRAPH_ENOMEM; /* longer than any document */
  size_t n = count_runes(text, len);
  int rc = reserve_nodes(mem, t, 1);
  if (rc || (rc = mark_option(mem, t, k))) return rc;
  if (!t->nodes) {
    memset(&t->node[0], 0, sizeof t->node[0]);
    t->node[0].lo = UINT32_MAX;
    t->nodes = 1;
  }
  cursor c = {text, len, 0};
  uint32_t at = 0;
  for (size_t i = 0;; i++) {
    if ((rc = touch(mem, t, at))) return rc;
    if (i < n && t->node[at].tail) { /* followed: the tail's next rune becomes a node */
      if ((rc = reserve_nodes(mem, t, 1))) return rc;
      expand_tail(t, options, at, i);
    }
    node *here = &t->node[at];
    if (n < here->lo) here->lo = (uint32_t)n;
    if (n > here->hi) here->hi = (uint32_t)n;
    if (t->newest) here->first = (uint32_t)k;
    if (i == n) break;
    if ((rc = reserve_nodes(mem, t, 1))) return rc;
    uint32_t r = next_rune(&c), *slot = slot_of(t, at, r);
    if (!*slot) {
      if (t->node[at].last && (rc = touch(mem, t, t->node[at].last))) return rc;
      new_tail(t, slot_of(t, at, r), at, r, k, n, i + 1, (size_t)(c.s - text));
      return 0;
    }
    at = *slot;
  }
  if (!t->node[at].end || t->newest) t->node[at].end = (uint32_t)k + 1;
  return 0;
}

/* A stack index without its options from `count` on: the nodes they made
 * leave the table last made first (so linear probing finds the others as
 * before), then the nodes they changed are as they were. */
static void take_back(sgi_suggest_trie *t, size_t count) {
  if (t->indexed <= count) return;
  const mark *m = &t->marks[count];
  while (t->nodes > m->nodes) {
    const node *n = &t->node[--t->nodes];
    *slot_of(t, n->parent, n->rune) = 0;
  }
  while (t->log_len > m->undo) {
    const undo *u = &t->log[--t->log_len];
    t->node[u->at] = u->was;
  }
  t->indexed = t->marked = count;
}

/* A search: the value's runes and the best option so far. */
typedef struct search {
  const sgi_suggest_trie *t;
  const char *const *options;
  const uint32_t *v; /* the value's runes, two places early: step's window at depth k is v + k */
  size_t m;          /* how many */
  size_t best;       /* the distance to beat or equal; 2 before a match */
  size_t match;      /* the option, or STAGEGRAPH_NONE */
} search;

/* The value itself was found: nothing can be closer or earlier. */
static int exact(const search *s) { return s->best == 0 && s->match != STAGEGRAPH_NONE; }

/* The least distance an option of lo to hi runes through a prefix at depth
 * k (with its band) can have: a cell's distance plus the difference between
 * what is left of the value and of the options. */
static size_t lower_bound(const search *s, size_t lo, size_t hi, size_t k, const uint8_t *band) {
  size_t bound = LIMIT;
  for (size_t t = 0; t < BAND; t++) {
    if (band[t] >= bound) continue;
    size_t left = s->m - (k + t - 2);
    size_t gap = left < lo - k ? lo - k - left : left > hi - k ? left - (hi - k) : 0;
    if (band[t] + gap < bound) bound = band[t] + gap;
  }
  return bound;
}

/* Whether option a goes before the match among equally close ones. */
static int before(const search *s, size_t a) {
  return s->match == STAGEGRAPH_NONE || (s->t->newest ? a > s->match : a < s->match);
}

/* An option below can only win by being closer, or as close and earlier. */
static int hopeless(const search *s, size_t bound, size_t first) {
  return bound > s->best || (bound == s->best && !before(s, first));
}

/* An option ends at depth k, with this band. */
static void ends(search *s, size_t k, const uint8_t *band, size_t option) {
  size_t d = last_cell(band, k, s->m);
  if (d < s->best || (d == s->best && before(s, option))) {
    s->best = d;
    s->match = option;
  }
}

/* The tail of the node at depth k, rune by rune from its option's text,
 * until it ends or cannot win. */
static void follow_tail(search *s, const node *n, size_t k, const uint8_t *band) {
  uint8_t rows[2][BAND];
  const uint8_t *row = band;
  cursor c = rest_of(s->options[n->text] + n->tail);
  for (; k < n->hi; k++) {
    uint8_t *next = rows[k & 1];
    step(row, k, next_rune(&c), s->v + k, s->m, next);
    row = next;
    if (hopeless(s, lower_bound(s, n->hi, n->hi, k + 1, row), n->text)) return;
  }
  ends(s, k, row, n->text);
}

/* The node `at` at depth k, with its band: its option, its tail, and
 * whether its children are worth visiting. */
static int enter(search *s, uint32_t at, size_t k, const uint8_t *band) {
  const node *n = &s->t->node[at];
  if (hopeless(s, lower_bound(s, n->lo, n->hi, k, band), n->first)) return 0;
  if (n->end) ends(s, k, band, n->end - 1);
  if (n->tail && !exact(s)) follow_tail(s, n, k, band);
  return !exact(s);
}

/* Depth first without recursion (a name can be megabytes long): the band
 * of each depth is kept in the scratch, and the parent and sibling links
 * say where to go next. Children are only visited under a node whose band
 * has a cell under LIMIT, at most the value's runes + 2 deep. */
static void search_trie(search *s, uint8_t (*bands)[BAND]) {
  const node *nodes = s->t->node;
  uint32_t at = 0, next;
  size_t k = 0;
  first_band(bands[0], s->m);
  int open = enter(s, 0, 0, bands[0]);
  for (;;) {
    if (open && (next = nodes[at].child)) {
      k++;
    } else {
      for (;;) { /* up to the nearest node with a next sibling */
        if (!at || exact(s)) return;
        if ((next = nodes[at].sibling)) break;
        at = nodes[at].parent;
        k--;
      }
    }
    step(bands[k - 1], k - 1, nodes[next].rune, s->v + k - 1, s->m, bands[k]);
    at = next;
    open = enter(s, at, k, bands[k]);
  }
}

/* Room in the scratch for a value of m runes. */
static int reserve_scratch(const sgi_mem *mem, sgi_suggest_trie *t, size_t m) {
  if (t->band && m <= t->scratch_cap) return 0;
  size_t cap = t->scratch_cap ? t->scratch_cap : 64, bytes;
  while (cap < m) cap *= 2;
  if (!sgi_mul_ok(cap + 2, sizeof *t->value, &bytes)) return STAGEGRAPH_ENOMEM;
  uint32_t *value = sgi_realloc(mem, t->value, bytes);
  if (!value) return STAGEGRAPH_ENOMEM;
  t->value = value;
  if (!sgi_mul_ok(cap + 4, sizeof *t->band, &bytes)) return STAGEGRAPH_ENOMEM;
  uint8_t(*band)[BAND] = sgi_realloc(mem, t->band, bytes);
  if (!band) return STAGEGRAPH_ENOMEM;
  t->band = band;
  t->scratch_cap = cap;
  return 0;
}

void sgi_suggest_index_truncate(sgi_suggest_index *x, size_t count) {
  if (x->trie) take_back(x->trie, count);
}

int sgi_suggest_index_find(sgi_suggest_index *x, const char *const *options, size_t count,
                           const char *value, size_t len, size_t *found) {
  size_t dist;
  return sgi_suggest_index_search(x, options, count, value, len, found, &dist);
}

int sgi_suggest_index_search(sgi_suggest_index *x, const char *const *options, size_t count,
                             const char *value, size_t len, size_t *found, size_t *dist) {
  *found = STAGEGRAPH_NONE;
  *dist = LIMIT;
  if (x->queries < SCAN_QUERIES || count <= SCAN_OPTIONS) {
    x->queries++;
    *found = scan(value, len, options, count, 0, x->newest, dist);
    return 0;
  }
  sgi_suggest_trie *t = x->trie;
  if (!t) {
    if (!(t = x->trie = sgi_calloc(x->mem, 1, sizeof *t))) return STAGEGRAPH_ENOMEM;
    t->seed = sgi_hash_seed(t);
    t->newest = x->newest;
  }
  for (; t->indexed < count; t->indexed++) {
    int rc = index_option(x->mem, t, options, t->indexed);
    if (rc) return rc;
  }
  if (!t->nodes) return 0;
  size_t m = count_runes(value, len);
  int rc = reserve_scratch(x->mem, t, m);
  if (rc) return rc;
  cursor c = {value, len, 0};
  uint32_t *v = t->value + 2;
  for (size_t i = 0; i < m; i++) v[i] = next_rune(&c);
  search s = {t, options, t->value, m, 2, STAGEGRAPH_NONE};
  search_trie(&s, t->band);
  if (s.match == STAGEGRAPH_NONE || s.best > 0) {
    *found = s.match;
    if (s.match != STAGEGRAPH_NONE) *dist = s.best;
    return 0;
  }
  *dist = 0;
  /* The value's runes: an option with the value's own bytes means none,
   * else the first with those runes. Valid UTF-8 has one spelling, so the
   * bytes can differ only where one side has U+FFFD (an invalid sequence
   * decodes to it): the rare value that has it is looked for among the
   * options after the match. */
  for (size_t i = 0; i < m; i++) {
    if (v[i] != SGI_RUNE_ERROR) continue;
    /* the options with the match's runes come after it, or before it in
     * a stack index */
    for (size_t k = t->newest ? 0 : s.match; k < (t->newest ? s.match + 1 : count); k++)
      if (strlen(options[k]) == len && !memcmp(options[k], value, len)) return 0;
    *found = s.match;
    return 0;
  }
  return 0;
}
