/* Documents: creation from bytes or a file, options, diagnostics and the
 * read-only accessors of the public API. */
#include "document.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "instructions.h"
#include "parser.h"
#include "text.h"

enum {
  DEFAULT_MAX_INPUT = 64u << 20,
  DEFAULT_MAX_LINE = 65535,
  DEFAULT_MAX_COUNT = 1000000,
  DEFAULT_MAX_EXPANSION = 1u << 20
};

void stagegraph_options_init(stagegraph_options *opts, size_t size) {
  sgi_sized_init(opts, size, sizeof *opts);
}

/* Read a member only when the caller's struct is large enough to have it. */
#define OPT(opts, member, fallback)                                                                \
  ((opts) && (opts)->size >= offsetof(stagegraph_options, member) + sizeof((opts)->member) &&       \
           (opts)->member                                                                          \
       ? (opts)->member                                                                            \
       : (fallback))

void sgi_limits_from_options(sgi_limits *l, const stagegraph_options *opts) {
  l->max_input_bytes = OPT(opts, max_input_bytes, (size_t)DEFAULT_MAX_INPUT);
  /* the library's own bound: line numbers, columns and counts are 32-bit */
  if (l->max_input_bytes > UINT32_MAX) l->max_input_bytes = UINT32_MAX;
  l->max_line_bytes = OPT(opts, max_line_bytes, (size_t)DEFAULT_MAX_LINE);
  l->max_instructions = OPT(opts, max_instructions, (size_t)DEFAULT_MAX_COUNT);
  l->max_stages = OPT(opts, max_stages, (size_t)DEFAULT_MAX_COUNT);
  l->max_heredocs = OPT(opts, max_heredocs, (size_t)DEFAULT_MAX_COUNT);
  l->max_expansion_bytes = OPT(opts, max_expansion_bytes, (size_t)DEFAULT_MAX_EXPANSION);
}

int sgi_doc_add_diagnostic(stagegraph_doc *doc, stagegraph_severity severity, int code,
                           const char *rule, const sgi_pos *pos, const char *message) {
  if (doc->diagnostic_count == doc->diagnostic_cap) {
    size_t cap = doc->diagnostic_cap ? doc->diagnostic_cap * 2 : 8;
    stagegraph_diagnostic *d = sgi_arena_calloc(&doc->arena, cap, sizeof *d);
    if (!d) return STAGEGRAPH_ENOMEM;
    if (doc->diagnostic_count) memcpy(d, doc->diagnostics, doc->diagnostic_count * sizeof *d);
    doc->diagnostics = d;
    doc->diagnostic_cap = cap;
  }
  stagegraph_diagnostic *d = &doc->diagnostics[doc->diagnostic_count];
  d->message = sgi_arena_strndup(&doc->arena, message, strlen(message));
  if (!d->message) return STAGEGRAPH_ENOMEM;
  d->inner = d->message;
  if (code == STAGEGRAPH_EINSTRUCTION && strncmp(message, "dockerfile parse error on line ", 31) == 0) {
    const char *colon = strstr(d->message, ": ");
    if (colon) d->inner = colon + 2;
  }
  d->severity = severity;
  d->code = code;
  d->rule = rule;
  if (pos) {
    d->line = pos->line;
    d->column = pos->column;
    d->end_line = pos->end_line;
    d->end_column = pos->end_column;
    d->offset = pos->offset;
  }
  doc->diagnostic_count++;
  return 0;
}

/* A build arg's key and value, and its place among the ones given. The
 * args are sorted by key and then by place, so that a lookup bisects to
 * the last of a key: each ARG of a file is one, however many args the
 * caller gives (a scan of every arg per ARG took 0.8 s for 10k args and
 * 20k ARGs). */
typedef struct sgi_build_arg {
  const char *key, *value; /* value: "" for "KEY" alone */
  size_t len, place;
} sgi_build_arg;

/* key (of len bytes) against the arg's key: bytes, then length */
static int key_order(const char *key, size_t len, const sgi_build_arg *a) {
  int c = memcmp(key, a->key, len < a->len ? len : a->len);
  return c ? c : (len > a->len) - (len < a->len);
}

static int build_arg_order(const void *x, const void *y) {
  const sgi_build_arg *a = x, *b = y;
  int c = key_order(a->key, a->len, b);
  return c ? c : (a->place > b->place) - (a->place < b->place);
}

