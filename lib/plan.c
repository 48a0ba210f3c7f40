/* The build plan: targets, the stages they need, build order, waves, the
 * critical path and the legacy builder's sequential plan; the plan object
 * and its accessors. */
#include "plan.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "instructions.h"
#include "str_index.h"
#include "suggest.h"

void stagegraph_plan_options_init(stagegraph_plan_options *opts, size_t size) {
  sgi_sized_init(opts, size, sizeof *opts);
}

#define POPT(opts, member, fallback)                                                               \
  ((opts) && (opts)->size >= offsetof(stagegraph_plan_options, member) + sizeof((opts)->member)     \
       ? (opts)->member                                                                            \
       : (fallback))

/* An array of n indices: zeroed, or left for the caller to fill. Results
 * live in the plan's arena, temporaries in a scratch arena freed when the
 * step is done. */
static size_t *zeroed_indices(sgi_arena *arena, size_t n) {
  return sgi_arena_calloc(arena, n ? n : 1, sizeof(size_t));
}

static size_t *indices(sgi_arena *arena, size_t n) {
  return sgi_arena_array(arena, n ? n : 1, sizeof(size_t));
}

/* ---- targets ------------------------------------------------------------------ */

static int target_not_found(stagegraph_plan *plan, const char *target, stagegraph_error *err) {
  sgi_buf msg;
  sgi_buf_init(&msg, &plan->mem);
  sgi_buf_puts(&msg, "target stage \"");
  sgi_buf_puts(&msg, target);
  sgi_buf_puts(&msg, "\" could not be found");
  const char **names = sgi_arena_calloc(&plan->arena, plan->stage_count ? plan->stage_count : 1,
                                        sizeof *names);
  if (!names) {
    sgi_buf_free(&msg);
    return STAGEGRAPH_ENOMEM;
  }
  for (size_t i = 0; i < plan->stage_count; i++) names[i] = plan->stages[i].display;
  sgi_suggest(&msg, target, strlen(target), names, plan->stage_count, 1);
  int rc = msg.failed ? STAGEGRAPH_ENOMEM
                      : sgi_error_set_text(err, STAGEGRAPH_ENOTFOUND, NULL, msg.ptr, msg.len);
  sgi_buf_free(&msg);
  return rc;
}

/* The stages the targets name (sgi_plan_stage_named), each once, in the
 * order given: each target is a lookup in the graph's index of names
 * rather than a scan of every stage (20k targets of a 50k-stage file took
 * 4.3 s). */
int sgi_plan_targets(stagegraph_plan *plan, const stagegraph_plan_options *opts,
                     stagegraph_error *err) {
  const char *const *targets = POPT(opts, targets, (const char *const *)NULL);
  size_t n = targets ? POPT(opts, target_count, (size_t)0) : 0;
  plan->targets = indices(&plan->arena, n ? n : 1);
  if (!plan->targets) return STAGEGRAPH_ENOMEM;
  if (n == 0) {
    plan->targets[0] = plan->stage_count - 1;
    plan->target_count = 1;
    if (plan->stage_count) plan->stages[plan->stage_count - 1].target = 1;
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    if (!targets[i]) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "a target is NULL");
    size_t index;
    if (sgi_plan_stage_named(plan, targets[i], &index)) return STAGEGRAPH_ENOMEM;
    if (index == STAGEGRAPH_NONE) return target_not_found(plan, targets[i], err);
    if (!plan->stages[index].target) {
      plan->stages[index].target = 1;
      plan->targets[plan->target_count++] = index;
    }
  }
  return 0;
}

/* ---- schedule ----------------------------------------------------------------- */

/* The scheduler's view of the stages: compact arrays, so that its passes
 * over 100k stages read a few bytes per stage instead of whole stage
 * records (each a cache miss on a large plan). The dependencies, needed
 * flags and waves stay with the plan as they are (plan.h); the rest is
 * scratch. */
/* Its indices, counts and waves are 32-bit (stage indices and edge counts
 * fit: the edges keep theirs so), which halves the memory its passes
 * write and read, and the random reads of a dependency's entry then hit
 * a smaller array. */
typedef uint32_t sidx;

static sidx *sidx_array(sgi_arena *arena, size_t n) {
  return sgi_arena_array(arena, n ? n : 1, sizeof(sidx));
}

static sidx *zeroed_sidx_array(sgi_arena *arena, size_t n) {
  return sgi_arena_calloc(arena, n ? n : 1, sizeof(sidx));
}

