/* SPDX-License-Identifier: CC0-1.0 */
/* `stagegraph targets`: list the stages a build can target, as `docker build --call=targets`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "stagegraph targets [--format text|json] [FILE|-]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "List the stages of a Dockerfile as BuildKit's targets request does\n"
         "(docker buildx build --call=targets): every stage in file order with\n"
         "its name, its description and whether it is the default target (the\n"
         "last stage). This only parses the file: nothing is expanded, so build\n"
         "args do not matter. FILE defaults to standard input (also read for \"-\").\n"
         "\n"
         "  -f, --format FORMAT  text (default): BuildKit's TARGET / DESCRIPTION\n"
         "                       table; the default stage reads \"NAME (default)\",\n"
         "                       or \"(default)\" when it has no name; an unnamed\n"
         "                       stage that is not the default has an empty TARGET\n"
         "                       (it cannot be selected with --target);\n"
         "                       json: schema \"stagegraph.targets/1\", one object per\n"
         "                       stage: index, name (or null), default, description,\n"
         "                       base (the FROM image as written), platform (the\n"
         "                       --platform value as written, or null), line\n"
         "  -h, --help           show this help\n"
         "\n"
         "A stage's description is the first of the comment lines since the\n"
         "previous instruction that starts with the stage name (lowercase) and a\n"
         "space; the rest of that line is the description:\n"
         "\n"
         "  # build compiles the app\n"
         "  FROM golang:1.22 AS build\n"
         "\n"
         "Example:\n"
         "  stagegraph targets Dockerfile\n"
         "\n"
         "Exit status: 0 listed (a file with no FROM lists no targets, as in\n"
         "BuildKit), 1 BuildKit's parser or instruction layer rejects the file,\n"
         "2 usage or I/O error.\n",
         usage);
}

static int print_text(const stagegraph_doc *doc) {
  cli_tabwriter tw;
  if (cli_tab_open(&tw, 1) != CLI_OK) return CLI_TROUBLE;
  fputs("TARGET\tDESCRIPTION\n", tw.f);
  size_t count = stagegraph_doc_stage_count(doc);
  for (size_t i = 0; i < count; i++) {
    const stagegraph_stage *st = stagegraph_doc_stage(doc, i);
    const char *name = stagegraph_stage_name(st);
    int is_default = i + 1 == count;
    if (name == NULL) name = "";
    if (is_default && *name == '\0')
      fputs("(default)", tw.f);
    else if (is_default)
      fprintf(tw.f, "%s (default)", name);
    else
      fputs(name, tw.f);
    fprintf(tw.f, "\t%s\n", stagegraph_stage_description(st));
  }
  if (cli_tab_flush(&tw, stdout) != CLI_OK) return CLI_TROUBLE;
  return cli_write("", 0);
}

static int print_json(const stagegraph_doc *doc) {
  cli_json j;
  cli_json_init(&j, stdout);
  cli_json_begin_object(&j);
  cli_json_key(&j, "schema");
  cli_json_str(&j, "stagegraph.targets/1");
  cli_json_key(&j, "targets");
  cli_json_begin_array(&j);
  size_t count = stagegraph_doc_stage_count(doc);
  for (size_t i = 0; i < count; i++) {
    const stagegraph_stage *st = stagegraph_doc_stage(doc, i);
    cli_json_begin_object(&j);
    cli_json_key(&j, "index");
    cli_json_uint(&j, i);
    cli_json_key(&j, "name");
    cli_json_str(&j, stagegraph_stage_name(st));
    cli_json_key(&j, "default");
    cli_json_bool(&j, i + 1 == count);
    cli_json_key(&j, "description");
    cli_json_str(&j, stagegraph_stage_description(st));
    cli_json_key(&j, "base");
    cli_json_str(&j, stagegraph_stage_base(st));
    cli_json_key(&j, "platform");
    cli_json_str(&j, stagegraph_stage_platform(st));
    cli_json_key(&j, "line");
    cli_json_uint(&j, stagegraph_instruction_start_line(stagegraph_stage_from(st)));
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);
  cli_json_end_object(&j);
  return cli_write("", 0);
}

/*
 * BuildKit's verdict for a targets request: its parser and instruction layer
 * (instructions.Parse). The document's verdict also covers what BuildKit
 * checks only when it converts the file for a build; of those, a file
 * without any FROM ("dockerfile contains no stages to build", which the
 * library adds after every other error) is listed by BuildKit as having no
 * targets rather than rejected.
 */
static int targets_verdict(const stagegraph_doc *doc, stagegraph_error *err) {
  int rc = stagegraph_doc_verdict(doc, err);
  if (rc == 0 || stagegraph_doc_stage_count(doc) != 0) return rc;
  size_t errors = 0;
  for (size_t i = 0; i < stagegraph_doc_diagnostic_count(doc); i++)
    errors += stagegraph_diagnostic_severity(stagegraph_doc_diagnostic(doc, i)) ==
              STAGEGRAPH_SEVERITY_ERROR;
  if (errors == 1 && strcmp(err->message, "dockerfile contains no stages to build") == 0) return 0;
  return rc;
}

int cmd_targets(int argc, char **argv) {
  static const struct option options[] = {
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int json = 0;
  int c;
  while ((c = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (strcmp(optarg, "text") == 0)
        json = 0;
      else if (strcmp(optarg, "json") == 0)
        json = 1;
      else
        return cli_usage_error(argv[0], usage, "unknown format (expected text or json)");
      break;
    case 'h':
      help();
      return CLI_OK;
    default:
      return cli_usage_error(argv[0], usage, NULL);
    }
  }
  if (argc - optind > 1) return cli_usage_error(argv[0], usage, "expected at most one FILE");
  const char *path = optind < argc ? argv[optind] : NULL;

  stagegraph_doc *doc;
  int status = cli_load(&doc, path, NULL, json);
  if (status != CLI_OK) return status;
  /* BuildKit lists targets after its instruction layer accepted the file. */
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  if (targets_verdict(doc, &err) != 0)
    status = cli_fail(cli_source(path), &err, json);
  else
    status = json ? print_json(doc) : print_text(doc);
  stagegraph_doc_free(doc);
  return status;
}
