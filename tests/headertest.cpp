/* SPDX-License-Identifier: MIT */
/* Header hygiene: include/stagegraph.h on its own compiles as C++11
 * (`make headertest`: -std=c++11 -pedantic -Werror). Compiled, never run. */
#include <stagegraph.h>

int headertest_cpp(const char *data, size_t len);

int headertest_cpp(const char *data, size_t len) {
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
  stagegraph_buf buf = STAGEGRAPH_BUF_INIT;
  stagegraph_doc *doc = NULL;
  int rc = stagegraph_parse(&doc, data, len, &opts, &err);
  if (rc == STAGEGRAPH_OK) {
    for (size_t i = 0; i < stagegraph_doc_instruction_count(doc); i++) {
      const stagegraph_instruction *ins = stagegraph_doc_instruction(doc, i);
      if (stagegraph_instruction_kind(ins) == STAGEGRAPH_KIND_FROM) rc++;
    }
    if (stagegraph_doc_dump(&buf, doc, STAGEGRAPH_DUMP_JSON, &err) != STAGEGRAPH_OK) rc = -1;
    stagegraph_buf_dispose(&buf);
  }
  stagegraph_doc_free(doc);
  return rc;
}
