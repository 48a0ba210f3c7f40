/* SPDX-License-Identifier: CC0-1.0 */
/* `stagegraph lint`: BuildKit's build checks and the stage-graph rules. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char *const lint_formats[] = {"text", "json", "sarif", NULL};

static const char usage[] =
    "stagegraph lint [--target T]... [--skip RULE]... [--experimental] [--build-arg K=V]...\n"
    "                       [--build-context NAME=SRC]... [--context DIR]\n"
    "                       [--format text|json|sarif] [FILE|-]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Check a Dockerfile as BuildKit's --check does (its rules, names and\n"
         "messages) and with the stage-graph rules: what ships in the target\n"
         "image, how stages feed each other, what the layer cache keeps. With\n"
         "targets, the rules look at the stages those targets need; without, at\n"
         "every stage, with the last stage as the image that ships. A `# check=`\n"
         "directive (skip=, error=, experimental=) and `# check=skip=...` comments\n"
         "above instructions are honoured. FILE defaults to standard input (also\n"
         "read for \"-\").\n"
         "\n"
         "      --target STAGE         lint for this target (case-insensitive);\n"
         "                             repeatable\n"
         "      --skip RULE            do not run RULE (\"all\": no rule); repeatable\n"
         "      --experimental         also run experimental rules\n"
         "      --build-arg KEY=VALUE  set a build arg, as docker build does\n"
         "      --build-context NAME=SOURCE\n"
         "                             a named build context, as for plan\n"
         "      --context DIR          the build context; default: the Dockerfile's\n"
         "                             directory. FILE.dockerignore beside the\n"
         "                             Dockerfile, else DIR/.dockerignore, is the\n"
         "                             .dockerignore the rules use\n"
         "  -f, --format FORMAT        text (default): FILE:LINE:COL: severity:\n"
         "                             message [Rule], one per line on standard\n"
         "                             output and a summary on standard error;\n"
         "                             json: schema \"stagegraph.lint/1\";\n"
         "                             sarif: SARIF 2.1.0 for code-scanning tools\n"
         "  -h, --help                 show this help\n"
         "\n"
         "Example:\n"
         "  stagegraph lint Dockerfile\n"
         "  stagegraph lint --target app --format sarif Dockerfile > lint.sarif\n"
         "\n"
         "Exit status: 0 no failing finding; 1 a finding fails the build (an error,\n"
         "or any finding under `# check=error=true`) or BuildKit rejects the file;\n"
         "2 usage, I/O or internal error.\n",
         usage);
}

enum { OPT_TARGET = 256, OPT_SKIP, OPT_EXPERIMENTAL, OPT_BUILD_ARG, OPT_BUILD_CONTEXT, OPT_CONTEXT };

typedef struct lint_args {
  cli_build_options build;
  cli_strings skip;
  int experimental;
  const char *context;
  stagegraph_format format;
} lint_args;

/* "3 findings (1 error, 2 warnings)", and BuildKit's line when
 * `check=error=true` turns the findings into a failure. */
static void summary(const char *source, const stagegraph_lint *lint) {
  size_t n = stagegraph_lint_count(lint), errors = 0;
  for (size_t i = 0; i < n; i++)
    errors += stagegraph_diagnostic_severity(stagegraph_lint_diagnostic(lint, i)) == STAGEGRAPH_SEVERITY_ERROR;
  if (n == 0) {
    fprintf(stderr, "%s: no findings\n", source);
    return;
  }
  fprintf(stderr, "%s: %zu finding%s (%zu error%s, %zu warning%s)\n", source, n, n == 1 ? "" : "s",
          errors, errors == 1 ? "" : "s", n - errors, n - errors == 1 ? "" : "s");
  if (!stagegraph_lint_failed(lint) || errors) return;
  fprintf(stderr, "%s: error: lint violation found for rules: ", source);
  size_t printed = 0;
  for (size_t r = 0; r < stagegraph_rule_count(); r++) {
    const char *name = stagegraph_rule_name(r);
    for (size_t i = 0; i < n; i++) {
      const char *rule = stagegraph_diagnostic_rule(stagegraph_lint_diagnostic(lint, i));
      if (rule && strcmp(rule, name) == 0) {
        fprintf(stderr, "%s%s", printed++ ? ", " : "", name);
        break;
      }
    }
  }
  fputc('\n', stderr);
}

