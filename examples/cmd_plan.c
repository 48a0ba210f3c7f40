/* SPDX-License-Identifier: CC0-1.0 */
/* `stagegraph plan`: which stages a build needs, in which order and parallel waves. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const graph_formats[] = {"text", "json", "dot", "mermaid", NULL};

static const char usage[] =
    "stagegraph plan [--target T]... [--build-arg K[=V]]... [--build-context NAME=SRC]...\n"
    "                       [--platform P] [--legacy] [--format text|json|dot|mermaid] [FILE|-]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Resolve the stage graph of a Dockerfile as BuildKit does (FROM bases\n"
         "after ARG expansion, COPY --from and RUN --mount from= edges, external\n"
         "images) and plan the build of its targets: the stages they need in build\n"
         "order, the waves of stages that can build in parallel, the critical path\n"
         "and the stages BuildKit skips. FILE defaults to standard input (also\n"
         "read for \"-\").\n"
         "\n"
         "      --target STAGE         build this stage (case-insensitive); repeat to\n"
         "                             build several; default: the last stage\n"
         "      --build-arg KEY=VALUE  set a build arg, as docker build does; a bare\n"
         "                             KEY takes its value from the environment and\n"
         "                             is ignored when KEY is not set there\n"
         "      --build-context NAME=SOURCE\n"
         "                             a named build context replacing the stage or\n"
         "                             image NAME (docker-image://, oci-layout://,\n"
         "                             git, http(s)://, local:, input: sources)\n"
         "      --platform OS/ARCH[/VARIANT]\n"
         "                             the target platform (TARGETPLATFORM and\n"
         "                             friends); default linux/amd64\n"
         "      --legacy               plan as the classic builder and kaniko do:\n"
         "                             every stage up to the last target, in file\n"
         "                             order, one at a time\n"
         "  -f, --format FORMAT        text (default): the plan for people, wave by\n"
         "                             wave, with what is skipped and why;\n"
         "                             json: schema \"stagegraph.plan/1\" (stages,\n"
         "                             edges, images, targets, order, pruned,\n"
         "                             critical_path, waves);\n"
         "                             dot: a Graphviz digraph (dot -Tsvg);\n"
         "                             mermaid: a Mermaid flowchart\n"
         "  -h, --help                 show this help\n"
         "\n"
         "Example:\n"
         "  stagegraph plan --target test --build-arg GO_VERSION=1.22 Dockerfile\n"
         "  stagegraph plan --format dot Dockerfile | dot -Tsvg > stages.svg\n"
         "\n"
         "Exit status: 0 planned; 1 BuildKit rejects the file or the build (syntax,\n"
         "instruction errors, unknown target, cycle, expansion or image reference\n"
         "errors); 2 usage, I/O or internal error (a bad --platform or\n"
         "--build-context is a usage error).\n",
         usage);
}

enum { OPT_TARGET = 256, OPT_BUILD_ARG, OPT_BUILD_CONTEXT, OPT_PLATFORM, OPT_LEGACY };

int cmd_plan(int argc, char **argv) {
  static const struct option options[] = {
      {"target", required_argument, NULL, OPT_TARGET},
      {"build-arg", required_argument, NULL, OPT_BUILD_ARG},
      {"build-context", required_argument, NULL, OPT_BUILD_CONTEXT},
      {"platform", required_argument, NULL, OPT_PLATFORM},
      {"legacy", no_argument, NULL, OPT_LEGACY},
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  cli_build_options opts = {0};
  stagegraph_format format = STAGEGRAPH_FORMAT_TEXT;
  int status = CLI_OK;
  int c;
  while (status == CLI_OK && (c = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
    switch (c) {
    case OPT_TARGET:
      status = cli_strings_push(&opts.targets, optarg);
      break;
    case OPT_BUILD_ARG:
      status = cli_build_arg(&opts.build_args, optarg, argv[0], usage);
      break;
    case OPT_BUILD_CONTEXT:
      status = cli_build_context(&opts.build_contexts, optarg, argv[0], usage);
      break;
    case OPT_PLATFORM:
      opts.platform = optarg;
      break;
    case OPT_LEGACY:
      opts.legacy = 1;
      break;
    case 'f':
      if (cli_format(optarg, graph_formats, &format) != CLI_OK)
        status = cli_usage_error(argv[0], usage,
                                 "unknown format (expected text, json, dot or mermaid)");
      break;
    case 'h':
      help();
      cli_build_options_free(&opts);
      return CLI_OK;
    default:
      status = cli_usage_error(argv[0], usage, NULL);
    }
  }
  if (status == CLI_OK && argc - optind > 1)
    status = cli_usage_error(argv[0], usage, "expected at most one FILE");
  if (status != CLI_OK) {
    cli_build_options_free(&opts);
    return status;
  }
  const char *path = optind < argc ? argv[optind] : NULL;
  int json = format == STAGEGRAPH_FORMAT_JSON;

  stagegraph_doc *doc;
  stagegraph_plan *plan;
  status = cli_plan_load(&doc, &plan, path, &opts, json);
  cli_build_options_free(&opts);
  if (status != CLI_OK) return status;
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  if (stagegraph_plan_render(&out, plan, format, &err) == 0)
    status = cli_write(out.ptr, out.size);
  else
    status = cli_fail(cli_source(path), &err, json);
  stagegraph_buf_dispose(&out);
  stagegraph_plan_free(plan);
  stagegraph_doc_free(doc);
  return status;
}
