/* Renderers for a plan: text for people, JSON (stagegraph.plan/1),
 * Graphviz DOT and Mermaid. They only read the plan. */
#include <string.h>

#include "buf.h"
#include "json_writer.h"
#include "plan.h"

static const char *stage_label(const stagegraph_plan *p, size_t i) { return p->stages[i].display; }

static uint32_t stage_line(const stagegraph_plan *p, size_t i) {
  return stagegraph_stage_from(stagegraph_doc_stage(p->doc, i))->start_line;
}

static int is_target(const stagegraph_plan *p, size_t s) { return p->stages[s].target; }

/* What an edge carries, for labels: the COPY sources or the mount target. */
static void edge_detail(sgi_buf *b, const stagegraph_edge *e) {
  const stagegraph_instruction *ins = e->ins;
  if (e->kind == STAGEGRAPH_EDGE_COPY && ins->kind == STAGEGRAPH_KIND_COPY && ins->arg_count >= 2) {
    for (size_t i = 0; i + 1 < ins->arg_count; i++) {
      if (i) sgi_buf_putc(b, ' ');
      sgi_buf_append(b, ins->args[i].ptr, ins->args[i].len);
    }
  }
}

/* ---- text ------------------------------------------------------------------- */

/* The stage's incoming edges, which the plan keeps grouped by stage. */
static void text_edges_into(sgi_buf *b, const stagegraph_plan *p, size_t s) {
  int first = 1;
  for (size_t k = p->in_start[s]; k < p->in_start[s + 1]; k++) {
    const stagegraph_edge *ed = &p->edges[p->in_edges[k]];
    sgi_buf_puts(b, first ? "  <- " : ", ");
    first = 0;
    sgi_buf_printf(b, "%s (%s%s, line %u)", stage_label(p, ed->from),
                   ed->kind == STAGEGRAPH_EDGE_FROM ? "FROM"
                   : ed->kind == STAGEGRAPH_EDGE_COPY ? "COPY --from"
                                                      : "RUN --mount",
                   ed->onbuild ? " via ONBUILD" : "", ed->ins->start_line);
  }
}

static void render_text(sgi_buf *b, const stagegraph_plan *p) {
  size_t total = p->stage_count;
  sgi_buf_printf(b, "Targets: ");
  for (size_t t = 0; t < p->target_count; t++)
    sgi_buf_printf(b, "%s%s", t ? ", " : "", stage_label(p, p->targets[t]));
  sgi_buf_printf(b, "%s\n", p->legacy ? " (legacy builder: every stage up to the target, in file order)" : "");
  sgi_buf_printf(b, "Builds %zu of %zu stages in %zu wave%s.\n\n", p->order_count, total,
                 p->wave_count, p->wave_count == 1 ? "" : "s");
  for (size_t w = 0; w < p->wave_count; w++) {
    sgi_buf_printf(b, "wave %zu\n", w + 1);
    for (size_t k = p->wave_starts[w]; k < p->wave_starts[w + 1]; k++) {
      size_t s = p->wave_items[k];
      const sgi_plan_stage *st = &p->stages[s];
      sgi_buf_printf(b, "  [%zu] %s", s, st->display);
      if (st->context)
        sgi_buf_printf(b, "  replaced by build context %s", st->context);
      else if (st->parent != STAGEGRAPH_NONE)
        sgi_buf_printf(b, "  FROM %s", stage_label(p, st->parent));
      else
        sgi_buf_printf(b, "  FROM %s", st->base);
      if (st->platform) sgi_buf_printf(b, " (%s)", st->platform);
      if (is_target(p, s)) sgi_buf_puts(b, "  [target]");
      sgi_buf_printf(b, "  line %u\n", stage_line(p, s));
      size_t before = b->len;
      text_edges_into(b, p, s);
      if (b->len != before) sgi_buf_putc(b, '\n');
    }
  }
  if (p->critical_count) {
    sgi_buf_puts(b, "\nCritical path: ");
    for (size_t i = 0; i < p->critical_count; i++)
      sgi_buf_printf(b, "%s%s", i ? " -> " : "", stage_label(p, p->critical[i]));
    sgi_buf_putc(b, '\n');
  }
  if (p->pruned_count) {
    sgi_buf_printf(b, "\nSkipped (%zu):\n", p->pruned_count);
    for (size_t i = 0; i < p->pruned_count; i++) {
      size_t s = p->pruned[i];
      sgi_buf_printf(b, "  [%zu] %s  line %u  ", s, stage_label(p, s), stage_line(p, s));
      if (p->legacy)
        sgi_buf_puts(b, "after the last target\n");
      else
        sgi_buf_puts(b, "no target depends on it (the classic builder and kaniko would still build "
                        "it if it comes before the target)\n");
    }
  }
  if (p->image_count) {
    sgi_buf_puts(b, "\nImages:\n");
    for (size_t i = 0; i < p->image_count; i++) {
      const stagegraph_image *img = p->images[i];
      sgi_buf_printf(b, "  %s  (%s)", img->ref, img->parts.normalized);
      if (img->context) sgi_buf_printf(b, "  replaced by build context %s", img->context);
      sgi_buf_putc(b, '\n');
    }
  }
}

