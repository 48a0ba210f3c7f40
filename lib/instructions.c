/* The instruction layer (BuildKit's I/parse.go, I/bflag.go and the RUN
 * hooks): validate each instruction and its flags, group the instructions
 * into stages, and record BuildKit's verdict as error diagnostics.
 *
 * BuildKit stops at the first error; here every instruction is validated so
 * editors see all problems, and the first error in file order (which is the
 * one BuildKit reports) is the document's verdict. */
#include "instructions.h"

#include <string.h>

#include "buf.h"
#include "goparse.h"
#include "heredoc.h"
#include "mount.h"
#include "suggest.h"
#include "text.h"

/* Every pass over a large document's stages reads these records: 64
 * bytes, in an array aligned to cache lines (stage_array), each is one
 * line. */
struct stagegraph_stage {
  const stagegraph_instruction *from;
  const char *name; /* lowercased, NULL when unnamed */
  const char *base;
  const char *platform;
  /* the FROM's start offset and line, which the graph's edges and image
   * uses record for every stage, so that it need not read the FROM's
   * record (its description, read rarely, is found there instead) */
  uint32_t from_offset, from_line;
  /* the document's instruction list from the one after FROM: a stage's
   * instructions are the ones up to the next FROM */
  stagegraph_instruction *const *instructions;
  /* counts and the index fit 32 bits: inputs are under 4 GiB */
  uint32_t index;
  uint32_t instruction_count;
  uint32_t onbuild_count;
};
_Static_assert(sizeof(void *) != 8 || sizeof(struct stagegraph_stage) == 64,
               "a stage record is one cache line on 64-bit targets");

/* n zeroed stage records starting on a cache line (the arena aligns to 8). */
static stagegraph_stage *stage_array(sgi_arena *arena, size_t n) {
  enum { LINE = 64 };
  size_t bytes;
  if (!sgi_mul_ok(n ? n : 1, sizeof(stagegraph_stage), &bytes) || bytes > SIZE_MAX - LINE)
    return NULL;
  char *p = sgi_arena_alloc(arena, bytes + LINE - 1);
  if (!p) return NULL;
  p += (LINE - (uintptr_t)p % LINE) % LINE;
  memset(p, 0, bytes);
  return (stagegraph_stage *)p;
}

/* The flags being validated for one instruction. */
typedef struct command {
  sgi_flagval *flags;
  size_t flag_count;
  int has_error;
} command;

struct sgi_commands {
  stagegraph_stage *stages;
  size_t stage_count;
  const stagegraph_instruction **meta_args;
  size_t meta_arg_count;
  size_t onbuild_count; /* ONBUILD instructions in all stages */
  size_t linking_flag_count; /* builder flags of the stages' COPY and RUN instructions */
  sgi_link *links;           /* room for doc->linking_bound, on the heap (doc->mem) */
  size_t link_count;
  int labs; /* the syntax directive selects a -labs frontend */
};

/* ---- flag definitions ---------------------------------------------------- */

enum flag_type { F_BOOL, F_STRING, F_STRINGS };

typedef struct flag_def {
  const char *name;
  enum flag_type type;
  int labs; /* only in the labs frontend */
} flag_def;

static const flag_def add_flags[] = {
    {"checksum", F_STRING, 0}, {"chmod", F_STRING, 0},       {"chown", F_STRING, 0},
    {"exclude", F_STRINGS, 1}, {"keep-git-dir", F_BOOL, 0}, {"link", F_BOOL, 0},
    {"unpack", F_BOOL, 0},     {NULL, F_BOOL, 0}};
static const flag_def copy_flags[] = {
    {"chmod", F_STRING, 0}, {"chown", F_STRING, 0}, {"exclude", F_STRINGS, 1}, {"from", F_STRING, 0},
    {"link", F_BOOL, 0},    {"parents", F_BOOL, 1}, {NULL, F_BOOL, 0}};
static const flag_def from_flags[] = {{"platform", F_STRING, 0}, {NULL, F_BOOL, 0}};
static const flag_def run_flags[] = {{"device", F_STRINGS, 0},
                                     {"mount", F_STRINGS, 0},
                                     {"network", F_STRING, 0},
                                     {"security", F_STRING, 1},
                                     {NULL, F_BOOL, 0}};
