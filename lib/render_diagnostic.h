/* Diagnostics in the renderers' JSON: one shape for the AST dump and lint. */
#ifndef STAGEGRAPH_RENDER_DIAGNOSTIC_H
#define STAGEGRAPH_RENDER_DIAGNOSTIC_H

#include "document.h"
#include "json_writer.h"

/* "error", "warning" or "info". */
const char *sgi_severity_name(stagegraph_severity severity);
/* One diagnostic as a JSON object: rule, severity, message, line, column,
 * end_line, end_column, url. */
void sgi_json_diagnostic(sgi_json *j, const stagegraph_diagnostic *d);

#endif
