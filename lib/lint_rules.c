/* BuildKit's build checks (spec section d), with BuildKit's names and
 * message texts. Parse-time checks (casing, stage names, MAINTAINER, the
 * FROM line's variables and platform, definition descriptions, empty
 * continuation lines) run on every stage; dispatch-time checks run on the
 * stages the plan dispatched, with what dispatch recorded (sgi_ins_info). */
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "expose.h"
#include "hash.h"
#include "lint.h"
#include "platform.h"
#include "reference.h"
#include "str_index.h"
#include "suggest.h"
#include "text.h"

static const char *const automatic_args[] = {
    "BUILDPLATFORM",  "BUILDOS",    "BUILDOSVERSION",  "BUILDARCH",     "BUILDVARIANT", "TARGETPLATFORM",
    "TARGETOS",       "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE"};
enum { AUTOMATIC_COUNT = sizeof automatic_args / sizeof automatic_args[0] };

/* A growable list of borrowed names, and the index that finds suggestions
 * among them (util/suggest.Search): names are only appended, or the list
 * emptied after names_forget. */
typedef struct names {
  const sgi_mem *mem;
  const char **items;
  size_t count, cap;
  sgi_suggest_index suggest;
} names;

static void names_init(names *n, const sgi_mem *mem) {
  n->mem = mem;
  n->items = NULL;
  n->count = n->cap = 0;
  sgi_suggest_index_init(&n->suggest, mem);
}

static int names_push(names *n, const char *s) {
  if (n->count == n->cap) {
    size_t cap = n->cap ? n->cap * 2 : 16;
    const char **items = sgi_realloc(n->mem, (void *)n->items, cap * sizeof *items);
    if (!items) return STAGEGRAPH_ENOMEM;
    n->items = items;
    n->cap = cap;
  }
  n->items[n->count++] = s;
  return 0;
}

/* Before the list is emptied and filled again. */
static void names_forget(names *n) { sgi_suggest_index_clear(&n->suggest); }

/* The name util/suggest.Search suggests for `value` (none for an empty
 * one): *match, or NULL. 0 or STAGEGRAPH_ENOMEM. */
static int closest(names *n, const char *value, const char **match) {
  *match = NULL;
  if (!*value) return 0;
  size_t k;
  int rc = sgi_suggest_index_find(&n->suggest, n->items, n->count, value, strlen(value), &k);
  if (k != STAGEGRAPH_NONE) *match = n->items[k];
  return rc;
}

static void names_free(names *n) {
  sgi_suggest_index_free(&n->suggest);
  sgi_free(n->mem, (void *)n->items);
}

/* ---- the scope of FROM lines ------------------------------------------------------ */

/* The automatic args (the build and target platforms' parts, then
 * TARGETSTAGE, in automatic_args order), each replaced by a build arg of
 * its name: one table per lint under the meta ARGs of both scopes, worked
 * out when a FROM line or an ARG default first uses one of them. */
typedef struct auto_args {
  const sgi_linter *l;
  int ready;
  const char *value[AUTOMATIC_COUNT];
  sgi_platform platform[2]; /* the build platform, the target platform */
  char full[2][96];         /* their normalised "os/arch[/variant]" */
} auto_args;

/* Fill in the five args of one platform, from value[at]. */
static void platform_args(auto_args *a, size_t at, const char *spec) {
  size_t which = at / 5;
  sgi_platform *p = &a->platform[which];
  sgi_buf msg;
  sgi_buf_init(&msg, &a->l->lint->mem);
  int bad = sgi_platform_parse(spec, strlen(spec), p, &msg);
  sgi_buf_free(&msg);
  if (bad) memset(p, 0, sizeof *p);
  sgi_platform_format(p, a->full[which], sizeof a->full[which]);
  a->value[at] = bad ? spec : a->full[which];
  a->value[at + 1] = p->os;
  a->value[at + 2] = "";
  a->value[at + 3] = p->arch;
  a->value[at + 4] = p->variant;
}

static const char *auto_value(auto_args *a, size_t i) {
  if (a->ready) return a->value[i];
  const stagegraph_doc *doc = a->l->doc;
  platform_args(a, 0, doc->build_platform);
  platform_args(a, 5, doc->platform);
  const char *ts = a->l->first_target;
  size_t nst = stagegraph_doc_stage_count(doc);
  if (!ts) ts = nst ? stagegraph_stage_name(stagegraph_doc_stage(doc, nst - 1)) : NULL;
  if (!ts || !*ts) ts = "default";
  a->value[10] = ts;
  for (size_t k = 0; k < AUTOMATIC_COUNT; k++) {
    const char *ba = sgi_doc_build_arg(doc, automatic_args[k], strlen(automatic_args[k]));
    if (ba) a->value[k] = ba;
  }
  a->ready = 1;
  return a->value[i];
}

/* The declared global names (automatic args and meta ARGs) with their
 * values; a declared ARG without a value maps to NULL. */
typedef struct from_scope {
  auto_args *autos;
  sgi_envmap vars; /* the meta ARGs */
  names order;     /* declared names in order, for suggestions */
} from_scope;

/* Look a name up: 1 when declared (*value NULL when without a value). */
static int scope_get(const from_scope *sc, const char *name, size_t len, const char **value,
                     size_t *value_len) {
  if (sgi_envmap_get(&sc->vars, name, len, value, value_len)) return 1;
  for (size_t i = 0; i < AUTOMATIC_COUNT; i++) {
    if (strlen(automatic_args[i]) != len || memcmp(automatic_args[i], name, len)) continue;
    const char *v = auto_value(sc->autos, i);
    if (value) *value = v;
    if (value_len) *value_len = strlen(v);
    return 1;
  }
  return 0;
}

/* Recording lookups: which names a word used, found (declared) or not. */
enum { RECORD_MAX = 32 };
typedef struct recorder {
  const from_scope *scope;
  sgi_arena *arena;
  const char *names[RECORD_MAX];
  int found[RECORD_MAX];
  size_t count;
  int oom;
} recorder;

static const char *record_lookup(void *ctx, const char *name, size_t len, size_t *value_len) {
  recorder *r = ctx;
  const char *v = NULL;
  size_t vlen = 0;
  int found = scope_get(r->scope, name, len, &v, &vlen);
  int seen = 0;
  for (size_t i = 0; i < r->count && !seen; i++)
    seen = strlen(r->names[i]) == len && memcmp(r->names[i], name, len) == 0;
  if (!seen && r->count < RECORD_MAX) {
    const char *copy = sgi_arena_strndup(r->arena, name, len);
    if (!copy) r->oom = 1;
    else {
      r->names[r->count] = copy;
      r->found[r->count++] = found;
    }
  }
  if (!found) return NULL;
  *value_len = v ? vlen : 0;
  return v ? v : "";
}

