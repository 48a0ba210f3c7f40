/* "did you mean" suggestions (BuildKit's util/suggest): the option within
 * Levenshtein distance 2 of the value, the first strictly closest one in
 * the order given. */
#ifndef STAGEGRAPH_SUGGEST_H
#define STAGEGRAPH_SUGGEST_H

#include <stddef.h>

#include "buf.h"

/* Append " (did you mean X?)" to msg when an option is close enough.
 * Without case sensitivity the comparison is on lowercase text and the
 * suggestion takes the value's case when the value is all one case.
 * Options are static strings. Returns 1 when a suggestion was added, 0 when
 * none was (including an exact match), or STAGEGRAPH_ENOMEM. */
int sgi_suggest(sgi_buf *msg, const char *value, size_t len, const char *const *options,
                size_t count, int case_sensitive);

/* Levenshtein distance over runes, giving up (returning limit) once it is
 * certain to reach `limit`. */
size_t sgi_levenshtein(const char *a, size_t alen, const char *b, size_t blen, size_t limit);

#endif
