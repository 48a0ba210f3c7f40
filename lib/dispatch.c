/* Dispatch (C/convert.go dispatch*): the needed stages in file order, each
 * with its variables as BuildKit keeps them (the parent's environment,
 * then ENV and ARG in order), expanding every field BuildKit expands. This
 * finds the errors BuildKit raises only for stages it builds (forward
 * --from, bad mounts, expansion failures, devices) and collects the
 * outline of the first target: the build args it consumes and the secrets
 * and ssh sockets its mounts need. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chmod.h"
#include "expand.h"
#include "expose.h"
#include "hash.h"
#include "ignore.h"
#include "instructions.h"
#include "mount.h"
#include "plan.h"
#include "prefetch.h"
#include "stopsignal.h"
#include "str_index.h"
#include "text.h"

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static const char *const automatic_args[] = {
    "BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE"};

static int is_automatic(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof automatic_args / sizeof automatic_args[0]; i++)
    if (strlen(automatic_args[i]) == len && memcmp(automatic_args[i], name, len) == 0) return 1;
  return 0;
}

/* The current instruction's words or undefined names, gathered here and
 * copied into the plan's arena at their exact size once the instruction
 * is done (appending to the record's own array would copy it at every
 * append: quadratic in the words of a line). */
typedef struct name_list {
  const char **items;
  size_t count, cap;
} name_list;

static int list_push(const sgi_mem *mem, name_list *l, const char *name) {
  if (l->count == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 8, bytes;
    if (!sgi_mul_ok(cap, sizeof *l->items, &bytes)) return STAGEGRAPH_ENOMEM;
    const char **items = sgi_realloc(mem, l->items, bytes);
    if (!items) return STAGEGRAPH_ENOMEM;
    l->items = items;
    l->cap = cap;
  }
  l->items[l->count++] = name;
  return 0;
}

/* The list as an arena array in *out (NULL when empty), then empty. */
static int list_finish(sgi_arena *arena, name_list *l, const char ***out, uint32_t *count) {
  *out = NULL;
  *count = 0;
  if (!l->count) return 0;
  if (l->count > UINT32_MAX) return STAGEGRAPH_ENOMEM; /* cannot happen: a line holds them */
  const char **items = sgi_arena_array(arena, l->count, sizeof *items);
  if (!items) return STAGEGRAPH_ENOMEM;
  memcpy(items, l->items, l->count * sizeof *items);
  *out = items;
  *count = (uint32_t)l->count;
  l->count = 0;
  return 0;
}

typedef struct dispatcher {
  stagegraph_plan *plan;
  stagegraph_error *err;
  size_t stage;
  sgi_scope *env;      /* the stage's variables */
  sgi_buf word;        /* scratch for expansions */
  sgi_buf msg;         /* scratch for messages */
  sgi_buf unset;       /* names an expansion found unset */
  int outline;         /* collecting the outline for this stage */
  int labs;            /* the document selects a -labs frontend */
  sgi_ins_info *info;  /* the current instruction's record */
  name_list words;     /* its words so far */
  name_list undefined; /* its undefined variables so far, first use first */
  sgi_str_index undefined_seen; /* the same, to find repeats */
  const stagegraph_instruction *edge_at; /* the instruction its graph edges name */
  size_t edge_cursor;  /* where the last edge lookup ended (sgi_plan_edge_at) */
  /* how many components the stage's WORKDIR has (0: /): all that is
   * read of it is whether it is /, and keeping the path itself would copy
   * it at every WORKDIR (a run of relative ones costs the sum of their
   * full paths, quadratic in the run) */
  size_t workdir_depth;
  size_t arg_cap, secret_cap, ssh_cap;
  /* the outline's entries by name or id, and the global ARG instruction
   * that last defines each name (the index of its meta ARG) */
  sgi_str_index arg_slots, secret_slots, ssh_slots, meta_defs;
} dispatcher;

static int fail_at(dispatcher *d, const stagegraph_instruction *at, int code, const char *text) {
  sgi_pos pos = sgi_instruction_pos(at);
  return sgi_error_set_text(d->err, code, &pos, text, strlen(text));
}

/* Record the variables an expansion used that are neither set nor
 * declared in the stage. */
static int note_undefined(dispatcher *d, const sgi_buf *unset) {
  for (size_t i = 0; i < unset->len;) {
    const char *name = unset->ptr + i;
    size_t len = strlen(name);
    i += len + 1;
    if (sgi_scope_get(d->env, name, len, NULL, NULL)) continue; /* declared */
    size_t seen;
    int rc = sgi_str_index_add(&d->undefined_seen, name, len, 0, &seen);
    if (rc) return rc;
    if (seen != STAGEGRAPH_NONE) continue;
    const char *copy = sgi_arena_strndup(&d->plan->arena, name, len);
    if (!copy) return STAGEGRAPH_ENOMEM;
    if ((rc = list_push(&d->plan->mem, &d->undefined, copy))) return rc;
  }
  return 0;
}

