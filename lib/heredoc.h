/* Heredoc markers in a logical line (BuildKit's heredocsFromLine). */
#ifndef STAGEGRAPH_HEREDOC_H
#define STAGEGRAPH_HEREDOC_H

#include "document.h"

/* Find the heredoc markers of `line`. On success *out is an arena array of
 * *count heredocs with name, expand, chomp and fd set (content empty).
 * Returns 0, STAGEGRAPH_ENOMEM or STAGEGRAPH_ESYNTAX (BuildKit's message in
 * err, position left to the caller). */
int sgi_heredocs_from_line(sgi_arena *arena, const char *line, size_t len,
                           stagegraph_heredoc **out, size_t *count, stagegraph_error *err);

/* BuildKit's ParseHeredoc on one word: 1 when the word is a heredoc marker
 * (name, expand, chomp, fd filled), 0 when not, or a negative code.
 * Lexing errors count as "not a marker", as in MustParseHeredoc. */
int sgi_heredoc_parse_word(sgi_arena *arena, const char *word, size_t len,
                           stagegraph_heredoc *out);

#endif
