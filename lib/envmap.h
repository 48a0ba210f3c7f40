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
/* Add a name the map does not hold yet, keeping pointers to both `name`
 * and `value` (NUL-terminated; NULL: declared without a value), which
 * must outlive the map. 0 or STAGEGRAPH_ENOMEM. */
int sgi_envmap_add_ref(sgi_envmap *m, const char *name, size_t name_len, const char *value,
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
 * copied), so stages built FROM a stage with many variables cost only
 * what they add. A scope at most SGI_SCOPE_LAYERS below its root, as in
 * ordinary files, is searched layer by layer. A deeper one searches its
 * own map, then its parent's visible map: everything visible in the
 * parent, a persistent map (pmap.h) built on the grandparent's, once per
 * scope, when the first scope deeper than SGI_SCOPE_LAYERS is initialised
 * over it. Any FROM forest (chains, fan-out, a stage with many variables
 * above many descendants) then costs O(definitions x log), and a lookup
 * reads at most SGI_SCOPE_LAYERS + 1 maps, or two.
 *
 * A scope's parent must be final (set no more) when a scope is
 * initialised over it, and the scopes of one forest share one allocator
 * (its hash seed keys the visible maps). */
#define SGI_SCOPE_LAYERS 32

typedef struct sgi_scope_visible sgi_scope_visible;

typedef struct sgi_scope {
  struct sgi_scope *parent; /* its visible map may be built */
  sgi_envmap local;
  size_t depth;
  const sgi_scope_visible *visible; /* NULL until built */
} sgi_scope;

/* 0, or STAGEGRAPH_ENOMEM when the parent's visible map could not be
 * built. A zeroed scope is an empty root, which may be a parent. */
int sgi_scope_init(sgi_scope *s, sgi_scope *parent, sgi_arena *arena, const sgi_mem *mem);
void sgi_scope_free(sgi_scope *s);
/* Whether sgi_scope_free has anything to free: only a map grown past
 * SGI_ENVMAP_SMALL names holds heap memory. */
static inline int sgi_scope_owns_heap(const sgi_scope *s) { return s->local.index != NULL; }
int sgi_scope_set(sgi_scope *s, const char *name, size_t name_len, const char *value,
                  size_t value_len);
int sgi_scope_set_ref(sgi_scope *s, const char *name, size_t name_len, const char *value,
                      size_t value_len);
/* 1 when the name is present in this scope or an enclosing one (its value
 * may be NULL: declared without one). */
int sgi_scope_get(const sgi_scope *s, const char *name, size_t name_len, const char **value,
                  size_t *value_len);
sgi_env sgi_scope_env(const sgi_scope *s);
/* Calls fn with each definition visible in a scope (values may be NULL),
 * innermost stage first and each stage's in the order they were set, and
 * stops when fn returns nonzero. In a scope at most SGI_SCOPE_LAYERS deep
 * every layer is walked, so a name set in several stages comes once per
 * stage; in a deeper one, after its own map, each name visible in its
 * parent comes once, at its innermost definition (a later one is shadowed;
 * listing it too would make deep chains quadratic). Returns 0, fn's code,
 * or STAGEGRAPH_ENOMEM. */
int sgi_scope_each(const sgi_scope *s, int (*fn)(void *ctx, const sgi_envvar *v), void *ctx);

#endif