/* ENOMEM, and ELIMIT once the rules' expansions pass their total budget,
 * end the lint; other expansion errors only end a check. */
static int fatal(int rc) { return rc == STAGEGRAPH_ENOMEM || rc == STAGEGRAPH_ELIMIT; }

/* Expand a FROM word in the scope, recording the names it uses; the result
 * goes to `out`. Returns 0, an expansion error (EEXPAND, also for one word
 * over its limit; the names are still recorded), or a fatal code. */
static int expand_recorded(sgi_linter *l, const from_scope *scope, sgi_arena *arena,
                           const char *word, recorder *r, sgi_buf *out) {
  r->scope = scope;
  r->arena = arena;
  r->count = 0;
  r->oom = 0;
  sgi_env env = {record_lookup, r};
  sgi_expand_opts opts = {l->doc->escape, SGI_EXPAND_NORMAL, l->doc->limits.max_expansion_bytes,
                          NULL};
  sgi_buf_clear(out);
  size_t len = strlen(word);
  int rc;
  if (!sgi_expand_changes(word, len, opts.escape) && (!opts.max_bytes || len <= opts.max_bytes))
    rc = sgi_buf_append(out, word, len); /* the lexer returns such a word as it is */
  else
    rc = sgi_expand_word(out, word, len, &env, &opts, NULL);
  if (r->oom) return STAGEGRAPH_ENOMEM;
  if (rc == 0 && (rc = sgi_lint_spend(l, out->len))) return rc;
  return rc == STAGEGRAPH_ELIMIT ? STAGEGRAPH_EEXPAND : rc; /* one word over its limit */
}

/* BuildKit's global scope for FROM: the automatic args, then the meta ARGs
 * in order, each default expanded in the scope so far. `build_args` 0 gives
 * the scope "with only default values" of InvalidDefaultArgInFrom; *ok is
 * then 0 when a default does not expand. */
static int build_scope(sgi_linter *l, sgi_arena *arena, auto_args *autos, from_scope *sc,
                       int build_args, int *ok) {
  const stagegraph_doc *doc = l->doc;
  sc->autos = autos;
  sgi_envmap_init(&sc->vars, arena, &l->lint->mem);
  names_init(&sc->order, &l->lint->mem);
  *ok = 1;
  int rc;
  for (size_t i = 0; i < AUTOMATIC_COUNT; i++)
    if ((rc = names_push(&sc->order, automatic_args[i]))) return rc;
  sgi_buf value;
  sgi_buf_init(&value, &l->lint->mem);
  for (size_t m = 0; m < stagegraph_doc_meta_arg_count(doc) && !rc; m++) {
    const stagegraph_instruction *ins = stagegraph_doc_meta_arg(doc, m);
    for (size_t k = 0; k < ins->arg_count && !rc; k++) {
      const char *w = ins->args[k].ptr, *dflt;
      size_t klen = sgi_key_value(w, &dflt);
      const char *ba = build_args ? sgi_doc_build_arg(doc, w, klen) : NULL;
      if (ba) {
        rc = sgi_envmap_set(&sc->vars, w, klen, ba, strlen(ba));
      } else if (dflt) {
        recorder r;
        int e = expand_recorded(l, sc, arena, dflt, &r, &value);
        if (fatal(e)) rc = e;
        else if (e) *ok = 0, rc = sgi_envmap_set(&sc->vars, w, klen, "", 0);
        else rc = sgi_envmap_set(&sc->vars, w, klen, value.ptr ? value.ptr : "", value.len);
      } else if (!scope_get(sc, w, klen, NULL, NULL)) {
        rc = sgi_envmap_set(&sc->vars, w, klen, NULL, 0);
      }
      if (!rc) {
        const char *name = sgi_arena_strndup(arena, w, klen);
        rc = name ? names_push(&sc->order, name) : STAGEGRAPH_ENOMEM;
      }
    }
  }
  sgi_buf_free(&value);
  return rc;
}

static void scope_free(from_scope *sc) {
  sgi_envmap_free(&sc->vars);
  names_free(&sc->order);
}

/* ---- parse-time checks ------------------------------------------------------------- */

/* NoEmptyContinuation: the parser's warnings, re-reported with the lint
 * text at their instruction. */
static int no_empty_continuation(sgi_linter *l) {
  const stagegraph_doc *doc = l->doc;
  for (size_t i = 0; i < doc->diagnostic_count; i++) {
    const stagegraph_diagnostic *d = &doc->diagnostics[i];
    if (!d->rule || strcmp(d->rule, "NoEmptyContinuation") != 0) continue;
    /* instructions are in offset order */
    size_t lo = 0, hi = doc->instruction_count;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (doc->instructions[mid]->start_offset < d->offset) lo = mid + 1;
      else hi = mid;
    }
    const stagegraph_instruction *at =
        lo < doc->instruction_count && doc->instructions[lo]->start_offset == d->offset ? doc->instructions[lo] : NULL;
    int rc = sgi_lint_report(l, SGI_RULE_NO_EMPTY_CONTINUATION, at, at, "Empty continuation line");
    if (rc) return rc;
  }
  return 0;
}

/* ConsistentInstructionCasing over the stages' instructions (FROM and the
 * commands; meta ARGs are not counted). The stage pass counts each
 * keyword's case; only a file with keywords outside the majority's case
 * is read again, to report them. A tie counts as uppercase. */
typedef struct casing {
  size_t lower, upper, total;
} casing;

static void count_casing(casing *c, const stagegraph_instruction *ins) {
  const char *kw = sgi_instruction_keyword(ins);
  size_t len = strlen(kw);
  c->total++;
  if (sgi_is_case(kw, len, 1)) c->lower++;
  else if (sgi_is_case(kw, len, 0)) c->upper++;
}

static int instruction_casing(sgi_linter *l, const casing *c) {
  const stagegraph_doc *doc = l->doc;
  int majority_lower = c->lower > c->upper;
  if ((majority_lower ? c->lower : c->upper) == c->total) return 0; /* all in the majority's case */
  for (size_t s = 0; s < stagegraph_doc_stage_count(doc); s++) {
    const stagegraph_stage *st = stagegraph_doc_stage(doc, s);
    size_t count = stagegraph_stage_instruction_count(st);
    for (size_t i = 0; i <= count; i++) {
      const stagegraph_instruction *ins =
          i == 0 ? stagegraph_stage_from(st) : stagegraph_stage_instruction(st, i - 1);
      const char *kw = sgi_instruction_keyword(ins);
      size_t len = strlen(kw);
      const char *want = majority_lower ? (sgi_is_case(kw, len, 1) ? NULL : "lowercase")
                                        : (sgi_is_case(kw, len, 0) ? NULL : "uppercase");
      if (!want) continue;
      sgi_lint_msgf(l, "Command '%s' should match the case of the command majority (%s)", kw, want);
      int rc = sgi_lint_report_msg(l, SGI_RULE_CONSISTENT_INSTRUCTION_CASING, ins, ins);
      if (rc) return rc;
    }
  }
  return 0;
}

