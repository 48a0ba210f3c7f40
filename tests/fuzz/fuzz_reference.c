/* Fuzz target: image references. The whole input is the reference text for
 * stagegraph_reference_parse (and the internal named-context key). A parsed
 * reference must have every part, and its normalised and familiar forms must
 * parse back to the same normalised reference (distribution's round trip:
 * ParseNormalizedNamed(FamiliarString(r)) is r, where the familiar form is
 * not ambiguous). */
#include "fuzz_common.h"
#include "reference.h"

static void check_parts(const stagegraph_reference *ref) {
  fz_strlen(stagegraph_reference_domain(ref));
  size_t path = fz_strlen(stagegraph_reference_path(ref));
  FZ_CHECK(path > 0);
  fz_strlen(stagegraph_reference_tag(ref));
  fz_strlen(stagegraph_reference_digest(ref));
  FZ_CHECK(fz_strlen(stagegraph_reference_normalized(ref)) > 0);
  FZ_CHECK(fz_strlen(stagegraph_reference_familiar(ref)) > 0);
}

/* `text` must parse, to the normalised form `want`. */
static void check_reparse(const char *text, const char *want, const char *what) {
  stagegraph_reference *ref = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  int rc = stagegraph_reference_parse(&ref, text, strlen(text), NULL, &err);
  if (rc != 0) fprintf(stderr, "%s \"%s\" does not parse: %s\n", what, text, err.message);
  FZ_CHECK(rc == 0);
  const char *got = stagegraph_reference_normalized(ref);
  if (strcmp(got, want) != 0)
    fprintf(stderr, "%s \"%s\" normalises to \"%s\", not \"%s\"\n", what, text, got, want);
  FZ_CHECK(strcmp(got, want) == 0);
  stagegraph_reference_free(ref);
}

/* distribution's FamiliarString drops "docker.io/" even when the first
 * path component then reads as a domain ("docker.io/a.b/c" gives "a.b/c",
 * which parses as registry a.b): Go has the same non-round-trip. */
static int familiar_ambiguous(const char *familiar) {
  /* "docker.io/<64 hex>" is a valid name whose familiar form, 64 hex
   * digits alone, is refused as an image ID (distribution does the same) */
  if (strlen(familiar) == 64 && strspn(familiar, "0123456789abcdef") == 64) return 1;
  size_t first = strcspn(familiar, "/");
  if (familiar[first] != '/') return 0;
  return memchr(familiar, '.', first) || memchr(familiar, ':', first) ||
         (first == 9 && memcmp(familiar, "localhost", 9) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  fz_inputs_utf8 = fz_utf8_valid(text, size);

  stagegraph_reference *ref = NULL;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  fz_alloc_reset(0, 0);
  int rc = stagegraph_reference_parse(&ref, text, size, NULL, &err);
  fz_check_error(rc, &err, size);
  if (rc == 0) {
    FZ_CHECK(ref != NULL);
    check_parts(ref);
    check_reparse(stagegraph_reference_normalized(ref), stagegraph_reference_normalized(ref),
                  "normalised form");
    if (!familiar_ambiguous(stagegraph_reference_familiar(ref)))
      check_reparse(stagegraph_reference_familiar(ref), stagegraph_reference_normalized(ref),
                    "familiar form");
    stagegraph_reference_free(ref);
  } else {
    FZ_CHECK(rc == STAGEGRAPH_EREFERENCE || rc == STAGEGRAPH_ELIMIT);
  }

  /* the same with a failing allocator, failing allocation 1 + size % 8 */
  fz_alloc_reset(1 + size % 8, size & 8);
  ref = NULL;
  rc = stagegraph_reference_parse(&ref, text, size, &fz_allocator, &err);
  fz_check_error(rc, &err, size);
  if (rc == 0) {
    check_parts(ref);
    stagegraph_reference_free(ref);
  }

  /* the named-context key */
  fz_alloc_reset(0, 0);
  sgi_mem mem;
  sgi_mem_init(&mem, NULL);
  sgi_arena arena;
  sgi_arena_init(&arena, &mem);
  const char *key = NULL;
  rc = sgi_reference_context_key(&key, &arena, text, size, &err);
  fz_check_error(rc, &err, size);
  if (rc == 0) fz_strlen(key);
  sgi_arena_free(&arena);
  return 0;
}
