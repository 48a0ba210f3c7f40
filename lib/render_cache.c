/* Renderers for the cache report: text, JSON (stagegraph.cache/1), and DOT
 * and Mermaid views with the layers coloured by status. They only read. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "json_writer.h"
#include "plan.h"
#include "stagegraph.h"
#include "str_index.h"

/* The plan behind a cache, through the public API only. */
typedef struct view {
  const stagegraph_cache *c;
  const stagegraph_doc *doc;
} view;

static const char *name_of(const view *v, size_t stage, char *tmp, size_t cap) {
  const char *n = stagegraph_stage_name(stagegraph_doc_stage(v->doc, stage));
  if (n) return n;
  snprintf(tmp, cap, "stage-%zu", stage);
  return tmp;
}

/* The instruction's text, shortened for a one-line listing. */
static void short_text(sgi_buf *b, const stagegraph_instruction *ins, size_t max) {
  size_t len;
  const char *o = stagegraph_instruction_original(ins, &len);
  size_t n = len > max ? max - 3 : len;
  while (n > 0 && len > max && ((unsigned char)o[n] & 0xC0) == 0x80) n--;
  for (size_t i = 0; i < n; i++) sgi_buf_putc(b, o[i] == '\t' ? ' ' : o[i]);
  if (len > max) sgi_buf_puts(b, "...");
}

static void render_text(sgi_buf *b, const view *v) {
  const stagegraph_cache *c = v->c;
  char tmp[32];
  sgi_buf line;
  sgi_buf_init(&line, b->mem);
  for (size_t i = 0; i < stagegraph_cache_stage_count(c); i++) {
    size_t stage = stagegraph_cache_stage(c, i);
    sgi_buf_printf(b, "%s[%zu] %s", i ? "\n" : "", stage, name_of(v, stage, tmp, sizeof tmp));
    uint32_t first = stagegraph_cache_first_invalidated(c, i);
    if (first)
      sgi_buf_printf(b, "  rebuilds from line %u\n", first);
    else
      sgi_buf_puts(b, "  fully cached\n");
    size_t boundary = stagegraph_cache_boundary(c, i);
    for (size_t k = 0; k < stagegraph_cache_instruction_count(c, i); k++) {
      const stagegraph_instruction *ins = stagegraph_cache_instruction(c, i, k);
      if (k == boundary)
        sgi_buf_puts(b, "  -------- cache boundary: an ordinary source edit rebuilds from here --------\n");
      sgi_buf_clear(&line);
      short_text(&line, ins, 56);
      stagegraph_cache_status st = stagegraph_cache_instruction_status(c, i, k);
      sgi_buf_printf(b, "  %4u  %-56s  %-5s  %s", stagegraph_instruction_start_line(ins),
                     line.ptr ? line.ptr : "", stagegraph_cache_instruction_layer(c, i, k) ? "layer" : "",
                     stagegraph_cache_status_name(st));
      if (stagegraph_cache_instruction_onbuild(c, i, k)) sgi_buf_puts(b, " (ONBUILD trigger)");
      const char *why = stagegraph_cache_instruction_reason(c, i, k);
      if (why) sgi_buf_printf(b, ": %s", why);
      sgi_buf_putc(b, '\n');
    }
  }
  sgi_buf_printf(b, "\n%zu of %zu layers survive an ordinary source edit.\n",
                 stagegraph_cache_layers_surviving_edit(c), stagegraph_cache_layer_count(c));
  if (line.failed) b->failed = line.failed;
  sgi_buf_free(&line);
}

