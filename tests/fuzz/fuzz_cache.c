/* Fuzz target: the cache model and change impact. Parse and plan as
 * fuzz_plan.c does (same header), then stagegraph_cache_new with changes
 * from the input; read every getter and render every format (JSON checked
 * for validity).
 *
 * The Dockerfile ends at the first NUL; the trailer after it holds one change
 * per line, chosen by the line's first byte:
 *   'p' a changed path, 'a' a changed build arg, 'i' a changed image,
 *   'd' a .dockerignore line (all 'd' lines make the .dockerignore text),
 *   'D' derive changes from the document: every COPY/ADD source (and
 *       source/x) as a changed path, every ARG name, every stage base.
 * Without a trailer, changes are derived when the input has no header, or
 * when h[8] bit 7 is set.
 */
#include "fuzz_common.h"

#define MAX_CHANGES 64

typedef struct changes {
  const char *paths[MAX_CHANGES], *args[MAX_CHANGES], *images[MAX_CHANGES];
  size_t npaths, nargs, nimages;
  char ignore[4096];
  size_t ignore_len;
  int has_ignore;
} changes;

static void add(const char **list, size_t *n, const char *s) {
  if (s && *n < MAX_CHANGES) list[(*n)++] = s;
}

static void derive_instruction(changes *c, fz_pool *pool, const stagegraph_instruction *ins) {
  stagegraph_kind kind = stagegraph_instruction_kind(ins);
  size_t n = stagegraph_instruction_arg_count(ins);
  if (kind == STAGEGRAPH_KIND_COPY || kind == STAGEGRAPH_KIND_ADD) {
    for (size_t i = 0; i + 1 < n; i++) {
      const char *src = stagegraph_instruction_arg(ins, i, NULL);
      add(c->paths, &c->npaths, src);
      add(c->paths, &c->npaths, fz_pool_cat(pool, src, "/x"));
    }
  } else if (kind == STAGEGRAPH_KIND_ARG) {
    for (size_t i = 0; i < n; i++) {
      const char *a = stagegraph_instruction_arg(ins, i, NULL);
      add(c->args, &c->nargs, fz_pool_dup(pool, a, strcspn(a, "=")));
    }
  } else if (kind == STAGEGRAPH_KIND_ONBUILD && stagegraph_instruction_trigger(ins)) {
    derive_instruction(c, pool, stagegraph_instruction_trigger(ins));
  }
}

static void derive(changes *c, fz_pool *pool, const stagegraph_doc *doc) {
  size_t n = stagegraph_doc_instruction_count(doc);
  for (size_t i = 0; i < n; i++) derive_instruction(c, pool, stagegraph_doc_instruction(doc, i));
  n = stagegraph_doc_stage_count(doc);
  for (size_t k = 0; k < n; k++)
    add(c->images, &c->nimages, stagegraph_stage_base(stagegraph_doc_stage(doc, k)));
}

static void read_changes(changes *c, fz_pool *pool, const fz_input *in,
                         const stagegraph_doc *doc) {
  if (!in->trailer) {
    if (!in->has_header || (in->h[8] & 0x80)) derive(c, pool, doc);
    return;
  }
  size_t pos = 0, len;
  const char *line;
  int derived = 0;
  while (fz_trailer_line(in, &pos, &line, &len)) {
    if (len == 0) continue;
    const char *v = fz_pool_dup(pool, line + 1, len - 1);
    switch (line[0]) {
    case 'p': add(c->paths, &c->npaths, v); break;
    case 'a': add(c->args, &c->nargs, v); break;
    case 'i': add(c->images, &c->nimages, v); break;
    case 'd':
      c->has_ignore = 1;
      fz_ignore_line(c->ignore, sizeof c->ignore, &c->ignore_len, line, len);
      break;
    case 'D':
      if (!derived) derive(c, pool, doc);
      derived = 1;
      break;
    default: break;
    }
  }
}

