/* The stage graph and the build plan: what stagegraph_plan_new computes.
 * graph.c resolves bases, edges and images (BuildKit's toDispatchState up
 * to the cycle check), plan.c chooses targets and orders the build,
 * dispatch.c walks the needed stages with their variables as BuildKit's
 * dispatch does, and render_plan.c writes the result. */
#ifndef STAGEGRAPH_PLAN_H
#define STAGEGRAPH_PLAN_H

#include "document.h"
#include "envmap.h"
#include "expand.h"
#include "reference.h"
#include "str_index.h"

typedef struct sgi_use {
  size_t stage;
  stagegraph_edge_kind kind;
  uint32_t line;
} sgi_use;

struct stagegraph_image {
  const char *ref;
  sgi_reference parts;
  const char *context; /* replacing named context, or NULL */
  sgi_use *uses;
  size_t use_count;
  void *hh_next; /* lookup chain (graph.c) */
};

/* 40 bytes: stage indices, offsets and flag indices fit in 32 bits
 * (inputs are under 4 GiB). offset is the instruction's start offset,
 * copied so that ordering and finding edges reads only the edge array;
 * flag tells apart the edges of one instruction (the mounts of a RUN). */
struct stagegraph_edge {
  uint32_t from, to;
  uint32_t offset;
  uint32_t flag;   /* the builder flag that made it: its index in ins's flag values; 0 for FROM */
  uint8_t kind;    /* stagegraph_edge_kind */
  uint8_t onbuild;
  const stagegraph_instruction *ins;
  const char *reference;
};

/* What dispatch learnt about one instruction, for the cache model and
 * lint; 32 bytes, one per instruction of the document (counts fit in 32
 * bits: an instruction's words fit in its line). */
typedef struct sgi_ins_info {
  const char **words; /* COPY/ADD: the expanded sources then the destination */
  /* variables its expanded fields use that are neither set nor declared
   * by an ARG in the stage (BuildKit's UndefinedVar), first use first */
  const char **undefined;
  uint32_t word_count;
  uint32_t undefined_count;
  uint8_t root;     /* WORKDIR: the directory resolves to / */
  uint8_t executed; /* dispatch reached it */
} sgi_ins_info;

/* A stage's own ONBUILD instructions, each parsed once as a Dockerfile of
 * its own for every stage built FROM it (docs[t] is NULL when it does not
 * parse: errors[t] says why). */
typedef struct sgi_onbuilds {
  stagegraph_doc **docs;
  const stagegraph_instruction **owners;
  const char **errors;
  size_t count;
} sgi_onbuilds;

/* The ONBUILD triggers a stage inherits from its parent (the parent's
 * parsed documents and instructions, shared), with this stage's errors and
 * records. */
typedef struct sgi_triggers {
  stagegraph_doc *const *docs;
  const stagegraph_instruction *const *owners;
  const char **errors;
  sgi_ins_info *info;
  size_t count;
} sgi_triggers;

/* One stage of the plan. Every pass over a large plan reads these records
 * (a cache miss per 64 bytes), so they hold what most stages have and
 * point to what few have (ONBUILD). */
typedef struct sgi_plan_stage {
  /* first 64 bytes: what the scheduler, dispatch and the cache model read
   * of every stage */
  size_t parent;         /* stage index or STAGEGRAPH_NONE */
  const char *display;   /* name, or "stage-N" */
  stagegraph_image *image;
  const char *context;   /* named context replacing the stage */
  sgi_triggers *triggers; /* NULL when the parent has no ONBUILD */
  unsigned char onbuild_parsed; /* onbuilds below is set */
  unsigned char undefined;      /* dispatch met an undefined variable in its instructions */
  unsigned char target;         /* one of the plan's targets */
  /* the rest */
  const char *name;      /* lowercased AS name or NULL */
  const char *base;      /* expanded FROM image */
  const char *platform;  /* expanded --platform, or NULL */
  sgi_onbuilds *onbuilds; /* NULL when the stage has no ONBUILD */
  /* how many components the WORKDIR has at the end of the stage
   * (dispatch); 0 is / */
  size_t workdir_depth;
} sgi_plan_stage;

static inline size_t sgi_plan_trigger_count(const sgi_plan_stage *ps) {
  return ps->triggers ? ps->triggers->count : 0;
}

typedef struct sgi_outline_arg {
  const char *name;
  const char *value;
  const char *description;
  uint32_t line;
  size_t seq; /* discovery order, to keep the sort stable */
} sgi_outline_arg;

