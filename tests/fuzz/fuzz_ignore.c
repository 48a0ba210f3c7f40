/* Fuzz target: .dockerignore patterns. sgi_ignore_parse on the input's
 * pattern text, sgi_patterns_compile on its lines, then every match function
 * on paths from the input, COPY source coverage (each pattern taken as a
 * source) and filepath.Clean.
 *
 * Input: byte 0 flags, byte 1 a parameter, then the .dockerignore text up to
 * the first NUL, then paths separated by '\n'. Without a NUL a fixed list of
 * paths is used.
 *   flags bit 0  failing allocator, failing allocation 1 + parameter
 *   flags bit 1  ... and every allocation after it
 */
#include "fuzz_common.h"
#include "ignore.h"

#define MAX_PATHS 32
#define MAX_LINES 64
#define MAX_SOURCES 8

static const char *const default_paths[] = {
    "a", "a/b/c", ".", "", "/x", "../y", "dir/file.txt", "src/main.go", "a/.git/config",
    "node_modules/x/index.js", "Dockerfile", ".dockerignore",
};

static int known_match_result(int rc) {
  return rc == 0 || rc == 1 || rc == STAGEGRAPH_ESYNTAX || rc == STAGEGRAPH_ENOMEM;
}

static void check_clean(const char *path, size_t len) {
  char *once = malloc(len + 2);
  if (!once) return;
  size_t n = sgi_path_clean(once, path, len);
  FZ_CHECK(n <= len + 1 && once[n] == '\0' && n > 0);
  char *twice = malloc(n + 2);
  if (twice) {
    size_t m = sgi_path_clean(twice, once, n);
    if (m != n || memcmp(once, twice, n) != 0)
      fprintf(stderr, "Clean not idempotent: \"%s\" -> \"%s\"\n", once, twice);
    FZ_CHECK(m == n && memcmp(once, twice, n) == 0);
    free(twice);
  }
  free(once);
}

static void match_all(const sgi_patterns *p, const sgi_mem *mem, const char *path, size_t len) {
  int rc = sgi_patterns_matches(p, path, len);
  fz_check_nomem(rc);
  FZ_CHECK(known_match_result(rc));
  for (int transfer = 0; transfer < 2; transfer++) {
    rc = sgi_patterns_walk_matches(p, path, len, transfer);
    fz_check_nomem(rc);
    FZ_CHECK(known_match_result(rc));
  }
  size_t n = sgi_patterns_count(p);
  for (size_t i = 0; i < n && i < MAX_SOURCES; i++) {
    sgi_pattern_info info;
    FZ_CHECK(sgi_patterns_get(p, i, &info) == 0);
    rc = sgi_path_covered_by_source(mem, info.text, info.len, path, len);
    fz_check_nomem(rc);
    FZ_CHECK(rc == 0 || rc == 1 || rc == STAGEGRAPH_ENOMEM);
    size_t depth = (size_t)-1;
    int rc2 = sgi_path_source_root(mem, info.text, info.len, path, len, &depth);
    fz_check_nomem(rc2);
    FZ_CHECK(rc2 == 0 || rc2 == 1 || rc2 == STAGEGRAPH_ENOMEM);
    if (rc2 == 1) FZ_CHECK(depth != (size_t)-1);
  }
}

static void check_list(const sgi_patterns *p) {
  size_t n = sgi_patterns_count(p);
  int exclusions = 0;
  for (size_t i = 0; i < n; i++) {
    sgi_pattern_info info;
    FZ_CHECK(sgi_patterns_get(p, i, &info) == 0);
    FZ_CHECK(info.text != NULL && strlen(info.text) == info.len);
    FZ_CHECK(info.kind >= SGI_MATCH_EXACT && info.kind <= SGI_MATCH_REGEX);
    if (info.exclusion) exclusions = 1;
  }
  sgi_pattern_info info;
  FZ_CHECK(sgi_patterns_get(p, n, &info) == STAGEGRAPH_EINVAL);
  FZ_CHECK(sgi_patterns_has_exclusions(p) == exclusions);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  uint8_t flags = data[0], param = data[1];
  const char *text = (const char *)data + 2;
  size_t text_len = size - 2;
  fz_inputs_utf8 = fz_utf8_valid(text, text_len);

  fz_pool pool = {{0}, 0};
  const char *paths[MAX_PATHS];
  size_t path_lens[MAX_PATHS];
  size_t npaths = 0;
  const char *nul = memchr(text, 0, text_len);
  if (nul) {
    const char *p = nul + 1, *end = text + text_len;
    text_len = (size_t)(nul - text);
    while (p <= end && npaths < MAX_PATHS) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      const char *e = nl ? nl : end;
      paths[npaths] = p;
      path_lens[npaths++] = (size_t)(e - p);
      p = e + 1;
    }
  } else {
    for (size_t i = 0; i < sizeof default_paths / sizeof default_paths[0]; i++) {
      paths[npaths] = default_paths[i];
      path_lens[npaths++] = strlen(default_paths[i]);
    }
  }

  sgi_mem mem;
  sgi_mem_init(&mem, &fz_allocator);
  fz_alloc_reset((flags & 1) ? 1ul + param : 0, (flags & 2) != 0);

  sgi_patterns *p = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = sgi_ignore_parse(&p, &mem, text, text_len, &err);
  fz_check_error(rc, &err, text_len);
  if (rc == 0) {
    check_list(p);
    for (size_t i = 0; i < npaths; i++) match_all(p, &mem, paths[i], path_lens[i]);
    sgi_patterns_free(p);
  } else {
    FZ_CHECK(rc == STAGEGRAPH_ESYNTAX || rc == STAGEGRAPH_ENOMEM);
  }

  /* the lines as --exclude patterns */
  const char *lines[MAX_LINES];
  size_t nlines = 0;
  const char *q = text, *end = text + text_len;
  while (q < end && nlines < MAX_LINES) {
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    const char *e = nl ? nl : end;
    const char *line = fz_pool_dup(&pool, q, (size_t)(e - q));
    if (line) lines[nlines++] = line;
    q = e + 1;
  }
  p = NULL;
  rc = sgi_patterns_compile(&p, &mem, lines, nlines, &err);
  fz_check_error(rc, &err, text_len);
  if (rc == 0) {
    check_list(p);
    for (size_t i = 0; i < npaths; i++) match_all(p, &mem, paths[i], path_lens[i]);
    sgi_patterns_free(p);
  }

  for (size_t i = 0; i < npaths; i++) check_clean(paths[i], path_lens[i]);
  fz_pool_free(&pool);
  return 0;
}
