/* Lint: the rule registry, the check configuration and suppression, the
 * lint object and its accessors. The rules themselves live in lint_rules.c
 * (BuildKit's) and lint_graph.c (the stage-graph rules). */
#include "lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instructions.h"
#include "text.h"

/* ---- the registry ---------------------------------------------------------- */

typedef struct rule_def {
  const char *name;
  const char *description;
  const char *url;
  stagegraph_severity severity;
  int experimental;
} rule_def;

#define BK_URL(slug) "https://docs.docker.com/go/dockerfile/rule/" slug "/"
#define SG_URL(anchor) "https://github.com/stagegraph/stagegraph/blob/main/examples/RULES.md#" anchor
#define WARN STAGEGRAPH_SEVERITY_WARNING

static const rule_def rules[SGI_RULE_COUNT] = {
    {"StageNameCasing", "Stage names should be lowercase", BK_URL("stage-name-casing"), WARN, 0},
    {"FromAsCasing", "The 'as' keyword should match the case of the 'from' keyword",
     BK_URL("from-as-casing"), WARN, 0},
    {"NoEmptyContinuation", "Empty continuation lines will become errors in a future release",
     BK_URL("no-empty-continuation"), WARN, 0},
    {"ConsistentInstructionCasing",
     "All commands within the Dockerfile should use the same casing (either upper or lower)",
     BK_URL("consistent-instruction-casing"), WARN, 0},
    {"DuplicateStageName", "Stage names should be unique", BK_URL("duplicate-stage-name"), WARN, 0},
    {"ReservedStageName", "Reserved words should not be used as stage names",
     BK_URL("reserved-stage-name"), WARN, 0},
    {"JSONArgsRecommended",
     "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS "
     "signals",
     BK_URL("json-args-recommended"), WARN, 0},
    {"MaintainerDeprecated",
     "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
     BK_URL("maintainer-deprecated"), WARN, 0},
    {"UndefinedArgInFrom", "FROM command must use declared ARGs", BK_URL("undefined-arg-in-from"),
     WARN, 0},
    {"WorkdirRelativePath",
     "Relative workdir without an absolute workdir declared within the build can have unexpected "
     "results if the base image changes",
     BK_URL("workdir-relative-path"), WARN, 0},
    {"UndefinedVar", "Variables should be defined before their use", BK_URL("undefined-var"), WARN,
     0},
    {"MultipleInstructionsDisallowed",
     "Multiple instructions of the same type should not be used in the same stage",
     BK_URL("multiple-instructions-disallowed"), WARN, 0},
    {"LegacyKeyValueFormat", "Legacy key/value format with whitespace separator should not be used",
     BK_URL("legacy-key-value-format"), WARN, 0},
    {"RedundantTargetPlatform",
     "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default "
     "behavior",
     BK_URL("redundant-target-platform"), WARN, 0},
    {"SecretsUsedInArgOrEnv", "Sensitive data should not be used in the ARG or ENV commands",
     BK_URL("secrets-used-in-arg-or-env"), WARN, 0},
    {"InvalidDefaultArgInFrom",
     "Default value for global ARG results in an empty or invalid base image name",
     BK_URL("invalid-default-arg-in-from"), WARN, 0},
    {"FromPlatformFlagConstDisallowed", "FROM --platform flag should not use a constant value",
     BK_URL("from-platform-flag-const-disallowed"), WARN, 0},
    {"CopyIgnoredFile", "Attempting to Copy file that is excluded by .dockerignore",
     BK_URL("copy-ignored-file"), WARN, 0},
    {"InvalidDefinitionDescription",
     "Comment for build stage or argument should follow the format: `# <arg/stage name> "
     "<description>`. If this is not intended to be a description comment, add an empty line or "
     "comment between the instruction and the comment.",
     BK_URL("invalid-definition-description"), WARN, 1},
    {"ExposeProtoCasing", "Protocol in EXPOSE instruction should be lowercase",
     BK_URL("expose-proto-casing"), WARN, 0},
    {"ExposeInvalidFormat",
     "IP address and host-port mapping should not be used in EXPOSE instruction. This will become "
     "an error in a future release",
     BK_URL("expose-invalid-format"), WARN, 0},
    {"FatFinalStage",
     "The shipped stage should run on a small runtime base, not a full toolchain or distribution "
     "image",
     SG_URL("fatfinalstage"), WARN, 0},
    {"DependenciesAfterSources",
     "Dependency manifests should be copied and installed before the source tree, so that source "
     "edits keep the install layer cached",
     SG_URL("dependenciesaftersources"), WARN, 0},
    {"ToolchainInFinalStage",
     "Build tools and development dependencies belong in the build stage, not in the shipped stage",
     SG_URL("toolchaininfinalstage"), WARN, 0},
    {"SecretCopiedToFinalStage",
     "Secret-looking files should not be copied into stages whose files reach the shipped image",
     SG_URL("secretcopiedtofinalstage"), WARN, 0},
    {"DeadStage", "Every stage should be needed by a target or used by another stage",
     SG_URL("deadstage"), WARN, 0},
    {"ForwardStageReference", "COPY --from and RUN --mount from= should name an earlier stage",
     SG_URL("forwardstagereference"), WARN, 0},
    {"RedundantCopyFromParent",
     "COPY --from should not name the stage the current stage is built on",
     SG_URL("redundantcopyfromparent"), WARN, 0},
    {"CopyWholeFilesystem", "COPY --from should copy the build output, not a whole filesystem",
     SG_URL("copywholefilesystem"), WARN, 0},
    {"StageReferencedByIndex", "Stages should be referenced by name, not by their position",
     SG_URL("stagereferencedbyindex"), WARN, 0},
    {"FinalStageRunsAsRoot", "The shipped stage should switch to an unprivileged user",
     SG_URL("finalstagerunsasroot"), WARN, 0},
};

