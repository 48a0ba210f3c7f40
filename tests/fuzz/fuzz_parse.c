/* Fuzz target: stagegraph_parse with options from the header (build args,
 * platforms, small limits, a failing allocator; see fuzz_common.h), every
 * getter of the document, the verdict and both dumps (the JSON one checked
 * for validity). The whole input after the header is the Dockerfile, NUL
 * bytes included. */
#include "fuzz_common.h"

static const char *const flag_names[] = {
    "from", "platform", "mount", "chown", "chmod", "link", "exclude", "parents", "network",
    "security", "interval", "timeout", "start-period", "start-interval", "retries",
    "keep-git-dir", "checksum", "unknown", "",
};

typedef struct bounds {
  size_t len;   /* input bytes */
  size_t lines; /* an upper bound on the line count */
} bounds;

static void walk_instruction(const stagegraph_instruction *ins, const bounds *b, int depth) {
  FZ_CHECK(ins != NULL);
  stagegraph_kind kind = stagegraph_instruction_kind(ins);
  FZ_CHECK(kind >= STAGEGRAPH_KIND_UNKNOWN && kind <= STAGEGRAPH_KIND_WORKDIR);
  fz_strlen(stagegraph_kind_name(kind));
  fz_strlen(stagegraph_instruction_keyword(ins));
  (void)stagegraph_instruction_index(ins);

  size_t n = stagegraph_instruction_flag_count(ins);
  for (size_t i = 0; i < n; i++) fz_strlen(stagegraph_instruction_flag(ins, i));
  FZ_CHECK(stagegraph_instruction_flag(ins, n) == NULL);

  n = stagegraph_instruction_arg_count(ins);
  for (size_t i = 0; i < n; i++) {
    size_t len = 0;
    const char *a = stagegraph_instruction_arg(ins, i, &len);
    FZ_CHECK(a != NULL);
    fz_touch(a, len);
    (void)stagegraph_instruction_arg(ins, i, NULL);
  }
  FZ_CHECK(stagegraph_instruction_arg(ins, n, NULL) == NULL);
  (void)stagegraph_instruction_is_json(ins);

  uint32_t start = stagegraph_instruction_start_line(ins);
  uint32_t end = stagegraph_instruction_end_line(ins);
  /* an ONBUILD trigger has no position of its own, as in BuildKit */
  if (depth > 0 && start == 0) FZ_CHECK(end == 0);
  else FZ_CHECK(start >= 1 && start <= end && end <= b->lines);
  size_t so = stagegraph_instruction_start_offset(ins);
  size_t eo = stagegraph_instruction_end_offset(ins);
  FZ_CHECK(so <= eo && eo <= b->len);
  size_t olen = 0;
  const char *orig = stagegraph_instruction_original(ins, &olen);
  /* NULL for an ONBUILD trigger */
  FZ_CHECK(orig != NULL || depth > 0);
  if (orig) fz_touch(orig, olen);

  n = stagegraph_instruction_comment_count(ins);
  for (size_t i = 0; i < n; i++) fz_strlen(stagegraph_instruction_comment(ins, i));
  FZ_CHECK(stagegraph_instruction_comment(ins, n) == NULL);

  n = stagegraph_instruction_heredoc_count(ins);
  for (size_t i = 0; i < n; i++) {
    const stagegraph_heredoc *h = stagegraph_instruction_heredoc(ins, i);
    FZ_CHECK(h != NULL);
    fz_strlen(stagegraph_heredoc_name(h));
    size_t clen = 0;
    const char *c = stagegraph_heredoc_content(h, &clen);
    FZ_CHECK(c != NULL);
    fz_touch(c, clen);
    FZ_CHECK(stagegraph_heredoc_expand(h) == 0 || stagegraph_heredoc_expand(h) == 1);
    FZ_CHECK(stagegraph_heredoc_chomp(h) == 0 || stagegraph_heredoc_chomp(h) == 1);
    (void)stagegraph_heredoc_fd(h);
  }
  FZ_CHECK(stagegraph_instruction_heredoc(ins, n) == NULL);

  for (size_t f = 0; f < sizeof flag_names / sizeof flag_names[0]; f++)
    for (size_t nth = 0; nth < 3; nth++) {
      const char *v = stagegraph_instruction_flag_value(ins, flag_names[f], nth);
      if (v) fz_strlen(v);
    }

  const stagegraph_instruction *trigger = stagegraph_instruction_trigger(ins);
  if (kind != STAGEGRAPH_KIND_ONBUILD) FZ_CHECK(trigger == NULL);
  if (trigger && depth < 4) walk_instruction(trigger, b, depth + 1);
}