static int run(const char *path, const lint_args *a) {
  int json = a->format == STAGEGRAPH_FORMAT_JSON;
  const char *source = cli_source(path);
  if (a->context && cli_check_context("stagegraph lint", a->context) != CLI_OK) return CLI_TROUBLE;
  stagegraph_options popts = STAGEGRAPH_OPTIONS_INIT;
  popts.platform = a->build.platform;
  popts.build_args = (const char *const *)a->build.build_args.items;
  popts.build_arg_count = a->build.build_args.count;
  stagegraph_doc *doc;
  int status = cli_load(&doc, path, &popts, json);
  if (status != CLI_OK) return status;
  char *ignore = NULL, *ignore_source = NULL;
  size_t ignore_len = 0;
  /* the context: --context, else the Dockerfile's directory (none for stdin) */
  char *dir = !a->context && path && strcmp(path, "-") != 0 ? cli_dir_of(path) : NULL;
  status = cli_dockerignore(path, a->context ? a->context : dir, &ignore, &ignore_len, &ignore_source);
  free(dir);

  stagegraph_lint *lint = NULL;
  if (status == CLI_OK) {
    stagegraph_lint_options opts = STAGEGRAPH_LINT_OPTIONS_INIT;
    opts.targets = (const char *const *)a->build.targets.items;
    opts.target_count = a->build.targets.count;
    opts.skip = (const char *const *)a->skip.items;
    opts.skip_count = a->skip.count;
    opts.experimental = a->experimental;
    opts.dockerignore = ignore;
    opts.dockerignore_len = ignore_len;
    opts.build_contexts = (const char *const *)a->build.build_contexts.items;
    opts.build_context_count = a->build.build_contexts.count;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    if (stagegraph_lint_new(&lint, doc, &opts, &err) != 0) {
      /* an ignore-file error carries that file's line */
      int from_ignore = ignore_source && err.code == STAGEGRAPH_ESYNTAX;
      status = cli_fail(from_ignore ? ignore_source : source, &err, json);
      lint = NULL;
    }
  }
  if (lint) {
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    if (stagegraph_lint_render(&out, lint, a->format, source, &err) == 0) {
      status = cli_write(out.ptr, out.size);
      summary(source, lint);
      if (status == CLI_OK && stagegraph_lint_failed(lint)) status = CLI_REJECTED;
    } else {
      status = cli_fail(source, &err, json);
    }
    stagegraph_buf_dispose(&out);
    stagegraph_lint_free(lint);
  }
  free(ignore);
  free(ignore_source);
  stagegraph_doc_free(doc);
  return status;
}

int cmd_lint(int argc, char **argv) {
  static const struct option options[] = {
      {"target", required_argument, NULL, OPT_TARGET},
      {"skip", required_argument, NULL, OPT_SKIP},
      {"experimental", no_argument, NULL, OPT_EXPERIMENTAL},
      {"build-arg", required_argument, NULL, OPT_BUILD_ARG},
      {"build-context", required_argument, NULL, OPT_BUILD_CONTEXT},
      {"context", required_argument, NULL, OPT_CONTEXT},
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  lint_args a;
  memset(&a, 0, sizeof a);
  a.format = STAGEGRAPH_FORMAT_TEXT;
  int status = CLI_OK;
  int c;
  while (status == CLI_OK && (c = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
    switch (c) {
    case OPT_TARGET:
      status = cli_strings_push(&a.build.targets, optarg);
      break;
    case OPT_SKIP:
      status = cli_strings_push(&a.skip, optarg);
      break;
    case OPT_EXPERIMENTAL:
      a.experimental = 1;
      break;
    case OPT_BUILD_ARG:
      status = cli_build_arg(&a.build.build_args, optarg, argv[0], usage);
      break;
    case OPT_BUILD_CONTEXT:
      status = cli_build_context(&a.build.build_contexts, optarg, argv[0], usage);
      break;
    case OPT_CONTEXT:
      if (*optarg == '\0')
        status = cli_usage_error(argv[0], usage, "--context needs a directory");
      else
        a.context = optarg;
      break;
    case 'f':
      if (cli_format(optarg, lint_formats, &a.format) != CLI_OK)
        status = cli_usage_error(argv[0], usage, "unknown format (expected text, json or sarif)");
      break;
    case 'h':
      help();
      cli_build_options_free(&a.build);
      cli_strings_free(&a.skip);
      return CLI_OK;
    default:
      status = cli_usage_error(argv[0], usage, NULL);
    }
  }
  if (status == CLI_OK && argc - optind > 1)
    status = cli_usage_error(argv[0], usage, "expected at most one FILE");
  if (status == CLI_OK) status = run(optind < argc ? argv[optind] : NULL, &a);
  cli_build_options_free(&a.build);
  cli_strings_free(&a.skip);
  return status;
}
