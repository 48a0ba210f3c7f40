/* SPDX-License-Identifier: CC0-1.0 */
/* The stagegraph command: helpers shared by the subcommands (common.c). */
#ifndef STAGEGRAPH_CLI_H
#define STAGEGRAPH_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <stagegraph.h>

/*
 * The subcommands, one line each: X(name, summary). Each is implemented as
 * `int cmd_<name>(int argc, char **argv)` in cmd_<name>.c, where argv[0] is
 * "stagegraph <name>"; main.c builds its dispatch table from this list.
 */
#define CLI_COMMANDS(X) \
  X(dump, "print the syntax tree as BuildKit's parser dumps it, or as JSON") \
  X(targets, "list the stages a build can target, as --call=targets does") \
  X(plan, "plan a build: the stages a target needs, in order and in waves") \
  X(outline, "list the build args, secrets and ssh a target uses (--call=outline)") \
  X(cache, "show the cacheable layers and what a change rebuilds") \
  X(lint, "check a Dockerfile with BuildKit's rules and the stage-graph rules")

#define CLI_DECLARE_COMMAND(name, summary) int cmd_##name(int argc, char **argv);
CLI_COMMANDS(CLI_DECLARE_COMMAND)
#undef CLI_DECLARE_COMMAND

/* Exit statuses, grep-style. */
enum {
  CLI_OK = 0,       /* success */
  CLI_REJECTED = 1, /* the input was analysed and rejected */
  CLI_TROUBLE = 2   /* usage error, unreadable input, internal error */
};

/* The name messages use for an input path: "<stdin>" for NULL or "-". */
const char *cli_source(const char *path);

/*
 * Read `path` (NULL or "-" reads stdin) and parse it with `opts` (may be
 * NULL). On success *out owns the document and every parse warning has been
 * printed to stderr. On failure *out is NULL, the error has been reported
 * (see cli_fail) and the exit status is returned.
 */
int cli_load(stagegraph_doc **out, const char *path, const stagegraph_options *opts,
             int json);

/*
 * Report a failed call: a GNU-style "SOURCE:LINE:COL: error: MESSAGE" on
 * stderr and, when `json` is set, {"error": {...}} on stdout. Returns the
 * exit status for the code: CLI_REJECTED when the input was at fault,
 * CLI_TROUBLE otherwise.
 */
int cli_fail(const char *source, const stagegraph_error *err, int json);

/* Print a diagnostic in GNU form: "SOURCE:LINE:COL: SEVERITY: MESSAGE". */
void cli_diagnostic(const char *source, unsigned line, unsigned column,
                    const char *severity, const char *message);

/* Write `len` bytes to stdout; CLI_TROUBLE (reported) if that fails. */
int cli_write(const char *data, size_t len);

/*
 * A usage error: "PROG: MESSAGE" (when MESSAGE is not NULL) and the short
 * usage on stderr. Returns CLI_TROUBLE.
 */
int cli_usage_error(const char *prog, const char *usage, const char *message);

/* ---- options shared by the subcommands ---- */

/* A growable list of option values (owned copies). */
typedef struct cli_strings {
  char **items;
  size_t count, cap;
} cli_strings;

/* Append a copy of `s`; CLI_TROUBLE (reported) when out of memory. */
int cli_strings_push(cli_strings *list, const char *s);
void cli_strings_free(cli_strings *list);

/*
 * --build-arg VALUE, as docker build takes it: "KEY=VALUE" is kept as is;
 * a bare "KEY" takes KEY's value from the environment and is skipped when
 * KEY is not set there. An empty KEY is a usage error (reported with
 * `prog` and `usage`). Returns CLI_OK or CLI_TROUBLE.
 */
int cli_build_arg(cli_strings *args, const char *value, const char *prog, const char *usage);

/* --build-context NAME=SOURCE: the form is checked here (NAME non-empty,
 * an "=" present); the library checks the name and the source kind. */
int cli_build_context(cli_strings *contexts, const char *value, const char *prog,
                      const char *usage);

/* What plan and outline take from the command line. */
typedef struct cli_build_options {
  cli_strings targets;        /* --target, in order */
  cli_strings build_args;     /* --build-arg, as KEY=VALUE */
  cli_strings build_contexts; /* --build-context NAME=SOURCE */
  const char *platform;       /* --platform, or NULL */
  int legacy;                 /* --legacy */
} cli_build_options;

void cli_build_options_free(cli_build_options *opts);

/*
 * Read and parse `path` with the build args and platform of `opts`, then
 * plan the build of its targets (stagegraph_plan_new). On success *doc and
 * *plan are owned by the caller (free the plan first). On failure both are
 * NULL, the error has been reported (see cli_fail) and the exit status is
 * returned.
 */
int cli_plan_load(stagegraph_doc **doc, stagegraph_plan **plan, const char *path,
                  const cli_build_options *opts, int json);

/* ---- output ---- */

/* Write `text` as a JSON string literal (invalid UTF-8 becomes U+FFFD). */
void cli_json_string(FILE *f, const char *text);

/*
 * A streaming JSON writer in the library's style: two-space indentation,
 * one value per line, "[]" and "{}" for empty containers, a newline after
 * the top-level value. Strings passed as NULL are written as null.
 */
typedef struct cli_json {
  FILE *f;
  int depth;
  int need_comma;
  int after_key;
} cli_json;

void cli_json_init(cli_json *j, FILE *f);
void cli_json_begin_object(cli_json *j);
void cli_json_end_object(cli_json *j);
void cli_json_begin_array(cli_json *j);
void cli_json_end_array(cli_json *j);
void cli_json_key(cli_json *j, const char *key);
void cli_json_str(cli_json *j, const char *s);
void cli_json_uint(cli_json *j, unsigned long long v);
void cli_json_bool(cli_json *j, int v);

/*
 * Go's text/tabwriter as BuildKit's printers configure it (minwidth 0,
 * tabwidth 0, pad character ' ', no flags), for output that matches
 * BuildKit's byte for byte: print rows into `f` with cells ended by '\t'
 * and rows by '\n'; cli_tab_flush then writes them to `out`, each
 * tab-ended cell padded with spaces to the widest cell of its column block
 * plus `padding` (the last cell of a row is not padded).
 */
typedef struct cli_tabwriter {
  FILE *f;
  char *text;
  size_t len;
  size_t padding;
} cli_tabwriter;

int cli_tab_open(cli_tabwriter *tw, size_t padding);
int cli_tab_flush(cli_tabwriter *tw, FILE *out);

/* The output format `name` names, if it is among `allowed` (names from
 * text, json, dot, mermaid, sarif; NULL-terminated): CLI_OK and *out set,
 * else CLI_TROUBLE (nothing reported: the caller words the usage error). */
int cli_format(const char *name, const char *const *allowed, stagegraph_format *out);

/* ---- the build context (context.c) ---- */
/* The directory of a file path ("." when it has none), malloc'd, or NULL. */
char *cli_dir_of(const char *path);
/* CLI_OK when `dir` is a directory, else CLI_TROUBLE (reported). */
int cli_check_context(const char *prog, const char *dir);
/* The .dockerignore that applies: FILE.dockerignore beside the Dockerfile
 * (not for standard input), else .dockerignore in `context` (may be NULL).
 * Sets *text and *len (NULL when there is none) and *source (its file name);
 * both malloc'd. Returns CLI_OK or CLI_TROUBLE (reported). */
int cli_dockerignore(const char *dockerfile, const char *context, char **text, size_t *len,
                     char **source);

#endif /* STAGEGRAPH_CLI_H */
