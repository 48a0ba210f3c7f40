/* The cache model (spec section e): for each needed stage, which
 * instructions make layers, what each one's cache key depends on, where an
 * ordinary source edit starts rebuilding, and what a given change (context
 * paths, build args, base images) invalidates.
 *
 * The rules, from BuildKit's cache keys:
 * - a layer is keyed on the previous layer, so once one misses the rest of
 *   the stage misses, except a COPY --link (without --chmod), whose key does
 *   not include the layers before it;
 * - RUN's key includes the environment, so a changed build arg declared in
 *   scope (or an ENV derived from one) misses at the next RUN;
 * - any instruction that expands a changed variable misses;
 * - COPY/ADD from the context and RUN bind mounts without from= are keyed
 *   on the content of the paths they read (.dockerignore'd paths do not
 *   exist for the build);
 * - COPY --from and mounts from a stage are keyed on the content of the
 *   selected files: a rebuilt source stage makes them "maybe";
 * - FROM a stage continues its chain: the child misses from its FROM line
 *   when the parent rebuilt; a changed global ARG in FROM or a changed base
 *   image does the same;
 * - ADD of a URL or git repository is re-checked every build ("maybe")
 *   unless --checksum pins it. */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "envmap.h"
#include "expand.h"
#include "hash.h"
#include "ignore.h"
#include "instructions.h"
#include "mount.h"
#include "path_index.h"
#include "plan.h"
#include "pmap.h"
#include "str_index.h"
#include "text.h"

/* On large documents every instruction the model reads is a cache miss, so
 * each step is built and evaluated in one walk while its instruction is at
 * hand, and what is kept per step and per stage is small: a step's inputs
 * live in one array for the whole model, and its instruction is found
 * again through the stage when asked for. */

typedef struct sgi_input {
  const char *value;
  uint32_t source; /* STAGE inputs: the source's position in build order (NOT_BUILT) */
  unsigned char kind; /* stagegraph_input_kind */
} sgi_input;

enum {
  STEP_ONBUILD = 1, /* a trigger inherited from the parent stage */
  STEP_LAYER = 2,   /* it makes a layer */
  STEP_LINKED = 4,  /* COPY --link: its key leaves out the layers before it */
  STEP_BROAD = 8    /* it reads a source tree from the context */
};

typedef struct cache_step {
  uint32_t first_input; /* its inputs: inputs[first_input, first_input + input_count) */
  uint32_t input_count;
  uint32_t reason;      /* why it is not cached: reasons[reason - 1]; 0 when it is */
  unsigned char flags;  /* STEP_* */
  unsigned char status; /* stagegraph_cache_status */
} cache_step;

#define NO_BOUNDARY UINT32_MAX
#define NOT_BUILT UINT32_MAX

/* A set of names kept in the order they were added, persistent: a stage's
 * build args and changed variables start as its parent stage's final
 * ones, shared, so the children of a base stage cost only what they
 * change. Each name maps to its entry in a persistent map (pmap.h), a
 * removed one to `gone`; the live entries also hang, by rank, in a
 * persistent 16-way trie that counts them per subtree, so that the first
 * few are found without visiting removed ones. A name added again while
 * present keeps its rank; a new one, or one removed before, takes the
 * next: the order an sgi_envmap keeps, which the reports list. Every
 * operation costs O(log n) time and arena memory. Zeroed is empty. */
typedef struct name_entry {
  const char *name; /* NUL-terminated, in the arena */
  size_t len;
  uint64_t rank;
} name_entry;

#define RANK_BITS 4

typedef struct rank_node {
  size_t live;                      /* entries below */
  const void *slot[1 << RANK_BITS]; /* nodes, at the bottom entries; NULL: none */
} rank_node;

typedef struct name_set {
  sgi_pmap names;         /* name -> its name_entry, or &gone */
  const rank_node *order; /* the live entries by rank; NULL when none */
  uint64_t next_rank;
  unsigned height;        /* levels of `order`: its ranks are below 16^height */
} name_set;

typedef struct cache_stage {
  cache_step *steps; /* the FROM line, the parent's triggers, then its instructions */
  const name_set *args;    /* build args in scope at the end; NULL when none */
  const name_set *tainted; /* variables whose value changed, at the end; NULL when none */
  uint32_t index;      /* in the document */
  uint32_t step_count;
  uint32_t boundary;   /* the first step an ordinary source edit rebuilds, or NO_BOUNDARY */
  uint32_t first_line; /* of the first step not cached, 0 when all are */
} cache_stage;

/* A stage's worst layer status, what the stages using it see, under the
 * change and under an ordinary source edit. Kept apart from the stage
 * records, two bytes a stage, so that a stage reading many others (a
 * COPY --from each) reads a cache line per 32 of them, not one each. */
typedef struct stage_final {
  unsigned char change, edit;
} stage_final;

struct stagegraph_cache {
  const stagegraph_plan *plan;
  sgi_mem mem;
  sgi_arena arena;
  cache_stage *stages;
  stage_final *finals; /* by position, as stages */
  size_t stage_count;
  size_t layer_count, surviving;
  sgi_patterns *ignore;
  uint32_t *position; /* stage index -> position in stages, NOT_BUILT if absent */
  const char **changed_norm; /* the changed images, normalised (NULL when invalid) */
  sgi_str_index image_at;    /* the plan's image references -> the first image written so */
  size_t changed_norm_count;
  sgi_input *inputs; /* every step's inputs (heap) */
  size_t input_count, input_cap;
  /* the values of the inputs of the step whose inputs start at
   * step_values_of (SIZE_MAX: none), to the bits of their kinds */
  sgi_str_index step_values;
  size_t step_values_of;
  const char **reasons; /* the distinct reasons of consecutive steps (heap) */
  size_t reason_count, reason_cap;
  /* where the last --from was looked up among the plan's edges */
  size_t edge_cursor;
  sgi_buf scratch; /* the throwaway output of refer's expansions */
  sgi_buf why;     /* the reason being composed for a step */
};

/* The change being evaluated. */
typedef struct change {
  const char *const *paths;
  size_t path_count;
  const char *const *args;
  size_t arg_count;
  const char *const *images;
  size_t image_count;
  unsigned char *ignored; /* per path: 1 when the .dockerignore excludes it */
  sgi_path_index by_prefix; /* the paths the build sees */
  name_set arg_set;       /* args, to find each ARG's name at once */
  /* wildcard sources without --exclude already asked, to the position of
   * the first path that reaches them (path_count for none): a pattern
   * repeated on many lines walks the paths once */
  sgi_str_index *wildcards;
  struct exclude_memo *excludes; /* the last instruction's --exclude list */
} change;

/* An instruction's --exclude list, compiled once for all its sources
 * (NULL: none, or a list BuildKit would reject, which excludes nothing). */
typedef struct exclude_memo {
  const stagegraph_instruction *of;
  sgi_patterns *list;
} exclude_memo;

void stagegraph_cache_options_init(stagegraph_cache_options *opts, size_t size) {
  sgi_sized_init(opts, size, sizeof *opts);
}

#define COPT(opts, member, fallback)                                                               \
  ((opts) && (opts)->size >= offsetof(stagegraph_cache_options, member) + sizeof((opts)->member)    \
       ? (opts)->member                                                                            \
       : (fallback))

const char *stagegraph_cache_status_name(stagegraph_cache_status s) {
  switch (s) {
  case STAGEGRAPH_CACHED: return "cached";
  case STAGEGRAPH_MAYBE: return "maybe";
  case STAGEGRAPH_INVALIDATED: return "invalidated";
  }
  return "";
}

const char *stagegraph_input_kind_name(stagegraph_input_kind k) {
  switch (k) {
  case STAGEGRAPH_INPUT_CONTEXT: return "context";
  case STAGEGRAPH_INPUT_STAGE: return "stage";
  case STAGEGRAPH_INPUT_IMAGE: return "image";
  case STAGEGRAPH_INPUT_ARG: return "arg";
  case STAGEGRAPH_INPUT_REMOTE: return "remote";
  }
  return "";
}

/* ---- helpers ---------------------------------------------------------------- */

static int in_list_n(const char *const *list, size_t n, const char *s, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (list[i] && strncmp(list[i], s, len) == 0 && list[i][len] == '\0') return 1;
  return 0;
}

static int in_list(const char *const *list, size_t n, const char *s) {
  return in_list_n(list, n, s, strlen(s));
}

/* Is the image `ref` among the changed ones, as written or normalised? */
static int image_changed(stagegraph_cache *c, const char *const *changed, size_t n, const char *ref) {
  if (!n) return 0;
  if (in_list(changed, n, ref)) return 1;
  size_t at = sgi_str_index_find(&c->image_at, ref, strlen(ref));
  if (at == STAGEGRAPH_NONE) return 0;
  const char *norm = c->plan->images[at]->parts.normalized;
  if (!norm) return 0;
  for (size_t i = 0; i < n && i < c->changed_norm_count; i++)
    if (c->changed_norm[i] && strcmp(c->changed_norm[i], norm) == 0) return 1;
  return 0;
}

