/* Conformance against BuildKit: every file of ../shared/corpus is parsed and
 * compared with what BuildKit's parser and instruction layer made of it:
 *   - NAME.dump / NAME.error: verdict, dump bytes, error text;
 *   - NAME.ast.jsonl: escape, warning count and, per instruction, keyword,
 *     args, flags, json attribute, heredocs, start/end lines, original text;
 *   - INDEX.tsv: the instruction layer's verdict and message.
 * Usage: conformance CORPUS_DIR [-v] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "jsonr.h"
#include "stagegraph.h"

static int verbose;
static int shown;

static void fail(const char *name, const char *what, const char *detail) {
  if (shown++ < 40 || verbose) fprintf(stderr, "FAIL %s: %s%s%s\n", name, what, detail ? ": " : "", detail ? detail : "");
}

static int str_eq(const jr_value *v, const char *s, size_t len) {
  return v && v->type == JR_STRING && v->str_len == len && memcmp(v->str, s, len) == 0;
}


static int check_instruction(const char *name, size_t index, const stagegraph_instruction *ins,
                             const jr_value *exp, const char *dump_line, size_t dump_line_len) {
  char where[64];
  snprintf(where, sizeof where, "instruction %zu", index + 1);
  const jr_value *value = jr_get(exp, "value");
  const char *kw = stagegraph_instruction_keyword(ins);
  if (!str_eq(value, kw, strlen(kw))) return fail(name, where, "keyword differs"), 0;
  const jr_value *flags = jr_get(exp, "flags");
  if (!flags || flags->count != stagegraph_instruction_flag_count(ins))
    return fail(name, where, "flag count differs"), 0;
  for (size_t i = 0; i < flags->count; i++) {
    const char *f = stagegraph_instruction_flag(ins, i);
    if (!str_eq(flags->items[i], f, strlen(f))) return fail(name, where, "flag differs"), 0;
  }
  const jr_value *args = jr_get(exp, "args");
  if (stagegraph_instruction_kind(ins) == STAGEGRAPH_KIND_ONBUILD &&
      stagegraph_instruction_trigger(ins)) {
    /* BuildKit gives the trigger's dump: "(onbuild " + that + ")" is the
     * instruction's own dump line, which the .dump comparison checks. */
    if (!args || args->count != 1 || dump_line_len < 10 ||
        args->items[0]->str_len != dump_line_len - 10 ||
        memcmp(args->items[0]->str, dump_line + 9, dump_line_len - 10) != 0)
      return fail(name, where, "ONBUILD trigger differs"), 0;
  } else {
    if (!args || args->count != stagegraph_instruction_arg_count(ins))
      return fail(name, where, "arg count differs"), 0;
    for (size_t i = 0; i < args->count; i++) {
      size_t len;
      const char *a = stagegraph_instruction_arg(ins, i, &len);
      if (!str_eq(args->items[i], a, len)) return fail(name, where, "arg differs"), 0;
    }
  }
  const jr_value *attrs = jr_get(exp, "attrs");
  int json = attrs && attrs->type == JR_OBJECT && jr_get(attrs, "json") && jr_get(attrs, "json")->boolean;
  if (json != stagegraph_instruction_is_json(ins)) return fail(name, where, "json attribute differs"), 0;
  const jr_value *start = jr_get(exp, "start"), *end = jr_get(exp, "end");
  if (!start || (unsigned)start->number != stagegraph_instruction_start_line(ins))
    return fail(name, where, "start line differs"), 0;
  if (!end || (unsigned)end->number != stagegraph_instruction_end_line(ins))
    return fail(name, where, "end line differs"), 0;
  size_t olen;
  const char *orig = stagegraph_instruction_original(ins, &olen);
  if (!str_eq(jr_get(exp, "original"), orig, olen)) return fail(name, where, "original differs"), 0;
  const jr_value *heredocs = jr_get(exp, "heredocs");
  if (!heredocs || heredocs->count != stagegraph_instruction_heredoc_count(ins))
    return fail(name, where, "heredoc count differs"), 0;
  for (size_t i = 0; i < heredocs->count; i++) {
    const stagegraph_heredoc *h = stagegraph_instruction_heredoc(ins, i);
    const jr_value *e = heredocs->items[i];
    size_t clen;
    const char *content = stagegraph_heredoc_content(h, &clen);
    const char *hn = stagegraph_heredoc_name(h);
    if (!str_eq(jr_get(e, "name"), hn, strlen(hn)) || !str_eq(jr_get(e, "content"), content, clen) ||
        !jr_get(e, "expand") || jr_get(e, "expand")->boolean != stagegraph_heredoc_expand(h) ||
        !jr_get(e, "chomp") || jr_get(e, "chomp")->boolean != stagegraph_heredoc_chomp(h))
      return fail(name, where, "heredoc differs"), 0;
  }
  return 1;
}

