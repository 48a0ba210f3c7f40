/* Bytes to instructions: physical lines, directives, comments, logical-line
 * assembly with continuations, and heredoc bodies (P/parser.go Parse). */
#include "parser.h"

#include <string.h>

#include "directives.h"
#include "heredoc.h"
#include "line_parsers.h"
#include "text.h"

/* The physical-line reader, standing in for Go's bufio.Scanner: a line
 * longer than the limit stops the scan with an error that the parse
 * reports at the end, as BuildKit does. */
typedef struct scanner {
  const char *data;
  size_t len;
  size_t pos;        /* start of the next line */
  size_t max_line;
  int too_long;      /* the scan stopped at a line over the limit */
  uint32_t too_long_line;
  uint32_t lines;    /* physical lines handed out */
  /* the current line */
  const char *line;  /* content, terminator included */
  size_t line_len;
  size_t line_offset;
} scanner;

static int scan(scanner *sc) {
  if (sc->too_long || sc->pos >= sc->len) return 0;
  const char *start = sc->data + sc->pos;
  size_t avail = sc->len - sc->pos;
  const char *nl = memchr(start, '\n', avail);
  size_t content = nl ? (size_t)(nl - start) : avail;
  if (content > sc->max_line) {
    sc->too_long = 1;
    sc->too_long_line = sc->lines + 1;
    return 0;
  }
  sc->line = start;
  sc->line_len = nl ? content + 1 : content;
  sc->line_offset = sc->pos;
  sc->pos += sc->line_len;
  sc->lines++;
  return 1;
}

static size_t trim_newline(const char *s, size_t len) {
  while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n')) len--;
  return len;
}

/* The leading whitespace of a line without its newline, and whether the
 * line is a comment (isComment: the first non-whitespace character is
 * '#'). */
static size_t line_lead(const char *s, size_t len, int *comment) {
  size_t lead = sgi_space_prefix(s, len);
  *comment = lead < len && s[lead] == '#';
  return lead;
}

static int is_comment(const char *s, size_t len) {
  int comment;
  line_lead(s, trim_newline(s, len), &comment);
  return comment;
}

/* The continuation rule: the escape token at the end (only spaces and tabs
 * after it), either alone on the line or not preceded by another escape.
 * Returns 1 and shortens *len when the line continues. */
static int trim_continuation(const char *s, size_t *len, char escape) {
  size_t end = *len;
  while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t')) end--;
  if (end == 0 || s[end - 1] != escape) return 0;
  if (end >= 2 && s[end - 2] == escape) return 0;
  *len = end - 1;
  return 1;
}

/* The comments above the next instruction, gathered in scratch space and
 * copied to the arena at their exact count when an instruction takes them. */
typedef struct comment_list {
  const sgi_mem *mem;
  const char **items;
  size_t count, cap;
} comment_list;

/* A growable array in the arena (old copies are left to the arena). */
static void *grow(sgi_arena *arena, void *items, size_t count, size_t *cap, size_t size) {
  if (count < *cap) return items;
  size_t ncap = *cap ? *cap * 2 : 8;
  void *n = sgi_arena_calloc(arena, ncap, size);
  if (!n) return NULL;
  if (count) memcpy(n, items, count * size);
  *cap = ncap;
  return n;
}

typedef struct parse_state {
  stagegraph_doc *doc;
  stagegraph_error *err;
  scanner sc;
  sgi_directive_parser dp;
  comment_list comments;
  sgi_line_scratch scratch;
  size_t instruction_cap;
  size_t directive_cap;
  size_t heredoc_total;
} parse_state;

/* Position an error: `column` is 1-based; offset its byte offset. */
static int syntax_at(parse_state *ps, int rc, uint32_t line, uint32_t column, uint32_t end_line,
                     size_t offset) {
  sgi_pos pos = {line, line ? column : 0, end_line, 0, offset};
  sgi_error_set_pos(ps->err, &pos);
  return rc;
}

/* Collect a comment line (BuildKit keeps the line minus its first byte,
 * trimmed; an empty text clears the list). */