size_t stagegraph_rule_count(void) { return SGI_RULE_COUNT; }
const char *stagegraph_rule_name(size_t i) { return i < SGI_RULE_COUNT ? rules[i].name : NULL; }
const char *stagegraph_rule_description(size_t i) {
  return i < SGI_RULE_COUNT ? rules[i].description : NULL;
}
const char *stagegraph_rule_url(size_t i) { return i < SGI_RULE_COUNT ? rules[i].url : NULL; }
stagegraph_severity stagegraph_rule_severity(size_t i) {
  return i < SGI_RULE_COUNT ? rules[i].severity : STAGEGRAPH_SEVERITY_INFO;
}
int stagegraph_rule_experimental(size_t i) { return i < SGI_RULE_COUNT ? rules[i].experimental : 0; }

/* ---- the check configuration -------------------------------------------------- */

static void trim(const char **s, size_t *len) { sgi_trim_space(s, len); }

/* strconv.ParseBool */
static int go_parse_bool(const char *s, size_t len, int *out) {
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (size_t i = 0; i < 6; i++) {
    if (strlen(yes[i]) == len && memcmp(yes[i], s, len) == 0) return *out = 1, 0;
    if (strlen(no[i]) == len && memcmp(no[i], s, len) == 0) return *out = 0, 0;
  }
  return -1;
}

/* "a, b,c" as strings.Split on "," with each item trimmed. */
static int split_list(const char ***out, size_t *count, sgi_arena *arena, const char *v,
                      size_t len) {
  size_t n = 1;
  for (size_t i = 0; i < len; i++) n += v[i] == ',';
  const char **items = sgi_arena_calloc(arena, n, sizeof *items);
  if (!items) return STAGEGRAPH_ENOMEM;
  size_t k = 0, start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && v[i] != ',') continue;
    const char *item = v + start;
    size_t ilen = i - start;
    trim(&item, &ilen);
    if (!(items[k++] = sgi_arena_strndup(arena, item, ilen))) return STAGEGRAPH_ENOMEM;
    start = i + 1;
  }
  *out = items;
  *count = n;
  return 0;
}

static int check_error(sgi_buf *msg, const char *prefix, const char *quoted, size_t qlen) {
  sgi_buf_clear(msg);
  sgi_buf_puts(msg, prefix);
  sgi_quote_go(msg, quoted, qlen);
  return msg->failed ? STAGEGRAPH_ENOMEM : STAGEGRAPH_ERROR;
}