typedef struct sched {
  size_t n;
  sidx *deps;          /* every stage's dependencies, deduplicated */
  sidx *dep_start;     /* n + 1: stage i's are deps[dep_start[i] .. dep_start[i + 1]) */
  unsigned char *needed;
  sidx *wave;          /* SGI_NO_WAVE until placed */
} sched;

/* The sources kept so far while each stage's dependencies are collected. */
typedef struct dep_sources {
  sidx *deps;
  sidx count;
  sidx *seen; /* per source stage, the last dependent that kept it; made when first needed */
} dep_sources;

/* Up to this many edges into one stage, repeated sources are found by
 * comparing them with each other. */
#define FEW_EDGES 8

/* Keep stage i's sources, each once, from its edges by_to[first .. end). */
static int keep_sources(const stagegraph_plan *plan, dep_sources *d, sgi_arena *scratch, size_t i,
                        const sidx *by_to, size_t first, size_t end) {
  size_t kept = d->count;
  if (end - first <= FEW_EDGES) {
    /* compared with the sources already kept, which are in cache, where
     * the marker of each source is a miss on a large graph */
    for (size_t k = first; k < end; k++) {
      sidx from = plan->edges[by_to[k]].from;
      size_t j = kept;
      while (j < d->count && d->deps[j] != from) j++;
      if (j == d->count) d->deps[d->count++] = from;
    }
    return 0;
  }
  if (!d->seen) {
    if (!(d->seen = sidx_array(scratch, plan->stage_count))) return STAGEGRAPH_ENOMEM;
    for (size_t k = 0; k < plan->stage_count; k++) d->seen[k] = UINT32_MAX;
  }
  for (size_t k = first; k < end; k++) {
    sidx from = plan->edges[by_to[k]].from;
    if (d->seen[from] == i) continue;
    d->seen[from] = (sidx)i;
    d->deps[d->count++] = from;
  }
  return 0;
}

/* Each stage's dependencies (parent and edges), deduplicated, in CSR form
 * (kept: plan->dep_start, deps), and the edges grouped by
 * dependent stage (kept: plan->in_start, in_edges). The edges are grouped
 * already unless ONBUILD edges (at their parent's lines) made the graph
 * sort them; when they are, one pass over them groups them and keeps the
 * sources, where counting and placing them first (the sorted case) reads
 * a large graph's edges three times. */
static int collect_deps(stagegraph_plan *plan, sched *s, sgi_arena *scratch) {
  size_t n = plan->stage_count, edges = plan->edge_count;
  if (n >= UINT32_MAX || edges >= UINT32_MAX) return STAGEGRAPH_ENOMEM; /* never under 4 GiB */
  sidx *start = zeroed_sidx_array(&plan->arena, n + 1), *by_to = sidx_array(&plan->arena, edges);
  dep_sources d = {sidx_array(&plan->arena, edges), 0, NULL};
  s->dep_start = sidx_array(&plan->arena, n + 1);
  if (!start || !by_to || !d.deps || !s->dep_start) return STAGEGRAPH_ENOMEM;
  int grouped = !plan->edges_resorted;
  if (!grouped) {
    for (size_t e = 0; e < edges; e++) start[plan->edges[e].to + 1]++;
    for (size_t i = 0; i < n; i++) start[i + 1] += start[i];
    for (size_t e = 0; e < edges; e++) by_to[start[plan->edges[e].to]++] = (sidx)e;
    for (size_t i = n; i > 0; i--) start[i] = start[i - 1];
    start[0] = 0;
  }
  int rc = 0;
  for (size_t i = 0, e = 0; i < n && !rc; i++) {
    if (grouped) {
      start[i] = (sidx)e;
      for (; e < edges && plan->edges[e].to == i; e++) by_to[e] = (sidx)e;
    }
    s->dep_start[i] = d.count;
    /* a replaced stage is not built (its record is read only when the
     * plan has named contexts) */
    if (!plan->context_count || !plan->stages[i].context)
      rc = keep_sources(plan, &d, scratch, i, by_to, start[i], grouped ? e : start[i + 1]);
  }
  if (rc) return rc;
  start[n] = (sidx)edges;
  s->dep_start[n] = d.count;
  s->deps = d.deps;
  plan->in_start = start;
  plan->in_edges = by_to;
  return 0;
}

static void mark_needed(const stagegraph_plan *plan, sched *s, sidx *stack) {
  size_t top = 0;
  for (size_t t = 0; t < plan->target_count; t++) {
    size_t target = plan->targets[t];
    if (!s->needed[target]) {
      s->needed[target] = 1;
      stack[top++] = (sidx)target;
    }
  }
  while (top) {
    size_t i = stack[--top];
    for (size_t k = s->dep_start[i]; k < s->dep_start[i + 1]; k++) {
      size_t d = s->deps[k];
      if (!s->needed[d]) {
        s->needed[d] = 1;
        stack[top++] = (sidx)d;
      }
    }
  }
}

