/* Renderers for lint findings: GNU-style text, JSON (stagegraph.lint/1) and
 * SARIF 2.1.0. They only read the lint result and the rule registry. */
#include <string.h>

#include "buf.h"
#include "json_writer.h"
#include "lint.h"
#include "render_diagnostic.h"

static const char *sarif_level(stagegraph_severity s) {
  switch (s) {
  case STAGEGRAPH_SEVERITY_ERROR: return "error";
  case STAGEGRAPH_SEVERITY_WARNING: return "warning";
  default: return "note";
  }
}

/* FILE:LINE:COL: severity: message [Rule] */
static void render_text(sgi_buf *b, const stagegraph_lint *lint, const char *path) {
  for (size_t i = 0; i < lint->count; i++) {
    const stagegraph_diagnostic *d = &lint->items[i];
    sgi_buf_puts(b, path);
    if (d->line) sgi_buf_printf(b, ":%u", (unsigned)d->line);
    if (d->line && d->column) sgi_buf_printf(b, ":%u", (unsigned)d->column);
    sgi_buf_printf(b, ": %s: %s", sgi_severity_name(d->severity), d->message);
    if (d->rule) sgi_buf_printf(b, " [%s]", d->rule);
    sgi_buf_putc(b, '\n');
  }
}

static void render_json(sgi_buf *b, const stagegraph_lint *lint, const char *path) {
  sgi_json j;
  sgi_json_init(&j, b, 0);
  sgi_json_begin_object(&j);
  sgi_json_key(&j, "schema");
  sgi_json_cstring(&j, "stagegraph.lint/1");
  sgi_json_key(&j, "diagnostics");
  sgi_json_begin_array(&j);
  for (size_t i = 0; i < lint->count; i++) {
    sgi_json_diagnostic(&j, &lint->items[i]);
  }
  sgi_json_end_array(&j);
  sgi_json_end_object(&j);
}

/* A relative URI reference for the path: unreserved characters and '/'
 * stay, everything else is percent-encoded. */
static void uri(sgi_buf *out, const char *path) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    unsigned char c = *p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || c == '/') {
      sgi_buf_putc(out, (char)c);
    } else {
      char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
      sgi_buf_append(out, esc, 3);
    }
  }
}

static size_t rule_index(const char *name) {
  for (size_t i = 0; i < stagegraph_rule_count(); i++)
    if (strcmp(stagegraph_rule_name(i), name) == 0) return i;
  return STAGEGRAPH_NONE;
}

static void sarif_rules(sgi_json *j) {
  sgi_json_key(j, "rules");
  sgi_json_begin_array(j);
  for (size_t i = 0; i < stagegraph_rule_count(); i++) {
    sgi_json_begin_object(j);
    sgi_json_key(j, "id");
    sgi_json_cstring(j, stagegraph_rule_name(i));
    sgi_json_key(j, "name");
    sgi_json_cstring(j, stagegraph_rule_name(i));
    sgi_json_key(j, "shortDescription");
    sgi_json_begin_object(j);
    sgi_json_key(j, "text");
    sgi_json_cstring(j, stagegraph_rule_description(i));
    sgi_json_end_object(j);
    sgi_json_key(j, "helpUri");
    sgi_json_cstring(j, stagegraph_rule_url(i));
    sgi_json_key(j, "defaultConfiguration");
    sgi_json_begin_object(j);
    sgi_json_key(j, "level");
    sgi_json_cstring(j, sarif_level(stagegraph_rule_severity(i)));
    if (stagegraph_rule_experimental(i)) {
      sgi_json_key(j, "enabled");
      sgi_json_bool(j, 0);
    }
    sgi_json_end_object(j);
    sgi_json_end_object(j);
  }
  sgi_json_end_array(j);
}

