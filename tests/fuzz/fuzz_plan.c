/* Fuzz target: build plans. Parse with the header's options (fuzz_common.h),
 * then stagegraph_plan_new with targets picked from the parsed stages by
 * index, the legacy flag and named build contexts; read every getter and
 * render every format (JSON checked for validity).
 *   h[8]  bits 0-1 target count, bit 2 legacy, bits 3-5 build context count,
 *         bit 6 uppercase targets
 *   h[9..11]  target picks: stage k (its name, else its base), or
 *             "nonexistent", "" or "0"
 *   h[12..15] build context picks: low nibble the name (a stage's, or an
 *             image), high nibble the source
 */
#include "fuzz_common.h"

static void check_list(const size_t *list, size_t count, size_t stages) {
  if (count) FZ_CHECK(list != NULL);
  for (size_t i = 0; i < count; i++) FZ_CHECK(list[i] < stages);
}

static void walk_image(const stagegraph_image *img, size_t stages) {
  FZ_CHECK(img != NULL);
  fz_strlen(stagegraph_image_ref(img));
  fz_strlen(stagegraph_image_domain(img));
  fz_strlen(stagegraph_image_path(img));
  fz_strlen(stagegraph_image_tag(img));
  fz_strlen(stagegraph_image_digest(img));
  fz_strlen(stagegraph_image_normalized(img));
  fz_strlen(stagegraph_image_familiar(img));
  const char *ctx = stagegraph_image_context(img);
  if (ctx) fz_strlen(ctx);
  size_t uses = stagegraph_image_use_count(img);
  for (size_t u = 0; u < uses; u++) {
    stagegraph_edge_kind kind = stagegraph_image_use_kind(img, u);
    FZ_CHECK(kind >= STAGEGRAPH_EDGE_FROM && kind <= STAGEGRAPH_EDGE_MOUNT);
    FZ_CHECK(stagegraph_image_use_stage(img, u) < stages);
    (void)stagegraph_image_use_line(img, u);
  }
}

