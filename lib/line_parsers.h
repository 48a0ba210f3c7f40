/* Arguments of one logical line, as BuildKit's line parsers produce them
 * (P/line_parsers.go and the dispatch table in P/parser.go). */
#ifndef STAGEGRAPH_LINE_PARSERS_H
#define STAGEGRAPH_LINE_PARSERS_H

#include "document.h"

/* Fill ins->keyword, kind, flags, args, json and (for ONBUILD) the trigger
 * chain from one joined logical line. ONBUILD nesting is handled without
 * recursion. Returns 0, STAGEGRAPH_ENOMEM, or STAGEGRAPH_ESYNTAX with
 * BuildKit's message in err (position left to the caller). */
int sgi_parse_line(sgi_arena *arena, const char *line, size_t len, char escape,
                   stagegraph_instruction *ins, stagegraph_error *err);

/* The kind for a keyword, compared case-insensitively. */
stagegraph_kind sgi_kind_from_keyword(const char *kw, size_t len);

#endif
