/* SPDX-License-Identifier: CC0-1.0 */
/* `stagegraph outline`: the build args, secrets and ssh a target uses, as `--call=outline`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "stagegraph outline [--target T] [--build-arg K[=V]]... [--platform P]\n"
                            "                          [--format text|json] [FILE|-]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Outline a build target as BuildKit's outline request does (docker buildx\n"
         "build --call=outline): the build args the target and the stages it\n"
         "needs consume, with their values and descriptions, and the secrets and\n"
         "ssh sockets their RUN --mount options need, each sorted by line.\n"
         "FILE defaults to standard input (also read for \"-\").\n"
         "\n"
         "      --target STAGE         the stage to outline (case-insensitive);\n"
         "                             default: the last stage\n"
         "      --build-arg KEY=VALUE  set a build arg, as docker build does; a bare\n"
         "                             KEY takes its value from the environment and\n"
         "                             is ignored when KEY is not set there\n"
         "      --platform OS/ARCH[/VARIANT]\n"
         "                             the target platform; default linux/amd64\n"
         "  -f, --format FORMAT        text (default): BuildKit's printout: TARGET and\n"
         "                             DESCRIPTION, then BUILD ARG / VALUE /\n"
         "                             DESCRIPTION, SECRET / REQUIRED and SSH /\n"
         "                             REQUIRED tables (empty ones are left out);\n"
         "                             json: schema \"stagegraph.outline/1\": target\n"
         "                             (index, name, description), args (name,\n"
         "                             value or null, description, line), secrets\n"
         "                             and ssh (id, required, line)\n"
         "  -h, --help                 show this help\n"
         "\n"
         "Descriptions come from the comment lines since the previous instruction:\n"
         "the first one above FROM or ARG that starts with the stage or arg name\n"
         "and a space gives the rest of its line:\n"
         "\n"
         "  # GO_VERSION the Go release to build with\n"
         "  ARG GO_VERSION=1.22\n"
         "\n"
         "Example:\n"
         "  stagegraph outline --target build --build-arg GO_VERSION=1.23 Dockerfile\n"
         "\n"
         "Exit status: 0 outlined; 1 BuildKit rejects the file or the build (syntax,\n"
         "instruction errors, unknown target, cycle, expansion or image reference\n"
         "errors); 2 usage, I/O or internal error.\n",
         usage);
}

/* The stage outlined: the first (and only) target of the plan. */
static const stagegraph_stage *outlined_stage(const stagegraph_plan *plan, size_t *index) {
  size_t count;
  const size_t *targets = stagegraph_plan_targets(plan, &count);
  *index = targets[0];
  return stagegraph_doc_stage(stagegraph_plan_doc(plan), *index);
}

static int print_text(const stagegraph_plan *plan) {
  size_t index;
  const stagegraph_stage *st = outlined_stage(plan, &index);
  const char *name = stagegraph_stage_name(st);
  const char *description = stagegraph_stage_description(st);
  cli_tabwriter tw;
  /* BuildKit's PrintOutline, section by section, each followed by a blank line */
  if (name || *description) {
    if (cli_tab_open(&tw, 1) != CLI_OK) return CLI_TROUBLE;
    fprintf(tw.f, "TARGET:\t%s\n", name ? name : "(default)");
    if (*description) fprintf(tw.f, "DESCRIPTION:\t%s\n", description);
    if (cli_tab_flush(&tw, stdout) != CLI_OK) return CLI_TROUBLE;
    putchar('\n');
  }
  size_t args = stagegraph_plan_arg_count(plan);
  if (args) {
    if (cli_tab_open(&tw, 3) != CLI_OK) return CLI_TROUBLE;
    fputs("BUILD ARG\tVALUE\tDESCRIPTION\n", tw.f);
    for (size_t i = 0; i < args; i++) {
      const char *value = stagegraph_plan_arg_value(plan, i);
      fprintf(tw.f, "%s\t%s\t%s\n", stagegraph_plan_arg_name(plan, i), value ? value : "",
              stagegraph_plan_arg_description(plan, i));
    }
    if (cli_tab_flush(&tw, stdout) != CLI_OK) return CLI_TROUBLE;
    putchar('\n');
  }
  size_t secrets = stagegraph_plan_secret_count(plan);
  if (secrets) {
    if (cli_tab_open(&tw, 3) != CLI_OK) return CLI_TROUBLE;
    fputs("SECRET\tREQUIRED\n", tw.f);
    for (size_t i = 0; i < secrets; i++)
      fprintf(tw.f, "%s\t%s\n", stagegraph_plan_secret_id(plan, i),
              stagegraph_plan_secret_required(plan, i) ? "true" : "");
    if (cli_tab_flush(&tw, stdout) != CLI_OK) return CLI_TROUBLE;
    putchar('\n');
  }
  size_t ssh = stagegraph_plan_ssh_count(plan);
  if (ssh) {
    if (cli_tab_open(&tw, 3) != CLI_OK) return CLI_TROUBLE;
    fputs("SSH\tREQUIRED\n", tw.f);
    for (size_t i = 0; i < ssh; i++)
      fprintf(tw.f, "%s\t%s\n", stagegraph_plan_ssh_id(plan, i),
              stagegraph_plan_ssh_required(plan, i) ? "true" : "");
    if (cli_tab_flush(&tw, stdout) != CLI_OK) return CLI_TROUBLE;
    putchar('\n');
  }
  return cli_write("", 0);
}