int sgi_check_parse(sgi_check_config *out, sgi_arena *arena, const char *value, size_t len,
                    sgi_buf *msg) {
  memset(out, 0, sizeof *out);
  trim(&value, &len);
  if (len == 0) return 0;
  /* strings.SplitN(value, ";", 3): the third part keeps any further ';' */
  const char *parts[3];
  size_t lens[3], n = 0, start = 0;
  for (size_t i = 0; i < len && n < 2; i++) {
    if (value[i] != ';') continue;
    parts[n] = value + start;
    lens[n++] = i - start;
    start = i + 1;
  }
  parts[n] = value + start;
  lens[n++] = len - start;
  for (size_t p = 0; p < n; p++) {
    const char *eq = memchr(parts[p], '=', lens[p]);
    if (!eq) return check_error(msg, "invalid check option ", parts[p], lens[p]);
    const char *k = parts[p], *v = eq + 1;
    size_t klen = (size_t)(eq - parts[p]), vlen = lens[p] - klen - 1;
    trim(&k, &klen);
    trim(&v, &vlen);
    int rc;
    if (klen == 4 && memcmp(k, "skip", 4) == 0) {
      if (vlen == 3 && memcmp(v, "all", 3) == 0) out->skip_all = 1;
      else if ((rc = split_list(&out->skip, &out->skip_count, arena, v, vlen))) return rc;
    } else if (klen == 12 && memcmp(k, "experimental", 12) == 0) {
      if (vlen == 3 && memcmp(v, "all", 3) == 0) out->experimental_all = 1;
      else if ((rc = split_list(&out->experimental, &out->experimental_count, arena, v, vlen)))
        return rc;
    } else if (klen == 5 && memcmp(k, "error", 5) == 0) {
      if (go_parse_bool(v, vlen, &out->error)) {
        sgi_buf_clear(msg);
        sgi_buf_puts(msg, "failed to parse check option ");
        sgi_quote_go(msg, parts[p], lens[p]);
        sgi_buf_puts(msg, ": strconv.ParseBool: parsing ");
        sgi_quote_go(msg, v, vlen);
        sgi_buf_puts(msg, ": invalid syntax");
        return msg->failed ? STAGEGRAPH_ENOMEM : STAGEGRAPH_ERROR;
      }
    } else {
      return check_error(msg, "invalid check option ", k, klen);
    }
  }
  return 0;
}

/* A comment line (PrevComment text, without '#') with the directive shape
 * `check = value`: the value, or NULL. */
static const char *check_comment(const char *c, size_t *vlen) {
  size_t len = strlen(c), i = 0;
  if (!len || !((c[0] >= 'a' && c[0] <= 'z') || (c[0] >= 'A' && c[0] <= 'Z'))) return NULL;
  while (i < len && ((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= 'A' && c[i] <= 'Z') ||
                     (c[i] >= '0' && c[i] <= '9')))
    i++;
  if (i != 5 || !sgi_equal_fold(c, 5, "check")) return NULL;
  while (i < len && sgi_is_blank((unsigned char)c[i])) i++;
  if (i == len || c[i] != '=') return NULL;
  i++;
  while (i < len && sgi_is_blank((unsigned char)c[i])) i++;
  const char *v = c + i;
  size_t n = len - i;
  n -= sgi_space_suffix(v, n);
  if (!n) return NULL;
  *vlen = n;
  return v;
}

static int listed(const char *const *list, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (list[i] && strcmp(list[i], name) == 0) return 1;
  return 0;
}

/* 1 when the rule is off for a finding whose instruction is `owner`;
 * STAGEGRAPH_ENOMEM. Experimental rules are only ever switched on (BuildKit's
 * skip settings do not apply to them); the options' skip list applies to
 * every rule. */
