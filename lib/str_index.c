/* The graph's string index (str_index.h). */
#include "str_index.h"

#include <string.h>

#include "hash.h"
#include "prefetch.h"

void sgi_str_index_init(sgi_str_index *x, const sgi_mem *mem, uint64_t seed) {
  memset(x, 0, sizeof *x);
  x->mem = mem;
  x->seed = seed;
}

void sgi_str_index_init_storage(sgi_str_index *x, const sgi_mem *mem, uint64_t seed,
                                sgi_str_slot *slots, size_t slot_cap, char *pool, size_t pool_cap) {
  sgi_str_index_init(x, mem, seed);
  memset(slots, 0, slot_cap * sizeof *slots);
  x->slot = slots;
  x->cap = slot_cap;
  x->slot_borrowed = 1;
  x->pool = pool;
  x->pool_cap = pool_cap;
  x->pool_borrowed = 1;
}

void sgi_str_index_free(sgi_str_index *x) {
  if (!x->slot_borrowed) sgi_free(x->mem, x->slot);
  if (!x->pool_borrowed) sgi_free(x->mem, x->pool);
  sgi_str_index_init(x, x->mem, x->seed);
}

static uint32_t value_at(const sgi_str_index *x, uint32_t at) {
  uint32_t v;
  memcpy(&v, x->pool + at - 1, sizeof v);
  return v;
}

/* The slot holding s (of hash h), or the empty one where it would go. */
static sgi_str_slot *find_slot(const sgi_str_index *x, const char *s, size_t len, uint32_t h) {
  size_t mask = x->cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    sgi_str_slot *e = &x->slot[i];
    if (!e->at) return e;
    if (e->hash != h) continue;
    /* compare up to k's NUL, never past its entry */
    const char *k = x->pool + e->at - 1 + sizeof(uint32_t);
    size_t n = 0;
    while (n < len && k[n] && k[n] == s[n]) n++;
    if (n == len && k[len] == '\0') return e;
  }
}

/* Rehash into `cap` slots (a power of two); slots keep their hashes, so
 * no string is read. */
static int resize(sgi_str_index *x, size_t cap) {
  size_t bytes;
  if (!sgi_mul_ok(cap, sizeof *x->slot, &bytes)) return STAGEGRAPH_ENOMEM;
  sgi_str_slot *slot = sgi_malloc(x->mem, bytes);
  if (!slot) return STAGEGRAPH_ENOMEM;
  memset(slot, 0, bytes);
  size_t mask = cap - 1;
  for (size_t j = 0; j < x->cap; j++) {
    if (!x->slot[j].at) continue;
    size_t at = x->slot[j].hash & mask;
    while (slot[at].at) at = (at + 1) & mask;
    slot[at] = x->slot[j];
  }
  if (!x->slot_borrowed) sgi_free(x->mem, x->slot);
  x->slot_borrowed = 0;
  x->slot = slot;
  x->cap = cap;
  return 0;
}

int sgi_str_index_reserve(sgi_str_index *x, size_t count) {
  size_t cap = x->cap ? x->cap : 16;
  while (cap / 2 < count) {
    if (cap > (size_t)-1 / 4) return STAGEGRAPH_ENOMEM;
    cap *= 2;
  }
  return cap == x->cap ? 0 : resize(x, cap);
}

/* A pool of at least `cap` bytes (its contents kept). */
static int pool_resize(sgi_str_index *x, size_t cap) {
  char *pool = x->pool_borrowed ? sgi_malloc(x->mem, cap) : sgi_realloc(x->mem, x->pool, cap);
  if (!pool) return STAGEGRAPH_ENOMEM;
  if (x->pool_borrowed && x->pool_len) memcpy(pool, x->pool, x->pool_len);
  x->pool_borrowed = 0;
  x->pool = pool;
  x->pool_cap = cap;
  return 0;
}

int sgi_str_index_reserve_pool(sgi_str_index *x, size_t count, size_t string_bytes) {
  size_t need;
  if (!sgi_mul_ok(count, sizeof(uint32_t), &need) || need > SIZE_MAX - string_bytes)
    return STAGEGRAPH_ENOMEM;
  need += string_bytes;
  if (need > UINT32_MAX - 1 - x->pool_len) return STAGEGRAPH_ENOMEM;
  return x->pool_len + need > x->pool_cap ? pool_resize(x, x->pool_len + need) : 0;
}

