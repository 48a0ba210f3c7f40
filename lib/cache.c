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
#include <string.h>

#include "buf.h"
#include "envmap.h"
#include "expand.h"
#include "ignore.h"
#include "mount.h"
#include "plan.h"

typedef struct sgi_input {
  stagegraph_input_kind kind;
  const char *value;
  size_t stage; /* STAGE inputs: the stage index */
} sgi_input;

typedef struct cache_step {
  const stagegraph_instruction *ins;   /* what runs (a trigger's own instruction) */
  const stagegraph_instruction *shown; /* what the user sees (the ONBUILD for a trigger) */
  const sgi_ins_info *info;
  unsigned char onbuild, layer, linked, broad; /* flags */
  stagegraph_cache_status status;
  const char *reason;
  sgi_input *inputs;
  size_t input_count;
} cache_step;

typedef struct cache_stage {
  size_t index;
  cache_step *steps;
  size_t step_count;
  size_t boundary;
  uint32_t first_line;
  stagegraph_cache_status final; /* the worst layer status: what stages using it see */
  sgi_envmap args;               /* build args in scope at the end */
  sgi_envmap tainted;            /* variables whose value changed, at the end */
} cache_stage;

struct stagegraph_cache {
  const stagegraph_plan *plan;
  sgi_mem mem;
  sgi_arena arena;
  cache_stage *stages;
  size_t stage_count;
  size_t layer_count, surviving;
  sgi_patterns *ignore;
  size_t *position; /* stage index -> position in stages, STAGEGRAPH_NONE if absent */
  const char **changed_norm; /* the changed images, normalised (NULL when invalid) */
  size_t changed_norm_count;
  sgi_buf scratch; /* the throwaway output of refer's expansions */
  sgi_input *pending; /* the inputs of the step being built (heap) */
  size_t pending_cap;
};

/* The change being evaluated. */
typedef struct change {
  const char *const *paths;
  size_t path_count;
  const char *const *args;
  size_t arg_count;
  const char *const *images;
  size_t image_count;
  int ordinary_edit; /* synthetic: every broad context input changed */
} change;

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

static int in_list(const char *const *list, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (list[i] && strcmp(list[i], s) == 0) return 1;
  return 0;
}

/* Is the image `ref` among the changed ones, as written or normalised? */
static int image_changed(stagegraph_cache *c, const char *const *changed, size_t n, const char *ref) {
  if (in_list(changed, n, ref)) return 1;
  const char *norm = NULL;
  for (size_t i = 0; i < c->plan->image_count && !norm; i++)
    if (strcmp(c->plan->images[i]->ref, ref) == 0) norm = c->plan->images[i]->parts.normalized;
  if (!norm) return 0;
  for (size_t i = 0; i < n && i < c->changed_norm_count; i++)
    if (c->changed_norm[i] && strcmp(c->changed_norm[i], norm) == 0) return 1;
  return 0;
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
    for (size_t h = 0; h < ins->heredoc_count && !rc; h++)
      if (ins->heredocs[h].expand && ins->kind != STAGEGRAPH_KIND_RUN)
        rc = refer(n, ins->heredocs[h].content, ins->heredocs[h].content_len, '\\');
    break;
  case STAGEGRAPH_KIND_RUN:
    for (size_t k = 0; !rc; k++) {
      const char *m = stagegraph_instruction_flag_value(ins, "mount", k);
      if (!m) break;
      rc = refer(n, m, strlen(m), esc);
    }
    break;
  default: break;
  }
  static const char *const flags[] = {"chown", "chmod", "checksum"};
  for (size_t f = 0; f < 3 && !rc; f++) {
    const char *v = stagegraph_instruction_flag_value(ins, flags[f], 0);
    if (v) rc = refer(n, v, strlen(v), esc);
  }
  return rc;
}

/* A step's inputs are gathered in c->pending (s->input_count of them),
 * then kept at their final size. The values are not copied: they belong to
 * the plan, its document or this model's arena, which all outlive it. */
static int add_input(stagegraph_cache *c, cache_step *s, stagegraph_input_kind kind,
                     const char *value) {
  for (size_t i = 0; i < s->input_count; i++)
    if (c->pending[i].kind == kind && strcmp(c->pending[i].value, value) == 0) return 0;
  if (s->input_count == c->pending_cap) {
    size_t cap = c->pending_cap ? c->pending_cap * 2 : 16, bytes;
    sgi_input *in;
    if (!sgi_mul_ok(cap, sizeof *in, &bytes) || !(in = sgi_realloc(&c->mem, c->pending, bytes)))
      return STAGEGRAPH_ENOMEM;
    c->pending = in;
    c->pending_cap = cap;
  }
  sgi_input *in = &c->pending[s->input_count++];
  in->kind = kind;
  in->value = value;
  in->stage = 0;
  return 0;
}