/* ---- JSON --------------------------------------------------------------------- */

static void json_indices(sgi_json *j, const size_t *items, size_t n) {
  sgi_json_begin_array(j);
  for (size_t i = 0; i < n; i++) sgi_json_int(j, (long long)items[i]);
  sgi_json_end_array(j);
}

static void json_index_or_null(sgi_json *j, size_t v) {
  if (v == STAGEGRAPH_NONE)
    sgi_json_null(j);
  else
    sgi_json_int(j, (long long)v);
}

static void render_json(sgi_buf *b, const stagegraph_plan *p) {
  sgi_json j;
  sgi_json_init(&j, b, 0);
  sgi_json_begin_object(&j);
  sgi_json_key(&j, "schema");
  sgi_json_cstring(&j, "stagegraph.plan/1");
  sgi_json_key(&j, "legacy");
  sgi_json_bool(&j, p->legacy);
  sgi_json_key(&j, "stages");
  sgi_json_begin_array(&j);
  for (size_t i = 0; i < p->stage_count; i++) {
    const sgi_plan_stage *st = &p->stages[i];
    sgi_json_begin_object(&j);
    sgi_json_key(&j, "index");
    sgi_json_int(&j, (long long)i);
    sgi_json_key(&j, "name");
    sgi_json_cstring(&j, st->name);
    sgi_json_key(&j, "base");
    sgi_json_cstring(&j, st->base);
    sgi_json_key(&j, "platform");
    sgi_json_cstring(&j, st->platform);
    sgi_json_key(&j, "line");
    sgi_json_int(&j, stage_line(p, i));
    sgi_json_key(&j, "parent");
    json_index_or_null(&j, st->parent);
    sgi_json_key(&j, "context");
    sgi_json_cstring(&j, st->context);
    sgi_json_key(&j, "needed");
    sgi_json_bool(&j, p->needed[i]);
    sgi_json_key(&j, "wave");
    json_index_or_null(&j, stagegraph_plan_stage_wave(p, i));
    sgi_json_end_object(&j);
  }
  sgi_json_end_array(&j);
  sgi_json_key(&j, "edges");
  sgi_json_begin_array(&j);
  for (size_t e = 0; e < p->edge_count; e++) {
    const stagegraph_edge *ed = &p->edges[e];
    sgi_json_begin_object(&j);
    sgi_json_key(&j, "from");
    sgi_json_int(&j, (long long)ed->from);
    sgi_json_key(&j, "to");
    sgi_json_int(&j, (long long)ed->to);
    sgi_json_key(&j, "kind");
    sgi_json_cstring(&j, stagegraph_edge_kind_name(ed->kind));
    sgi_json_key(&j, "line");
    sgi_json_int(&j, ed->ins->start_line);
    sgi_json_key(&j, "reference");
    sgi_json_cstring(&j, ed->reference);
    sgi_json_key(&j, "onbuild");
    sgi_json_bool(&j, ed->onbuild);
    sgi_json_end_object(&j);
  }
  sgi_json_end_array(&j);
  sgi_json_key(&j, "images");
  sgi_json_begin_array(&j);
  for (size_t i = 0; i < p->image_count; i++) {
    const stagegraph_image *img = p->images[i];
    sgi_json_begin_object(&j);
    sgi_json_key(&j, "ref");
    sgi_json_cstring(&j, img->ref);
    sgi_json_key(&j, "normalized");
    sgi_json_cstring(&j, img->parts.normalized);
    sgi_json_key(&j, "familiar");
    sgi_json_cstring(&j, img->parts.familiar);
    sgi_json_key(&j, "domain");
    sgi_json_cstring(&j, img->parts.domain);
    sgi_json_key(&j, "path");
    sgi_json_cstring(&j, img->parts.path);
    sgi_json_key(&j, "tag");
    sgi_json_cstring(&j, img->parts.tag);
    sgi_json_key(&j, "digest");
    sgi_json_cstring(&j, img->parts.digest);
    sgi_json_key(&j, "context");
    sgi_json_cstring(&j, img->context);
    sgi_json_key(&j, "uses");
    sgi_json_begin_array(&j);
    for (size_t u = 0; u < img->use_count; u++) {
      sgi_json_begin_object(&j);
      sgi_json_key(&j, "kind");
      sgi_json_cstring(&j, stagegraph_edge_kind_name(img->uses[u].kind));
      sgi_json_key(&j, "stage");
      sgi_json_int(&j, (long long)img->uses[u].stage);
      sgi_json_key(&j, "line");
      sgi_json_int(&j, img->uses[u].line);
      sgi_json_end_object(&j);
    }
    sgi_json_end_array(&j);
    sgi_json_end_object(&j);
  }
  sgi_json_end_array(&j);
  sgi_json_key(&j, "targets");
  json_indices(&j, p->targets, p->target_count);
  sgi_json_key(&j, "order");
  json_indices(&j, p->order, p->order_count);
  sgi_json_key(&j, "pruned");
  json_indices(&j, p->pruned, p->pruned_count);
  sgi_json_key(&j, "critical_path");
  json_indices(&j, p->critical, p->critical_count);
  sgi_json_key(&j, "waves");
  sgi_json_begin_array(&j);
  for (size_t w = 0; w < p->wave_count; w++)
    json_indices(&j, p->wave_items + p->wave_starts[w], p->wave_starts[w + 1] - p->wave_starts[w]);
  sgi_json_end_array(&j);
  sgi_json_end_object(&j);
}

