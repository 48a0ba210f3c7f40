/* "did you mean" suggestions (BuildKit's util/suggest.Search): the option
 * within Levenshtein distance 2 of the value (over runes), the first
 * strictly closest one in the order given, and none when the value is
 * itself an option. Names of any length, as in BuildKit: a comparison
 * computes the 5 cells within 2 of the table's diagonal per rune, decoding
 * runes as it goes, and none at all when the lengths differ by 3. */
#ifndef STAGEGRAPH_SUGGEST_H
#define STAGEGRAPH_SUGGEST_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "buf.h"

/* Append " (did you mean X?)" to msg when an option is close enough.
 * Without case sensitivity the comparison is on lowercase text and the
 * suggestion takes the value's case when the value is all one case.
 * Options are static strings. Returns 1 when a suggestion was added, 0 when
 * none was (including an exact match), or STAGEGRAPH_ENOMEM. */
int sgi_suggest(sgi_buf *msg, const char *value, size_t len, const char *const *options,
                size_t count, int case_sensitive);

/* The search itself, by scanning every option: the index of the option
 * chosen, or STAGEGRAPH_NONE. `fold` compares ASCII letters without case.
 * No memory beyond the stack's few bytes. */
size_t sgi_suggest_scan(const char *value, size_t len, const char *const *options, size_t count,
                        int fold);

/* The same search (case-sensitive) over a list of options that only
 * grows at its end between clears (the caller's: each question passes it
 * again) and is asked many times. The first few questions scan it; later
 * ones search a trie of the options' runes, built then and extended by
 * the options added since, carrying one band of the edit-distance table
 * (5 cells) down each branch, depth first without recursion. The trie
 * holds the prefixes that tell options apart: an option's runes past them
 * stay in its text (a tail) until a later option follows them, so a long
 * name costs nodes only as far as it is like another one, and a question
 * keeps O(its runes) of scratch. A branch is left as soon as no option below
 * it can be closer than the best found, or as close and earlier: each
 * node knows the fewest and most runes of an option below it and the
 * first option through it. Children are found by a keyed hash of
 * (parent, rune) when adding, so crafted names cannot make building
 * quadratic.
 *
 * A question visits the nodes whose prefix is within distance 2 of a
 * prefix of the value and can still end within distance 2 of the value,
 * at 5 cells each. Any two runes are within two substitutions, so the
 * trie's first two levels are always visited: at most the number of
 * distinct two-rune prefixes (a few thousand for random names over
 * letters and digits, four over two letters); deeper, a node is visited
 * only when its prefix nearly matches (12k questions over 12k random
 * 8-character names: 5.9 s, the scan 10.4 s; over 12k names of 14 a's
 * and b's: 0.2 s, the scan 14 s). The worst case, options built to
 * be near misses of the value's prefix and then differ, visits each such
 * option's runes once: the scan's order, at 5 cells a rune instead of a
 * full distance per option. */
typedef struct sgi_suggest_trie sgi_suggest_trie;

typedef struct sgi_suggest_index {
  const sgi_mem *mem;
  size_t queries;         /* asked since the last clear */
  sgi_suggest_trie *trie; /* NULL until the scans are over */
  int newest;             /* a stack index */
} sgi_suggest_index;

void sgi_suggest_index_init(sgi_suggest_index *x, const sgi_mem *mem);
/* A stack index: ties go to the LATER option, and the list may also lose
 * its last options (sgi_suggest_index_truncate), as a stack does. Each
 * option added to the trie logs the nodes it changes, so taking options
 * back costs what adding them did. For lists whose best names come last:
 * UndefinedVar's names of a FROM chain, the innermost stage's on top. */
void sgi_suggest_index_init_stack(sgi_suggest_index *x, const sgi_mem *mem);
/* After a stack index's list was cut to `count` options. */
void sgi_suggest_index_truncate(sgi_suggest_index *x, size_t count);
void sgi_suggest_index_free(sgi_suggest_index *x);
/* Before the list is emptied: small tables are kept for the next one,
 * large ones freed. */
void sgi_suggest_index_clear(sgi_suggest_index *x);
/* The option to suggest among options[0..count) (borrowed, NUL-terminated:
 * the ones of earlier questions, then any added since): *found receives
 * its index, or STAGEGRAPH_NONE. 0 or STAGEGRAPH_ENOMEM (building the
 * trie). */
int sgi_suggest_index_find(sgi_suggest_index *x, const char *const *options, size_t count,
                           const char *value, size_t len, size_t *found);
/* The same, with the distance of the option found in *dist: 0 to 2, or 0
 * with none found when the value is itself an option, 3 when no option is
 * close enough. Two lists asked in turn then answer as one would. */
int sgi_suggest_index_search(sgi_suggest_index *x, const char *const *options, size_t count,
                             const char *value, size_t len, size_t *found, size_t *dist);

#endif
