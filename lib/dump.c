/* The AST dump: BuildKit's Node.Dump() format and our JSON form. */
#include <string.h>

#include "buf.h"
#include "document.h"
#include "json_writer.h"
#include "render_diagnostic.h"
#include "text.h"

static void put_lower(sgi_buf *b, const char *s) { sgi_append_lower(b, s, strlen(s)); }

/* One instruction, ONBUILD triggers nested, without recursion: the chain
 * of triggers is written forwards and the closing parentheses at the end. */
static void dump_instruction(sgi_buf *b, const stagegraph_instruction *ins) {
  size_t nested = 0;
  for (const stagegraph_instruction *n = ins; n; n = n->extra->trigger) {
    if (n != ins) {
      sgi_buf_append(b, " (", 2);
      nested++;
    }
    /* Go trims each node's dump, so an empty keyword leaves no space */
    const char *kw = sgi_instruction_keyword(n);
    const sgi_instruction_extra *x = n->extra;
    put_lower(b, kw);
    int sep = kw[0] != '\0';
    if (x->flag_count) {
      if (sep) sgi_buf_putc(b, ' ');
      sgi_buf_putc(b, '[');
      sep = 1;
      for (size_t i = 0; i < x->flag_count; i++) {
        if (i) sgi_buf_putc(b, ' ');
        sgi_quote_go(b, x->flags[i], strlen(x->flags[i]));
      }
      sgi_buf_putc(b, ']');
    }
    for (size_t i = 0; i < n->arg_count; i++) {
      if (sep) sgi_buf_putc(b, ' ');
      sep = 1;
      sgi_quote_go(b, n->args[i].ptr, n->args[i].len);
    }
  }
  for (size_t i = 0; i < nested; i++) sgi_buf_putc(b, ')');
}

static void dump_buildkit(sgi_buf *b, const stagegraph_doc *doc) {
  for (size_t i = 0; i < doc->instruction_count; i++) {
    sgi_buf_putc(b, '(');
    dump_instruction(b, doc->instructions[i]);
    sgi_buf_append(b, ")\n", 2);
  }
}

static void json_instruction_body(sgi_json *j, const stagegraph_instruction *n) {
  sgi_json_key(j, "keyword");
  sgi_json_cstring(j, sgi_instruction_keyword(n));
  sgi_json_key(j, "kind");
  sgi_json_cstring(j, n->kind ? stagegraph_kind_name(n->kind) : NULL);
  sgi_json_key(j, "flags");
  sgi_json_begin_array(j);
  for (size_t i = 0; i < n->extra->flag_count; i++) sgi_json_cstring(j, n->extra->flags[i]);
  sgi_json_end_array(j);
  sgi_json_key(j, "args");
  sgi_json_begin_array(j);
  for (size_t i = 0; i < n->arg_count; i++) sgi_json_string(j, n->args[i].ptr, n->args[i].len);
  sgi_json_end_array(j);
  sgi_json_key(j, "json");
  sgi_json_bool(j, n->json);
}

