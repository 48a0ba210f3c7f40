/* The stage graph (C/convert.go toDispatchState up to the cycle check): the
 * global scope, each stage's expanded base and platform, the edges of
 * COPY --from, RUN --mount from= and ONBUILD triggers, the external images,
 * and the cycle check. */
#include <string.h>

#include "buf.h"
#include "expand.h"
#include "goparse.h"
#include "hash.h"
#include "instructions.h"
#include "str_index.h"
#include "mount.h"
#include "plan.h"
#include "platform.h"
#include "text.h"

sgi_pos sgi_instruction_pos(const stagegraph_instruction *ins) {
  sgi_pos pos = {ins->start_line, ins->column, ins->end_line, 0, ins->start_offset};
  return pos;
}

/* Is edge e before (offset, to, flag) in the order of the plan's edges:
 * by instruction offset, then by dependent stage, then by flag? */
static int edge_precedes(const stagegraph_edge *e, size_t offset, size_t to, size_t flag) {
  if (e->offset != offset) return e->offset < offset;
  return e->to != to ? e->to < to : e->flag < flag;
}

/* Edges are sorted by (instruction offset, dependent, flag): find the
 * first edge not before the one asked for (galloping from the cursor when
 * every edge before it comes first, from the start otherwise, then
 * bisecting), which is it or there is none. */
const stagegraph_edge *sgi_plan_edge_at(const stagegraph_plan *plan, size_t *cursor,
                                        const stagegraph_instruction *ins, size_t to,
                                        stagegraph_edge_kind kind, size_t flag) {
  size_t n = plan->edge_count, offset = ins->start_offset;
  size_t lo = cursor && *cursor <= n ? *cursor : 0;
  if (lo && !edge_precedes(&plan->edges[lo - 1], offset, to, flag)) lo = 0;
  size_t hi = lo, step = 1;
  while (hi < n && edge_precedes(&plan->edges[hi], offset, to, flag)) {
    lo = hi + 1;
    hi = step < n - hi ? hi + step : n;
    step *= 2;
  }
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (edge_precedes(&plan->edges[mid], offset, to, flag))
      lo = mid + 1;
    else
      hi = mid;
  }
  if (cursor) *cursor = lo;
  if (lo == n) return NULL;
  const stagegraph_edge *e = &plan->edges[lo];
  return e->offset == offset && e->to == to && e->flag == flag && e->ins == ins && e->kind == kind
             ? e
             : NULL;
}

/* The edges live in the arena at the capacity sgi_graph_build sizes them
 * to: a FROM edge per stage and one per builder flag of a COPY or RUN,
 * the most build_edges can make, so that a large graph is not copied at
 * every doubling. Only ONBUILD trigger edges can outgrow it; the array
 * then moves to a larger one (the old one stays in the arena). */
static int reserve_edges(stagegraph_plan *plan, size_t cap) {
  size_t bytes;
  if (!sgi_mul_ok(cap ? cap : 1, sizeof *plan->edges, &bytes)) return STAGEGRAPH_ENOMEM;
  stagegraph_edge *e = sgi_arena_alloc(&plan->arena, bytes);
  if (!e) return STAGEGRAPH_ENOMEM;
  if (plan->edge_count) memcpy(e, plan->edges, plan->edge_count * sizeof *e);
  plan->edges = e;
  plan->edge_cap = cap;
  return 0;
}

/* An edge of `ins`, which starts at `offset` (the caller may know it
 * without reading the instruction's record). */
static inline int add_edge_at(stagegraph_plan *plan, size_t from, size_t to, stagegraph_edge_kind kind,
                       const stagegraph_instruction *ins, uint32_t offset, size_t flag,
                       int onbuild, const char *reference) {
  if (plan->edge_count == plan->edge_cap) {
    int rc = reserve_edges(plan, plan->edge_cap ? plan->edge_cap * 2 : 16);
    if (rc) return rc;
  }
  stagegraph_edge *e = &plan->edges[plan->edge_count++];
  plan->edge_backward |= from >= to;
  e->from = (uint32_t)from;
  e->to = (uint32_t)to;
  e->offset = offset;
  e->flag = (uint32_t)flag;
  e->kind = (uint8_t)kind;
  e->onbuild = (uint8_t)(onbuild != 0);
  e->ins = ins;
  e->reference = reference;
  return 0;
}

/* An edge made by `flag`, the index among ins's flag values of its --from
 * or --mount (of the trigger's own flags for a trigger edge, whose ins is
 * the ONBUILD). */
static int add_edge(stagegraph_plan *plan, size_t from, size_t to, stagegraph_edge_kind kind,
                    const stagegraph_instruction *ins, size_t flag, int onbuild,
                    const char *reference) {
  return add_edge_at(plan, from, to, kind, ins, (uint32_t)ins->start_offset, flag, onbuild,
                     reference);
}

/* ---- names and images ------------------------------------------------------- */

int sgi_plan_stage_named(const stagegraph_plan *plan, const char *name, size_t *out) {
  char text[256];
  sgi_buf lower;
  sgi_buf_init_storage(&lower, &plan->mem, text, sizeof text);
  for (; *name; name++) sgi_buf_putc(&lower, sgi_ascii_lower(*name));
  int rc = lower.failed ? STAGEGRAPH_ENOMEM : 0;
  *out = rc ? STAGEGRAPH_NONE
            : sgi_str_index_find(&plan->names, lower.ptr ? lower.ptr : "", lower.len);
  sgi_buf_free(&lower);
  return rc;
}

/* The named context replacing `name`, in *out (NULL when none). */
static int context_for(const stagegraph_plan *plan, const char *name, const char **out) {
  *out = NULL;
  if (!plan->context_count || strcmp(name, "scratch") == 0 || strcmp(name, "context") == 0)
    return 0;
  sgi_arena scratch;
  sgi_arena_init(&scratch, &plan->mem);
  const char *key = NULL;
  int rc = sgi_reference_context_key(&key, &scratch, name, strlen(name), NULL);
  if (rc == 0) {
    for (size_t i = 0; i < plan->context_count && !*out; i++)
      if (strcmp(plan->context_keys[i], key) == 0) *out = plan->context_sources[i];
  }
  sgi_arena_free(&scratch);
  return rc == STAGEGRAPH_ENOMEM ? rc : 0; /* a name that is no reference has no context */
}

