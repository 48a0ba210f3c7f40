/* .dockerignore files and the pattern language BuildKit shares between them,
 * COPY/ADD --exclude and --parents: moby/patternmatcher (New, the exact /
 * prefix / suffix / regexp match types, MatchesOrParentMatches,
 * MatchesUsingParentResults), ignorefile.ReadAll, and the fsutil walkers that
 * apply the patterns. Also which context paths a COPY/ADD source reads (fsutil
 * copy's wildcard resolution). A leaf utility: it knows nothing about
 * instructions or stages.
 *
 * patternmatcher turns a pattern into a Go regexp; this file builds the same
 * regexp text and compiles it with its own parser for the part of Go's RE2
 * syntax that text can contain, into an NFA run in time linear in the path.
 * No regex library, no backtracking. */
#ifndef STAGEGRAPH_IGNORE_H
#define STAGEGRAPH_IGNORE_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "stagegraph.h"

/* A compiled, immutable pattern list: any number of threads may match
 * against one list at the same time. */
typedef struct sgi_patterns sgi_patterns;

/* patternmatcher's match types, chosen from the cleaned pattern text. */
typedef enum sgi_match_kind {
  SGI_MATCH_EXACT = 1, // no wildcard: the path equals the pattern
  SGI_MATCH_PREFIX,    // "dir/**": the path starts with "dir/"
  SGI_MATCH_SUFFIX,    // "**/foo": the path ends with "/foo" or is "foo"
  SGI_MATCH_REGEX      // anything else: the translated regexp, anchored
} sgi_match_kind;

typedef struct sgi_pattern_info {
  /* Cleaned text without the leading '!' (patternmatcher's Pattern.String()),
   * NUL-terminated, borrowed from the list. */
  const char *text;
  size_t len;
  int exclusion; /* the pattern started with '!' (re-includes) */
  sgi_match_kind kind;
  /* 0 when kind is SGI_MATCH_REGEX and Go's regexp package rejects the
   * translated expression ("[Local-Only]": range l-O). BuildKit accepts such a
   * pattern and fails only when it is evaluated; so do the match functions. */
  int usable;
  /* 1-based .dockerignore line (sgi_ignore_parse), or 0. */
  uint32_t line;
  /* Index of the input string (sgi_patterns_compile), or of the pattern
   * among the file's patterns (sgi_ignore_parse). */
  size_t source;
} sgi_pattern_info;

/* Read a .dockerignore file's bytes as ignorefile.ReadAll does and compile
 * the result as patternmatcher.New does. Lines split at '\n' with one
 * trailing '\r' dropped; a UTF-8 BOM is stripped from the first line; a line
 * whose first byte is '#' is a comment (an indented '#' is a pattern); lines
 * are trimmed of Unicode white space and blank ones skipped; a leading '!'
 * marks an exception and the rest is trimmed again; the pattern is cleaned
 * like Go's filepath.Clean and one leading '/' removed ("/a" is "a", "/"
 * stays "/"). On success *out owns the list (free with sgi_patterns_free);
 * an empty file gives an empty list. Errors (STAGEGRAPH_ESYNTAX, err->line
 * set to the line): `illegal exclusion pattern: "!"`, `syntax error in
 * pattern` (a malformed bracket expression or trailing '\'), `bufio.Scanner:
 * token too long` (a line of 65536 bytes or more fails the whole file, as Go's
 * line scanner does). STAGEGRAPH_ENOMEM; STAGEGRAPH_EINVAL for NULL out/mem
 * or NULL text with len > 0. */
int sgi_ignore_parse(sgi_patterns **out, const sgi_mem *mem, const char *text, size_t len,
                     stagegraph_error *err);

/* Compile patterns as patternmatcher.New does (COPY/ADD --exclude, --parents):
 * each is trimmed, blank ones skipped, cleaned, and a leading '!' taken as an
 * exception. No leading '/' is removed here, just as in BuildKit. Errors as
 * sgi_ignore_parse without a line (err->line 0); a NULL string is EINVAL. */
int sgi_patterns_compile(sgi_patterns **out, const sgi_mem *mem, const char *const *patterns,
                         size_t n, stagegraph_error *err);

/* NULL is allowed. */
void sgi_patterns_free(sgi_patterns *p);

/* A NULL list has no patterns. */
size_t sgi_patterns_count(const sgi_patterns *p);
/* 1 when any pattern is an exception ('!'): patternmatcher's Exclusions(). */
int sgi_patterns_has_exclusions(const sgi_patterns *p);
/* Fill *out for pattern i; STAGEGRAPH_EINVAL when i is out of range. */
int sgi_patterns_get(const sgi_patterns *p, size_t i, sgi_pattern_info *out);

/* 1 when the patterns exclude `path`, 0 when not: the path is cleaned (Go's
 * filepath.Clean) and given to MatchesOrParentMatches. All patterns apply in
 * order and the last matching one decides; a pattern matching a parent
 * directory of the path matches the path. This is the check BuildKit's
 * CopyIgnoredFile lint makes (on the cleaned COPY source). Like that method,
 * "." is not special: "*" matches it. STAGEGRAPH_ESYNTAX when a pattern that
 * is not usable has to be evaluated (BuildKit: "syntax error in pattern");
 * STAGEGRAPH_ENOMEM; STAGEGRAPH_EINVAL for a NULL path with len > 0. A NULL
 * list matches nothing. */
int sgi_patterns_matches(const sgi_patterns *p, const char *path, size_t len);