static int suppressed(sgi_linter *l, sgi_rule_id rule, const stagegraph_instruction *owner) {
  const char *name = rules[rule].name;
  if (listed(l->skip, l->skip_count, "all") || listed(l->skip, l->skip_count, name)) return 1;
  /* the first comment above the instruction that parses as check=... */
  sgi_check_config extra;
  memset(&extra, 0, sizeof extra);
  sgi_arena scratch;
  sgi_arena_init(&scratch, &l->lint->mem);
  int rc = 0;
  for (size_t i = 0; owner && i < sgi_instruction_comment_count(owner); i++) {
    size_t vlen;
    const char *v = check_comment(owner->extra->comments[i], &vlen);
    if (!v) continue;
    sgi_buf msg;
    sgi_buf_init(&msg, &l->lint->mem);
    rc = sgi_check_parse(&extra, &scratch, v, vlen, &msg);
    sgi_buf_free(&msg);
    if (rc == STAGEGRAPH_ERROR) memset(&extra, 0, sizeof extra), rc = 0; /* ignored */
    break;
  }
  int off;
  const sgi_check_config *f = &l->file;
  if (rules[rule].experimental) {
    off = !(l->experimental || f->experimental_all ||
            listed(f->experimental, f->experimental_count, name) || extra.experimental_all ||
            listed(extra.experimental, extra.experimental_count, name));
  } else {
    off = f->skip_all || listed(f->skip, f->skip_count, name) || extra.skip_all ||
          listed(extra.skip, extra.skip_count, name);
  }
  sgi_arena_free(&scratch);
  return rc ? rc : off;
}

/* ---- findings ------------------------------------------------------------------ */

static int add_item(stagegraph_lint *lint, stagegraph_severity severity, int code,
                    const rule_def *rule, const sgi_pos *pos, const char *message) {
  if (lint->count == lint->cap) {
    size_t cap = lint->cap ? lint->cap * 2 : 16;
    stagegraph_diagnostic *items = sgi_arena_alloc(&lint->arena, cap * sizeof *items);
    if (!items) return STAGEGRAPH_ENOMEM;
    if (lint->count) memcpy(items, lint->items, lint->count * sizeof *items);
    lint->items = items;
    lint->cap = cap;
  }
  stagegraph_diagnostic *d = &lint->items[lint->count];
  memset(d, 0, sizeof *d);
  if (!(d->message = sgi_arena_strndup(&lint->arena, message, strlen(message))))
    return STAGEGRAPH_ENOMEM;
  d->inner = d->message;
  d->severity = severity;
  d->code = code;
  d->rule = rule ? rule->name : NULL;
  d->url = rule ? rule->url : NULL;
  if (pos) {
    d->line = pos->line;
    d->column = pos->column;
    d->end_line = pos->end_line;
    d->end_column = pos->end_column;
    d->offset = pos->offset;
  }
  lint->count++;
  return 0;
}

int sgi_lint_add_error(stagegraph_lint *lint, int code, const sgi_pos *pos, const char *message) {
  return add_item(lint, STAGEGRAPH_SEVERITY_ERROR, code, NULL, pos, message);
}

/* The instruction's span: its first line from the keyword to the last line
 * (the end column only when it fits on one line). */
static sgi_pos instruction_span(const stagegraph_instruction *ins) {
  sgi_pos pos = {ins->start_line, ins->column, ins->end_line, 0, ins->start_offset};
  if (ins->start_line == ins->end_line) {
    size_t len = ins->original_len - sgi_space_suffix(ins->original, ins->original_len);
    pos.end_column = ins->column + (uint32_t)len;
  }
  return pos;
}

int sgi_lint_report(sgi_linter *l, sgi_rule_id rule, const stagegraph_instruction *at,
                    const stagegraph_instruction *owner, const char *message) {
  int off = suppressed(l, rule, owner);
  if (off < 0) return off;
  if (off) return 0;
  sgi_pos pos = {0, 0, 0, 0, 0};
  if (at) pos = instruction_span(at);
  const rule_def *r = &rules[rule];
  return add_item(l->lint, r->severity, 0, r, at ? &pos : NULL, message);
}

int sgi_lint_report_msg(sgi_linter *l, sgi_rule_id rule, const stagegraph_instruction *at,
                        const stagegraph_instruction *owner) {
  if (l->msg.failed) return STAGEGRAPH_ENOMEM;
  return sgi_lint_report(l, rule, at, owner, l->msg.ptr ? l->msg.ptr : "");
}

