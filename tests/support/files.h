/* Reading test data files. */
#ifndef STAGEGRAPH_TEST_FILES_H
#define STAGEGRAPH_TEST_FILES_H

#include <stddef.h>

/* The whole file, NUL-terminated (malloc'd), or NULL. */
char *read_file(const char *path, size_t *len);

/* The corpus's files directory ($STAGEGRAPH_CORPUS/files, else
 * ../shared/corpus/files) in dir, and the names in it (no dot files),
 * sorted: an array of *count malloc'd strings, or NULL when the directory
 * cannot be read. Free with free_names. */
char **corpus_files(char *dir, size_t dir_cap, size_t *count);
void free_names(char **names, size_t count);

#endif