/* A binary min-heap of stage indices, for "ties by index". */
static void heap_push(sidx *heap, size_t *n, size_t v) {
  size_t i = (*n)++;
  heap[i] = (sidx)v;
  while (i && heap[(i - 1) / 2] > heap[i]) {
    size_t p = (i - 1) / 2;
    sidx t = heap[p];
    heap[p] = heap[i];
    heap[i] = t;
    i = p;
  }
}

static size_t heap_pop(sidx *heap, size_t *n) {
  size_t top = heap[0];
  heap[0] = heap[--(*n)];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < *n && heap[l] < heap[m]) m = l;
    if (r < *n && heap[r] < heap[m]) m = r;
    if (m == i) break;
    sidx t = heap[m];
    heap[m] = heap[i];
    heap[i] = t;
    i = m;
  }
  return top;
}

static int schedule_buildkit(stagegraph_plan *plan, sched *s, size_t needed, sgi_arena *scratch) {
  size_t n = s->n;
  sidx *indegree = zeroed_sidx_array(scratch, n), *heap = sidx_array(scratch, n);
  sidx *rstart = zeroed_sidx_array(scratch, n + 1), *radj;
  if (!indegree || !heap || !rstart) return STAGEGRAPH_ENOMEM;
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (!s->needed[i]) continue;
    for (size_t k = s->dep_start[i]; k < s->dep_start[i + 1]; k++) {
      rstart[s->deps[k] + 1]++;
      total++;
    }
    indegree[i] = s->dep_start[i + 1] - s->dep_start[i];
  }
  for (size_t i = 0; i < n; i++) rstart[i + 1] += rstart[i];
  radj = sidx_array(scratch, total);
  sidx *fill = sidx_array(scratch, n);
  if (!radj || !fill) return STAGEGRAPH_ENOMEM;
  memcpy(fill, rstart, n * sizeof *fill);
  for (size_t i = 0; i < n; i++) {
    if (!s->needed[i]) continue;
    for (size_t k = s->dep_start[i]; k < s->dep_start[i + 1]; k++) radj[fill[s->deps[k]]++] = (sidx)i;
  }
  size_t hn = 0, forced = 0;
  for (size_t i = 0; i < n; i++)
    if (s->needed[i] && indegree[i] == 0) heap_push(heap, &hn, i);
  while (plan->order_count < needed) {
    if (!hn) {
      /* A loop the cycle check does not see (through FROM, or ONBUILD
       * triggers): BuildKit dispatches in file order and fails at the
       * forward reference, so place the first remaining stage and let
       * dispatch report it. */
      while (forced < n && (!s->needed[forced] || s->wave[forced] != SGI_NO_WAVE)) forced++;
      indegree[forced] = 0;
      heap_push(heap, &hn, forced);
    }
    size_t i = heap_pop(heap, &hn);
    if (s->wave[i] != SGI_NO_WAVE) continue;
    plan->order[plan->order_count++] = i;
    sidx wave = 0;
    for (size_t k = s->dep_start[i]; k < s->dep_start[i + 1]; k++) {
      sidx dw = s->wave[s->deps[k]];
      if (dw != SGI_NO_WAVE && dw + 1 > wave) wave = dw + 1;
    }
    s->wave[i] = wave;
    for (size_t k = rstart[i]; k < rstart[i + 1]; k++)
      if (indegree[radj[k]] && --indegree[radj[k]] == 0) heap_push(heap, &hn, radj[k]);
  }
  return 0;
}

/* When every edge comes from an earlier stage (the usual case: a FROM
 * sees only earlier names), file order is the order schedule_buildkit
 * makes: once the needed stages before k are placed, the next needed
 * stage k has every dependency placed, so it is ready and the lowest
 * ready index. One pass then places the stages and their waves, without
 * the heap, whose O(log n) steps over a large graph's ready stages are
 * each a cache miss, and without the reverse adjacency. */
static void schedule_file_order(stagegraph_plan *plan, sched *s) {
  for (size_t i = 0; i < s->n; i++) {
    if (!s->needed[i]) continue;
    plan->order[plan->order_count++] = i;
    sidx wave = 0;
    for (size_t k = s->dep_start[i]; k < s->dep_start[i + 1]; k++) {
      sidx dw = s->wave[s->deps[k]]; /* placed: a needed stage's dependencies are needed */
      if (dw + 1 > wave) wave = dw + 1;
    }
    s->wave[i] = wave;
  }
}

