/* The changed context paths of a cache report, indexed by prefix, so that
 * a COPY/ADD source finds the paths it reads without reading them all. */
#ifndef STAGEGRAPH_PATH_INDEX_H
#define STAGEGRAPH_PATH_INDEX_H

#include <stddef.h>

#include "alloc.h"

typedef struct sgi_path_entry {
  char *path; /* path.Join("/", path): how sources compare it */
  size_t len;
  size_t pos; /* its place in the caller's list */
} sgi_path_entry;

/* The entries sorted with '/' below every other byte, so that a path is
 * followed by what is under it ("a", "a/b", "a/c", "a-b"); a tree of the
 * smallest position of each run of entries; each position's entry; and
 * room for `count` positions. */
typedef struct sgi_path_index {
  const sgi_mem *mem;
  sgi_path_entry *entries;
  size_t count;
  size_t *first;   /* first[count + i] = entries[i].pos, first[i] = min of its two children */
  size_t *rank;    /* entries[rank[pos]].pos == pos; SIZE_MAX for a path not indexed */
  size_t *scratch; /* sgi_path_index_positions' answer */
} sgi_path_index;

/* Index paths[i] for each i < count that is not NULL and not skip[i]
 * (skip may be NULL). 0 or STAGEGRAPH_ENOMEM (the index is then empty,
 * and free to free). */
int sgi_path_index_build(sgi_path_index *ix, const sgi_mem *mem, const char *const *paths,
                         const unsigned char *skip, size_t count);
void sgi_path_index_free(sgi_path_index *ix);

/* The entries [*lo, *hi) equal to the rooted, clean `dir` (len bytes) or
 * under it; all of them for "/". */
void sgi_path_index_under(const sgi_path_index *ix, const char *dir, size_t len, size_t *lo,
                          size_t *hi);
/* The smallest position among entries [lo, hi), lo < hi. */
size_t sgi_path_index_first(const sgi_path_index *ix, size_t lo, size_t hi);
/* The positions of entries [lo, hi), ascending, in ix->scratch. */
const size_t *sgi_path_index_positions(const sgi_path_index *ix, size_t lo, size_t hi);
/* What a wildcard source reads below its base, for
 * sgi_path_index_first_match: names that match these components one for
 * one (sgi_path_match_component), and under them what `holds` (NULL: all
 * of it). */
typedef struct sgi_path_match {
  const char *const *comp;
  const size_t *comp_len;
  size_t depth;
  /* asked of the entry at the caller's position pos: 1, 0, or a negative
   * code that ends the search */
  int (*holds)(void *ctx, size_t pos);
  void *ctx;
} sgi_path_match;
/* The smallest position below *best, into *best (left as it is when there
 * is none), among the entries [lo, hi) under the directory of dir_len
 * bytes (1 for the root) that m takes. Below a directory the entries come
 * in runs, one per name ("a", "a/b", then "c"): only the runs whose name
 * matches the component at that depth are followed, and none whose
 * smallest position is not below the best so far; `holds` is asked in
 * the caller's order. 0 or holds' negative code. */
int sgi_path_index_first_match(const sgi_path_index *ix, size_t lo, size_t hi, size_t dir_len,
                               const sgi_path_match *m, size_t *best);
/* Whether the path at `pos` is among entries [lo, hi). */
static inline int sgi_path_index_holds(const sgi_path_index *ix, size_t pos, size_t lo, size_t hi) {
  return ix->rank[pos] >= lo && ix->rank[pos] < hi;
}

#endif