static int collect_comment(parse_state *ps, const char *line, size_t len) {
  const char *text = line + 1;
  size_t tlen = len - 1;
  sgi_trim_space(&text, &tlen);
  if (tlen == 0) {
    ps->comments.count = 0;
    return 0;
  }
  comment_list *c = &ps->comments;
  if (c->count == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 4, bytes;
    const char **items;
    if (!sgi_mul_ok(cap, sizeof *items, &bytes) || !(items = sgi_realloc(c->mem, c->items, bytes)))
      return STAGEGRAPH_ENOMEM;
    c->items = items;
    c->cap = cap;
  }
  if (!(c->items[c->count] = sgi_arena_strndup(&ps->doc->arena, text, tlen)))
    return STAGEGRAPH_ENOMEM;
  c->count++;
  return 0;
}

static int add_directive(parse_state *ps, const sgi_directive_match *m, uint32_t line) {
  stagegraph_doc *doc = ps->doc;
  sgi_directive *d = grow(&doc->arena, doc->directives, doc->directive_count, &ps->directive_cap,
                          sizeof *d);
  if (!d) return STAGEGRAPH_ENOMEM;
  doc->directives = d;
  d += doc->directive_count++;
  d->key = m->key;
  d->line = line;
  if (!(d->value = sgi_arena_strndup(&doc->arena, m->value, m->value_len))) return STAGEGRAPH_ENOMEM;
  if (strcmp(m->key, "escape") == 0) {
    if (m->value_len == 1 && (m->value[0] == '`' || m->value[0] == '\\')) {
      doc->escape = m->value[0];
    } else {
      sgi_error_set(ps->err, STAGEGRAPH_ESYNTAX, NULL,
                    "invalid escape token '%s' does not match ` or \\", d->value);
      return STAGEGRAPH_ESYNTAX;
    }
  }
  return 0;
}

/* processLine for the first line of an instruction: trim, see directives,
 * blank out comments. */
static int process_first_line(parse_state *ps, const char **s, size_t *len, int *is_directive) {
  size_t l = trim_newline(*s, *len);
  size_t lead = sgi_space_prefix(*s, l);
  const char *t = *s + lead;
  l -= lead;
  sgi_directive_match m;
  int r = sgi_directive_line(&ps->dp, t, l, &m, ps->err);
  if (r < 0) return r;
  *is_directive = r;
  if (r == 1) {
    int rc = add_directive(ps, &m, ps->sc.lines);
    if (rc) return rc;
  }
  if (l > 0 && t[0] == '#') l = 0;
  *s = t;
  *len = l;
  return 0;
}

static int can_contain_heredoc(const stagegraph_instruction *ins) {
  if (ins->kind == STAGEGRAPH_KIND_ONBUILD && ins->extra->trigger) ins = ins->extra->trigger;
  if (ins->kind != STAGEGRAPH_KIND_RUN && ins->kind != STAGEGRAPH_KIND_COPY &&
      ins->kind != STAGEGRAPH_KIND_ADD)
    return 0;
  return !ins->json;
}

static int read_heredoc_bodies(parse_state *ps, stagegraph_instruction *ins, uint32_t start_line,
                               size_t start_offset) {
  sgi_arena *arena = &ps->doc->arena;
  for (size_t h = 0; h < sgi_instruction_heredoc_count(ins); h++) {
    stagegraph_heredoc *doc = &ins->extra->heredocs[h];
    size_t name_len = strlen(doc->name);
    const char *body = NULL;
    size_t body_len = 0;
    int terminated = 0;
    while (scan(&ps->sc)) {
      const char *l = ps->sc.line;
      size_t n = trim_newline(l, ps->sc.line_len);
      if (doc->chomp)
        while (n > 0 && *l == '\t') l++, n--;
      if (n == name_len && memcmp(l, doc->name, n) == 0) {
        terminated = 1;
        break;
      }
      /* Body lines are contiguous in the input. */
      if (!body) body = ps->sc.line;
      body_len = (size_t)(ps->sc.line + ps->sc.line_len - body);
    }
    if (!terminated && ps->sc.too_long && ps->sc.max_line != 65535) {
      /* a body line over a limit the caller set */
      sgi_error_set(ps->err, STAGEGRAPH_ELIMIT, NULL,
                    "dockerfile line greater than max allowed size of %zu", ps->sc.max_line);
      return syntax_at(ps, STAGEGRAPH_ELIMIT, ps->sc.too_long_line, 1, ps->sc.too_long_line, ps->sc.pos);
    }
    if (!terminated) {
      sgi_error_set(ps->err, STAGEGRAPH_ESYNTAX, NULL, "unterminated heredoc");
      return syntax_at(ps, STAGEGRAPH_ESYNTAX, start_line, ins->column, ps->sc.lines, start_offset);
    }
    doc->content = body ? sgi_arena_strndup(arena, body, body_len) : "";
    doc->content_len = body_len;
    if (!doc->content) return STAGEGRAPH_ENOMEM;
  }
  return 0;
}