static int print_json(const stagegraph_plan *plan) {
  size_t index;
  const stagegraph_stage *st = outlined_stage(plan, &index);
  cli_json j;
  cli_json_init(&j, stdout);
  cli_json_begin_object(&j);
  cli_json_key(&j, "schema");
  cli_json_str(&j, "stagegraph.outline/1");
  cli_json_key(&j, "target");
  cli_json_begin_object(&j);
  cli_json_key(&j, "index");
  cli_json_uint(&j, index);
  cli_json_key(&j, "name");
  cli_json_str(&j, stagegraph_stage_name(st));
  cli_json_key(&j, "description");
  cli_json_str(&j, stagegraph_stage_description(st));
  cli_json_end_object(&j);

  cli_json_key(&j, "args");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < stagegraph_plan_arg_count(plan); i++) {
    cli_json_begin_object(&j);
    cli_json_key(&j, "name");
    cli_json_str(&j, stagegraph_plan_arg_name(plan, i));
    cli_json_key(&j, "value");
    cli_json_str(&j, stagegraph_plan_arg_value(plan, i));
    cli_json_key(&j, "description");
    cli_json_str(&j, stagegraph_plan_arg_description(plan, i));
    cli_json_key(&j, "line");
    cli_json_uint(&j, stagegraph_plan_arg_line(plan, i));
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);

  cli_json_key(&j, "secrets");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < stagegraph_plan_secret_count(plan); i++) {
    cli_json_begin_object(&j);
    cli_json_key(&j, "id");
    cli_json_str(&j, stagegraph_plan_secret_id(plan, i));
    cli_json_key(&j, "required");
    cli_json_bool(&j, stagegraph_plan_secret_required(plan, i));
    cli_json_key(&j, "line");
    cli_json_uint(&j, stagegraph_plan_secret_line(plan, i));
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);

  cli_json_key(&j, "ssh");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < stagegraph_plan_ssh_count(plan); i++) {
    cli_json_begin_object(&j);
    cli_json_key(&j, "id");
    cli_json_str(&j, stagegraph_plan_ssh_id(plan, i));
    cli_json_key(&j, "required");
    cli_json_bool(&j, stagegraph_plan_ssh_required(plan, i));
    cli_json_key(&j, "line");
    cli_json_uint(&j, stagegraph_plan_ssh_line(plan, i));
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);
  cli_json_end_object(&j);
  return cli_write("", 0);
}

enum { OPT_TARGET = 256, OPT_BUILD_ARG, OPT_PLATFORM };

int cmd_outline(int argc, char **argv) {
  static const struct option options[] = {
      {"target", required_argument, NULL, OPT_TARGET},
      {"build-arg", required_argument, NULL, OPT_BUILD_ARG},
      {"platform", required_argument, NULL, OPT_PLATFORM},
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  cli_build_options opts = {0};
  int json = 0;
  int status = CLI_OK;
  int c;
  while (status == CLI_OK && (c = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
    switch (c) {
    case OPT_TARGET:
      if (opts.targets.count)
        status = cli_usage_error(argv[0], usage, "--target given twice (an outline is of one target)");
      else
        status = cli_strings_push(&opts.targets, optarg);
      break;
    case OPT_BUILD_ARG:
      status = cli_build_arg(&opts.build_args, optarg, argv[0], usage);
      break;
    case OPT_PLATFORM:
      opts.platform = optarg;
      break;
    case 'f':
      if (strcmp(optarg, "text") == 0)
        json = 0;
      else if (strcmp(optarg, "json") == 0)
        json = 1;
      else
        status = cli_usage_error(argv[0], usage, "unknown format (expected text or json)");
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

  stagegraph_doc *doc;
  stagegraph_plan *plan;
  status = cli_plan_load(&doc, &plan, path, &opts, json);
  cli_build_options_free(&opts);
  if (status != CLI_OK) return status;
  status = json ? print_json(plan) : print_text(plan);
  stagegraph_plan_free(plan);
  stagegraph_doc_free(doc);
  return status;
}