/* InvalidDefinitionDescription: the last comment's first word must be one
 * of the defined names. */
static int definition_description(sgi_linter *l, const stagegraph_instruction *ins,
                                  const char *what, const char *const *keys, size_t key_count) {
  if (!sgi_instruction_comment_count(ins) || !key_count) return 0;
  const char *last = ins->extra->comments[sgi_instruction_comment_count(ins) - 1];
  const char *sp = strchr(last, ' ');
  size_t wlen = sp ? (size_t)(sp - last) : strlen(last);
  for (size_t k = 0; k < key_count; k++)
    if (strlen(keys[k]) == wlen && memcmp(keys[k], last, wlen) == 0) return 0;
  sgi_lint_msgf(l, "Comment for %s should follow the format: `# %s <description>`", what,
                key_count > 1 ? "<arg_key>" : keys[0]);
  return sgi_lint_report_msg(l, SGI_RULE_INVALID_DEFINITION_DESCRIPTION, ins, ins);
}

static int arg_description(sgi_linter *l, const stagegraph_instruction *ins, sgi_arena *arena) {
  if (!ins->arg_count || !sgi_instruction_comment_count(ins)) return 0;
  const char **keys = sgi_arena_calloc(arena, ins->arg_count, sizeof *keys);
  if (!keys) return STAGEGRAPH_ENOMEM;
  for (size_t k = 0; k < ins->arg_count; k++) {
    const char *w = ins->args[k].ptr;
    if (!(keys[k] = sgi_arena_strndup(arena, w, sgi_key_value(w, NULL))))
      return STAGEGRAPH_ENOMEM;
  }
  return definition_description(l, ins, "ARG", keys, ins->arg_count);
}

/* DuplicateStageName: 1 when an earlier stage has stage s's name, else 0
 * and the name joins the names of the stages checked so far. */
static int seen_name(sgi_str_index *seen, size_t s, const char *name, int *rc) {
  size_t earlier;
  *rc = sgi_str_index_add(seen, name, strlen(name), s, &earlier);
  return earlier != STAGEGRAPH_NONE;
}

/* The checks of one FROM line that need its words: stage name casing, the
 * AS keyword's casing, the description, the name (reserved, or an earlier
 * stage's: `seen` holds the names of the stages before). */
static int from_words(sgi_linter *l, const stagegraph_stage *st, sgi_str_index *seen) {
  const stagegraph_instruction *from = stagegraph_stage_from(st);
  int rc;
  if (from->arg_count == 3) {
    const sgi_str *name = &from->args[2], *as = &from->args[1];
    if (!sgi_is_case(name->ptr, name->len, 1)) {
      sgi_lint_msgf(l, "Stage name '%s' should be lowercase", name->ptr);
      if ((rc = sgi_lint_report_msg(l, SGI_RULE_STAGE_NAME_CASING, from, from))) return rc;
    }
    const char *kw = sgi_instruction_keyword(from);
    int from_lower = sgi_is_case(kw, strlen(kw), 1), from_upper = sgi_is_case(kw, strlen(kw), 0);
    if ((from_lower && !sgi_is_case(as->ptr, as->len, 1)) ||
        (!from_lower && from_upper && !sgi_is_case(as->ptr, as->len, 0))) {
      sgi_lint_msgf(l, "'%s' and '%s' keywords' casing do not match", as->ptr, kw);
      if ((rc = sgi_lint_report_msg(l, SGI_RULE_FROM_AS_CASING, from, from))) return rc;
    }
  }
  const char *name = stagegraph_stage_name(st);
  if (!name) return 0;
  if ((rc = definition_description(l, from, "FROM", &name, 1))) return rc;
  if (strcmp(name, "scratch") == 0 || strcmp(name, "context") == 0) {
    sgi_lint_msgf(l, "Stage name should not use the same name as reserved stage ");
    sgi_lint_quote(&l->msg, name, strlen(name));
    if ((rc = sgi_lint_report_msg(l, SGI_RULE_RESERVED_STAGE_NAME, from, from))) return rc;
  }
  if (!seen_name(seen, stagegraph_stage_index(st), name, &rc)) return rc;
  sgi_lint_msgf(l, "Duplicate stage name ");
  sgi_lint_quote(&l->msg, name, strlen(name));
  sgi_buf_puts(&l->msg, ", stage names should be unique");
  return sgi_lint_report_msg(l, SGI_RULE_DUPLICATE_STAGE_NAME, from, from);
}

/* UndefinedArgInFrom for one expanded FROM word. */
static int undeclared_in_from(sgi_linter *l, const stagegraph_instruction *from,
                              from_scope *sc, const recorder *r) {
  for (size_t i = 0; i < r->count; i++) {
    if (r->found[i]) continue;
    const char *s;
    int rc = closest(&sc->order, r->names[i], &s);
    if (rc) return rc;
    sgi_lint_msgf(l, "FROM argument '%s' is not declared", r->names[i]);
    if (s) sgi_buf_printf(&l->msg, " (did you mean %s?)", s);
    if ((rc = sgi_lint_report_msg(l, SGI_RULE_UNDEFINED_ARG_IN_FROM, from, from))) return rc;
  }
  return 0;
}

/* The FROM line's variables: UndefinedArgInFrom, RedundantTargetPlatform,
 * FromPlatformFlagConstDisallowed. */
static int from_variables(sgi_linter *l, const stagegraph_stage *st, from_scope *sc,
                          sgi_arena *arena, sgi_buf *word) {
  const stagegraph_instruction *from = stagegraph_stage_from(st);
  recorder r;
  int rc = expand_recorded(l, sc, arena, stagegraph_stage_base(st), &r, word);
  if (fatal(rc) || (rc = undeclared_in_from(l, from, sc, &r))) return rc;
  const char *platform = stagegraph_stage_platform(st);
  if (!platform) return 0;
  rc = expand_recorded(l, sc, arena, platform, &r, word);
  if (fatal(rc)) return rc;
  int expanded = rc == 0;
  if ((rc = undeclared_in_from(l, from, sc, &r)) || !expanded) return rc;
  size_t matched = 0, unmatched = 0;
  int target_platform = 0;
  for (size_t i = 0; i < r.count; i++) {
    if (!r.found[i]) {
      unmatched++;
      continue;
    }
    matched++;
    target_platform |= strcmp(r.names[i], "TARGETPLATFORM") == 0;
  }
  const char *result = word->ptr ? word->ptr : "";
  if (matched == 1 && unmatched == 0 && target_platform) {
    const char *tp = NULL;
    scope_get(sc, "TARGETPLATFORM", 14, &tp, NULL);
    if (tp && strcmp(tp, result) == 0) {
      sgi_lint_msgf(l, "Setting platform to predefined %s in FROM is redundant as this is the default behavior",
                    platform);
      if ((rc = sgi_lint_report_msg(l, SGI_RULE_REDUNDANT_TARGET_PLATFORM, from, from))) return rc;
    }
  }
  if (matched || unmatched) return 0;
  sgi_platform p;
  sgi_buf scratch;
  sgi_buf_init(&scratch, &l->lint->mem);
  int bad = sgi_platform_parse(result, word->len, &p, &scratch);
  sgi_buf_free(&scratch);
  if (bad) return 0;
  const char *name = stagegraph_stage_name(st);
  if (name && (strstr(name, p.os) || strstr(name, p.arch))) return 0;
  sgi_lint_msgf(l, "FROM --platform flag should not use constant value ");
  sgi_lint_quote(&l->msg, result, word->len);
  return sgi_lint_report_msg(l, SGI_RULE_FROM_PLATFORM_FLAG_CONST_DISALLOWED, from, from);
}