const char *sgi_doc_build_arg(const stagegraph_doc *doc, const char *name, size_t len) {
  const sgi_build_arg *args = doc->build_args_by_key;
  size_t lo = 0, hi = doc->build_arg_count;
  while (lo < hi) { /* the first arg past the name's */
    size_t mid = lo + (hi - lo) / 2;
    if (key_order(name, len, &args[mid]) >= 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo && key_order(name, len, &args[lo - 1]) == 0 ? args[lo - 1].value : NULL;
}

const stagegraph_diagnostic *sgi_doc_first_error(const stagegraph_doc *doc) {
  for (size_t i = 0; i < doc->diagnostic_count; i++)
    if (doc->diagnostics[i].severity == STAGEGRAPH_SEVERITY_ERROR) return &doc->diagnostics[i];
  return NULL;
}

static int copy_settings(stagegraph_doc *doc, const stagegraph_options *opts) {
  const char *platform = OPT(opts, platform, (const char *)NULL);
  const char *build_platform = OPT(opts, build_platform, (const char *)NULL);
  doc->platform = sgi_arena_strndup(&doc->arena, platform ? platform : "linux/amd64",
                                    strlen(platform ? platform : "linux/amd64"));
  doc->build_platform = sgi_arena_strndup(&doc->arena, build_platform ? build_platform : "linux/amd64",
                                          strlen(build_platform ? build_platform : "linux/amd64"));
  if (!doc->platform || !doc->build_platform) return STAGEGRAPH_ENOMEM;
  const char *const *args = OPT(opts, build_args, (const char *const *)NULL);
  size_t n = args ? OPT(opts, build_arg_count, (size_t)0) : 0;
  if (n) {
    doc->build_args = sgi_arena_calloc(&doc->arena, n, sizeof *doc->build_args);
    sgi_build_arg *by_key = sgi_arena_calloc(&doc->arena, n, sizeof *by_key);
    if (!doc->build_args || !by_key) return STAGEGRAPH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
      if (!args[i]) return STAGEGRAPH_EINVAL;
      if (!(doc->build_args[i] = sgi_arena_strndup(&doc->arena, args[i], strlen(args[i]))))
        return STAGEGRAPH_ENOMEM;
      const char *value;
      by_key[i].key = doc->build_args[i];
      by_key[i].len = sgi_key_value(doc->build_args[i], &value);
      by_key[i].value = value ? value : "";
      by_key[i].place = i;
    }
    qsort(by_key, n, sizeof *by_key, build_arg_order);
    doc->build_args_by_key = by_key;
    doc->build_arg_count = n;
  }
  return 0;
}

int stagegraph_parse(stagegraph_doc **out, const char *data, size_t len,
                     const stagegraph_options *opts, stagegraph_error *err) {
  if (!out) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out must not be NULL");
  *out = NULL;
  if (!data && len) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "data is NULL");
  if (opts && opts->size == 0)
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "options.size is 0: initialise the options");
  sgi_mem mem;
  sgi_mem_init(&mem, OPT(opts, allocator, (const stagegraph_allocator *)NULL));
  stagegraph_doc *doc = sgi_malloc(&mem, sizeof *doc);
  if (!doc) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  memset(doc, 0, sizeof *doc);
  doc->mem = mem;
  sgi_arena_init(&doc->arena, &doc->mem);
  /* The first block is sized from the input: over the corpus, the parse
   * of a file larger than 5 KB uses 1.25 bytes of arena per input byte at
   * the median (1.7 at the 90th percentile; the instructions, their
   * joined lines and arguments). A larger need gets further blocks, sized
   * by the parser from the rate so far for the input left (pace_done). */
  sgi_limits_from_options(&doc->limits, opts);
  doc->arena.min_block = 512;
  if (len <= doc->limits.max_input_bytes) doc->arena.next_block = 512 + len + len / 4;
  doc->input_len = len;
  doc->escape = '\\';
  int rc;
  if (len > doc->limits.max_input_bytes) {
    rc = sgi_error_set(err, STAGEGRAPH_ELIMIT, NULL,
                       "input of %zu bytes is over the limit of %zu bytes", len,
                       doc->limits.max_input_bytes);
  } else if ((rc = copy_settings(doc, opts)) != 0) {
    sgi_error_set(err, rc, NULL, rc == STAGEGRAPH_ENOMEM ? "out of memory" : "a build arg is NULL");
  } else if ((rc = sgi_parse_document(doc, data ? data : "", len, err)) == 0) {
    rc = sgi_commands_build(doc, err);
  }
  if (rc) {
    if (rc == STAGEGRAPH_ENOMEM) sgi_error_set(err, rc, NULL, "out of memory");
    stagegraph_doc_free(doc);
    return rc;
  }
  *out = doc;
  return 0;
}