/* The legacy builder builds every stage up to the last target, one at a
 * time. */
static void mark_legacy(const stagegraph_plan *plan, sched *s) {
  size_t last = 0;
  for (size_t t = 0; t < plan->target_count; t++)
    if (plan->targets[t] > last) last = plan->targets[t];
  for (size_t i = 0; i <= last; i++) s->needed[i] = 1;
}

static void schedule_legacy(stagegraph_plan *plan, sched *s) {
  for (size_t i = 0; i < s->n && s->needed[i]; i++) {
    s->wave[i] = (sidx)i;
    plan->order[plan->order_count++] = i;
  }
}

static int group_waves(stagegraph_plan *plan, const sched *s, sgi_arena *scratch) {
  size_t n = s->n, waves = 0;
  for (size_t i = 0; i < n; i++)
    if (s->needed[i] && s->wave[i] + 1 > waves) waves = s->wave[i] + 1;
  plan->wave_starts = zeroed_indices(&plan->arena, waves + 1);
  plan->wave_items = indices(&plan->arena, plan->order_count);
  if (!plan->wave_starts || !plan->wave_items) return STAGEGRAPH_ENOMEM;
  for (size_t i = 0; i < n; i++)
    if (s->needed[i]) plan->wave_starts[s->wave[i] + 1]++;
  for (size_t w = 0; w < waves; w++) plan->wave_starts[w + 1] += plan->wave_starts[w];
  size_t *fill = indices(scratch, waves);
  if (!fill) return STAGEGRAPH_ENOMEM;
  memcpy(fill, plan->wave_starts, waves * sizeof *fill);
  for (size_t i = 0; i < n; i++) /* file order inside a wave */
    if (s->needed[i]) plan->wave_items[fill[s->wave[i]]++] = i;
  plan->wave_count = waves;
  return 0;
}

/* The longest chain of dependent stages ending at a target: from the
 * target in the deepest wave, step to the dependency in the deepest wave
 * (ties by index) until a stage without dependencies. */
static int critical_path(stagegraph_plan *plan, const sched *s) {
  plan->critical = indices(&plan->arena, plan->wave_count);
  if (!plan->critical) return STAGEGRAPH_ENOMEM;
  if (plan->legacy) {
    memcpy(plan->critical, plan->order, plan->order_count * sizeof *plan->order);
    plan->critical_count = plan->order_count;
    return 0;
  }
  size_t cur = STAGEGRAPH_NONE;
  for (size_t t = 0; t < plan->target_count; t++) {
    size_t i = plan->targets[t];
    if (cur == STAGEGRAPH_NONE || s->wave[i] > s->wave[cur] || (s->wave[i] == s->wave[cur] && i < cur))
      cur = i;
  }
  size_t n = 0;
  while (cur != STAGEGRAPH_NONE) {
    plan->critical[n++] = cur;
    size_t next = STAGEGRAPH_NONE;
    for (size_t k = s->dep_start[cur]; k < s->dep_start[cur + 1]; k++) {
      size_t d = s->deps[k];
      if (s->wave[d] + 1 != s->wave[cur]) continue;
      if (next == STAGEGRAPH_NONE || d < next) next = d;
    }
    cur = next;
  }
  for (size_t i = 0; i < n / 2; i++) {
    size_t t = plan->critical[i];
    plan->critical[i] = plan->critical[n - 1 - i];
    plan->critical[n - 1 - i] = t;
  }
  plan->critical_count = n;
  return 0;
}