/* A heap array of `*cap` elements of `size` bytes, full, with room for
 * more; NULL when that fails (the array is unchanged). Indices into it
 * are kept in 32 bits. */
static void *grow(stagegraph_cache *c, void *items, size_t *cap, size_t size) {
  size_t more = *cap ? *cap * 2 : 64, bytes;
  if (more > UINT32_MAX || !sgi_mul_ok(more, size, &bytes)) return NULL;
  void *grown = sgi_realloc(&c->mem, items, bytes);
  if (grown) *cap = more;
  return grown;
}

/* Room for the inputs of the stages in build order: about two per stage
 * (a FROM line's parent or image, and a COPY's or RUN's source), so that
 * a large model's inputs are not copied at every doubling. A guess too
 * small only grows as before. */
static int reserve_inputs(stagegraph_cache *c, size_t stages) {
  size_t cap = 2 * stages, bytes;
  if (cap <= 64 || cap > UINT32_MAX || !sgi_mul_ok(cap, sizeof *c->inputs, &bytes)) return 0;
  if (!(c->inputs = sgi_malloc(&c->mem, bytes))) return STAGEGRAPH_ENOMEM;
  c->input_cap = cap;
  return 0;
}

/* A builder flag's value: most instructions have no flags, and asking
 * costs a call. */
static const char *flag(const stagegraph_instruction *ins, const char *name, size_t nth) {
  return ins->flag_value_count ? stagegraph_instruction_flag_value(ins, name, nth) : NULL;
}

static stagegraph_cache_status worse(stagegraph_cache_status a, stagegraph_cache_status b) {
  return a > b ? a : b;
}

/* Variables a word refers to: expansion through an environment that only
 * records the names it is asked for. */
typedef struct names_seen {
  stagegraph_cache *cache;
  const char **names;
  size_t count, cap;
  int oom;
  sgi_envmap seen; /* for deduplication in constant time */
} names_seen;

static const char *record_name(void *ctx, const char *name, size_t len, size_t *value_len) {
  names_seen *n = ctx;
  if (!n->seen.arena) sgi_envmap_init(&n->seen, &n->cache->arena, &n->cache->mem);
  if (sgi_envmap_get(&n->seen, name, len, NULL, NULL)) goto done;
  if (sgi_envmap_set(&n->seen, name, len, NULL, 0)) {
    n->oom = 1;
    goto done;
  }
  if (n->count == n->cap) {
    size_t cap = n->cap ? n->cap * 2 : 8;
    const char **names = sgi_arena_calloc(&n->cache->arena, cap, sizeof *names);
    if (!names) {
      n->oom = 1;
      goto done;
    }
    if (n->count) memcpy(names, n->names, n->count * sizeof *names);
    n->names = names;
    n->cap = cap;
  }
  if (!(n->names[n->count] = sgi_arena_strndup(&n->cache->arena, name, len)))
    n->oom = 1;
  else
    n->count++;
done:
  *value_len = 0;
  return "";
}

static int refer(names_seen *n, const char *word, size_t len, char escape) {
  /* only a '$' makes the lexer look a name up: most words have none */
  if (!len || !memchr(word, '$', len)) return 0;
  sgi_env env = {record_name, n};
  sgi_expand_opts opts = {escape, SGI_EXPAND_NORMAL, n->cache->plan->doc->limits.max_expansion_bytes,
                          NULL};
  sgi_buf *scratch = &n->cache->scratch;
  sgi_buf_clear(scratch);
  int rc = sgi_expand_word(scratch, word, len, &env, &opts, NULL);
  sgi_envmap_free(&n->seen);
  memset(&n->seen, 0, sizeof n->seen);
  if (rc == STAGEGRAPH_ENOMEM || n->oom) return STAGEGRAPH_ENOMEM;
  return 0;
}

/* The variables an instruction's expanded fields refer to. */
static int instruction_refs(stagegraph_cache *c, const stagegraph_instruction *ins,
                            names_seen *n) {
  char esc = c->plan->doc->escape;
  int rc = 0;
  switch (ins->kind) {
  case STAGEGRAPH_KIND_COPY:
  case STAGEGRAPH_KIND_ADD:
  case STAGEGRAPH_KIND_WORKDIR:
  case STAGEGRAPH_KIND_USER:
  case STAGEGRAPH_KIND_VOLUME:
  case STAGEGRAPH_KIND_EXPOSE:
  case STAGEGRAPH_KIND_STOPSIGNAL:
  case STAGEGRAPH_KIND_ENV:
  case STAGEGRAPH_KIND_LABEL:
    for (size_t i = 0; i < ins->arg_count && !rc; i++) {
      if ((ins->kind == STAGEGRAPH_KIND_ENV || ins->kind == STAGEGRAPH_KIND_LABEL) && i % 3 == 2) continue;
      rc = refer(n, ins->args[i].ptr, ins->args[i].len, esc);
    }
    for (size_t h = 0; h < sgi_instruction_heredoc_count(ins) && !rc; h++)
      if (ins->extra->heredocs[h].expand)
        rc = refer(n, ins->extra->heredocs[h].content, ins->extra->heredocs[h].content_len, '\\');
    break;
  case STAGEGRAPH_KIND_RUN:
    for (size_t pos = 0; !rc;) {
      const char *m = sgi_instruction_flag_next(ins, "mount", &pos);
      if (!m) break;
      rc = refer(n, m, strlen(m), esc);
    }
    break;
  default: break;
  }
  static const char *const flags[] = {"chown", "chmod", "checksum"};
  for (size_t f = 0; f < 3 && !rc; f++) {
    const char *v = flag(ins, flags[f], 0);
    if (v) rc = refer(n, v, strlen(v), esc);
  }
  return rc;
}

static int is_remote(const char *src) {
  return strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0 ||
         strncmp(src, "git@", 4) == 0 || strncmp(src, "git://", 6) == 0 ||
         (strlen(src) > 4 && strcmp(src + strlen(src) - 4, ".git") == 0 && strstr(src, "://"));
}

/* A context source that reads a source tree rather than named files: the
 * whole context ("." or "/"), a bare wildcard ("*", or "src/" followed by "*"), or a
 * directory. Without the context at hand a directory is recognised by its
 * name: a trailing "/", or a last component with no extension that is not
 * a well-known extensionless file. Patterns with an extension
 * ("package*.json") name files. */
static int is_broad(const char *src) {
  static const char *const files[] = {"Makefile", "Dockerfile", "Gemfile", "Rakefile", "Pipfile",
                                      "Procfile", "Jenkinsfile", "Caddyfile", "Containerfile",
                                      "LICENSE", "VERSION", "README", "go.mod", "go.sum",
                                      "Cargo.toml", "Cargo.lock", "justfile", "Brewfile"};
  char clean[512];
  size_t len = strlen(src);
  if (len >= sizeof clean - 2) return 0;
  if (len && src[len - 1] == '/') return 1;
  sgi_path_clean(clean, src, len);
  const char *p = clean[0] == '/' ? clean + 1 : clean;
  if (!*p || strcmp(p, ".") == 0) return 1;
  const char *last = strrchr(p, '/');
  last = last ? last + 1 : p;
  if (strspn(last, "*?") == strlen(last)) return 1;
  if (strpbrk(p, "*?[")) return 0;
  if (strchr(last, '.')) return 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    if (strcmp(last, files[i]) == 0) return 0;
  return 1;
}

/* ---- ordered name sets --------------------------------------------------------- */

static const name_entry gone; /* the item of a removed name */

static unsigned name_hash(const stagegraph_cache *c, const char *name, size_t len) {
  return sgi_hash_keyed(name, len, sgi_hash_seed(c));
}

static int set_has(const stagegraph_cache *c, const name_set *s, const char *name, size_t len) {
  if (!s->order) return 0; /* no names: no hash */
  const name_entry *e = sgi_pmap_get(&s->names, name_hash(c, name, len), name, len);
  return e && e != &gone;
}

/* *out: n (NULL: empty), `level` levels above the entries, with the
 * entry of `rank` set to e (a rank it lacks) or removed when e is NULL (a
 * rank it has); a node left empty becomes NULL. */
static int order_set(const rank_node **out, const rank_node *n, unsigned level, uint64_t rank,
                     const name_entry *e, sgi_arena *arena) {
  unsigned at = (unsigned)(rank >> (RANK_BITS * level)) & ((1u << RANK_BITS) - 1);
  const void *slot = e;
  if (level) {
    const rank_node *child;
    int rc = order_set(&child, n ? n->slot[at] : NULL, level - 1, rank, e, arena);
    if (rc) return rc;
    slot = child;
  }
  size_t live = n ? n->live : 0;
  live = e ? live + 1 : live - 1;
  if (!live) {
    *out = NULL;
    return 0;
  }
  rank_node *m = sgi_arena_alloc(arena, sizeof *m);
  if (!m) return STAGEGRAPH_ENOMEM;
  if (n)
    *m = *n;
  else
    memset(m, 0, sizeof *m);
  m->live = live;
  m->slot[at] = slot;
  *out = m;
  return 0;
}