/* InvalidDefaultArgInFrom: with only the ARG defaults, every FROM must
 * expand to a valid image reference. Any expansion error abandons the
 * check, as BuildKit does. */
static int default_args_in_from(sgi_linter *l, sgi_arena *arena, auto_args *autos,
                                sgi_buf *word) {
  from_scope sc;
  memset(&sc, 0, sizeof sc);
  int ok;
  int rc = build_scope(l, arena, autos, &sc, 0, &ok);
  if (rc == STAGEGRAPH_ELIMIT) rc = 0, ok = 0; /* the defaults outgrow the budget: no check */
  const char *valid = NULL; /* the last base whose name parsed: stages often share one */
  for (size_t s = 0; !rc && ok && s < stagegraph_doc_stage_count(l->doc); s++) {
    const stagegraph_stage *st = stagegraph_doc_stage(l->doc, s);
    recorder r;
    int e = expand_recorded(l, &sc, arena, stagegraph_stage_base(st), &r, word);
    if (e == STAGEGRAPH_ENOMEM) rc = e;
    if (e) break;
    const char *base = stagegraph_stage_base(st);
    if (valid && !strcmp(base, valid)) continue; /* expands the same */
    e = sgi_reference_parse(NULL, NULL, word->ptr ? word->ptr : "", word->len, NULL);
    if (e == STAGEGRAPH_ENOMEM) rc = e;
    else if (!e) {
      valid = base;
    } else {
      const stagegraph_instruction *from = stagegraph_stage_from(st);
      sgi_lint_msgf(l, "Default value for ARG %s results in empty or invalid base image name",
                    stagegraph_stage_base(st));
      rc = sgi_lint_report_msg(l, SGI_RULE_INVALID_DEFAULT_ARG_IN_FROM, from, from);
    }
  }
  scope_free(&sc);
  return rc;
}

/* ---- dispatch-time checks --------------------------------------------------------- */

/* The secret-looking key check: one of the tokens as a whole `_`-delimited
 * part of the key, case-insensitively, unless an allowed token is too. */
static int has_token(const char *key, size_t len, const char *const *tokens, size_t n) {
  size_t start = 0;
  int ascii = 1; /* an ASCII part matches only a token of its length, ignoring ASCII case */
  for (size_t i = 0; i <= len; i++) {
    if (i < len && key[i] != '_') {
      ascii &= (unsigned char)key[i] < 0x80;
      continue;
    }
    for (size_t t = 0; t < n && i > start; t++) {
      /* the tokens are lowercase letters: an ASCII part must start with the same letter */
      if (ascii && (key[start] | 0x20) != tokens[t][0]) continue;
      if (ascii ? !sgi_ascii_casecmp(key + start, i - start, tokens[t])
                : sgi_equal_fold(key + start, i - start, tokens[t]))
        return 1;
    }
    start = i + 1;
    ascii = 1;
  }
  return 0;
}

static int secret_key(sgi_linter *l, const stagegraph_instruction *ins, const char *what,
                      const char *key, size_t len) {
  static const char *const deny[] = {"apikey", "auth",   "credential", "credentials", "key",
                                     "password", "pword", "passwd",     "secret",      "token"};
  static const char *const allow[] = {"public", "file", "version"};
  if (!has_token(key, len, deny, 10) || has_token(key, len, allow, 3)) return 0;
  sgi_lint_msgf(l, "Do not use ARG or ENV instructions for sensitive data (%s ", what);
  sgi_lint_quote(&l->msg, key, len);
  sgi_buf_putc(&l->msg, ')');
  return sgi_lint_report_msg(l, SGI_RULE_SECRETS_USED_IN_ARG_OR_ENV, ins, ins);
}

static int key_value(sgi_linter *l, const stagegraph_instruction *ins) {
  int rc = 0, legacy = 0;
  for (size_t i = 0; i + 2 < ins->arg_count && !rc; i += 3) {
    legacy |= ins->args[i + 2].len == 0;
    if (ins->kind == STAGEGRAPH_KIND_ENV)
      rc = secret_key(l, ins, "ENV", ins->args[i].ptr, ins->args[i].len);
  }
  if (!rc && legacy) {
    const char *kw = sgi_instruction_keyword(ins);
    sgi_lint_msgf(l, "\"%s key=value\" should be used instead of legacy \"%s key value\" format", kw, kw);
    rc = sgi_lint_report_msg(l, SGI_RULE_LEGACY_KEY_VALUE_FORMAT, ins, ins);
  }
  return rc;
}

/* The names UndefinedVar suggests from, in the order that breaks ties
 * (the first of equally close names wins): the variables set in the
 * parent stage's final scope, innermost stage first and each stage's in
 * the order they were set (or PATH, for a stage on an image), then the
 * stage's own ENV and ARG keys before the instruction.
 *
 * The parent's part is a FROM chain's: a stack of the scopes from the
 * root down to the parent, each scope's set names pushed over its
 * parent's, last set first, in a stack index (ties go to the later name).
 * Listing each stage's names once, at its own place, gives the same
 * answer as listing every name visible in the parent: a name set again
 * further in is as close and later on the stack, and a name declared
 * without a value (left out) was visible nowhere above (dispatch records
 * one only then), so it hides nothing. Moving to another parent pops the
 * scopes that are not its ancestors and pushes the missing ones: a chain
 * pushes each stage once, the children of one stage share its names, and
 * a stage's own part is the rest of the list. */
typedef struct chain {
  const stagegraph_plan *plan;
  names list;               /* a stack index */
  const sgi_scope **stack;  /* root first */
  size_t *below;            /* list.count before each scope's names */
  size_t height, cap;
  size_t *level;            /* per stage: its scope's place on the stack + 1, 0 off it */
  const sgi_scope **path;   /* scratch: the scopes to push, innermost first */
  size_t path_cap;
} chain;