typedef struct sgi_outline_mount {
  const char *id;
  int required;
  uint32_t line;
  size_t seq;
} sgi_outline_mount;

struct stagegraph_plan {
  const stagegraph_doc *doc;
  sgi_mem mem;
  sgi_arena arena;
  int legacy;
  /* built for lint (every stage needed): no build order (the stages in
   * file order), waves or critical path, which lint does not read */
  int unordered;
  size_t stage_count;
  sgi_plan_stage *stages;
  stagegraph_edge *edges;
  size_t edge_count, edge_cap; /* edge_cap: the arena array's room (graph.c) */
  /* noted as the graph adds edges, so that no pass over a large graph's
   * edges is needed to learn them: ONBUILD trigger edges came in, at their
   * parent's lines, and the graph sorted the edges (else they are in the
   * order made, grouped by dependent stage too); an edge comes from its
   * own stage or a later one (only then can there be a cycle, and only
   * then does the build order differ from file order) */
  unsigned char edges_resorted, edge_backward;
  stagegraph_image **images;
  size_t image_count, image_cap;
  /* named contexts: parallel arrays of normalised keys and sources */
  const char **context_keys;
  const char **context_sources;
  size_t context_count;
  /* the global scope of FROM lines */
  sgi_envmap global;
  /* bytes all expansions produced, against a budget: chained ARG defaults
   * can double a value at each step */
  size_t expanded, expansion_budget;
  /* the stages' names to their indices (the last stage of a name wins),
   * made by the graph and kept until the targets are looked up in it; the
   * few names of an ordinary file stay in the storage beside it */
  sgi_str_index names;
  sgi_str_slot name_slots[16];
  char name_pool[256];
  /* plan */
  size_t *targets, target_count;
  /* 1 per needed stage, 0 per pruned one (one dense array, not a field
   * of the stage records: a pass over the needed stages of a large file,
   * such as dispatch, reads no record of the others) */
  unsigned char *needed;
  /* each stage's dependencies (base and edges), deduplicated, in CSR form:
   * stage s's are deps[dep_start[s] .. dep_start[s + 1]) (sgi_plan_deps);
   * and each needed stage's wave (NO_WAVE for the others, and for every
   * stage of a plan built for lint). Dense arrays, not fields of the stage
   * records, for the same reason as needed */
  uint32_t *dep_start, *deps;
  uint32_t *wave;
  size_t *order, order_count;
  size_t *pruned, pruned_count;
  size_t *critical, critical_count;
  size_t *wave_items;  /* stages grouped by wave */
  size_t *wave_starts; /* wave_count + 1 offsets into wave_items */
  size_t wave_count;
  /* each dispatched stage's variables at its end (for stages FROM it); a
   * needed stage replaced by a context has an empty scope, and a stage not
   * needed none: its entry is never written */
  sgi_scope *final_env;
  /* how many of them hold heap memory (sgi_scope_owns_heap): usually
   * none, and then freeing the plan reads no scope */
  size_t heap_scopes;
  /* per document instruction (by index): what dispatch learnt. Only the
   * instructions of dispatched stages (sgi_plan_dispatched) have a record:
   * the rest is never written, so a plan needing a few stages of a large
   * file does not pay for zeroing the others' */
  sgi_ins_info *info;
  /* each stage's incoming edges, in the order of edges: stage s's are
   * edges[in_edges[in_start[s]]] .. before in_edges[in_start[s + 1]]
   * (the scheduler groups them so, and the text plan lists them) */
  uint32_t *in_start, *in_edges;
  /* stages with an undefined variable in their instructions (their
   * `undefined` set): lint finds UndefinedVar's suggestions only then */
  size_t undefined_stages;
  /* outline of the first target */
  sgi_outline_arg *args;
  size_t arg_count;
  sgi_outline_mount *secrets, *ssh;
  size_t secret_count, ssh_count;
};

#define SGI_NO_WAVE UINT32_MAX

/* Stage s's dependencies: *count of them at the result. */
static inline const uint32_t *sgi_plan_deps(const stagegraph_plan *plan, size_t s, size_t *count) {
  *count = plan->dep_start[s + 1] - plan->dep_start[s];
  return plan->deps + plan->dep_start[s];
}

/* Mark stage s and every stage it depends on, directly or not, in mark
 * (a stage marked already is not followed); stack holds a stage count. */