/* Expand one word in the stage scope into d->word. */
static int expand(dispatcher *d, const char *word, size_t len, const stagegraph_instruction *at,
                  int heredoc) {
  sgi_env env = sgi_scope_env(d->env);
  const stagegraph_doc *doc = d->plan->doc;
  sgi_buf_clear(&d->unset);
  sgi_expand_opts opts = {heredoc ? '\\' : doc->escape, heredoc ? SGI_EXPAND_HEREDOC : SGI_EXPAND_NORMAL,
                          doc->limits.max_expansion_bytes, &d->unset};
  sgi_buf_clear(&d->word);
  int rc = sgi_plan_expand_word(&d->word, word, len, &env, &opts, d->err);
  if (rc == 0) rc = sgi_plan_spend(d->plan, d->word.len, d->err);
  if (rc == 0 && d->unset.len && (rc = note_undefined(d, &d->unset))) return rc;
  if (rc && rc != STAGEGRAPH_ENOMEM) {
    sgi_pos pos = sgi_instruction_pos(at);
    sgi_error_set_pos(d->err, &pos);
  }
  return rc;
}

static int expand_words(dispatcher *d, const char *word, size_t len,
                        const stagegraph_instruction *at, size_t *count_out) {
  sgi_env env = sgi_scope_env(d->env);
  const stagegraph_doc *doc = d->plan->doc;
  sgi_buf_clear(&d->unset);
  sgi_expand_opts opts = {doc->escape, SGI_EXPAND_NORMAL, doc->limits.max_expansion_bytes, &d->unset};
  sgi_buf_clear(&d->word);
  size_t count = 0;
  int rc = sgi_expand_words(&d->word, &count, word, len, &env, &opts, d->err);
  *count_out = count;
  if (rc == 0) rc = sgi_plan_spend(d->plan, d->word.len, d->err);
  if (rc == 0 && d->unset.len && (rc = note_undefined(d, &d->unset))) return rc;
  if (rc && rc != STAGEGRAPH_ENOMEM) {
    sgi_pos pos = sgi_instruction_pos(at);
    sgi_error_set_pos(d->err, &pos);
  }
  return rc;
}

/* The expanded word (d->word) as a string that lives as long as the plan:
 * the instruction's own text `src` (NUL-terminated at src_len) when the
 * expansion left it unchanged, as it does most words, else a copy. */
static const char *keep_word(dispatcher *d, const char *src, size_t src_len) {
  if (d->word.len == src_len && (!src_len || memcmp(d->word.ptr, src, src_len) == 0)) return src;
  return sgi_arena_strndup(&d->plan->arena, d->word.ptr ? d->word.ptr : "", d->word.len);
}

/* ---- the outline ------------------------------------------------------------- */

/* BuildKit keys the outline's args by name: a later definition replaces
 * an earlier one. */
static int outline_arg(dispatcher *d, const char *name, size_t len, const char *value,
                       const stagegraph_instruction *defined_at) {
  stagegraph_plan *p = d->plan;
  size_t slot;
  int rc = sgi_str_index_add(&d->arg_slots, name, len, p->arg_count, &slot);
  if (rc) return rc;
  if (slot == STAGEGRAPH_NONE) slot = p->arg_count; /* a new name */
  if (slot < p->arg_count && p->args[slot].line == defined_at->start_line &&
      !!p->args[slot].value == !!value && (!value || strcmp(p->args[slot].value, value) == 0))
    return 0;
  if (slot == p->arg_count && p->arg_count == d->arg_cap) {
    size_t cap = d->arg_cap ? d->arg_cap * 2 : 8;
    sgi_outline_arg *a = sgi_arena_calloc(&p->arena, cap, sizeof *a);
    if (!a) return STAGEGRAPH_ENOMEM;
    if (p->arg_count) memcpy(a, p->args, p->arg_count * sizeof *a);
    p->args = a;
    d->arg_cap = cap;
  }
  sgi_outline_arg *a = &p->args[slot];
  if (!(a->name = sgi_arena_strndup(&p->arena, name, len))) return STAGEGRAPH_ENOMEM;
  a->value = value; /* values live in the plan's or the document's arena */
  a->line = defined_at->start_line;
  a->seq = slot;
  /* the doc comment: "# <name> <description>" */
  a->description = "";
  for (size_t i = 0; i < sgi_instruction_comment_count(defined_at); i++) {
    const char *c = defined_at->extra->comments[i];
    if (strncmp(c, name, len) == 0 && c[len] == ' ') {
      a->description = c + len + 1;
      break;
    }
  }
  if (slot == p->arg_count) p->arg_count++;
  return 0;
}

/* The global ARG words by name: the meta ARG that last defines each,
 * indexed on first use (most plans never ask). */
