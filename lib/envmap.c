/* Ordered variable maps. */
#include "envmap.h"

#include <string.h>

#include "hash.h"
#include "pmap.h"

struct sgi_envvar {
  const char *name;
  const char *value; /* NULL: declared without a value */
  size_t name_len;
  size_t value_len;
  sgi_envvar *next; /* insertion order */
  sgi_envvar *prev; /* the head's is the last entry, so appends need no tail */
  unsigned hash;    /* of the name, once the map is indexed */
};

/* Open addressing with linear probing, at most half full. */
struct sgi_envindex {
  size_t cap; /* a power of two */
  sgi_envvar *slot[];
};

void sgi_envmap_init(sgi_envmap *m, sgi_arena *arena, const sgi_mem *mem) {
  memset(m, 0, sizeof *m);
  m->arena = arena;
  m->mem = mem;
}

/* Entries live in the arena: only the index is freed. A zeroed map (never
 * initialised) may be freed too. */
void sgi_envmap_free(sgi_envmap *m) {
  if (m->index) sgi_free(m->mem, m->index);
  m->index = NULL;
  m->head = NULL;
  m->count = 0;
}

static unsigned hash_name(const sgi_envmap *m, const char *name, size_t len) {
  return sgi_hash_keyed(name, len, sgi_hash_seed(m->mem));
}

static sgi_envvar *find(const sgi_envmap *m, const char *name, size_t len) {
  if (!m->index) {
    for (sgi_envvar *v = m->head; v; v = v->next)
      if (v->name_len == len && memcmp(v->name, name, len) == 0) return v;
    return NULL;
  }
  unsigned h = hash_name(m, name, len);
  size_t mask = m->index->cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    sgi_envvar *v = m->index->slot[i];
    if (!v) return NULL;
    if (v->hash == h && v->name_len == len && memcmp(v->name, name, len) == 0) return v;
  }
}

static void index_put(sgi_envindex *x, sgi_envvar *v) {
  size_t mask = x->cap - 1, i = v->hash & mask;
  while (x->slot[i]) i = (i + 1) & mask;
  x->slot[i] = v;
}

/* Make room in the index for one more entry, building it when the map
 * stops being small. The map is unchanged when this fails. */
static int reserve(sgi_envmap *m) {
  size_t need = m->count + 1;
  if (need <= SGI_ENVMAP_SMALL || (m->index && 2 * need <= m->index->cap)) return 0;
  size_t cap = m->index ? 2 * m->index->cap : 4 * SGI_ENVMAP_SMALL;
  size_t bytes;
  if (!sgi_mul_ok(cap, sizeof(sgi_envvar *), &bytes) || bytes > (size_t)-1 - sizeof(sgi_envindex))
    return STAGEGRAPH_ENOMEM;
  bytes += sizeof(sgi_envindex);
  sgi_envindex *x = sgi_malloc(m->mem, bytes);
  if (!x) return STAGEGRAPH_ENOMEM;
  memset(x, 0, bytes);
  x->cap = cap;
  int hashed = m->index != NULL;
  if (m->index) sgi_free(m->mem, m->index);
  m->index = x;
  for (sgi_envvar *v = m->head; v; v = v->next) {
    if (!hashed) v->hash = hash_name(m, v->name, v->name_len);
    index_put(x, v);
  }
  return 0;
}

/* Add an entry for a name the map does not hold: `name` and `value` are
 * kept, not copied. */
static int append(sgi_envmap *m, const char *name, size_t name_len, const char *value,
                  size_t value_len) {
  if (reserve(m)) return STAGEGRAPH_ENOMEM;
  sgi_envvar *v = sgi_arena_alloc(m->arena, sizeof *v);
  if (!v) return STAGEGRAPH_ENOMEM;
  v->name = name;
  v->name_len = name_len;
  v->value = value;
  v->value_len = value ? value_len : 0;
  v->next = NULL;
  if (m->head) {
    v->prev = m->head->prev;
    v->prev->next = v;
    m->head->prev = v;
  } else {
    v->prev = v;
    m->head = v;
  }
  m->count++;
  v->hash = 0;
  if (m->index) {
    v->hash = hash_name(m, name, name_len);
    index_put(m->index, v);
  }
  return 0;
}

