/* The instruction layer (I/parse.go). */
#include "instructions.h"

#include <string.h>

#include "buf.h"

struct sgi_commands {
  size_t stage_count;
};

static int instruction_error(stagegraph_doc *doc, const stagegraph_instruction *ins,
                             const char *message) {
  sgi_buf msg;
  sgi_buf_init(&msg, &doc->mem);
  sgi_buf_printf(&msg, "dockerfile parse error on line %u: %s", ins->start_line, message);
  sgi_pos pos = {ins->start_line, ins->column, ins->end_line, 0, ins->start_offset};
  int rc = msg.failed ? msg.failed
                      : sgi_doc_add_diagnostic(doc, STAGEGRAPH_SEVERITY_ERROR,
                                               STAGEGRAPH_EINSTRUCTION, NULL, &pos, msg.ptr);
  sgi_buf_free(&msg);
  return rc;
}

int sgi_commands_build(stagegraph_doc *doc, stagegraph_error *err) {
  (void)err;
  struct sgi_commands *c = sgi_arena_calloc(&doc->arena, 1, sizeof *c);
  if (!c) return STAGEGRAPH_ENOMEM;
  doc->commands = c;
  for (size_t i = 0; i < doc->instruction_count; i++) {
    const stagegraph_instruction *ins = doc->instructions[i];
    if (ins->kind == STAGEGRAPH_KIND_UNKNOWN) {
      sgi_buf m;
      sgi_buf_init(&m, &doc->mem);
      sgi_buf_printf(&m, "unknown instruction: %s", ins->keyword);
      int rc = m.failed ? m.failed : instruction_error(doc, ins, m.ptr);
      sgi_buf_free(&m);
      return rc;
    }
    if (ins->kind == STAGEGRAPH_KIND_FROM) {
      c->stage_count++;
    } else if (c->stage_count == 0 && ins->kind != STAGEGRAPH_KIND_ARG) {
      sgi_pos pos = {ins->start_line, ins->column, ins->end_line, 0, ins->start_offset};
      return sgi_doc_add_diagnostic(doc, STAGEGRAPH_SEVERITY_ERROR, STAGEGRAPH_EINSTRUCTION, NULL,
                                    &pos, "no build stage in current context");
    }
  }
  return 0;
}

void sgi_commands_free(stagegraph_doc *doc) { (void)doc; }
