/* SPDX-License-Identifier: CC0-1.0 */
/* The stagegraph command: input, parsing and error reporting shared by the subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *cli_source(const char *path) {
  return path == NULL || strcmp(path, "-") == 0 ? "<stdin>" : path;
}

static void set_error(stagegraph_error *err, int code, const char *message) {
  stagegraph_error_init(err, sizeof *err);
  err->code = code;
  snprintf(err->message, sizeof err->message, "%s", message);
}

/* Read the whole stream into a malloc'd buffer (*data, *len). */
static int read_stream(FILE *f, char **data, size_t *len, stagegraph_error *err) {
  size_t cap = 0, n = 0;
  char *buf = NULL;
  for (;;) {
    if (cap - n < 4096) {
      size_t grown = cap ? cap * 2 : 65536;
      char *p = grown > cap ? realloc(buf, grown) : NULL;
      if (!p) {
        free(buf);
        set_error(err, STAGEGRAPH_ENOMEM, "out of memory");
        return STAGEGRAPH_ENOMEM;
      }
      buf = p;
      cap = grown;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    free(buf);
    set_error(err, STAGEGRAPH_EIO, strerror(errno));
    return STAGEGRAPH_EIO;
  }
  *data = buf;
  *len = n;
  return 0;
}

static int read_input(const char *path, char **data, size_t *len, stagegraph_error *err) {
  if (path == NULL || strcmp(path, "-") == 0) return read_stream(stdin, data, len, err);
  FILE *f = fopen(path, "rb");
  if (!f) {
    set_error(err, STAGEGRAPH_EIO, strerror(errno));
    return STAGEGRAPH_EIO;
  }
  int rc = read_stream(f, data, len, err);
  fclose(f);
  return rc;
}

static void print_warnings(const char *source, const stagegraph_doc *doc) {
  size_t count = stagegraph_doc_diagnostic_count(doc);
  for (size_t i = 0; i < count; i++) {
    const stagegraph_diagnostic *d = stagegraph_doc_diagnostic(doc, i);
    if (stagegraph_diagnostic_severity(d) != STAGEGRAPH_SEVERITY_WARNING) continue;
    cli_diagnostic(source, stagegraph_diagnostic_line(d), stagegraph_diagnostic_column(d),
                   "warning", stagegraph_diagnostic_message(d));
  }
}

int cli_load(stagegraph_doc **out, const char *path, const stagegraph_options *opts,
             int json) {
  const char *source = cli_source(path);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  char *data = NULL;
  size_t len = 0;
  *out = NULL;
  int rc = read_input(path, &data, &len, &err);
  if (rc == 0) rc = stagegraph_parse(out, data, len, opts, &err);
  free(data);
  if (rc) return cli_fail(source, &err, json);
  print_warnings(source, *out);
  return CLI_OK;
}

void cli_diagnostic(const char *source, unsigned line, unsigned column,
                    const char *severity, const char *message) {
  if (line == 0)
    fprintf(stderr, "%s: %s: %s\n", source, severity, message);
  else if (column == 0)
    fprintf(stderr, "%s:%u: %s: %s\n", source, line, severity, message);
  else
    fprintf(stderr, "%s:%u:%u: %s: %s\n", source, line, column, severity, message);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_length(const unsigned char *s) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0) return 0;
  /* the second byte's range excludes overlong forms, surrogates and > U+10FFFF */
  unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return n;
}

/* A JSON string; invalid UTF-8 becomes U+FFFD so the output stays valid. */
void cli_json_string(FILE *f, const char *text) {
  const unsigned char *s = (const unsigned char *)text;
  putc('"', f);
  while (*s) {
    size_t n = utf8_length(s);
    if (n == 0) {
      fputs("\\ufffd", f);
      s++;
    } else if (*s == '"' || *s == '\\') {
      fprintf(f, "\\%c", *s++);
    } else if (*s < 0x20) {
      fprintf(f, "\\u%04x", *s++);
    } else {
      fwrite(s, 1, n, f);
      s += n;
    }
  }
  putc('"', f);
}

/* Codes that mean "the input is at fault"; anything else (including codes
 * added in later versions) is trouble with the run itself. */