static int set(sgi_envmap *m, const char *name, size_t name_len, const char *value,
               size_t value_len, int copy) {
  sgi_envvar *v = find(m, name, name_len);
  const char *val = copy ? NULL : value;
  if (copy && value && !(val = sgi_arena_strndup(m->arena, value, value_len))) return STAGEGRAPH_ENOMEM;
  if (v) {
    v->value = val;
    v->value_len = value ? value_len : 0;
    return 0;
  }
  const char *kept = sgi_arena_strndup(m->arena, name, name_len);
  return kept ? append(m, kept, name_len, val, value_len) : STAGEGRAPH_ENOMEM;
}

int sgi_envmap_set(sgi_envmap *m, const char *name, size_t name_len, const char *value,
                   size_t value_len) {
  return set(m, name, name_len, value, value_len, 1);
}

int sgi_envmap_add_ref(sgi_envmap *m, const char *name, size_t name_len, const char *value,
                       size_t value_len) {
  return append(m, name, name_len, value, value_len);
}

int sgi_envmap_set_ref(sgi_envmap *m, const char *name, size_t name_len, const char *value,
                       size_t value_len) {
  return set(m, name, name_len, value, value_len, 0);
}

/* Linear probing deletes by moving later entries of the probe run back
 * into the hole when their home slot does not lie after it. */
static void index_remove(sgi_envindex *x, const sgi_envvar *v) {
  size_t mask = x->cap - 1, i = v->hash & mask;
  while (x->slot[i] != v) i = (i + 1) & mask;
  for (size_t j = (i + 1) & mask; x->slot[j]; j = (j + 1) & mask) {
    size_t home = x->slot[j]->hash & mask;
    int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (stays) continue;
    x->slot[i] = x->slot[j];
    i = j;
  }
  x->slot[i] = NULL;
}

void sgi_envmap_remove(sgi_envmap *m, const char *name, size_t name_len) {
  sgi_envvar *v = find(m, name, name_len);
  if (!v) return;
  if (m->index) index_remove(m->index, v);
  if (v == m->head) {
    m->head = v->next;
    if (m->head) m->head->prev = v->prev; /* the last entry */
  } else {
    v->prev->next = v->next;
    if (v->next)
      v->next->prev = v->prev;
    else
      m->head->prev = v->prev; /* v was the last */
  }
  m->count--;
}

int sgi_envmap_get(const sgi_envmap *m, const char *name, size_t name_len, const char **value,
                   size_t *value_len) {
  sgi_envvar *v = find(m, name, name_len);
  if (!v) return 0;
  if (value) *value = v->value;
  if (value_len) *value_len = v->value_len;
  return 1;
}

int sgi_envmap_copy(sgi_envmap *dst, const sgi_envmap *src) {
  for (const sgi_envvar *v = src->head; v; v = v->next) {
    int rc = sgi_envmap_set(dst, v->name, v->name_len, v->value, v->value_len);
    if (rc) return rc;
  }
  return 0;
}

const sgi_envvar *sgi_envmap_next(const sgi_envmap *m, const sgi_envvar *prev) {
  return prev ? prev->next : m->head;
}

const char *sgi_envvar_name(const sgi_envvar *v) { return v->name; }

const char *sgi_envvar_value(const sgi_envvar *v, size_t *len) {
  if (len) *len = v->value_len;
  return v->value;
}

static const char *lookup(void *ctx, const char *name, size_t name_len, size_t *value_len) {
  const char *value = NULL;
  if (!sgi_envmap_get(ctx, name, name_len, &value, value_len)) return NULL;
  return value;
}

sgi_env sgi_envmap_env(const sgi_envmap *m) {
  sgi_env env = {lookup, (void *)m};
  return env;
}

/* Everything visible in a scope, each definition ranked for
 * sgi_scope_each: a scope's definitions take the ranks just below its
 * parent's `rank`, in the order they were set, so increasing ranks list
 * the innermost scope first. */
struct sgi_scope_visible {
  sgi_pmap map;
  uint64_t rank; /* the lowest rank in use on the chain: a child's go below */
};

/* Build the visible map of p, and of the ancestors it needs, outermost
 * first, each on its parent's. A scope deeper than SGI_SCOPE_LAYERS had
 * its parent's built when it was initialised, so the walk up meets a
 * built one (or the root) within SGI_SCOPE_LAYERS + 1 scopes: neither
 * recursion nor memory grows with the chain. */