static void walk_plan(const stagegraph_plan *plan, const stagegraph_doc *doc) {
  FZ_CHECK(stagegraph_plan_doc(plan) == doc);
  int legacy = stagegraph_plan_is_legacy(plan);
  FZ_CHECK(legacy == 0 || legacy == 1);
  size_t stages = stagegraph_doc_stage_count(doc);
  size_t needed = 0;
  for (size_t k = 0; k < stages; k++) {
    const char *s = stagegraph_plan_stage_base(plan, k);
    if (s) fz_strlen(s);
    s = stagegraph_plan_stage_platform(plan, k);
    if (s) fz_strlen(s);
    size_t parent = stagegraph_plan_stage_parent(plan, k);
    FZ_CHECK(parent == STAGEGRAPH_NONE || parent < stages);
    const stagegraph_image *img = stagegraph_plan_stage_image(plan, k);
    if (img) walk_image(img, stages);
    s = stagegraph_plan_stage_context(plan, k);
    if (s) fz_strlen(s);
    int need = stagegraph_plan_stage_needed(plan, k);
    FZ_CHECK(need == 0 || need == 1);
    size_t wave = stagegraph_plan_stage_wave(plan, k);
    if (need) {
      needed++;
      FZ_CHECK(wave < stagegraph_plan_wave_count(plan));
    } else {
      FZ_CHECK(wave == STAGEGRAPH_NONE);
    }
  }

  size_t n = stagegraph_plan_edge_count(plan);
  for (size_t i = 0; i < n; i++) {
    const stagegraph_edge *e = stagegraph_plan_edge(plan, i);
    FZ_CHECK(e != NULL);
    FZ_CHECK(stagegraph_edge_from(e) < stages && stagegraph_edge_to(e) < stages);
    stagegraph_edge_kind kind = stagegraph_edge_get_kind(e);
    FZ_CHECK(kind >= STAGEGRAPH_EDGE_FROM && kind <= STAGEGRAPH_EDGE_MOUNT);
    fz_strlen(stagegraph_edge_kind_name(kind));
    FZ_CHECK(stagegraph_edge_instruction(e) != NULL);
    (void)stagegraph_edge_onbuild(e);
    fz_strlen(stagegraph_edge_reference(e));
  }
  FZ_CHECK(stagegraph_plan_edge(plan, n) == NULL);

  n = stagegraph_plan_image_count(plan);
  for (size_t i = 0; i < n; i++) walk_image(stagegraph_plan_image(plan, i), stages);
  FZ_CHECK(stagegraph_plan_image(plan, n) == NULL);

  size_t count = 0;
  const size_t *list = stagegraph_plan_targets(plan, &count);
  check_list(list, count, stages);
  list = stagegraph_plan_order(plan, &count);
  check_list(list, count, stages);
  FZ_CHECK(count == needed);
  size_t ordered = count;
  list = stagegraph_plan_pruned(plan, &count);
  check_list(list, count, stages);
  FZ_CHECK(ordered + count == stages);
  list = stagegraph_plan_critical_path(plan, &count);
  check_list(list, count, stages);

  size_t waves = stagegraph_plan_wave_count(plan), in_waves = 0;
  for (size_t w = 0; w < waves; w++) {
    list = stagegraph_plan_wave(plan, w, &count);
    check_list(list, count, stages);
    FZ_CHECK(count > 0);
    for (size_t i = 0; i < count; i++) FZ_CHECK(stagegraph_plan_stage_wave(plan, list[i]) == w);
    in_waves += count;
  }
  FZ_CHECK(in_waves == needed);

  n = stagegraph_plan_arg_count(plan);
  for (size_t i = 0; i < n; i++) {
    fz_strlen(stagegraph_plan_arg_name(plan, i));
    const char *v = stagegraph_plan_arg_value(plan, i);
    if (v) fz_strlen(v);
    v = stagegraph_plan_arg_description(plan, i);
    if (v) fz_strlen(v);
    (void)stagegraph_plan_arg_line(plan, i);
  }
  n = stagegraph_plan_secret_count(plan);
  for (size_t i = 0; i < n; i++) {
    fz_strlen(stagegraph_plan_secret_id(plan, i));
    (void)stagegraph_plan_secret_required(plan, i);
    (void)stagegraph_plan_secret_line(plan, i);
  }
  n = stagegraph_plan_ssh_count(plan);
  for (size_t i = 0; i < n; i++) {
    fz_strlen(stagegraph_plan_ssh_id(plan, i));
    (void)stagegraph_plan_ssh_required(plan, i);
    (void)stagegraph_plan_ssh_line(plan, i);
  }
}

static void render(const stagegraph_plan *plan, stagegraph_format format) {
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_plan_render(&out, plan, format, &err);
  fz_check_render(rc, &err, &out, format == STAGEGRAPH_FORMAT_JSON,
                  format > STAGEGRAPH_FORMAT_MERMAID ? STAGEGRAPH_EINVAL : STAGEGRAPH_ENOMEM);
  stagegraph_buf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_input in;
  fz_input_init(&in, data, size, 0);

  stagegraph_doc *doc = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_parse(&doc, in.text, in.text_len, &in.opts, &err);
  fz_check_error(rc, &err, in.text_len);
  if (rc != 0) return 0;

  fz_pool pool = {{0}, 0};
  const char *targets[3], *contexts[8];
  stagegraph_plan_options po;
  fz_plan_options(&in, doc, &pool, &po, targets, contexts);

  stagegraph_plan *plan = NULL;
  rc = stagegraph_plan_new(&plan, doc, &po, &err);
  fz_check_error(rc, &err, in.text_len);
  if (rc == 0) {
    FZ_CHECK(plan != NULL);
    walk_plan(plan, doc);
    render(plan, STAGEGRAPH_FORMAT_TEXT);
    render(plan, STAGEGRAPH_FORMAT_JSON);
    render(plan, STAGEGRAPH_FORMAT_DOT);
    render(plan, STAGEGRAPH_FORMAT_MERMAID);
    render(plan, STAGEGRAPH_FORMAT_SARIF);
    stagegraph_plan_free(plan);
  }
  fz_pool_free(&pool);
  stagegraph_doc_free(doc);
  return 0;
}