static void chain_init(chain *c, const stagegraph_plan *plan, const sgi_mem *mem) {
  memset(c, 0, sizeof *c);
  c->plan = plan;
  names_init(&c->list, mem);
  sgi_suggest_index_init_stack(&c->list.suggest, mem);
}

static void chain_free(chain *c) {
  const sgi_mem *mem = c->list.mem;
  names_free(&c->list);
  sgi_free(mem, (void *)c->stack);
  sgi_free(mem, c->below);
  sgi_free(mem, c->level);
  sgi_free(mem, (void *)c->path);
}

static size_t *level_of(chain *c, const sgi_scope *x) { return &c->level[x - c->plan->final_env]; }

/* Room for one more of `size` bytes in *items (count used, *cap held). */
static int grow(const sgi_mem *mem, void **items, size_t count, size_t *cap, size_t size) {
  if (count < *cap) return 0;
  size_t n = *cap ? 2 * *cap : 16, bytes;
  if (!sgi_mul_ok(n, size, &bytes)) return STAGEGRAPH_ENOMEM;
  void *grown = sgi_realloc(mem, *items, bytes);
  if (!grown) return STAGEGRAPH_ENOMEM;
  *items = grown;
  *cap = n;
  return 0;
}

/* A scope's names with a value, last set on top; on failure none. */
static int chain_push(chain *c, const sgi_scope *x) {
  const sgi_mem *mem = c->list.mem;
  size_t cap = c->cap;
  int rc = grow(mem, (void **)&c->stack, c->height, &cap, sizeof *c->stack);
  if (!rc) rc = grow(mem, (void **)&c->below, c->height, &c->cap, sizeof *c->below);
  if (rc) return rc;
  size_t from = c->list.count;
  for (const sgi_envvar *v = NULL; !rc && (v = sgi_envmap_next(&x->local, v));)
    if (sgi_envvar_value(v, NULL)) rc = names_push(&c->list, sgi_envvar_name(v));
  if (rc) {
    c->list.count = from;
    return rc;
  }
  for (size_t i = from, j = c->list.count; i + 1 < j; i++, j--) {
    const char *t = c->list.items[i];
    c->list.items[i] = c->list.items[j - 1];
    c->list.items[j - 1] = t;
  }
  c->stack[c->height] = x;
  c->below[c->height++] = from;
  *level_of(c, x) = c->height;
  return 0;
}

/* The stack holds the chain of `parent` (a final scope) when this
 * returns 0. */
static int chain_move(chain *c, const sgi_scope *parent) {
  const sgi_mem *mem = c->list.mem;
  if (!c->level && !(c->level = sgi_calloc(mem, c->plan->stage_count, sizeof *c->level)))
    return STAGEGRAPH_ENOMEM;
  size_t n = 0;
  const sgi_scope *x = parent;
  for (; x && !*level_of(c, x); x = x->parent) {
    int rc = grow(mem, (void **)&c->path, n, &c->path_cap, sizeof *c->path);
    if (rc) return rc;
    c->path[n++] = x;
  }
  size_t keep = x ? *level_of(c, x) : 0;
  if (c->height > keep) {
    while (c->height > keep) *level_of(c, c->stack[--c->height]) = 0;
    c->list.count = c->below[keep];
    sgi_suggest_index_truncate(&c->list.suggest, c->list.count);
  }
  int rc = 0;
  while (n && !rc) rc = chain_push(c, c->path[--n]);
  return rc;
}

/* The stage's own list starts with PATH when it is built on an image;
 * else the stack holds its parent's chain. */
static int scope_names(const stagegraph_plan *p, size_t s, names *out, chain *c, int *chained) {
  out->count = 0;
  size_t parent = p->stages[s].parent;
  *chained = parent != STAGEGRAPH_NONE && p->final_env;
  if (!*chained) return names_push(out, "PATH");
  return chain_move(c, &p->final_env[parent]);
}

static int add_defined_names(const stagegraph_instruction *ins, names *scope, sgi_arena *arena) {
  int rc = 0;
  if (ins->kind == STAGEGRAPH_KIND_ENV) {
    for (size_t i = 0; i + 2 < ins->arg_count && !rc; i += 3) rc = names_push(scope, ins->args[i].ptr);
  } else if (ins->kind == STAGEGRAPH_KIND_ARG) {
    for (size_t k = 0; k < ins->arg_count && !rc; k++) {
      const char *w = ins->args[k].ptr;
      const char *key = sgi_arena_strndup(arena, w, sgi_key_value(w, NULL));
      rc = key ? names_push(scope, key) : STAGEGRAPH_ENOMEM;
    }
  }
  return rc;
}

static int is_proxy_or_sbom(const char *name) {
  static const char *const proxy[] = {"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"};
  for (size_t i = 0; i < 5; i++)
    if (sgi_ascii_casecmp(name, strlen(name), proxy[i]) == 0) return 1;
  return strncmp(name, "BUILDKIT_SBOM_", 14) == 0;
}

/* The names in scope for suggestions are gathered only for a stage that
 * has an undefined variable: *ready tells whether `scope` holds them for
 * the instructions before `ins`. */
typedef struct scope_view {
  const stagegraph_plan *plan;
  size_t stage;
  const stagegraph_stage *dst;
  size_t position; /* of the instruction being checked */
  names *names;    /* the stage's own part */
  int ready;
  sgi_arena *arena;
  chain *chain;
  int chained;     /* the chain's names come first */
} scope_view;

static int add_defined_names(const stagegraph_instruction *ins, names *scope, sgi_arena *arena);

static int scope_ready(scope_view *v) {
  if (v->ready) return 0;
  names_forget(v->names);
  int rc = scope_names(v->plan, v->stage, v->names, v->chain, &v->chained);
  for (size_t i = 0; !rc && i < v->position; i++) {
    const stagegraph_instruction *ins = stagegraph_stage_instruction(v->dst, i);
    if (v->plan->info[ins->index].executed) rc = add_defined_names(ins, v->names, v->arena);
  }
  v->ready = !rc;
  return rc;
}

/* closest() over the chain's names followed by the stage's own: the
 * value is either's name (none), or the closer match, the chain's when
 * as close. */
static int closest_in_scope(scope_view *v, const char *value, const char **match) {
  *match = NULL;
  if (!*value) return 0;
  size_t len = strlen(value), chain_k = STAGEGRAPH_NONE, chain_d = 3, own_k, own_d;
  names *c = &v->chain->list, *own = v->names;
  int rc = 0;
  if (v->chained)
    rc = sgi_suggest_index_search(&c->suggest, c->items, c->count, value, len, &chain_k, &chain_d);
  if (!rc) rc = sgi_suggest_index_search(&own->suggest, own->items, own->count, value, len, &own_k, &own_d);
  if (rc) return rc;
  if ((chain_k == STAGEGRAPH_NONE && chain_d == 0) || (own_k == STAGEGRAPH_NONE && own_d == 0))
    return 0;
  if (chain_k != STAGEGRAPH_NONE && chain_d <= own_d) *match = c->items[chain_k];
  else if (own_k != STAGEGRAPH_NONE) *match = own->items[own_k];
  return 0;
}