static int contains_heredoc_marker(const char *s, size_t len) {
  const char *end = s + len, *p = s;
  while (end - p >= 2 && (p = memchr(p, '<', (size_t)(end - p - 1))) != NULL) {
    if (p[1] == '<') return 1;
    p++;
  }
  return 0;
}

static int add_instruction(parse_state *ps, stagegraph_instruction *ins) {
  stagegraph_doc *doc = ps->doc;
  if (doc->instruction_count >= doc->limits.max_instructions) {
    sgi_error_set(ps->err, STAGEGRAPH_ELIMIT, NULL,
                  "too many instructions (the limit is %zu)", doc->limits.max_instructions);
    return syntax_at(ps, STAGEGRAPH_ELIMIT, ins->start_line, ins->column, ins->end_line,
                     ins->start_offset);
  }
  if (doc->instruction_count == ps->instruction_cap) {
    /* on the heap, owned by the document: a large list grows in place
     * instead of leaving its old copies in the arena */
    size_t cap = ps->instruction_cap ? 2 * ps->instruction_cap : 16;
    stagegraph_instruction **list =
        cap <= (size_t)-1 / sizeof *list ? sgi_realloc(&doc->mem, doc->instructions, cap * sizeof *list) : NULL;
    if (!list) return STAGEGRAPH_ENOMEM;
    doc->instructions = list;
    ps->instruction_cap = cap;
  }
  ins->index = doc->instruction_count;
  for (stagegraph_instruction *t = ins->extra->trigger; t; t = t->extra->trigger)
    t->index = ins->index;
  doc->instructions[doc->instruction_count++] = ins;
  if (ins->kind == STAGEGRAPH_KIND_FROM) {
    doc->from_count++;
    for (size_t a = 0; a < ins->arg_count && a < 3; a += 2)
      doc->from_name_bytes += ins->args[a].len + 1;
  } else if (!doc->from_count && ins->kind == STAGEGRAPH_KIND_ARG) {
    doc->meta_arg_count++;
  } else if ((ins->kind == STAGEGRAPH_KIND_COPY || ins->kind == STAGEGRAPH_KIND_RUN) &&
             ins->extra->flag_count) {
    doc->linking_bound++;
  }
  return 0;
}

/* A logical line being joined in the arena's free tail (see
 * sgi_arena_reserve): it moves to a larger room when it outgrows one. */
typedef struct joiner {
  sgi_arena *arena;
  char *ptr;
  size_t len, room;
} joiner;

static int join_append(joiner *j, const char *s, size_t n) {
  if (n >= j->room - j->len) { /* one byte stays for the NUL */
    if (n > ((size_t)-1 - j->len - 1) / 2) return STAGEGRAPH_ENOMEM;
    size_t room;
    char *p = sgi_arena_reserve(j->arena, 2 * (j->len + n + 1), &room);
    if (!p) return STAGEGRAPH_ENOMEM;
    memcpy(p, j->ptr, j->len);
    j->ptr = p;
    j->room = room;
  }
  memcpy(j->ptr + j->len, s, n);
  j->len += n;
  return 0;
}

/* The physical lines after a logical line's first while it continues:
 * comments and blank lines are skipped (a blank one is noted in *empty),
 * the rest joined without their continuation escapes. */