/* Add a name (copied) unless present. 0, or STAGEGRAPH_ENOMEM with the
 * set unchanged. */
static int set_add(stagegraph_cache *c, name_set *s, const char *name, size_t len) {
  unsigned h = name_hash(c, name, len);
  const name_entry *was = s->names.count ? sgi_pmap_get(&s->names, h, name, len) : NULL;
  if (was && was != &gone) return 0;
  name_entry *e = sgi_arena_alloc(&c->arena, sizeof *e);
  if (!e || !(e->name = sgi_arena_strndup(&c->arena, name, len))) return STAGEGRAPH_ENOMEM;
  e->len = len;
  e->rank = s->next_rank;
  name_set next = *s;
  /* a level more on top whenever the ranks outgrow the trie */
  while (!next.height || (next.height < 64 / RANK_BITS && e->rank >> (RANK_BITS * next.height))) {
    if (next.order) {
      rank_node *top = sgi_arena_calloc(&c->arena, 1, sizeof *top);
      if (!top) return STAGEGRAPH_ENOMEM;
      top->live = next.order->live;
      top->slot[0] = next.order;
      next.order = top;
    }
    next.height++;
  }
  int rc = order_set(&next.order, next.order, next.height - 1, e->rank, e, &c->arena);
  if (!rc) rc = sgi_pmap_put(&next.names, &next.names, &c->arena, h, e->name, len, e, e->rank);
  if (rc) return rc;
  next.next_rank++;
  *s = next;
  return 0;
}

/* Remove a name (nothing when absent). 0, or STAGEGRAPH_ENOMEM with the
 * set unchanged. */
static int set_remove(stagegraph_cache *c, name_set *s, const char *name, size_t len) {
  if (!s->order) return 0;
  unsigned h = name_hash(c, name, len);
  const name_entry *e = sgi_pmap_get(&s->names, h, name, len);
  if (!e || e == &gone) return 0;
  name_set next = *s;
  int rc = order_set(&next.order, next.order, next.height - 1, e->rank, NULL, &c->arena);
  if (!rc) rc = sgi_pmap_put(&next.names, &next.names, &c->arena, h, e->name, len, &gone, e->rank);
  if (rc) return rc;
  *s = next;
  return 0;
}

/* The first (at most) `max` entries of n, `level` levels above them, in
 * order into out; returns how many. Empty subtrees are NULL: each visit
 * finds an entry. */
static size_t order_first(const rank_node *n, unsigned level, const name_entry **out, size_t max) {
  size_t got = 0;
  for (unsigned i = 0; i < (1u << RANK_BITS) && got < max; i++) {
    if (!n->slot[i]) continue;
    if (level)
      got += order_first(n->slot[i], level - 1, out + got, max - got);
    else
      out[got++] = n->slot[i];
  }
  return got;
}

static size_t set_first(const name_set *s, const name_entry **out, size_t max) {
  return s->order ? order_first(s->order, s->height - 1, out, max) : 0;
}

/* ---- the walk ----------------------------------------------------------------- */

/* One needed stage: its steps are built and evaluated under the change in
 * one pass, and under an ordinary source edit for the summary. */
typedef struct walk {
  stagegraph_cache *c;
  const change *chg;
  const name_set *global;   /* global ARGs whose value the change changes */
  size_t pos;               /* the stage's position in build order */
  size_t index;             /* and in the document */
  cache_stage *cs;
  name_set args;            /* build args declared so far */
  name_set tainted;         /* variables whose value changed so far */
  stagegraph_cache_status chain;      /* the worst layer so far */
  stagegraph_cache_status edit_chain; /* the same under an ordinary source edit */
  uint32_t chain_line;      /* the step that made chain what it is */
} walk;

/* The stage at position `pos` if it was evaluated before position `upto`,
 * or NULL. */
static const cache_stage *done_stage(const stagegraph_cache *c, size_t upto, size_t pos) {
  return pos < upto ? &c->stages[pos] : NULL;
}

/* The same stage's final statuses, or NULL. */
static const stage_final *done_final(const stagegraph_cache *c, size_t upto, size_t pos) {
  return pos < upto ? &c->finals[pos] : NULL;
}

enum { FEW_INPUTS = 16 };

static int note_step_value(stagegraph_cache *c, unsigned kind, const char *value) {
  size_t len = strlen(value), bits = sgi_str_index_find(&c->step_values, value, len);
  bits = (bits == STAGEGRAPH_NONE ? 0 : bits) | (size_t)1 << kind;
  return sgi_str_index_set(&c->step_values, value, len, bits);
}

/* Index the inputs of the step being built in step_values, once it has
 * more than a few (a COPY of thousands of sources). */
static int index_step_values(stagegraph_cache *c, const cache_step *st) {
  if (c->step_values_of == st->first_input) return 0;
  sgi_str_index_free(&c->step_values);
  sgi_str_index_init(&c->step_values, &c->mem, sgi_hash_seed(c));
  c->step_values_of = SIZE_MAX;
  for (uint32_t i = 0; i < st->input_count; i++) {
    const sgi_input *in = &c->inputs[st->first_input + i];
    if (note_step_value(c, in->kind, in->value)) return STAGEGRAPH_ENOMEM;
  }
  c->step_values_of = st->first_input;
  return 0;
}

/* 1 when the step being built has the input already, else 0 (or
 * STAGEGRAPH_ENOMEM). */
static int has_input(stagegraph_cache *c, const cache_step *st, stagegraph_input_kind kind,
                     const char *value) {
  if (st->input_count < FEW_INPUTS) {
    for (uint32_t i = 0; i < st->input_count; i++) {
      const sgi_input *in = &c->inputs[st->first_input + i];
      if (in->kind == kind && strcmp(in->value, value) == 0) return 1;
    }
    return 0;
  }
  int rc = index_step_values(c, st);
  if (rc) return rc;
  size_t bits = sgi_str_index_find(&c->step_values, value, strlen(value));
  return bits != STAGEGRAPH_NONE && (bits >> kind & 1);
}

/* Add an input to the step being built, whose inputs are the last ones,
 * unless it has it already. The values are not copied: they belong to the
 * plan, its document or this model's arena, which all outlive it. */
static int add_input(stagegraph_cache *c, cache_step *st, stagegraph_input_kind kind,
                     const char *value, size_t source) {
  int has = has_input(c, st, kind, value);
  if (has) return has < 0 ? has : 0;
  if (c->step_values_of == st->first_input && note_step_value(c, kind, value))
    return STAGEGRAPH_ENOMEM;
  if (c->input_count == c->input_cap) {
    sgi_input *grown = grow(c, c->inputs, &c->input_cap, sizeof *grown);
    if (!grown) return STAGEGRAPH_ENOMEM;
    c->inputs = grown;
  }
  sgi_input *in = &c->inputs[c->input_count++];
  in->value = value;
  in->source = (uint32_t)source;
  in->kind = (unsigned char)kind;
  st->input_count++;
  return 0;
}

static int add_stage_input(stagegraph_cache *c, cache_step *st, size_t stage) {
  return add_input(c, st, STAGEGRAPH_INPUT_STAGE, c->plan->stages[stage].display, c->position[stage]);
}

/* The stage a --from / from= at instruction `at` names, or
 * STAGEGRAPH_NONE: the source of the edge `at` made into this stage, of
 * this kind, through builder flag `flag`. Stages ask in build order, mostly the order of
 * the file, so the lookup goes on from where the last one ended. */
static size_t stage_named(walk *w, const stagegraph_instruction *at, stagegraph_edge_kind kind,
                          size_t flag) {
  stagegraph_cache *c = w->c;
  const stagegraph_edge *e = sgi_plan_edge_at(c->plan, &c->edge_cursor, at, w->index, kind, flag);
  return e ? e->from : STAGEGRAPH_NONE;
}

/* A --from / from= source: the stage it names, else an image. */
static int add_from_input(walk *w, cache_step *st, const stagegraph_instruction *at,
                          stagegraph_edge_kind kind, const char *from, size_t flag) {
  size_t src = stage_named(w, at, kind, flag);
  return src != STAGEGRAPH_NONE ? add_stage_input(w->c, st, src)
                                : add_input(w->c, st, STAGEGRAPH_INPUT_IMAGE, from, 0);
}

/* A path read from the context; a source tree makes the step broad. */
static int add_context_input(stagegraph_cache *c, cache_step *st, const char *path) {
  if (is_broad(path)) st->flags |= STEP_BROAD;
  return add_input(c, st, STAGEGRAPH_INPUT_CONTEXT, path, 0);
}

