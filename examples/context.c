/* SPDX-License-Identifier: CC0-1.0 */
/* The build context on disk: its directory and the .dockerignore that
 * applies, shared by the commands that read them (cache, lint). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* A malloc'd "dir/name" ("name" when dir is "."), or NULL (reported). */
static char *join_path(const char *dir, const char *name) {
  size_t dlen = strlen(dir), nlen = strlen(name);
  if (dlen == 1 && dir[0] == '.') dlen = 0;
  int slash = dlen > 0 && dir[dlen - 1] != '/';
  char *p = malloc(dlen + (size_t)slash + nlen + 1);
  if (!p) {
    fprintf(stderr, "stagegraph: out of memory\n");
    return NULL;
  }
  memcpy(p, dir, dlen);
  if (slash) p[dlen] = '/';
  memcpy(p + dlen + (size_t)slash, name, nlen + 1);
  return p;
}

/* The directory of a file path ("." when it has none), malloc'd, or NULL. */
char *cli_dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t len = slash ? (size_t)(slash - path) : 0;
  if (slash && len == 0) len = 1; /* "/Dockerfile" */
  char *d = malloc(len ? len + 1 : 2);
  if (!d) {
    fprintf(stderr, "stagegraph: out of memory\n");
    return NULL;
  }
  if (len) {
    memcpy(d, path, len);
    d[len] = '\0';
  } else {
    strcpy(d, ".");
  }
  return d;
}

/*
 * Read the whole file at `path` into *data (malloc'd, NUL-terminated) and
 * *len. Returns 1 when read, 0 when it does not exist, -1 on another error
 * (reported).
 */
static int read_optional(const char *path, char **data, size_t *len) {
  *data = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT) return 0;
    fprintf(stderr, "%s: error: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - 1 - n, f);
    if (n < cap - 1) break;
    char *grown = cap * 2 > cap ? realloc(buf, cap * 2) : NULL;
    if (!grown) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = grown;
    cap *= 2;
  }
  int failed = ferror(f);
  int saved = errno;
  fclose(f);
  if (!buf) {
    fprintf(stderr, "stagegraph: out of memory\n");
    return -1;
  }
  if (failed) {
    free(buf);
    fprintf(stderr, "%s: error: %s\n", path, strerror(saved ? saved : EIO));
    return -1;
  }
  buf[n] = '\0';
  *data = buf;
  *len = n;
  return 1;
}

/*
 * The .dockerignore that applies: FILE.dockerignore beside the Dockerfile
 * (not for standard input), else .dockerignore at the context root. Sets
 * *text and *len (NULL when there is none) and *source (the file's name, for
 * messages); both malloc'd. Returns CLI_OK or CLI_TROUBLE (reported).
 */
int cli_dockerignore(const char *dockerfile, const char *context, char **text,
                             size_t *len, char **source) {
  *text = NULL;
  *source = NULL;
  *len = 0;
  int found = 0;
  if (dockerfile && strcmp(dockerfile, "-") != 0) {
    size_t n = strlen(dockerfile);
    char *beside = malloc(n + sizeof ".dockerignore");
    if (!beside) {
      fprintf(stderr, "stagegraph: out of memory\n");
      return CLI_TROUBLE;
    }
    memcpy(beside, dockerfile, n);
    memcpy(beside + n, ".dockerignore", sizeof ".dockerignore");
    found = read_optional(beside, text, len);
    if (found == 1) *source = beside;
    else free(beside);
    if (found < 0) return CLI_TROUBLE;
  }
  if (!found && context) {
    char *root = join_path(context, ".dockerignore");
    if (!root) return CLI_TROUBLE;
    found = read_optional(root, text, len);
    if (found == 1) *source = root;
    else free(root);
    if (found < 0) return CLI_TROUBLE;
  }
  return CLI_OK;
}

int cli_check_context(const char *prog, const char *dir) {
  struct stat st;
  if (stat(dir, &st) != 0) {
    fprintf(stderr, "%s: context %s: %s\n", prog, dir, strerror(errno));
    return CLI_TROUBLE;
  }
  if (!S_ISDIR(st.st_mode)) {
    fprintf(stderr, "%s: context %s: %s\n", prog, dir, strerror(ENOTDIR));
    return CLI_TROUBLE;
  }
  return CLI_OK;
}

