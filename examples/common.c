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
  stagegraph_error_init(err);
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
static void put_json_string(FILE *f, const char *text) {
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
    put_json_string(stdout, stagegraph_code_name(err->code));
    fputs(", \"message\": ", stdout);
    put_json_string(stdout, err->message);
    printf(", \"line\": %u, \"column\": %u, \"source\": ", (unsigned)err->line,
           (unsigned)err->column);
    put_json_string(stdout, source);
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