/* Every image use in the order the graph meets them, on the heap while it
 * is built: one array sized once for the most uses the walk can make (the
 * edges' bound), where an array per image would be copied at each of its
 * doublings. settle_images gives each image its own at their final size. */
typedef struct pending_use {
  uint32_t image, stage, line; /* indices and lines fit 32 bits (inputs are under 4 GiB) */
  uint8_t kind;
} pending_use;

typedef struct image_uses {
  pending_use *items;
  size_t count, cap;
} image_uses;

static int reserve_uses(const stagegraph_plan *plan, image_uses *u, size_t cap) {
  size_t bytes;
  pending_use *items;
  if (!sgi_mul_ok(cap ? cap : 1, sizeof *items, &bytes) ||
      !(items = sgi_realloc(&plan->mem, u->items, bytes)))
    return STAGEGRAPH_ENOMEM;
  u->items = items;
  u->cap = cap;
  return 0;
}

/* Record a use of an external image, parsing it on first sight. */
static int use_image(stagegraph_plan *plan, sgi_str_index *images, image_uses *uses,
                     const char *ref, stagegraph_edge_kind kind, size_t stage, uint32_t line,
                     const stagegraph_instruction *ins, stagegraph_image **out,
                     stagegraph_error *err) {
  size_t len = strlen(ref);
  size_t known = sgi_str_index_find(images, ref, len);
  stagegraph_image *img;
  if (known != STAGEGRAPH_NONE) {
    img = plan->images[known];
  } else {
    img = sgi_arena_calloc(&plan->arena, 1, sizeof *img);
    if (!img || !(img->ref = sgi_arena_strndup(&plan->arena, ref, len))) return STAGEGRAPH_ENOMEM;
    stagegraph_error rerr = STAGEGRAPH_ERROR_INIT;
    int rc = sgi_reference_parse(&img->parts, &plan->arena, ref, len, &rerr);
    if (rc == STAGEGRAPH_ENOMEM) return rc;
    if (rc) {
      sgi_pos pos = sgi_instruction_pos(ins);
      return sgi_error_set(err, STAGEGRAPH_EREFERENCE, &pos, "failed to parse stage name \"%s\": %s",
                           ref, rerr.message);
    }
    if ((rc = context_for(plan, ref, &img->context))) return rc;
    if (plan->image_count == plan->image_cap) {
      size_t cap = plan->image_cap ? plan->image_cap * 2 : 8;
      stagegraph_image **list = sgi_arena_calloc(&plan->arena, cap, sizeof *list);
      if (!list) return STAGEGRAPH_ENOMEM;
      if (plan->image_count) memcpy(list, plan->images, plan->image_count * sizeof *list);
      plan->images = list;
      plan->image_cap = cap;
    }
    known = plan->image_count;
    plan->images[plan->image_count++] = img;
    if ((rc = sgi_str_index_set(images, ref, len, known))) return rc;
  }
  if (uses->count == uses->cap && reserve_uses(plan, uses, uses->cap ? 2 * uses->cap : 16))
    return STAGEGRAPH_ENOMEM;
  pending_use *u = &uses->items[uses->count++];
  u->image = (uint32_t)known;
  u->stage = (uint32_t)stage;
  u->line = line;
  u->kind = (uint8_t)kind;
  img->use_count++;
  if (out) *out = img;
  return 0;
}

/* Once the graph is built, give each image its uses in the arena at their
 * final size (keep), or none (the build failed); the pending list goes. */
static int settle_images(stagegraph_plan *plan, image_uses *uses, int keep) {
  int rc = 0;
  for (size_t i = 0; i < plan->image_count; i++) {
    stagegraph_image *img = plan->images[i];
    img->uses = keep && !rc ? sgi_arena_array(&plan->arena, img->use_count, sizeof *img->uses) : NULL;
    if (keep && !img->uses) rc = STAGEGRAPH_ENOMEM;
    img->use_count = 0; /* counted again as they are filled in */
  }
  for (size_t k = 0; keep && !rc && k < uses->count; k++) {
    const pending_use *p = &uses->items[k];
    stagegraph_image *img = plan->images[p->image];
    sgi_use *u = &img->uses[img->use_count++];
    u->stage = p->stage;
    u->kind = (stagegraph_edge_kind)p->kind;
    u->line = p->line;
  }
  sgi_free(&plan->mem, uses->items);
  uses->items = NULL;
  uses->count = uses->cap = 0;
  return rc;
}

static int set_error_pos(stagegraph_error *err, const stagegraph_instruction *ins, int rc) {
  if (rc != STAGEGRAPH_ENOMEM) {
    sgi_pos pos = sgi_instruction_pos(ins);
    sgi_error_set_pos(err, &pos);
  }
  return rc;
}

/* ---- the global scope ---------------------------------------------------- */

/* A platform spec parsed and normalised, and its "os/arch[/variant]". */
typedef struct platform_arg {
  sgi_platform p;
  char full[96];
} platform_arg;

static int parse_platform(stagegraph_plan *plan, const char *spec, platform_arg *out,
                          stagegraph_error *err) {
  sgi_buf msg;
  sgi_buf_init(&msg, &plan->mem);
  if (sgi_platform_parse(spec, strlen(spec), &out->p, &msg)) {
    int rc = msg.failed ? STAGEGRAPH_ENOMEM
                        : sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "invalid platform %s: %s",
                                        spec, msg.ptr);
    sgi_buf_free(&msg);
    return rc;
  }
  sgi_buf_free(&msg);
  sgi_platform_format(&out->p, out->full, sizeof out->full);
  return 0;
}