int sgi_plan_schedule(stagegraph_plan *plan, stagegraph_error *err) {
  size_t n = plan->stage_count;
  _Alignas(16) unsigned char storage[SGI_PLAN_SCRATCH_STORAGE];
  sgi_arena scratch;
  sgi_arena_init_storage(&scratch, &plan->mem, storage, sizeof storage);
  scratch.min_block = SGI_PLAN_SCRATCH_BLOCK;
  sched s = {n, NULL, NULL, sgi_arena_calloc(&plan->arena, n ? n : 1, 1),
             sidx_array(&plan->arena, n)};
  plan->needed = s.needed;
  plan->wave = s.wave;
  int rc = s.needed && s.wave ? collect_deps(plan, &s, &scratch) : STAGEGRAPH_ENOMEM;
  sidx *stack = rc ? NULL : sidx_array(&scratch, n);
  if (!rc && !stack) rc = STAGEGRAPH_ENOMEM;
  size_t needed = 0;
  if (!rc) {
    for (size_t i = 0; i < n; i++) s.wave[i] = SGI_NO_WAVE;
    if (plan->legacy)
      mark_legacy(plan, &s);
    else
      mark_needed(plan, &s, stack);
    /* the order and the pruned stages share one array: together they are
     * every stage */
    for (size_t i = 0; i < n; i++) needed += s.needed[i];
    if (!(plan->order = indices(&plan->arena, n))) rc = STAGEGRAPH_ENOMEM;
    else plan->pruned = plan->order + needed;
  }
  if (!rc && plan->unordered) {
    for (size_t i = 0; i < n; i++) plan->order[i] = i;
    plan->order_count = n;
  } else if (!rc) {
    if (plan->legacy)
      schedule_legacy(plan, &s);
    else if (!plan->edge_backward)
      schedule_file_order(plan, &s);
    else
      rc = schedule_buildkit(plan, &s, needed, &scratch);
    if (!rc) rc = group_waves(plan, &s, &scratch);
    if (!rc) rc = critical_path(plan, &s);
  }
  for (size_t i = 0; !rc && i < n; i++)
    if (!s.needed[i]) plan->pruned[plan->pruned_count++] = i;
  plan->dep_start = s.dep_start;
  plan->deps = s.deps;
  sgi_arena_free(&scratch);
  (void)err;
  return rc;
}

void sgi_plan_mark_closure(const stagegraph_plan *plan, size_t s, unsigned char *mark,
                           size_t *stack) {
  size_t top = 0;
  mark[s] = 1;
  stack[top++] = s;
  while (top) {
    size_t count;
    const uint32_t *deps = sgi_plan_deps(plan, stack[--top], &count);
    for (size_t k = 0; k < count; k++)
      if (!mark[deps[k]]) mark[deps[k]] = 1, stack[top++] = deps[k];
  }
}

int sgi_plan_spend(stagegraph_plan *plan, size_t bytes, stagegraph_error *err) {
  plan->expanded += bytes;
  if (plan->expanded <= plan->expansion_budget) return 0;
  return sgi_error_set(err, STAGEGRAPH_ELIMIT, NULL,
                       "variable expansion produced more than %zu bytes in all (the limit is 16 "
                       "times max_expansion_bytes plus 8 times the input)",
                       plan->expansion_budget);
}

int sgi_plan_word_unchanged(const char *word, size_t len, const sgi_expand_opts *opts) {
  return opts->mode == SGI_EXPAND_NORMAL && (!opts->max_bytes || len <= opts->max_bytes) &&
         !sgi_expand_changes(word, len, opts->escape);
}

int sgi_plan_expand_word(sgi_buf *out, const char *word, size_t len, const sgi_env *env,
                         const sgi_expand_opts *opts, stagegraph_error *err) {
  /* Unchanged, the word is the output: only the per-word limit can fail
   * it, and no name is looked up (so none is unset). */
  if (sgi_plan_word_unchanged(word, len, opts)) {
    if (len && sgi_buf_append(out, word, len))
      return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
    return 0;
  }
  return sgi_expand_word(out, word, len, env, opts, err);
}

/* ---- the plan object ------------------------------------------------------ */

static int add_contexts(stagegraph_plan *plan, const stagegraph_plan_options *opts,
                        stagegraph_error *err) {
  const char *const *ctx = POPT(opts, build_contexts, (const char *const *)NULL);
  size_t n = ctx ? POPT(opts, build_context_count, (size_t)0) : 0;
  if (!n) return 0;
  plan->context_keys = sgi_arena_calloc(&plan->arena, n, sizeof *plan->context_keys);
  plan->context_sources = sgi_arena_calloc(&plan->arena, n, sizeof *plan->context_sources);
  if (!plan->context_keys || !plan->context_sources) return STAGEGRAPH_ENOMEM;
  static const char *const schemes[] = {"docker-image://", "oci-layout://", "http://", "https://",
                                        "git://", "git@", "local:", "input:", "ssh://"};
  for (size_t i = 0; i < n; i++) {
    const char *c = ctx[i];
    const char *eq = c ? strchr(c, '=') : NULL;
    if (!eq || eq == c)
      return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL,
                           "invalid build context %s: expected name=source", c ? c : "(null)");
    const char *src = eq + 1;
    int known = 0;
    for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++)
      known |= strncmp(src, schemes[k], strlen(schemes[k])) == 0;
    if (!known)
      return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "unsupported context source %s for %.*s",
                           src, (int)(eq - c), c);
    stagegraph_error rerr = STAGEGRAPH_ERROR_INIT;
    const char *key;
    int rc = sgi_reference_context_key(&key, &plan->arena, c, (size_t)(eq - c), &rerr);
    if (rc == STAGEGRAPH_ENOMEM) return rc;
    if (rc)
      return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "invalid context name %.*s: %s",
                           (int)(eq - c), c, rerr.message);
    plan->context_keys[plan->context_count] = key;
    if (!(plan->context_sources[plan->context_count++] =
              sgi_arena_strndup(&plan->arena, src, strlen(src))))
      return STAGEGRAPH_ENOMEM;
  }
  return 0;
}