int stagegraph_parse_file(stagegraph_doc **out, const char *path, const stagegraph_options *opts,
                          stagegraph_error *err) {
  if (!out) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "out must not be NULL");
  *out = NULL;
  if (!path) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "path must not be NULL");
  FILE *f = fopen(path, "rb");
  if (!f) return sgi_error_set(err, STAGEGRAPH_EIO, NULL, "%s: %s", path, strerror(errno));
  sgi_mem mem;
  sgi_mem_init(&mem, OPT(opts, allocator, (const stagegraph_allocator *)NULL));
  sgi_limits limits;
  sgi_limits_from_options(&limits, opts);
  sgi_buf data;
  sgi_buf_init(&data, &mem);
  data.limit = limits.max_input_bytes;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (sgi_buf_append(&data, chunk, n)) break;
  }
  int read_error = ferror(f);
  fclose(f);
  int rc;
  if (data.failed == STAGEGRAPH_ELIMIT) {
    rc = sgi_error_set(err, STAGEGRAPH_ELIMIT, NULL, "%s: input is over the limit of %zu bytes",
                       path, limits.max_input_bytes);
  } else if (data.failed) {
    rc = sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  } else if (read_error) {
    rc = sgi_error_set(err, STAGEGRAPH_EIO, NULL, "%s: read error", path);
  } else {
    rc = stagegraph_parse(out, data.ptr, data.len, opts, err);
  }
  sgi_buf_free(&data);
  return rc;
}

void stagegraph_doc_free(stagegraph_doc *doc) {
  if (!doc) return;
  sgi_mem mem = doc->mem;
  sgi_commands_free(doc);
  sgi_free(&mem, doc->instructions);
  sgi_arena_free(&doc->arena);
  sgi_free(&mem, doc);
}

char stagegraph_doc_escape(const stagegraph_doc *doc) { return doc ? doc->escape : '\\'; }

size_t stagegraph_doc_directive_count(const stagegraph_doc *doc) {
  return doc ? doc->directive_count : 0;
}

const char *stagegraph_doc_directive_key(const stagegraph_doc *doc, size_t index) {
  return doc && index < doc->directive_count ? doc->directives[index].key : NULL;
}

const char *stagegraph_doc_directive_value(const stagegraph_doc *doc, size_t index) {
  return doc && index < doc->directive_count ? doc->directives[index].value : NULL;
}

uint32_t stagegraph_doc_directive_line(const stagegraph_doc *doc, size_t index) {
  return doc && index < doc->directive_count ? doc->directives[index].line : 0;
}

size_t stagegraph_doc_instruction_count(const stagegraph_doc *doc) {
  return doc ? doc->instruction_count : 0;
}

const sgi_instruction_extra sgi_instruction_plain = {NULL, NULL, NULL, NULL, NULL, 0, 0, 0};

sgi_instruction_extra *sgi_instruction_extra_own(sgi_arena *arena, stagegraph_instruction *ins) {
  if (ins->extra != &sgi_instruction_plain) /* made here, in the arena: not const */
    return (sgi_instruction_extra *)ins->extra;
  sgi_instruction_extra *x = sgi_arena_alloc(arena, sizeof *x);
  if (!x) return NULL;
  *x = sgi_instruction_plain;
  ins->extra = x;
  return x;
}

const stagegraph_instruction *stagegraph_doc_instruction(const stagegraph_doc *doc, size_t index) {
  return doc && index < doc->instruction_count ? doc->instructions[index] : NULL;
}

stagegraph_kind stagegraph_instruction_kind(const stagegraph_instruction *ins) {
  return ins ? ins->kind : STAGEGRAPH_KIND_UNKNOWN;
}

const char *stagegraph_instruction_keyword(const stagegraph_instruction *ins) {
  return ins ? sgi_instruction_keyword(ins) : NULL;
}

size_t stagegraph_instruction_index(const stagegraph_instruction *ins) {
  return ins ? ins->index : 0;
}

size_t stagegraph_instruction_flag_count(const stagegraph_instruction *ins) {
  return ins ? ins->extra->flag_count : 0;
}

const char *stagegraph_instruction_flag(const stagegraph_instruction *ins, size_t index) {
  return ins && index < ins->extra->flag_count ? ins->extra->flags[index] : NULL;
}

size_t stagegraph_instruction_arg_count(const stagegraph_instruction *ins) {
  return ins ? ins->arg_count : 0;
}

const char *stagegraph_instruction_arg(const stagegraph_instruction *ins, size_t index,
                                       size_t *len) {
  if (!ins || index >= ins->arg_count) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = ins->args[index].len;
  return ins->args[index].ptr;
}

