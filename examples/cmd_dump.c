/* SPDX-License-Identifier: CC0-1.0 */
/* `stagegraph dump`: print the syntax tree as BuildKit's Node.Dump() does, or as JSON. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "stagegraph dump [--format buildkit|json] [FILE|-]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Parse a Dockerfile as BuildKit's parser does and print its syntax tree.\n"
         "FILE defaults to standard input (also read for \"-\").\n"
         "\n"
         "  -f, --format FORMAT  buildkit (default): BuildKit's Node.Dump() text,\n"
         "                       one parenthesised line per instruction;\n"
         "                       json: the tree with lines, heredocs, comments\n"
         "                       and diagnostics (schema \"stagegraph.ast/1\")\n"
         "  -h, --help           show this help\n"
         "\n"
         "Parse warnings go to stderr. Instruction-level errors (an unknown\n"
         "instruction, a bad flag) do not stop the dump: BuildKit's parser\n"
         "accepts them too; with --format json they appear as diagnostics.\n"
         "Exit status: 0 dumped, 1 the parser rejected the file, 2 usage or I/O error.\n",
         usage);
}

int cmd_dump(int argc, char **argv) {
  static const struct option options[] = {
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  stagegraph_dump_format format = STAGEGRAPH_DUMP_BUILDKIT;
  int c;
  while ((c = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (strcmp(optarg, "buildkit") == 0)
        format = STAGEGRAPH_DUMP_BUILDKIT;
      else if (strcmp(optarg, "json") == 0)
        format = STAGEGRAPH_DUMP_JSON;
      else
        return cli_usage_error(argv[0], usage, "unknown format (expected buildkit or json)");
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
  int json = format == STAGEGRAPH_DUMP_JSON;

  stagegraph_doc *doc;
  int status = cli_load(&doc, path, NULL, json);
  if (status != CLI_OK) return status;
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  if (stagegraph_doc_dump(&out, doc, format, &err) == 0)
    status = cli_write(out.ptr, out.size);
  else
    status = cli_fail(cli_source(path), &err, json);
  stagegraph_buf_dispose(&out);
  stagegraph_doc_free(doc);
  return status;
}
