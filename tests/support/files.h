/* Reading test data files. */
#ifndef STAGEGRAPH_TEST_FILES_H
#define STAGEGRAPH_TEST_FILES_H

#include <stddef.h>

/* The whole file, NUL-terminated (malloc'd), or NULL. */
char *read_file(const char *path, size_t *len);

#endif