static int add_stage_input(stagegraph_cache *c, cache_step *s, size_t stage) {
  int rc = add_input(c, s, STAGEGRAPH_INPUT_STAGE, c->plan->stages[stage].display);
  if (!rc) c->pending[s->input_count - 1].stage = stage;
  return rc;
}

static int keep_inputs(stagegraph_cache *c, cache_step *s) {
  if (!s->input_count) return 0;
  if (!(s->inputs = sgi_arena_alloc(&c->arena, s->input_count * sizeof *s->inputs)))
    return STAGEGRAPH_ENOMEM; /* fits: pending holds as many */
  memcpy(s->inputs, c->pending, s->input_count * sizeof *s->inputs);
  return 0;
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

/* The stage a --from / from= names, or STAGEGRAPH_NONE. */
static size_t stage_named(const stagegraph_plan *p, const stagegraph_instruction *at, size_t stage,
                          stagegraph_edge_kind kind, const char *ref) {
  const stagegraph_edge *e = sgi_plan_edge_at(p, NULL, at, stage, kind, ref);
  return e ? e->from : STAGEGRAPH_NONE;
}

/* ---- building the steps ------------------------------------------------------ */

static int build_step_inputs(stagegraph_cache *c, size_t s, cache_step *st, const sgi_envmap *args) {
  const stagegraph_plan *p = c->plan;
  const stagegraph_instruction *ins = st->ins;
  int rc = 0;
  if (ins->kind == STAGEGRAPH_KIND_COPY || ins->kind == STAGEGRAPH_KIND_ADD) {
    const char *from = stagegraph_instruction_flag_value(ins, "from", 0);
    if (from) {
      size_t src = stage_named(p, st->shown, s, STAGEGRAPH_EDGE_COPY, from);
      rc = src != STAGEGRAPH_NONE ? add_stage_input(c, st, src)
                                  : add_input(c, st, STAGEGRAPH_INPUT_IMAGE, from);
    } else if (st->info && st->info->word_count) {
      for (size_t i = 0; i + 1 < st->info->word_count && !rc; i++) {
        const char *w = st->info->words[i];
        if (ins->kind == STAGEGRAPH_KIND_ADD && is_remote(w)) {
          rc = add_input(c, st, STAGEGRAPH_INPUT_REMOTE, w);
        } else {
          rc = add_input(c, st, STAGEGRAPH_INPUT_CONTEXT, w);
          st->broad |= is_broad(w);
        }
      }
    }
    const char *link = stagegraph_instruction_flag_value(ins, "link", 0);
    st->linked = link && strcmp(link, "true") == 0 && !stagegraph_instruction_flag_value(ins, "chmod", 0);
  } else if (ins->kind == STAGEGRAPH_KIND_RUN) {
    for (size_t k = 0; !rc; k++) {
      const char *m = stagegraph_instruction_flag_value(ins, "mount", k);
      if (!m) break;
      const char *type = NULL, *from = NULL, *source = NULL;
      if ((rc = sgi_mount_field(&c->arena, m, "type", &type)) ||
          (rc = sgi_mount_field(&c->arena, m, "from", &from)) ||
          (rc = sgi_mount_field(&c->arena, m, "source", &source)))
        break;
      if (!source && (rc = sgi_mount_field(&c->arena, m, "src", &source))) break;
      if (type && strcmp(type, "bind") != 0) continue;
      if (from && *from) {
        size_t src = stage_named(p, st->shown, s, STAGEGRAPH_EDGE_MOUNT, from);
        rc = src != STAGEGRAPH_NONE ? add_stage_input(c, st, src)
                                    : add_input(c, st, STAGEGRAPH_INPUT_IMAGE, from);
      } else {
        const char *path = source && *source ? source : ".";
        rc = add_input(c, st, STAGEGRAPH_INPUT_CONTEXT, path);
        st->broad |= is_broad(path);
      }
    }
    /* every build arg in scope is part of RUN's environment (the report
     * lists the first 32; the model uses them all) */
    size_t listed = 0;
    for (const sgi_envvar *v = sgi_envmap_next(args, NULL); v && !rc && listed < 32;
         v = sgi_envmap_next(args, v), listed++)
      rc = add_input(c, st, STAGEGRAPH_INPUT_ARG, sgi_envvar_name(v));
  }
  if (rc) return rc;
  /* build args an instruction expands */
  names_seen n = {c, NULL, 0, 0, 0, {0}};
  if ((rc = instruction_refs(c, ins, &n))) return rc;
  for (size_t i = 0; i < n.count && !rc; i++)
    if (sgi_envmap_get(args, n.names[i], strlen(n.names[i]), NULL, NULL))
      rc = add_input(c, st, STAGEGRAPH_INPUT_ARG, n.names[i]);
  return rc ? rc : keep_inputs(c, st);
}

/* Declared build args: ARG names, and global ARGs re-declared. */
static int declare_args(const stagegraph_instruction *ins, sgi_envmap *args) {
  if (ins->kind != STAGEGRAPH_KIND_ARG) return 0;
  for (size_t i = 0; i < ins->arg_count; i++) {
    const char *w = ins->args[i].ptr;
    const char *eq = strchr(w, '=');
    int rc = sgi_envmap_set(args, w, eq ? (size_t)(eq - w) : strlen(w), "", 0);
    if (rc) return rc;
  }
  return 0;
}

static int build_stage(stagegraph_cache *c, size_t order_pos, cache_stage *cs) {
  const stagegraph_plan *p = c->plan;
  size_t s = p->order[order_pos];
  const sgi_plan_stage *ps = &p->stages[s];
  const stagegraph_stage *st = stagegraph_doc_stage(p->doc, s);
  cs->index = s;
  cs->boundary = STAGEGRAPH_NONE;
  sgi_envmap_init(&cs->args, &c->arena, &c->mem);
  sgi_envmap_init(&cs->tainted, &c->arena, &c->mem);
  size_t n = 1 + (ps->context ? 0 : sgi_plan_trigger_count(ps) + stagegraph_stage_instruction_count(st));
  cs->steps = sgi_arena_calloc(&c->arena, n, sizeof *cs->steps);
  if (!cs->steps) return STAGEGRAPH_ENOMEM;
  /* args in scope start with the parent's */
  sgi_envmap args;
  sgi_envmap_init(&args, &c->arena, &c->mem);
  int rc = 0;
  if (ps->parent != STAGEGRAPH_NONE && c->position[ps->parent] < order_pos)
    rc = sgi_envmap_copy(&args, &c->stages[c->position[ps->parent]].args);
  cache_step *from = &cs->steps[cs->step_count++];
  from->ins = from->shown = stagegraph_stage_from(st);
  if (!rc && ps->parent != STAGEGRAPH_NONE)
    rc = add_stage_input(c, from, ps->parent);
  else if (!rc && ps->image)
    rc = add_input(c, from, STAGEGRAPH_INPUT_IMAGE, ps->image->ref);
  if (!rc) {
    /* global args the FROM line uses */
    names_seen names = {c, NULL, 0, 0, 0, {0}};
    rc = refer(&names, stagegraph_stage_base(st), strlen(stagegraph_stage_base(st)), p->doc->escape);
    if (!rc && stagegraph_stage_platform(st))
      rc = refer(&names, stagegraph_stage_platform(st), strlen(stagegraph_stage_platform(st)),
                 p->doc->escape);
    for (size_t i = 0; i < names.count && !rc; i++)
      rc = add_input(c, from, STAGEGRAPH_INPUT_ARG, names.names[i]);
    if (!rc) rc = keep_inputs(c, from);
  }
  if (ps->context) {
    sgi_envmap_free(&args);
    return rc;
  }
  for (size_t t = 0; t < sgi_plan_trigger_count(ps) && !rc; t++) {
    cache_step *step = &cs->steps[cs->step_count++];
    step->ins = ps->triggers->docs[t]->instructions[0];
    step->shown = ps->triggers->owners[t];
    step->info = &ps->triggers->info[t];
    step->onbuild = 1;
    if (!(rc = declare_args(step->ins, &args))) rc = build_step_inputs(c, s, step, &args);
  }
  for (size_t i = 0; i < stagegraph_stage_instruction_count(st) && !rc; i++) {
    cache_step *step = &cs->steps[cs->step_count++];
    step->ins = step->shown = stagegraph_stage_instruction(st, i);
    step->info = &p->info[step->ins->index];
    if (!(rc = declare_args(step->ins, &args))) rc = build_step_inputs(c, s, step, &args);
  }
  for (size_t k = 1; k < cs->step_count; k++) {
    cache_step *step = &cs->steps[k];
    stagegraph_kind kind = step->ins->kind;
    step->layer = kind == STAGEGRAPH_KIND_RUN || kind == STAGEGRAPH_KIND_COPY ||
                  kind == STAGEGRAPH_KIND_ADD || (kind == STAGEGRAPH_KIND_WORKDIR && !(step->info && step->info->root));
    if (step->broad && cs->boundary == STAGEGRAPH_NONE) cs->boundary = k;
  }
  if (!rc) rc = sgi_envmap_copy(&cs->args, &args);
  sgi_envmap_free(&args);
  return rc;
}

/* ---- evaluating a change ---------------------------------------------------- */

typedef struct evaluation {
  stagegraph_cache *c;
  const change *chg;
  sgi_buf reason;
  int record; /* store statuses and reasons in the steps */
} evaluation;

static stagegraph_cache_status worse(stagegraph_cache_status a, stagegraph_cache_status b) {
  return a > b ? a : b;
}

static int parents_source(const stagegraph_instruction *ins) {
  const char *v = stagegraph_instruction_flag_value(ins, "parents", 0);
  return v && strcmp(v, "true") == 0;
}

/* COPY --parents: BuildKit splits the source at "/./" and matches the whole
 * path as a .dockerignore-style pattern, where "**" spans directories. */
static int parents_covers(stagegraph_cache *c, const char *src, const char *path) {
  sgi_buf pattern;
  sgi_buf_init(&pattern, &c->mem);
  const char *mark = strstr(src, "/./");
  if (mark) {
    sgi_buf_append(&pattern, src, (size_t)(mark - src));
    sgi_buf_puts(&pattern, mark + 2);
  } else {
    sgi_buf_puts(&pattern, strncmp(src, "./", 2) == 0 ? src + 2 : src);
  }
  if (pattern.failed) {
      sgi_buf_free(&pattern);
      return STAGEGRAPH_ENOMEM;
    }
  const char *text = pattern.ptr;
  sgi_patterns *p = NULL;
  int hit = sgi_patterns_compile(&p, &c->mem, &text, 1, NULL);
  if (hit == 0) {
    hit = sgi_patterns_walk_matches(p, path, strlen(path), 0);
    if (hit != STAGEGRAPH_ENOMEM) hit = hit == 1;
  } else if (hit != STAGEGRAPH_ENOMEM) {
    hit = 0; /* a pattern BuildKit would reject reads nothing */
  }
  sgi_patterns_free(p);
  sgi_buf_free(&pattern);
  return hit;
}

/* Does a changed path reach a context input? Ignored paths do not exist
 * for the build. */
static int context_changed(evaluation *ev, const cache_step *st, const char *src,
                           const char **which) {
  stagegraph_cache *c = ev->c;
  if (ev->chg->ordinary_edit) return is_broad(src);
  for (size_t i = 0; i < ev->chg->path_count; i++) {
    const char *path = ev->chg->paths[i];
    if (!path) continue;
    if (c->ignore) {
      int ignored = sgi_patterns_walk_matches(c->ignore, path, strlen(path), 1);
      if (ignored == STAGEGRAPH_ENOMEM) return ignored;
      if (ignored == 1) continue;
    }
    int hit = parents_source(st->ins) ? parents_covers(c, src, path)
                                      : sgi_path_covered_by_source(&c->mem, src, strlen(src), path,
                                                                   strlen(path));
    if (hit < 0) return hit;
    if (!hit) continue;
    /* COPY --exclude patterns, as one list, match the path relative to the
     * source's root (never the root itself) */
    int excluded = 0;
    const char *ex[32];
    size_t nex = 0;
    while (nex < 32 && (ex[nex] = stagegraph_instruction_flag_value(st->ins, "exclude", nex))) nex++;
    if (nex) {
      size_t depth = 0;
      sgi_patterns *pat = NULL;
      int root = sgi_path_source_root(&c->mem, src, strlen(src), path, strlen(path), &depth);
      int comp = root == 1 ? sgi_patterns_compile(&pat, &c->mem, ex, nex, NULL) : 0;
      if (root == STAGEGRAPH_ENOMEM || comp == STAGEGRAPH_ENOMEM) {
        sgi_patterns_free(pat);
        return STAGEGRAPH_ENOMEM;
      }
      if (root == 1 && comp == 0) {
        char clean[1024];
        size_t plen = strlen(path);
        if (plen < sizeof clean - 2) {
          sgi_path_clean(clean, path, plen);
          const char *rest = clean[0] == '/' ? clean + 1 : clean;
          for (size_t d = 0; d < depth && *rest; d++) {
            const char *slash = strchr(rest, '/');
            rest = slash ? slash + 1 : rest + strlen(rest);
          }
          if (*rest) {
            int m = sgi_patterns_walk_matches(pat, rest, strlen(rest), 0);
            if (m == STAGEGRAPH_ENOMEM) {
              sgi_patterns_free(pat);
              return m;
            }
            excluded = m == 1;
          }
        }
      }
      sgi_patterns_free(pat);
    }
    if (excluded) continue;
    *which = path;
    return 1;
  }
  return 0;
}

/* The result of a stage evaluated before position `upto`, or NULL. */
static const cache_stage *stage_result(const stagegraph_cache *c, size_t upto, size_t stage) {
  size_t pos = c->position[stage];
  return pos < upto ? &c->stages[pos] : NULL;
}

/* The step's own inputs: what would change its key by itself. Returns 0
 * or STAGEGRAPH_ENOMEM; the status goes to *out. */
static int own_status(evaluation *ev, size_t pos, const cache_step *st, const sgi_envmap *tainted,
                      sgi_buf *why, stagegraph_cache_status *out) {
  stagegraph_cache *c = ev->c;
  stagegraph_cache_status status = STAGEGRAPH_CACHED;
  for (size_t i = 0; i < st->input_count; i++) {
    const sgi_input *in = &st->inputs[i];
    switch (in->kind) {
    case STAGEGRAPH_INPUT_CONTEXT: {
      const char *path = NULL;
      int hit = context_changed(ev, st, in->value, &path);
      if (hit < 0) return STAGEGRAPH_ENOMEM;
      if (hit > 0) {
        if (status < STAGEGRAPH_INVALIDATED) {
          sgi_buf_clear(why);
          if (ev->chg->ordinary_edit)
            sgi_buf_printf(why, "a source edit changes \"%s\"", in->value);
          else
            sgi_buf_printf(why, "changed file \"%s\" is read by source \"%s\"", path, in->value);
        }
        status = STAGEGRAPH_INVALIDATED;
      }
      break;
    }
    case STAGEGRAPH_INPUT_STAGE: {
      const cache_stage *src = stage_result(c, pos, in->stage);
      if (src && src->final != STAGEGRAPH_CACHED && status < STAGEGRAPH_MAYBE) {
        sgi_buf_clear(why);
        sgi_buf_printf(why, "stage \"%s\" rebuilt: its files are compared by content", in->value);
        status = STAGEGRAPH_MAYBE;
      }
      break;
    }
    case STAGEGRAPH_INPUT_IMAGE:
      if (st->ins->kind != STAGEGRAPH_KIND_FROM &&
          image_changed(c, ev->chg->images, ev->chg->image_count, in->value) && status < STAGEGRAPH_MAYBE) {
        sgi_buf_clear(why);
        sgi_buf_printf(why, "image \"%s\" changed: its files are compared by content", in->value);
        status = STAGEGRAPH_MAYBE;
      }
      break;
    case STAGEGRAPH_INPUT_ARG:
      if (st->ins->kind != STAGEGRAPH_KIND_FROM &&
          sgi_envmap_get(tainted, in->value, strlen(in->value), NULL, NULL)) {
        if (status < STAGEGRAPH_INVALIDATED) {
          sgi_buf_clear(why);
          sgi_buf_printf(why, "build arg %s changed", in->value);
        }
        status = STAGEGRAPH_INVALIDATED;
      }
      break;
    case STAGEGRAPH_INPUT_REMOTE:
      if (!stagegraph_instruction_flag_value(st->ins, "checksum", 0) && !ev->chg->ordinary_edit &&
          status < STAGEGRAPH_MAYBE) {
        sgi_buf_clear(why);
        sgi_buf_printf(why, "remote source %s is checked again every build", in->value);
        status = STAGEGRAPH_MAYBE;
      }
      break;
    }
  }
  /* RUN's key includes every variable in its environment */
  if (st->ins->kind == STAGEGRAPH_KIND_RUN && status < STAGEGRAPH_INVALIDATED) {
    const sgi_envvar *v = sgi_envmap_next(tainted, NULL);
    if (v) {
      sgi_buf_clear(why);
      sgi_buf_printf(why, "the environment changed (%s)", sgi_envvar_name(v));
      status = STAGEGRAPH_INVALIDATED;
    }
  }
  *out = status;
  return why->failed ? STAGEGRAPH_ENOMEM : 0;
}

/* ARG and ENV change which variables carry a changed value. */
static int update_taint(evaluation *ev, const cache_step *st, sgi_envmap *tainted,
                        const sgi_envmap *global_tainted) {
  const stagegraph_instruction *ins = st->ins;
  char esc = ev->c->plan->doc->escape;
  int rc = 0;
  if (ins->kind == STAGEGRAPH_KIND_ARG) {
    for (size_t i = 0; i < ins->arg_count && !rc; i++) {
      const char *w = ins->args[i].ptr;
      const char *eq = strchr(w, '=');
      size_t klen = eq ? (size_t)(eq - w) : strlen(w);
      char key[256];
      if (klen >= sizeof key) continue;
      memcpy(key, w, klen);
      key[klen] = '\0';
      int t = in_list(ev->chg->args, ev->chg->arg_count, key);
      if (!t && eq) {
        names_seen n = {ev->c, NULL, 0, 0, 0, {0}};
        if ((rc = refer(&n, eq + 1, strlen(eq + 1), esc))) return rc;
        for (size_t k = 0; k < n.count && !t; k++)
          t = sgi_envmap_get(tainted, n.names[k], strlen(n.names[k]), NULL, NULL);
      } else if (!t) {
        t = sgi_envmap_get(global_tainted, key, klen, NULL, NULL);
      }
      if (t)
        rc = sgi_envmap_set(tainted, key, klen, "", 0);
      else if (eq)
        sgi_envmap_remove(tainted, key, klen); /* a fresh, unchanged value */
    }
  } else if (ins->kind == STAGEGRAPH_KIND_ENV) {
    /* all pairs see the variables as they were before the instruction */
    size_t pairs = ins->arg_count / 3;
    unsigned char mark[64] = {0};
    for (size_t i = 0; i < pairs && i < 64 && !rc; i++) {
      names_seen n = {ev->c, NULL, 0, 0, 0, {0}};
      if ((rc = refer(&n, ins->args[3 * i + 1].ptr, ins->args[3 * i + 1].len, esc))) return rc;
      for (size_t k = 0; k < n.count; k++)
        mark[i] |= sgi_envmap_get(tainted, n.names[k], strlen(n.names[k]), NULL, NULL);
    }
    for (size_t i = 0; i < pairs && i < 64 && !rc; i++) {
      /* ENV replaces the variable: changed only if its new value is */
      if (mark[i])
        rc = sgi_envmap_set(tainted, ins->args[3 * i].ptr, ins->args[3 * i].len, "", 0);
      else
        sgi_envmap_remove(tainted, ins->args[3 * i].ptr, ins->args[3 * i].len);
    }
  }
  return rc;
}

/* Global ARGs whose value changes: changed build args, and meta ARGs whose
 * default refers to one. */
static int global_taint(evaluation *ev, sgi_envmap *out) {
  const stagegraph_doc *doc = ev->c->plan->doc;
  for (size_t i = 0; i < stagegraph_doc_meta_arg_count(doc); i++) {
    const stagegraph_instruction *ins = stagegraph_doc_meta_arg(doc, i);
    cache_step fake;
    memset(&fake, 0, sizeof fake);
    fake.ins = ins;
    int rc = update_taint(ev, &fake, out, out);
    if (rc) return rc;
  }
  /* automatic args changed as build args */
  for (size_t i = 0; i < ev->chg->arg_count; i++) {
    const char *a = ev->chg->args[i];
    if (a && strncmp(a, "TARGET", 6) == 0 && sgi_envmap_set(out, a, strlen(a), "", 0))
      return STAGEGRAPH_ENOMEM;
    if (a && strncmp(a, "BUILD", 5) == 0 && sgi_envmap_set(out, a, strlen(a), "", 0))
      return STAGEGRAPH_ENOMEM;
  }
  return 0;
}

static int set_reason(evaluation *ev, cache_step *st, const sgi_buf *why) {
  if (why->failed) return STAGEGRAPH_ENOMEM;
  if (!ev->record) return 0;
  st->reason = NULL;
  if (st->status == STAGEGRAPH_CACHED) return 0;
  st->reason = sgi_arena_strndup(&ev->c->arena, why->ptr ? why->ptr : "", why->len);
  return st->reason ? 0 : STAGEGRAPH_ENOMEM;
}

/* Walk the stages in build order under one change. */
static int evaluate(evaluation *ev, size_t *layers, size_t *cached_layers) {
  stagegraph_cache *c = ev->c;
  const stagegraph_plan *p = c->plan;
  sgi_envmap global;
  sgi_envmap_init(&global, &c->arena, &c->mem);
  int rc = global_taint(ev, &global);
  sgi_buf why;
  sgi_buf_init(&why, &c->mem);
  *layers = *cached_layers = 0;
  for (size_t pos = 0; pos < c->stage_count && !rc; pos++) {
    cache_stage *cs = &c->stages[pos];
    const sgi_plan_stage *ps = &p->stages[cs->index];
    sgi_envmap_free(&cs->tainted);
    sgi_envmap_init(&cs->tainted, &c->arena, &c->mem);
    stagegraph_cache_status chain = STAGEGRAPH_CACHED;
    /* FROM */
    cache_step *from = &cs->steps[0];
    sgi_buf_clear(&why);
    if (ps->parent != STAGEGRAPH_NONE) {
      const cache_stage *parent = stage_result(c, pos, ps->parent);
      if (parent) {
        if (parent->final != STAGEGRAPH_CACHED) {
          chain = parent->final;
          sgi_buf_printf(&why, "parent stage \"%s\" rebuilt", p->stages[ps->parent].display);
        }
        rc = sgi_envmap_copy(&cs->tainted, &parent->tainted);
      }
    } else if (ps->image && (image_changed(c, ev->chg->images, ev->chg->image_count, ps->image->ref) ||
                             in_list(ev->chg->images, ev->chg->image_count, ps->image->parts.familiar))) {
      chain = STAGEGRAPH_INVALIDATED;
      sgi_buf_printf(&why, "base image %s changed", ps->image->ref);
    }
    for (size_t i = 0; i < from->input_count && chain < STAGEGRAPH_INVALIDATED; i++) {
      const sgi_input *in = &from->inputs[i];
      if (in->kind == STAGEGRAPH_INPUT_ARG && sgi_envmap_get(&global, in->value, strlen(in->value), NULL, NULL)) {
        chain = STAGEGRAPH_INVALIDATED;
        sgi_buf_clear(&why);
        sgi_buf_printf(&why, "global build arg %s used in FROM changed", in->value);
      }
    }
    if (ev->record) {
      from->status = chain;
      if ((rc = set_reason(ev, from, &why))) break;
    }
    uint32_t first = chain != STAGEGRAPH_CACHED ? from->shown->start_line : 0;
    uint32_t chain_line = first;
    for (size_t k = 1; k < cs->step_count && !rc; k++) {
      cache_step *st = &cs->steps[k];
      sgi_buf_clear(&why);
      stagegraph_cache_status own;
      if ((rc = own_status(ev, pos, st, &cs->tainted, &why, &own))) break;
      stagegraph_cache_status status = own;
      if (!(st->layer && st->linked) && chain > status) {
        status = chain;
        sgi_buf_clear(&why);
        sgi_buf_printf(&why, "an earlier step rebuilt (line %u)", chain_line);
      }
      if (st->layer) {
        (*layers)++;
        *cached_layers += status == STAGEGRAPH_CACHED;
        if (status > chain) chain_line = st->shown->start_line; /* the step that made it worse */
        chain = worse(chain, status);
      }
      if (!first && status != STAGEGRAPH_CACHED) first = st->shown->start_line;
      if (ev->record) {
        st->status = status;
        if ((rc = set_reason(ev, st, &why))) break;
      }
      if (!rc) rc = update_taint(ev, st, &cs->tainted, &global);
    }
    cs->final = chain;
    if (ev->record) cs->first_line = first;
  }
  sgi_buf_free(&why);
  sgi_envmap_free(&global);
  return rc;
}

/* ---- the object ------------------------------------------------------------ */

int stagegraph_cache_new(stagegraph_cache **out, const stagegraph_plan *plan,
                         const stagegraph_cache_options *opts, stagegraph_error *err) {
  if (!out) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out must not be NULL");
  *out = NULL;
  if (!plan) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "plan must not be NULL");
  if (opts && opts->size == 0)
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "options.size is 0: initialise the options");
  stagegraph_cache *c = sgi_malloc(&plan->mem, sizeof *c);
  if (!c) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  memset(c, 0, sizeof *c);
  c->plan = plan;
  c->mem = plan->mem;
  sgi_arena_init(&c->arena, &c->mem);
  /* about one byte per input byte: a small file's model fits one small block */
  if (plan->doc->input_len < 8192) c->arena.min_block = sgi_plan_block_for(plan->doc->input_len);
  sgi_buf_init(&c->scratch, &c->mem);
  int rc = 0;
  const char *ignore = COPT(opts, dockerignore, (const char *)NULL);
  if (ignore) rc = sgi_ignore_parse(&c->ignore, &c->mem, ignore, COPT(opts, dockerignore_len, (size_t)0), err);
  /* the needed stages in build order, context-replaced ones included */
  c->stages = sgi_arena_calloc(&c->arena, plan->order_count ? plan->order_count : 1, sizeof *c->stages);
  c->position = sgi_arena_calloc(&c->arena, plan->stage_count ? plan->stage_count : 1, sizeof *c->position);
  if (!rc && (!c->stages || !c->position)) rc = STAGEGRAPH_ENOMEM;
  for (size_t i = 0; !rc && i < plan->stage_count; i++) c->position[i] = STAGEGRAPH_NONE;
  for (size_t i = 0; !rc && i < plan->order_count; i++) c->position[plan->order[i]] = i;
  for (size_t i = 0; i < plan->order_count && !rc; i++) {
    rc = build_stage(c, i, &c->stages[i]);
    c->stage_count = i + 1;
  }
  change chg = {COPT(opts, changed_paths, (const char *const *)NULL), COPT(opts, changed_path_count, (size_t)0),
                COPT(opts, changed_args, (const char *const *)NULL), COPT(opts, changed_arg_count, (size_t)0),
                COPT(opts, changed_images, (const char *const *)NULL), COPT(opts, changed_image_count, (size_t)0),
                0};
  if (!chg.paths) chg.path_count = 0;
  if (!chg.args) chg.arg_count = 0;
  if (!chg.images) chg.image_count = 0;
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
  }
  size_t layers, cached;
  if (!rc) {
    /* an ordinary source edit, for the summary */
    change edit = {NULL, 0, NULL, 0, NULL, 0, 1};
    evaluation ev = {c, &edit, {0}, 0};
    rc = evaluate(&ev, &layers, &cached);
    c->layer_count = layers;
    c->surviving = cached;
  }
  if (!rc) {
    evaluation ev = {c, &chg, {0}, 1};
    rc = evaluate(&ev, &layers, &cached);
  }
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
  for (size_t i = 0; i < c->stage_count; i++) {
    sgi_envmap_free(&c->stages[i].args);
    sgi_envmap_free(&c->stages[i].tainted);
  }
  sgi_patterns_free(c->ignore);
  sgi_buf_free(&c->scratch);
  sgi_free(&c->mem, c->pending);
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