static int index_meta_definitions(dispatcher *d) {
  const stagegraph_doc *doc = d->plan->doc;
  int rc = 0;
  for (size_t i = 0; i < stagegraph_doc_meta_arg_count(doc) && !rc; i++) {
    const stagegraph_instruction *ins = stagegraph_doc_meta_arg(doc, i);
    for (size_t k = 0; k < ins->arg_count && !rc; k++) {
      const char *w = ins->args[k].ptr;
      rc = sgi_str_index_set(&d->meta_defs, w, sgi_key_value(w, NULL), i);
    }
  }
  return rc;
}

/* The meta ARG instruction defining a global name in *def (its last word
 * naming it in *word_out), or NULL. 0 or STAGEGRAPH_ENOMEM. */
static int meta_definition(dispatcher *d, const char *name, size_t len,
                           const stagegraph_instruction **def, const char **word_out) {
  *def = NULL;
  /* empty until the first question (indexing again finds nothing new) */
  int rc = d->meta_defs.count ? 0 : index_meta_definitions(d);
  size_t i = rc ? STAGEGRAPH_NONE : sgi_str_index_find(&d->meta_defs, name, len);
  if (i == STAGEGRAPH_NONE) return rc;
  const stagegraph_instruction *ins = stagegraph_doc_meta_arg(d->plan->doc, i);
  for (size_t k = 0; word_out && k < ins->arg_count; k++) {
    const char *w = ins->args[k].ptr;
    if (sgi_key_value(w, NULL) == len && memcmp(w, name, len) == 0) *word_out = w;
  }
  *def = ins;
  return 0;
}

/* Names a word refers to, through an environment that records lookups. */
typedef struct recorder {
  const sgi_envmap *scope;
  const char *names[32];
  size_t lens[32];
  size_t count;
} recorder;

static const char *record_lookup(void *ctx, const char *name, size_t len, size_t *value_len) {
  recorder *r = ctx;
  if (r->count < 32) {
    r->names[r->count] = name;
    r->lens[r->count++] = len;
  }
  const char *v = NULL;
  if (!sgi_envmap_get(r->scope, name, len, &v, value_len)) return NULL;
  return v;
}

/* Global args a FROM line uses, and transitively those their defaults use. */
static int outline_globals(dispatcher *d, const char *word, int depth) {
  stagegraph_plan *p = d->plan;
  if (!strchr(word, '$')) return 0; /* refers to nothing */
  recorder r;
  memset(&r, 0, sizeof r);
  r.scope = &p->global;
  sgi_env env = {record_lookup, &r};
  sgi_expand_opts opts = {p->doc->escape, SGI_EXPAND_NORMAL, p->doc->limits.max_expansion_bytes, NULL};
  /* the expanded text is not needed: d->word is free between stages */
  sgi_buf_clear(&d->word);
  int rc = sgi_expand_word(&d->word, word, strlen(word), &env, &opts, NULL);
  if (rc == STAGEGRAPH_ENOMEM) return rc;
  /* Copy the names: they point into `word`, which outlives this call. */
  for (size_t i = 0; i < r.count; i++) {
    const char *def_word = NULL;
    const stagegraph_instruction *def;
    if ((rc = meta_definition(d, r.names[i], r.lens[i], &def, &def_word))) return rc;
    if (!def) continue;
    const char *value = NULL;
    size_t vlen;
    sgi_envmap_get(&p->global, r.names[i], r.lens[i], &value, &vlen);
    if ((rc = outline_arg(d, r.names[i], r.lens[i], value, def))) return rc;
    const char *eq = strchr(def_word, '=');
    if (eq && depth < 16 && (rc = outline_globals(d, eq + 1, depth + 1))) return rc;
  }
  return 0;
}

static int outline_mount(dispatcher *d, const sgi_mount *m, const stagegraph_instruction *at) {
  stagegraph_plan *p = d->plan;
  int secret = m->type == SGI_MOUNT_SECRET;
  if (!secret && m->type != SGI_MOUNT_SSH) return 0;
  const char *id;
  char base[256];
  if (secret) {
    id = m->source ? m->source : m->id;
    if (!id && m->target) {
      const char *slash = strrchr(m->target, '/');
      snprintf(base, sizeof base, "%s", slash ? slash + 1 : m->target);
      id = base;
    }
  } else {
    id = m->id && *m->id ? m->id : "default";
  }
  sgi_outline_mount **list = secret ? &p->secrets : &p->ssh;
  size_t *count = secret ? &p->secret_count : &p->ssh_count;
  size_t *cap = secret ? &d->secret_cap : &d->ssh_cap;
  sgi_str_index *slots = secret ? &d->secret_slots : &d->ssh_slots;
  size_t known;
  int rc = sgi_str_index_add(slots, id, strlen(id), *count, &known);
  if (rc) return rc;
  if (known != STAGEGRAPH_NONE) {
    (*list)[known].required |= m->required;
    return 0;
  }
  if (*count == *cap) {
    size_t ncap = *cap ? *cap * 2 : 4;
    sgi_outline_mount *n = sgi_arena_calloc(&p->arena, ncap, sizeof *n);
    if (!n) return STAGEGRAPH_ENOMEM;
    if (*count) memcpy(n, *list, *count * sizeof *n);
    *list = n;
    *cap = ncap;
  }
  sgi_outline_mount *o = &(*list)[(*count)++];
  if (!(o->id = sgi_arena_strndup(&p->arena, id, strlen(id)))) return STAGEGRAPH_ENOMEM;
  o->required = m->required;
  o->line = at->start_line;
  o->seq = *count - 1;
  return 0;
}