/* The automatic platform args, each overridden by a build arg of its name,
 * added in BuildKit's order to the empty global scope. Names and values
 * are kept, not copied: `a` lives in the plan's arena, build args in the
 * document. */
static int platform_args(stagegraph_plan *plan, int target, const platform_arg *a) {
  static const struct {
    const char *name;
    size_t len;
  } keys[2][5] = {{{"BUILDPLATFORM", 13}, {"BUILDOS", 7}, {"BUILDOSVERSION", 14}, {"BUILDARCH", 9},
                   {"BUILDVARIANT", 12}},
                  {{"TARGETPLATFORM", 14}, {"TARGETOS", 8}, {"TARGETOSVERSION", 15},
                   {"TARGETARCH", 10}, {"TARGETVARIANT", 13}}};
  const char *values[5] = {a->full, a->p.os, "", a->p.arch, a->p.variant};
  for (int i = 0; i < 5; i++) {
    const char *v = sgi_doc_build_arg(plan->doc, keys[target][i].name, keys[target][i].len);
    if (!v) v = values[i];
    int rc = sgi_envmap_add_ref(&plan->global, keys[target][i].name, keys[target][i].len, v,
                                strlen(v));
    if (rc) return rc;
  }
  return 0;
}

/* How the graph expands a word: single word, quotes removed. */
static sgi_expand_opts word_opts(const stagegraph_plan *plan) {
  sgi_expand_opts opts = {plan->doc->escape, SGI_EXPAND_NORMAL,
                          plan->doc->limits.max_expansion_bytes, NULL};
  return opts;
}

/* Expand one word for the graph into out. */
static int expand_word(stagegraph_plan *plan, const sgi_envmap *scope, const char *word,
                       sgi_buf *out, stagegraph_error *err) {
  sgi_env env = sgi_envmap_env(scope);
  sgi_expand_opts opts = word_opts(plan);
  sgi_buf_clear(out);
  int rc = sgi_plan_expand_word(out, word, strlen(word), &env, &opts, err);
  return rc ? rc : sgi_plan_spend(plan, out->len, err);
}

/* The same, kept: the document's word itself when expansion leaves it as
 * it is (most bases name an image or a stage plainly), else a copy in the
 * plan's arena; *len bytes. */
static int expand_kept(stagegraph_plan *plan, const sgi_envmap *scope, const char *word,
                       sgi_buf *buf, const char **out, size_t *len, stagegraph_error *err) {
  sgi_expand_opts opts = word_opts(plan);
  size_t n = strlen(word);
  if (sgi_plan_word_unchanged(word, n, &opts)) {
    *out = word;
    *len = n;
    return sgi_plan_spend(plan, n, err);
  }
  int rc = expand_word(plan, scope, word, buf, err);
  if (rc) return rc;
  *len = buf->len;
  *out = sgi_arena_strndup(&plan->arena, buf->ptr ? buf->ptr : "", buf->len);
  return *out ? 0 : STAGEGRAPH_ENOMEM;
}

static int build_global_scope(stagegraph_plan *plan, const char *target_stage,
                              stagegraph_error *err) {
  const stagegraph_doc *doc = plan->doc;
  platform_arg *build = sgi_arena_alloc(&plan->arena, 2 * sizeof *build), *target = build + 1;
  if (!build) return STAGEGRAPH_ENOMEM;
  int rc = parse_platform(plan, doc->build_platform, build, err);
  if (rc) return rc;
  if (strcmp(doc->platform, doc->build_platform) == 0) /* usually: parse it once */
    target = build;
  else if ((rc = parse_platform(plan, doc->platform, target, err)))
    return rc;
  if ((rc = platform_args(plan, 0, build)) || (rc = platform_args(plan, 1, target))) return rc;
  const char *stage = sgi_doc_build_arg(doc, "TARGETSTAGE", 11);
  if (!stage && !(stage = sgi_arena_strndup(&plan->arena, target_stage, strlen(target_stage))))
    return STAGEGRAPH_ENOMEM;
  if ((rc = sgi_envmap_add_ref(&plan->global, "TARGETSTAGE", 11, stage, strlen(stage)))) return rc;
  char value_text[256];
  sgi_buf value;
  sgi_buf_init_storage(&value, &plan->mem, value_text, sizeof value_text);
  for (size_t i = 0; i < stagegraph_doc_meta_arg_count(doc) && !rc; i++) {
    const stagegraph_instruction *ins = stagegraph_doc_meta_arg(doc, i);
    for (size_t k = 0; k < ins->arg_count && !rc; k++) {
      const char *word = ins->args[k].ptr, *dflt;
      size_t klen = sgi_key_value(word, &dflt);
      const char *ba = sgi_doc_build_arg(doc, word, klen);
      if (ba) {
        rc = sgi_envmap_set(&plan->global, word, klen, ba, strlen(ba));
      } else if (dflt) {
        rc = expand_word(plan, &plan->global, dflt, &value, err);
        if (rc) set_error_pos(err, ins, rc);
        else rc = sgi_envmap_set(&plan->global, word, klen, value.ptr ? value.ptr : "", value.len);
      }
    }
  }
  sgi_buf_free(&value);
  return rc;
}

/* ---- stages, edges --------------------------------------------------------- */

/* "stage-N", the display name of an unnamed stage (written out: this runs
 * for most stages of most files, where snprintf would cost more than the
 * rest of the stage's set-up). */
static const char *unnamed_display(sgi_arena *arena, size_t i) {
  char digits[24];
  size_t n = 0;
  do digits[n++] = (char)('0' + i % 10); while ((i /= 10) != 0);
  char *s = sgi_arena_alloc(arena, 6 + n + 1);
  if (!s) return NULL;
  memcpy(s, "stage-", 6);
  for (size_t k = 0; k < n; k++) s[6 + k] = digits[n - 1 - k];
  s[6 + n] = '\0';
  return s;
}

