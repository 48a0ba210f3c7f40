/* SPDX-License-Identifier: CC0-1.0 */
/* The stagegraph command: helpers shared by the subcommands (common.c). */
#ifndef STAGEGRAPH_CLI_H
#define STAGEGRAPH_CLI_H

#include <stddef.h>

#include <stagegraph.h>

/*
 * The subcommands, one line each: X(name, summary). Each is implemented as
 * `int cmd_<name>(int argc, char **argv)` in cmd_<name>.c, where argv[0] is
 * "stagegraph <name>"; main.c builds its dispatch table from this list.
 */
#define CLI_COMMANDS(X) \
  X(dump, "print the syntax tree as BuildKit's parser dumps it, or as JSON")

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

#endif /* STAGEGRAPH_CLI_H */