/* ---- instructions ------------------------------------------------------------ */

static int dispatch_arg(dispatcher *d, const stagegraph_instruction *ins,
                        const stagegraph_instruction *at) {
  stagegraph_plan *p = d->plan;
  for (size_t k = 0; k < ins->arg_count; k++) {
    const char *w = ins->args[k].ptr, *dflt;
    size_t klen = sgi_key_value(w, &dflt);
    const char *ba = sgi_doc_build_arg(p->doc, w, klen);
    const char *value = NULL;
    size_t vlen = 0;
    const stagegraph_instruction *def = at;
    int rc; /* values live in the document's or the plan's arena: maps share them */
    if (ba) {
      value = ba;
      vlen = strlen(ba);
    } else if (dflt) {
      size_t len = strlen(dflt);
      if ((rc = expand(d, dflt, len, at, 0))) return rc;
      if (!(value = keep_word(d, dflt, len))) return STAGEGRAPH_ENOMEM;
      vlen = d->word.len;
    } else if (sgi_envmap_get(&p->global, w, klen, &value, &vlen) && value) {
      const stagegraph_instruction *meta;
      if ((rc = meta_definition(d, w, klen, &meta, NULL))) return rc;
      if (meta) def = meta;
    }
    int listed = !(is_automatic(w, klen) && !dflt && !ba && def == at);
    if (d->outline && listed && (rc = outline_arg(d, w, klen, value, def))) return rc;
    int sbom = (klen == 26 && memcmp(w, "BUILDKIT_SBOM_SCAN_CONTEXT", 26) == 0) ||
               (klen == 24 && memcmp(w, "BUILDKIT_SBOM_SCAN_STAGE", 24) == 0);
    if (value && !sbom && (rc = sgi_scope_set_ref(d->env, w, klen, value, vlen))) return rc;
    /* declared without a value: known to the stage, still unset */
    if (!value && !sgi_scope_get(d->env, w, klen, NULL, NULL) &&
        (rc = sgi_scope_set(d->env, w, klen, NULL, 0)))
      return rc;
  }
  return 0;
}

static int dispatch_env(dispatcher *d, const stagegraph_instruction *ins,
                        const stagegraph_instruction *at, int sets_env) {
  /* every pair sees the variables as they were before the instruction;
   * LABEL only expands (for errors and undefined names) */
  size_t pairs = ins->arg_count / 3;
  sgi_str *kv = NULL; /* ENV: key, value, key, value, ... */
  if (sets_env && pairs && !(kv = sgi_arena_alloc(&d->plan->arena, 2 * pairs * sizeof *kv)))
    return STAGEGRAPH_ENOMEM; /* fits: ins->args holds 3 * pairs */
  for (size_t i = 0; i < pairs; i++) {
    int rc;
    for (size_t part = 0; part < 2; part++) {
      const sgi_str *src = &ins->args[3 * i + part];
      if ((rc = expand(d, src->ptr, src->len, at, 0))) return rc;
      if (!kv) continue;
      sgi_str *dst = &kv[2 * i + part];
      if (!(dst->ptr = keep_word(d, src->ptr, src->len))) return STAGEGRAPH_ENOMEM;
      dst->len = d->word.len;
    }
  }
  for (size_t i = 0; kv && i < pairs; i++) {
    int rc = sgi_scope_set_ref(d->env, kv[2 * i].ptr, kv[2 * i].len, kv[2 * i + 1].ptr, kv[2 * i + 1].len);
    if (rc) return rc;
  }
  return 0;
}

/* The stage an instruction's COPY --from or mount from= names, through the
 * graph's edges (by name or index). */
static size_t edge_source(dispatcher *d, stagegraph_edge_kind kind, size_t flag) {
  const stagegraph_edge *e = sgi_plan_edge_at(d->plan, &d->edge_cursor, d->edge_at, d->stage, kind, flag);
  return e ? e->from : STAGEGRAPH_NONE;
}

/* A check BuildKit's dispatch makes of an expanded value: 0, 1 with its
 * message appended to msg, or STAGEGRAPH_ENOMEM. */
typedef int (*value_check)(const char *value, size_t len, sgi_buf *msg);

/* 0, or the instruction's error with the check's message. */
static int check_value(dispatcher *d, const stagegraph_instruction *at, value_check check,
                       const char *value, size_t len) {
  sgi_buf_clear(&d->msg);
  int rc = check(value, len, &d->msg);
  if (rc == STAGEGRAPH_ENOMEM || d->msg.failed) return STAGEGRAPH_ENOMEM;
  return rc ? fail_at(d, at, STAGEGRAPH_EINSTRUCTION, d->msg.ptr) : 0;
}

