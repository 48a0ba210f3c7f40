/* The cache model's index of changed paths. A source without wildcards
 * reads itself and what is under it: with '/' sorting first those are one
 * run of the sorted paths, found by bisection, and the run's earliest path
 * in the caller's order (the one the report names) comes from a tree of
 * minima in O(log n). A source with wildcards reads only paths under its
 * literal base, the same kind of run, and within it the runs of the names
 * its pattern's components match, depth by depth. */
#include "path_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ignore.h"

/* Byte order with '/' below every other byte (paths hold no NUL). */
static int rank(unsigned char b) { return b == '/' ? 0 : b; }

static int compare_paths(const char *a, size_t an, const char *b, size_t bn) {
  size_t n = an < bn ? an : bn;
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return rank((unsigned char)a[i]) - rank((unsigned char)b[i]);
  return an < bn ? -1 : an > bn;
}

static int compare_entries(const void *x, const void *y) {
  const sgi_path_entry *a = x, *b = y;
  return compare_paths(a->path, a->len, b->path, b->len);
}

static int compare_positions(const void *x, const void *y) {
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  return a < b ? -1 : a > b;
}

void sgi_path_index_free(sgi_path_index *ix) {
  if (!ix->mem) return;
  for (size_t i = 0; i < ix->count; i++) sgi_free(ix->mem, ix->entries[i].path);
  sgi_free(ix->mem, ix->entries);
  sgi_free(ix->mem, ix->first);
  sgi_free(ix->mem, ix->rank);
  sgi_free(ix->mem, ix->scratch);
  memset(ix, 0, sizeof *ix);
}

int sgi_path_index_build(sgi_path_index *ix, const sgi_mem *mem, const char *const *paths,
                         const unsigned char *skip, size_t count) {
  memset(ix, 0, sizeof *ix);
  ix->mem = mem;
  size_t tree;
  if (!count) return 0;
  if (!sgi_mul_ok(count, 2, &tree)) return STAGEGRAPH_ENOMEM;
  ix->entries = sgi_calloc(mem, count, sizeof *ix->entries);
  ix->first = sgi_calloc(mem, tree, sizeof *ix->first);
  ix->rank = sgi_calloc(mem, count, sizeof *ix->rank);
  ix->scratch = sgi_calloc(mem, count, sizeof *ix->scratch);
  if (!ix->entries || !ix->first || !ix->rank || !ix->scratch) goto fail;
  for (size_t i = 0; i < count; i++) {
    if (!paths[i] || (skip && skip[i])) continue;
    sgi_path_entry *e = &ix->entries[ix->count];
    if (!(e->path = sgi_path_clean_rooted(mem, paths[i], strlen(paths[i]), &e->len))) goto fail;
    e->pos = i;
    ix->count++;
  }
  size_t n = ix->count;
  if (n) qsort(ix->entries, n, sizeof *ix->entries, compare_entries);
  memset(ix->rank, 0xff, count * sizeof *ix->rank); /* SIZE_MAX */
  for (size_t i = 0; i < n; i++) {
    ix->first[n + i] = ix->entries[i].pos;
    ix->rank[ix->entries[i].pos] = i;
  }
  for (size_t i = n; i-- > 1;)
    ix->first[i] = ix->first[2 * i] < ix->first[2 * i + 1] ? ix->first[2 * i] : ix->first[2 * i + 1];
  return 0;
fail:
  sgi_path_index_free(ix);
  ix->mem = mem;
  return STAGEGRAPH_ENOMEM;
}

/* e is dir or under it */
static int under(const sgi_path_entry *e, const char *dir, size_t len) {
  return e->len >= len && memcmp(e->path, dir, len) == 0 && (e->len == len || e->path[len] == '/');
}

void sgi_path_index_under(const sgi_path_index *ix, const char *dir, size_t len, size_t *lo,
                          size_t *hi) {
  if (len == 1 && dir[0] == '/') { /* every rooted path */
    *lo = 0;
    *hi = ix->count;
    return;
  }
  /* the first entry not before dir; then, as nothing sorts between dir
   * and what is under it, the first one past them */
  size_t a = 0, b = ix->count;
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (compare_paths(ix->entries[m].path, ix->entries[m].len, dir, len) < 0) a = m + 1;
    else b = m;
  }
  *lo = a;
  b = ix->count;
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (under(&ix->entries[m], dir, len)) a = m + 1;
    else b = m;
  }
  *hi = a;
}

size_t sgi_path_index_first(const sgi_path_index *ix, size_t lo, size_t hi) {
  size_t best = SIZE_MAX;
  for (lo += ix->count, hi += ix->count; lo < hi; lo /= 2, hi /= 2) {
    if (lo & 1) {
      if (ix->first[lo] < best) best = ix->first[lo];
      lo++;
    }
    if (hi & 1) {
      hi--;
      if (ix->first[hi] < best) best = ix->first[hi];
    }
  }
  return best;
}

/* The runs of entries [lo, hi), whose names start at byte `at`, against
 * component `level`. */
static int match_runs(const sgi_path_index *ix, size_t lo, size_t hi, size_t at, size_t level,
                      const sgi_path_match *m, size_t *best) {
  int rc = 0;
  for (size_t i = lo; i < hi && !rc;) {
    const sgi_path_entry *e = &ix->entries[i];
    if (e->len <= at) { /* the directory itself, which no component names */
      i++;
      continue;
    }
    const char *name = e->path + at, *slash = memchr(name, '/', e->len - at);
    size_t name_len = slash ? (size_t)(slash - name) : e->len - at, run_lo, run_hi;
    sgi_path_index_under(ix, e->path, at + name_len, &run_lo, &run_hi);
    if (sgi_path_index_first(ix, run_lo, run_hi) < *best &&
        sgi_path_match_component(m->comp[level], m->comp_len[level], name, name_len)) {
      if (level + 1 < m->depth) {
        rc = match_runs(ix, run_lo, run_hi, at + name_len + 1, level + 1, m, best);
      } else if (!m->holds) {
        *best = sgi_path_index_first(ix, run_lo, run_hi);
      } else {
        const size_t *pos = sgi_path_index_positions(ix, run_lo, run_hi);
        for (size_t k = 0; k < run_hi - run_lo && pos[k] < *best && !rc; k++) {
          int hit = m->holds(m->ctx, pos[k]);
          if (hit < 0) rc = hit;
          else if (hit) *best = pos[k];
        }
      }
    }
    i = run_hi > i ? run_hi : i + 1;
  }
  return rc;
}

int sgi_path_index_first_match(const sgi_path_index *ix, size_t lo, size_t hi, size_t dir_len,
                               const sgi_path_match *m, size_t *best) {
  /* names under the root start at byte 1, under another directory past its '/' */
  return m->depth ? match_runs(ix, lo, hi, dir_len == 1 ? 1 : dir_len + 1, 0, m, best) : 0;
}

const size_t *sgi_path_index_positions(const sgi_path_index *ix, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++) ix->scratch[i - lo] = ix->entries[i].pos;
  qsort(ix->scratch, hi - lo, sizeof *ix->scratch, compare_positions);
  return ix->scratch;
}