static void render_json(sgi_buf *b, const view *v) {
  const stagegraph_cache *c = v->c;
  sgi_json j;
  sgi_json_init(&j, b, 0);
  sgi_json_begin_object(&j);
  sgi_json_key(&j, "schema");
  sgi_json_cstring(&j, "stagegraph.cache/1");
  sgi_json_key(&j, "stages");
  sgi_json_begin_array(&j);
  for (size_t i = 0; i < stagegraph_cache_stage_count(c); i++) {
    size_t stage = stagegraph_cache_stage(c, i);
    sgi_json_begin_object(&j);
    sgi_json_key(&j, "index");
    sgi_json_int(&j, (long long)stage);
    sgi_json_key(&j, "name");
    sgi_json_cstring(&j, stagegraph_stage_name(stagegraph_doc_stage(v->doc, stage)));
    sgi_json_key(&j, "first_invalidated");
    uint32_t first = stagegraph_cache_first_invalidated(c, i);
    if (first) sgi_json_int(&j, first);
    else sgi_json_null(&j);
    sgi_json_key(&j, "boundary");
    size_t boundary = stagegraph_cache_boundary(c, i);
    if (boundary != STAGEGRAPH_NONE)
      sgi_json_int(&j, stagegraph_instruction_start_line(stagegraph_cache_instruction(c, i, boundary)));
    else
      sgi_json_null(&j);
    sgi_json_key(&j, "instructions");
    sgi_json_begin_array(&j);
    for (size_t k = 0; k < stagegraph_cache_instruction_count(c, i); k++) {
      const stagegraph_instruction *ins = stagegraph_cache_instruction(c, i, k);
      sgi_json_begin_object(&j);
      sgi_json_key(&j, "line");
      sgi_json_int(&j, stagegraph_instruction_start_line(ins));
      sgi_json_key(&j, "keyword");
      sgi_json_cstring(&j, stagegraph_kind_name(stagegraph_instruction_kind(ins)));
      sgi_json_key(&j, "layer");
      sgi_json_bool(&j, stagegraph_cache_instruction_layer(c, i, k));
      sgi_json_key(&j, "status");
      sgi_json_cstring(&j, stagegraph_cache_status_name(stagegraph_cache_instruction_status(c, i, k)));
      sgi_json_key(&j, "reason");
      sgi_json_cstring(&j, stagegraph_cache_instruction_reason(c, i, k));
      sgi_json_key(&j, "onbuild");
      sgi_json_bool(&j, stagegraph_cache_instruction_onbuild(c, i, k));
      sgi_json_key(&j, "linked");
      sgi_json_bool(&j, stagegraph_cache_instruction_linked(c, i, k));
      sgi_json_key(&j, "inputs");
      sgi_json_begin_array(&j);
      for (size_t in = 0; in < stagegraph_cache_input_count(c, i, k); in++) {
        sgi_json_begin_object(&j);
        sgi_json_key(&j, "kind");
        sgi_json_cstring(&j, stagegraph_input_kind_name(stagegraph_cache_input_kind(c, i, k, in)));
        sgi_json_key(&j, "value");
        sgi_json_cstring(&j, stagegraph_cache_input_value(c, i, k, in));
        sgi_json_end_object(&j);
      }
      sgi_json_end_array(&j);
      sgi_json_end_object(&j);
    }
    sgi_json_end_array(&j);
    sgi_json_end_object(&j);
  }
  sgi_json_end_array(&j);
  sgi_json_key(&j, "summary");
  sgi_json_begin_object(&j);
  sgi_json_key(&j, "layers");
  sgi_json_int(&j, (long long)stagegraph_cache_layer_count(c));
  sgi_json_key(&j, "surviving_source_edit");
  sgi_json_int(&j, (long long)stagegraph_cache_layers_surviving_edit(c));
  sgi_json_end_object(&j);
  sgi_json_end_object(&j);
}

static const char *status_color(stagegraph_cache_status s) {
  return s == STAGEGRAPH_CACHED ? "#c8e6c9" : s == STAGEGRAPH_MAYBE ? "#fff3b0" : "#ffcdd2";
}

static void label_text(sgi_buf *b, const stagegraph_instruction *ins, int mermaid) {
  sgi_buf t;
  sgi_buf_init(&t, b->mem);
  short_text(&t, ins, 40);
  for (size_t i = 0; i < t.len; i++) {
    char ch = t.ptr[i];
    if (mermaid && ch == '"') sgi_buf_puts(b, "#quot;");
    else if (!mermaid && (ch == '"' || ch == '\\')) sgi_buf_putc(b, '\\'), sgi_buf_putc(b, ch);
    else sgi_buf_putc(b, ch);
  }
  if (t.failed) b->failed = t.failed;
  sgi_buf_free(&t);
}

/* The model's stages by name, so the stages feeding a step are found
 * without comparing its input with every stage: each name's first
 * position in a string index, a later stage of the same name chained
 * after it ("stage-2" may name stage 2 and an unnamed stage 2 alike). */
typedef struct stage_names {
  sgi_str_index first;
  size_t *next; /* per position: the next of the same name, or STAGEGRAPH_NONE */
} stage_names;

static int stage_names_build(stage_names *n, const view *v, const sgi_mem *mem) {
  size_t count = stagegraph_cache_stage_count(v->c), bytes;
  sgi_str_index_init(&n->first, mem, sgi_hash_seed(mem));
  n->next = sgi_mul_ok(count, sizeof *n->next, &bytes) ? sgi_malloc(mem, bytes ? bytes : 1) : NULL;
  int rc = n->next ? sgi_str_index_reserve(&n->first, count) : STAGEGRAPH_ENOMEM;
  char tmp[32];
  for (size_t pos = 0; pos < count && !rc; pos++) {
    n->next[pos] = STAGEGRAPH_NONE;
    const char *name = name_of(v, stagegraph_cache_stage(v->c, pos), tmp, sizeof tmp);
    size_t at;
    if ((rc = sgi_str_index_add(&n->first, name, strlen(name), pos, &at)) || at == STAGEGRAPH_NONE)
      continue;
    while (n->next[at] != STAGEGRAPH_NONE) at = n->next[at];
    n->next[at] = pos;
  }
  return rc;
}