/* Stage i's expanded base and platform, its display name and the named
 * context replacing it. */
static int expand_base(stagegraph_plan *plan, size_t i, sgi_buf *word, stagegraph_error *err) {
  const stagegraph_stage *st = stagegraph_doc_stage(plan->doc, i);
  const stagegraph_instruction *from = stagegraph_stage_from(st);
  sgi_plan_stage *ps = &plan->stages[i];
  ps->name = stagegraph_stage_name(st);
  ps->parent = STAGEGRAPH_NONE;
  if (ps->name) {
    ps->display = ps->name;
  } else if (!(ps->display = unnamed_display(&plan->arena, i))) {
    return STAGEGRAPH_ENOMEM;
  }
  const char *raw = stagegraph_stage_base(st);
  size_t len;
  int rc = expand_kept(plan, &plan->global, raw, word, &ps->base, &len, err);
  if (rc) return set_error_pos(err, from, rc);
  if (len == 0) {
    sgi_pos pos = sgi_instruction_pos(from);
    return sgi_error_set(err, STAGEGRAPH_EEXPAND, &pos, "base name (%s) should not be blank", raw);
  }
  const char *praw = stagegraph_stage_platform(st);
  if (praw) {
    if ((rc = expand_word(plan, &plan->global, praw, word, err))) return set_error_pos(err, from, rc);
    sgi_pos pos = sgi_instruction_pos(from);
    if (word->len == 0)
      return sgi_error_set(err, STAGEGRAPH_EEXPAND, &pos, "empty platform value from expression %s", praw);
    sgi_platform p;
    sgi_buf msg;
    sgi_buf_init(&msg, &plan->mem);
    if (sgi_platform_parse(word->ptr, word->len, &p, &msg)) {
      rc = msg.failed ? STAGEGRAPH_ENOMEM
                      : sgi_error_set(err, STAGEGRAPH_EINVAL, &pos, "failed to parse platform %s: %s",
                                      praw, msg.ptr);
      sgi_buf_free(&msg);
      return rc;
    }
    sgi_buf_free(&msg);
    char formatted[96];
    sgi_platform_format(&p, formatted, sizeof formatted);
    if (!(ps->platform = sgi_arena_strndup(&plan->arena, formatted, strlen(formatted))))
      return STAGEGRAPH_ENOMEM;
  }
  return ps->name ? context_for(plan, ps->name, &ps->context) : 0;
}

/* Expand every stage's base, link each stage to the stage its base names
 * among those before it (a FROM sees only earlier names), and register
 * its own name. On many stages a lookup misses twice, on the slot and
 * then on the entry the slot names: the loop expands stage i and loads the
 * slots of its name and base while it links stage i - LINK_AHEAD, and
 * loads the base's entry half way, so the misses overlap instead of adding
 * up. The hashes wait in a ring. */
#define LINK_AHEAD 16

typedef struct link_hashes {
  uint32_t name, base;
  uint32_t name_len, base_len; /* measured once */
} link_hashes;

static void link_ahead(const stagegraph_plan *plan, const sgi_str_index *names,
                       link_hashes *ring, size_t i) {
  const sgi_plan_stage *ps = &plan->stages[i];
  link_hashes *h = &ring[i % LINK_AHEAD];
  h->base_len = (uint32_t)strlen(ps->base);
  h->base = sgi_str_index_hash(names, ps->base, h->base_len);
  sgi_str_index_prefetch_slot(names, h->base);
  if (ps->name) {
    h->name_len = (uint32_t)strlen(ps->name);
    h->name = sgi_str_index_hash(names, ps->name, h->name_len);
    sgi_str_index_prefetch_slot(names, h->name);
  }
}

static int link_base(stagegraph_plan *plan, sgi_str_index *names, const link_hashes *h,
                     size_t i) {
  sgi_plan_stage *ps = &plan->stages[i];
  ps->parent = sgi_str_index_find_hashed(names, ps->base, h->base_len, h->base);
  return ps->name ? sgi_str_index_set_hashed(names, ps->name, h->name_len, h->name, i) : 0;
}

static int resolve_bases(stagegraph_plan *plan, sgi_str_index *names, stagegraph_error *err) {
  size_t n = plan->stage_count;
  link_hashes ring[LINK_AHEAD];
  char word_text[256];
  sgi_buf word;
  sgi_buf_init_storage(&word, &plan->mem, word_text, sizeof word_text);
  int rc = 0;
  for (size_t i = 0; i < n + LINK_AHEAD && !rc; i++) {
    /* stage i - LINK_AHEAD's hashes are at ring[i % LINK_AHEAD], where
     * stage i's go next */
    if (i >= LINK_AHEAD) rc = link_base(plan, names, &ring[i % LINK_AHEAD], i - LINK_AHEAD);
    if (!rc && i < n && !(rc = expand_base(plan, i, &word, err))) link_ahead(plan, names, ring, i);
    if (i >= LINK_AHEAD / 2 && i - LINK_AHEAD / 2 < n)
      sgi_str_index_prefetch_entry(names, ring[(i - LINK_AHEAD / 2) % LINK_AHEAD].base);
  }
  sgi_buf_free(&word);
  return rc;
}

/* BuildKit keeps the stages and, appended as the walk meets them, the
 * external sources (--from / from= names that are not stages); a numeric
 * --from indexes that list. */
typedef struct edge_ctx {
  stagegraph_plan *plan;
  sgi_str_index *images;
  image_uses uses;
  stagegraph_error *err;
  const char **externals;
  size_t external_count, external_cap;
  sgi_str_index external_index; /* the same, to find repeats */
} edge_ctx;