int sgi_lint_spend(sgi_linter *l, size_t bytes) {
  l->expanded += bytes;
  if (l->expanded <= l->expansion_budget) return 0;
  return sgi_error_set(l->err, STAGEGRAPH_ELIMIT, NULL,
                       "variable expansion produced more than %zu bytes in all (the limit is 16 "
                       "times max_expansion_bytes plus 8 times the input)",
                       l->expansion_budget);
}

void sgi_lint_msgf(sgi_linter *l, const char *fmt, ...) {
  sgi_buf_clear(&l->msg);
  char small[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    sgi_buf_append(&l->msg, small, (size_t)n);
    return;
  }
  if (sgi_buf_grow(&l->msg, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(l->msg.ptr, (size_t)n + 1, fmt, ap);
  va_end(ap);
  l->msg.len = (size_t)n;
}

void sgi_lint_quote(sgi_buf *b, const char *s, size_t len) { sgi_quote_go(b, s, len); }

/* ---- shared helpers -------------------------------------------------------------- */

void sgi_lint_command_text(sgi_buf *out, const stagegraph_instruction *ins) {
  sgi_buf_clear(out);
  for (size_t i = 0; i < ins->arg_count; i++) {
    if (i) sgi_buf_putc(out, ' ');
    sgi_buf_append(out, ins->args[i].ptr, ins->args[i].len);
  }
  for (size_t h = 0; h < sgi_instruction_heredoc_count(ins); h++) {
    sgi_buf_putc(out, '\n');
    sgi_buf_append(out, ins->extra->heredocs[h].content, ins->extra->heredocs[h].content_len);
  }
}

/* ---- options ------------------------------------------------------------------- */

void stagegraph_lint_options_init(stagegraph_lint_options *opts, size_t size) {
  sgi_sized_init(opts, size, sizeof *opts);
}

/* Read a member only when the caller's struct is large enough to have it. */
#define LOPT(opts, member, fallback)                                                               \
  ((opts) && (opts)->size >= offsetof(stagegraph_lint_options, member) + sizeof((opts)->member)     \
       ? (opts)->member                                                                            \
       : (fallback))

/* ---- running ----------------------------------------------------------------------- */

/* BUILDKIT_DOCKERFILE_CHECK replaces the directive (C/convert.go). */
static const char *check_value(const stagegraph_doc *doc, uint32_t *line) {
  *line = 0;
  const char *value = sgi_doc_build_arg(doc, "BUILDKIT_DOCKERFILE_CHECK", 25);
  if (value) return value;
  for (size_t i = 0; i < doc->directive_count; i++) {
    if (strcmp(doc->directives[i].key, "check") == 0) {
      *line = doc->directives[i].line;
      return doc->directives[i].value;
    }
  }
  return NULL;
}

static int read_config(sgi_linter *l) {
  uint32_t line;
  const char *value = check_value(l->doc, &line);
  if (!value) return 0;
  sgi_buf msg;
  sgi_buf_init(&msg, &l->lint->mem);
  int rc = sgi_check_parse(&l->file, &l->lint->arena, value, strlen(value), &msg);
  if (rc == STAGEGRAPH_ERROR) {
    /* BuildKit stops here; the rest of the file is still linted with the
     * default configuration */
    memset(&l->file, 0, sizeof l->file);
    sgi_buf text;
    sgi_buf_init(&text, &l->lint->mem);
    sgi_buf_puts(&text, "failed to parse check options: ");
    sgi_buf_append(&text, msg.ptr ? msg.ptr : "", msg.len);
    sgi_pos pos = {line, line ? 1 : 0, line, 0, 0};
    rc = text.failed ? STAGEGRAPH_ENOMEM
                     : sgi_lint_add_error(l->lint, STAGEGRAPH_ERROR, line ? &pos : NULL, text.ptr);
    sgi_buf_free(&text);
  }
  sgi_buf_free(&msg);
  return rc;
}

/* Stages reachable from the shipped targets over dependencies: all of them
 * (`files_only` 0), or FROM and COPY --from only (1), over the edges the
 * plan groups by dependent stage (a stage replaced by a named context
 * depends on nothing: its files are the context's). `stack` holds a
 * stage count of indexes. */
static void mark_closure(const sgi_linter *l, unsigned char *mark, int files_only, size_t *stack) {
  const stagegraph_plan *p = l->plan;
  size_t top = 0;
  for (size_t t = 0; t < l->shipped_count; t++)
    if (!mark[l->shipped[t]]) mark[l->shipped[t]] = 1, stack[top++] = l->shipped[t];
  while (top) {
    size_t s = stack[--top];
    if (p->context_count && p->stages[s].context) continue;
    for (size_t k = p->in_start[s]; k < p->in_start[s + 1]; k++) {
      const stagegraph_edge *e = &p->edges[p->in_edges[k]];
      if (files_only && e->kind == STAGEGRAPH_EDGE_MOUNT) continue;
      if (!mark[e->from]) mark[e->from] = 1, stack[top++] = e->from;
    }
  }
}

/* The per-stage marks of the linter, in `marks` (three times the stage
 * count, zeroed), for as long as the rules run. */
static int mark_stages(sgi_linter *l, unsigned char *marks) {
  const stagegraph_plan *p = l->plan;
  size_t n = p->stage_count;
  l->needed = marks;
  l->reach = marks + n;
  l->in_scope = marks + 2 * n;
  if (l->targets_given) {
    l->shipped = p->targets;
    l->shipped_count = p->target_count;
  } else {
    l->last_stage = n - 1;
    l->shipped = &l->last_stage;
    l->shipped_count = 1;
  }
  size_t *scratch = sgi_malloc(&l->lint->mem, (n ? n : 1) * sizeof *scratch);
  if (!scratch) return STAGEGRAPH_ENOMEM;
  mark_closure(l, l->needed, 0, scratch);
  mark_closure(l, l->reach, 1, scratch);
  sgi_free(&l->lint->mem, scratch);
  for (size_t i = 0; i < n; i++) l->in_scope[i] = l->targets_given ? l->needed[i] : 1;
  return 0;
}

/* Plan the build the rules look at: the targets, or (BuildKit's --check
 * without a target) every stage. A plan error other than a bad target or
 * option becomes an error finding; without targets the default target's
 * plan is then tried, so the stage-graph rules still see what they can. */
static int make_plan(sgi_linter *l, stagegraph_plan **plan, const stagegraph_lint_options *opts,
                     stagegraph_error *err) {
  stagegraph_plan_options popts = STAGEGRAPH_PLAN_OPTIONS_INIT;
  popts.targets = LOPT(opts, targets, (const char *const *)NULL);
  popts.target_count = popts.targets ? LOPT(opts, target_count, (size_t)0) : 0;
  popts.build_contexts = LOPT(opts, build_contexts, (const char *const *)NULL);
  popts.build_context_count = popts.build_contexts ? LOPT(opts, build_context_count, (size_t)0) : 0;
  l->targets_given = popts.target_count > 0;
  l->first_target = l->targets_given ? popts.targets[0] : NULL;
  stagegraph_error perr = STAGEGRAPH_ERROR_INIT;
  int rc = sgi_plan_build(plan, l->doc, &popts, !l->targets_given, &perr);
  if (rc == 0) return 0;
  /* a bad target or option, and the limits, stop the lint as they stop a plan */
  if (rc == STAGEGRAPH_ENOMEM || rc == STAGEGRAPH_ENOTFOUND || rc == STAGEGRAPH_EINVAL ||
      rc == STAGEGRAPH_ELIMIT) {
    sgi_error_copy(err, &perr);
    return rc;
  }
  sgi_pos pos = {perr.line, perr.column, perr.end_line, perr.end_column, perr.offset};
  if ((rc = sgi_lint_add_error(l->lint, rc, perr.line ? &pos : NULL, perr.message))) return rc;
  if (!l->targets_given) {
    rc = sgi_plan_build(plan, l->doc, &popts, 0, &perr);
    if (rc == STAGEGRAPH_ENOMEM || rc == STAGEGRAPH_ELIMIT) {
      sgi_error_copy(err, &perr);
      return rc;
    }
  }
  return 0;
}

/* By position, then rule; the insertion order (the index) breaks ties, so
 * the order never depends on the sort. */
static int cmp_items(const stagegraph_diagnostic *items, size_t a, size_t b) {
  const stagegraph_diagnostic *x = &items[a], *y = &items[b];
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  if (x->column != y->column) return x->column < y->column ? -1 : 1;
  int c = strcmp(x->rule ? x->rule : "", y->rule ? y->rule : "");
  if (c) return c;
  return a < b ? -1 : a > b;
}

/* A natural merge sort: the findings come in a few runs already in order
 * (mostly by line: the stage pass's, then those of the passes' ends), so
 * merging the runs is close to linear. */
static int sort_items(stagegraph_lint *lint) {
  size_t n = lint->count, sorted = 1;
  while (sorted < n && cmp_items(lint->items, sorted - 1, sorted) < 0) sorted++;
  if (sorted >= n) return 0; /* already in order */
  /* one block: a copy of the items, then the order, the merge's scratch
   * and the runs' starts (and n after the last) */
  stagegraph_diagnostic *copy = sgi_malloc(&lint->mem, n * sizeof *copy + (3 * n + 1) * sizeof(size_t));
  if (!copy) return STAGEGRAPH_ENOMEM;
  size_t *order = (size_t *)(void *)(copy + n), *tmp = order + n, *runs = tmp + n;
  size_t r = 0;
  runs[r++] = 0;
  for (size_t i = sorted; i < n; i++)
    if (cmp_items(lint->items, i - 1, i) > 0) runs[r++] = i;
  runs[r] = n;
  for (size_t i = 0; i < n; i++) order[i] = i;
  while (r > 1) {
    size_t merged = 0;
    for (size_t k = 0; k < r; k += 2) { /* runs k and k + 1 (none past the last) */
      size_t lo = runs[k], mid = runs[k + 1], hi = k + 2 <= r ? runs[k + 2] : mid;
      size_t i = lo, j = mid, out = lo;
      while (i < mid && j < hi)
        tmp[out++] = cmp_items(lint->items, order[i], order[j]) <= 0 ? order[i++] : order[j++];
      while (i < mid) tmp[out++] = order[i++];
      while (j < hi) tmp[out++] = order[j++];
      runs[merged++] = lo;
    }
    runs[merged] = n;
    r = merged;
    memcpy(order, tmp, n * sizeof *order);
  }
  memcpy(copy, lint->items, n * sizeof *copy);
  for (size_t i = 0; i < n; i++) lint->items[i] = copy[order[i]];
  sgi_free(&lint->mem, copy);
  return 0;
}

/* Both rule files' passes, in one walk over the stages and their
 * instructions: each instruction is read while it is in cache. */
static int run_rules(sgi_linter *l) {
  int planned = l->plan && l->plan->stage_count;
  sgi_buildkit_pass *bk = NULL;
  sgi_graph_pass *graph = NULL;
  int rc = sgi_lint_buildkit_begin(&bk, l);
  if (!rc && planned) rc = sgi_lint_graph_begin(&graph, l);
  size_t n = stagegraph_doc_stage_count(l->doc);
  for (size_t s = 0; s < n && !rc; s++) {
    const stagegraph_stage *st = stagegraph_doc_stage(l->doc, s);
    rc = sgi_lint_buildkit_stage(bk, s);
    if (!rc && planned) rc = sgi_lint_graph_stage(graph, s);
    stagegraph_instruction *const *list = sgi_stage_instructions(st);
    size_t count = stagegraph_stage_instruction_count(st);
    for (size_t i = 0; i < count && !rc; i++) {
      const stagegraph_instruction *ins = list[i];
      sgi_instruction_ahead(list, i, count);
      rc = sgi_lint_buildkit_instruction(bk, ins);
      if (!rc && planned) rc = sgi_lint_graph_instruction(graph, ins);
    }
    if (rc) break;
    sgi_lint_buildkit_stage_end(bk);
    if (planned) rc = sgi_lint_graph_stage_end(graph);
  }
  if (!rc) rc = sgi_lint_buildkit_end(bk);
  if (!rc && planned) rc = sgi_lint_graph_end(graph);
  sgi_lint_buildkit_free(bk);
  sgi_lint_graph_free(graph);
  return rc;
}

static int run(sgi_linter *l, const stagegraph_lint_options *opts, stagegraph_error *err) {
  int rc = read_config(l);
  if (rc) return rc;
  l->lint->error_on_finding = l->file.error;
  const char *ignore = LOPT(opts, dockerignore, (const char *)NULL);
  if (ignore && (rc = sgi_ignore_parse(&l->ignore, &l->lint->mem, ignore,
                                       LOPT(opts, dockerignore_len, (size_t)0), err)))
    return rc;
  stagegraph_plan *plan = NULL;
  if ((rc = make_plan(l, &plan, opts, err))) return rc;
  l->plan = plan;
  unsigned char *marks = NULL;
  if (plan && plan->stage_count) {
    marks = sgi_calloc(&l->lint->mem, 3, plan->stage_count);
    rc = marks ? mark_stages(l, marks) : STAGEGRAPH_ENOMEM;
  }
  if (!rc) rc = run_rules(l);
  sgi_free(&l->lint->mem, marks);
  l->needed = l->reach = l->in_scope = NULL;
  stagegraph_plan_free(plan);
  l->plan = NULL;
  if (!rc) rc = sort_items(l->lint);
  return rc;
}

int stagegraph_lint_new(stagegraph_lint **out, const stagegraph_doc *doc,
                        const stagegraph_lint_options *opts, stagegraph_error *err) {
  if (!out) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out must not be NULL");
  *out = NULL;
  if (!doc) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "doc must not be NULL");
  if (opts && opts->size == 0)
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "options.size is 0: initialise the options");
  int rc = stagegraph_doc_verdict(doc, err);
  if (rc) return rc;
  stagegraph_lint *lint = sgi_malloc(&doc->mem, sizeof *lint);
  if (!lint) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  memset(lint, 0, sizeof *lint);
  lint->doc = doc;
  lint->mem = doc->mem;
  sgi_arena_init(&lint->arena, &lint->mem);
  lint->arena.min_block = 2048; /* most files have a few findings: a small first block */
  sgi_linter l;
  memset(&l, 0, sizeof l);
  l.lint = lint;
  l.doc = doc;
  l.skip = LOPT(opts, skip, (const char *const *)NULL);
  l.skip_count = l.skip ? LOPT(opts, skip_count, (size_t)0) : 0;
  l.experimental = LOPT(opts, experimental, 0) != 0;
  l.err = err;
  l.expansion_budget = 16 * doc->limits.max_expansion_bytes + 8 * doc->input_len;
  sgi_buf_init(&l.msg, &lint->mem);
  rc = run(&l, opts, err);
  sgi_buf_free(&l.msg);
  sgi_patterns_free(l.ignore);
  if (rc) {
    if (rc == STAGEGRAPH_ENOMEM) sgi_error_set(err, rc, NULL, "out of memory");
    stagegraph_lint_free(lint);
    return rc;
  }
  *out = lint;
  return 0;
}

void stagegraph_lint_free(stagegraph_lint *lint) {
  if (!lint) return;
  sgi_mem mem = lint->mem;
  sgi_arena_free(&lint->arena);
  sgi_free(&mem, lint);
}

size_t stagegraph_lint_count(const stagegraph_lint *lint) { return lint ? lint->count : 0; }

const stagegraph_diagnostic *stagegraph_lint_diagnostic(const stagegraph_lint *lint, size_t index) {
  return lint && index < lint->count ? &lint->items[index] : NULL;
}

int stagegraph_lint_failed(const stagegraph_lint *lint) {
  if (!lint) return 0;
  if (lint->error_on_finding && lint->count) return 1;
  for (size_t i = 0; i < lint->count; i++)
    if (lint->items[i].severity == STAGEGRAPH_SEVERITY_ERROR) return 1;
  return 0;
}