static int rejects_input(int code) {
  switch (code) {
  case STAGEGRAPH_ESYNTAX:
  case STAGEGRAPH_EINSTRUCTION:
  case STAGEGRAPH_ELIMIT:
  case STAGEGRAPH_ENOTFOUND:
  case STAGEGRAPH_ECYCLE:
  case STAGEGRAPH_EEXPAND:
  case STAGEGRAPH_EREFERENCE:
  case STAGEGRAPH_ESTAGE:
    return 1;
  default:
    return 0;
  }
}

int cli_fail(const char *source, const stagegraph_error *err, int json) {
  cli_diagnostic(source, err->line, err->column, "error", err->message);
  if (json) {
    printf("{\"error\": {\"code\": %d, \"name\": ", err->code);
    cli_json_string(stdout, stagegraph_code_name(err->code));
    fputs(", \"message\": ", stdout);
    cli_json_string(stdout, err->message);
    printf(", \"line\": %u, \"column\": %u, \"source\": ", (unsigned)err->line,
           (unsigned)err->column);
    cli_json_string(stdout, source);
    fputs("}}\n", stdout);
  }
  return rejects_input(err->code) ? CLI_REJECTED : CLI_TROUBLE;
}

int cli_write(const char *data, size_t len) {
  if (fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0) return CLI_OK;
  fprintf(stderr, "stagegraph: cannot write output: %s\n", strerror(errno));
  return CLI_TROUBLE;
}

int cli_usage_error(const char *prog, const char *usage, const char *message) {
  if (message) fprintf(stderr, "%s: %s\n", prog, message);
  fprintf(stderr, "usage: %s\nTry '%s --help' for more information.\n", usage, prog);
  return CLI_TROUBLE;
}

/* ---- option values ---- */

int cli_strings_push(cli_strings *list, const char *s) {
  if (list->count == list->cap) {
    size_t cap = list->cap ? list->cap * 2 : 8;
    char **items = cap > list->cap ? realloc(list->items, cap * sizeof *items) : NULL;
    if (!items) goto nomem;
    list->items = items;
    list->cap = cap;
  }
  size_t len = strlen(s);
  char *copy = malloc(len + 1);
  if (!copy) goto nomem;
  memcpy(copy, s, len + 1);
  list->items[list->count++] = copy;
  return CLI_OK;
nomem:
  fprintf(stderr, "stagegraph: out of memory\n");
  return CLI_TROUBLE;
}

void cli_strings_free(cli_strings *list) {
  for (size_t i = 0; i < list->count; i++) free(list->items[i]);
  free(list->items);
  list->items = NULL;
  list->count = list->cap = 0;
}

int cli_build_arg(cli_strings *args, const char *value, const char *prog, const char *usage) {
  const char *eq = strchr(value, '=');
  if (eq == value || *value == '\0') {
    char message[160];
    snprintf(message, sizeof message, "invalid build arg \"%.100s\": empty key", value);
    return cli_usage_error(prog, usage, message);
  }
  if (eq) return cli_strings_push(args, value);
  /* docker build: a bare KEY takes its value from the environment, if set */
  const char *env = getenv(value);
  if (env == NULL) return CLI_OK;
  size_t klen = strlen(value), vlen = strlen(env);
  char *pair = malloc(klen + vlen + 2);
  if (!pair) {
    fprintf(stderr, "stagegraph: out of memory\n");
    return CLI_TROUBLE;
  }
  memcpy(pair, value, klen);
  pair[klen] = '=';
  memcpy(pair + klen + 1, env, vlen + 1);
  int status = cli_strings_push(args, pair);
  free(pair);
  return status;
}

int cli_build_context(cli_strings *contexts, const char *value, const char *prog,
                      const char *usage) {
  const char *eq = strchr(value, '=');
  if (eq == NULL || eq == value) {
    char message[160];
    snprintf(message, sizeof message, "invalid build context \"%.100s\": expected NAME=SOURCE",
             value);
    return cli_usage_error(prog, usage, message);
  }
  return cli_strings_push(contexts, value);
}

void cli_build_options_free(cli_build_options *opts) {
  cli_strings_free(&opts->targets);
  cli_strings_free(&opts->build_args);
  cli_strings_free(&opts->build_contexts);
}