static void stage_names_free(stage_names *n, const sgi_mem *mem) {
  sgi_str_index_free(&n->first);
  sgi_free(mem, n->next);
}

static void render_graph(sgi_buf *b, const view *v, int mermaid) {
  const stagegraph_cache *c = v->c;
  char tmp[32];
  sgi_buf_puts(b, mermaid ? "flowchart TB\n" : "digraph stagegraph_cache {\n  rankdir=TB;\n  node [shape=box, style=filled, fontname=\"Helvetica\", fontsize=10];\n");
  for (size_t i = 0; i < stagegraph_cache_stage_count(c); i++) {
    size_t stage = stagegraph_cache_stage(c, i);
    const char *name = name_of(v, stage, tmp, sizeof tmp);
    if (mermaid)
      sgi_buf_printf(b, "  subgraph s%zu[\"%s\"]\n", stage, name);
    else
      sgi_buf_printf(b, "  subgraph cluster_s%zu {\n    label=\"%s\";\n", stage, name);
    size_t n = stagegraph_cache_instruction_count(c, i);
    for (size_t k = 0; k < n; k++) {
      const stagegraph_instruction *ins = stagegraph_cache_instruction(c, i, k);
      stagegraph_cache_status st = stagegraph_cache_instruction_status(c, i, k);
      if (mermaid) {
        sgi_buf_printf(b, "    s%zu_%zu[\"", stage, k);
        label_text(b, ins, 1);
        sgi_buf_printf(b, "\"]\n    style s%zu_%zu fill:%s\n", stage, k, status_color(st));
      } else {
        sgi_buf_printf(b, "    s%zu_%zu [label=\"", stage, k);
        label_text(b, ins, 0);
        sgi_buf_printf(b, "\", fillcolor=\"%s\"%s];\n", status_color(st),
                       stagegraph_cache_instruction_layer(c, i, k) ? "" : ", style=\"filled,dashed\"");
      }
      if (k) sgi_buf_printf(b, mermaid ? "    s%zu_%zu --> s%zu_%zu\n" : "    s%zu_%zu -> s%zu_%zu;\n",
                            stage, k - 1, stage, k);
    }
    sgi_buf_puts(b, mermaid ? "  end\n" : "  }\n");
  }
  /* stages feeding stages: from the last step of the source to the step
   * that reads it */
  stage_names names;
  if (stage_names_build(&names, v, b->mem)) b->failed = STAGEGRAPH_ENOMEM;
  for (size_t i = 0; i < stagegraph_cache_stage_count(c) && !b->failed; i++) {
    size_t stage = stagegraph_cache_stage(c, i);
    for (size_t k = 0; k < stagegraph_cache_instruction_count(c, i); k++) {
      for (size_t in = 0; in < stagegraph_cache_input_count(c, i, k); in++) {
        if (stagegraph_cache_input_kind(c, i, k, in) != STAGEGRAPH_INPUT_STAGE) continue;
        const char *src_name = stagegraph_cache_input_value(c, i, k, in);
        for (size_t pos = sgi_str_index_find(&names.first, src_name, strlen(src_name));
             pos != STAGEGRAPH_NONE; pos = names.next[pos]) {
          size_t other = stagegraph_cache_stage(c, pos);
          size_t last = stagegraph_cache_instruction_count(c, pos) - 1;
          sgi_buf_printf(b, mermaid ? "  s%zu_%zu -.-> s%zu_%zu\n" : "  s%zu_%zu -> s%zu_%zu [style=dashed];\n",
                         other, last, stage, k);
        }
      }
    }
  }
  stage_names_free(&names, b->mem);
  if (!mermaid) sgi_buf_puts(b, "}\n");
}

int stagegraph_cache_render(stagegraph_buf *out, const stagegraph_cache *cache,
                            stagegraph_format format, stagegraph_error *err) {
  if (!out || !cache) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out and cache are required");
  const stagegraph_plan *plan = stagegraph_cache_plan(cache);
  view v = {cache, stagegraph_plan_doc(plan)};
  sgi_buf b;
  sgi_buf_init(&b, &plan->mem);
  switch (format) {
  case STAGEGRAPH_FORMAT_TEXT: render_text(&b, &v); break;
  case STAGEGRAPH_FORMAT_JSON: render_json(&b, &v); break;
  case STAGEGRAPH_FORMAT_DOT: render_graph(&b, &v, 0); break;
  case STAGEGRAPH_FORMAT_MERMAID: render_graph(&b, &v, 1); break;
  default: return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "unknown format %d", (int)format);
  }
  int rc = sgi_buf_detach(&b, out);
  if (rc) return sgi_error_set(err, rc, NULL, "out of memory");
  return 0;
}
