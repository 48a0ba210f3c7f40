/* Image references: a hand-written linear scanner for the grammar of
 * distribution/reference (regexp.go), the normalisation steps of
 * ParseNormalizedNamed (normalize.go, v0.6.0) and go-digest's validation.
 *
 * The Go code matches with anchored regular expressions; every production
 * here is deterministic (each separator and delimiter can only be read one
 * way), so one left-to-right pass decides the same language and finds the
 * same submatches in O(n), whatever the input. */
#include "reference.h"

#include <stdint.h>
#include <string.h>

#include "error.h"
#include "text.h"

enum {
  REPO_PATH_MAX = 255, /* RepositoryNameTotalLengthMax, applied to the path */
  TAG_MAX_LEN = 128,
  IDENTIFIER_LEN = 64,
};

static const char DEFAULT_DOMAIN[] = "docker.io";
static const char LEGACY_DOMAIN[] = "index.docker.io";
static const char OFFICIAL_PREFIX[] = "library/";
static const char LOCALHOST[] = "localhost";
static const char DEFAULT_TAG[] = "latest";

#define LIT_LEN(s) (sizeof(s) - 1)

/* ---- character classes (ASCII only, as in the Go patterns) -------------- */

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_alpha(unsigned char c) { return is_lower(c) || is_upper(c); }
static int is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static int is_lower_alnum(unsigned char c) { return is_lower(c) || is_digit(c); }
static int is_word(unsigned char c) { return is_alnum(c) || c == '_'; }
static int is_xdigit(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int is_lower_hex(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/* ---- Go's strings.ToLower, as far as the checks need it ----------------- */

/* Lower s in place as strings.ToLower would, when the result is ASCII; the
 * reference grammar is ASCII, so any other result cannot match. Only two
 * non-ASCII runes lower to ASCII: U+0130 (to 'i') and U+212A KELVIN SIGN
 * (to 'k'). Returns 0 when the result would not be ASCII. */
static int go_lower_to_ascii(char *s, size_t *len) {
  unsigned char *u = (unsigned char *)s;
  size_t n = *len, out = 0;
  for (size_t i = 0; i < n;) {
    if (u[i] < 0x80) {
      u[out++] = is_upper(u[i]) ? (unsigned char)(u[i] - 'A' + 'a') : u[i];
      i++;
    } else if (n - i >= 2 && u[i] == 0xC4 && u[i + 1] == 0xB0) {
      u[out++] = 'i';
      i += 2;
    } else if (n - i >= 3 && u[i] == 0xE2 && u[i + 1] == 0x84 && u[i + 2] == 0xAA) {
      u[out++] = 'k';
      i += 3;
    } else {
      return 0;
    }
  }
  *len = out;
  return 1;
}

/* ---- the grammar (regexp.go) -------------------------------------------- */

/* domain-name: components of [a-zA-Z0-9-] that neither start nor end with
 * '-', joined by single dots. */
static int match_domain_name(const char *s, size_t n) {
  size_t i = 0;
  for (;;) {
    size_t start = i;
    while (i < n && (is_alnum((unsigned char)s[i]) || s[i] == '-')) i++;
    if (i == start || s[start] == '-' || s[i - 1] == '-') return 0;
    if (i == n) return 1;
    if (s[i] != '.') return 0;
    i++;
  }
}

/* host [":" port], host a domain name or a bracketed [0-9a-fA-F:]+. */
static int match_domain(const char *s, size_t n) {
  size_t host_end;
  if (n > 0 && s[0] == '[') {
    size_t i = 1;
    while (i < n && (is_xdigit((unsigned char)s[i]) || s[i] == ':')) i++;
    if (i == 1 || i == n || s[i] != ']') return 0;
    host_end = i + 1;
  } else {
    host_end = 0;
    while (host_end < n && s[host_end] != ':') host_end++;
    if (!match_domain_name(s, host_end)) return 0;
  }
  if (host_end == n) return 1;
  if (s[host_end] != ':' || host_end + 1 == n) return 0;
  for (size_t i = host_end + 1; i < n; i++)
    if (!is_digit((unsigned char)s[i])) return 0;
  return 1;
}

/* path-component ("/" path-component)*, where a component is runs of
 * [a-z0-9] joined by one separator: ".", "_", "__" or one or more "-". */
static int match_remote_name(const char *s, size_t n) {
  size_t i = 0;
  for (;;) {
    if (i == n || !is_lower_alnum((unsigned char)s[i])) return 0;
    while (i < n && is_lower_alnum((unsigned char)s[i])) i++;
    while (i < n && s[i] != '/') {
      if (s[i] == '.') {
        i++;
      } else if (s[i] == '_') {
        i++;
        if (i < n && s[i] == '_') i++;
      } else if (s[i] == '-') {
        while (i < n && s[i] == '-') i++;
      } else {
        return 0;
      }
      if (i == n || !is_lower_alnum((unsigned char)s[i])) return 0;
      while (i < n && is_lower_alnum((unsigned char)s[i])) i++;
    }
    if (i == n) return 1;
    i++; /* the '/' */
  }
}

/* [\w][\w.-]{0,127} */
static int match_tag(const char *s, size_t n) {
  if (n == 0 || n > TAG_MAX_LEN || !is_word((unsigned char)s[0])) return 0;
  for (size_t i = 1; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!is_word(c) && c != '.' && c != '-') return 0;
  }
  return 1;
}

/* [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9A-Fa-f]{32,} */
static int match_digest(const char *s, size_t n) {
  size_t i = 0;
  for (;;) {
    if (i == n || !is_alpha((unsigned char)s[i])) return 0;
    i++;
    while (i < n && is_alnum((unsigned char)s[i])) i++;
    if (i < n && (s[i] == '-' || s[i] == '_' || s[i] == '+' || s[i] == '.')) {
      i++;
      continue;
    }
    break;
  }
  if (i == n || s[i] != ':') return 0;
  i++;
  if (n - i < 32) return 0;
  for (; i < n; i++)
    if (!is_xdigit((unsigned char)s[i])) return 0;
  return 1;
}

/* Offsets of the submatches of one reference string. */
typedef struct ref_parts {
  size_t name_len;
  size_t domain_len; /* 0 when the name has no domain */
  size_t path_off, path_len;
  size_t tag_off, tag_len; /* tag_len 0: no tag */
  size_t digest_off, digest_len;
} ref_parts;

/* The anchored ReferenceRegexp: name [":" tag] ["@" digest]. Neither tag nor
 * digest may hold a '/', and the last path component holds neither ':' nor
 * '@', so the name ends at the first ':' or '@' after the last '/'. The
 * optional domain group is tried first, as Go's leftmost-first match does;
 * without it the whole name must be a path. */
static int match_reference(const char *s, size_t n, ref_parts *p) {
  size_t e = 0, first_slash = n;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '/') {
      e = i + 1;
      if (first_slash == n) first_slash = i;
    }
  }
  while (e < n && s[e] != ':' && s[e] != '@') e++;

  memset(p, 0, sizeof *p);
  p->name_len = e;
  if (first_slash < e && match_domain(s, first_slash) &&
      match_remote_name(s + first_slash + 1, e - first_slash - 1)) {
    p->domain_len = first_slash;
    p->path_off = first_slash + 1;
    p->path_len = e - first_slash - 1;
  } else if (match_remote_name(s, e)) {
    p->path_len = e;
  } else {
    return 0;
  }

  size_t i = e;
  if (i < n && s[i] == ':') {
    size_t start = ++i;
    while (i < n && s[i] != '@') i++;
    if (!match_tag(s + start, i - start)) return 0;
    p->tag_off = start;
    p->tag_len = i - start;
  }
  if (i < n) { /* s[i] == '@' */
    i++;
    if (!match_digest(s + i, n - i)) return 0;
    p->digest_off = i;
    p->digest_len = n - i;
  }
  return 1;
}