static int note_external(edge_ctx *c, const char *ref) {
  size_t seen;
  int rc = sgi_str_index_add(&c->external_index, ref, strlen(ref), c->external_count, &seen);
  if (rc || seen != STAGEGRAPH_NONE) return rc;
  if (c->external_count == c->external_cap) {
    size_t cap = c->external_cap ? c->external_cap * 2 : 8;
    const char **list = sgi_arena_calloc(&c->plan->arena, cap, sizeof *list);
    if (!list) return STAGEGRAPH_ENOMEM;
    if (c->external_count) memcpy(list, c->externals, c->external_count * sizeof *list);
    c->externals = list;
    c->external_cap = cap;
  }
  c->externals[c->external_count++] = ref;
  return 0;
}

/* A stage reference that is not a stage: scratch, a named context or an
 * image. */
static int external(edge_ctx *c, const char *ref, stagegraph_edge_kind kind, size_t stage,
                    const stagegraph_instruction *ins, const stagegraph_instruction *at) {
  int rc = note_external(c, ref);
  if (rc || strcmp(ref, "scratch") == 0) return rc;
  return use_image(c->plan, c->images, &c->uses, ref, kind, stage, at->start_line, ins, NULL,
                   c->err);
}

static int copy_edge(edge_ctx *c, size_t stage, const stagegraph_instruction *ins,
                     const stagegraph_instruction *at, int onbuild) {
  size_t next = 0;
  const char *from = sgi_instruction_flag_next(ins, "from", &next);
  if (!from) return 0;
  size_t flag = next - 1;
  stagegraph_plan *plan = c->plan;
  if (sgi_expand_changes(from, strlen(from), plan->doc->escape)) {
    sgi_buf scratch;
    sgi_buf_init(&scratch, &plan->mem);
    sgi_env none = {NULL, NULL};
    sgi_expand_opts opts = {plan->doc->escape, SGI_EXPAND_NORMAL,
                            plan->doc->limits.max_expansion_bytes, NULL};
    int rc = sgi_expand_word(&scratch, from, strlen(from), &none, &opts, c->err);
    sgi_buf_free(&scratch);
    if (rc == STAGEGRAPH_ENOMEM) return rc;
    if (rc == 0) {
      sgi_pos pos = sgi_instruction_pos(at);
      return sgi_error_set(c->err, STAGEGRAPH_EEXPAND, &pos,
                           "variable expansion is not supported for --from, define a new stage "
                           "with FROM using ARG from global scope as a workaround");
    }
    return set_error_pos(c->err, at, rc);
  }
  int64_t index;
  if (sgi_go_atoi(from, strlen(from), &index) == 0) {
    size_t states = plan->stage_count + c->external_count;
    if (index < 0 || (unsigned long long)index >= states) {
      sgi_pos pos = sgi_instruction_pos(at);
      return sgi_error_set(c->err, STAGEGRAPH_ESTAGE, &pos, "invalid stage index %lld",
                           (long long)index);
    }
    if ((size_t)index < plan->stage_count)
      return add_edge(plan, (size_t)index, stage, STAGEGRAPH_EDGE_COPY, at, flag, onbuild,
                               from);
    /* BuildKit's quirk: an index past the stages selects an external source
     * found earlier in the walk. */
    const char *ref = c->externals[(size_t)index - plan->stage_count];
    if (strcmp(ref, "scratch") == 0) return 0;
    return use_image(plan, c->images, &c->uses, ref, STAGEGRAPH_EDGE_COPY, stage, at->start_line,
                     at, NULL, c->err);
  }
  size_t source;
  if (sgi_plan_stage_named(plan, from, &source)) return STAGEGRAPH_ENOMEM;
  if (source != STAGEGRAPH_NONE)
    return add_edge(plan, source, stage, STAGEGRAPH_EDGE_COPY, at, flag, onbuild, from);
  return external(c, from, STAGEGRAPH_EDGE_COPY, stage, at, at);
}

static int mount_edges(edge_ctx *c, size_t stage, const stagegraph_instruction *ins,
                       const stagegraph_instruction *at, int onbuild) {
  stagegraph_plan *plan = c->plan;
  for (size_t pos = 0;;) {
    const char *value = sgi_instruction_flag_next(ins, "mount", &pos);
    if (!value) return 0;
    const char *from = NULL;
    int rc = sgi_mount_field(&plan->arena, value, "from", &from);
    if (rc) return rc;
    /* A mount without from reads the build context, but BuildKit records
     * it as depending on the name "scratch", which a stage of that name
     * captures. */
    const char *name = from && *from ? from : "scratch";
    size_t source;
    if ((rc = sgi_plan_stage_named(plan, name, &source))) return rc;
    if (source != STAGEGRAPH_NONE) {
      if ((rc = add_edge(plan, source, stage, STAGEGRAPH_EDGE_MOUNT, at, pos - 1, onbuild,
                                  name)))
        return rc;
    } else if (from && *from) {
      if ((rc = external(c, from, STAGEGRAPH_EDGE_MOUNT, stage, at, at))) return rc;
    }
  }
}

static int instruction_edges(edge_ctx *c, size_t stage, const stagegraph_instruction *ins,
                             const stagegraph_instruction *at, int onbuild) {
  if (ins->invalid) return 0;
  if (ins->kind == STAGEGRAPH_KIND_COPY) return copy_edge(c, stage, ins, at, onbuild);
  if (ins->kind == STAGEGRAPH_KIND_RUN) return mount_edges(c, stage, ins, at, onbuild);
  return 0;
}

/* A stage's ONBUILD instructions, each parsed as a standalone Dockerfile
 * with the default escape (C/convert.go initOnBuildTriggers), once for all
 * the stages built FROM it. A trigger that does not parse keeps its error
 * for dispatch. */