static int join_continuations(parse_state *ps, joiner *j, int *empty) {
  scanner *sc = &ps->sc;
  int continues = 1;
  while (continues && scan(sc)) {
    const char *c = sc->line;
    size_t clen = trim_newline(c, sc->line_len);
    sgi_directive_match m;
    int rc = sgi_directive_line(&ps->dp, c, clen, &m, ps->err);
    if (rc < 0) return syntax_at(ps, rc, sc->lines, 1, sc->lines, sc->line_offset);
    int comment;
    size_t lead = line_lead(c, clen, &comment);
    if (comment) continue;
    if (lead == clen) {
      *empty = 1;
      continue;
    }
    continues = trim_continuation(c, &clen, ps->doc->escape);
    if ((rc = join_append(j, c, clen))) return rc;
  }
  return 0;
}

/* One logical line starting with the current physical line. Returns 0 when
 * the line was consumed (instruction or not), or an error. */
static int parse_logical_line(parse_state *ps) {
  stagegraph_doc *doc = ps->doc;
  scanner *sc = &ps->sc;
  const char *s = sc->line;
  size_t len = sc->line_len;
  size_t line_offset = sc->line_offset;
  if (sc->lines == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
    s += 3;
    len -= 3;
    line_offset += 3;
  }
  int rc;
  if (is_comment(s, len) && (rc = collect_comment(ps, s, len))) return rc;
  const char *t = s;
  size_t tlen = len;
  int is_directive = 0;
  if ((rc = process_first_line(ps, &t, &tlen, &is_directive)))
    return syntax_at(ps, rc, sc->lines, 1, sc->lines, line_offset);
  if (is_directive) ps->comments.count--;
  uint32_t start_line = sc->lines;
  size_t start_offset = line_offset + (size_t)(t - s);
  uint32_t column = (uint32_t)(t - s) + 1;
  int continues = trim_continuation(t, &tlen, doc->escape);
  if (!continues && tlen == 0) return 0;

  /* The logical line, joined straight into the arena. */
  joiner j = {&doc->arena, NULL, 0, 0};
  if (!(j.ptr = sgi_arena_reserve(&doc->arena, tlen + 1, &j.room))) return STAGEGRAPH_ENOMEM;
  memcpy(j.ptr, t, tlen);
  j.len = tlen;
  int empty_continuation = 0;
  if (continues && (rc = join_continuations(ps, &j, &empty_continuation))) return rc;
  j.ptr[j.len] = '\0';
  sgi_arena_commit(&doc->arena, j.len + 1);
  const char *text = j.ptr;
  size_t text_len = j.len;

  stagegraph_instruction *ins = sgi_arena_calloc(&doc->arena, 1, sizeof *ins);
  if (!ins) return STAGEGRAPH_ENOMEM;
  ins->extra = &sgi_instruction_plain;
  ins->original = text;
  ins->original_len = (uint32_t)text_len;
  ins->start_line = start_line;
  ins->start_offset = (uint32_t)start_offset;
  ins->column = column;
  ins->empty_continuation = empty_continuation;
  if (empty_continuation) {
    sgi_buf msg;
    sgi_buf_init(&msg, &doc->mem);
    sgi_buf_puts(&msg, "Empty continuation line found in: ");
    sgi_buf_append(&msg, ins->original, ins->original_len);
    sgi_pos pos = {sc->lines, 1, sc->lines, 0, start_offset};
    rc = msg.failed ? msg.failed
                    : sgi_doc_add_diagnostic(doc, STAGEGRAPH_SEVERITY_WARNING, 0,
                                             "NoEmptyContinuation", &pos, msg.ptr);
    if (!rc)
      doc->diagnostics[doc->diagnostic_count - 1].url =
          "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/";
    sgi_buf_free(&msg);
    if (rc) return rc;
  }
  if ((rc = sgi_parse_line(&doc->arena, &ps->scratch, ins->original, ins->original_len, doc->escape, ins,
                           ps->err)))
    return rc == STAGEGRAPH_ESYNTAX ? syntax_at(ps, rc, start_line, column, sc->lines, start_offset) : rc;

  if (can_contain_heredoc(ins) && contains_heredoc_marker(ins->original, ins->original_len)) {
    stagegraph_heredoc *heredocs = NULL;
    size_t heredoc_count = 0;
    rc = sgi_heredocs_from_line(&doc->arena, ins->original, ins->original_len, &heredocs,
                                &heredoc_count, ps->err);
    if (rc)
      return rc == STAGEGRAPH_ESYNTAX ? syntax_at(ps, rc, start_line, column, sc->lines, start_offset) : rc;
    if (heredoc_count) {
      sgi_instruction_extra *x = sgi_instruction_extra_own(&doc->arena, ins);
      if (!x) return STAGEGRAPH_ENOMEM;
      x->heredocs = heredocs;
      x->heredoc_count = (uint32_t)heredoc_count;
      ins->extras |= SGI_EXTRA_HEREDOCS;
    }
    ps->heredoc_total += heredoc_count;
    if (ps->heredoc_total > doc->limits.max_heredocs) {
      sgi_error_set(ps->err, STAGEGRAPH_ELIMIT, NULL, "too many heredocs (the limit is %zu)",
                    doc->limits.max_heredocs);
      return syntax_at(ps, STAGEGRAPH_ELIMIT, start_line, column, sc->lines, start_offset);
    }
    if ((rc = read_heredoc_bodies(ps, ins, start_line, start_offset))) return rc;
  }
  ins->end_line = sc->lines;
  ins->end_offset = (uint32_t)sc->pos;
  for (stagegraph_instruction *trig = ins->extra->trigger; trig; trig = trig->extra->trigger) {
    /* an ONBUILD trigger sits on its ONBUILD's lines */
    trig->start_line = ins->start_line;
    trig->end_line = ins->end_line;
    trig->start_offset = ins->start_offset;
    trig->end_offset = ins->end_offset;
    trig->column = ins->column;
  }
  if (ps->comments.count) {
    const char **comments = sgi_arena_alloc(&doc->arena, ps->comments.count * sizeof *comments);
    sgi_instruction_extra *x = comments ? sgi_instruction_extra_own(&doc->arena, ins) : NULL;
    if (!x) return STAGEGRAPH_ENOMEM;
    memcpy(comments, ps->comments.items, ps->comments.count * sizeof *comments);
    x->comments = comments;
    x->comment_count = (uint32_t)ps->comments.count;
    ins->extras |= SGI_EXTRA_COMMENTS;
  }
  ps->comments.count = 0;
  return add_instruction(ps, ins);
}