static int dispatch_copy(dispatcher *d, const stagegraph_instruction *ins,
                         const stagegraph_instruction *at) {
  stagegraph_plan *p = d->plan;
  size_t pos = 0;
  const char *from = sgi_instruction_flag_next(ins, "from", &pos);
  size_t source = from ? edge_source(d, STAGEGRAPH_EDGE_COPY, pos - 1) : STAGEGRAPH_NONE;
  /* a stage replaced by a named context is resolved early: forward is fine */
  if (source != STAGEGRAPH_NONE && source > d->stage && !p->stages[source].context) {
    sgi_buf_clear(&d->msg);
    sgi_buf_printf(&d->msg,
                   "cannot copy from stage \"%s\", it needs to be defined before current stage \"%s\"",
                   from, p->stages[d->stage].display);
    if (d->msg.failed) return STAGEGRAPH_ENOMEM;
    return fail_at(d, at, STAGEGRAPH_ESTAGE, d->msg.ptr);
  }
  int rc;
  for (size_t i = 0; i < ins->arg_count; i++) {
    int is_heredoc = 0;
    for (size_t h = 0; h < sgi_instruction_heredoc_count(ins); h++) {
      size_t nlen = strlen(ins->extra->heredocs[h].name);
      const char *a = ins->args[i].ptr;
      is_heredoc |= i + 1 < ins->arg_count && strstr(a, "<<") && ins->args[i].len >= nlen &&
                    memcmp(a + ins->args[i].len - nlen, ins->extra->heredocs[h].name, nlen) == 0;
    }
    if (is_heredoc) continue;
    if ((rc = expand(d, ins->args[i].ptr, ins->args[i].len, at, 0))) return rc;
    const char *w = keep_word(d, ins->args[i].ptr, ins->args[i].len);
    if (!w) return STAGEGRAPH_ENOMEM;
    if ((rc = list_push(&p->mem, &d->words, w))) return rc;
  }
  for (size_t h = 0; h < sgi_instruction_heredoc_count(ins); h++) {
    const stagegraph_heredoc *hd = &ins->extra->heredocs[h];
    if (!hd->expand || ins->kind == STAGEGRAPH_KIND_RUN) continue;
    if ((rc = expand(d, hd->content, hd->content_len, at, 1))) return rc;
  }
  static const char *const expanded_flags[] = {"chown", "chmod", "checksum"};
  const char *chmod = NULL; /* expanded, chmod_len bytes */
  size_t chmod_len = 0;
  for (size_t f = 0; f < 3; f++) {
    const char *v = stagegraph_instruction_flag_value(ins, expanded_flags[f], 0);
    if (v && (rc = expand(d, v, strlen(v), at, 0))) return rc;
    if (v && f == 1 && (chmod_len = d->word.len) &&
        !(chmod = sgi_arena_strndup(&p->arena, d->word.ptr, chmod_len)))
      return STAGEGRAPH_ENOMEM;
  }
  /* then, every value expanded, BuildKit's dispatchCopy reads the mode */
  return chmod ? check_value(d, at, sgi_chmod_check, chmod, chmod_len) : 0;
}

typedef struct mount_expand_ctx {
  dispatcher *d;
  const stagegraph_instruction *at;
} mount_expand_ctx;

static int mount_expander(void *ctx, const char *value, size_t len, sgi_buf *out, sgi_buf *msg) {
  mount_expand_ctx *c = ctx;
  stagegraph_error e = STAGEGRAPH_ERROR_INIT;
  stagegraph_error *saved = c->d->err;
  c->d->err = &e;
  int rc = expand(c->d, value, len, c->at, 0);
  c->d->err = saved;
  if (rc) {
    sgi_buf_puts(msg, e.message);
    return rc == STAGEGRAPH_ENOMEM ? (msg->failed = STAGEGRAPH_ENOMEM, 1) : 1;
  }
  if (sgi_buf_append(out, c->d->word.ptr ? c->d->word.ptr : "", c->d->word.len)) {
    msg->failed = STAGEGRAPH_ENOMEM;
    return 1;
  }
  return 0;
}