static int parse_onbuilds(stagegraph_plan *plan, size_t stage) {
  sgi_plan_stage *ps = &plan->stages[stage];
  if (ps->onbuild_parsed) return 0;
  ps->onbuild_parsed = 1;
  const stagegraph_stage *st = stagegraph_doc_stage(plan->doc, stage);
  size_t n = sgi_stage_onbuild_count(st);
  if (!n) return 0;
  sgi_onbuilds *own = sgi_arena_calloc(&plan->arena, 1, sizeof *own);
  if (!own) return STAGEGRAPH_ENOMEM;
  own->docs = sgi_arena_calloc(&plan->arena, n, sizeof *own->docs);
  own->owners = sgi_arena_calloc(&plan->arena, n, sizeof *own->owners);
  own->errors = sgi_arena_calloc(&plan->arena, n, sizeof *own->errors);
  if (!own->docs || !own->owners || !own->errors) return STAGEGRAPH_ENOMEM;
  ps->onbuilds = own;
  sgi_buf text;
  sgi_buf_init(&text, &plan->mem);
  int rc = 0;
  for (size_t i = 0; i < stagegraph_stage_instruction_count(st) && !rc; i++) {
    const stagegraph_instruction *ins = stagegraph_stage_instruction(st, i);
    if (ins->kind != STAGEGRAPH_KIND_ONBUILD) continue;
    size_t t = own->count++;
    own->owners[t] = ins;
    /* the original minus a leading ONBUILD, then each heredoc */
    sgi_buf_clear(&text);
    const char *o = ins->original;
    size_t olen = ins->original_len, p = sgi_space_prefix(o, olen);
    p += p + 7 <= olen ? 7 : olen - p;
    p += sgi_space_prefix(o + p, olen - p);
    sgi_buf_append(&text, o + p, olen - p);
    for (size_t h = 0; h < sgi_instruction_heredoc_count(ins); h++) {
      sgi_buf_putc(&text, '\n');
      sgi_buf_append(&text, ins->extra->heredocs[h].content, ins->extra->heredocs[h].content_len);
      sgi_buf_puts(&text, ins->extra->heredocs[h].name);
    }
    if (text.failed) {
      rc = STAGEGRAPH_ENOMEM;
      break;
    }
    stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
    opts.allocator = &plan->mem.a;
    stagegraph_error perr = STAGEGRAPH_ERROR_INIT;
    stagegraph_doc *tdoc = NULL;
    int prc = stagegraph_parse(&tdoc, text.ptr ? text.ptr : "", text.len, &opts, &perr);
    const char *problem = NULL;
    if (prc == STAGEGRAPH_ENOMEM) {
      rc = prc;
    } else if (prc) {
      problem = perr.message;
    } else if (tdoc->instruction_count != 1) {
      problem = "onbuild trigger should be a single expression";
    } else if (tdoc->instructions[0]->invalid) {
      /* only the command itself is checked, not its place in a file */
      problem = sgi_doc_first_error(tdoc)->inner;
    }
    if (problem) {
      if (!(own->errors[t] = sgi_arena_strndup(&plan->arena, problem, strlen(problem))))
        rc = STAGEGRAPH_ENOMEM;
      stagegraph_doc_free(tdoc);
      tdoc = NULL;
    }
    own->docs[t] = tdoc;
  }
  sgi_buf_free(&text);
  return rc;
}

/* The parent's triggers, shared, with errors and records of this stage. */
static int parse_triggers(stagegraph_plan *plan, size_t stage) {
  sgi_plan_stage *ps = &plan->stages[stage];
  int rc = parse_onbuilds(plan, ps->parent);
  if (rc) return rc;
  const sgi_onbuilds *own = plan->stages[ps->parent].onbuilds;
  if (!own) return 0;
  size_t n = own->count;
  sgi_triggers *tr = sgi_arena_calloc(&plan->arena, 1, sizeof *tr);
  if (!tr) return STAGEGRAPH_ENOMEM;
  tr->errors = sgi_arena_calloc(&plan->arena, n, sizeof *tr->errors);
  tr->info = sgi_arena_calloc(&plan->arena, n, sizeof *tr->info);
  if (!tr->errors || !tr->info) return STAGEGRAPH_ENOMEM;
  memcpy(tr->errors, own->errors, n * sizeof *tr->errors);
  tr->docs = own->docs;
  tr->owners = own->owners;
  tr->count = n;
  ps->triggers = tr;
  return 0;
}

/* The stages the links' --from names name (STAGEGRAPH_NONE for none),
 * into source[] (link_edges uses it for a plain name only). On many stages each lookup misses twice, on the
 * slot and then on the entry the slot names, and the names arrive one or
 * two a stage: resolved here in one loop over the dense list, each name
 * hashed LINKS_AHEAD links before it is looked up, its slot loaded then
 * and its entry half way, the misses of several names overlap instead of
 * adding up. */
#define LINKS_AHEAD 16

static void resolve_links(const sgi_str_index *names, const sgi_link *links, size_t n,
                          uint32_t *source) {
  uint32_t ring[LINKS_AHEAD];
  for (size_t j = 0; j < n + LINKS_AHEAD; j++) {
    if (j >= LINKS_AHEAD) { /* link j - LINKS_AHEAD's hash is where link j's goes */
      const sgi_link *l = &links[j - LINKS_AHEAD];
      source[j - LINKS_AHEAD] =
          l->name ? (uint32_t)sgi_str_index_find_hashed(names, l->name, l->len,
                                                        ring[j % LINKS_AHEAD])
                  : (uint32_t)STAGEGRAPH_NONE;
    }
    if (j < n && links[j].name) {
      ring[j % LINKS_AHEAD] = sgi_str_index_hash(names, links[j].name, links[j].len);
      sgi_str_index_prefetch_slot(names, ring[j % LINKS_AHEAD]);
    }
    size_t half = j - LINKS_AHEAD / 2;
    if (j >= LINKS_AHEAD / 2 && half < n && links[half].name)
      sgi_str_index_prefetch_entry(names, ring[half % LINKS_AHEAD]);
  }
}

/* A --from that names a stage or an image: it expands to itself (its
 * lowercased copy does when it does: expansion looks at no letter) and is
 * no stage index. */
static int plain_name(const stagegraph_plan *plan, const sgi_link *l) {
  int64_t index;
  return l->name && !sgi_expand_changes(l->name, l->len, plan->doc->escape) &&
         sgi_go_atoi(l->name, l->len, &index) != 0;
}