void sgi_plan_mark_closure(const stagegraph_plan *plan, size_t s, unsigned char *mark,
                           size_t *stack);

/* Whether dispatch walked stage s: needed and not replaced by a named
 * context. Only such stages' instructions have an info record. */
static inline int sgi_plan_dispatched(const stagegraph_plan *plan, size_t s) {
  /* the record is read only when the plan has named contexts */
  return plan->needed[s] && (!plan->context_count || !plan->stages[s].context);
}

/* Build a plan; with all_stages every stage is needed (lint without a
 * target treats every stage as built, as BuildKit's --check does) and the
 * plan is unordered (no build order, waves or critical path). */
int sgi_plan_build(stagegraph_plan **out, const stagegraph_doc *doc,
                   const stagegraph_plan_options *opts, int all_stages, stagegraph_error *err);

/* graph.c: global scope, bases, edges, images and the cycle check. */
int sgi_graph_build(stagegraph_plan *plan, const char *target_stage, stagegraph_error *err);
/* plan.c: targets, needed stages, order, waves, critical path. */
int sgi_plan_targets(stagegraph_plan *plan, const stagegraph_plan_options *opts,
                     stagegraph_error *err);
int sgi_plan_schedule(stagegraph_plan *plan, stagegraph_error *err);
/* dispatch.c: walk the needed stages in file order with their variables:
 * forward references, mount checks, field expansion, the outline. */
int sgi_dispatch(stagegraph_plan *plan, stagegraph_error *err);

/* Helpers shared by the plan's parts. */
/* The first block of a scratch arena for a step's temporaries: most plans
 * are small, and large ones grow blocks to what they need. */
#define SGI_PLAN_SCRATCH_BLOCK 1024
/* Scratch arenas start in this much of the stack: a plan of up to a
 * hundred or so stages needs no scratch block. */
#define SGI_PLAN_SCRATCH_STORAGE 2048
/* The first block of an arena expected to hold `bytes`: 4 or 8 KiB (a few
 * sizes, so freed blocks are reused whole), or 0 for the arena's default. */
static inline size_t sgi_plan_block_for(size_t bytes) {
  return bytes <= 4096 - 64 ? 4096 - 64 : bytes <= 8192 - 64 ? 8192 - 64 : 0;
}
/* Count an expansion's output against the plan's budget: 0, or
 * STAGEGRAPH_ELIMIT with the message in err. */
int sgi_plan_spend(stagegraph_plan *plan, size_t bytes, stagegraph_error *err);
/* Whether the lexer would give the word back unchanged (most words): no
 * variable, quote or escape in it, and within the per-word limit. */
int sgi_plan_word_unchanged(const char *word, size_t len, const sgi_expand_opts *opts);
/* sgi_expand_word, except that a word the lexer would give back unchanged
 * is copied without lexing. */
int sgi_plan_expand_word(sgi_buf *out, const char *word, size_t len, const sgi_env *env,
                         const sgi_expand_opts *opts, stagegraph_error *err);
/* The edge an instruction (a trigger's ONBUILD for trigger edges) makes
 * into stage `to`, of this kind, through its builder flag `flag` (the
 * index among its flag values of the --from or --mount; of the trigger's
 * own flags for a trigger edge), or NULL: edges are in order of (instruction offset,
 * dependent, flag), so a RUN of many mounts finds each at once, and one
 * that made no edge (an image) is known at once too. cursor (NULL: none)
 * keeps where the last lookup ended: a caller asking in file order passes
 * the same one (starting at 0) each time, and each lookup costs the log of
 * how far it moves instead of the log of all the edges, each step of
 * which reads an instruction. */
const stagegraph_edge *sgi_plan_edge_at(const stagegraph_plan *plan, size_t *cursor,
                                        const stagegraph_instruction *ins, size_t to,
                                        stagegraph_edge_kind kind, size_t flag);
/* The stage `name` names (ASCII case-insensitively, the last stage of a
 * name winning), as --from, mount from= and targets look stages up, in
 * *out (STAGEGRAPH_NONE for none), through the graph's index of names
 * (plan->names, kept until the targets are found). A long name is
 * lowercased on the heap: 0 or STAGEGRAPH_ENOMEM. */
int sgi_plan_stage_named(const stagegraph_plan *plan, const char *name, size_t *out);
/* Position of an instruction for errors. */
sgi_pos sgi_instruction_pos(const stagegraph_instruction *ins);

#endif