static void walk_cache(const stagegraph_cache *cache, const stagegraph_plan *plan,
                       size_t stages) {
  FZ_CHECK(stagegraph_cache_plan(cache) == plan);
  size_t n = stagegraph_cache_stage_count(cache), layers = 0;
  for (size_t i = 0; i < n; i++) {
    FZ_CHECK(stagegraph_cache_stage(cache, i) < stages);
    (void)stagegraph_cache_first_invalidated(cache, i);
    size_t m = stagegraph_cache_instruction_count(cache, i);
    size_t boundary = stagegraph_cache_boundary(cache, i);
    FZ_CHECK(boundary == STAGEGRAPH_NONE || boundary < m);
    for (size_t k = 0; k < m; k++) {
      FZ_CHECK(stagegraph_cache_instruction(cache, i, k) != NULL);
      int onbuild = stagegraph_cache_instruction_onbuild(cache, i, k);
      int layer = stagegraph_cache_instruction_layer(cache, i, k);
      int linked = stagegraph_cache_instruction_linked(cache, i, k);
      FZ_CHECK((onbuild == 0 || onbuild == 1) && (layer == 0 || layer == 1) &&
               (linked == 0 || linked == 1));
      layers += (size_t)layer;
      stagegraph_cache_status st = stagegraph_cache_instruction_status(cache, i, k);
      FZ_CHECK(st >= STAGEGRAPH_CACHED && st <= STAGEGRAPH_INVALIDATED);
      fz_strlen(stagegraph_cache_status_name(st));
      const char *reason = stagegraph_cache_instruction_reason(cache, i, k);
      if (reason) fz_strlen(reason);
      size_t inputs = stagegraph_cache_input_count(cache, i, k);
      for (size_t x = 0; x < inputs; x++) {
        stagegraph_input_kind kind = stagegraph_cache_input_kind(cache, i, k, x);
        FZ_CHECK(kind >= STAGEGRAPH_INPUT_CONTEXT && kind <= STAGEGRAPH_INPUT_REMOTE);
        fz_strlen(stagegraph_input_kind_name(kind));
        fz_strlen(stagegraph_cache_input_value(cache, i, k, x));
      }
    }
  }
  FZ_CHECK(stagegraph_cache_layer_count(cache) == layers);
  FZ_CHECK(stagegraph_cache_layers_surviving_edit(cache) <= layers);
}

static void render(const stagegraph_cache *cache, stagegraph_format format) {
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_cache_render(&out, cache, format, &err);
  fz_check_render(rc, &err, &out, format == STAGEGRAPH_FORMAT_JSON,
                  format > STAGEGRAPH_FORMAT_MERMAID ? STAGEGRAPH_EINVAL : STAGEGRAPH_ENOMEM);
  stagegraph_buf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_input in;
  fz_input_init(&in, data, size, 1);

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
    static changes c; /* large; one input at a time */
    memset(&c, 0, sizeof c);
    read_changes(&c, &pool, &in, doc);
    stagegraph_cache_options co;
    stagegraph_cache_options_init(&co, sizeof co);
    co.changed_paths = c.npaths ? c.paths : NULL;
    co.changed_path_count = c.npaths;
    co.changed_args = c.nargs ? c.args : NULL;
    co.changed_arg_count = c.nargs;
    co.changed_images = c.nimages ? c.images : NULL;
    co.changed_image_count = c.nimages;
    if (c.has_ignore) {
      co.dockerignore = c.ignore;
      co.dockerignore_len = c.ignore_len;
    }
    stagegraph_cache *cache = NULL;
    rc = stagegraph_cache_new(&cache, plan, &co, &err);
    /* its only syntax error is the .dockerignore's, positioned in that text */
    fz_check_error(rc, &err, rc == STAGEGRAPH_ESYNTAX ? c.ignore_len : in.text_len);
    if (rc == 0) {
      FZ_CHECK(cache != NULL);
      walk_cache(cache, plan, stagegraph_doc_stage_count(doc));
      render(cache, STAGEGRAPH_FORMAT_TEXT);
      render(cache, STAGEGRAPH_FORMAT_JSON);
      render(cache, STAGEGRAPH_FORMAT_DOT);
      render(cache, STAGEGRAPH_FORMAT_MERMAID);
      render(cache, STAGEGRAPH_FORMAT_SARIF);
      stagegraph_cache_free(cache);
    }
    stagegraph_plan_free(plan);
  }
  fz_pool_free(&pool);
  stagegraph_doc_free(doc);
  return 0;
}