/* ---- DOT and Mermaid ------------------------------------------------------------ */

static void dot_string(sgi_buf *b, const char *s, size_t len) {
  sgi_buf_putc(b, '"');
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"' || s[i] == '\\') sgi_buf_putc(b, '\\');
    if (s[i] == '\n') {
      sgi_buf_puts(b, "\\n");
      continue;
    }
    sgi_buf_putc(b, s[i]);
  }
  sgi_buf_putc(b, '"');
}

static void render_dot(sgi_buf *b, const stagegraph_plan *p) {
  sgi_buf label;
  sgi_buf_init(&label, b->mem);
  sgi_buf_puts(b, "digraph stagegraph {\n  rankdir=LR;\n  node [shape=box, style=rounded, "
                  "fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
  for (size_t i = 0; i < p->image_count; i++) {
    sgi_buf_clear(&label);
    sgi_buf_puts(&label, p->images[i]->ref);
    sgi_buf_printf(b, "  i%zu [shape=ellipse, label=", i);
    dot_string(b, label.ptr, label.len);
    sgi_buf_puts(b, "];\n");
  }
  for (size_t i = 0; i < p->stage_count; i++) {
    const sgi_plan_stage *st = &p->stages[i];
    sgi_buf_clear(&label);
    sgi_buf_printf(&label, "%s\nline %u", st->display, stage_line(p, i));
    sgi_buf_printf(b, "  s%zu [label=", i);
    dot_string(b, label.ptr, label.len);
    if (!p->needed[i]) sgi_buf_puts(b, ", style=\"rounded,dashed\", color=gray60, fontcolor=gray60");
    else if (is_target(p, i)) sgi_buf_puts(b, ", penwidth=2");
    sgi_buf_puts(b, "];\n");
  }
  for (size_t i = 0; i < p->image_count; i++) {
    const stagegraph_image *img = p->images[i];
    for (size_t u = 0; u < img->use_count; u++) {
      sgi_buf_printf(b, "  i%zu -> s%zu [style=%s];\n", i, img->uses[u].stage,
                     img->uses[u].kind == STAGEGRAPH_EDGE_FROM ? "bold" : "dashed");
    }
  }
  for (size_t e = 0; e < p->edge_count; e++) {
    const stagegraph_edge *ed = &p->edges[e];
    sgi_buf_clear(&label);
    edge_detail(&label, ed);
    sgi_buf_printf(b, "  s%zu -> s%zu [style=%s", (size_t)ed->from, (size_t)ed->to,
                   ed->kind == STAGEGRAPH_EDGE_FROM ? "bold"
                   : ed->kind == STAGEGRAPH_EDGE_COPY ? "dashed"
                                                      : "dotted");
    if (label.len) {
      sgi_buf_puts(b, ", label=");
      dot_string(b, label.ptr, label.len);
    }
    if (!p->needed[ed->to]) sgi_buf_puts(b, ", color=gray60");
    sgi_buf_puts(b, "];\n");
  }
  sgi_buf_puts(b, "}\n");
  if (label.failed) b->failed = label.failed;
  sgi_buf_free(&label);
}

static void mermaid_text(sgi_buf *b, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') sgi_buf_puts(b, "#quot;");
    else if (s[i] == '\n') sgi_buf_puts(b, "<br/>");
    else sgi_buf_putc(b, s[i]);
  }
}

