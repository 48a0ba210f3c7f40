/* SPDX-License-Identifier: MIT */
/* Header hygiene: include/stagegraph.h on its own compiles as strict ISO C11
 * (`make headertest`: -std=c11 -pedantic -Werror). Compiled, never run. */
#include <stagegraph.h>

#if STAGEGRAPH_VERSION_NUMBER != ((STAGEGRAPH_VERSION_MAJOR << 16) | \
                                  (STAGEGRAPH_VERSION_MINOR << 8) | STAGEGRAPH_VERSION_PATCH)
#error "STAGEGRAPH_VERSION_NUMBER does not match its parts"
#endif

int headertest_c(const char *data, size_t len);

int headertest_c(const char *data, size_t len) {
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_options opts = STAGEGRAPH_OPTIONS_INIT;
  stagegraph_buf buf = STAGEGRAPH_BUF_INIT;
  stagegraph_doc *doc = NULL;
  stagegraph_allocator allocator = {NULL, NULL, NULL, NULL};
  opts.allocator = &allocator;
  int rc = stagegraph_parse(&doc, data, len, &opts, &err);
  if (rc == STAGEGRAPH_OK) {
    rc = stagegraph_doc_dump(&buf, doc, STAGEGRAPH_DUMP_BUILDKIT, &err);
    stagegraph_buf_dispose(&buf);
  }
  stagegraph_doc_free(doc);
  return rc == STAGEGRAPH_ESYNTAX ? (int)err.line : rc;
}