/* TARGETSTAGE: the --target as given, else the last stage's name, else
 * "default". */
static const char *target_stage(const stagegraph_doc *doc, const stagegraph_plan_options *opts) {
  const char *const *targets = POPT(opts, targets, (const char *const *)NULL);
  if (targets && POPT(opts, target_count, (size_t)0) && targets[0]) return targets[0];
  size_t n = stagegraph_doc_stage_count(doc);
  const char *last = n ? stagegraph_stage_name(stagegraph_doc_stage(doc, n - 1)) : NULL;
  return last && *last ? last : "default";
}

int stagegraph_plan_new(stagegraph_plan **out, const stagegraph_doc *doc,
                        const stagegraph_plan_options *opts, stagegraph_error *err) {
  return sgi_plan_build(out, doc, opts, 0, err);
}

/* Every stage a target: nothing is pruned. */
static int target_all(stagegraph_plan *plan) {
  plan->targets = indices(&plan->arena, plan->stage_count);
  if (!plan->targets) return STAGEGRAPH_ENOMEM;
  for (size_t i = 0; i < plan->stage_count; i++) {
    plan->targets[i] = i;
    plan->stages[i].target = 1;
  }
  plan->target_count = plan->stage_count;
  return 0;
}

int sgi_plan_build(stagegraph_plan **out, const stagegraph_doc *doc,
                   const stagegraph_plan_options *opts, int all_stages, stagegraph_error *err) {
  if (!out) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out must not be NULL");
  *out = NULL;
  if (!doc) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "doc must not be NULL");
  if (opts && opts->size == 0)
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "options.size is 0: initialise the options");
  int rc = stagegraph_doc_verdict(doc, err);
  if (rc) return rc;
  stagegraph_plan *plan = sgi_malloc(&doc->mem, sizeof *plan);
  if (!plan) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  memset(plan, 0, sizeof *plan);
  plan->doc = doc;
  plan->mem = doc->mem;
  sgi_arena_init(&plan->arena, &plan->mem);
  /* A plan holds about twice its input (the global scope's automatic args
   * are about 1 KiB): a small file's plan fits one small block. */
  if (doc->input_len < 4096) plan->arena.min_block = sgi_plan_block_for(1024 + 2 * doc->input_len);
  sgi_envmap_init(&plan->global, &plan->arena, &plan->mem);
  sgi_str_index_init_storage(&plan->names, &plan->mem, sgi_hash_seed(&plan->mem), plan->name_slots,
                             16, plan->name_pool, sizeof plan->name_pool);
  plan->legacy = POPT(opts, legacy, 0) != 0;
  plan->unordered = all_stages;
  plan->expansion_budget = 16 * doc->limits.max_expansion_bytes + 8 * doc->input_len;
  plan->stage_count = stagegraph_doc_stage_count(doc);
  plan->stages = sgi_arena_calloc(&plan->arena, plan->stage_count ? plan->stage_count : 1,
                                  sizeof *plan->stages);
  if (!plan->stages) rc = STAGEGRAPH_ENOMEM;
  if (!rc) rc = add_contexts(plan, opts, err);
  if (!rc) rc = sgi_graph_build(plan, target_stage(doc, opts), err);
  if (!rc) rc = all_stages ? target_all(plan) : sgi_plan_targets(plan, opts, err);
  sgi_str_index_free(&plan->names); /* the targets were its last use */
  if (!rc) rc = sgi_plan_schedule(plan, err);
  if (!rc) rc = sgi_dispatch(plan, err);
  if (rc) {
    if (rc == STAGEGRAPH_ENOMEM) sgi_error_set(err, rc, NULL, "out of memory");
    stagegraph_plan_free(plan);
    return rc;
  }
  *out = plan;
  return 0;
}

