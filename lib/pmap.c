/* The persistent map (pmap.h). */
#include "pmap.h"

#include <stdlib.h>
#include <string.h>

/* Bits of the hash per level: 16-way nodes. Wider ones copy more on each
 * put (a 100k-stage chain of variables: 32-way nodes took 15% more
 * memory); narrower ones make lookups read more nodes. */
#define BITS 4
#define HASH_BITS 32

typedef struct leaf {
  const char *name;
  size_t len;
  const void *item;
  uint64_t rank;
  unsigned hash;
} leaf;

/* A node holds a slot for each 4-bit piece of the hash at its level that
 * some name has: a leaf (bit in `leaves`) or a node one level down (bit in
 * `children`), packed leaves first, each group in bit order. Below the
 * last piece a node is a bucket of names with equal hashes: `leaves` is
 * then their count, in the order they were put. */
struct sgi_pmap_node {
  uint32_t leaves, children;
  const void *slot[];
};

static unsigned popcount(uint32_t x) {
#if defined(__GNUC__) || defined(__clang__)
  return (unsigned)__builtin_popcount(x);
#else
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  return (unsigned)((((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24);
#endif
}

static uint32_t bit_of(unsigned hash, unsigned shift) { return (uint32_t)1 << ((hash >> shift) & ((1u << BITS) - 1)); }

static int same(const leaf *e, unsigned hash, const char *name, size_t len) {
  return e->hash == hash && e->len == len && memcmp(e->name, name, len) == 0;
}

static int emit(const sgi_pmap_node **out, sgi_arena *arena, uint32_t leaves, uint32_t children,
                const void *const *slot, size_t count) {
  size_t bytes;
  if (!sgi_mul_ok(count, sizeof *slot, &bytes) || bytes > (size_t)-1 - sizeof(sgi_pmap_node))
    return STAGEGRAPH_ENOMEM;
  sgi_pmap_node *n = sgi_arena_alloc(arena, sizeof *n + bytes);
  if (!n) return STAGEGRAPH_ENOMEM;
  n->leaves = leaves;
  n->children = children;
  memcpy(n->slot, slot, bytes);
  *out = n;
  return 0;
}

/* The node holding two leaves of different names from level `shift` on. */
static int pair(const sgi_pmap_node **out, sgi_arena *arena, const leaf *a, const leaf *b,
                unsigned shift) {
  if (shift >= HASH_BITS) {
    const void *slot[2] = {a, b};
    return emit(out, arena, 2, 0, slot, 2);
  }
  uint32_t ba = bit_of(a->hash, shift), bb = bit_of(b->hash, shift);
  if (ba == bb) {
    const sgi_pmap_node *child;
    int rc = pair(&child, arena, a, b, shift + BITS);
    const void *slot[1] = {child};
    return rc ? rc : emit(out, arena, 0, ba, slot, 1);
  }
  const void *slot[2] = {ba < bb ? a : b, ba < bb ? b : a};
  return emit(out, arena, ba | bb, 0, slot, 2);
}

static int put_bucket(const sgi_pmap_node **out, const sgi_pmap_node *n, sgi_arena *arena,
                      const leaf *l, int *added) {
  size_t count = n->leaves, at = count;
  for (size_t i = 0; i < count; i++)
    if (same(n->slot[i], l->hash, l->name, l->len)) at = i;
  *added = at == count;
  size_t bytes, total = count + (size_t)*added;
  if (total > UINT32_MAX || !sgi_mul_ok(total, sizeof *n->slot, &bytes)) return STAGEGRAPH_ENOMEM;
  sgi_pmap_node *m = sgi_arena_alloc(arena, sizeof *m + bytes);
  if (!m) return STAGEGRAPH_ENOMEM;
  m->leaves = (uint32_t)total;
  m->children = 0;
  memcpy(m->slot, n->slot, count * sizeof *n->slot);
  m->slot[at] = l;
  *out = m;
  return 0;
}

/* *out: n (NULL: empty) with the leaf put, at the level of `shift`. The
 * recursion is as deep as the hash has pieces. */
static int put(const sgi_pmap_node **out, const sgi_pmap_node *n, unsigned shift,
               sgi_arena *arena, const leaf *l, int *added) {
  if (n && shift >= HASH_BITS) return put_bucket(out, n, arena, l, added);
  uint32_t bit = bit_of(l->hash, shift);
  if (!n) {
    const void *slot[1] = {l};
    *added = 1;
    return emit(out, arena, bit, 0, slot, 1);
  }
  unsigned nl = popcount(n->leaves), total = nl + popcount(n->children);
  const void *slot[(1 << BITS) + 1];
  memcpy(slot, n->slot, total * sizeof *slot);
  unsigned i = popcount(n->leaves & (bit - 1)), j = nl + popcount(n->children & (bit - 1));
  if (n->children & bit) { /* the name is further down */
    const sgi_pmap_node *child;
    int rc = put(&child, n->slot[j], shift + BITS, arena, l, added);
    if (rc) return rc;
    slot[j] = child;
    return emit(out, arena, n->leaves, n->children, slot, total);
  }
  if (!(n->leaves & bit)) { /* a new leaf */
    memmove(&slot[i + 1], &slot[i], (total - i) * sizeof *slot);
    slot[i] = l;
    *added = 1;
    return emit(out, arena, n->leaves | bit, n->children, slot, total + 1);
  }
  const leaf *e = n->slot[i];
  if (same(e, l->hash, l->name, l->len)) { /* replaced */
    slot[i] = l;
    *added = 0;
    return emit(out, arena, n->leaves, n->children, slot, total);
  }
  /* another name in the slot: both go one level down, in a child that
   * takes the leaf's place among the children (j counts it as a leaf) */
  const sgi_pmap_node *child;
  int rc = pair(&child, arena, e, l, shift + BITS);
  if (rc) return rc;
  memmove(&slot[i], &slot[i + 1], (j - 1 - i) * sizeof *slot);
  slot[j - 1] = child;
  *added = 1;
  return emit(out, arena, n->leaves & ~bit, n->children | bit, slot, total);
}

int sgi_pmap_put(sgi_pmap *out, const sgi_pmap *in, sgi_arena *arena, unsigned hash,
                 const char *name, size_t len, const void *item, uint64_t rank) {
  leaf *l = sgi_arena_alloc(arena, sizeof *l);
  if (!l) return STAGEGRAPH_ENOMEM;
  l->name = name;
  l->len = len;
  l->item = item;
  l->rank = rank;
  l->hash = hash;
  const sgi_pmap_node *root;
  int added = 0;
  int rc = put(&root, in->root, 0, arena, l, &added);
  if (rc) return rc;
  out->count = in->count + (size_t)added;
  out->root = root;
  return 0;
}

const void *sgi_pmap_get(const sgi_pmap *m, unsigned hash, const char *name, size_t len) {
  const sgi_pmap_node *n = m->root;
  for (unsigned shift = 0; n; shift += BITS) {
    if (shift >= HASH_BITS) {
      for (uint32_t i = 0; i < n->leaves; i++)
        if (same(n->slot[i], hash, name, len)) return ((const leaf *)n->slot[i])->item;
      return NULL;
    }
    uint32_t bit = bit_of(hash, shift);
    if (n->leaves & bit) {
      const leaf *e = n->slot[popcount(n->leaves & (bit - 1))];
      return same(e, hash, name, len) ? e->item : NULL;
    }
    if (!(n->children & bit)) return NULL;
    n = n->slot[popcount(n->leaves) + popcount(n->children & (bit - 1))];
  }
  return NULL;
}

static size_t collect(const sgi_pmap_node *n, unsigned shift, const void **out) {
  int bucket = shift >= HASH_BITS;
  unsigned nl = bucket ? n->leaves : popcount(n->leaves);
  size_t k = 0;
  for (unsigned i = 0; i < nl; i++) out[k++] = n->slot[i];
  unsigned nc = bucket ? 0 : popcount(n->children);
  for (unsigned c = 0; c < nc; c++) k += collect(n->slot[nl + c], shift + BITS, out + k);
  return k;
}

static int by_rank(const void *a, const void *b) {
  const leaf *x = *(const void *const *)a, *y = *(const void *const *)b;
  return (x->rank > y->rank) - (x->rank < y->rank);
}

/* The leaves go into `out`, are sorted there, then give way to their
 * items: no memory beyond the caller's. */
void sgi_pmap_items(const sgi_pmap *m, const void **out) {
  if (!m->root) return;
  collect(m->root, 0, out);
  qsort(out, m->count, sizeof *out, by_rank);
  for (size_t i = 0; i < m->count; i++) out[i] = ((const leaf *)out[i])->item;
}