/* A link's edge or image: a plain --from name resolved ahead, or any other
 * link read from its instruction. */
static int link_edges(edge_ctx *c, const sgi_link *l, uint32_t source) {
  if (!plain_name(c->plan, l)) return instruction_edges(c, l->stage, l->ins, l->ins, 0);
  if (source != (uint32_t)STAGEGRAPH_NONE)
    return add_edge_at(c->plan, source, l->stage, STAGEGRAPH_EDGE_COPY, l->ins, l->offset, l->flag,
                       0, l->value);
  return external(c, l->value, STAGEGRAPH_EDGE_COPY, l->stage, l->ins, l->ins);
}

/* Edges and images in file order: each stage's FROM, then its links (COPY
 * --from and mounts). Every image is parsed, needed or not. */
static int build_edges(stagegraph_plan *plan, edge_ctx *c) {
  const stagegraph_doc *doc = plan->doc;
  size_t n;
  const sgi_link *links = sgi_doc_links(doc, &n);
  uint32_t *source = NULL;
  if (n && !(source = sgi_malloc(&plan->mem, n * sizeof *source))) /* n links fit in memory */
    return STAGEGRAPH_ENOMEM;
  if (n) resolve_links(&plan->names, links, n, source);
  int rc = 0;
  size_t r = 0; /* the next link */
  for (size_t i = 0; i < plan->stage_count && !rc; i++) {
    const stagegraph_stage *st = stagegraph_doc_stage(doc, i);
    sgi_plan_stage *ps = &plan->stages[i];
    /* the FROM's offset and line are in the stage record, at hand */
    if (ps->parent != STAGEGRAPH_NONE)
      rc = add_edge_at(plan, ps->parent, i, STAGEGRAPH_EDGE_FROM, stagegraph_stage_from(st),
                       sgi_stage_from_offset(st), 0, 0, ps->base);
    else if (strcmp(ps->base, "scratch") != 0)
      rc = use_image(plan, c->images, &c->uses, ps->base, STAGEGRAPH_EDGE_FROM, i,
                     sgi_stage_from_line(st), stagegraph_stage_from(st), &ps->image, c->err);
    /* a stage replaced by a named context is never dispatched: its links
     * make nothing */
    for (; r < n && links[r].stage == i && !rc; r++)
      if (!ps->context) rc = link_edges(c, &links[r], source[r]);
  }
  sgi_free(&plan->mem, source);
  return rc;
}

/* Triggers add edges once bases and names are known (after the cycle
 * check, as in BuildKit). */
static int trigger_edges(stagegraph_plan *plan, edge_ctx *c) {
  stagegraph_error *err = c->err;
  int rc = 0;
  if (!sgi_doc_onbuild_count(plan->doc)) return 0; /* no stage has triggers to pass on */
  size_t before = plan->edge_count;
  for (size_t i = 0; i < plan->stage_count && !rc; i++) {
    sgi_plan_stage *ps = &plan->stages[i];
    if (ps->context || ps->parent == STAGEGRAPH_NONE) continue;
    if ((rc = parse_triggers(plan, i))) break;
    sgi_triggers *tr = ps->triggers;
    for (size_t t = 0; t < sgi_plan_trigger_count(ps) && !rc; t++) {
      if (!tr->docs[t]) continue;
      /* A trigger's error matters only if the stage is built: keep it for
       * dispatch. */
      stagegraph_error terr = STAGEGRAPH_ERROR_INIT;
      c->err = &terr;
      rc = instruction_edges(c, i, tr->docs[t]->instructions[0], tr->owners[t], 1);
      c->err = err;
      if (rc && rc != STAGEGRAPH_ENOMEM) {
        if (!(tr->errors[t] = sgi_arena_strndup(&plan->arena, terr.message, strlen(terr.message))))
          return STAGEGRAPH_ENOMEM;
        rc = 0;
      }
    }
  }
  /* a trigger's edges are at its parent's lines, before the child's own:
   * the edges are no longer in order */
  if (plan->edge_count != before) plan->edges_resorted = 1;
  return rc;
}

/* validateCircularDependency: depth-first from each stage in file order
 * over COPY/mount edges; the error names the first stage from which a
 * cycle can be reached, at the first instruction on the path from it.
 * Iterative, so deep graphs cannot overflow. */