int cli_plan_load(stagegraph_doc **doc, stagegraph_plan **plan, const char *path,
                  const cli_build_options *opts, int json) {
  stagegraph_options parse_opts = STAGEGRAPH_OPTIONS_INIT;
  parse_opts.platform = opts->platform;
  parse_opts.build_args = (const char *const *)opts->build_args.items;
  parse_opts.build_arg_count = opts->build_args.count;
  *plan = NULL;
  int status = cli_load(doc, path, &parse_opts, json);
  if (status != CLI_OK) return status;

  stagegraph_plan_options plan_opts = STAGEGRAPH_PLAN_OPTIONS_INIT;
  plan_opts.targets = (const char *const *)opts->targets.items;
  plan_opts.target_count = opts->targets.count;
  plan_opts.legacy = opts->legacy;
  plan_opts.build_contexts = (const char *const *)opts->build_contexts.items;
  plan_opts.build_context_count = opts->build_contexts.count;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  if (stagegraph_plan_new(plan, *doc, &plan_opts, &err) != 0) {
    status = cli_fail(cli_source(path), &err, json);
    stagegraph_doc_free(*doc);
    *doc = NULL;
    *plan = NULL;
    return status;
  }
  return CLI_OK;
}

/* ---- JSON ---- */

void cli_json_init(cli_json *j, FILE *f) {
  memset(j, 0, sizeof *j);
  j->f = f;
}

static void json_newline(cli_json *j) {
  putc('\n', j->f);
  for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
}

/* The separator and indentation before a key or a value. */
static void json_before(cli_json *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->need_comma) putc(',', j->f);
  if (j->depth > 0) json_newline(j);
}

static void json_open(cli_json *j, char c) {
  json_before(j);
  putc(c, j->f);
  j->depth++;
  j->need_comma = 0;
}

static void json_close(cli_json *j, char c) {
  j->depth--;
  if (j->need_comma) json_newline(j);
  putc(c, j->f);
  j->need_comma = 1;
  if (j->depth == 0) putc('\n', j->f);
}

void cli_json_begin_object(cli_json *j) { json_open(j, '{'); }
void cli_json_end_object(cli_json *j) { json_close(j, '}'); }
void cli_json_begin_array(cli_json *j) { json_open(j, '['); }
void cli_json_end_array(cli_json *j) { json_close(j, ']'); }

void cli_json_key(cli_json *j, const char *key) {
  json_before(j);
  cli_json_string(j->f, key);
  fputs(": ", j->f);
  j->after_key = 1;
}

void cli_json_str(cli_json *j, const char *s) {
  json_before(j);
  if (s)
    cli_json_string(j->f, s);
  else
    fputs("null", j->f);
  j->need_comma = 1;
}

void cli_json_uint(cli_json *j, unsigned long long v) {
  json_before(j);
  fprintf(j->f, "%llu", v);
  j->need_comma = 1;
}

void cli_json_bool(cli_json *j, int v) {
  json_before(j);
  fputs(v ? "true" : "false", j->f);
  j->need_comma = 1;
}

/* ---- tables ---- */

int cli_tab_open(cli_tabwriter *tw, size_t padding) {
  memset(tw, 0, sizeof *tw);
  tw->padding = padding;
  tw->f = open_memstream(&tw->text, &tw->len);
  if (tw->f) return CLI_OK;
  fprintf(stderr, "stagegraph: %s\n", strerror(errno));
  return CLI_TROUBLE;
}

/* A cell: text[start, start + len), `width` runes. */
typedef struct tab_cell {
  size_t start, len, width;
} tab_cell;

typedef struct tab_line {
  tab_cell *cells;
  size_t count;
} tab_line;

typedef struct tab_state {
  FILE *out;
  const char *text;
  tab_line *lines;
  size_t *widths; /* one per column to the left of the one being formatted */
  size_t width_count;
  size_t padding;
  size_t last; /* the line without a newline (the unterminated last one) */
} tab_state;

static void tab_write_lines(tab_state *st, size_t line0, size_t line1) {
  for (size_t i = line0; i < line1; i++) {
    const tab_line *line = &st->lines[i];
    for (size_t j = 0; j < line->count; j++) {
      const tab_cell *c = &line->cells[j];
      fwrite(st->text + c->start, 1, c->len, st->out);
      if (j < st->width_count)
        for (size_t w = c->width; w < st->widths[j]; w++) putc(' ', st->out);
    }
    if (i != st->last) putc('\n', st->out);
  }
}

/* Go's (*tabwriter.Writer).format: a column block is a run of consecutive
 * lines that have a (tab-terminated) cell in the column; its width is the
 * widest such cell plus the padding. */