void stagegraph_plan_free(stagegraph_plan *plan) {
  if (!plan) return;
  /* Only stages with ONBUILD own parsed triggers, and only dispatched
   * (needed) stages have variables: on a large plan each stage record
   * read is a cache miss. */
  for (size_t i = 0; plan->stages && sgi_doc_onbuild_count(plan->doc) && i < plan->stage_count; i++)
    for (size_t t = 0; plan->stages[i].onbuilds && t < plan->stages[i].onbuilds->count; t++)
      stagegraph_doc_free(plan->stages[i].onbuilds->docs[t]);
  for (size_t k = 0; plan->final_env && plan->heap_scopes && k < plan->order_count; k++)
    sgi_scope_free(&plan->final_env[plan->order[k]]);
  sgi_envmap_free(&plan->global);
  sgi_str_index_free(&plan->names);
  sgi_mem mem = plan->mem;
  sgi_arena_free(&plan->arena);
  sgi_free(&mem, plan);
}

/* ---- accessors ------------------------------------------------------------------ */

const stagegraph_doc *stagegraph_plan_doc(const stagegraph_plan *p) { return p ? p->doc : NULL; }
int stagegraph_plan_is_legacy(const stagegraph_plan *p) { return p ? p->legacy : 0; }

static const sgi_plan_stage *pstage(const stagegraph_plan *p, size_t i) {
  return p && i < p->stage_count ? &p->stages[i] : NULL;
}

const char *stagegraph_plan_stage_base(const stagegraph_plan *p, size_t i) {
  return pstage(p, i) ? p->stages[i].base : NULL;
}
const char *stagegraph_plan_stage_platform(const stagegraph_plan *p, size_t i) {
  return pstage(p, i) ? p->stages[i].platform : NULL;
}
size_t stagegraph_plan_stage_parent(const stagegraph_plan *p, size_t i) {
  return pstage(p, i) ? p->stages[i].parent : STAGEGRAPH_NONE;
}
const stagegraph_image *stagegraph_plan_stage_image(const stagegraph_plan *p, size_t i) {
  return pstage(p, i) ? p->stages[i].image : NULL;
}
const char *stagegraph_plan_stage_context(const stagegraph_plan *p, size_t i) {
  return pstage(p, i) ? p->stages[i].context : NULL;
}
int stagegraph_plan_stage_needed(const stagegraph_plan *p, size_t i) {
  return pstage(p, i) ? p->needed[i] : 0;
}
size_t stagegraph_plan_stage_wave(const stagegraph_plan *p, size_t i) {
  return pstage(p, i) && p->wave[i] != SGI_NO_WAVE ? p->wave[i] : STAGEGRAPH_NONE;
}

const char *stagegraph_edge_kind_name(stagegraph_edge_kind kind) {
  switch (kind) {
  case STAGEGRAPH_EDGE_FROM: return "from";
  case STAGEGRAPH_EDGE_COPY: return "copy";
  case STAGEGRAPH_EDGE_MOUNT: return "mount";
  }
  return "";
}

size_t stagegraph_plan_edge_count(const stagegraph_plan *p) { return p ? p->edge_count : 0; }
const stagegraph_edge *stagegraph_plan_edge(const stagegraph_plan *p, size_t i) {
  return p && i < p->edge_count ? &p->edges[i] : NULL;
}
size_t stagegraph_edge_from(const stagegraph_edge *e) { return e ? e->from : STAGEGRAPH_NONE; }
size_t stagegraph_edge_to(const stagegraph_edge *e) { return e ? e->to : STAGEGRAPH_NONE; }
stagegraph_edge_kind stagegraph_edge_get_kind(const stagegraph_edge *e) {
  return e ? (stagegraph_edge_kind)e->kind : STAGEGRAPH_EDGE_FROM;
}
const stagegraph_instruction *stagegraph_edge_instruction(const stagegraph_edge *e) {
  return e ? e->ins : NULL;
}
int stagegraph_edge_onbuild(const stagegraph_edge *e) { return e ? e->onbuild : 0; }
const char *stagegraph_edge_reference(const stagegraph_edge *e) { return e ? e->reference : NULL; }