/* UndefinedVar's suggestions are found before the rules' walk, stage by
 * stage in preorder of the FROM tree (a stage, then the stages built on
 * it, in file order), and kept per instruction for the walk. In that
 * order the chain only goes down the tree and back up, pushing each
 * stage's scope at most once; in file order, stages alternating between
 * two deep branches would pop one branch and push the other at every
 * stage (a 40k-stage file took 113 s). The answers are the same: a
 * stage's chain is its ancestors' scopes, whatever came before. */
static int suggest_stage(const stagegraph_plan *p, size_t s, names *own, chain *c,
                         sgi_arena *arena, const char ***answers) {
  const stagegraph_stage *st = stagegraph_doc_stage(p->doc, s);
  scope_view v = {p, s, st, 0, own, 0, arena, c, 0};
  int rc = 0;
  for (size_t i = 0; i < stagegraph_stage_instruction_count(st) && !rc; i++) {
    const stagegraph_instruction *ins = stagegraph_stage_instruction(st, i);
    const sgi_ins_info *info = &p->info[ins->index];
    if (!info->executed) continue;
    v.position = i;
    const char **found = NULL;
    for (size_t u = 0; u < info->undefined_count && !rc; u++) {
      if (is_proxy_or_sbom(info->undefined[u])) continue;
      if (!found && !(found = answers[ins->index] =
                          sgi_arena_calloc(arena, info->undefined_count, sizeof *found)))
        return STAGEGRAPH_ENOMEM;
      if (!(rc = scope_ready(&v))) rc = closest_in_scope(&v, info->undefined[u], &found[u]);
    }
    if (!rc && v.ready) rc = add_defined_names(ins, own, arena);
  }
  return rc;
}

/* The answers, per document instruction: NULL for an instruction without
 * a reported undefined variable, else the suggestion (or NULL) for each. */
static int suggest_all(const stagegraph_plan *p, names *own, chain *c, sgi_arena *arena,
                       const char ****out) {
  *out = NULL;
  if (!p || !p->undefined_stages) return 0;
  size_t n = p->stage_count, count = stagegraph_doc_instruction_count(p->doc);
  const char ***answers = sgi_arena_calloc(arena, count ? count : 1, sizeof *answers);
  /* children in file order: first[s] and next[child], from the last stage
   * back; then a stack of stages to visit */
  size_t *first = sgi_arena_array(arena, n, sizeof *first);
  size_t *next = sgi_arena_array(arena, n, sizeof *next);
  size_t *stack = sgi_arena_array(arena, n, sizeof *stack);
  if (!answers || !first || !next || !stack) return STAGEGRAPH_ENOMEM;
  for (size_t s = 0; s < n; s++) first[s] = STAGEGRAPH_NONE;
  for (size_t s = n; s-- > 0;) {
    size_t parent = p->stages[s].parent;
    if (parent == STAGEGRAPH_NONE) continue;
    next[s] = first[parent];
    first[parent] = s;
  }
  int rc = 0;
  for (size_t root = 0; root < n && !rc; root++) {
    if (p->stages[root].parent != STAGEGRAPH_NONE) continue;
    size_t height = 0;
    stack[height++] = root;
    while (height && !rc) {
      size_t s = stack[--height];
      const sgi_plan_stage *ps = &p->stages[s];
      if (ps->undefined && sgi_plan_dispatched(p, s)) rc = suggest_stage(p, s, own, c, arena, answers);
      /* the children pushed last to first, so visited first to last */
      for (size_t k = first[s]; k != STAGEGRAPH_NONE; k = next[k]) height++;
      for (size_t k = first[s], top = height; k != STAGEGRAPH_NONE; k = next[k]) stack[--top] = k;
    }
  }
  if (!rc) *out = answers;
  return rc;
}

static int undefined_vars(sgi_linter *l, const stagegraph_instruction *ins, const sgi_ins_info *info,
                          const char ***answers) {
  for (size_t i = 0; i < info->undefined_count; i++) {
    const char *name = info->undefined[i];
    if (is_proxy_or_sbom(name)) continue;
    const char *const *found = answers ? answers[ins->index] : NULL;
    const char *s = found ? found[i] : NULL;
    sgi_lint_msgf(l, "Usage of undefined variable '$%s'", name);
    if (s) sgi_buf_printf(&l->msg, " (did you mean $%s?)", s);
    int rc = sgi_lint_report_msg(l, SGI_RULE_UNDEFINED_VAR, ins, ins);
    if (rc) return rc;
  }
  return 0;
}

/* The expanded word `i` of an instruction when dispatch recorded it, else
 * the word as written when expansion cannot change it; NULL when unknown. */
static const char *expanded_word(const stagegraph_doc *doc, const stagegraph_instruction *ins,
                                 const sgi_ins_info *info, size_t i) {
  if (info->word_count > i) return info->words[i];
  if (info->word_count || i >= ins->arg_count) return NULL;
  const sgi_str *w = &ins->args[i];
  return sgi_expand_changes(w->ptr, w->len, doc->escape) ? NULL : w->ptr;
}

/* WORKDIR: the first one in a stage chain must be absolute. */
static int workdir(sgi_linter *l, const stagegraph_instruction *ins, const sgi_ins_info *info,
                   int *set) {
  if (*set) return 0;
  *set = 1;
  /* without dispatch's expanded path, a path that expansion could change
   * is not judged */
  const char *path = expanded_word(l->doc, ins, info, 0);
  if (!path) return 0;
  if (path[0] == '/') return 0;
  sgi_lint_msgf(l, "Relative workdir ");
  sgi_lint_quote(&l->msg, path, strlen(path));
  sgi_buf_puts(&l->msg, " can have unexpected results if the base image changes");
  return sgi_lint_report_msg(l, SGI_RULE_WORKDIR_RELATIVE_PATH, ins, ins);
}

/* EXPOSE: each port spec ([ip:][hostPort:]port[/proto]) with a port and a
 * valid protocol (dispatch fails on the others) raises ExposeProtoCasing
 * for an uppercase protocol and ExposeInvalidFormat for an IP or host
 * port. */