static void tab_format(tab_state *st, size_t line0, size_t line1) {
  size_t column = st->width_count;
  for (size_t this = line0; this < line1; this++) {
    if (column + 1 >= st->lines[this].count) continue;
    tab_write_lines(st, line0, this);
    line0 = this;
    size_t width = 0;
    for (; this < line1; this++) {
      const tab_line *line = &st->lines[this];
      if (column + 1 >= line->count) break;
      size_t w = line->cells[column].width + st->padding;
      if (w > width) width = w;
    }
    st->widths[st->width_count++] = width;
    tab_format(st, line0, this);
    st->width_count--;
    line0 = this;
    if (this == line1) break;
  }
  tab_write_lines(st, line0, line1);
}

/* Split `text` into lines of cells and write them formatted: '\t' and '\v'
 * end a cell, '\n' and '\f' a line (both written as '\n'); a '\f' also
 * flushes, ending every column block. Like Go's Flush, an unterminated last
 * line takes part in the formatting and is written without a newline. */
static void tab_write(FILE *out, const char *text, size_t len, size_t padding, tab_cell *cells,
                      tab_line *lines, size_t *widths) {
  tab_state st = {out, text, lines, widths, 0, padding, 0};
  size_t ncells = 0, nlines = 0, flushed = 0, start = 0;
  lines[0].cells = cells;
  for (size_t i = 0; i <= len; i++) {
    char ch = i < len ? text[i] : '\0';
    if (i < len && ch != '\t' && ch != '\v' && ch != '\n' && ch != '\f') continue;
    if (i == len && start == len) break; /* Flush ends only a non-empty cell */
    tab_cell *c = &cells[ncells++];
    c->start = start;
    c->len = i - start;
    c->width = 0; /* in runes, an invalid byte counting as one (utf8.RuneCount) */
    for (size_t k = start; k < i; c->width++) {
      size_t n = utf8_length((const unsigned char *)text + k);
      k += n && k + n <= i ? n : 1;
    }
    lines[nlines].count++;
    start = i + 1;
    if (ch == '\n' || ch == '\f') {
      lines[++nlines].cells = cells + ncells;
      if (ch == '\f') {
        st.last = nlines;
        tab_format(&st, flushed, nlines);
        flushed = nlines;
      }
    }
  }
  st.last = nlines;
  tab_format(&st, flushed, nlines + 1);
}

int cli_tab_flush(cli_tabwriter *tw, FILE *out) {
  if (fclose(tw->f) != 0) {
    free(tw->text);
    tw->text = NULL;
    fprintf(stderr, "stagegraph: out of memory\n");
    return CLI_TROUBLE;
  }
  size_t separators = 0, line_ends = 0;
  for (size_t i = 0; i < tw->len; i++) {
    char ch = tw->text[i];
    separators += ch == '\t' || ch == '\v' || ch == '\n' || ch == '\f';
    line_ends += ch == '\n' || ch == '\f';
  }
  tab_cell *cells = calloc(separators + 1, sizeof *cells);
  tab_line *lines = calloc(line_ends + 1, sizeof *lines);
  size_t *widths = calloc(separators + 1, sizeof *widths);
  int status = CLI_OK;
  if (cells && lines && widths) {
    tab_write(out, tw->text, tw->len, tw->padding, cells, lines, widths);
  } else {
    fprintf(stderr, "stagegraph: out of memory\n");
    status = CLI_TROUBLE;
  }
  free(cells);
  free(lines);
  free(widths);
  free(tw->text);
  tw->text = NULL;
  return status;
}

int cli_format(const char *name, const char *const *allowed, stagegraph_format *out) {
  static const struct {
    const char *name;
    stagegraph_format format;
  } formats[] = {{"text", STAGEGRAPH_FORMAT_TEXT},
                 {"json", STAGEGRAPH_FORMAT_JSON},
                 {"dot", STAGEGRAPH_FORMAT_DOT},
                 {"mermaid", STAGEGRAPH_FORMAT_MERMAID},
                 {"sarif", STAGEGRAPH_FORMAT_SARIF}};
  for (; *allowed; allowed++) {
    if (strcmp(*allowed, name) != 0) continue;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
      if (strcmp(formats[i].name, name) == 0) {
        *out = formats[i].format;
        return CLI_OK;
      }
  }
  return CLI_TROUBLE;
}