/* Declared build args: ARG names, and global ARGs re-declared. */
static int declare_args(stagegraph_cache *c, const stagegraph_instruction *ins, name_set *args) {
  if (ins->kind != STAGEGRAPH_KIND_ARG) return 0;
  for (size_t i = 0; i < ins->arg_count; i++) {
    const char *w = ins->args[i].ptr;
    int rc = set_add(c, args, w, sgi_key_value(w, NULL));
    if (rc) return rc;
  }
  return 0;
}

/* What a step's cache key reads: `ins` runs, `shown` is what the user
 * sees (the ONBUILD for a trigger), `info` what dispatch learnt. */
static int step_inputs(walk *w, cache_step *st, const stagegraph_instruction *ins,
                       const stagegraph_instruction *shown, const sgi_ins_info *info) {
  stagegraph_cache *c = w->c;
  int rc = 0;
  if (ins->kind == STAGEGRAPH_KIND_COPY || ins->kind == STAGEGRAPH_KIND_ADD) {
    size_t next = 0;
    const char *from = sgi_instruction_flag_next(ins, "from", &next);
    if (from) {
      rc = add_from_input(w, st, shown, STAGEGRAPH_EDGE_COPY, from, next - 1);
    } else {
      for (size_t i = 0; i + 1 < info->word_count && !rc; i++) {
        const char *word = info->words[i];
        rc = ins->kind == STAGEGRAPH_KIND_ADD && is_remote(word)
                 ? add_input(c, st, STAGEGRAPH_INPUT_REMOTE, word, 0)
                 : add_context_input(c, st, word);
      }
    }
    const char *link = flag(ins, "link", 0);
    if (link && strcmp(link, "true") == 0 && !flag(ins, "chmod", 0)) st->flags |= STEP_LINKED;
  } else if (ins->kind == STAGEGRAPH_KIND_RUN) {
    for (size_t pos = 0; !rc;) {
      const char *m = sgi_instruction_flag_next(ins, "mount", &pos);
      if (!m) break;
      static const char *const keys[] = {"type", "from", "source", "src"};
      const char *f[4];
      if ((rc = sgi_mount_fields(&c->arena, m, keys, 4, f))) break;
      const char *type = f[0], *from = f[1], *source = f[2] ? f[2] : f[3];
      if (type && strcmp(type, "bind") != 0) continue;
      rc = from && *from ? add_from_input(w, st, shown, STAGEGRAPH_EDGE_MOUNT, from, pos - 1)
                         : add_context_input(c, st, source && *source ? source : ".");
    }
    /* every build arg in scope is part of RUN's environment (the report
     * lists the first 32; the model uses them all) */
    const name_entry *listed[32];
    size_t count = set_first(&w->args, listed, 32);
    for (size_t i = 0; i < count && !rc; i++)
      rc = add_input(c, st, STAGEGRAPH_INPUT_ARG, listed[i]->name, 0);
  }
  if (rc) return rc;
  /* build args an instruction expands */
  names_seen n = {c, NULL, 0, 0, 0, {0}};
  if ((rc = instruction_refs(c, ins, &n))) return rc;
  for (size_t i = 0; i < n.count && !rc; i++)
    if (set_has(c, &w->args, n.names[i], strlen(n.names[i])))
      rc = add_input(c, st, STAGEGRAPH_INPUT_ARG, n.names[i], 0);
  return rc;
}

static int makes_layer(const stagegraph_instruction *ins, const sgi_ins_info *info) {
  switch (ins->kind) {
  case STAGEGRAPH_KIND_RUN:
  case STAGEGRAPH_KIND_COPY:
  case STAGEGRAPH_KIND_ADD: return 1;
  case STAGEGRAPH_KIND_WORKDIR: return !info->root;
  default: return 0;
  }
}

/* ---- evaluating the change ----------------------------------------------------- */

static int parents_source(const stagegraph_instruction *ins) {
  const char *v = flag(ins, "parents", 0);
  return v && strcmp(v, "true") == 0;
}

/* One COPY/ADD source as the report asks it of the changed paths, with
 * what does not depend on the path compiled once: the pattern of a
 * --parents source and the instruction's --exclude list. */
typedef struct source_test {
  stagegraph_cache *c;
  const char *src;
  sgi_path_source prepared; /* src cleaned and split: what it reads, the root of a path */
  int parents;           /* COPY --parents: the source is matched as a pattern */
  sgi_patterns *pattern; /* that pattern; NULL when BuildKit would reject it */
  const sgi_patterns *exclude; /* every --exclude as one list, or NULL (borrowed) */
} source_test;

static void source_test_free(source_test *t) {
  sgi_patterns_free(t->pattern);
  sgi_path_source_free(&t->prepared);
}

/* COPY --parents: BuildKit splits the source at "/./" and matches the whole
 * path as a .dockerignore-style pattern, where "**" spans directories. */
static int compile_parents(source_test *t) {
  const char *src = t->src;
  sgi_buf text;
  sgi_buf_init(&text, &t->c->mem);
  const char *mark = strstr(src, "/./");
  if (mark) {
    sgi_buf_append(&text, src, (size_t)(mark - src));
    sgi_buf_puts(&text, mark + 2);
  } else {
    sgi_buf_puts(&text, strncmp(src, "./", 2) == 0 ? src + 2 : src);
  }
  int rc = STAGEGRAPH_ENOMEM;
  if (!text.failed) {
    const char *one = text.ptr;
    rc = sgi_patterns_compile(&t->pattern, &t->c->mem, &one, 1, NULL);
    if (rc != STAGEGRAPH_ENOMEM) rc = 0; /* a pattern BuildKit would reject reads nothing */
  }
  sgi_buf_free(&text);
  return rc;
}

static int source_test_init(source_test *t, stagegraph_cache *c, const stagegraph_instruction *ins,
                            const char *src) {
  memset(t, 0, sizeof *t);
  t->c = c;
  t->src = src;
  t->parents = parents_source(ins);
  int rc = sgi_path_source_init(&t->prepared, &c->mem, src, strlen(src));
  return !rc && t->parents ? compile_parents(t) : rc;
}

/* The instruction's --exclude list, compiled when one of its sources has
 * changed paths to ask, once for all of them (chg->excludes). */
static int compile_excludes(source_test *t, const change *chg, const stagegraph_instruction *ins) {
  exclude_memo *memo = chg->excludes;
  if (memo->of != ins) {
    sgi_patterns_free(memo->list);
    memo->list = NULL;
    memo->of = NULL;
    size_t n = 0;
    for (size_t at = 0; sgi_instruction_flag_next(ins, "exclude", &at);) n++;
    if (n) {
      const char **ex = sgi_calloc(&t->c->mem, n, sizeof *ex);
      if (!ex) return STAGEGRAPH_ENOMEM;
      for (size_t i = 0, at = 0; i < n; i++) ex[i] = sgi_instruction_flag_next(ins, "exclude", &at);
      int rc = sgi_patterns_compile(&memo->list, &t->c->mem, ex, n, NULL);
      sgi_free(&t->c->mem, ex);
      if (rc == STAGEGRAPH_ENOMEM) return rc;
    }
    memo->of = ins;
  }
  t->exclude = memo->list;
  return 0;
}

/* The directory every path a --parents pattern reads lies in or under:
 * its leading components that hold no wildcard or escape, rooted ("/" for
 * none), into dir (of cap bytes, at least 2); its length. */