static int expose_port(sgi_linter *l, const stagegraph_instruction *ins, const char *raw) {
  sgi_port_spec p;
  sgi_port_spec_split(raw, strlen(raw), &p);
  if (!p.port.len || !sgi_port_proto_known(&p)) return 0;
  int rc = 0;
  if (!sgi_is_case(p.proto.ptr, p.proto.len, 1)) {
    sgi_lint_msgf(l, "Defined protocol '%s' in EXPOSE instruction should be lowercase", raw);
    rc = sgi_lint_report_msg(l, SGI_RULE_EXPOSE_PROTO_CASING, ins, ins);
  }
  if (!rc && (p.ip.len || p.host.len)) {
    sgi_lint_msgf(l, "EXPOSE instruction should not define an IP address or host-port mapping, found '%s'",
                  raw);
    rc = sgi_lint_report_msg(l, SGI_RULE_EXPOSE_INVALID_FORMAT, ins, ins);
  }
  return rc;
}

/* The words dispatch expanded, in the order it read them (BuildKit's
 * parser sorts them): every one, since the instruction was dispatched. */
static int expose(sgi_linter *l, const stagegraph_instruction *ins, const sgi_ins_info *info) {
  int rc = 0;
  for (size_t i = 0; i < info->word_count && !rc; i++) rc = expose_port(l, ins, info->words[i]);
  return rc;
}

static int is_remote(const char *src) {
  return strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0 ||
         strncmp(src, "git@", 4) == 0 || strncmp(src, "git://", 6) == 0 ||
         strncmp(src, "ssh://", 6) == 0;
}

/* CopyIgnoredFile: sources from the main context that .dockerignore
 * excludes. Skipped when the patterns have exceptions; "." and "/" only
 * count when a pattern is "*", "**" or "**\/\*". */
static int copy_ignored(sgi_linter *l, const stagegraph_instruction *ins, const sgi_ins_info *info) {
  if (!l->ignore || sgi_patterns_has_exclusions(l->ignore) || info->word_count < 2) return 0;
  if (ins->kind == STAGEGRAPH_KIND_COPY && stagegraph_instruction_flag_value(ins, "from", 0)) return 0;
  int everything = 0;
  for (size_t i = 0; i < sgi_patterns_count(l->ignore); i++) {
    sgi_pattern_info pi;
    if (sgi_patterns_get(l->ignore, i, &pi) == 0 && !pi.exclusion &&
        (strcmp(pi.text, "*") == 0 || strcmp(pi.text, "**") == 0 || strcmp(pi.text, "**/*") == 0))
      everything = 1;
  }
  const char *what = ins->kind == STAGEGRAPH_KIND_ADD ? "Add" : "Copy";
  for (size_t i = 0; i + 1 < info->word_count; i++) {
    const char *src = info->words[i];
    if (ins->kind == STAGEGRAPH_KIND_ADD && is_remote(src)) continue;
    size_t len = strlen(src);
    char *clean = sgi_malloc(&l->lint->mem, len + 2);
    if (!clean) return STAGEGRAPH_ENOMEM;
    size_t clen = sgi_path_clean(clean, src, len);
    int hit;
    if (strcmp(clean, ".") == 0 || strcmp(clean, "/") == 0) hit = everything;
    else hit = sgi_patterns_matches(l->ignore, clean, clen);
    int rc = 0;
    if (hit == STAGEGRAPH_ENOMEM) rc = hit;
    else if (hit == 1) {
      sgi_lint_msgf(l, "Attempting to %s file ", what);
      sgi_lint_quote(&l->msg, clean, clen);
      sgi_buf_puts(&l->msg, " that is excluded by .dockerignore");
      rc = sgi_lint_report_msg(l, SGI_RULE_COPY_IGNORED_FILE, ins, ins);
    }
    sgi_free(&l->lint->mem, clean);
    if (rc) return rc;
  }
  return 0;
}

/* CMD, ENTRYPOINT and HEALTHCHECK once per stage; the earlier one is
 * reported, because it is the one that is ignored. */
static int used_once(sgi_linter *l, const stagegraph_instruction *ins,
                     const stagegraph_instruction **prev) {
  int rc = 0;
  if (*prev) {
    sgi_lint_msgf(l, "Multiple %s instructions should not be used in the same stage because only the last one will be used",
                  sgi_instruction_keyword(ins));
    rc = sgi_lint_report_msg(l, SGI_RULE_MULTIPLE_INSTRUCTIONS_DISALLOWED, *prev, ins);
  }
  *prev = ins;
  return rc;
}

typedef struct stage_state {
  int shell;   /* a SHELL instruction is in effect */
  int workdir; /* a WORKDIR was set in the stage chain */
  const stagegraph_instruction *cmd, *entrypoint, *healthcheck;
} stage_state;

static int dispatch_instruction(sgi_linter *l, const stagegraph_instruction *ins,
                                const sgi_ins_info *info, stage_state *st) {
  int rc = 0;
  switch (ins->kind) {
  case STAGEGRAPH_KIND_ENV:
  case STAGEGRAPH_KIND_LABEL: return key_value(l, ins);
  case STAGEGRAPH_KIND_ARG:
    for (size_t k = 0; k < ins->arg_count && !rc; k++) {
      const char *w = ins->args[k].ptr;
      rc = secret_key(l, ins, "ARG", w, sgi_key_value(w, NULL));
    }
    return rc;
  case STAGEGRAPH_KIND_CMD:
  case STAGEGRAPH_KIND_ENTRYPOINT:
    rc = used_once(l, ins, ins->kind == STAGEGRAPH_KIND_CMD ? &st->cmd : &st->entrypoint);
    if (!rc && !ins->json && !st->shell) {
      sgi_lint_msgf(l, "JSON arguments recommended for %s to prevent unintended behavior related to OS signals",
                    sgi_instruction_keyword(ins));
      rc = sgi_lint_report_msg(l, SGI_RULE_JSON_ARGS_RECOMMENDED, ins, ins);
    }
    return rc;
  case STAGEGRAPH_KIND_HEALTHCHECK: return used_once(l, ins, &st->healthcheck);
  case STAGEGRAPH_KIND_SHELL: st->shell = 1; return 0;
  case STAGEGRAPH_KIND_WORKDIR: return workdir(l, ins, info, &st->workdir);
  case STAGEGRAPH_KIND_EXPOSE: return expose(l, ins, info);
  case STAGEGRAPH_KIND_COPY:
  case STAGEGRAPH_KIND_ADD: return copy_ignored(l, ins, info);
  default: return 0;
  }
}

/* ONBUILD triggers run first. They change the stage's state, but their own
 * findings are not reported (BuildKit would place them in the trigger's
 * one-line source); a later CMD, ENTRYPOINT or HEALTHCHECK is reported at
 * the parent's ONBUILD. */
static void trigger_state(const stagegraph_instruction *ins, const stagegraph_instruction *owner,
                          stage_state *st) {
  switch (ins->kind) {
  case STAGEGRAPH_KIND_SHELL: st->shell = 1; break;
  case STAGEGRAPH_KIND_WORKDIR: st->workdir = 1; break;
  case STAGEGRAPH_KIND_CMD: st->cmd = owner; break;
  case STAGEGRAPH_KIND_ENTRYPOINT: st->entrypoint = owner; break;
  case STAGEGRAPH_KIND_HEALTHCHECK: st->healthcheck = owner; break;
  default: break;
  }
}