static int build_visible(sgi_scope *p, sgi_arena *arena, uint64_t seed) {
  sgi_scope *path[SGI_SCOPE_LAYERS + 1];
  size_t n = 0;
  sgi_scope *x = p;
  for (; x && !x->visible; x = x->parent) {
    if (n == SGI_SCOPE_LAYERS + 1) return STAGEGRAPH_ERROR; /* not made by sgi_scope_init */
    path[n++] = x;
  }
  const sgi_scope_visible *below = x ? x->visible : NULL;
  while (n--) {
    sgi_scope *sc = path[n];
    if (below && !sc->local.count) { /* adds nothing: shares its parent's */
      sc->visible = below;
      continue;
    }
    sgi_scope_visible *vis = sgi_arena_alloc(arena, sizeof *vis);
    if (!vis) return STAGEGRAPH_ENOMEM;
    vis->map = below ? below->map : (sgi_pmap){NULL, 0};
    vis->rank = (below ? below->rank : UINT64_MAX) - sc->local.count;
    uint64_t rank = vis->rank;
    for (const sgi_envvar *v = sc->local.head; v; v = v->next) {
      unsigned h = sgi_hash_keyed(v->name, v->name_len, seed);
      int rc = sgi_pmap_put(&vis->map, &vis->map, arena, h, v->name, v->name_len, v, rank++);
      if (rc) return rc;
    }
    sc->visible = below = vis;
  }
  return 0;
}

/* Children are initialised after their parent's last set (dispatch.c),
 * so a visible map built here never misses a later definition. */
int sgi_scope_init(sgi_scope *s, sgi_scope *parent, sgi_arena *arena, const sgi_mem *mem) {
  sgi_envmap_init(&s->local, arena, mem);
  s->parent = parent;
  s->depth = parent ? parent->depth + 1 : 0;
  s->visible = NULL;
  return s->depth > SGI_SCOPE_LAYERS ? build_visible(parent, arena, sgi_hash_seed(mem)) : 0;
}

void sgi_scope_free(sgi_scope *s) { sgi_envmap_free(&s->local); }

int sgi_scope_set(sgi_scope *s, const char *name, size_t name_len, const char *value,
                  size_t value_len) {
  return sgi_envmap_set(&s->local, name, name_len, value, value_len);
}

int sgi_scope_set_ref(sgi_scope *s, const char *name, size_t name_len, const char *value,
                      size_t value_len) {
  return sgi_envmap_set_ref(&s->local, name, name_len, value, value_len);
}

int sgi_scope_get(const sgi_scope *s, const char *name, size_t name_len, const char **value,
                  size_t *value_len) {
  if (s->depth <= SGI_SCOPE_LAYERS) {
    for (; s; s = s->parent)
      if (sgi_envmap_get(&s->local, name, name_len, value, value_len)) return 1;
    return 0;
  }
  if (sgi_envmap_get(&s->local, name, name_len, value, value_len)) return 1;
  const sgi_envvar *v =
      sgi_pmap_get(&s->parent->visible->map, hash_name(&s->local, name, name_len), name, name_len);
  if (!v) return 0;
  if (value) *value = v->value;
  if (value_len) *value_len = v->value_len;
  return 1;
}

static const char *scope_lookup(void *ctx, const char *name, size_t name_len, size_t *value_len) {
  const char *value = NULL;
  if (!sgi_scope_get(ctx, name, name_len, &value, value_len)) return NULL;
  return value;
}

sgi_env sgi_scope_env(const sgi_scope *s) {
  sgi_env env = {scope_lookup, (void *)s};
  return env;
}

int sgi_scope_each(const sgi_scope *s, int (*fn)(void *ctx, const sgi_envvar *v), void *ctx) {
  int rc;
  for (const sgi_scope *x = s; x; x = x->parent) {
    for (const sgi_envvar *v = x->local.head; v; v = v->next)
      if ((rc = fn(ctx, v))) return rc;
    if (x->depth > SGI_SCOPE_LAYERS) { /* the rest, once each, from the parent's visible map */
      const sgi_pmap *rest = &x->parent->visible->map;
      if (!rest->count) return 0;
      const void **items = sgi_calloc(x->local.mem, rest->count, sizeof *items);
      if (!items) return STAGEGRAPH_ENOMEM;
      sgi_pmap_items(rest, items);
      rc = 0;
      for (size_t i = 0; i < rest->count && !rc; i++) rc = fn(ctx, items[i]);
      sgi_free(x->local.mem, items);
      return rc;
    }
  }
  return 0;
}
