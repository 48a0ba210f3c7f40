/* Fuzz target: lint. Parse with the header's options (fuzz_common.h), then
 * stagegraph_lint_new with targets and build contexts picked as fuzz_plan.c
 * does, read every finding and render every format (JSON and SARIF checked
 * for validity).
 *   h[8] bit 7  experimental rules
 * The Dockerfile ends at the first NUL; the trailer after it holds one option
 * per line, chosen by the line's first byte:
 *   's' a rule name to skip, 'r' skip rule number (next byte) of the table,
 *   'd' a .dockerignore line (all 'd' lines make the .dockerignore text),
 *   'f' the file path the renderers print, 'x' experimental rules.
 */
#include "fuzz_common.h"

#define MAX_SKIP 16

typedef struct lint_input {
  const char *skip[MAX_SKIP];
  size_t nskip;
  char ignore[4096];
  size_t ignore_len;
  int has_ignore;
  const char *path;
  int experimental;
} lint_input;

static void read_trailer(lint_input *li, fz_pool *pool, const fz_input *in) {
  size_t pos = 0, len, rules = stagegraph_rule_count();
  const char *line;
  while (fz_trailer_line(in, &pos, &line, &len)) {
    if (len == 0) continue;
    const char *v = fz_pool_dup(pool, line + 1, len - 1);
    switch (line[0]) {
    case 's':
      if (v && li->nskip < MAX_SKIP) li->skip[li->nskip++] = v;
      break;
    case 'r':
      if (len > 1 && rules && li->nskip < MAX_SKIP)
        li->skip[li->nskip++] = stagegraph_rule_name((unsigned char)line[1] % rules);
      break;
    case 'd':
      li->has_ignore = 1;
      fz_ignore_line(li->ignore, sizeof li->ignore, &li->ignore_len, line, len);
      break;
    case 'f': li->path = v; break;
    case 'x': li->experimental = 1; break;
    default: break;
    }
  }
}

static void check_rules(void) {
  size_t n = stagegraph_rule_count();
  for (size_t i = 0; i < n; i++) {
    fz_strlen(stagegraph_rule_name(i));
    fz_strlen(stagegraph_rule_description(i));
    fz_strlen(stagegraph_rule_url(i));
    stagegraph_severity sev = stagegraph_rule_severity(i);
    FZ_CHECK(sev >= STAGEGRAPH_SEVERITY_INFO && sev <= STAGEGRAPH_SEVERITY_ERROR);
    int e = stagegraph_rule_experimental(i);
    FZ_CHECK(e == 0 || e == 1);
  }
}

static void walk_lint(const stagegraph_lint *lint) {
  size_t n = stagegraph_lint_count(lint);
  for (size_t i = 0; i < n; i++) {
    const stagegraph_diagnostic *d = stagegraph_lint_diagnostic(lint, i);
    FZ_CHECK(d != NULL);
    stagegraph_severity sev = stagegraph_diagnostic_severity(d);
    FZ_CHECK(sev >= STAGEGRAPH_SEVERITY_INFO && sev <= STAGEGRAPH_SEVERITY_ERROR);
    (void)stagegraph_diagnostic_code(d);
    const char *s = stagegraph_diagnostic_rule(d);
    if (s) fz_strlen(s);
    const char *msg = stagegraph_diagnostic_message(d);
    FZ_CHECK(!fz_inputs_utf8 || fz_utf8_valid(msg, fz_strlen(msg)));
    s = stagegraph_diagnostic_url(d);
    if (s) fz_strlen(s);
    (void)stagegraph_diagnostic_line(d);
    (void)stagegraph_diagnostic_column(d);
    (void)stagegraph_diagnostic_end_line(d);
    (void)stagegraph_diagnostic_end_column(d);
  }
  int failed = stagegraph_lint_failed(lint);
  FZ_CHECK(failed == 0 || failed == 1);
}

static void render(const stagegraph_lint *lint, stagegraph_format format, const char *path) {
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_lint_render(&out, lint, format, path, &err);
  int json = format == STAGEGRAPH_FORMAT_JSON || format == STAGEGRAPH_FORMAT_SARIF;
  /* lint renders text, JSON and SARIF; what other formats give is not fixed */
  fz_check_render(rc, &err, &out, json,
                  json || format == STAGEGRAPH_FORMAT_TEXT ? STAGEGRAPH_ENOMEM : 0);
  stagegraph_buf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_input in;
  fz_input_init(&in, data, size, 1);
  check_rules();

  stagegraph_doc *doc = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_parse(&doc, in.text, in.text_len, &in.opts, &err);
  fz_check_error(rc, &err, in.text_len);
  if (rc != 0) return 0;

  fz_pool pool = {{0}, 0};
  static lint_input li; /* large; one input at a time */
  memset(&li, 0, sizeof li);
  read_trailer(&li, &pool, &in);

  const char *targets[3], *contexts[8];
  stagegraph_lint_options lo;
  stagegraph_lint_options_init(&lo, sizeof lo);
  lo.target_count = fz_pick_targets(&in, doc, &pool, targets);
  lo.targets = lo.target_count ? targets : NULL;
  lo.skip = li.nskip ? li.skip : NULL;
  lo.skip_count = li.nskip;
  lo.experimental = li.experimental || (in.h[8] >> 7);
  if (li.has_ignore) {
    lo.dockerignore = li.ignore;
    lo.dockerignore_len = li.ignore_len;
  }
  lo.build_context_count = fz_pick_contexts(&in, doc, &pool, contexts);
  lo.build_contexts = lo.build_context_count ? contexts : NULL;

  stagegraph_lint *lint = NULL;
  rc = stagegraph_lint_new(&lint, doc, &lo, &err);
  /* a syntax error here is the .dockerignore's, positioned in that text */
  fz_check_error(rc, &err, rc == STAGEGRAPH_ESYNTAX ? li.ignore_len : in.text_len);
  if (rc == 0) {
    FZ_CHECK(lint != NULL);
    walk_lint(lint);
    render(lint, STAGEGRAPH_FORMAT_TEXT, li.path);
    render(lint, STAGEGRAPH_FORMAT_JSON, li.path);
    render(lint, STAGEGRAPH_FORMAT_SARIF, li.path);
    render(lint, STAGEGRAPH_FORMAT_DOT, li.path);
    stagegraph_lint_free(lint);
  }
  fz_pool_free(&pool);
  stagegraph_doc_free(doc);
  return 0;
}