static void walk_doc(const stagegraph_doc *doc, const bounds *b) {
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int verdict = stagegraph_doc_verdict(doc, &err);
  fz_check_error(verdict, &err, b->len);
  (void)stagegraph_doc_verdict(doc, NULL);

  char esc = stagegraph_doc_escape(doc);
  FZ_CHECK(esc == '\\' || esc == '`');

  size_t n = stagegraph_doc_directive_count(doc);
  for (size_t i = 0; i < n; i++) {
    fz_strlen(stagegraph_doc_directive_key(doc, i));
    fz_strlen(stagegraph_doc_directive_value(doc, i));
    uint32_t line = stagegraph_doc_directive_line(doc, i);
    FZ_CHECK(line >= 1 && line <= b->lines);
  }

  n = stagegraph_doc_instruction_count(doc);
  for (size_t i = 0; i < n; i++) {
    const stagegraph_instruction *ins = stagegraph_doc_instruction(doc, i);
    walk_instruction(ins, b, 0);
    FZ_CHECK(stagegraph_instruction_index(ins) == i);
  }
  FZ_CHECK(stagegraph_doc_instruction(doc, n) == NULL);

  n = stagegraph_doc_stage_count(doc);
  for (size_t k = 0; k < n; k++) {
    const stagegraph_stage *st = stagegraph_doc_stage(doc, k);
    FZ_CHECK(st != NULL);
    FZ_CHECK(stagegraph_stage_index(st) == k);
    const char *name = stagegraph_stage_name(st);
    if (name) fz_strlen(name);
    /* NULL for a FROM without arguments (the verdict is then an error) */
    const char *base = stagegraph_stage_base(st);
    if (base) fz_strlen(base);
    else FZ_CHECK(verdict != 0);
    const char *platform = stagegraph_stage_platform(st);
    if (platform) fz_strlen(platform);
    fz_strlen(stagegraph_stage_description(st));
    const stagegraph_instruction *from = stagegraph_stage_from(st);
    FZ_CHECK(from != NULL && stagegraph_instruction_kind(from) == STAGEGRAPH_KIND_FROM);
    size_t m = stagegraph_stage_instruction_count(st);
    for (size_t i = 0; i < m; i++) FZ_CHECK(stagegraph_stage_instruction(st, i) != NULL);
    FZ_CHECK(stagegraph_stage_instruction(st, m) == NULL);
  }
  FZ_CHECK(stagegraph_doc_stage(doc, n) == NULL);

  n = stagegraph_doc_meta_arg_count(doc);
  for (size_t i = 0; i < n; i++) {
    const stagegraph_instruction *arg = stagegraph_doc_meta_arg(doc, i);
    FZ_CHECK(arg != NULL && stagegraph_instruction_kind(arg) == STAGEGRAPH_KIND_ARG);
  }
  FZ_CHECK(stagegraph_doc_meta_arg(doc, n) == NULL);

  n = stagegraph_doc_diagnostic_count(doc);
  for (size_t i = 0; i < n; i++) {
    const stagegraph_diagnostic *d = stagegraph_doc_diagnostic(doc, i);
    FZ_CHECK(d != NULL);
    stagegraph_severity sev = stagegraph_diagnostic_severity(d);
    FZ_CHECK(sev >= STAGEGRAPH_SEVERITY_INFO && sev <= STAGEGRAPH_SEVERITY_ERROR);
    int code = stagegraph_diagnostic_code(d);
    FZ_CHECK(code <= 0);
    if (sev == STAGEGRAPH_SEVERITY_ERROR) FZ_CHECK(code < 0);
    const char *rule = stagegraph_diagnostic_rule(d);
    if (rule) fz_strlen(rule);
    const char *msg = stagegraph_diagnostic_message(d);
    if (fz_inputs_utf8 && !fz_utf8_valid(msg, fz_strlen(msg)))
      fprintf(stderr, "diagnostic not UTF-8: %s\n", msg);
    FZ_CHECK(!fz_inputs_utf8 || fz_utf8_valid(msg, strlen(msg)));
    const char *url = stagegraph_diagnostic_url(d);
    if (url) fz_strlen(url);
    FZ_CHECK(stagegraph_diagnostic_line(d) <= b->lines);
    FZ_CHECK(stagegraph_diagnostic_end_line(d) <= b->lines);
    (void)stagegraph_diagnostic_column(d);
    (void)stagegraph_diagnostic_end_column(d);
  }
  FZ_CHECK(stagegraph_doc_diagnostic(doc, n) == NULL);
}

static void dump(const stagegraph_doc *doc, stagegraph_dump_format format) {
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_doc_dump(&out, doc, format, &err);
  fz_check_error(rc, &err, 0);
  if (rc == 0) {
    if (format == STAGEGRAPH_DUMP_JSON) fz_check_json(&out);
    else fz_check_buf(&out);
  } else {
    FZ_CHECK(rc == STAGEGRAPH_ENOMEM || (int)format > STAGEGRAPH_DUMP_JSON);
  }
  stagegraph_buf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_input in;
  fz_input_init(&in, data, size, 0);

  bounds b = {in.text_len, 1};
  for (size_t i = 0; i < in.text_len; i++)
    if (in.text[i] == '\n' || in.text[i] == '\r') b.lines++;

  stagegraph_doc *doc = (stagegraph_doc *)1;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_parse(&doc, in.text, in.text_len, &in.opts, &err);
  fz_check_error(rc, &err, in.text_len);
  if (in.opts.max_input_bytes && in.text_len > in.opts.max_input_bytes)
    FZ_CHECK(rc == STAGEGRAPH_ELIMIT || rc == STAGEGRAPH_ENOMEM);
  if (rc != 0) {
    FZ_CHECK(doc == NULL);
    return 0;
  }
  FZ_CHECK(doc != NULL);
  walk_doc(doc, &b);
  dump(doc, STAGEGRAPH_DUMP_BUILDKIT);
  dump(doc, STAGEGRAPH_DUMP_JSON);
  dump(doc, (stagegraph_dump_format)7);
  stagegraph_doc_free(doc);
  return 0;
}
