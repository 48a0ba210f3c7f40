/* Diagnostics as JSON. */
#include "render_diagnostic.h"

const char *sgi_severity_name(stagegraph_severity severity) {
  switch (severity) {
  case STAGEGRAPH_SEVERITY_ERROR: return "error";
  case STAGEGRAPH_SEVERITY_WARNING: return "warning";
  case STAGEGRAPH_SEVERITY_INFO: return "info";
  }
  return "info";
}

void sgi_json_diagnostic(sgi_json *j, const stagegraph_diagnostic *d) {
  sgi_json_begin_object(j);
  sgi_json_key(j, "rule");
  sgi_json_cstring(j, d->rule);
  sgi_json_key(j, "severity");
  sgi_json_cstring(j, sgi_severity_name(d->severity));
  sgi_json_key(j, "message");
  sgi_json_cstring(j, d->message);
  sgi_json_key(j, "line");
  sgi_json_int(j, d->line);
  sgi_json_key(j, "column");
  sgi_json_int(j, d->column);
  sgi_json_key(j, "end_line");
  sgi_json_int(j, d->end_line);
  sgi_json_key(j, "end_column");
  sgi_json_int(j, d->end_column);
  sgi_json_key(j, "url");
  sgi_json_cstring(j, d->url);
  sgi_json_end_object(j);
}
