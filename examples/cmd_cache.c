/* SPDX-License-Identifier: CC0-1.0 */
/* `stagegraph cache`: the cacheable layers of a build and what a change rebuilds. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char *const graph_formats[] = {"text", "json", "dot", "mermaid", NULL};

static const char usage[] =
    "stagegraph cache [--target T]... [--build-arg K[=V]]... [--context DIR]\n"
    "                        [--changed PATH]... [--changed-arg NAME]... [--changed-image REF]...\n"
    "                        [--build-context NAME=SRC]... [--platform P]\n"
    "                        [--format text|json|dot|mermaid] [FILE|-]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Model BuildKit's layer cache for the stages the targets need: which\n"
         "instructions make layers and which only change metadata, what each\n"
         "layer's cache key reads (context paths, stages, images, build args,\n"
         "remote sources), where in each stage an ordinary source edit starts\n"
         "rebuilding (the cache boundary), and what the given changes rebuild:\n"
         "each instruction is cached, maybe (it copies from a rebuilt stage or a\n"
         "changed image and misses only if those files really changed) or\n"
         "invalidated. FILE defaults to standard input (also read for \"-\").\n"
         "\n"
         "      --target STAGE         build this stage (case-insensitive); repeat to\n"
         "                             build several; default: the last stage\n"
         "      --build-arg KEY=VALUE  set a build arg, as docker build does; a bare\n"
         "                             KEY takes its value from the environment and\n"
         "                             is ignored when KEY is not set there\n"
         "      --context DIR          the build context; default: the Dockerfile's\n"
         "                             directory (the current one for standard\n"
         "                             input). Its .dockerignore applies, unless a\n"
         "                             FILE.dockerignore beside the Dockerfile exists\n"
         "      --changed PATH         a context file or directory that changed,\n"
         "                             relative to the context; repeatable\n"
         "      --changed-arg NAME     a build arg whose value changed; repeatable\n"
         "      --changed-image REF    a base image that changed (as written in the\n"
         "                             Dockerfile, or normalised); repeatable\n"
         "      --build-context NAME=SOURCE\n"
         "                             a named build context replacing the stage or\n"
         "                             image NAME, as for plan\n"
         "      --platform OS/ARCH[/VARIANT]\n"
         "                             the target platform; default linux/amd64\n"
         "  -f, --format FORMAT        text (default): each stage's layers with the\n"
         "                             cache boundary marked and what rebuilds and\n"
         "                             why; json: schema \"stagegraph.cache/1\"\n"
         "                             (stages in build order with their\n"
         "                             instructions, statuses and inputs, and a\n"
         "                             summary); dot: a Graphviz digraph;\n"
         "                             mermaid: a Mermaid flowchart (layers coloured\n"
         "                             by status)\n"
         "  -h, --help                 show this help\n"
         "\n"
         "Example:\n"
         "  stagegraph cache --changed src/server.ts Dockerfile\n"
         "  stagegraph cache --changed-arg NODE_VERSION --format json Dockerfile\n"
         "\n"
         "Exit status: 0 modelled; 1 BuildKit rejects the file, the build or the\n"
         ".dockerignore (syntax, instruction errors, unknown target, cycle,\n"
         "expansion or image reference errors, bad ignore patterns); 2 usage, I/O\n"
         "or internal error.\n",
         usage);
}

enum {
  OPT_TARGET = 256,
  OPT_BUILD_ARG,
  OPT_BUILD_CONTEXT,
  OPT_PLATFORM,
  OPT_CONTEXT,
  OPT_CHANGED,
  OPT_CHANGED_ARG,
  OPT_CHANGED_IMAGE
};

/* What cache takes on top of the build options. */
typedef struct cache_args {
  cli_build_options build;
  const char *context; /* --context, or NULL */
  cli_strings changed, changed_args, changed_images;
} cache_args;

static void cache_args_free(cache_args *a) {
  cli_build_options_free(&a->build);
  cli_strings_free(&a->changed);
  cli_strings_free(&a->changed_args);
  cli_strings_free(&a->changed_images);
}