static void render_mermaid(sgi_buf *b, const stagegraph_plan *p) {
  sgi_buf label;
  sgi_buf_init(&label, b->mem);
  sgi_buf_puts(b, "flowchart LR\n");
  for (size_t i = 0; i < p->image_count; i++) {
    sgi_buf_printf(b, "  i%zu([\"", i);
    mermaid_text(b, p->images[i]->ref, strlen(p->images[i]->ref));
    sgi_buf_puts(b, "\"])\n");
  }
  for (size_t i = 0; i < p->stage_count; i++) {
    sgi_buf_printf(b, "  s%zu[\"", i);
    mermaid_text(b, p->stages[i].display, strlen(p->stages[i].display));
    sgi_buf_puts(b, "\"]\n");
  }
  for (size_t i = 0; i < p->image_count; i++) {
    const stagegraph_image *img = p->images[i];
    for (size_t u = 0; u < img->use_count; u++)
      sgi_buf_printf(b, "  i%zu %s s%zu\n", i, img->uses[u].kind == STAGEGRAPH_EDGE_FROM ? "==>" : "-.->",
                     img->uses[u].stage);
  }
  for (size_t e = 0; e < p->edge_count; e++) {
    const stagegraph_edge *ed = &p->edges[e];
    sgi_buf_clear(&label);
    edge_detail(&label, ed);
    const char *arrow = ed->kind == STAGEGRAPH_EDGE_FROM ? "==>" : "-.->";
    sgi_buf_printf(b, "  s%zu %s", (size_t)ed->from, arrow);
    if (label.len || ed->kind == STAGEGRAPH_EDGE_MOUNT) {
      sgi_buf_puts(b, "|\"");
      if (ed->kind == STAGEGRAPH_EDGE_MOUNT) sgi_buf_puts(b, "mount");
      mermaid_text(b, label.ptr ? label.ptr : "", label.len);
      sgi_buf_puts(b, "\"|");
    }
    sgi_buf_printf(b, " s%zu\n", (size_t)ed->to);
  }
  int any_pruned = 0;
  for (size_t i = 0; i < p->stage_count; i++) any_pruned |= !p->needed[i];
  if (any_pruned) {
    sgi_buf_puts(b, "  classDef pruned fill:#f4f4f4,stroke:#999,stroke-dasharray:4 3,color:#999\n");
    for (size_t i = 0; i < p->stage_count; i++)
      if (!p->needed[i]) sgi_buf_printf(b, "  class s%zu pruned\n", i);
  }
  sgi_buf_puts(b, "  classDef target stroke-width:3px\n");
  for (size_t t = 0; t < p->target_count; t++) sgi_buf_printf(b, "  class s%zu target\n", p->targets[t]);
  if (label.failed) b->failed = label.failed;
  sgi_buf_free(&label);
}

int stagegraph_plan_render(stagegraph_buf *out, const stagegraph_plan *plan,
                           stagegraph_format format, stagegraph_error *err) {
  if (!out || !plan) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out and plan are required");
  sgi_buf b;
  sgi_buf_init(&b, &plan->mem);
  switch (format) {
  case STAGEGRAPH_FORMAT_TEXT: render_text(&b, plan); break;
  case STAGEGRAPH_FORMAT_JSON: render_json(&b, plan); break;
  case STAGEGRAPH_FORMAT_DOT: render_dot(&b, plan); break;
  case STAGEGRAPH_FORMAT_MERMAID: render_mermaid(&b, plan); break;
  default: return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "unknown format %d", (int)format);
  }
  int rc = sgi_buf_detach(&b, out);
  if (rc) return sgi_error_set(err, rc, NULL, "out of memory");
  return 0;
}