/* ---- go-digest's Digest.Validate ---------------------------------------- */

/* The digest already matched the reference grammar. Registered algorithms
 * (BuildKit links sha256, sha384 and sha512) check length, then lowercase
 * hex; an unregistered one is "unsupported" if it passes go-digest's own
 * pattern, which after the reference grammar means: no uppercase. */
static const char *digest_problem(const char *s, size_t n) {
  static const struct {
    const char *name;
    size_t hex_len;
  } algorithms[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
  size_t colon = 0;
  while (s[colon] != ':') colon++;
  const char *hex = s + colon + 1;
  size_t hex_len = n - colon - 1;
  for (size_t a = 0; a < sizeof algorithms / sizeof algorithms[0]; a++) {
    if (strlen(algorithms[a].name) != colon || memcmp(s, algorithms[a].name, colon) != 0)
      continue;
    if (hex_len != algorithms[a].hex_len) return "invalid checksum digest length";
    for (size_t i = 0; i < hex_len; i++)
      if (!is_lower_hex((unsigned char)hex[i])) return "invalid checksum digest format";
    return NULL;
  }
  for (size_t i = 0; i < colon; i++)
    if (is_upper((unsigned char)s[i])) return "invalid checksum digest format";
  return "unsupported digest algorithm";
}

/* ---- normalisation (normalize.go) --------------------------------------- */

static int has_byte(const char *s, size_t n, char c) { return n > 0 && memchr(s, c, n) != NULL; }

static int equals(const char *s, size_t n, const char *lit, size_t lit_len) {
  return n == lit_len && memcmp(s, lit, n) == 0;
}

/* splitDockerDomain: the first component is a domain when it is
 * "localhost", holds '.' or ':', or is not lowercase; otherwise docker.io.
 * index.docker.io becomes docker.io, and a single component on docker.io
 * gets "library/". The remainder is prefix + rest. */
typedef struct split_name {
  const char *domain;
  size_t domain_len;
  const char *prefix; /* "library/" or "" */
  size_t prefix_len;
  const char *rest;
  size_t rest_len;
} split_name;

static void split_docker_domain(split_name *sp, const char *s, size_t n) {
  const char *slash = n > 0 ? memchr(s, '/', n) : NULL;
  sp->prefix = "";
  sp->prefix_len = 0;
  if (!slash) {
    sp->domain = DEFAULT_DOMAIN;
    sp->domain_len = LIT_LEN(DEFAULT_DOMAIN);
    sp->prefix = OFFICIAL_PREFIX;
    sp->prefix_len = LIT_LEN(OFFICIAL_PREFIX);
    sp->rest = s;
    sp->rest_len = n;
    return;
  }
  size_t first = (size_t)(slash - s);
  if (equals(s, first, LOCALHOST, LIT_LEN(LOCALHOST)) ||
      equals(s, first, LEGACY_DOMAIN, LIT_LEN(LEGACY_DOMAIN)) || has_byte(s, first, '.') ||
      has_byte(s, first, ':') || !sgi_is_case(s, first, 1)) {
    sp->domain = s;
    sp->domain_len = first;
    if (equals(s, first, LEGACY_DOMAIN, LIT_LEN(LEGACY_DOMAIN))) {
      sp->domain = DEFAULT_DOMAIN;
      sp->domain_len = LIT_LEN(DEFAULT_DOMAIN);
    }
    sp->rest = s + first + 1;
    sp->rest_len = n - first - 1;
  } else {
    sp->domain = DEFAULT_DOMAIN;
    sp->domain_len = LIT_LEN(DEFAULT_DOMAIN);
    sp->rest = s;
    sp->rest_len = n;
  }
  if (equals(sp->domain, sp->domain_len, DEFAULT_DOMAIN, LIT_LEN(DEFAULT_DOMAIN)) &&
      !has_byte(sp->rest, sp->rest_len, '/')) {
    sp->prefix = OFFICIAL_PREFIX;
    sp->prefix_len = LIT_LEN(OFFICIAL_PREFIX);
  }
}

static int ref_error(stagegraph_error *err, const char *msg) {
  return sgi_error_set(err, STAGEGRAPH_EREFERENCE, NULL, "%s", msg);
}

static int is_identifier(const char *s, size_t n) {
  if (n != IDENTIFIER_LEN) return 0;
  for (size_t i = 0; i < n; i++)
    if (!is_lower_hex((unsigned char)s[i])) return 0;
  return 1;
}

/* Concatenate pieces into one NUL-terminated arena string (NULL on failure). */
typedef struct piece {
  const char *p;
  size_t n;
} piece;

static char *join(sgi_arena *arena, const piece *pieces, size_t count) {
  size_t total = 0;
  for (size_t i = 0; i < count; i++) total += pieces[i].n;
  char *out = sgi_arena_alloc(arena, total + 1);
  if (!out) return NULL;
  char *w = out;
  for (size_t i = 0; i < count; i++) {
    if (pieces[i].n) memcpy(w, pieces[i].p, pieces[i].n);
    w += pieces[i].n;
  }
  *w = '\0';
  return out;
}

/* Fill `out` from a matched reference string. */
static int build(sgi_reference *out, sgi_arena *arena, const char *s, const ref_parts *p) {
  piece domain = {s, p->domain_len};
  piece path = {s + p->path_off, p->path_len};
  piece name = {s, p->name_len};
  piece tag = {s + p->tag_off, p->tag_len};
  piece digest = {s + p->digest_off, p->digest_len};
  piece colon = {":", p->tag_len ? 1 : 0};
  piece at = {"@", p->digest_len ? 1 : 0};

  /* familiarizeName */
  piece fname = name;
  if (equals(domain.p, domain.n, DEFAULT_DOMAIN, LIT_LEN(DEFAULT_DOMAIN))) {
    fname = path;
    if (path.n > LIT_LEN(OFFICIAL_PREFIX) &&
        memcmp(path.p, OFFICIAL_PREFIX, LIT_LEN(OFFICIAL_PREFIX)) == 0 &&
        !has_byte(path.p + LIT_LEN(OFFICIAL_PREFIX), path.n - LIT_LEN(OFFICIAL_PREFIX), '/')) {
      fname.p += LIT_LEN(OFFICIAL_PREFIX);
      fname.n -= LIT_LEN(OFFICIAL_PREFIX);
    }
  }
  const piece familiar[] = {fname, colon, tag, at, digest};

  /* TagNameOnly: a bare name gets ":latest" */
  piece ntag = tag, ncolon = colon;
  if (!p->tag_len && !p->digest_len) {
    ntag = (piece){DEFAULT_TAG, LIT_LEN(DEFAULT_TAG)};
    ncolon = (piece){":", 1};
  }
  const piece normalized[] = {name, ncolon, ntag, at, digest};

  sgi_reference r;
  r.domain = join(arena, &domain, 1);
  r.path = join(arena, &path, 1);
  r.tag = ntag.n ? join(arena, &ntag, 1) : "";
  r.digest = digest.n ? join(arena, &digest, 1) : "";
  r.name = join(arena, &name, 1);
  r.normalized = join(arena, normalized, 5);
  r.familiar = join(arena, familiar, 5);
  if (!r.domain || !r.path || !r.tag || !r.digest || !r.name || !r.normalized || !r.familiar)
    return STAGEGRAPH_ENOMEM;
  *out = r;
  return 0;
}

/* Letters a-z and digits only, and fewer than an identifier's 64: one path
 * component on docker.io, always a valid name. */
static int lone_component(const char *s, size_t n) {
  if (n == 0 || n >= IDENTIFIER_LEN) return 0;
  for (size_t i = 0; i < n; i++)
    if (!is_lower_alnum((unsigned char)s[i])) return 0;
  return 1;
}

int sgi_reference_parse(sgi_reference *out, sgi_arena *arena, const char *text, size_t len,
                        stagegraph_error *err) {
  if (!out && text && lone_component(text, len)) return 0;
  if (len > SGI_REFERENCE_MAX)
    return sgi_error_set(err, STAGEGRAPH_ELIMIT, NULL,
                         "invalid reference format: longer than %d bytes", SGI_REFERENCE_MAX);
  if (!text) text = "";
  if (is_identifier(text, len))
    return sgi_error_set(err, STAGEGRAPH_EREFERENCE, NULL,
                         "invalid repository name (%.*s), cannot specify 64-byte hexadecimal "
                         "strings",
                         (int)len, text);

  split_name sp;
  split_docker_domain(&sp, text, len);
  /* The repository part is the remainder up to its first ':' (which, with
   * no tag, runs on into "@algorithm"). */
  const char *colon = memchr(sp.rest, ':', sp.rest_len);
  size_t remote_rest = colon ? (size_t)(colon - sp.rest) : sp.rest_len;
  if (!sgi_is_case(sp.rest, remote_rest, 1)) /* strings.ToLower would change it */
    return sgi_error_set(err, STAGEGRAPH_EREFERENCE, NULL,
                         "invalid reference format: repository name (%s%.*s) must be lowercase",
                         sp.prefix, (int)remote_rest, sp.rest);

  /* reference.Parse(domain + "/" + remainder) */
  char full[LIT_LEN(DEFAULT_DOMAIN) + 1 + LIT_LEN(OFFICIAL_PREFIX) + SGI_REFERENCE_MAX];
  size_t n = 0;
  memcpy(full, sp.domain, sp.domain_len);
  n += sp.domain_len;
  full[n++] = '/';
  memcpy(full + n, sp.prefix, sp.prefix_len);
  n += sp.prefix_len;
  if (sp.rest_len) memcpy(full + n, sp.rest, sp.rest_len);
  n += sp.rest_len;

  ref_parts parts;
  if (!match_reference(full, n, &parts)) {
    /* Parse reports uppercase when the lowered string would match. */
    ref_parts lowered;
    if (go_lower_to_ascii(full, &n) && match_reference(full, n, &lowered))
      return ref_error(err, "repository name must be lowercase");
    return ref_error(err, "invalid reference format");
  }
  if (parts.path_len > REPO_PATH_MAX)
    return sgi_error_set(err, STAGEGRAPH_EREFERENCE, NULL,
                         "repository name must not be more than %d characters", REPO_PATH_MAX);
  if (parts.digest_len) {
    const char *problem = digest_problem(full + parts.digest_off, parts.digest_len);
    if (problem) return ref_error(err, problem);
  }
  if (!out) return 0;
  int rc = build(out, arena, full, &parts);
  if (rc) return sgi_error_set(err, rc, NULL, "out of memory");
  return 0;
}

int sgi_reference_context_key(const char **key_out, sgi_arena *arena, const char *text,
                              size_t len, stagegraph_error *err) {
  sgi_reference ref;
  int rc = sgi_reference_parse(&ref, arena, text, len, err);
  if (rc) return rc;
  size_t n = strlen(ref.familiar);
  const size_t suffix = LIT_LEN(":latest");
  if (n >= suffix && memcmp(ref.familiar + n - suffix, ":latest", suffix) == 0) {
    char *key = sgi_arena_strndup(arena, ref.familiar, n - suffix);
    if (!key) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
    *key_out = key;
  } else {
    *key_out = ref.familiar;
  }
  return 0;
}

/* ---- public API --------------------------------------------------------- */

struct stagegraph_reference {
  sgi_mem mem;
  sgi_arena arena; /* points at mem, so the struct never moves */
  sgi_reference ref;
};

int stagegraph_reference_parse(stagegraph_reference **out, const char *text, size_t len,
                               const stagegraph_allocator *allocator, stagegraph_error *err) {
  if (!out || (!text && len))
    return sgi_error_set(err, STAGEGRAPH_EINVAL, NULL,
                         "stagegraph_reference_parse: out and text must not be NULL");
  *out = NULL;
  sgi_mem mem;
  sgi_mem_init(&mem, allocator);
  stagegraph_reference *r = sgi_malloc(&mem, sizeof *r);
  if (!r) return sgi_error_set(err, STAGEGRAPH_ENOMEM, NULL, "out of memory");
  r->mem = mem;
  sgi_arena_init(&r->arena, &r->mem);
  int rc = sgi_reference_parse(&r->ref, &r->arena, text, len, err);
  if (rc) {
    stagegraph_reference_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void stagegraph_reference_free(stagegraph_reference *ref) {
  if (!ref) return;
  sgi_arena_free(&ref->arena);
  sgi_mem mem = ref->mem;
  sgi_free(&mem, ref);
}

const char *stagegraph_reference_domain(const stagegraph_reference *ref) {
  return ref ? ref->ref.domain : "";
}
const char *stagegraph_reference_path(const stagegraph_reference *ref) {
  return ref ? ref->ref.path : "";
}
const char *stagegraph_reference_tag(const stagegraph_reference *ref) {
  return ref ? ref->ref.tag : "";
}
const char *stagegraph_reference_digest(const stagegraph_reference *ref) {
  return ref ? ref->ref.digest : "";
}
const char *stagegraph_reference_normalized(const stagegraph_reference *ref) {
  return ref ? ref->ref.normalized : "";
}
const char *stagegraph_reference_familiar(const stagegraph_reference *ref) {
  return ref ? ref->ref.familiar : "";
}
