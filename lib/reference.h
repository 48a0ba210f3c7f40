/* Image references, parsed and normalised the way BuildKit does for FROM
 * names, COPY --from and RUN --mount from= values that name no stage, and
 * named-context names: distribution/reference v0.6.0 ParseNormalizedNamed
 * with go-digest v1.0.0 digest validation. A leaf utility: it knows nothing
 * about stages, and `scratch` is just a name here. */
#ifndef STAGEGRAPH_REFERENCE_H
#define STAGEGRAPH_REFERENCE_H

#include <stddef.h>

#include "alloc.h"
#include "stagegraph.h"

/* Longest input accepted, in bytes; longer input fails with
 * STAGEGRAPH_ELIMIT before any scanning. A valid reference is far shorter
 * (the path alone is capped at 255 bytes). */
#define SGI_REFERENCE_MAX 4096

/* Every field is NUL-terminated and lives in the arena given to
 * sgi_reference_parse. Absent parts are "", never NULL. */
typedef struct sgi_reference {
  /* Registry host and optional port: "docker.io", "localhost:5000",
   * "[::1]:5000". "" only in a distribution quirk: when the first component
   * was taken for a domain (it has '.' or ':') but is not a valid one yet
   * the whole name is a valid path ("a_b.c/x"), the name has no domain. */
  const char *domain;
  /* Repository path without the domain: "library/alpine". */
  const char *path;
  /* The tag as written, or "latest" when neither tag nor digest was
   * written; "" for a digest-only reference. */
  const char *tag;
  /* "sha256:<hex>" as written, or "". */
  const char *digest;
  /* domain "/" path (just path when domain is ""). */
  const char *name;
  /* name [":" tag] ["@" digest], with the implied ":latest":
   * "docker.io/library/alpine:latest". This is the string BuildKit resolves. */
  const char *normalized;
  /* As `docker images` shows it: "docker.io/" dropped, and "library/" too
   * when one component follows; tag and digest only as written ("alpine",
   * "alpine:3.20", "ghcr.io/o/x@sha256:..."). */
  const char *familiar;
} sgi_reference;

/* Parse text[0..len) as distribution's ParseNormalizedNamed does. On failure
 * *out is untouched and err gets STAGEGRAPH_EREFERENCE with distribution's
 * message ("invalid reference format", "invalid reference format:
 * repository name (library/Foo) must be lowercase", ...), STAGEGRAPH_ELIMIT
 * for input over SGI_REFERENCE_MAX, or STAGEGRAPH_ENOMEM. No position is set;
 * callers wrap the message ("failed to parse stage name \"x\": ...").
 * With out NULL it only checks the text (arena may be NULL too): the same
 * verdict, nothing built, and a plain lowercase name ("alpine", "builder")
 * passes without the full match. */
int sgi_reference_parse(sgi_reference *out, sgi_arena *arena, const char *text, size_t len,
                        stagegraph_error *err);

/* The named-context key for a name (--build-context name=..., and the
 * lookups of stage and image names against it): the familiar form with a
 * trailing ":latest" removed, so "alpine", "alpine:latest" and
 * "docker.io/library/alpine" all give "alpine". *key_out is allocated in
 * `arena`. Errors are those of sgi_reference_parse; BuildKit reports them as
 * "invalid context name <name>: <message>", which the caller composes. */
int sgi_reference_context_key(const char **key_out, sgi_arena *arena, const char *text,
                              size_t len, stagegraph_error *err);

#endif