// 1 when one of BuildKit's file walkers leaves the context-relative `path`
// out. The walkers go from the root down and carry each directory's
// per-pattern results to its children (MatchesUsingParentResults); that
// differs from sgi_patterns_matches when an exception names a parent of an
// excluded directory: with "a/b" then "!a", "a/b/c" is excluded here and not
// there.
// `transfer` nonzero: the context transfer with .dockerignore patterns
// (fsutil's filter). It also skips the whole subtree of an excluded directory
// unless an exception could re-include something in it, judged only from the
// exceptions' literal prefixes: with "a/x" then "!a/*/**", "a/x/y" is
// excluded although the exception matches it.
// `transfer` zero: COPY/ADD --exclude and --parents (fsutil copy), which
// visit every directory.
// The path is cleaned and a leading '/' ignored; the root itself is never
// excluded. For a directory the answer is about its own entry: an excluded
// directory is still created when something inside it is included. Errors as
// sgi_patterns_matches.
int sgi_patterns_walk_matches(const sgi_patterns *p, const char *path, size_t len, int transfer);

/* 1 when a COPY/ADD source `src` (as written, from the main context or a
 * stage) reads the context path `path`, 0 when not; STAGEGRAPH_ENOMEM, or
 * STAGEGRAPH_EINVAL without `mem`. Both
 * are cleaned relative to the root as BuildKit does (path.Join("/", ...)), so
 * ".", "/" and "" read everything and ".." cannot leave the root. A source
 * without wildcards reads itself and, when a directory, everything under it.
 * With wildcards, the literal leading components name a base directory and
 * the rest is matched with Go's filepath.Match against each path under it, a
 * matching directory being read whole (fsutil copy's ResolveWildcards; '\'
 * escapes, so "a\*" names a file called that). Symlinks are not followed
 * here. --parents sources ("a/./b") should be split by the caller and the
 * part after "/./" matched with sgi_patterns_walk_matches (transfer 0). */
int sgi_path_covered_by_source(const sgi_mem *mem, const char *src, size_t src_len,
                               const char *path, size_t path_len);

/* sgi_path_covered_by_source, and when the path is read, *root_depth (may
 * be NULL) gets how many leading components of the cleaned, root-relative
 * path name the source root it is read through: the source itself, or the
 * wildcard match that covers it (0 for the whole context). fsutil copy
 * matches COPY/ADD --exclude patterns, all of one instruction as one list,
 * against the components after those (sgi_patterns_walk_matches, transfer
 * 0), and never against a source root itself: with "COPY --exclude=*.txt
 * dir /d", "dir/a.txt" is matched as "a.txt"; "COPY --exclude=a.txt a.txt /d"
 * still copies a.txt. */
int sgi_path_source_root(const sgi_mem *mem, const char *src, size_t src_len, const char *path,
                         size_t path_len, size_t *root_depth);

/* A source cleaned and split once, for asking many paths whether it reads
 * them (the cache model's scan of changed paths): the same answers as
 * sgi_path_source_root, without cleaning the source again for each path. */
typedef struct sgi_path_source {
  const sgi_mem *mem;
  char *s;        /* path.Join("/", src) */
  size_t len;
  size_t base;    /* s[0..base): the components before the first wildcard */
  size_t pattern; /* where the pattern starts (len or past it: none) */
  size_t budget;  /* '/' and '[' in the pattern: a bound on the '/' a match spans */
} sgi_path_source;

/* 0, STAGEGRAPH_ENOMEM or STAGEGRAPH_EINVAL (no mem); free it either way. */
int sgi_path_source_init(sgi_path_source *x, const sgi_mem *mem, const char *src, size_t src_len);
void sgi_path_source_free(sgi_path_source *x);
/* The source's base: x->s[0..*len), the cleaned, root-relative source when
 * it has no wildcards, else its components before the first one with a
 * wildcard ("/" when that is the first). 1 when the source has no
 * wildcards (it reads the base and what is under it), 0 when it has (it
 * reads only paths under the base). */
int sgi_path_source_dir(const sgi_path_source *x, size_t *len);
/* sgi_path_source_root for a prepared source: 1 (and *root_depth, which
 * may be NULL), 0, STAGEGRAPH_ENOMEM (a path over about 500 bytes is
 * cleaned on the heap) or STAGEGRAPH_EINVAL (not prepared). */
int sgi_path_source_reads(const sgi_path_source *x, const char *path, size_t path_len,
                          size_t *root_depth);

/* For a source with wildcards: the pattern after its base, cleaned, into
 * a new buffer (sgi_free it; *pattern is NULL unless 1 is returned) of
 * *pattern_len bytes and a NUL; how many components it has, and in *plain
 * how many of the first can match only within one name: no '\', and no
 * class that is negated or holds a '/' (either could match a '/').
 * Every path the source reads has, after the base, components that the
 * plain ones match one for one (sgi_path_match_component); when all are
 * plain, it reads exactly the paths whose first components match them
 * all, and what is under those. 1, 0 (no wildcards) or STAGEGRAPH_ENOMEM. */
int sgi_path_source_pattern(const sgi_mem *mem, const char *src, size_t src_len, char **pattern,
                            size_t *pattern_len, size_t *components, size_t *plain);

/* Go's filepath.Match of the pattern against one path component: 1 or 0
 * (also for a malformed pattern, which matches nothing). */
int sgi_path_match_component(const char *pattern, size_t pattern_len, const char *name,
                             size_t name_len);

/* path.Join("/", s[0..n)), the form sgi_path_source_root compares, into a
 * new buffer (sgi_free it) of *out_len bytes and a NUL; NULL on failure. */
char *sgi_path_clean_rooted(const sgi_mem *mem, const char *s, size_t n, size_t *out_len);

/* Go's path.Clean / filepath.Clean (Unix) of in[0..len): out must hold
 * len + 2 bytes; it is NUL-terminated and its length returned. "" gives ".". */
size_t sgi_path_clean(char *out, const char *in, size_t len);

#endif