int stagegraph_instruction_is_json(const stagegraph_instruction *ins) { return ins ? ins->json : 0; }

const stagegraph_instruction *stagegraph_instruction_trigger(const stagegraph_instruction *ins) {
  return ins ? ins->extra->trigger : NULL;
}

uint32_t stagegraph_instruction_start_line(const stagegraph_instruction *ins) {
  return ins ? ins->start_line : 0;
}

uint32_t stagegraph_instruction_end_line(const stagegraph_instruction *ins) {
  return ins ? ins->end_line : 0;
}

size_t stagegraph_instruction_start_offset(const stagegraph_instruction *ins) {
  return ins ? ins->start_offset : 0;
}

size_t stagegraph_instruction_end_offset(const stagegraph_instruction *ins) {
  return ins ? ins->end_offset : 0;
}

const char *stagegraph_instruction_original(const stagegraph_instruction *ins, size_t *len) {
  if (len) *len = ins ? ins->original_len : 0;
  return ins ? ins->original : NULL;
}

size_t stagegraph_instruction_comment_count(const stagegraph_instruction *ins) {
  return ins ? sgi_instruction_comment_count(ins) : 0;
}

const char *stagegraph_instruction_comment(const stagegraph_instruction *ins, size_t index) {
  return ins && index < sgi_instruction_comment_count(ins) ? ins->extra->comments[index] : NULL;
}

size_t stagegraph_instruction_heredoc_count(const stagegraph_instruction *ins) {
  return ins ? sgi_instruction_heredoc_count(ins) : 0;
}

const stagegraph_heredoc *stagegraph_instruction_heredoc(const stagegraph_instruction *ins,
                                                         size_t index) {
  return ins && index < sgi_instruction_heredoc_count(ins) ? &ins->extra->heredocs[index] : NULL;
}

const char *stagegraph_heredoc_name(const stagegraph_heredoc *h) { return h ? h->name : NULL; }

const char *stagegraph_heredoc_content(const stagegraph_heredoc *h, size_t *len) {
  if (len) *len = h ? h->content_len : 0;
  return h ? h->content : NULL;
}

int stagegraph_heredoc_expand(const stagegraph_heredoc *h) { return h ? h->expand : 0; }
int stagegraph_heredoc_chomp(const stagegraph_heredoc *h) { return h ? h->chomp : 0; }
int stagegraph_heredoc_fd(const stagegraph_heredoc *h) { return h ? h->fd : 0; }

size_t stagegraph_doc_diagnostic_count(const stagegraph_doc *doc) {
  return doc ? doc->diagnostic_count : 0;
}

const stagegraph_diagnostic *stagegraph_doc_diagnostic(const stagegraph_doc *doc, size_t index) {
  return doc && index < doc->diagnostic_count ? &doc->diagnostics[index] : NULL;
}

stagegraph_severity stagegraph_diagnostic_severity(const stagegraph_diagnostic *d) {
  return d ? d->severity : STAGEGRAPH_SEVERITY_INFO;
}
int stagegraph_diagnostic_code(const stagegraph_diagnostic *d) { return d ? d->code : 0; }
const char *stagegraph_diagnostic_rule(const stagegraph_diagnostic *d) { return d ? d->rule : NULL; }
const char *stagegraph_diagnostic_message(const stagegraph_diagnostic *d) {
  return d ? d->message : NULL;
}
uint32_t stagegraph_diagnostic_line(const stagegraph_diagnostic *d) { return d ? d->line : 0; }
uint32_t stagegraph_diagnostic_column(const stagegraph_diagnostic *d) { return d ? d->column : 0; }
uint32_t stagegraph_diagnostic_end_line(const stagegraph_diagnostic *d) { return d ? d->end_line : 0; }
uint32_t stagegraph_diagnostic_end_column(const stagegraph_diagnostic *d) {
  return d ? d->end_column : 0;
}
const char *stagegraph_diagnostic_url(const stagegraph_diagnostic *d) { return d ? d->url : NULL; }
size_t stagegraph_diagnostic_offset(const stagegraph_diagnostic *d) { return d ? d->offset : 0; }

int stagegraph_doc_verdict(const stagegraph_doc *doc, stagegraph_error *err) {
  if (!doc) return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL, "doc must not be NULL");
  const stagegraph_diagnostic *d = sgi_doc_first_error(doc);
  if (!d) return 0;
  sgi_pos pos = {d->line, d->column, d->end_line, d->end_column, d->offset};
  return sgi_error_set_text(err, d->code, &pos, d->message, strlen(d->message));
}
