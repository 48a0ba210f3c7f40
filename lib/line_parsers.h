/* Arguments of one logical line, as BuildKit's line parsers produce them
 * (P/line_parsers.go and the dispatch table in P/parser.go). */
#ifndef STAGEGRAPH_LINE_PARSERS_H
#define STAGEGRAPH_LINE_PARSERS_H

#include "document.h"
#include "strlist.h"

/* Scratch space one document's lines reuse: nothing in it outlives the
 * line being parsed. */
typedef struct sgi_line_scratch {
  sgi_strlist args;  /* the arguments of the line */
  sgi_strlist words; /* parseWords' words before ENV and LABEL pair them */
  sgi_buf word;      /* the word parseWords is reading */
  /* where they start: most documents' lines fit, so parsing them
   * allocates no scratch */
  sgi_strlist_item arg_items[16], word_items[16];
  char arg_bytes[256], word_bytes[256], word_text[128];
} sgi_line_scratch;

void sgi_line_scratch_init(sgi_line_scratch *sc, const sgi_mem *mem);
void sgi_line_scratch_free(sgi_line_scratch *sc);

/* Fill ins's kind, args and json, and its extra part's keyword (when not
 * written as the kind's name), flags and (for ONBUILD) trigger chain,
 * from one joined logical line, which must be NUL-terminated text in the
 * arena (arguments may point into it). ONBUILD nesting is handled
 * without recursion. Returns 0, STAGEGRAPH_ENOMEM, or STAGEGRAPH_ESYNTAX with
 * BuildKit's message in err (position left to the caller). */
int sgi_parse_line(sgi_arena *arena, sgi_line_scratch *sc, const char *line, size_t len,
                   char escape, stagegraph_instruction *ins, stagegraph_error *err);

/* The kind for a keyword, compared case-insensitively; *as_named is 1
 * when the keyword is written exactly as the kind's name. */
stagegraph_kind sgi_kind_from_keyword(const char *kw, size_t len, int *as_named);

#endif