static int dispatch_run(dispatcher *d, const stagegraph_instruction *ins,
                        const stagegraph_instruction *at) {
  stagegraph_plan *p = d->plan;
  if (!d->labs && stagegraph_instruction_flag_value(ins, "device", 0))
    return fail_at(d, at, STAGEGRAPH_EINSTRUCTION,
                   "device feature is only supported in Dockerfile frontend 1.14.0-labs or later");
  for (size_t pos = 0;;) {
    const char *value = sgi_instruction_flag_next(ins, "mount", &pos);
    if (!value) break;
    sgi_mount m;
    mount_expand_ctx ctx = {d, at};
    sgi_buf_clear(&d->msg);
    int rc = sgi_mount_parse(&p->arena, value, mount_expander, &ctx, &m, &d->msg);
    if (rc == STAGEGRAPH_ENOMEM || d->msg.failed) return STAGEGRAPH_ENOMEM;
    if (rc) return fail_at(d, at, STAGEGRAPH_EINSTRUCTION, d->msg.ptr ? d->msg.ptr : "");
    if (m.target && strcmp(m.target, "/") == 0)
      return fail_at(d, at, STAGEGRAPH_EINSTRUCTION, "invalid mount target \"/\"");
    if (m.type == SGI_MOUNT_SSH && m.source)
      return fail_at(d, at, STAGEGRAPH_EINSTRUCTION, "ssh does not support source");
    size_t source = m.from ? edge_source(d, STAGEGRAPH_EDGE_MOUNT, pos - 1) : STAGEGRAPH_NONE;
    if (source != STAGEGRAPH_NONE && source > d->stage && !p->stages[source].context) {
      sgi_buf_clear(&d->msg);
      sgi_buf_printf(&d->msg,
                     "cannot mount from stage \"%s\" to \"%s\", stage needs to be defined before "
                     "current command",
                     m.from, m.target ? m.target : "");
      if (d->msg.failed) return STAGEGRAPH_ENOMEM;
      return fail_at(d, at, STAGEGRAPH_ESTAGE, d->msg.ptr);
    }
    if (d->outline && (rc = outline_mount(d, &m, at))) return rc;
  }
  return 0;
}

/* Append expanded words (count of them NUL-separated in text) to the
 * instruction's record. */
static int record_words(dispatcher *d, const char *text, size_t len, size_t count) {
  const char *p = text;
  for (size_t i = 0; i < count; i++) {
    size_t n = count == 1 ? len : strlen(p);
    const char *w = sgi_arena_strndup(&d->plan->arena, p, n);
    int rc = w ? list_push(&d->plan->mem, &d->words, w) : STAGEGRAPH_ENOMEM;
    if (rc) return rc;
    p += n + 1;
  }
  return 0;
}