int sgi_parse_document(stagegraph_doc *doc, const char *data, size_t len, stagegraph_error *err) {
  parse_state ps;
  memset(&ps, 0, sizeof ps);
  ps.doc = doc;
  ps.err = err;
  ps.sc.data = data;
  ps.sc.len = len;
  ps.sc.max_line = doc->limits.max_line_bytes;
  doc->escape = '\\';
  ps.comments.mem = &doc->mem;
  sgi_line_scratch_init(&ps.scratch, &doc->mem);
  int rc = 0;
  /* Blocks after the first, which the document sized from the input, are
   * sized from what this input has needed per byte so far. */
  doc->arena.pace_done = &ps.sc.pos;
  doc->arena.pace_len = len;
  while (scan(&ps.sc)) {
    if ((rc = parse_logical_line(&ps))) break;
  }
  doc->arena.pace_done = NULL;
  sgi_line_scratch_free(&ps.scratch);
  sgi_free(&doc->mem, ps.comments.items);
  if (rc) return rc;
  if (doc->instruction_count == 0) {
    sgi_error_set(err, STAGEGRAPH_ESYNTAX, NULL, "file with no instructions");
    return syntax_at(&ps, STAGEGRAPH_ESYNTAX, 0, 0, 0, 0);
  }
  if (ps.sc.too_long) {
    /* BuildKit's own limit is its verdict; a smaller one the caller set is
     * a limit like the others. */
    int code = ps.sc.max_line == 65535 ? STAGEGRAPH_ESYNTAX : STAGEGRAPH_ELIMIT;
    sgi_error_set(err, code, NULL, "dockerfile line greater than max allowed size of %zu",
                  ps.sc.max_line);
    return syntax_at(&ps, code, ps.sc.too_long_line, 1, ps.sc.too_long_line, ps.sc.pos);
  }
  return 0;
}