static void dump_json(sgi_buf *b, const stagegraph_doc *doc) {
  sgi_json j;
  sgi_json_init(&j, b, 0);
  sgi_json_begin_object(&j);
  sgi_json_key(&j, "schema");
  sgi_json_cstring(&j, "stagegraph.ast/1");
  sgi_json_key(&j, "escape");
  sgi_json_string(&j, &doc->escape, 1);
  sgi_json_key(&j, "directives");
  sgi_json_begin_array(&j);
  for (size_t i = 0; i < doc->directive_count; i++) {
    sgi_json_begin_object(&j);
    sgi_json_key(&j, "key");
    sgi_json_cstring(&j, doc->directives[i].key);
    sgi_json_key(&j, "value");
    sgi_json_cstring(&j, doc->directives[i].value);
    sgi_json_key(&j, "line");
    sgi_json_int(&j, doc->directives[i].line);
    sgi_json_end_object(&j);
  }
  sgi_json_end_array(&j);
  sgi_json_key(&j, "instructions");
  sgi_json_begin_array(&j);
  for (size_t i = 0; i < doc->instruction_count; i++) {
    const stagegraph_instruction *ins = doc->instructions[i];
    sgi_json_begin_object(&j);
    json_instruction_body(&j, ins);
    sgi_json_key(&j, "trigger");
    if (ins->extra->trigger) {
      /* Nested ONBUILD triggers are written as a flat chain of objects. */
      size_t depth = 0;
      for (const stagegraph_instruction *t = ins->extra->trigger; t; t = t->extra->trigger) {
        sgi_json_begin_object(&j);
        json_instruction_body(&j, t);
        sgi_json_key(&j, "trigger");
        depth++;
        if (!t->extra->trigger) sgi_json_null(&j);
      }
      while (depth--) sgi_json_end_object(&j);
    } else {
      sgi_json_null(&j);
    }
    sgi_json_key(&j, "heredocs");
    sgi_json_begin_array(&j);
    for (size_t h = 0; h < sgi_instruction_heredoc_count(ins); h++) {
      const stagegraph_heredoc *hd = &ins->extra->heredocs[h];
      sgi_json_begin_object(&j);
      sgi_json_key(&j, "name");
      sgi_json_cstring(&j, hd->name);
      sgi_json_key(&j, "expand");
      sgi_json_bool(&j, hd->expand);
      sgi_json_key(&j, "chomp");
      sgi_json_bool(&j, hd->chomp);
      sgi_json_key(&j, "fd");
      sgi_json_int(&j, hd->fd);
      sgi_json_key(&j, "content");
      sgi_json_string(&j, hd->content, hd->content_len);
      sgi_json_end_object(&j);
    }
    sgi_json_end_array(&j);
    sgi_json_key(&j, "start_line");
    sgi_json_int(&j, ins->start_line);
    sgi_json_key(&j, "end_line");
    sgi_json_int(&j, ins->end_line);
    sgi_json_key(&j, "original");
    sgi_json_string(&j, ins->original, ins->original_len);
    sgi_json_key(&j, "comments");
    sgi_json_begin_array(&j);
    for (size_t c = 0; c < sgi_instruction_comment_count(ins); c++)
      sgi_json_cstring(&j, ins->extra->comments[c]);
    sgi_json_end_array(&j);
    sgi_json_end_object(&j);
  }
  sgi_json_end_array(&j);
  sgi_json_key(&j, "diagnostics");
  sgi_json_begin_array(&j);
  for (size_t i = 0; i < doc->diagnostic_count; i++) {
    sgi_json_diagnostic(&j, &doc->diagnostics[i]);
  }
  sgi_json_end_array(&j);
  sgi_json_end_object(&j);
}

int stagegraph_doc_dump(stagegraph_buf *out, const stagegraph_doc *doc,
                        stagegraph_dump_format format, stagegraph_error *err) {
  if (!out || !doc) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out and doc are required");
  if (format != STAGEGRAPH_DUMP_BUILDKIT && format != STAGEGRAPH_DUMP_JSON)
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "unknown dump format %d", (int)format);
  sgi_buf b;
  sgi_buf_init(&b, &doc->mem);
  /* room for the usual size up front (the text dump is about the input's
   * size, the JSON one two to four times it), so the output is rarely
   * copied while it grows */
  if (!sgi_buf_grow(&b, format == STAGEGRAPH_DUMP_JSON ? 3 * doc->input_len + 1024 : doc->input_len + 256))
    b.ptr[0] = '\0'; /* an empty output is "" */
  if (format == STAGEGRAPH_DUMP_BUILDKIT) dump_buildkit(&b, doc);
  else dump_json(&b, doc);
  int rc = sgi_buf_detach(&b, out);
  if (rc) return sgi_error_set(err, rc, NULL, "out of memory");
  return 0;
}