static int find_cycle(stagegraph_plan *plan, sgi_arena *scratch, stagegraph_error *err) {
  size_t n = plan->stage_count;
  /* adjacency in CSR form; n + 1 and edge_count entries fit
   * in memory already, so their sizes cannot overflow. Indices are 32-bit
   * (stage indices are, in the edges, and so are edge counts under 4 GiB
   * of input): half the scratch to write and read on a large graph. */
  if (n >= UINT32_MAX || plan->edge_count >= UINT32_MAX) return STAGEGRAPH_ENOMEM;
  uint32_t *start = sgi_arena_calloc(scratch, n + 1, sizeof *start);
  /* adj holds each edge's source stage, which the search reads, and
   * adj_edge the edge, which only the error reads: on a large graph the
   * edges themselves (40 bytes each) are out of cache */
  size_t edge_room = (plan->edge_count ? plan->edge_count : 1) * sizeof(uint32_t);
  uint32_t *adj = sgi_arena_alloc(scratch, edge_room), *adj_edge = sgi_arena_alloc(scratch, edge_room);
  unsigned char *state = sgi_arena_calloc(scratch, n, 1); /* 0 new, 1 on path, 2 done */
  uint32_t *stack = sgi_arena_alloc(scratch, n * sizeof *stack);
  uint32_t *next = sgi_arena_alloc(scratch, n * sizeof *next);
  if (!start || !adj || !adj_edge || !state || !stack || !next) return STAGEGRAPH_ENOMEM;
  for (size_t e = 0; e < plan->edge_count; e++)
    if (plan->edges[e].kind != STAGEGRAPH_EDGE_FROM && !plan->edges[e].onbuild) start[plan->edges[e].to + 1]++;
  for (size_t i = 0; i < n; i++) start[i + 1] += start[i];
  memcpy(next, start, n * sizeof *next);
  for (size_t e = 0; e < plan->edge_count; e++) {
    const stagegraph_edge *ed = &plan->edges[e];
    if (ed->kind != STAGEGRAPH_EDGE_FROM && !ed->onbuild) {
      adj_edge[next[ed->to]] = (uint32_t)e;
      adj[next[ed->to]++] = ed->from;
    }
  }
  memcpy(next, start, n * sizeof *next);
  for (size_t root = 0; root < n; root++) {
    if (state[root]) continue;
    size_t top = 0;
    stack[top++] = (uint32_t)root;
    state[root] = 1;
    while (top) {
      size_t s = stack[top - 1];
      if (next[s] < start[s + 1]) {
        size_t d = adj[next[s]++];
        if (state[d] == 1) {
          /* the first edge on the path: the one leaving the root */
          const stagegraph_edge *first = &plan->edges[adj_edge[next[root] - 1]];
          sgi_pos pos = sgi_instruction_pos(first->ins);
          return sgi_error_set(err, STAGEGRAPH_ECYCLE, &pos,
                               "circular dependency detected on stage: %s",
                               plan->stages[root].display);
        }
        if (state[d] == 0) {
          state[d] = 1;
          stack[top++] = (uint32_t)d;
        }
      } else {
        state[s] = 2;
        top--;
      }
    }
  }
  return 0;
}

static int check_cycles(stagegraph_plan *plan, stagegraph_error *err) {
  if (!plan->stage_count) return 0;
  /* Edges that all come from an earlier stage (as FROM's always do, and
   * --from almost always) close no cycle: the search, which reads the
   * stages in a random order on a large graph, is needed only when one
   * edge comes from a later stage or from its own. */
  if (!plan->edge_backward) return 0;
  _Alignas(16) unsigned char storage[SGI_PLAN_SCRATCH_STORAGE];
  sgi_arena scratch; /* the search's arrays, freed once it is done */
  sgi_arena_init_storage(&scratch, &plan->mem, storage, sizeof storage);
  scratch.min_block = SGI_PLAN_SCRATCH_BLOCK;
  int rc = find_cycle(plan, &scratch, err);
  sgi_arena_free(&scratch);
  return rc;
}

/* Edges in file order of the instructions making them (and by dependent
 * stage on one instruction): a stable merge sort, needed only when ONBUILD
 * edges (pointing at the parent's earlier lines) may have been added, as
 * build_edges adds the others in that order. */
static int edge_before(const stagegraph_edge *x, const stagegraph_edge *y) {
  return edge_precedes(x, y->offset, y->to, y->flag);
}

static int sort_edges(stagegraph_plan *plan) {
  size_t n = plan->edge_count;
  stagegraph_edge *a = plan->edges;
  if (!plan->edges_resorted) return 0; /* added in order */
  stagegraph_edge *b = sgi_arena_alloc(&plan->arena, n * sizeof *b); /* n <= edge_cap: checked */
  if (!b) return STAGEGRAPH_ENOMEM;
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) b[k++] = edge_before(&a[j], &a[i]) ? a[j++] : a[i++];
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    stagegraph_edge *t = a;
    a = b;
    b = t;
  }
  plan->edges = a;
  return 0;
}

int sgi_graph_build(stagegraph_plan *plan, const char *target_stage, stagegraph_error *err) {
  /* The indices share the plan's hash key. */
  uint64_t seed = sgi_hash_seed(&plan->mem);
  /* the indices of an ordinary file's few names fit on the stack (the
   * stage names' beside the plan, which keeps them for the targets and
   * made the index empty, with the same key) */
  sgi_str_slot slots[2][16];
  char pools[2][256];
  sgi_str_index *names = &plan->names, images;
  sgi_str_index_init_storage(&images, &plan->mem, seed, slots[0], 16, pools[0], sizeof pools[0]);
  int rc = build_global_scope(plan, target_stage, err);
  if (!rc) rc = sgi_str_index_reserve(names, plan->stage_count);
  /* Many names get a pool sized once, for the FROM lines' words (the
   * parser counted them; the names are among them), instead of one that
   * doubles; a few stay in the storage above. */
  if (!rc && plan->stage_count > 16)
    rc = sgi_str_index_reserve_pool(names, plan->stage_count, plan->doc->from_name_bytes);
  /* resolve_bases registers the names as it goes, for FROM; once it is
   * done the index holds every name, the last duplicate winning: the one
   * for --from, from= and targets. */
  if (!rc) rc = resolve_bases(plan, names, err);
  size_t bound = plan->stage_count + sgi_doc_linking_flag_count(plan->doc);
  if (!rc) rc = reserve_edges(plan, bound);
  edge_ctx c = {plan, &images, {NULL, 0, 0}, err, NULL, 0, 0, {0}};
  /* a FROM and a builder flag each use an image or make an edge, not both */
  if (!rc) rc = reserve_uses(plan, &c.uses, bound);
  sgi_str_index_init_storage(&c.external_index, &plan->mem, seed, slots[1], 16, pools[1],
                             sizeof pools[1]);
  if (!rc) rc = build_edges(plan, &c);
  if (!rc) rc = check_cycles(plan, err);
  if (!rc) rc = trigger_edges(plan, &c);
  if (!rc) rc = sort_edges(plan);
  sgi_str_index_free(&images);
  sgi_str_index_free(&c.external_index);
  int settled = settle_images(plan, &c.uses, !rc);
  if (!rc) rc = settled;
  if (rc) { /* failed: no edges (the arena keeps their memory until the plan goes) */
    plan->edges = NULL;
    plan->edge_count = plan->edge_cap = 0;
  }
  return rc;
}
