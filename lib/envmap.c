/* Ordered variable maps. */
#include "envmap.h"

#include <string.h>

#include "hash.h"

struct sgi_envvar {
  const char *name;
  size_t name_len;
  const char *value; /* NULL: declared without a value */
  size_t value_len;
  UT_hash_handle hh;
};

void sgi_envmap_init(sgi_envmap *m, sgi_arena *arena, const sgi_mem *mem) {
  memset(m, 0, sizeof *m);
  m->arena = arena;
  m->mem = mem;
}

void sgi_envmap_free(sgi_envmap *m) {
  const sgi_mem *uthash_mem_ = m->mem;
  HASH_CLEAR(hh, m->head);
  m->count = 0;
}

static sgi_envvar *find(const sgi_envmap *m, const char *name, size_t len) {
  uint64_t uthash_seed_ = sgi_hash_seed(m->mem);
  sgi_envvar *v = NULL;
  HASH_FIND(hh, m->head, name, len, v);
  return v;
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
  v = sgi_arena_calloc(m->arena, 1, sizeof *v);
  if (!v || !(v->name = sgi_arena_strndup(m->arena, name, name_len))) return STAGEGRAPH_ENOMEM;
  v->name_len = name_len;
  v->value = val;
  v->value_len = value ? value_len : 0;
  const sgi_mem *uthash_mem_ = m->mem;
  int uthash_oom_ = 0;
  uint64_t uthash_seed_ = sgi_hash_seed(m->mem);
  HASH_ADD_KEYPTR(hh, m->head, v->name, v->name_len, v);
  if (uthash_oom_) return STAGEGRAPH_ENOMEM;
  m->count++;
  return 0;
}

int sgi_envmap_set(sgi_envmap *m, const char *name, size_t name_len, const char *value,
                   size_t value_len) {
  return set(m, name, name_len, value, value_len, 1);
}

int sgi_envmap_set_ref(sgi_envmap *m, const char *name, size_t name_len, const char *value,
                       size_t value_len) {
  return set(m, name, name_len, value, value_len, 0);
}

void sgi_envmap_remove(sgi_envmap *m, const char *name, size_t name_len) {
  sgi_envvar *v = find(m, name, name_len);
  if (!v) return;
  const sgi_mem *uthash_mem_ = m->mem;
  HASH_DELETE(hh, m->head, v);
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
  for (const sgi_envvar *v = src->head; v; v = v->hh.next) {
    int rc = sgi_envmap_set(dst, v->name, v->name_len, v->value, v->value_len);
    if (rc) return rc;
  }
  return 0;
}

const sgi_envvar *sgi_envmap_next(const sgi_envmap *m, const sgi_envvar *prev) {
  return prev ? prev->hh.next : m->head;
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

/* Copy every visible entry of `from` and its parents into `to`, outermost
 * first, so inner values win. Iterative over the chain. */
static int flatten_into(sgi_envmap *to, const sgi_scope *from) {
  const sgi_scope *chain[SGI_SCOPE_MAX_DEPTH + 1];
  size_t n = 0;
  for (const sgi_scope *s = from; s && n <= SGI_SCOPE_MAX_DEPTH; s = s->parent) chain[n++] = s;
  while (n--) {
    int rc = sgi_envmap_copy(to, &chain[n]->local);
    if (rc) return rc;
  }
  return 0;
}

int sgi_scope_init(sgi_scope *s, const sgi_scope *parent, sgi_arena *arena, const sgi_mem *mem) {
  sgi_envmap_init(&s->local, arena, mem);
  s->parent = parent;
  s->depth = parent ? parent->depth + 1 : 0;
  if (parent && s->depth > SGI_SCOPE_MAX_DEPTH) {
    s->parent = NULL;
    s->depth = 0;
    return flatten_into(&s->local, parent);
  }
  return 0;
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
  for (; s; s = s->parent)
    if (sgi_envmap_get(&s->local, name, name_len, value, value_len)) return 1;
  return 0;
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
