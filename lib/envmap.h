/* Variable scopes: an insertion-ordered map of names to values (a value may
 * be NULL: an ARG declared without one). Used for the global scope of FROM
 * lines and the environment of each stage. Most maps hold a few names and
 * are searched in order; past SGI_ENVMAP_SMALL names a hash index (keyed
 * per allocator, so crafted names cannot make it linear) takes over. */
#ifndef STAGEGRAPH_ENVMAP_H
#define STAGEGRAPH_ENVMAP_H

#include "alloc.h"
#include "expand.h"

typedef struct sgi_envvar sgi_envvar;

#define SGI_ENVMAP_SMALL 16

typedef struct sgi_envindex sgi_envindex;

typedef struct sgi_envmap {
  sgi_arena *arena;     /* entries and strings */
  const sgi_mem *mem;   /* the index */
  sgi_envvar *head;     /* entries in insertion order (head->prev is the last) */
  sgi_envindex *index;  /* NULL while small */
  size_t count;
} sgi_envmap;

void sgi_envmap_init(sgi_envmap *m, sgi_arena *arena, const sgi_mem *mem);
void sgi_envmap_free(sgi_envmap *m);
/* Set (or replace, keeping the original position) name to value (NULL:
 * declared without a value). Strings are copied. 0 or STAGEGRAPH_ENOMEM. */
int sgi_envmap_set(sgi_envmap *m, const char *name, size_t name_len, const char *value,
                   size_t value_len);
/* The same, keeping a pointer to `value` (NUL-terminated), which must
 * outlive the map: values shared between scopes are not copied. */
int sgi_envmap_set_ref(sgi_envmap *m, const char *name, size_t name_len, const char *value,
                       size_t value_len);
/* Look up a name: 1 when present (*value may be NULL), 0 when absent. */
int sgi_envmap_get(const sgi_envmap *m, const char *name, size_t name_len, const char **value,
                   size_t *value_len);
int sgi_envmap_copy(sgi_envmap *dst, const sgi_envmap *src);
/* Remove a name (nothing when absent). */
void sgi_envmap_remove(sgi_envmap *m, const char *name, size_t name_len);
/* Iterate: returns the entry after `prev` (NULL for the first). */
const sgi_envvar *sgi_envmap_next(const sgi_envmap *m, const sgi_envvar *prev);
const char *sgi_envvar_name(const sgi_envvar *v);
const char *sgi_envvar_value(const sgi_envvar *v, size_t *len);
/* An expansion environment over the map: only entries with a value are
 * set. */
sgi_env sgi_envmap_env(const sgi_envmap *m);

/* A stage's variables: its own map over its parent stage's (shared, never
 * copied while the chain is short), so stages built FROM a stage with many
 * variables cost only what they add. Past SGI_SCOPE_MAX_DEPTH layers a
 * scope starts from a flattened copy, which bounds lookups. */
#define SGI_SCOPE_MAX_DEPTH 32

typedef struct sgi_scope {
  const struct sgi_scope *parent;
  sgi_envmap local;
  size_t depth;
} sgi_scope;

int sgi_scope_init(sgi_scope *s, const sgi_scope *parent, sgi_arena *arena, const sgi_mem *mem);
void sgi_scope_free(sgi_scope *s);
int sgi_scope_set(sgi_scope *s, const char *name, size_t name_len, const char *value,
                  size_t value_len);
int sgi_scope_set_ref(sgi_scope *s, const char *name, size_t name_len, const char *value,
                      size_t value_len);
/* 1 when the name is present in this scope or an enclosing one (its value
 * may be NULL: declared without one). */
int sgi_scope_get(const sgi_scope *s, const char *name, size_t name_len, const char **value,
                  size_t *value_len);
sgi_env sgi_scope_env(const sgi_scope *s);

#endif