static const flag_def health_flags[] = {{"interval", F_STRING, 0},     {"retries", F_STRING, 0},
                                        {"start-interval", F_STRING, 0}, {"start-period", F_STRING, 0},
                                        {"timeout", F_STRING, 0},      {NULL, F_BOOL, 0}};
static const flag_def no_flags[] = {{NULL, F_BOOL, 0}};

/* Validation state for one instruction. */
typedef struct checker {
  stagegraph_doc *doc;
  const stagegraph_instruction *ins;
  command *cmd;
  sgi_buf msg; /* the error text, when there is one */
  sgi_buf *scratch; /* shared by every instruction's checks, cleared before each use */
  int labs;
} checker;

/* Record an error (printf-style) unless one is already recorded. Returns
 * 1 so callers can `return fail(...)`. */
static int fail(checker *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#include <stdarg.h>
#include <stdio.h>

static int fail(checker *c, const char *fmt, ...) {
  if (c->msg.len) return 1;
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  sgi_buf_append(&c->msg, small, (size_t)n < sizeof small ? (size_t)n : sizeof small - 1);
  return 1;
}

static int flag_used(const command *cmd, const char *name) {
  for (size_t i = 0; i < cmd->flag_count; i++)
    if (strcmp(cmd->flags[i].name, name) == 0) return 1;
  return 0;
}

/* BFlags.Parse over the instruction's flag words. */
static int parse_flags(checker *c, const flag_def *defs) {
  const stagegraph_instruction *ins = c->ins;
  sgi_arena *arena = &c->doc->arena;
  size_t count = ins->extra->flag_count;
  if (!count) return 0;
  c->cmd->flags = sgi_arena_calloc(arena, count, sizeof *c->cmd->flags);
  if (!c->cmd->flags) return STAGEGRAPH_ENOMEM;
  for (size_t i = 0; i < count; i++) {
    const char *arg = ins->extra->flags[i];
    if (strncmp(arg, "--", 2) != 0) return fail(c, "arg should start with -- : %s", arg);
    if (strcmp(arg, "--") == 0) return 0;
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    const char *value = eq ? eq + 1 : "";
    const flag_def *def = NULL;
    for (const flag_def *d = defs; d->name; d++) {
      if ((!d->labs || c->labs) && strlen(d->name) == nlen && memcmp(d->name, name, nlen) == 0) def = d;
    }
    if (!def) {
      const char *options[8];
      size_t n = 0;
      for (const flag_def *d = defs; d->name && n < 8; d++)
        if (!d->labs || c->labs) options[n++] = d->name;
      fail(c, "unknown flag: --%.*s", (int)nlen, name);
      if (sgi_suggest(&c->msg, name, nlen, options, n, 1) < 0) return STAGEGRAPH_ENOMEM;
      return 1;
    }
    if (def->type != F_STRINGS && flag_used(c->cmd, def->name))
      return fail(c, "duplicate flag specified: --%s", def->name);
    const char *stored;
    if (def->type == F_BOOL) {
      if (eq && !*value) return fail(c, "missing a value on flag: --%s", def->name);
      if (!*value || sgi_ascii_casecmp(value, strlen(value), "true") == 0) stored = "true";
      else if (sgi_ascii_casecmp(value, strlen(value), "false") == 0) stored = "false";
      else return fail(c, "expecting boolean value for flag --%s, not: %s", def->name, value);
    } else {
      if (!eq) return fail(c, "missing a value on flag: --%s", def->name);
      stored = value;
    }
    c->cmd->flags[c->cmd->flag_count].name = def->name;
    c->cmd->flags[c->cmd->flag_count].value = stored;
    c->cmd->flag_count++;
  }
  return 0;
}

static const char *flag(const command *cmd, const char *name) {
  for (size_t i = 0; i < cmd->flag_count; i++)
    if (strcmp(cmd->flags[i].name, name) == 0) return cmd->flags[i].value;
  return NULL;
}

/* ---- per-instruction rules ------------------------------------------------- */

/* The instruction's arguments as BuildKit's nodeArgs gives them: for
 * ONBUILD, the trigger's keyword followed by its arguments. */
static size_t arg_count(const stagegraph_instruction *ins) {
  if (ins->extra->trigger) return 1 + ins->extra->trigger->arg_count;
  return ins->arg_count;
}

static int check_kvps(checker *c, const char *name) {
  int rc = parse_flags(c, no_flags);
  if (rc) return rc;
  if (c->ins->arg_count == 0) return fail(c, "%s requires at least one argument", name);
  for (size_t i = 0; i + 1 < c->ins->arg_count; i += 3)
    if (c->ins->args[i].len == 0) return fail(c, "%s names can not be blank", name);
  return 0;
}

static int check_exactly_one(checker *c, const char *name, int flags) {
  if (c->ins->arg_count != 1) return fail(c, "%s requires exactly one argument", name);
  return flags ? parse_flags(c, no_flags) : 0;
}

static int check_sources_and_dest(checker *c, const char *name, const flag_def *defs) {
  const stagegraph_instruction *ins = c->ins;
  if (ins->arg_count < 2)
    return fail(c, "%s requires at least two arguments, but only one was provided. Destination "
                   "could not be determined", name);
  int rc = parse_flags(c, defs);
  if (rc) return rc;
  stagegraph_heredoc h;
  const sgi_str *dest = &ins->args[ins->arg_count - 1];
  rc = sgi_heredoc_parse_word(&c->doc->arena, dest->ptr, dest->len, &h);
  if (rc < 0) return rc;
  if (rc == 1) return fail(c, "%s cannot accept a heredoc as a destination", name);
  return 0;
}

static int check_from(checker *c) {
  const stagegraph_instruction *ins = c->ins;
  if (ins->arg_count == 3 && sgi_equal_fold(ins->args[1].ptr, ins->args[1].len, "as")) {
    const sgi_str *n = &ins->args[2];
    sgi_buf *lower = c->scratch;
    sgi_buf_clear(lower);
    sgi_append_lower(lower, n->ptr, n->len);
    if (lower->failed) return STAGEGRAPH_ENOMEM;
    int ok = lower->len > 0 && lower->ptr[0] >= 'a' && lower->ptr[0] <= 'z';
    for (size_t i = 1; ok && i < lower->len; i++) {
      char ch = lower->ptr[i];
      ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
    }
    if (!ok) {
      sgi_buf q;
      sgi_buf_init(&q, &c->doc->mem);
      sgi_quote_go(&q, n->ptr, n->len);
      if (q.failed) {
      sgi_buf_free(&q);
      return STAGEGRAPH_ENOMEM;
    }
      fail(c, "invalid name for build stage: %s, name can't start with a number or contain symbols",
           q.ptr);
      sgi_buf_free(&q);
      return 1;
    }
  } else if (ins->arg_count != 1) {
    return fail(c, "FROM requires either one or three arguments");
  }
  return parse_flags(c, from_flags);
}

static int check_onbuild(checker *c) {
  const stagegraph_instruction *ins = c->ins;
  if (arg_count(ins) == 0) return fail(c, "ONBUILD requires at least one argument");
  int rc = parse_flags(c, no_flags);
  if (rc) return rc;
  const char *kw = sgi_instruction_keyword(ins->extra->trigger);
  size_t len = strlen(kw);
  sgi_trim_space(&kw, &len);
  sgi_buf up;
  sgi_buf_init(&up, &c->doc->mem);
  sgi_append_upper(&up, kw, len);
  if (up.failed) {
      sgi_buf_free(&up);
      return STAGEGRAPH_ENOMEM;
    }
  const char *u = up.ptr ? up.ptr : "";
  if (strcmp(u, "ONBUILD") == 0)
    fail(c, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  else if (strcmp(u, "MAINTAINER") == 0 || strcmp(u, "FROM") == 0)
    fail(c, "%s isn't allowed as an ONBUILD trigger", u);
  sgi_buf_free(&up);
  return 0;
}

/* parseOptInterval: a Go duration, 0 allowed, otherwise at least 1ms. */
static int check_interval(checker *c, const char *flag_name) {
  const char *v = flag(c->cmd, flag_name);
  if (!v || !*v) return 0;
  int64_t d;
  sgi_buf m;
  sgi_buf_init(&m, &c->doc->mem);
  if (sgi_go_parse_duration(v, strlen(v), &d, &m) < 0) {
    int rc = m.failed ? STAGEGRAPH_ENOMEM : fail(c, "%s", m.ptr);
    sgi_buf_free(&m);
    return rc;
  }
  sgi_buf_free(&m);
  if (d != 0 && d < 1000000) return fail(c, "Interval \"%s\" cannot be less than 1ms", flag_name);
  return 0;
}

static int check_healthcheck(checker *c) {
  const stagegraph_instruction *ins = c->ins;
  if (ins->arg_count == 0) return fail(c, "HEALTHCHECK requires at least one argument");
  const sgi_str *t = &ins->args[0];
  sgi_buf up;
  sgi_buf_init(&up, &c->doc->mem);
  sgi_append_upper(&up, t->ptr, t->len);
  if (up.failed) {
      sgi_buf_free(&up);
      return STAGEGRAPH_ENOMEM;
    }
  const char *typ = up.ptr ? up.ptr : "";
  int rc = 0;
  if (strcmp(typ, "NONE") == 0) {
    if (ins->arg_count != 1) fail(c, "HEALTHCHECK NONE takes no arguments");
  } else if ((rc = parse_flags(c, health_flags)) != 0 || c->msg.len) {
    /* a flag error */
  } else if (strcmp(typ, "CMD") == 0) {
    if (ins->arg_count < 2) fail(c, "Missing command after HEALTHCHECK CMD");
  } else {
    sgi_buf q;
    sgi_buf_init(&q, &c->doc->mem);
    sgi_quote_go(&q, typ, up.len);
    rc = q.failed ? STAGEGRAPH_ENOMEM : fail(c, "Unknown type %s in HEALTHCHECK (try CMD)", q.ptr);
    sgi_buf_free(&q);
  }
  int is_none = strcmp(typ, "NONE") == 0;
  sgi_buf_free(&up);
  if (rc < 0 || c->msg.len || is_none) return rc < 0 ? rc : 0;
  static const char *const intervals[] = {"interval", "timeout", "start-period", "start-interval"};
  for (size_t i = 0; i < 4; i++) {
    if ((rc = check_interval(c, intervals[i]))) return rc;
  }
  const char *retries = flag(c->cmd, "retries");
  if (retries && *retries) {
    int64_t n;
    sgi_buf m;
    sgi_buf_init(&m, &c->doc->mem);
    if (sgi_go_parse_int(retries, strlen(retries), 32, &n, &m) < 0) {
      rc = m.failed ? STAGEGRAPH_ENOMEM : fail(c, "%s", m.ptr);
      sgi_buf_free(&m);
      return rc;
    }
    sgi_buf_free(&m);
    if (n < 0) return fail(c, "--retries cannot be negative (%lld)", (long long)n);
  }
  return 0;
}

static int check_run(checker *c) {
  int rc = parse_flags(c, run_flags);
  if (rc) return rc;
  /* Device CSV first, then mounts, then network and security, in the
   * order BuildKit registers its RUN hooks. */
  for (size_t i = 0; i < c->cmd->flag_count; i++) {
    if (strcmp(c->cmd->flags[i].name, "device") != 0) continue;
    if (sgi_device_check(c->cmd->flags[i].value, &c->msg) != 0) return c->msg.failed ? STAGEGRAPH_ENOMEM : 1;
  }
  for (size_t i = 0; i < c->cmd->flag_count; i++) {
    if (strcmp(c->cmd->flags[i].name, "mount") != 0) continue;
    if (sgi_mount_check_syntax(c->cmd->flags[i].value, c->scratch, &c->msg) != 0)
      return c->msg.failed ? STAGEGRAPH_ENOMEM : 1;
  }
  const char *network = flag(c->cmd, "network");
  const char *security = flag(c->cmd, "security");
  const char *bad = NULL, *fmt = NULL;
  if (network && strcmp(network, "default") && strcmp(network, "none") && strcmp(network, "host"))
    bad = network, fmt = "invalid network mode %s";
  else if (security && strcmp(security, "sandbox") && strcmp(security, "insecure"))
    bad = security, fmt = "security %s is not valid";
  if (!bad) return 0;
  sgi_buf q;
  sgi_buf_init(&q, &c->doc->mem);
  sgi_quote_go(&q, bad, strlen(bad));
  if (q.failed) {
      sgi_buf_free(&q);
      return STAGEGRAPH_ENOMEM;
    }
  fail(c, fmt, q.ptr);
  sgi_buf_free(&q);
  return 0;
}

static int check_instruction(checker *c) {
  const stagegraph_instruction *ins = c->ins;
  switch (ins->kind) {
  case STAGEGRAPH_KIND_ENV: return check_kvps(c, "ENV");
  case STAGEGRAPH_KIND_LABEL: return check_kvps(c, "LABEL");
  case STAGEGRAPH_KIND_MAINTAINER: return check_exactly_one(c, "MAINTAINER", 1);
  case STAGEGRAPH_KIND_ADD: return check_sources_and_dest(c, "ADD", add_flags);
  case STAGEGRAPH_KIND_COPY: return check_sources_and_dest(c, "COPY", copy_flags);
  case STAGEGRAPH_KIND_FROM: return check_from(c);
  case STAGEGRAPH_KIND_ONBUILD: return check_onbuild(c);
  case STAGEGRAPH_KIND_WORKDIR: return check_exactly_one(c, "WORKDIR", 1);
  case STAGEGRAPH_KIND_RUN: return check_run(c);
  case STAGEGRAPH_KIND_CMD:
  case STAGEGRAPH_KIND_ENTRYPOINT: return parse_flags(c, no_flags);
  case STAGEGRAPH_KIND_HEALTHCHECK: return check_healthcheck(c);
  case STAGEGRAPH_KIND_EXPOSE:
    if (ins->arg_count == 0) return fail(c, "EXPOSE requires at least one argument");
    return parse_flags(c, no_flags);
  case STAGEGRAPH_KIND_USER: return check_exactly_one(c, "USER", 1);
  case STAGEGRAPH_KIND_VOLUME: {
    if (ins->arg_count == 0) return fail(c, "VOLUME requires at least one argument");
    int rc = parse_flags(c, no_flags);
    if (rc) return rc;
    for (size_t i = 0; i < ins->arg_count; i++) {
      const char *v = ins->args[i].ptr;
      size_t len = ins->args[i].len;
      sgi_trim_space(&v, &len);
      if (len == 0) return fail(c, "VOLUME specified can not be an empty string");
    }
    return 0;
  }
  case STAGEGRAPH_KIND_STOPSIGNAL: return check_exactly_one(c, "STOPSIGNAL", 0);
  case STAGEGRAPH_KIND_ARG:
    if (ins->arg_count == 0) return fail(c, "ARG requires at least one argument");
    for (size_t i = 0; i < ins->arg_count; i++)
      if (ins->args[i].len > 0 && ins->args[i].ptr[0] == '=') return fail(c, "ARG names can not be blank");
    return 0;
  case STAGEGRAPH_KIND_SHELL: {
    int rc = parse_flags(c, no_flags);
    if (rc) return rc;
    if (ins->arg_count == 0) return fail(c, "SHELL requires at least one argument");
    if (!ins->json) return fail(c, "SHELL requires the arguments to be in JSON form");
    return 0;
  }
  case STAGEGRAPH_KIND_UNKNOWN: {
    static const char *const names[] = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV",
                                        "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
                                        "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
                                        "WORKDIR"};
    const char *kw = sgi_instruction_keyword(ins);
    fail(c, "unknown instruction: %s", kw);
    if (sgi_suggest(&c->msg, kw, strlen(kw), names,
                    sizeof names / sizeof names[0], 0) < 0)
      return STAGEGRAPH_ENOMEM;
    return 1;
  }
  }
  return 0;
}

/* ---- stages -------------------------------------------------------------- */

/* getComment: the first comment line starting with "<name> ". */
static const char *doc_comment(const stagegraph_instruction *ins, const char *name) {
  if (!name) return "";
  size_t n = strlen(name);
  for (size_t i = 0; i < sgi_instruction_comment_count(ins); i++) {
    const char *line = ins->extra->comments[i];
    if (strncmp(line, name, n) == 0 && line[n] == ' ') return line + n + 1;
  }
  return "";
}

static int add_error(stagegraph_doc *doc, const stagegraph_instruction *ins, const char *text,
                     int wrap) {
  sgi_buf msg;
  sgi_buf_init(&msg, &doc->mem);
  if (wrap) sgi_buf_printf(&msg, "dockerfile parse error on line %u: ", ins->start_line);
  sgi_buf_puts(&msg, text);
  sgi_pos pos = {ins->start_line, ins->column, ins->end_line, 0, ins->start_offset};
  int rc = msg.failed ? msg.failed
                      : sgi_doc_add_diagnostic(doc, STAGEGRAPH_SEVERITY_ERROR,
                                               STAGEGRAPH_EINSTRUCTION, NULL, &pos, msg.ptr);
  sgi_buf_free(&msg);
  return rc;
}

static int labs_frontend(const stagegraph_doc *doc) {
  for (size_t i = 0; i < doc->directive_count; i++)
    if (strcmp(doc->directives[i].key, "syntax") == 0 && strstr(doc->directives[i].value, "labs"))
      return 1;
  return 0;
}

/* Strings copied one after another into a block sized in advance; a
 * string that does not fit (lowercasing can lengthen a non-ASCII name)
 * goes to the arena. */
typedef struct string_block {
  char *next;
  size_t room;
} string_block;

static const char *block_strndup(string_block *b, sgi_arena *arena, const char *s, size_t len) {
  if (len >= b->room) return sgi_arena_strndup(arena, s, len);
  char *out = b->next;
  if (len) memcpy(out, s, len);
  out[len] = '\0';
  b->next += len + 1;
  b->room -= len + 1;
  return out;
}

/* List a COPY or RUN of stage `stage` that has builder flags; a COPY's
 * --from is looked at now, while its value is in cache. */
static int add_link(stagegraph_doc *doc, struct sgi_commands *cs, uint32_t stage,
                    const stagegraph_instruction *ins) {
  if (cs->link_count >= doc->linking_bound) return STAGEGRAPH_ENOMEM; /* the parser's count */
  sgi_link *l = &cs->links[cs->link_count++];
  memset(l, 0, sizeof *l);
  l->ins = ins;
  l->stage = stage;
  l->offset = ins->start_offset;
  size_t at = 0;
  const char *from =
      ins->kind == STAGEGRAPH_KIND_COPY ? sgi_instruction_flag_next(ins, "from", &at) : NULL;
  if (!from) return 0;
  l->value = from;
  l->flag = (uint32_t)(at - 1);
  size_t len = strlen(from);
  /* copied, lowercased as stage names are held: the values lie among the
   * parse's allocations, the copies side by side in this pass's */
  char *name = sgi_arena_alloc(&doc->arena, len + 1);
  if (!name) return STAGEGRAPH_ENOMEM;
  for (size_t k = 0; k <= len; k++) name[k] = sgi_ascii_lower(from[k]);
  l->name = name;
  l->len = (uint32_t)len;
  return 0;
}

/* Every instruction checked in file order and grouped into its stage. */
static int check_and_group(stagegraph_doc *doc, struct sgi_commands *cs, string_block *names,
                           sgi_buf *scratch) {
  sgi_arena *arena = &doc->arena;
  size_t n = doc->instruction_count;
  stagegraph_stage *cur = NULL;
  for (size_t i = 0; i < n; i++) {
    sgi_instruction_ahead(doc->instructions, i, n);
    stagegraph_instruction *ins = doc->instructions[i];
    command cmd = {NULL, 0, 0};
    checker c;
    memset(&c, 0, sizeof c);
    c.doc = doc;
    c.ins = ins;
    c.cmd = &cmd;
    c.scratch = scratch;
    c.labs = cs->labs;
    sgi_buf_init(&c.msg, &doc->mem);
    int rc = check_instruction(&c);
    if (rc < 0 || c.msg.failed) {
      sgi_buf_free(&c.msg);
      return rc < 0 ? rc : STAGEGRAPH_ENOMEM;
    }
    if (c.msg.len) {
      c.cmd->has_error = 1;
      c.cmd->flag_count = 0;
      rc = add_error(doc, ins, c.msg.ptr, 1);
    }
    sgi_buf_free(&c.msg);
    if (rc < 0) return rc;
    ins->flag_values = cmd.flags;
    ins->flag_value_count = cmd.flag_count;
    ins->invalid = cmd.has_error;

    if (ins->kind == STAGEGRAPH_KIND_FROM) {
      cur = &cs->stages[cs->stage_count];
      cur->index = (uint32_t)cs->stage_count++;
      cur->from = ins;
      cur->instructions = doc->instructions + i + 1;
      if (ins->arg_count >= 1 &&
          !(cur->base = block_strndup(names, arena, ins->args[0].ptr, ins->args[0].len)))
        return STAGEGRAPH_ENOMEM;
      if (ins->arg_count == 3 && !c.cmd->has_error) {
        sgi_buf_clear(scratch);
        sgi_append_lower(scratch, ins->args[2].ptr, ins->args[2].len);
        cur->name = scratch->failed ? NULL : block_strndup(names, arena, scratch->ptr, scratch->len);
        if (!cur->name) return STAGEGRAPH_ENOMEM;
      }
      cur->platform = flag(c.cmd, "platform");
      cur->from_offset = ins->start_offset;
      cur->from_line = ins->start_line;
    } else if (!cur && ins->kind == STAGEGRAPH_KIND_ARG) {
      cs->meta_args[cs->meta_arg_count++] = ins;
    } else if (!cur) {
      if (!c.cmd->has_error && (rc = add_error(doc, ins, "no build stage in current context", 0)))
        return rc;
    } else {
      cur->instruction_count++;
      int linking = ins->kind == STAGEGRAPH_KIND_COPY || ins->kind == STAGEGRAPH_KIND_RUN;
      cs->linking_flag_count += linking ? ins->flag_value_count : 0;
      if (linking && ins->flag_value_count && (rc = add_link(doc, cs, cur->index, ins))) return rc;
      cur->onbuild_count += ins->kind == STAGEGRAPH_KIND_ONBUILD;
      cs->onbuild_count += ins->kind == STAGEGRAPH_KIND_ONBUILD;
    }
  }
  if (n && cs->stage_count == 0) {
    /* BuildKit reports this one without a position. */
    int rc = sgi_doc_add_diagnostic(doc, STAGEGRAPH_SEVERITY_ERROR, STAGEGRAPH_EINSTRUCTION, NULL,
                                    NULL, "dockerfile contains no stages to build");
    if (rc) return rc;
  }
  return 0;
}

int sgi_commands_build(stagegraph_doc *doc, stagegraph_error *err) {
  (void)err;
  sgi_arena *arena = &doc->arena;
  struct sgi_commands *cs = sgi_arena_calloc(arena, 1, sizeof *cs);
  if (!cs) return STAGEGRAPH_ENOMEM;
  doc->commands = cs;
  cs->labs = labs_frontend(doc);
  size_t stages = doc->from_count, metas = doc->meta_arg_count, name_bytes = doc->from_name_bytes;
  if (stages > doc->limits.max_stages)
    return sgi_error_set(err, STAGEGRAPH_ELIMIT, NULL, "too many stages (the limit is %zu)",
                         doc->limits.max_stages);
  cs->stages = stage_array(arena, stages);
  cs->meta_args = sgi_arena_calloc(arena, metas ? metas : 1, sizeof *cs->meta_args);
  /* the links on the heap, at their bound: in the arena, a late array
   * often needs a block of its own, sized for the rest of a large input */
  if (doc->linking_bound && !(cs->links = sgi_malloc(&doc->mem, doc->linking_bound * sizeof *cs->links)))
    return STAGEGRAPH_ENOMEM; /* the bound counts instructions, which fit in memory */
  /* Every stage's base and name, side by side: the graph reads them for
   * every stage, and on a large document strings spread between the
   * instructions would each be a cache miss. */
  string_block names = {sgi_arena_alloc(arena, name_bytes), name_bytes};
  if (!cs->stages || !cs->meta_args || !names.next) return STAGEGRAPH_ENOMEM;
  sgi_buf scratch;
  sgi_buf_init(&scratch, &doc->mem);
  int rc = check_and_group(doc, cs, &names, &scratch);
  sgi_buf_free(&scratch);
  return rc;
}

void sgi_commands_free(stagegraph_doc *doc) {
  if (doc->commands) sgi_free(&doc->mem, doc->commands->links);
}

/* ---- accessors ------------------------------------------------------------ */

const char *stagegraph_instruction_flag_value(const stagegraph_instruction *ins, const char *name,
                                              size_t nth) {
  if (!ins || !name) return NULL;
  for (size_t i = 0; i < ins->flag_value_count; i++) {
    if (strcmp(ins->flag_values[i].name, name) == 0 && nth-- == 0) return ins->flag_values[i].value;
  }
  return NULL;
}

static const struct sgi_commands *commands(const stagegraph_doc *doc) {
  return doc ? doc->commands : NULL;
}

size_t stagegraph_doc_stage_count(const stagegraph_doc *doc) {
  return commands(doc) ? doc->commands->stage_count : 0;
}

const stagegraph_stage *stagegraph_doc_stage(const stagegraph_doc *doc, size_t index) {
  return index < stagegraph_doc_stage_count(doc) ? &doc->commands->stages[index] : NULL;
}

size_t stagegraph_doc_meta_arg_count(const stagegraph_doc *doc) {
  return commands(doc) ? doc->commands->meta_arg_count : 0;
}

const stagegraph_instruction *stagegraph_doc_meta_arg(const stagegraph_doc *doc, size_t index) {
  return index < stagegraph_doc_meta_arg_count(doc) ? doc->commands->meta_args[index] : NULL;
}

size_t stagegraph_stage_index(const stagegraph_stage *s) { return s ? s->index : 0; }
const char *stagegraph_stage_name(const stagegraph_stage *s) { return s ? s->name : NULL; }
const char *stagegraph_stage_base(const stagegraph_stage *s) { return s ? s->base : NULL; }
const char *stagegraph_stage_platform(const stagegraph_stage *s) { return s ? s->platform : NULL; }
const char *stagegraph_stage_description(const stagegraph_stage *s) {
  return s ? doc_comment(s->from, s->name) : NULL;
}
const stagegraph_instruction *stagegraph_stage_from(const stagegraph_stage *s) {
  return s ? s->from : NULL;
}
size_t stagegraph_stage_instruction_count(const stagegraph_stage *s) {
  return s ? s->instruction_count : 0;
}
const stagegraph_instruction *stagegraph_stage_instruction(const stagegraph_stage *s, size_t i) {
  return s && i < s->instruction_count ? s->instructions[i] : NULL;
}

uint32_t sgi_stage_from_offset(const stagegraph_stage *s) { return s->from_offset; }
uint32_t sgi_stage_from_line(const stagegraph_stage *s) { return s->from_line; }
stagegraph_instruction *const *sgi_stage_instructions(const stagegraph_stage *s) {
  return s->instructions;
}
size_t sgi_stage_onbuild_count(const stagegraph_stage *s) { return s->onbuild_count; }
size_t sgi_doc_onbuild_count(const stagegraph_doc *doc) {
  return commands(doc) ? doc->commands->onbuild_count : 0;
}
size_t sgi_doc_linking_flag_count(const stagegraph_doc *doc) {
  return commands(doc) ? doc->commands->linking_flag_count : 0;
}
const sgi_link *sgi_doc_links(const stagegraph_doc *doc, size_t *count) {
  *count = commands(doc) ? doc->commands->link_count : 0;
  return *count ? doc->commands->links : NULL;
}
int sgi_doc_labs(const stagegraph_doc *doc) { return commands(doc) ? doc->commands->labs : 0; }