static int run(const char *prog, const char *path, const cache_args *a,
               stagegraph_format format) {
  int json = format == STAGEGRAPH_FORMAT_JSON;
  char *context_dir = NULL;
  if (a->context) {
    if (cli_check_context(prog, a->context) != CLI_OK) return CLI_TROUBLE;
  } else if (path && strcmp(path, "-") != 0) {
    if (!(context_dir = cli_dir_of(path))) return CLI_TROUBLE;
  }
  const char *context = a->context ? a->context : context_dir ? context_dir : ".";

  stagegraph_doc *doc;
  stagegraph_plan *plan;
  int status = cli_plan_load(&doc, &plan, path, &a->build, json);
  if (status != CLI_OK) {
    free(context_dir);
    return status;
  }
  char *ignore = NULL, *ignore_source = NULL;
  size_t ignore_len = 0;
  status = cli_dockerignore(path, context, &ignore, &ignore_len, &ignore_source);
  free(context_dir);

  stagegraph_cache *cache = NULL;
  if (status == CLI_OK) {
    stagegraph_cache_options opts = STAGEGRAPH_CACHE_OPTIONS_INIT;
    opts.changed_paths = (const char *const *)a->changed.items;
    opts.changed_path_count = a->changed.count;
    opts.changed_args = (const char *const *)a->changed_args.items;
    opts.changed_arg_count = a->changed_args.count;
    opts.changed_images = (const char *const *)a->changed_images.items;
    opts.changed_image_count = a->changed_images.count;
    opts.dockerignore = ignore;
    opts.dockerignore_len = ignore_len;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    if (stagegraph_cache_new(&cache, plan, &opts, &err) != 0) {
      /* past the plan, what can fail besides memory is the ignore file */
      int from_ignore = ignore_source && err.code != STAGEGRAPH_ENOMEM && err.code != STAGEGRAPH_EINVAL;
      status = cli_fail(from_ignore ? ignore_source : cli_source(path), &err, json);
      cache = NULL;
    }
  }
  if (cache) {
    stagegraph_buf out = STAGEGRAPH_BUF_INIT;
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    if (stagegraph_cache_render(&out, cache, format, &err) == 0)
      status = cli_write(out.ptr, out.size);
    else
      status = cli_fail(cli_source(path), &err, json);
    stagegraph_buf_dispose(&out);
    stagegraph_cache_free(cache);
  }
  free(ignore);
  free(ignore_source);
  stagegraph_plan_free(plan);
  stagegraph_doc_free(doc);
  return status;
}

int cmd_cache(int argc, char **argv) {
  static const struct option options[] = {
      {"target", required_argument, NULL, OPT_TARGET},
      {"build-arg", required_argument, NULL, OPT_BUILD_ARG},
      {"build-context", required_argument, NULL, OPT_BUILD_CONTEXT},
      {"platform", required_argument, NULL, OPT_PLATFORM},
      {"context", required_argument, NULL, OPT_CONTEXT},
      {"changed", required_argument, NULL, OPT_CHANGED},
      {"changed-arg", required_argument, NULL, OPT_CHANGED_ARG},
      {"changed-image", required_argument, NULL, OPT_CHANGED_IMAGE},
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  cache_args a;
  memset(&a, 0, sizeof a);
  stagegraph_format format = STAGEGRAPH_FORMAT_TEXT;
  int status = CLI_OK;
  int c;
  while (status == CLI_OK && (c = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
    switch (c) {
    case OPT_TARGET:
      status = cli_strings_push(&a.build.targets, optarg);
      break;
    case OPT_BUILD_ARG:
      status = cli_build_arg(&a.build.build_args, optarg, argv[0], usage);
      break;
    case OPT_BUILD_CONTEXT:
      status = cli_build_context(&a.build.build_contexts, optarg, argv[0], usage);
      break;
    case OPT_PLATFORM:
      a.build.platform = optarg;
      break;
    case OPT_CONTEXT:
      if (*optarg == '\0')
        status = cli_usage_error(argv[0], usage, "--context needs a directory");
      else
        a.context = optarg;
      break;
    case OPT_CHANGED:
      if (*optarg == '\0')
        status = cli_usage_error(argv[0], usage, "--changed needs a path");
      else
        status = cli_strings_push(&a.changed, optarg);
      break;
    case OPT_CHANGED_ARG:
      if (*optarg == '\0')
        status = cli_usage_error(argv[0], usage, "--changed-arg needs a name");
      else
        status = cli_strings_push(&a.changed_args, optarg);
      break;
    case OPT_CHANGED_IMAGE:
      if (*optarg == '\0')
        status = cli_usage_error(argv[0], usage, "--changed-image needs a reference");
      else
        status = cli_strings_push(&a.changed_images, optarg);
      break;
    case 'f':
      if (cli_format(optarg, graph_formats, &format) != CLI_OK)
        status = cli_usage_error(argv[0], usage,
                                 "unknown format (expected text, json, dot or mermaid)");
      break;
    case 'h':
      help();
      cache_args_free(&a);
      return CLI_OK;
    default:
      status = cli_usage_error(argv[0], usage, NULL);
    }
  }
  if (status == CLI_OK && argc - optind > 1)
    status = cli_usage_error(argv[0], usage, "expected at most one FILE");
  if (status == CLI_OK) status = run(argv[0], optind < argc ? argv[optind] : NULL, &a, format);
  cache_args_free(&a);
  return status;
}