static void render_sarif(sgi_buf *b, const stagegraph_lint *lint, const char *path) {
  sgi_buf u;
  sgi_buf_init(&u, b->mem);
  uri(&u, path);
  sgi_json j;
  sgi_json_init(&j, b, 0);
  sgi_json_begin_object(&j);
  sgi_json_key(&j, "$schema");
  sgi_json_cstring(&j, "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json");
  sgi_json_key(&j, "version");
  sgi_json_cstring(&j, "2.1.0");
  sgi_json_key(&j, "runs");
  sgi_json_begin_array(&j);
  sgi_json_begin_object(&j);
  sgi_json_key(&j, "tool");
  sgi_json_begin_object(&j);
  sgi_json_key(&j, "driver");
  sgi_json_begin_object(&j);
  sgi_json_key(&j, "name");
  sgi_json_cstring(&j, "stagegraph");
  sgi_json_key(&j, "version");
  sgi_json_cstring(&j, stagegraph_version_string());
  sgi_json_key(&j, "informationUri");
  sgi_json_cstring(&j, "https://github.com/stagegraph/stagegraph");
  sarif_rules(&j);
  sgi_json_end_object(&j);
  sgi_json_end_object(&j);
  sgi_json_key(&j, "results");
  sgi_json_begin_array(&j);
  for (size_t i = 0; i < lint->count; i++) {
    const stagegraph_diagnostic *d = &lint->items[i];
    sgi_json_begin_object(&j);
    /* a build error has no rule of its own */
    sgi_json_key(&j, "ruleId");
    sgi_json_cstring(&j, d->rule ? d->rule : "BuildError");
    size_t index = d->rule ? rule_index(d->rule) : STAGEGRAPH_NONE;
    if (index != STAGEGRAPH_NONE) {
      sgi_json_key(&j, "ruleIndex");
      sgi_json_int(&j, (long long)index);
    }
    sgi_json_key(&j, "level");
    sgi_json_cstring(&j, sarif_level(d->severity));
    sgi_json_key(&j, "message");
    sgi_json_begin_object(&j);
    sgi_json_key(&j, "text");
    sgi_json_cstring(&j, d->message);
    sgi_json_end_object(&j);
    sgi_json_key(&j, "locations");
    sgi_json_begin_array(&j);
    sgi_json_begin_object(&j);
    sgi_json_key(&j, "physicalLocation");
    sgi_json_begin_object(&j);
    sgi_json_key(&j, "artifactLocation");
    sgi_json_begin_object(&j);
    sgi_json_key(&j, "uri");
    sgi_json_string(&j, u.ptr ? u.ptr : "", u.len);
    sgi_json_end_object(&j);
    if (d->line) {
      sgi_json_key(&j, "region");
      sgi_json_begin_object(&j);
      sgi_json_key(&j, "startLine");
      sgi_json_int(&j, d->line);
      sgi_json_key(&j, "startColumn");
      sgi_json_int(&j, d->column ? d->column : 1);
      if (d->end_line >= d->line) {
        sgi_json_key(&j, "endLine");
        sgi_json_int(&j, d->end_line);
      }
      if (d->end_column && d->end_line == d->line && d->end_column > d->column) {
        sgi_json_key(&j, "endColumn");
        sgi_json_int(&j, d->end_column);
      }
      sgi_json_end_object(&j);
    }
    sgi_json_end_object(&j);
    sgi_json_end_object(&j);
    sgi_json_end_array(&j);
    sgi_json_end_object(&j);
  }
  sgi_json_end_array(&j);
  sgi_json_end_object(&j);
  sgi_json_end_array(&j);
  sgi_json_end_object(&j);
  if (u.failed) b->failed = u.failed;
  sgi_buf_free(&u);
}

/* Each format with the room it usually needs (bytes up front, plus per
 * finding: SARIF lists every rule first), so the output is rarely copied
 * while it grows. */
static const struct lint_renderer {
  stagegraph_format format;
  size_t first, each;
  void (*render)(sgi_buf *b, const stagegraph_lint *lint, const char *path);
} renderers[] = {
    {STAGEGRAPH_FORMAT_TEXT, 64, 192, render_text},
    {STAGEGRAPH_FORMAT_JSON, 64, 448, render_json},
    {STAGEGRAPH_FORMAT_SARIF, 16384, 896, render_sarif},
};

int stagegraph_lint_render(stagegraph_buf *out, const stagegraph_lint *lint, stagegraph_format format,
                           const char *path, stagegraph_error *err) {
  if (!out || !lint) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out and lint are required");
  if (!path) path = "Dockerfile";
  const struct lint_renderer *r = NULL;
  for (size_t i = 0; i < sizeof renderers / sizeof renderers[0] && !r; i++)
    if (renderers[i].format == format) r = &renderers[i];
  if (!r)
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL,
                         "lint renders TEXT, JSON or SARIF, not format %d", (int)format);
  sgi_buf b;
  sgi_buf_init(&b, &lint->mem);
  if (!sgi_buf_grow(&b, r->first + r->each * lint->count)) b.ptr[0] = '\0'; /* an empty output is "" */
  r->render(&b, lint, path);
  int rc = sgi_buf_detach(&b, out);
  if (rc) return sgi_error_set(err, rc, NULL, "out of memory");
  return 0;
}
