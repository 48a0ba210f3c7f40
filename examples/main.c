/* SPDX-License-Identifier: CC0-1.0 */
/*
 * The stagegraph command: dispatch to a subcommand.
 *
 * The files in examples/ use only <stagegraph.h> and the C library, and
 * double as documentation of the API. They are dedicated to the public
 * domain (CC0 1.0): copy them into your own programs freely.
 *
 * To add a subcommand, write cmd_<name>.c and add one line to CLI_COMMANDS
 * in cli.h.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
};

#define CLI_TABLE_ENTRY(name, summary) {#name, cmd_##name, summary},
static const struct command commands[] = {CLI_COMMANDS(CLI_TABLE_ENTRY)};
#undef CLI_TABLE_ENTRY

static const char usage[] = "stagegraph COMMAND [OPTIONS] [FILE|-]";

static void help(void) {
  printf("usage: %s\n"
         "       stagegraph --version\n"
         "\n"
         "Parse Dockerfiles exactly as BuildKit does.\n"
         "\n"
         "Commands:\n",
         usage);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    printf("  %-10s %s\n", commands[i].name, commands[i].summary);
  printf("\n"
         "FILE defaults to standard input (also read for \"-\").\n"
         "Run 'stagegraph COMMAND --help' for the options of a command.\n"
         "Exit status: 0 success, 1 the input was rejected, 2 usage, I/O or internal error.\n");
}

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : NULL;
  if (name == NULL) return cli_usage_error("stagegraph", usage, "no command given");
  if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
    help();
    return CLI_OK;
  }
  if (strcmp(name, "--version") == 0) {
    printf("stagegraph library %s (built against %s)\n", stagegraph_version_string(),
           STAGEGRAPH_VERSION_STRING);
    return CLI_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(name, commands[i].name) != 0) continue;
    /* getopt_long's own messages then start with "stagegraph NAME:" */
    char prog[64];
    snprintf(prog, sizeof prog, "stagegraph %s", name);
    argv[1] = prog;
    return commands[i].run(argc - 1, argv + 1);
  }
  char message[128];
  snprintf(message, sizeof message, "%s '%.64s'",
           name[0] == '-' ? "unrecognized option" : "unknown command", name);
  return cli_usage_error("stagegraph", usage, message);
}
