/* The instruction layer: BuildKit's instructions.Parse over the AST. It
 * validates every instruction and its flags, groups instructions into
 * stages and records problems as error diagnostics on the document. */
#ifndef STAGEGRAPH_INSTRUCTIONS_H
#define STAGEGRAPH_INSTRUCTIONS_H

#include <string.h>

#include "document.h"
#include "prefetch.h"

/* Build doc->commands. Instruction-level problems become diagnostics (the
 * parse still succeeds); only ENOMEM / ELIMIT fail. */
int sgi_commands_build(stagegraph_doc *doc, stagegraph_error *err);
/* What sgi_commands_build put on the heap (the document's free calls it). */
void sgi_commands_free(stagegraph_doc *doc);

/* How many of a stage's instructions are ONBUILD: the graph reads a
 * stage's instructions for triggers only when it has some. */
size_t sgi_stage_onbuild_count(const stagegraph_stage *s);
/* The stage's FROM instruction's start offset and line, from the stage
 * record: a pass over every stage that needs only these (the graph's FROM
 * edges and image uses) does not read each FROM record too. */
uint32_t sgi_stage_from_offset(const stagegraph_stage *s);
uint32_t sgi_stage_from_line(const stagegraph_stage *s);
/* A stage's instructions after its FROM, stagegraph_stage_instruction_count
 * of them: a loop over a large stage reads them without a call each and
 * loads the records ahead with sgi_instruction_ahead. */
stagegraph_instruction *const *sgi_stage_instructions(const stagegraph_stage *s);
/* The values of one builder flag in order (--mount, say): *at starts at
 * 0, and each call returns the next value and moves *at past it, NULL
 * after the last; the value returned is then flag value *at - 1 (the
 * `flag` of an edge, see sgi_plan_edge_at). A loop over all the values is
 * linear in the flags, where asking stagegraph_instruction_flag_value for
 * the k-th each time is quadratic (a RUN of 40k mounts over continuation
 * lines took 14 s). */
static inline const char *sgi_instruction_flag_next(const stagegraph_instruction *ins,
                                                     const char *name, size_t *at) {
  for (; *at < ins->flag_value_count; ++*at)
    if (strcmp(ins->flag_values[*at].name, name) == 0) return ins->flag_values[(*at)++].value;
  return NULL;
}

/* A large stage's records are out of the caches and a page apart every 20
 * or so, where the hardware stops loading ahead: a loop at record i loads
 * the one SGI_INSTRUCTIONS_AHEAD further, both cache lines its first 64
 * bytes can span (records are 8-byte aligned, not 64). */
#define SGI_INSTRUCTIONS_AHEAD 16
static inline void sgi_instruction_ahead(stagegraph_instruction *const *list, size_t i,
                                         size_t count) {
  if (i + SGI_INSTRUCTIONS_AHEAD < count) {
    const char *record = (const char *)list[i + SGI_INSTRUCTIONS_AHEAD];
    SGI_PREFETCH(record);
    SGI_PREFETCH(record + 63);
  }
}
/* The bound to pass sgi_instruction_ahead for a walk that goes on from a
 * stage's instructions (list) to the next stages' (dispatch and the cache
 * model walk stage after stage): the rest of the document. Its records
 * lie between one stage's and the next (a stage's list is a view into the
 * document's), so the loads ahead carry on across the stage boundary and
 * the next stage's first records are loaded too, not missed in turn. */
static inline size_t sgi_doc_records_from(const stagegraph_doc *doc,
                                          stagegraph_instruction *const *list) {
  return (size_t)(doc->instructions + doc->instruction_count - list);
}
/* An instruction of a stage that can make an edge to another stage (a
 * COPY or RUN with builder flags), listed in file order by the instruction
 * layer while it checks them, when their flag values are in cache: the
 * graph reads this dense list instead of each stage's records, their flag
 * arrays and the values, three dependent loads in three places for each
 * on a large document. A COPY's first --from is `value`, flag value
 * `flag` of the instruction; `name` is that value ASCII-lowercased, as the
 * graph looks stage names up, copied beside the other links' names (what
 * the value means, a name, a stage index or a word to expand, is the
 * graph's to say). */
typedef struct sgi_link {
  const stagegraph_instruction *ins;
  const char *value; /* COPY's --from, or NULL */
  const char *name;  /* value lowercased, or NULL */
  uint32_t len;      /* of name */
  uint32_t stage;    /* the stage of the instruction */
  uint32_t flag;     /* the index of value among the flag values */
  uint32_t offset;   /* ins->start_offset, which the edge records */
} sgi_link;
/* The document's links in file order, *count of them. */
const sgi_link *sgi_doc_links(const stagegraph_doc *doc, size_t *count);
/* ONBUILD instructions in all the stages of the document. */
size_t sgi_doc_onbuild_count(const stagegraph_doc *doc);
/* Builder flags of COPY and RUN instructions in all the stages: each
 * --from or --mount makes at most one edge, so with one FROM edge per
 * stage this bounds the edges the graph makes before ONBUILD triggers. */
size_t sgi_doc_linking_flag_count(const stagegraph_doc *doc);
/* The syntax directive selects a -labs frontend. */
int sgi_doc_labs(const stagegraph_doc *doc);

#endif
