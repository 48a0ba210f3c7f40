/* The instruction layer: BuildKit's instructions.Parse over the AST. It
 * validates every instruction and its flags, groups instructions into
 * stages and records problems as error diagnostics on the document. */
#ifndef STAGEGRAPH_INSTRUCTIONS_H
#define STAGEGRAPH_INSTRUCTIONS_H

#include "document.h"

/* Build doc->commands. Instruction-level problems become diagnostics (the
 * parse still succeeds); only ENOMEM / ELIMIT fail. */
int sgi_commands_build(stagegraph_doc *doc, stagegraph_error *err);

#endif
