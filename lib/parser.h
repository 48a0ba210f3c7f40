/* Bytes to instructions (the AST layer). */
#ifndef STAGEGRAPH_PARSER_H
#define STAGEGRAPH_PARSER_H

#include "document.h"

/* Parse data into doc (whose arena, limits and allocator are set up).
 * Returns 0, or ESYNTAX / ELIMIT / ENOMEM with err filled. */
int sgi_parse_document(stagegraph_doc *doc, const char *data, size_t len, stagegraph_error *err);

#endif