/* Go's string order: byte by byte, a prefix first. */
static int cmp_words(const void *a, const void *b) {
  const sgi_str *x = *(const sgi_str *const *)a, *y = *(const sgi_str *const *)b;
  int c = memcmp(x->ptr, y->ptr, x->len < y->len ? x->len : y->len);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* WORKDIR resolves against the previous one; "/" makes no layer. */
/* Move the WORKDIR depth through a path as Go's path.Clean would resolve
 * it from there: an absolute path starts at /, "" and "." stay, ".." goes
 * up (not past /), any other component goes down. */
static size_t workdir_walk(size_t depth, const char *path, size_t len) {
  if (len && path[0] == '/') depth = 0;
  for (size_t i = 0; i < len;) {
    size_t j = i;
    while (j < len && path[j] != '/') j++;
    size_t n = j - i;
    if (n == 2 && path[i] == '.' && path[i + 1] == '.')
      depth -= depth > 0;
    else if (n && !(n == 1 && path[i] == '.'))
      depth++;
    i = j + 1;
  }
  return depth;
}

static int dispatch_workdir(dispatcher *d, const stagegraph_instruction *ins,
                            const stagegraph_instruction *at) {
  if (ins->arg_count != 1) return 0;
  int rc = expand(d, ins->args[0].ptr, ins->args[0].len, at, 0);
  if (rc) return rc;
  d->workdir_depth = workdir_walk(d->workdir_depth, d->word.ptr ? d->word.ptr : "", d->word.len);
  d->info->root = d->workdir_depth == 0;
  /* the path as written after expansion, for lint */
  return record_words(d, d->word.ptr ? d->word.ptr : "", d->word.len, 1);
}

static int dispatch_instruction(dispatcher *d, const stagegraph_instruction *ins,
                                const stagegraph_instruction *at) {
  int rc = 0;
  d->info->executed = 1;
  switch (ins->kind) {
  case STAGEGRAPH_KIND_ARG: return dispatch_arg(d, ins, at);
  case STAGEGRAPH_KIND_ENV: return dispatch_env(d, ins, at, 1);
  case STAGEGRAPH_KIND_LABEL: return dispatch_env(d, ins, at, 0);
  case STAGEGRAPH_KIND_COPY:
  case STAGEGRAPH_KIND_ADD: return dispatch_copy(d, ins, at);
  case STAGEGRAPH_KIND_RUN: return dispatch_run(d, ins, at);
  case STAGEGRAPH_KIND_WORKDIR: return dispatch_workdir(d, ins, at);
  case STAGEGRAPH_KIND_USER:
    for (size_t i = 0; i < ins->arg_count && !rc; i++)
      rc = expand(d, ins->args[i].ptr, ins->args[i].len, at, 0);
    return rc;
  case STAGEGRAPH_KIND_VOLUME: {
    /* BuildKit's parser keeps each item trimmed (strings.TrimSpace); all
     * are expanded before any is read */
    int empty = 0;
    for (size_t i = 0; i < ins->arg_count && !rc; i++) {
      const char *item = ins->args[i].ptr;
      size_t len = ins->args[i].len;
      sgi_trim_space(&item, &len);
      if (!(rc = expand(d, item, len, at, 0))) empty |= d->word.len == 0;
    }
    if (!rc && empty)
      return fail_at(d, at, STAGEGRAPH_EINSTRUCTION, "VOLUME specified can not be an empty string");
    return rc;
  }
  case STAGEGRAPH_KIND_STOPSIGNAL:
    for (size_t i = 0; i < ins->arg_count && !rc; i++)
      if (!(rc = expand(d, ins->args[i].ptr, ins->args[i].len, at, 0)))
        rc = check_value(d, at, sgi_signal_check, d->word.ptr ? d->word.ptr : "", d->word.len);
    return rc;
  case STAGEGRAPH_KIND_EXPOSE: {
    /* BuildKit's parser sorts the words as strings; dispatch expands them
     * all in that order, then reads each as a port */
    const sgi_str *storage[16], **sorted = storage;
    if (ins->arg_count > 16 &&
        !(sorted = sgi_arena_array(&d->plan->arena, ins->arg_count, sizeof *sorted)))
      return STAGEGRAPH_ENOMEM;
    for (size_t i = 0; i < ins->arg_count; i++) sorted[i] = &ins->args[i];
    qsort(sorted, ins->arg_count, sizeof *sorted, cmp_words);
    for (size_t i = 0; i < ins->arg_count && !rc; i++) {
      size_t count = 0;
      rc = expand_words(d, sorted[i]->ptr, sorted[i]->len, at, &count);
      if (!rc) rc = record_words(d, d->word.ptr ? d->word.ptr : "", d->word.len, count);
    }
    for (size_t i = 0; i < d->words.count && !rc; i++)
      rc = check_value(d, at, sgi_port_spec_check, d->words.items[i], strlen(d->words.items[i]));
    return rc;
  }
  default: return 0;
  }
}

/* Dispatch one instruction into its record, written whole: what dispatch
 * reads, then the words and undefined names gathered. */
static int dispatch_into(dispatcher *d, sgi_ins_info *info, const stagegraph_instruction *ins,
                         const stagegraph_instruction *at) {
  memset(info, 0, sizeof *info);
  d->info = info;
  int rc = dispatch_instruction(d, ins, at);
  if (!rc) rc = list_finish(&d->plan->arena, &d->words, &info->words, &info->word_count);
  if (!rc) rc = list_finish(&d->plan->arena, &d->undefined, &info->undefined, &info->undefined_count);
  if (d->undefined_seen.count) sgi_str_index_free(&d->undefined_seen);
  return rc;
}

static int dispatch_stage(dispatcher *d, size_t s) {
  stagegraph_plan *p = d->plan;
  sgi_plan_stage *ps = &p->stages[s];
  sgi_scope *env = &p->final_env[s];
  int rc;
  /* The parent's scope is final: stages are dispatched in file order, a
   * stage's parent comes before it, and ONBUILD triggers run in the
   * child's own scope. A deep scope's init relies on it (envmap.h). */
  if (ps->parent != STAGEGRAPH_NONE) {
    rc = sgi_scope_init(env, &p->final_env[ps->parent], &p->arena, &p->mem);
  } else {
    rc = sgi_scope_init(env, NULL, &p->arena, &p->mem);
    if (!rc) rc = sgi_scope_set_ref(env, "PATH", 4, default_path, sizeof default_path - 1);
  }
  if (rc) return rc;
  d->stage = s;
  d->env = env;
  /* a parent that was not dispatched (replaced by a context) is at / */
  d->workdir_depth = ps->parent != STAGEGRAPH_NONE ? p->stages[ps->parent].workdir_depth : 0;
  const stagegraph_stage *st = stagegraph_doc_stage(p->doc, s);
  /* Triggers run first; BuildKit reports their errors at the stage's FROM. */
  const stagegraph_instruction *from = stagegraph_stage_from(st);
  const sgi_triggers *tr = ps->triggers;
  for (size_t t = 0; t < sgi_plan_trigger_count(ps); t++) {
    if (tr->errors[t]) return fail_at(d, from, STAGEGRAPH_EINSTRUCTION, tr->errors[t]);
    d->edge_at = tr->owners[t];
    if ((rc = dispatch_into(d, &tr->info[t], tr->docs[t]->instructions[0], from))) return rc;
  }
  stagegraph_instruction *const *list = sgi_stage_instructions(st);
  size_t count = stagegraph_stage_instruction_count(st), left = sgi_doc_records_from(p->doc, list);
  for (size_t i = 0; i < count; i++) {
    const stagegraph_instruction *ins = list[i];
    sgi_instruction_ahead(list, i, left);
    d->edge_at = ins;
    if ((rc = dispatch_into(d, &p->info[ins->index], ins, ins))) return rc;
    if (p->info[ins->index].undefined_count && !ps->undefined) {
      ps->undefined = 1;
      p->undefined_stages++;
    }
  }
  ps->workdir_depth = d->workdir_depth;
  return 0;
}

static int cmp_args(const void *a, const void *b) {
  const sgi_outline_arg *x = a, *y = b;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_mounts(const void *a, const void *b) {
  const sgi_outline_mount *x = a, *y = b;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The stages the first target needs (the outline is of one target): the
 * needed stages when it is the only one. */
static int mark_outline_stages(stagegraph_plan *p, unsigned char *in_outline) {
  if (p->target_count == 1) {
    for (size_t k = 0; k < p->order_count; k++) in_outline[p->order[k]] = 1;
    return 0;
  }
  size_t *stack = sgi_arena_array(&p->arena, p->stage_count, sizeof *stack);
  if (!stack) return STAGEGRAPH_ENOMEM;
  sgi_plan_mark_closure(p, p->targets[0], in_outline, stack);
  return 0;
}

#define PARENTS_AHEAD 8

int sgi_dispatch(stagegraph_plan *p, stagegraph_error *err) {
  /* Only the needed stages have variables (a parent replaced by a named
   * context stays an empty root): the others' scopes are neither written
   * nor read, so a plan needing a few stages of a large file does not pay
   * for zeroing them. */
  p->final_env = sgi_arena_array(&p->arena, p->stage_count ? p->stage_count : 1, sizeof *p->final_env);
  if (p->final_env)
    for (size_t k = 0; k < p->order_count; k++)
      memset(&p->final_env[p->order[k]], 0, sizeof *p->final_env);
  unsigned char *in_outline = sgi_arena_calloc(&p->arena, p->stage_count ? p->stage_count : 1, 1);
  size_t n = p->doc->instruction_count;
  p->info = sgi_arena_array(&p->arena, n ? n : 1, sizeof *p->info);
  if (!p->final_env || !in_outline || !p->info) return STAGEGRAPH_ENOMEM;
  int rc = p->legacy ? 0 : mark_outline_stages(p, in_outline);
  if (rc) return rc;
  dispatcher d;
  memset(&d, 0, sizeof d);
  d.plan = p;
  d.err = err;
  d.labs = sgi_doc_labs(p->doc);
  /* an ordinary file's expansions and names fit on the stack */
  char word_text[256];
  sgi_str_slot slots[5][8];
  char pools[5][128];
  sgi_buf_init_storage(&d.word, &p->mem, word_text, sizeof word_text);
  sgi_buf_init(&d.msg, &p->mem);
  sgi_buf_init(&d.unset, &p->mem);
  uint64_t seed = sgi_hash_seed(&d);
  sgi_str_index *indices[5] = {&d.undefined_seen, &d.arg_slots, &d.secret_slots, &d.ssh_slots,
                               &d.meta_defs};
  for (int i = 0; i < 5; i++)
    sgi_str_index_init_storage(indices[i], &p->mem, seed, slots[i], 8, pools[i], sizeof pools[i]);
  for (size_t s = 0; s < p->stage_count && !rc; s++) {
    /* A stage starts from its parent's scope and work directory, which on
     * a large file lie anywhere: loaded PARENTS_AHEAD stages before. */
    if (s + PARENTS_AHEAD < p->stage_count && p->needed[s + PARENTS_AHEAD]) {
      size_t parent = p->stages[s + PARENTS_AHEAD].parent;
      if (parent != STAGEGRAPH_NONE) {
        SGI_PREFETCH(&p->final_env[parent]);
        SGI_PREFETCH(&p->stages[parent].workdir_depth);
      }
    }
    if (!sgi_plan_dispatched(p, s)) continue; /* a pruned stage's record is not read */
    const stagegraph_stage *st = stagegraph_doc_stage(p->doc, s);
    d.outline = !p->legacy && in_outline[s];
    if (d.outline) {
      rc = outline_globals(&d, stagegraph_stage_base(st), 0);
      if (!rc && stagegraph_stage_platform(st)) rc = outline_globals(&d, stagegraph_stage_platform(st), 0);
      if (rc) break;
    }
    rc = dispatch_stage(&d, s);
    /* counted while the scope is in cache, so that freeing the plan need
     * not read every scope to find the few that hold heap memory */
    p->heap_scopes += sgi_scope_owns_heap(&p->final_env[s]);
  }
  sgi_buf_free(&d.word);
  sgi_buf_free(&d.msg);
  sgi_buf_free(&d.unset);
  sgi_free(&p->mem, d.words.items);
  sgi_free(&p->mem, d.undefined.items);
  sgi_str_index_free(&d.undefined_seen);
  sgi_str_index_free(&d.arg_slots);
  sgi_str_index_free(&d.secret_slots);
  sgi_str_index_free(&d.ssh_slots);
  sgi_str_index_free(&d.meta_defs);
  if (rc) return rc;
  if (p->arg_count) qsort(p->args, p->arg_count, sizeof *p->args, cmp_args);
  if (p->secret_count) qsort(p->secrets, p->secret_count, sizeof *p->secrets, cmp_mounts);
  if (p->ssh_count) qsort(p->ssh, p->ssh_count, sizeof *p->ssh, cmp_mounts);
  return 0;
}