/* ---- the pass ------------------------------------------------------------------- */

/* What a stage leaves in effect for the stages built on it. */
enum { INHERIT_SHELL = 1, INHERIT_WORKDIR = 2 };

struct sgi_buildkit_pass {
  sgi_linter *l;
  sgi_arena arena;          /* the rules' temporaries, for the whole pass */
  sgi_buf word;             /* an expanded FROM word */
  auto_args autos;
  from_scope scope;         /* FROM lines' scope, with the build args */
  sgi_str_index names;      /* DuplicateStageName's */
  casing casing;
  unsigned char *inherited; /* per stage, when planned: INHERIT_* */
  names defined;            /* UndefinedVar's suggestions: a stage's own names */
  chain chain;              /* ...after its parent chain's */
  /* the stage being checked */
  size_t stage;
  int dispatched;           /* the plan dispatched it: dispatch-time checks run */
  stage_state state;
  const char ***suggested;  /* UndefinedVar's, per instruction (suggest_all) */
};

int sgi_lint_buildkit_begin(sgi_buildkit_pass **out, sgi_linter *l) {
  sgi_buildkit_pass *bk = *out = sgi_calloc(&l->lint->mem, 1, sizeof *bk);
  if (!bk) return STAGEGRAPH_ENOMEM;
  bk->l = l;
  sgi_arena_init(&bk->arena, &l->lint->mem);
  sgi_buf_init(&bk->word, &l->lint->mem);
  bk->autos.l = l;
  names_init(&bk->defined, &l->lint->mem);
  chain_init(&bk->chain, l->plan, &l->lint->mem);
  sgi_str_index_init(&bk->names, &l->lint->mem, sgi_hash_seed(bk));
  const stagegraph_doc *doc = l->doc;
  int rc = no_empty_continuation(l);
  for (size_t m = 0; !rc && m < stagegraph_doc_meta_arg_count(doc); m++)
    rc = arg_description(l, stagegraph_doc_meta_arg(doc, m), &bk->arena);
  int ok;
  if (!rc) rc = build_scope(l, &bk->arena, &bk->autos, &bk->scope, 1, &ok);
  if (!rc) rc = sgi_str_index_reserve(&bk->names, stagegraph_doc_stage_count(doc));
  size_t n = l->plan ? l->plan->stage_count : 0;
  if (!rc && n && !(bk->inherited = sgi_arena_calloc(&bk->arena, n, 1))) rc = STAGEGRAPH_ENOMEM;
  if (!rc) rc = suggest_all(l->plan, &bk->defined, &bk->chain, &bk->arena, &bk->suggested);
  return rc;
}

/* On many stages each name's slot in bk->names is a cache miss: each
 * stage starts loading the slot of the name NAMES_AHEAD stages on. */
#define NAMES_AHEAD 8

static void prefetch_name(const sgi_buildkit_pass *bk, size_t s) {
  if (s >= stagegraph_doc_stage_count(bk->l->doc)) return;
  const char *name = stagegraph_stage_name(stagegraph_doc_stage(bk->l->doc, s));
  if (name) sgi_str_index_prefetch(&bk->names, name, strlen(name));
}

/* The FROM line's checks; then, when the plan dispatched the stage, what
 * is in effect before its instructions: the parent's SHELL and WORKDIR,
 * then the ONBUILD triggers. */
int sgi_lint_buildkit_stage(sgi_buildkit_pass *bk, size_t s) {
  sgi_linter *l = bk->l;
  const stagegraph_stage *st = stagegraph_doc_stage(l->doc, s);
  prefetch_name(bk, s + NAMES_AHEAD);
  count_casing(&bk->casing, stagegraph_stage_from(st));
  int rc = from_words(l, st, &bk->names);
  if (!rc) rc = from_variables(l, st, &bk->scope, &bk->arena, &bk->word);
  const sgi_plan_stage *ps = bk->inherited ? &l->plan->stages[s] : NULL;
  bk->stage = s;
  bk->dispatched = ps && sgi_plan_dispatched(l->plan, s);
  if (rc || !bk->dispatched) return rc;
  stage_state *state = &bk->state;
  memset(state, 0, sizeof *state);
  if (ps->parent != STAGEGRAPH_NONE) {
    state->shell = (bk->inherited[ps->parent] & INHERIT_SHELL) != 0;
    state->workdir = (bk->inherited[ps->parent] & INHERIT_WORKDIR) != 0;
  }
  for (size_t t = 0; t < sgi_plan_trigger_count(ps); t++)
    if (ps->triggers->docs[t])
      trigger_state(ps->triggers->docs[t]->instructions[0], ps->triggers->owners[t], state);
  return 0;
}

/* The parse-time checks of one of the stage's instructions, then the
 * dispatch-time ones when dispatch reached it. */
int sgi_lint_buildkit_instruction(sgi_buildkit_pass *bk, const stagegraph_instruction *ins) {
  sgi_linter *l = bk->l;
  count_casing(&bk->casing, ins);
  int rc = 0;
  if (ins->kind == STAGEGRAPH_KIND_MAINTAINER)
    rc = sgi_lint_report(l, SGI_RULE_MAINTAINER_DEPRECATED, ins, ins,
                         "Maintainer instruction is deprecated in favor of using label");
  else if (ins->kind == STAGEGRAPH_KIND_ARG)
    rc = arg_description(l, ins, &bk->arena);
  if (rc || !bk->dispatched) return rc;
  const sgi_ins_info *info = &l->plan->info[ins->index];
  if (!info->executed) return 0;
  rc = undefined_vars(l, ins, info, bk->suggested);
  if (!rc) rc = dispatch_instruction(l, ins, info, &bk->state);
  return rc;
}

void sgi_lint_buildkit_stage_end(sgi_buildkit_pass *bk) {
  if (!bk->dispatched) return;
  bk->inherited[bk->stage] = (unsigned char)((bk->state.shell ? INHERIT_SHELL : 0) |
                                             (bk->state.workdir ? INHERIT_WORKDIR : 0));
}

int sgi_lint_buildkit_end(sgi_buildkit_pass *bk) {
  int rc = instruction_casing(bk->l, &bk->casing);
  if (!rc) rc = default_args_in_from(bk->l, &bk->arena, &bk->autos, &bk->word);
  return rc;
}

void sgi_lint_buildkit_free(sgi_buildkit_pass *bk) {
  if (!bk) return;
  const sgi_mem *mem = &bk->l->lint->mem;
  scope_free(&bk->scope);
  names_free(&bk->defined);
  chain_free(&bk->chain);
  sgi_str_index_free(&bk->names);
  sgi_buf_free(&bk->word);
  sgi_arena_free(&bk->arena);
  sgi_free(mem, bk);
}