/* Append value and string to the pool; the entry's offset + 1 in *at. */
static int pool_add(sgi_str_index *x, const char *s, size_t len, uint32_t value, uint32_t *at) {
  size_t need = sizeof value + len + 1;
  if (need > UINT32_MAX - 1 - x->pool_len) return STAGEGRAPH_ENOMEM;
  if (x->pool_len + need > x->pool_cap) {
    size_t cap = x->pool_cap ? x->pool_cap : 256;
    while (cap < x->pool_len + need) cap = cap <= (size_t)-1 / 2 ? 2 * cap : x->pool_len + need;
    int rc = pool_resize(x, cap);
    if (rc) return rc;
  }
  char *p = x->pool + x->pool_len;
  memcpy(p, &value, sizeof value);
  if (len) memcpy(p + sizeof value, s, len);
  p[sizeof value + len] = '\0';
  *at = (uint32_t)x->pool_len + 1;
  x->pool_len += need;
  return 0;
}

uint32_t sgi_str_index_hash(const sgi_str_index *x, const char *s, size_t len) {
  return (uint32_t)sgi_hash_keyed(s, len, x->seed);
}

/* Map s to value; an equal string already there keeps its value unless
 * `replace`, and that value goes to *found (NONE when s is new). */
static int put(sgi_str_index *x, const char *s, size_t len, uint32_t hash, size_t value, int replace,
               size_t *found) {
  *found = STAGEGRAPH_NONE;
  if (value >= UINT32_MAX) return STAGEGRAPH_ENOMEM; /* cannot happen under 4 GiB */
  int rc = sgi_str_index_reserve(x, x->count + 1);
  if (rc) return rc;
  sgi_str_slot *e = find_slot(x, s, len, hash);
  uint32_t v = (uint32_t)value;
  if (e->at) {
    *found = value_at(x, e->at);
    if (replace) memcpy(x->pool + e->at - 1, &v, sizeof v);
    return 0;
  }
  uint32_t at;
  if ((rc = pool_add(x, s, len, v, &at))) return rc;
  e->at = at;
  e->hash = hash;
  x->count++;
  return 0;
}

int sgi_str_index_set_hashed(sgi_str_index *x, const char *s, size_t len, uint32_t hash,
                             size_t value) {
  size_t found;
  return put(x, s, len, hash, value, 1, &found);
}

int sgi_str_index_set(sgi_str_index *x, const char *s, size_t len, size_t value) {
  return sgi_str_index_set_hashed(x, s, len, sgi_str_index_hash(x, s, len), value);
}

int sgi_str_index_add(sgi_str_index *x, const char *s, size_t len, size_t value, size_t *found) {
  return put(x, s, len, sgi_str_index_hash(x, s, len), value, 0, found);
}

size_t sgi_str_index_find_hashed(const sgi_str_index *x, const char *s, size_t len, uint32_t hash) {
  if (!x->count) return STAGEGRAPH_NONE;
  const sgi_str_slot *e = find_slot(x, s, len, hash);
  return e->at ? (size_t)value_at(x, e->at) : STAGEGRAPH_NONE;
}

size_t sgi_str_index_find(const sgi_str_index *x, const char *s, size_t len) {
  return sgi_str_index_find_hashed(x, s, len, sgi_str_index_hash(x, s, len));
}

void sgi_str_index_prefetch_slot(const sgi_str_index *x, uint32_t hash) {
  if (x->cap) SGI_PREFETCH(&x->slot[hash & (x->cap - 1)]);
}

void sgi_str_index_prefetch_entry(const sgi_str_index *x, uint32_t hash) {
  if (!x->cap) return;
  const sgi_str_slot *e = &x->slot[hash & (x->cap - 1)];
  if (e->at && e->hash == hash) SGI_PREFETCH(x->pool + e->at - 1);
}

void sgi_str_index_prefetch(const sgi_str_index *x, const char *s, size_t len) {
  if (x->cap) sgi_str_index_prefetch_slot(x, sgi_str_index_hash(x, s, len));
}
