/* A persistent map from names to items: putting a name gives a new map
 * and leaves the old one as it was, the two sharing all but the path to
 * the name (a hash array mapped trie: 16-way nodes with a bitmap of their
 * slots, path copying on insert). A put costs O(log n) time and arena
 * memory; a lookup reads at most eight nodes and, for names whose whole
 * hashes are equal, their bucket. Deep scopes keep one per stage
 * (envmap.h), each built on its parent's.
 *
 * Hashes are the caller's (keyed, so crafted names cannot collide at
 * will); names whose full hashes collide share a bucket searched in order.
 * Listing follows ranks the caller gives, never the hashes (their seed
 * changes from run to run). Nodes and entries live in the arena: nothing
 * is freed. */
#ifndef STAGEGRAPH_PMAP_H
#define STAGEGRAPH_PMAP_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

typedef struct sgi_pmap_node sgi_pmap_node;

/* A value: copying the struct keeps a version. Zeroed is empty. */
typedef struct sgi_pmap {
  const sgi_pmap_node *root;
  size_t count;
} sgi_pmap;

/* *out becomes `in` with `name` mapped to `item` (replacing the item the
 * name had), listed at `rank`; `in` is unchanged, and out may be in.
 * `name` must outlive the map; item is not NULL. 0, or STAGEGRAPH_ENOMEM
 * with *out unchanged. */
int sgi_pmap_put(sgi_pmap *out, const sgi_pmap *in, sgi_arena *arena, unsigned hash,
                 const char *name, size_t len, const void *item, uint64_t rank);
/* The item of a name, or NULL. */
const void *sgi_pmap_get(const sgi_pmap *m, unsigned hash, const char *name, size_t len);
/* Every item into out[0 .. m->count), by increasing rank (equal ranks in
 * an order that depends on the hashes). */
void sgi_pmap_items(const sgi_pmap *m, const void **out);

#endif
