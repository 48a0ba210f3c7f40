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

int sgi_envmap_set(sgi_envmap *m, const char *name, size_t name_len, const char *value,
                   size_t value_len) {
  sgi_envvar *v = find(m, name, name_len);
  const char *val = NULL;
  if (value && !(val = sgi_arena_strndup(m->arena, value, value_len))) return STAGEGRAPH_ENOMEM;
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