static size_t count_parser_warnings(const stagegraph_doc *doc) {
  size_t n = 0;
  for (size_t i = 0; i < stagegraph_doc_diagnostic_count(doc); i++) {
    const char *rule = stagegraph_diagnostic_rule(stagegraph_doc_diagnostic(doc, i));
    if (rule && strcmp(rule, "NoEmptyContinuation") == 0) n++;
  }
  return n;
}

/* Compare with NAME.ast.jsonl. */
static int check_ast(const char *name, const stagegraph_doc *doc, const char *jsonl,
                     const char *dump) {
  const char *line = jsonl;
  const char *nl = strchr(line, '\n');
  if (!nl) return fail(name, "ast.jsonl", "empty"), 0;
  jr_value *head = jr_parse(line, (size_t)(nl - line));
  char esc = stagegraph_doc_escape(doc);
  int ok = head && str_eq(jr_get(head, "escape"), &esc, 1);
  if (!ok) fail(name, "escape differs", NULL);
  if (ok && (size_t)jr_get(head, "warnings")->number != count_parser_warnings(doc)) {
    ok = 0;
    fail(name, "warning count differs", NULL);
  }
  jr_free(head);
  size_t index = 0;
  const char *dline = dump;
  for (line = nl + 1; ok && *line; line = nl + 1, index++) {
    nl = strchr(line, '\n');
    if (!nl) nl = line + strlen(line);
    const stagegraph_instruction *ins = stagegraph_doc_instruction(doc, index);
    if (!ins) {
      fail(name, "instruction count differs", NULL);
      ok = 0;
      break;
    }
    const char *dnl = strchr(dline, '\n');
    jr_value *exp = jr_parse(line, (size_t)(nl - line));
    ok = exp && check_instruction(name, index, ins, exp, dline, dnl ? (size_t)(dnl - dline) : 0);
    jr_free(exp);
    dline = dnl ? dnl + 1 : dline;
    if (!*nl) break;
  }
  if (ok && index != stagegraph_doc_instruction_count(doc)) {
    fail(name, "instruction count differs", NULL);
    ok = 0;
  }
  return ok;
}

/* Our view in INDEX.tsv's form:
 * instructions=N<TAB>stages=M<TAB>names=a,-<TAB>copyfrom=x,y */