const stagegraph_plan *stagegraph_cache_plan(const stagegraph_cache *c) { return c ? c->plan : NULL; }
size_t stagegraph_cache_stage_count(const stagegraph_cache *c) { return c ? c->stage_count : 0; }
size_t stagegraph_cache_stage(const stagegraph_cache *c, size_t i) {
  return cstage(c, i) ? c->stages[i].index : STAGEGRAPH_NONE;
}
uint32_t stagegraph_cache_first_invalidated(const stagegraph_cache *c, size_t i) {
  return cstage(c, i) ? c->stages[i].first_line : 0;
}
size_t stagegraph_cache_boundary(const stagegraph_cache *c, size_t i) {
  return cstage(c, i) ? c->stages[i].boundary : STAGEGRAPH_NONE;
}
size_t stagegraph_cache_instruction_count(const stagegraph_cache *c, size_t i) {
  return cstage(c, i) ? c->stages[i].step_count : 0;
}
const stagegraph_instruction *stagegraph_cache_instruction(const stagegraph_cache *c, size_t i,
                                                           size_t k) {
  return cstep(c, i, k) ? cstep(c, i, k)->shown : NULL;
}
int stagegraph_cache_instruction_onbuild(const stagegraph_cache *c, size_t i, size_t k) {
  return cstep(c, i, k) ? cstep(c, i, k)->onbuild : 0;
}
int stagegraph_cache_instruction_layer(const stagegraph_cache *c, size_t i, size_t k) {
  return cstep(c, i, k) ? cstep(c, i, k)->layer : 0;
}
int stagegraph_cache_instruction_linked(const stagegraph_cache *c, size_t i, size_t k) {
  return cstep(c, i, k) ? cstep(c, i, k)->linked : 0;
}
stagegraph_cache_status stagegraph_cache_instruction_status(const stagegraph_cache *c, size_t i,
                                                            size_t k) {
  return cstep(c, i, k) ? cstep(c, i, k)->status : STAGEGRAPH_CACHED;
}
const char *stagegraph_cache_instruction_reason(const stagegraph_cache *c, size_t i, size_t k) {
  return cstep(c, i, k) ? cstep(c, i, k)->reason : NULL;
}
size_t stagegraph_cache_input_count(const stagegraph_cache *c, size_t i, size_t k) {
  return cstep(c, i, k) ? cstep(c, i, k)->input_count : 0;
}
stagegraph_input_kind stagegraph_cache_input_kind(const stagegraph_cache *c, size_t i, size_t k,
                                                  size_t in) {
  const cache_step *s = cstep(c, i, k);
  return s && in < s->input_count ? s->inputs[in].kind : STAGEGRAPH_INPUT_CONTEXT;
}
const char *stagegraph_cache_input_value(const stagegraph_cache *c, size_t i, size_t k, size_t in) {
  const cache_step *s = cstep(c, i, k);
  return s && in < s->input_count ? s->inputs[in].value : NULL;
}
size_t stagegraph_cache_layer_count(const stagegraph_cache *c) { return c ? c->layer_count : 0; }
size_t stagegraph_cache_layers_surviving_edit(const stagegraph_cache *c) {
  return c ? c->surviving : 0;
}