static size_t parents_dir(const source_test *t, char *dir, size_t cap) {
  size_t len = 1;
  dir[0] = '/';
  dir[1] = '\0';
  sgi_pattern_info info;
  if (!t->pattern || sgi_patterns_get(t->pattern, 0, &info) || info.exclusion) return len;
  const char *p = info.text;
  if (*p == '/') p++;
  while (*p) {
    const char *end = strchr(p, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (!end || strcspn(p, "*?[\\") < n || (n == 1 && p[0] == '.') ||
        (n == 2 && p[0] == '.' && p[1] == '.') || len + 1 + n >= cap)
      break; /* the last component (a name, not a directory), a wildcard or escape, a
              * "." or ".." the pattern keeps, or no room: the directory so far */
    if (len > 1) dir[len++] = '/';
    memcpy(dir + len, p, n);
    len += n;
    dir[len] = '\0';
    p = end + 1;
  }
  return len;
}

/* Does the changed path reach the source? COPY --exclude patterns, as one
 * list, match the path relative to the source's root (never the root
 * itself). 1, 0 or STAGEGRAPH_ENOMEM. */
static int path_reaches(const source_test *t, const char *path) {
  size_t plen = strlen(path), depth = 0;
  int hit;
  if (t->parents) {
    hit = t->pattern ? sgi_patterns_walk_matches(t->pattern, path, plen, 0) : 0;
    if (hit != STAGEGRAPH_ENOMEM) hit = hit == 1;
  } else { /* the path's source root comes with the answer */
    hit = sgi_path_source_reads(&t->prepared, path, plen, &depth);
  }
  if (hit <= 0 || !t->exclude) return hit;
  /* the root --exclude is relative to, as an ordinary source's */
  int root = t->parents ? sgi_path_source_reads(&t->prepared, path, plen, &depth) : 1;
  if (root != 1) return root == STAGEGRAPH_ENOMEM ? root : 1;
  char clean[1024];
  if (plen >= sizeof clean - 2) return 1;
  sgi_path_clean(clean, path, plen);
  const char *rest = clean[0] == '/' ? clean + 1 : clean;
  for (size_t d = 0; d < depth && *rest; d++) {
    const char *slash = strchr(rest, '/');
    rest = slash ? slash + 1 : rest + strlen(rest);
  }
  if (!*rest) return 1;
  int m = sgi_patterns_walk_matches(t->exclude, rest, strlen(rest), 0);
  return m == STAGEGRAPH_ENOMEM ? m : m != 1;
}

/* Whether the changed path at a position reaches a source (for the
 * index's walk). */
typedef struct source_reach {
  const source_test *t;
  const change *chg;
} source_reach;

static int reaches_at(void *ctx, size_t pos) {
  const source_reach *r = ctx;
  return path_reaches(r->t, r->chg->paths[pos]);
}

#define WILDCARD_DEPTH 16 /* components followed; a deeper pattern's paths are asked */

/* The first changed path in the caller's order that reaches a wildcard
 * source, among the entries [lo, hi) under its base (base_len bytes),
 * when its pattern tells which names it can read (sgi_path_source_pattern):
 * the index follows the names its plain components match
 * (sgi_path_index_first_match); under them every path is read when those
 * are the whole pattern and the source has no --exclude, else each is
 * asked. A pattern without --exclude is answered once per report. 1 (the
 * path in *which), 0, STAGEGRAPH_ENOMEM, or NOT_TOLD when the pattern's
 * first component is not plain, for the caller to ask every entry. */
enum { NOT_TOLD = 2 };

static int wildcard_changed(const source_test *t, const change *chg, size_t base_len, size_t lo,
                            size_t hi, const char **which) {
  stagegraph_cache *c = t->c;
  const char *src = t->src;
  char *pattern;
  size_t len, components, plain;
  int split = sgi_path_source_pattern(&c->mem, src, strlen(src), &pattern, &len, &components, &plain);
  if (split <= 0 || !plain) {
    sgi_free(&c->mem, pattern);
    return split < 0 ? split : NOT_TOLD;
  }
  int rc = 0, excludes = t->exclude != NULL;
  int memo = !excludes && chg->path_count < UINT32_MAX - 1;
  size_t best = memo ? sgi_str_index_find(chg->wildcards, src, strlen(src)) : STAGEGRAPH_NONE;
  if (best == STAGEGRAPH_NONE) {
    const char *comp[WILDCARD_DEPTH];
    size_t comp_len[WILDCARD_DEPTH], depth = 0;
    for (char *p = pattern; depth < plain && depth < WILDCARD_DEPTH; depth++) {
      char *slash = strchr(p, '/');
      comp[depth] = p;
      comp_len[depth] = slash ? (size_t)(slash - p) : strlen(p);
      p = slash ? slash + 1 : p + strlen(p);
    }
    source_reach r = {t, chg};
    sgi_path_match m = {comp, comp_len, depth,
                        depth == components && !excludes ? NULL : reaches_at, &r};
    best = chg->path_count; /* none */
    rc = sgi_path_index_first_match(&chg->by_prefix, lo, hi, base_len, &m, &best);
    if (!rc && memo) rc = sgi_str_index_set(chg->wildcards, src, strlen(src), best);
  }
  sgi_free(&c->mem, pattern);
  if (rc) return rc;
  if (best == chg->path_count) return 0;
  *which = chg->paths[best];
  return 1;
}

/* The first changed path in the caller's order among entries [lo, hi)
 * that reaches the source, asked path by path: a short run sorted into
 * the caller's order, a long one picked out of the whole list. 1 (the
 * path in *which), 0 or STAGEGRAPH_ENOMEM. */
static int ask_each_path(const source_test *t, const change *chg, size_t lo, size_t hi,
                         const char **which) {
  const sgi_path_index *ix = &chg->by_prefix;
  const size_t *pos = hi - lo <= ix->count / 16 ? sgi_path_index_positions(ix, lo, hi) : NULL;
  for (size_t i = 0, n = pos ? hi - lo : chg->path_count; i < n; i++) {
    if (!pos && !sgi_path_index_holds(ix, i, lo, hi)) continue;
    const char *path = chg->paths[pos ? pos[i] : i];
    int hit = path_reaches(t, path);
    if (hit) {
      if (hit > 0) *which = path;
      return hit;
    }
  }
  return 0;
}

/* Does a changed path reach a context input of `ins`? The first one in
 * the caller's order that does goes to *which. Ignored paths do not exist
 * for the build. A source reads only paths at or under its base, one run
 * of the index (a --parents source: under its pattern's leading plain
 * components, parents_dir), and nothing is compiled for a source with no
 * changed path there. Without wildcards or --exclude every path of the
 * run reaches it; with wildcards, the runs of the names its pattern's
 * components match, depth by depth (wildcard_changed); otherwise (a first
 * component that could match a '/', see sgi_path_source_pattern; a
 * --parents source; --exclude) each path of the run is asked. */
static int source_changed(source_test *t, const change *chg, const stagegraph_instruction *ins,
                          const char **which) {
  const sgi_path_index *ix = &chg->by_prefix;
  size_t lo = 0, hi = ix->count, base_len = 1;
  int literal = 0;
  if (t->parents) {
    char dir[256];
    base_len = parents_dir(t, dir, sizeof dir);
    sgi_path_index_under(ix, dir, base_len, &lo, &hi);
  } else {
    literal = sgi_path_source_dir(&t->prepared, &base_len);
    sgi_path_index_under(ix, t->prepared.s, base_len, &lo, &hi);
  }
  if (lo == hi) return 0;
  int rc = compile_excludes(t, chg, ins);
  if (rc) return rc;
  if (!t->parents && literal && !t->exclude) {
    *which = chg->paths[sgi_path_index_first(ix, lo, hi)];
    return 1;
  }
  if (!t->parents && !literal) {
    rc = wildcard_changed(t, chg, base_len, lo, hi, which);
    if (rc != NOT_TOLD) return rc;
  }
  return ask_each_path(t, chg, lo, hi, which);
}

static int context_changed(stagegraph_cache *c, const change *chg,
                           const stagegraph_instruction *ins, const char *src, const char **which) {
  if (!chg->by_prefix.count) return 0;
  source_test t;
  int rc = source_test_init(&t, c, ins, src);
  if (!rc) rc = source_changed(&t, chg, ins, which);
  source_test_free(&t);
  return rc;
}

/* The step's own inputs: what would change its key by itself. Returns 0
 * or STAGEGRAPH_ENOMEM; the status goes to *out, the reason to c->why. */
static int own_status(const walk *w, const cache_step *st, const stagegraph_instruction *ins,
                      stagegraph_cache_status *out) {
  stagegraph_cache *c = w->c;
  const change *chg = w->chg;
  sgi_buf *why = &c->why;
  stagegraph_cache_status status = STAGEGRAPH_CACHED;
  for (uint32_t i = 0; i < st->input_count; i++) {
    const sgi_input *in = &c->inputs[st->first_input + i];
    switch ((stagegraph_input_kind)in->kind) {
    case STAGEGRAPH_INPUT_CONTEXT: {
      const char *path = NULL;
      int hit = context_changed(c, chg, ins, in->value, &path);
      if (hit < 0) return STAGEGRAPH_ENOMEM;
      if (hit > 0) {
        if (status < STAGEGRAPH_INVALIDATED) {
          sgi_buf_clear(why);
          sgi_buf_printf(why, "changed file \"%s\" is read by source \"%s\"", path, in->value);
        }
        status = STAGEGRAPH_INVALIDATED;
      }
      break;
    }
    case STAGEGRAPH_INPUT_STAGE: {
      const stage_final *src = done_final(c, w->pos, in->source);
      if (src && src->change != STAGEGRAPH_CACHED && status < STAGEGRAPH_MAYBE) {
        sgi_buf_clear(why);
        sgi_buf_printf(why, "stage \"%s\" rebuilt: its files are compared by content", in->value);
        status = STAGEGRAPH_MAYBE;
      }
      break;
    }
    case STAGEGRAPH_INPUT_IMAGE:
      if (ins->kind != STAGEGRAPH_KIND_FROM &&
          image_changed(c, chg->images, chg->image_count, in->value) && status < STAGEGRAPH_MAYBE) {
        sgi_buf_clear(why);
        sgi_buf_printf(why, "image \"%s\" changed: its files are compared by content", in->value);
        status = STAGEGRAPH_MAYBE;
      }
      break;
    case STAGEGRAPH_INPUT_ARG:
      if (ins->kind != STAGEGRAPH_KIND_FROM &&
          set_has(c, &w->tainted, in->value, strlen(in->value))) {
        if (status < STAGEGRAPH_INVALIDATED) {
          sgi_buf_clear(why);
          sgi_buf_printf(why, "build arg %s changed", in->value);
        }
        status = STAGEGRAPH_INVALIDATED;
      }
      break;
    case STAGEGRAPH_INPUT_REMOTE:
      if (!flag(ins, "checksum", 0) && status < STAGEGRAPH_MAYBE) {
        sgi_buf_clear(why);
        sgi_buf_printf(why, "remote source %s is checked again every build", in->value);
        status = STAGEGRAPH_MAYBE;
      }
      break;
    }
  }
  /* RUN's key includes every variable in its environment */
  if (ins->kind == STAGEGRAPH_KIND_RUN && status < STAGEGRAPH_INVALIDATED) {
    const name_entry *first;
    if (set_first(&w->tainted, &first, 1)) {
      sgi_buf_clear(why);
      sgi_buf_printf(why, "the environment changed (%s)", first->name);
      status = STAGEGRAPH_INVALIDATED;
    }
  }
  *out = status;
  return why->failed ? STAGEGRAPH_ENOMEM : 0;
}

/* The step's own status under an ordinary source edit: every broad
 * context input changes and nothing else does, so only those and the
 * stages it reads count. */
static stagegraph_cache_status edit_status(const walk *w, const cache_step *st) {
  if (st->flags & STEP_BROAD) return STAGEGRAPH_INVALIDATED;
  for (uint32_t i = 0; i < st->input_count; i++) {
    const sgi_input *in = &w->c->inputs[st->first_input + i];
    const stage_final *src = in->kind == STAGEGRAPH_INPUT_STAGE ? done_final(w->c, w->pos, in->source) : NULL;
    if (src && src->edit != STAGEGRAPH_CACHED) return STAGEGRAPH_MAYBE;
  }
  return STAGEGRAPH_CACHED;
}

/* ARG and ENV change which variables carry a changed value. */
static int update_taint(stagegraph_cache *c, const change *chg, const stagegraph_instruction *ins,
                        name_set *tainted, const name_set *global_tainted) {
  char esc = c->plan->doc->escape;
  int rc = 0;
  if (ins->kind == STAGEGRAPH_KIND_ARG) {
    for (size_t i = 0; i < ins->arg_count && !rc; i++) {
      const char *key = ins->args[i].ptr, *value;
      size_t klen = sgi_key_value(key, &value);
      int t = set_has(c, &chg->arg_set, key, klen);
      if (!t && value) {
        names_seen n = {c, NULL, 0, 0, 0, {0}};
        if ((rc = refer(&n, value, strlen(value), esc))) return rc;
        for (size_t k = 0; k < n.count && !t; k++)
          t = set_has(c, tainted, n.names[k], strlen(n.names[k]));
      } else if (!t) {
        t = set_has(c, global_tainted, key, klen);
      }
      if (t)
        rc = set_add(c, tainted, key, klen);
      else if (value)
        rc = set_remove(c, tainted, key, klen); /* a fresh, unchanged value */
    }
  } else if (ins->kind == STAGEGRAPH_KIND_ENV) {
    /* all pairs see the variables as they were before the instruction */
    size_t pairs = ins->arg_count / 3;
    unsigned char small[64];
    unsigned char *mark = pairs <= sizeof small ? small : sgi_malloc(&c->mem, pairs);
    if (!mark) return STAGEGRAPH_ENOMEM;
    for (size_t i = 0; i < pairs && !rc; i++) {
      names_seen n = {c, NULL, 0, 0, 0, {0}};
      mark[i] = 0;
      rc = refer(&n, ins->args[3 * i + 1].ptr, ins->args[3 * i + 1].len, esc);
      for (size_t k = 0; k < n.count && !rc; k++)
        mark[i] |= set_has(c, tainted, n.names[k], strlen(n.names[k]));
    }
    for (size_t i = 0; i < pairs && !rc; i++) {
      /* ENV replaces the variable: changed only if its new value is */
      if (mark[i])
        rc = set_add(c, tainted, ins->args[3 * i].ptr, ins->args[3 * i].len);
      else
        rc = set_remove(c, tainted, ins->args[3 * i].ptr, ins->args[3 * i].len);
    }
    if (mark != small) sgi_free(&c->mem, mark);
  }
  return rc;
}

/* Global ARGs whose value changes: changed build args, and meta ARGs whose
 * default refers to one. */
static int global_taint(stagegraph_cache *c, const change *chg, name_set *out) {
  const stagegraph_doc *doc = c->plan->doc;
  for (size_t i = 0; i < stagegraph_doc_meta_arg_count(doc); i++) {
    int rc = update_taint(c, chg, stagegraph_doc_meta_arg(doc, i), out, out);
    if (rc) return rc;
  }
  /* automatic args changed as build args */
  for (size_t i = 0; i < chg->arg_count; i++) {
    const char *a = chg->args[i];
    if (a && (strncmp(a, "TARGET", 6) == 0 || strncmp(a, "BUILD", 5) == 0) &&
        set_add(c, out, a, strlen(a)))
      return STAGEGRAPH_ENOMEM;
  }
  return 0;
}

/* Keep c->why as the step's reason (none when it is cached), shared with
 * the step before when they agree. */
static int set_reason(stagegraph_cache *c, cache_step *st) {
  const sgi_buf *why = &c->why;
  if (why->failed) return STAGEGRAPH_ENOMEM;
  if (st->status == STAGEGRAPH_CACHED) return 0;
  const char *text = why->ptr ? why->ptr : "";
  const char *last = c->reason_count ? c->reasons[c->reason_count - 1] : NULL;
  if (!last || strncmp(last, text, why->len) != 0 || last[why->len] != '\0') {
    if (c->reason_count == c->reason_cap) {
      const char **grown = grow(c, c->reasons, &c->reason_cap, sizeof *grown);
      if (!grown) return STAGEGRAPH_ENOMEM;
      c->reasons = grown;
    }
    if (!(c->reasons[c->reason_count] = sgi_arena_strndup(&c->arena, text, why->len)))
      return STAGEGRAPH_ENOMEM;
    c->reason_count++;
  }
  st->reason = (uint32_t)c->reason_count;
  return 0;
}

static cache_step *new_step(walk *w, unsigned char flags) {
  cache_step *st = &w->cs->steps[w->cs->step_count++];
  st->first_input = (uint32_t)w->c->input_count;
  st->reason = 0;
  st->input_count = 0;
  st->flags = flags;
  st->status = STAGEGRAPH_CACHED;
  return st;
}

/* The FROM line: its inputs, and the chain it starts from its parent
 * stage (evaluated before it, or NULL), its base image or the global args
 * it uses. */
static int walk_from(walk *w, const sgi_plan_stage *ps, const stagegraph_stage *stage,
                     const stage_final *parent) {
  stagegraph_cache *c = w->c;
  const stagegraph_plan *p = c->plan;
  const change *chg = w->chg;
  cache_step *from = new_step(w, 0);
  int rc = 0;
  if (ps->parent != STAGEGRAPH_NONE)
    rc = add_stage_input(c, from, ps->parent);
  else if (ps->image)
    rc = add_input(c, from, STAGEGRAPH_INPUT_IMAGE, ps->image->ref, 0);
  if (!rc) {
    /* global args the FROM line uses */
    names_seen names = {c, NULL, 0, 0, 0, {0}};
    const char *base = stagegraph_stage_base(stage), *platform = stagegraph_stage_platform(stage);
    rc = refer(&names, base, strlen(base), p->doc->escape);
    if (!rc && platform) rc = refer(&names, platform, strlen(platform), p->doc->escape);
    for (size_t i = 0; i < names.count && !rc; i++)
      rc = add_input(c, from, STAGEGRAPH_INPUT_ARG, names.names[i], 0);
  }
  if (rc) return rc;
  sgi_buf *why = &c->why;
  sgi_buf_clear(why);
  stagegraph_cache_status chain = STAGEGRAPH_CACHED;
  if (parent) {
    w->edit_chain = parent->edit;
    if (parent->change != STAGEGRAPH_CACHED) {
      chain = parent->change;
      sgi_buf_printf(why, "parent stage \"%s\" rebuilt", p->stages[ps->parent].display);
    }
  } else if (ps->parent == STAGEGRAPH_NONE && ps->image &&
             (image_changed(c, chg->images, chg->image_count, ps->image->ref) ||
              in_list(chg->images, chg->image_count, ps->image->parts.familiar))) {
    chain = STAGEGRAPH_INVALIDATED;
    sgi_buf_printf(why, "base image %s changed", ps->image->ref);
  }
  for (uint32_t i = 0; i < from->input_count && chain < STAGEGRAPH_INVALIDATED; i++) {
    const sgi_input *in = &c->inputs[from->first_input + i];
    if (in->kind == STAGEGRAPH_INPUT_ARG && set_has(c, w->global, in->value, strlen(in->value))) {
      chain = STAGEGRAPH_INVALIDATED;
      sgi_buf_clear(why);
      sgi_buf_printf(why, "global build arg %s used in FROM changed", in->value);
    }
  }
  from->status = (unsigned char)chain;
  w->chain = chain;
  w->chain_line = w->cs->first_line = chain != STAGEGRAPH_CACHED ? stagegraph_stage_from(stage)->start_line : 0;
  return set_reason(c, from);
}

/* A step's status given its own (*status) and the layers before it
 * (*chain): a layer is keyed on the one before, except a linked COPY, and
 * passes its status on down the chain. Returns 1 when the chain, not the
 * step itself, decided the status. */
static int chain_step(const cache_step *st, stagegraph_cache_status *chain,
                      stagegraph_cache_status *status) {
  int layer = (st->flags & STEP_LAYER) != 0;
  int from_chain = !(layer && (st->flags & STEP_LINKED)) && *chain > *status;
  if (from_chain) *status = *chain;
  if (layer) *chain = worse(*chain, *status);
  return from_chain;
}

/* One instruction (or trigger) after the FROM line. */
static int walk_step(walk *w, const stagegraph_instruction *ins, const stagegraph_instruction *shown,
                     const sgi_ins_info *info, unsigned char onbuild) {
  stagegraph_cache *c = w->c;
  cache_stage *cs = w->cs;
  uint32_t k = cs->step_count;
  cache_step *st = new_step(w, onbuild | (makes_layer(ins, info) ? STEP_LAYER : 0));
  int rc = declare_args(c, ins, &w->args);
  if (!rc) rc = step_inputs(w, st, ins, shown, info);
  if (rc) return rc;
  if ((st->flags & STEP_BROAD) && cs->boundary == NO_BOUNDARY) cs->boundary = k;
  /* under an ordinary source edit, for the summary */
  stagegraph_cache_status edit = edit_status(w, st);
  chain_step(st, &w->edit_chain, &edit);
  if (st->flags & STEP_LAYER) {
    c->layer_count++;
    c->surviving += edit == STAGEGRAPH_CACHED;
  }
  /* under the change */
  sgi_buf_clear(&c->why);
  stagegraph_cache_status status, before = w->chain;
  if ((rc = own_status(w, st, ins, &status))) return rc;
  if (chain_step(st, &w->chain, &status)) {
    sgi_buf_clear(&c->why);
    sgi_buf_printf(&c->why, "an earlier step rebuilt (line %u)", w->chain_line);
  } else if (w->chain > before) {
    w->chain_line = shown->start_line; /* the step that made it worse */
  }
  if (!cs->first_line && status != STAGEGRAPH_CACHED) cs->first_line = shown->start_line;
  st->status = (unsigned char)status;
  if ((rc = set_reason(c, st))) return rc;
  return update_taint(c, w->chg, ins, &w->tainted, w->global);
}

/* Keep a walk's set for the stages built from this one: NULL when it has
 * no names (the ranks and removed names it had change no order or
 * lookup). The stages built on it share it. */
static int keep_set(stagegraph_cache *c, const name_set *s, const name_set **out) {
  name_set *kept = NULL;
  if (s->order && !(kept = sgi_arena_alloc(&c->arena, sizeof *kept))) return STAGEGRAPH_ENOMEM;
  if (kept) *kept = *s;
  *out = kept;
  return 0;
}

/* The needed stage at position `pos` in build order. */
static int walk_stage(stagegraph_cache *c, const change *chg, const name_set *global, size_t pos) {
  const stagegraph_plan *p = c->plan;
  size_t s = p->order[pos];
  const sgi_plan_stage *ps = &p->stages[s];
  const stagegraph_stage *stage = stagegraph_doc_stage(p->doc, s);
  cache_stage *cs = &c->stages[pos];
  memset(cs, 0, sizeof *cs);
  cs->index = (uint32_t)s;
  cs->boundary = NO_BOUNDARY;
  /* a stage replaced by a named context is its FROM line alone */
  size_t triggers = ps->context ? 0 : sgi_plan_trigger_count(ps);
  size_t own = ps->context ? 0 : stagegraph_stage_instruction_count(stage);
  size_t n = 1 + triggers + own;
  if (n > UINT32_MAX || !(cs->steps = sgi_arena_array(&c->arena, n, sizeof *cs->steps)))
    return STAGEGRAPH_ENOMEM;
  walk w;
  memset(&w, 0, sizeof w);
  w.c = c;
  w.chg = chg;
  w.global = global;
  w.pos = pos;
  w.index = s;
  w.cs = cs;
  w.chain = w.edit_chain = STAGEGRAPH_CACHED;
  /* args in scope and changed variables start with the parent's; a stage
   * replaced by a named context declares nothing and its FROM line reads
   * only global args, so it has no args in scope */
  size_t parent_pos = ps->parent != STAGEGRAPH_NONE ? c->position[ps->parent] : NOT_BUILT;
  const cache_stage *parent = done_stage(c, pos, parent_pos);
  if (parent && parent->args && !ps->context) w.args = *parent->args;
  if (parent && parent->tainted) w.tainted = *parent->tainted;
  int rc = walk_from(&w, ps, stage, done_final(c, pos, parent_pos));
  for (size_t t = 0; t < triggers && !rc; t++) {
    const sgi_triggers *tr = ps->triggers;
    rc = walk_step(&w, tr->docs[t]->instructions[0], tr->owners[t], &tr->info[t], STEP_ONBUILD);
  }
  stagegraph_instruction *const *list = sgi_stage_instructions(stage);
  size_t left = sgi_doc_records_from(p->doc, list);
  for (size_t i = 0; i < own && !rc; i++) {
    const stagegraph_instruction *ins = list[i];
    sgi_instruction_ahead(list, i, left);
    rc = walk_step(&w, ins, ins, &p->info[ins->index], 0);
  }
  c->finals[pos].change = (unsigned char)w.chain;
  c->finals[pos].edit = (unsigned char)w.edit_chain;
  if (!rc) rc = keep_set(c, &w.args, &cs->args);
  if (!rc) rc = keep_set(c, &w.tainted, &cs->tainted);
  return rc;
}

/* ---- the object ------------------------------------------------------------ */

static int walk_all(stagegraph_cache *c, const change *chg) {
  name_set global;
  memset(&global, 0, sizeof global);
  int rc = global_taint(c, chg, &global);
  for (size_t pos = 0; pos < c->plan->order_count && !rc; pos++) {
    c->stage_count = pos + 1;
    rc = walk_stage(c, chg, &global, pos);
  }
  return rc;
}

/* Which changed paths the .dockerignore excludes, once for every input
 * that reads the context. */
static int ignored_paths(stagegraph_cache *c, change *chg) {
  if (!(chg->ignored = sgi_arena_calloc(&c->arena, chg->path_count + 1, 1))) return STAGEGRAPH_ENOMEM;
  for (size_t i = 0; c->ignore && i < chg->path_count; i++) {
    const char *path = chg->paths[i];
    int ignored = path ? sgi_patterns_walk_matches(c->ignore, path, strlen(path), 1) : 0;
    if (ignored == STAGEGRAPH_ENOMEM) return ignored;
    chg->ignored[i] = ignored == 1;
  }
  return 0;
}

/* image_at, for the changed images: their plan images are looked up by
 * reference at each image input. */
static int index_images(stagegraph_cache *c) {
  const stagegraph_plan *p = c->plan;
  for (size_t i = 0; i < p->image_count; i++) {
    const char *ref = p->images[i]->ref;
    size_t len = strlen(ref);
    size_t first;
    if (sgi_str_index_add(&c->image_at, ref, len, i, &first)) return STAGEGRAPH_ENOMEM;
  }
  return 0;
}

int stagegraph_cache_new(stagegraph_cache **out, const stagegraph_plan *plan,
                         const stagegraph_cache_options *opts, stagegraph_error *err) {
  if (!out) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out must not be NULL");
  *out = NULL;
  if (!plan) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "plan must not be NULL");
  if (opts && opts->size == 0)
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "options.size is 0: initialise the options");
  /* positions and stage indices are kept in 32 bits */
  if (plan->stage_count >= UINT32_MAX)
    return sgi_error_set(err, STAGEGRAPH_ELIMIT, NULL, "too many stages");
  stagegraph_cache *c = sgi_malloc(&plan->mem, sizeof *c);
  if (!c) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  memset(c, 0, sizeof *c);
  c->plan = plan;
  c->mem = plan->mem;
  sgi_arena_init(&c->arena, &c->mem);
  /* about one byte per input byte: a small file's model fits one small block */
  if (plan->doc->input_len < 8192) c->arena.min_block = sgi_plan_block_for(plan->doc->input_len);
  sgi_buf_init(&c->scratch, &c->mem);
  sgi_buf_init(&c->why, &c->mem);
  sgi_str_index_init(&c->image_at, &c->mem, sgi_hash_seed(c));
  sgi_str_index_init(&c->step_values, &c->mem, sgi_hash_seed(c));
  c->step_values_of = SIZE_MAX;
  int rc = 0;
  const char *ignore = COPT(opts, dockerignore, (const char *)NULL);
  if (ignore) rc = sgi_ignore_parse(&c->ignore, &c->mem, ignore, COPT(opts, dockerignore_len, (size_t)0), err);
  /* the needed stages in build order, context-replaced ones included */
  c->stages = sgi_arena_array(&c->arena, plan->order_count, sizeof *c->stages);
  c->finals = sgi_arena_array(&c->arena, plan->order_count, sizeof *c->finals);
  c->position = sgi_arena_array(&c->arena, plan->stage_count, sizeof *c->position);
  if (!rc && (!c->stages || !c->finals || !c->position)) rc = STAGEGRAPH_ENOMEM;
  if (!rc) memset(c->position, 0xff, plan->stage_count * sizeof *c->position); /* NOT_BUILT */
  for (size_t i = 0; !rc && i < plan->order_count; i++) c->position[plan->order[i]] = (uint32_t)i;
  change chg;
  memset(&chg, 0, sizeof chg);
  sgi_str_index wildcards;
  sgi_str_index_init(&wildcards, &c->mem, sgi_hash_seed(&c->mem));
  chg.wildcards = &wildcards;
  exclude_memo excludes = {NULL, NULL};
  chg.excludes = &excludes;
  chg.paths = COPT(opts, changed_paths, (const char *const *)NULL);
  chg.path_count = COPT(opts, changed_path_count, (size_t)0);
  chg.args = COPT(opts, changed_args, (const char *const *)NULL);
  chg.arg_count = COPT(opts, changed_arg_count, (size_t)0);
  chg.images = COPT(opts, changed_images, (const char *const *)NULL);
  chg.image_count = COPT(opts, changed_image_count, (size_t)0);
  if (!chg.paths) chg.path_count = 0;
  if (!chg.args) chg.arg_count = 0;
  if (!chg.images) chg.image_count = 0;
  if (!rc) rc = ignored_paths(c, &chg);
  if (!rc) rc = sgi_path_index_build(&chg.by_prefix, &c->mem, chg.paths, chg.ignored, chg.path_count);
  for (size_t i = 0; !rc && i < chg.arg_count; i++)
    if (chg.args[i]) rc = set_add(c, &chg.arg_set, chg.args[i], strlen(chg.args[i]));
  if (!rc && chg.image_count) {
    c->changed_norm = sgi_arena_calloc(&c->arena, chg.image_count, sizeof *c->changed_norm);
    if (!c->changed_norm) rc = STAGEGRAPH_ENOMEM;
    for (size_t i = 0; !rc && i < chg.image_count; i++) {
      sgi_reference ref;
      if (chg.images[i] &&
          sgi_reference_parse(&ref, &c->arena, chg.images[i], strlen(chg.images[i]), NULL) == 0)
        c->changed_norm[i] = ref.normalized;
    }
    c->changed_norm_count = chg.image_count;
    if (!rc) rc = index_images(c);
  }
  if (!rc) rc = reserve_inputs(c, plan->order_count);
  if (!rc) rc = walk_all(c, &chg);
  sgi_path_index_free(&chg.by_prefix);
  sgi_str_index_free(&wildcards);
  sgi_patterns_free(excludes.list);
  if (rc) {
    if (rc == STAGEGRAPH_ENOMEM) sgi_error_set(err, rc, NULL, "out of memory");
    stagegraph_cache_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void stagegraph_cache_free(stagegraph_cache *c) {
  if (!c) return;
  sgi_patterns_free(c->ignore);
  sgi_str_index_free(&c->image_at);
  sgi_str_index_free(&c->step_values);
  sgi_buf_free(&c->scratch);
  sgi_buf_free(&c->why);
  sgi_free(&c->mem, c->inputs);
  sgi_free(&c->mem, c->reasons);
  sgi_mem mem = c->mem;
  sgi_arena_free(&c->arena);
  sgi_free(&mem, c);
}

/* ---- accessors ----------------------------------------------------------------- */

static const cache_stage *cstage(const stagegraph_cache *c, size_t i) {
  return c && i < c->stage_count ? &c->stages[i] : NULL;
}

static const cache_step *cstep(const stagegraph_cache *c, size_t i, size_t k) {
  const cache_stage *s = cstage(c, i);
  return s && k < s->step_count ? &s->steps[k] : NULL;
}

static const sgi_input *cinput(const stagegraph_cache *c, size_t i, size_t k, size_t in) {
  const cache_step *s = cstep(c, i, k);
  return s && in < s->input_count ? &c->inputs[s->first_input + in] : NULL;
}

const stagegraph_plan *stagegraph_cache_plan(const stagegraph_cache *c) { return c ? c->plan : NULL; }
size_t stagegraph_cache_stage_count(const stagegraph_cache *c) { return c ? c->stage_count : 0; }
size_t stagegraph_cache_stage(const stagegraph_cache *c, size_t i) {
  return cstage(c, i) ? c->stages[i].index : STAGEGRAPH_NONE;
}
uint32_t stagegraph_cache_first_invalidated(const stagegraph_cache *c, size_t i) {
  return cstage(c, i) ? c->stages[i].first_line : 0;
}
size_t stagegraph_cache_boundary(const stagegraph_cache *c, size_t i) {
  return cstage(c, i) && c->stages[i].boundary != NO_BOUNDARY ? c->stages[i].boundary
                                                               : STAGEGRAPH_NONE;
}
size_t stagegraph_cache_instruction_count(const stagegraph_cache *c, size_t i) {
  return cstage(c, i) ? c->stages[i].step_count : 0;
}
/* What the user sees of step k: the FROM line, the parent's ONBUILD for a
 * trigger, or the stage's instruction. */
const stagegraph_instruction *stagegraph_cache_instruction(const stagegraph_cache *c, size_t i,
                                                           size_t k) {
  if (!cstep(c, i, k)) return NULL;
  size_t s = c->stages[i].index;
  const sgi_plan_stage *ps = &c->plan->stages[s];
  const stagegraph_stage *stage = stagegraph_doc_stage(c->plan->doc, s);
  if (k == 0) return stagegraph_stage_from(stage);
  if (k <= sgi_plan_trigger_count(ps)) return ps->triggers->owners[k - 1];
  return stagegraph_stage_instruction(stage, k - 1 - sgi_plan_trigger_count(ps));
}
int stagegraph_cache_instruction_onbuild(const stagegraph_cache *c, size_t i, size_t k) {
  return cstep(c, i, k) ? (cstep(c, i, k)->flags & STEP_ONBUILD) != 0 : 0;
}
int stagegraph_cache_instruction_layer(const stagegraph_cache *c, size_t i, size_t k) {
  return cstep(c, i, k) ? (cstep(c, i, k)->flags & STEP_LAYER) != 0 : 0;
}
int stagegraph_cache_instruction_linked(const stagegraph_cache *c, size_t i, size_t k) {
  return cstep(c, i, k) ? (cstep(c, i, k)->flags & STEP_LINKED) != 0 : 0;
}
stagegraph_cache_status stagegraph_cache_instruction_status(const stagegraph_cache *c, size_t i,
                                                            size_t k) {
  return cstep(c, i, k) ? (stagegraph_cache_status)cstep(c, i, k)->status : STAGEGRAPH_CACHED;
}
const char *stagegraph_cache_instruction_reason(const stagegraph_cache *c, size_t i, size_t k) {
  const cache_step *s = cstep(c, i, k);
  return s && s->reason ? c->reasons[s->reason - 1] : NULL;
}
size_t stagegraph_cache_input_count(const stagegraph_cache *c, size_t i, size_t k) {
  return cstep(c, i, k) ? cstep(c, i, k)->input_count : 0;
}
stagegraph_input_kind stagegraph_cache_input_kind(const stagegraph_cache *c, size_t i, size_t k,
                                                  size_t in) {
  const sgi_input *x = cinput(c, i, k, in);
  return x ? (stagegraph_input_kind)x->kind : STAGEGRAPH_INPUT_CONTEXT;
}
const char *stagegraph_cache_input_value(const stagegraph_cache *c, size_t i, size_t k, size_t in) {
  const sgi_input *x = cinput(c, i, k, in);
  return x ? x->value : NULL;
}
size_t stagegraph_cache_layer_count(const stagegraph_cache *c) { return c ? c->layer_count : 0; }
size_t stagegraph_cache_layers_surviving_edit(const stagegraph_cache *c) {
  return c ? c->surviving : 0;
}