static char *index_fields(const stagegraph_doc *doc) {
  size_t cap = 256, len = 0;
  char *out = malloc(cap);
  out[0] = '\0';
#define PUT(...)                                                                                   \
  do {                                                                                             \
    int n_ = snprintf(NULL, 0, __VA_ARGS__);                                                       \
    while (len + (size_t)n_ + 1 > cap) out = realloc(out, cap *= 2);                               \
    snprintf(out + len, cap - len, __VA_ARGS__);                                                   \
    len += (size_t)n_;                                                                             \
  } while (0)
  PUT("instructions=%zu\tstages=%zu\tnames=", stagegraph_doc_instruction_count(doc),
      stagegraph_doc_stage_count(doc));
  for (size_t i = 0; i < stagegraph_doc_stage_count(doc); i++) {
    const char *n = stagegraph_stage_name(stagegraph_doc_stage(doc, i));
    PUT("%s%s", i ? "," : "", n ? n : "-");
  }
  PUT("\tcopyfrom=");
  int first = 1;
  for (size_t i = 0; i < stagegraph_doc_instruction_count(doc); i++) {
    const stagegraph_instruction *ins = stagegraph_doc_instruction(doc, i);
    const char *from = stagegraph_instruction_flag_value(ins, "from", 0);
    if (stagegraph_instruction_kind(ins) != STAGEGRAPH_KIND_COPY || !from) continue;
    PUT("%s", first ? "" : ",");
    for (const char *p = from; *p; p++) PUT("%c", *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    first = 0;
  }
#undef PUT
  return out;
}

static char *path_of(const char *dir, const char *sub, const char *name, const char *ext) {
  size_t n = strlen(dir) + strlen(sub) + strlen(name) + strlen(ext) + 4;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s/%s%s", dir, sub, name, ext);
  return p;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: conformance CORPUS_DIR [-v]\n");
    return 2;
  }
  const char *dir = argv[1];
  verbose = argc > 2 && strcmp(argv[2], "-v") == 0;
  char *index_path = path_of(dir, "buildkit", "INDEX", ".tsv");
  size_t index_len;
  char *index = read_file(index_path, &index_len);
  free(index_path);
  if (!index) {
    fprintf(stderr, "conformance: cannot read %s/buildkit/INDEX.tsv\n", dir);
    return 2;
  }
  size_t files = 0, parser_ok = 0, layer_ok = 0;
  for (char *line = index, *next; *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0'; else next = line + strlen(line);
    char *name = line, *verdict = strchr(line, '\t');
    if (!verdict) continue;
    *verdict++ = '\0';
    char *rest = strchr(verdict, '\t');
    if (rest) *rest++ = '\0';
    files++;

    char *fpath = path_of(dir, "files", name, "");
    size_t dlen;
    char *data = read_file(fpath, &dlen);
    free(fpath);
    char *dump_path = path_of(dir, "buildkit", name, ".dump");
    char *err_path = path_of(dir, "buildkit", name, ".error");
    char *ast_path = path_of(dir, "buildkit", name, ".ast.jsonl");
    size_t exp_dump_len = 0;
    char *exp_dump = read_file(dump_path, &exp_dump_len);
    char *exp_error = read_file(err_path, NULL);
    char *exp_ast = read_file(ast_path, NULL);
    free(dump_path);
    free(err_path);
    free(ast_path);

    stagegraph_doc *doc = NULL;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    int rc = data ? stagegraph_parse(&doc, data, dlen, NULL, &err) : STAGEGRAPH_EIO;
    int p_ok = 0;
    if (!data) {
      fail(name, "cannot read the Dockerfile", NULL);
    } else if (exp_error) {
      size_t el = strlen(exp_error);
      while (el && exp_error[el - 1] == '\n') exp_error[--el] = '\0';
      if (rc == 0) fail(name, "BuildKit's parser fails, ours succeeds", exp_error);
      else if (strcmp(err.message, exp_error) != 0) fail(name, "error text differs", err.message);
      else p_ok = 1;
    } else if (rc != 0) {
      fail(name, "ours fails", err.message);
    } else {
      stagegraph_buf out = STAGEGRAPH_BUF_INIT;
      if (stagegraph_doc_dump(&out, doc, STAGEGRAPH_DUMP_BUILDKIT, NULL) != 0) {
        fail(name, "dump failed", NULL);
      } else if (!exp_dump || out.size != exp_dump_len || memcmp(out.ptr, exp_dump, out.size) != 0) {
        fail(name, "dump differs", NULL);
      } else if (!exp_ast) {
        fail(name, "no ast.jsonl", NULL);
      } else {
        p_ok = check_ast(name, doc, exp_ast, out.ptr);
      }
      stagegraph_buf_dispose(&out);
    }
    parser_ok += p_ok;

    /* The instruction layer's verdict (INDEX.tsv). */
    int l_ok = 0;
    if (strcmp(verdict, "ok") == 0) {
      stagegraph_error verr = STAGEGRAPH_ERROR_INIT;
      if (rc == 0 && stagegraph_doc_verdict(doc, &verr) == 0) {
        char *mine = index_fields(doc);
        l_ok = rest && strcmp(mine, rest) == 0;
        if (!l_ok) fail(name, "stages differ from INDEX.tsv", mine);
        free(mine);
      } else if (p_ok) {
        fail(name, "instruction layer rejects a file BuildKit accepts", verr.message);
      }
    } else if (rest && strncmp(rest, "parse: ", 7) == 0) {
      l_ok = rc == STAGEGRAPH_ESYNTAX && strcmp(err.message, rest + 7) == 0;
    } else if (rest && strncmp(rest, "instructions: ", 14) == 0) {
      stagegraph_error verr = STAGEGRAPH_ERROR_INIT;
      if (rc == 0 && stagegraph_doc_verdict(doc, &verr) != 0 && strcmp(verr.message, rest + 14) == 0)
        l_ok = 1;
      else if (p_ok)
        fail(name, "instruction verdict differs", rc == 0 ? verr.message : err.message);
    }
    layer_ok += l_ok;

    stagegraph_doc_free(doc);
    free(data);
    free(exp_dump);
    free(exp_error);
    free(exp_ast);
  }
  free(index);
  printf("conformance: parser %zu/%zu, instruction layer %zu/%zu\n", parser_ok, files, layer_ok,
         files);
  printf("%zu passed, %zu failed\n", parser_ok + layer_ok, 2 * files - parser_ok - layer_ok);
  return parser_ok == files && layer_ok == files ? 0 : 1;
}