size_t stagegraph_plan_image_count(const stagegraph_plan *p) { return p ? p->image_count : 0; }
const stagegraph_image *stagegraph_plan_image(const stagegraph_plan *p, size_t i) {
  return p && i < p->image_count ? p->images[i] : NULL;
}
const char *stagegraph_image_ref(const stagegraph_image *m) { return m ? m->ref : NULL; }
const char *stagegraph_image_domain(const stagegraph_image *m) { return m ? m->parts.domain : NULL; }
const char *stagegraph_image_path(const stagegraph_image *m) { return m ? m->parts.path : NULL; }
const char *stagegraph_image_tag(const stagegraph_image *m) { return m ? m->parts.tag : NULL; }
const char *stagegraph_image_digest(const stagegraph_image *m) { return m ? m->parts.digest : NULL; }
const char *stagegraph_image_normalized(const stagegraph_image *m) {
  return m ? m->parts.normalized : NULL;
}
const char *stagegraph_image_familiar(const stagegraph_image *m) {
  return m ? m->parts.familiar : NULL;
}
const char *stagegraph_image_context(const stagegraph_image *m) { return m ? m->context : NULL; }
size_t stagegraph_image_use_count(const stagegraph_image *m) { return m ? m->use_count : 0; }
stagegraph_edge_kind stagegraph_image_use_kind(const stagegraph_image *m, size_t u) {
  return m && u < m->use_count ? m->uses[u].kind : STAGEGRAPH_EDGE_FROM;
}
size_t stagegraph_image_use_stage(const stagegraph_image *m, size_t u) {
  return m && u < m->use_count ? m->uses[u].stage : STAGEGRAPH_NONE;
}
uint32_t stagegraph_image_use_line(const stagegraph_image *m, size_t u) {
  return m && u < m->use_count ? m->uses[u].line : 0;
}

static const size_t *list(const size_t *items, size_t n, size_t *count) {
  if (count) *count = n;
  return items;
}

const size_t *stagegraph_plan_targets(const stagegraph_plan *p, size_t *count) {
  return p ? list(p->targets, p->target_count, count) : list(NULL, 0, count);
}
const size_t *stagegraph_plan_order(const stagegraph_plan *p, size_t *count) {
  return p ? list(p->order, p->order_count, count) : list(NULL, 0, count);
}
const size_t *stagegraph_plan_pruned(const stagegraph_plan *p, size_t *count) {
  return p ? list(p->pruned, p->pruned_count, count) : list(NULL, 0, count);
}
const size_t *stagegraph_plan_critical_path(const stagegraph_plan *p, size_t *count) {
  return p ? list(p->critical, p->critical_count, count) : list(NULL, 0, count);
}
size_t stagegraph_plan_wave_count(const stagegraph_plan *p) { return p ? p->wave_count : 0; }
const size_t *stagegraph_plan_wave(const stagegraph_plan *p, size_t w, size_t *count) {
  if (!p || w >= p->wave_count) return list(NULL, 0, count);
  return list(p->wave_items + p->wave_starts[w], p->wave_starts[w + 1] - p->wave_starts[w], count);
}

size_t stagegraph_plan_arg_count(const stagegraph_plan *p) { return p ? p->arg_count : 0; }
const char *stagegraph_plan_arg_name(const stagegraph_plan *p, size_t i) {
  return p && i < p->arg_count ? p->args[i].name : NULL;
}
const char *stagegraph_plan_arg_value(const stagegraph_plan *p, size_t i) {
  return p && i < p->arg_count ? p->args[i].value : NULL;
}
const char *stagegraph_plan_arg_description(const stagegraph_plan *p, size_t i) {
  return p && i < p->arg_count ? p->args[i].description : NULL;
}
uint32_t stagegraph_plan_arg_line(const stagegraph_plan *p, size_t i) {
  return p && i < p->arg_count ? p->args[i].line : 0;
}
size_t stagegraph_plan_secret_count(const stagegraph_plan *p) { return p ? p->secret_count : 0; }
const char *stagegraph_plan_secret_id(const stagegraph_plan *p, size_t i) {
  return p && i < p->secret_count ? p->secrets[i].id : NULL;
}
int stagegraph_plan_secret_required(const stagegraph_plan *p, size_t i) {
  return p && i < p->secret_count ? p->secrets[i].required : 0;
}
uint32_t stagegraph_plan_secret_line(const stagegraph_plan *p, size_t i) {
  return p && i < p->secret_count ? p->secrets[i].line : 0;
}
size_t stagegraph_plan_ssh_count(const stagegraph_plan *p) { return p ? p->ssh_count : 0; }
const char *stagegraph_plan_ssh_id(const stagegraph_plan *p, size_t i) {
  return p && i < p->ssh_count ? p->ssh[i].id : NULL;
}
int stagegraph_plan_ssh_required(const stagegraph_plan *p, size_t i) {
  return p && i < p->ssh_count ? p->ssh[i].required : 0;
}
uint32_t stagegraph_plan_ssh_line(const stagegraph_plan *p, size_t i) {
  return p && i < p->ssh_count ? p->ssh[i].line : 0;
}
