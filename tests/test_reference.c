/* Image references: grammar, normalisation, exact error texts, the
 * named-context key, limits and allocation failure. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "budget.h"
#include "reference.h"
#include "stagegraph.h"

#define D256 "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
#define B256 "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
#define F32 "ffffffffffffffffffffffffffffffff"
#define F64 F32 F32
#define F128 F64 F64
#define HEX64 "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"

static void str_eq(const char *input, const char *what, const char *got, const char *want) {
  if (strcmp(got, want) != 0) fail_msg("%s: %s is \"%s\", want \"%s\"", input, what, got, want);
}

/* ---- valid references ----------------------------------------------------- */

typedef struct valid_case {
  const char *input;
  const char *domain, *path, *tag, *digest, *normalized, *familiar;
} valid_case;

/* Inputs and expected domain, path and familiar names are taken from
 * distribution/reference's own tables (normalize_test.go:
 * TestValidateReferenceName, TestValidateRemoteName, TestParseRepositoryInfo,
 * TestParseReferenceWithTagAndDigest, TestParseAnyReference,
 * TestNormalizedSplitHostname; reference_test.go: TestReferenceParse, run
 * through normalisation); the rest cover BuildKit's uses. */
static const valid_case VALID[] = {
    /* familiar names and the docker.io rules */
    {"alpine", "docker.io", "library/alpine", "latest", "", "docker.io/library/alpine:latest",
     "alpine"},
    {"alpine:3.20", "docker.io", "library/alpine", "3.20", "", "docker.io/library/alpine:3.20",
     "alpine:3.20"},
    {"alpine:latest", "docker.io", "library/alpine", "latest", "",
     "docker.io/library/alpine:latest", "alpine:latest"},
    {"docker.io/library/alpine", "docker.io", "library/alpine", "latest", "",
     "docker.io/library/alpine:latest", "alpine"},
    {"docker.io/alpine", "docker.io", "library/alpine", "latest", "",
     "docker.io/library/alpine:latest", "alpine"},
    {"index.docker.io/library/debian", "docker.io", "library/debian", "latest", "",
     "docker.io/library/debian:latest", "debian"},
    {"index.docker.io/debian", "docker.io", "library/debian", "latest", "",
     "docker.io/library/debian:latest", "debian"},
    {"index.docker.io/docker/docker", "docker.io", "docker/docker", "latest", "",
     "docker.io/docker/docker:latest", "docker/docker"},
    {"fooo/bar", "docker.io", "fooo/bar", "latest", "", "docker.io/fooo/bar:latest", "fooo/bar"},
    {"library/ubuntu", "docker.io", "library/ubuntu", "latest", "",
     "docker.io/library/ubuntu:latest", "ubuntu"},
    {"nonlibrary/ubuntu", "docker.io", "nonlibrary/ubuntu", "latest", "",
     "docker.io/nonlibrary/ubuntu:latest", "nonlibrary/ubuntu"},
    {"other/library", "docker.io", "other/library", "latest", "",
     "docker.io/other/library:latest", "other/library"},
    {"library/ubuntu-12.04-base", "docker.io", "library/ubuntu-12.04-base", "latest", "",
     "docker.io/library/ubuntu-12.04-base:latest", "ubuntu-12.04-base"},
    {"library/foo/bar", "docker.io", "library/foo/bar", "latest", "",
     "docker.io/library/foo/bar:latest", "library/foo/bar"},
    {"docker.io/library/foo/bar", "docker.io", "library/foo/bar", "latest", "",
     "docker.io/library/foo/bar:latest", "library/foo/bar"},
    {"store/foo/bar", "docker.io", "store/foo/bar", "latest", "",
     "docker.io/store/foo/bar:latest", "store/foo/bar"},
    {"test_com/foo", "docker.io", "test_com/foo", "latest", "", "docker.io/test_com/foo:latest",
     "test_com/foo"},
    {"docker/migrator", "docker.io", "docker/migrator", "latest", "",
     "docker.io/docker/migrator:latest", "docker/migrator"},
    /* other registries */
    {"127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase", "latest", "",
     "127.0.0.1:8000/private/moonbase:latest", "127.0.0.1:8000/private/moonbase"},
    {"127.0.0.1:8000/privatebase", "127.0.0.1:8000", "privatebase", "latest", "",
     "127.0.0.1:8000/privatebase:latest", "127.0.0.1:8000/privatebase"},
    {"example.com/private/moonbase", "example.com", "private/moonbase", "latest", "",
     "example.com/private/moonbase:latest", "example.com/private/moonbase"},
    {"example.com:8000/privatebasee", "example.com:8000", "privatebasee", "latest", "",
     "example.com:8000/privatebasee:latest", "example.com:8000/privatebasee"},
    {"test.com/foo", "test.com", "foo", "latest", "", "test.com/foo:latest", "test.com/foo"},
    {"test.com:8080/foo", "test.com:8080", "foo", "latest", "", "test.com:8080/foo:latest",
     "test.com:8080/foo"},
    {"test-com:8080/foo", "test-com:8080", "foo", "latest", "", "test-com:8080/foo:latest",
     "test-com:8080/foo"},
    {"xn--n3h.com/foo", "xn--n3h.com", "foo", "latest", "", "xn--n3h.com/foo:latest",
     "xn--n3h.com/foo"},
    {"xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", "latest", "",
     "xn--n3h.com:18080/foo:latest", "xn--n3h.com:18080/foo"},
    {"192.168.0.1:8/debian", "192.168.0.1:8", "debian", "latest", "",
     "192.168.0.1:8/debian:latest", "192.168.0.1:8/debian"},
    {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
     "some-long-tag", "", "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
     "sub-dom1.foo.com/bar/baz/quux:some-long-tag"},
    {"b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
     "test.example.com", "", "b.gcr.io/test.example.com/my-app:test.example.com",
     "b.gcr.io/test.example.com/my-app:test.example.com"},
    /* uppercase first components are domains */
    {"Foo/bar", "Foo", "bar", "latest", "", "Foo/bar:latest", "Foo/bar"},
    {"FOO/bar", "FOO", "bar", "latest", "", "FOO/bar:latest", "FOO/bar"},
    {"Docker/docker", "Docker", "docker", "latest", "", "Docker/docker:latest", "Docker/docker"},
    {"EXAMPLE.COM/foo", "EXAMPLE.COM", "foo", "latest", "", "EXAMPLE.COM/foo:latest",
     "EXAMPLE.COM/foo"},
    /* localhost */
    {"localhost/foo", "localhost", "foo", "latest", "", "localhost/foo:latest", "localhost/foo"},
    {"localhost:5000/x", "localhost:5000", "x", "latest", "", "localhost:5000/x:latest",
     "localhost:5000/x"},
    {"localhost:5000/x:dev", "localhost:5000", "x", "dev", "", "localhost:5000/x:dev",
     "localhost:5000/x:dev"},
    /* a single component is a docker.io name: the ":5000" is a tag */
    {"localhost:5000", "docker.io", "library/localhost", "5000", "",
     "docker.io/library/localhost:5000", "localhost:5000"},
    {"192.168.0.1", "docker.io", "library/192.168.0.1", "latest", "",
     "docker.io/library/192.168.0.1:latest", "192.168.0.1"},
    {"192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", "",
     "docker.io/library/192.168.0.1:80", "192.168.0.1:80"},
    /* IPv6 */
    {"[fc00::1]:5000/docker", "[fc00::1]:5000", "docker", "latest", "",
     "[fc00::1]:5000/docker:latest", "[fc00::1]:5000/docker"},
    {"[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", "latest", "",
     "[fc00::1]:5000/docker/docker:latest", "[fc00::1]:5000/docker/docker"},
    {"[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian",
     "latest", "", "[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest",
     "[fc00:1:2:3:4:5:6:7]:5000/library/debian"},
    {"[2001:db8::1]/repo", "[2001:db8::1]", "repo", "latest", "", "[2001:db8::1]/repo:latest",
     "[2001:db8::1]/repo"},
    {"[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", "",
     "[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]/repo:tag"},
    {"[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", "latest", "",
     "[2001:db8::]:5000/repo:latest", "[2001:db8::]:5000/repo"},
    {"[::1]:5000/repo", "[::1]:5000", "repo", "latest", "", "[::1]:5000/repo:latest",
     "[::1]:5000/repo"},
    {"[FC00::1]:5000/x", "[FC00::1]:5000", "x", "latest", "", "[FC00::1]:5000/x:latest",
     "[FC00::1]:5000/x"},
    {"[2001:db8::1]:5000/repo:tag@" "sha256:" F64, "[2001:db8::1]:5000", "repo", "tag",
     "sha256:" F64, "[2001:db8::1]:5000/repo:tag@sha256:" F64,
     "[2001:db8::1]:5000/repo:tag@sha256:" F64},
    /* path separators */
    {"docker-rules/docker", "docker.io", "docker-rules/docker", "latest", "",
     "docker.io/docker-rules/docker:latest", "docker-rules/docker"},
    {"docker---rules/docker", "docker.io", "docker---rules/docker", "latest", "",
     "docker.io/docker---rules/docker:latest", "docker---rules/docker"},
    {"dock__er/docker", "docker.io", "dock__er/docker", "latest", "",
     "docker.io/dock__er/docker:latest", "dock__er/docker"},
    {"d/docker", "docker.io", "d/docker", "latest", "", "docker.io/d/docker:latest", "d/docker"},
    {"jess/t", "docker.io", "jess/t", "latest", "", "docker.io/jess/t:latest", "jess/t"},
    {"a.b_c__d-e---f", "docker.io", "library/a.b_c__d-e---f", "latest", "",
     "docker.io/library/a.b_c__d-e---f:latest", "a.b_c__d-e---f"},
    {"thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io",
     "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "latest", "",
     "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest",
     "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"},
    /* 64 hex characters are fine once a domain is given */
    {"docker.io/" HEX64, "docker.io", "library/" HEX64, "latest", "",
     "docker.io/library/" HEX64 ":latest", HEX64},
    {HEX64 ":tag", "docker.io", "library/" HEX64, "tag", "", "docker.io/library/" HEX64 ":tag",
     HEX64 ":tag"},
    /* tags */
    {"lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", "",
     "docker.io/library/lowercase:Uppercase", "lowercase:Uppercase"},
    {"foo:_x.y-Z", "docker.io", "library/foo", "_x.y-Z", "", "docker.io/library/foo:_x.y-Z",
     "foo:_x.y-Z"},
    /* "sha256:<hex>" alone is the image sha256 with a 64-character tag */
    {"sha256:" F64, "docker.io", "library/sha256", F64, "", "docker.io/library/sha256:" F64,
     "sha256:" F64},
    /* digests: digest only, tag and digest */
    {"redis@" D256, "docker.io", "library/redis", "", D256, "docker.io/library/redis@" D256,
     "redis@" D256},
    {"docker.io/library/redis@" D256, "docker.io", "library/redis", "", D256,
     "docker.io/library/redis@" D256, "redis@" D256},
    {"dmcgowan/myapp@" D256, "docker.io", "dmcgowan/myapp", "", D256,
     "docker.io/dmcgowan/myapp@" D256, "dmcgowan/myapp@" D256},
    {"busybox:latest@" B256, "docker.io", "library/busybox", "latest", B256,
     "docker.io/library/busybox:latest@" B256, "busybox:latest@" B256},
    {"test:5000/repo@sha256:" F64, "test:5000", "repo", "", "sha256:" F64,
     "test:5000/repo@sha256:" F64, "test:5000/repo@sha256:" F64},
    {"test:5000/repo:tag@sha256:" F64, "test:5000", "repo", "tag", "sha256:" F64,
     "test:5000/repo:tag@sha256:" F64, "test:5000/repo:tag@sha256:" F64},
    {"xn--7o8h.com/myimage:xn--7o8h.com@sha512:" F128, "xn--7o8h.com", "myimage", "xn--7o8h.com",
     "sha512:" F128, "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" F128,
     "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" F128},
    {"alpine@sha384:" F64 F32, "docker.io", "library/alpine", "", "sha384:" F64 F32,
     "docker.io/library/alpine@sha384:" F64 F32, "alpine@sha384:" F64 F32},
    /* the quirk: a first component with '.' that is no valid domain, while the
     * whole name is a valid path, leaves the name without a domain */
    {"a_b.c/x", "", "a_b.c/x", "latest", "", "a_b.c/x:latest", "a_b.c/x"},
    {"foo_bar.com/x:1", "", "foo_bar.com/x", "1", "", "foo_bar.com/x:1", "foo_bar.com/x:1"},
    /* scratch is not special here */
    {"scratch", "docker.io", "library/scratch", "latest", "", "docker.io/library/scratch:latest",
     "scratch"},
};

static void check_valid(const valid_case *c, const char *input, size_t len) {
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_reference *ref = NULL;
  int rc = stagegraph_reference_parse(&ref, input, len, NULL, &err);
  if (rc != 0) fail_msg("%s: unexpected %s: %s", input, stagegraph_code_name(rc), err.message);
  assert_non_null(ref);
  str_eq(input, "domain", stagegraph_reference_domain(ref), c->domain);
  str_eq(input, "path", stagegraph_reference_path(ref), c->path);
  str_eq(input, "tag", stagegraph_reference_tag(ref), c->tag);
  str_eq(input, "digest", stagegraph_reference_digest(ref), c->digest);
  str_eq(input, "normalized", stagegraph_reference_normalized(ref), c->normalized);
  str_eq(input, "familiar", stagegraph_reference_familiar(ref), c->familiar);
  stagegraph_reference_free(ref);

  /* the internal API agrees, and name is domain "/" path */
  sgi_mem mem;
  sgi_mem_init(&mem, NULL);
  sgi_arena arena;
  sgi_arena_init(&arena, &mem);
  sgi_reference r;
  assert_int_equal(sgi_reference_parse(&r, &arena, input, len, &err), 0);
  str_eq(input, "normalized", r.normalized, c->normalized);
  str_eq(input, "familiar", r.familiar, c->familiar);
  char name[512];
  snprintf(name, sizeof name, "%s%s%s", c->domain, *c->domain ? "/" : "", c->path);
  str_eq(input, "name", r.name, name);
  sgi_arena_free(&arena);
}

static void test_valid_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof VALID / sizeof VALID[0]; i++)
    check_valid(&VALID[i], VALID[i].input, strlen(VALID[i].input));
}

/* ---- invalid references --------------------------------------------------- */

typedef struct invalid_case {
  const char *input;
  const char *message;
} invalid_case;

#define IRF "invalid reference format"

/* Inputs from distribution/reference (normalize_test.go
 * TestValidateReferenceName / TestValidateRemoteName invalid lists,
 * reference_test.go TestReferenceParse error cases); the messages are what
 * ParseNormalizedNamed returns for them (v0.6.0 texts). */
static const invalid_case INVALID[] = {
    {"", IRF},
    {"https://github.com/docker/docker", IRF},
    {"docker/Docker", IRF ": repository name (docker/Docker) must be lowercase"},
    {"-docker", IRF},
    {"-docker/docker", IRF},
    {"-docker.io/docker/docker", IRF},
    {"docker///docker", IRF},
    {"docker.io/docker/Docker", IRF ": repository name (docker/Docker) must be lowercase"},
    {"docker.io/docker///docker", IRF},
    {"[fc00::1]", IRF},
    {"[fc00::1]:5000", IRF},
    {"fc00::1:5000/debian", IRF},
    {"[fe80::1%eth0]:5000/debian", IRF},
    {"[2001:db8:3:4::192.0.2.33]:5000/debian", IRF},
    {"[2001:db8::1]", IRF},
    {"[2001:db8::1]:5000", IRF},
    {"[2001:db8::1]:tag", IRF},
    {"[fe80::1%@invalidzone]:5000/repo", IRF},
    {"[]/x", IRF},
    {"[::1]:/x", IRF},
    {HEX64, "invalid repository name (" HEX64 "), cannot specify 64-byte hexadecimal strings"},
    {"docker-/docker", IRF},
    {"-docker-/docker", IRF},
    {"____/____", IRF},
    {"_docker/_docker", IRF},
    {"dock..er/docker", IRF},
    {"dock_.er/docker", IRF},
    {"dock-.er/docker", IRF},
    {"dock___er/docker", IRF},
    {"docker/", IRF},
    {":justtag", IRF},
    {"@sha256:" F64, IRF},
    {"aa/asdf$$^/aa", IRF},
    {"foo:", IRF},
    {"foo@", IRF},
    {"foo:-tag", IRF},
    {"foo:.tag", IRF},
    {"foo:a:b", IRF},
    {"foo:tag/x", IRF},
    {"foo bar", IRF},
    {"foo\tbar", IRF},
    {"-foo.example.com/x", IRF},
    {"foo-.example.com/x", IRF},
    {"foo..example.com/x", IRF},
    {"example.com:/x", IRF},
    {"example.com:80a/x", IRF},
    {"example.com:80:90/x", IRF},
    /* uppercase in the repository path: ParseNormalizedNamed's own check,
     * naming the path up to the first ':' */
    {"Uppercase:tag", IRF ": repository name (library/Uppercase) must be lowercase"},
    {"test:5000/Uppercase/lowercase:tag",
     IRF ": repository name (Uppercase/lowercase) must be lowercase"},
    {"Builder", IRF ": repository name (library/Builder) must be lowercase"},
    {"SCRATCH", IRF ": repository name (library/SCRATCH) must be lowercase"},
    {"foo/Bar:TAG", IRF ": repository name (foo/Bar) must be lowercase"},
    {"alpine@SHA256:" F64, IRF ": repository name (library/alpine@SHA256) must be lowercase"},
    /* uppercase that only Parse's second try (the whole string lowered)
     * finds: an uppercase first component that is no valid domain */
    {"Foo_Bar/x", "repository name must be lowercase"},
    {"Foo-/x", IRF},
    /* digests: go-digest's checks after the grammar */
    {"repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid checksum digest length"},
    {"alpine@sha512:" F64, "invalid checksum digest length"},
    {"alpine@sha256:" F64 "ff", "invalid checksum digest length"},
    {"alpine@sha256:" "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" F32, "invalid checksum digest format"},
    {"alpine:3@SHA256:" F64, "invalid checksum digest format"},
    {"alpine:3@Sha256:" F64, "invalid checksum digest format"},
    {"validname@invaliddigest:" F64, "unsupported digest algorithm"},
    {"alpine@md5:" F32, "unsupported digest algorithm"},
    {"alpine@sha256+b64:" F64, "unsupported digest algorithm"},
    {"alpine@blake3:" F64, "unsupported digest algorithm"},
    {"alpine@sha256:" "fffffffffffffffffffffffffffffff", IRF}, /* 31 hex: grammar wants 32+ */
    {"alpine@sha256:" F64 "g", IRF},
    {"alpine@1sha:" F64, IRF},
    {"alpine@sha256:" F64 "@sha256:" F64, IRF},
};

static void expect_error(const char *input, size_t len, int code, const char *message) {
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  /* a non-NULL sentinel: a failing call must set *out to NULL */
  stagegraph_reference *ref = (stagegraph_reference *)&err;
  int rc = stagegraph_reference_parse(&ref, input, len, NULL, &err);
  if (rc != code)
    fail_msg("%s: got %s (%s), want %s", input, stagegraph_code_name(rc), err.message,
             stagegraph_code_name(code));
  assert_null(ref);
  assert_int_equal(err.code, code);
  str_eq(input, "message", err.message, message);
  assert_int_equal(err.line, 0);
}

static void test_invalid_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof INVALID / sizeof INVALID[0]; i++)
    expect_error(INVALID[i].input, strlen(INVALID[i].input), STAGEGRAPH_EREFERENCE,
                 INVALID[i].message);
}

/* ---- checking only ----------------------------------------------------------- */

/* The verdict of a check (out NULL) is the full parse's: on the tables, on
 * every string of up to 4 bytes over an alphabet of letters, digits and
 * separators, and on plain names around the 64-byte identifier length. */
static int verdict(const char *text, size_t len, int check_only) {
  sgi_mem mem;
  sgi_mem_init(&mem, NULL);
  sgi_arena arena;
  sgi_arena_init(&arena, &mem);
  sgi_reference ref;
  int rc = sgi_reference_parse(check_only ? NULL : &ref, check_only ? NULL : &arena, text, len,
                               NULL);
  sgi_arena_free(&arena);
  return rc;
}

static void expect_same_verdict(const char *text, size_t len) {
  int full = verdict(text, len, 0), check = verdict(text, len, 1);
  if (full != check) fail_msg("\"%.*s\": check %d, parse %d", (int)len, text, check, full);
}

static void test_check_only(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof VALID / sizeof VALID[0]; i++) {
    assert_int_equal(verdict(VALID[i].input, strlen(VALID[i].input), 1), 0);
  }
  for (size_t i = 0; i < sizeof INVALID / sizeof INVALID[0]; i++)
    assert_int_equal(verdict(INVALID[i].input, strlen(INVALID[i].input), 1),
                     STAGEGRAPH_EREFERENCE);
  static const char alphabet[] = "az09A-_./:@";
  enum { K = sizeof alphabet - 1 };
  char text[8];
  for (size_t len = 0; len <= 4; len++) {
    size_t total = 1;
    for (size_t i = 0; i < len; i++) total *= K;
    for (size_t n = 0; n < total; n++) {
      for (size_t i = 0, v = n; i < len; i++, v /= K) text[i] = alphabet[v % K];
      expect_same_verdict(text, len);
    }
  }
  char name[80];
  for (size_t len = 60; len <= 66; len++) {
    memset(name, 'a', len);
    expect_same_verdict(name, len);
    memset(name, '7', len); /* 64 hex digits are an identifier, not a name */
    expect_same_verdict(name, len);
  }
  assert_int_equal(verdict(F64, 64, 1), STAGEGRAPH_EREFERENCE);
}

/* ---- Unicode: Go's strings.ToLower decides the uppercase messages --------- */

#define EXPECT_LIT(lit, message) \
  expect_error(lit, sizeof(lit) - 1, STAGEGRAPH_EREFERENCE, message)

static void test_unicode(void **state) {
  (void)state;
  /* uppercase non-ASCII letters in the path: the lowercase message */
  EXPECT_LIT("\xC3\x84pfel", IRF ": repository name (library/\xC3\x84pfel) must be lowercase");
  EXPECT_LIT("x/\xCE\xA3", IRF ": repository name (x/\xCE\xA3) must be lowercase");
  /* lowercase ones: just invalid */
  EXPECT_LIT("\xC3\xA4pfel", IRF);
  /* an invalid byte lowers to U+FFFD in Go, so the path "is not lowercase" */
  EXPECT_LIT("foo\xFF", IRF ": repository name (library/foo\xFF) must be lowercase");
  EXPECT_LIT("foo\xED\xA0\x80", /* a surrogate */
             IRF ": repository name (library/foo\xED\xA0\x80) must be lowercase");
  EXPECT_LIT("foo\xC3", IRF ": repository name (library/foo\xC3) must be lowercase");
  /* U+212A KELVIN SIGN and U+0130 lower to ASCII 'k' and 'i': outside the
   * path, Parse's second try then matches */
  EXPECT_LIT("exa\xE2\x84\xAAmple.com/foo", "repository name must be lowercase");
  EXPECT_LIT("foo:\xE2\x84\xAA", "repository name must be lowercase");
  EXPECT_LIT("foo:\xC4\xB0", "repository name must be lowercase");
  /* other non-ASCII outside the path: invalid */
  EXPECT_LIT("foo:\xC3\x84", IRF);
  EXPECT_LIT("exa\xC3\x84.com/foo", IRF);
  /* an embedded NUL is just an invalid byte for the grammar */
  EXPECT_LIT("foo\0bar", IRF);
}

/* ---- length limits -------------------------------------------------------- */

static char *repeat(const char *prefix, const char *unit, size_t count, const char *suffix) {
  size_t np = strlen(prefix), nu = strlen(unit), ns = strlen(suffix);
  char *s = malloc(np + nu * count + ns + 1);
  assert_non_null(s);
  char *w = s;
  memcpy(w, prefix, np);
  w += np;
  for (size_t i = 0; i < count; i++, w += nu) memcpy(w, unit, nu);
  memcpy(w, suffix, ns + 1);
  return s;
}

static void expect_valid_path(const char *input, const char *path) {
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_reference *ref = NULL;
  int rc = stagegraph_reference_parse(&ref, input, strlen(input), NULL, &err);
  if (rc != 0) fail_msg("%.40s...: unexpected %s", input, err.message);
  assert_string_equal(stagegraph_reference_path(ref), path);
  stagegraph_reference_free(ref);
}

static void test_length_limits(void **state) {
  (void)state;
  const char *too_long = "repository name must not be more than 255 characters";
  /* the 255 limit is on the path, which includes "library/" */
  char *s = repeat("", "a", 247, "");
  char *p = repeat("library/", "a", 247, "");
  expect_valid_path(s, p);
  free(s);
  free(p);
  s = repeat("", "a", 248, "");
  expect_error(s, strlen(s), STAGEGRAPH_EREFERENCE, too_long);
  free(s);
  /* the domain is not counted (distribution/reference v0.6.0) */
  s = repeat("example.com/", "a", 255, ":tag");
  p = repeat("", "a", 255, "");
  expect_valid_path(s, p);
  free(s);
  free(p);
  s = repeat("example.com/", "a", 256, "");
  expect_error(s, strlen(s), STAGEGRAPH_EREFERENCE, too_long);
  free(s);
  /* reference_test.go: "a/" x 128 + "a:tag" is too long */
  s = repeat("", "a/", 128, "a:tag");
  expect_error(s, strlen(s), STAGEGRAPH_EREFERENCE, too_long);
  free(s);
  s = repeat("", "a/", 127, "a:tag-puts-this-over-max");
  p = repeat("", "a/", 127, "a");
  expect_valid_path(s, p);
  free(s);
  free(p);
  /* tags: 128 characters at most */
  s = repeat("foo:", "t", 128, "");
  expect_valid_path(s, "library/foo");
  free(s);
  s = repeat("foo:", "t", 129, "");
  expect_error(s, strlen(s), STAGEGRAPH_EREFERENCE, IRF);
  free(s);
  /* the long namespace of TestValidateRemoteName */
  s = repeat("", "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_", 4,
             "x/docker");
  expect_error(s, strlen(s), STAGEGRAPH_EREFERENCE, too_long);
  free(s);
}

/* Input beyond SGI_REFERENCE_MAX is refused before scanning. */
static void test_input_cap(void **state) {
  (void)state;
  char msg[128];
  snprintf(msg, sizeof msg, IRF ": longer than %d bytes", SGI_REFERENCE_MAX);
  /* a valid reference of exactly the limit: a long domain */
  char *s = repeat("aa", ".a", (SGI_REFERENCE_MAX - 4) / 2, "/x");
  assert_int_equal(strlen(s), SGI_REFERENCE_MAX);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_reference *ref = NULL;
  assert_int_equal(stagegraph_reference_parse(&ref, s, strlen(s), NULL, &err), 0);
  assert_string_equal(stagegraph_reference_path(ref), "x");
  assert_int_equal(strlen(stagegraph_reference_domain(ref)), SGI_REFERENCE_MAX - 2);
  stagegraph_reference_free(ref);
  free(s);
  s = repeat("", "a", SGI_REFERENCE_MAX + 1, "");
  expect_error(s, strlen(s), STAGEGRAPH_ELIMIT, msg);
  free(s);
}

/* Long hostile inputs are rejected with the right error. (Their cost is
 * measured by the pathological benchmark, not asserted here.) */
static void test_pathological(void **state) {
  (void)state;
  static const char *const units[] = {"a-", "a_", "a.", "-", "_", "a/", "a:", "a@", "[:", "A"};
  for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
    char *s = repeat("", units[u], SGI_REFERENCE_MAX / strlen(units[u]), "");
    size_t len = strlen(s);
    for (int round = 0; round < 2; round++) {
      stagegraph_reference *ref = NULL;
      assert_int_not_equal(stagegraph_reference_parse(&ref, s, len, NULL, NULL), 0);
    }
    free(s);
  }
}

/* ---- the named-context key (c.7) ---------------------------------------- */

static void expect_key(const char *name, const char *key) {
  sgi_mem mem;
  sgi_mem_init(&mem, NULL);
  sgi_arena arena;
  sgi_arena_init(&arena, &mem);
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  const char *got = NULL;
  int rc = sgi_reference_context_key(&got, &arena, name, strlen(name), &err);
  if (rc != 0) fail_msg("%s: unexpected %s", name, err.message);
  str_eq(name, "context key", got, key);
  sgi_arena_free(&arena);
}

static void test_context_key(void **state) {
  (void)state;
  expect_key("alpine", "alpine");
  expect_key("alpine:latest", "alpine");
  expect_key("docker.io/library/alpine", "alpine");
  expect_key("docker.io/library/alpine:latest", "alpine");
  expect_key("index.docker.io/library/alpine:latest", "alpine");
  expect_key("docker.io/alpine", "alpine");
  expect_key("alpine:3.20", "alpine:3.20");
  expect_key("foo/bar:latest", "foo/bar");
  expect_key("docker.io/foo/bar", "foo/bar");
  expect_key("docker.io/library/foo/bar", "library/foo/bar");
  expect_key("ghcr.io/o/x:latest", "ghcr.io/o/x");
  expect_key("localhost:5000/x", "localhost:5000/x");
  expect_key("alpine@" D256, "alpine@" D256);
  expect_key("alpine:latest@" D256, "alpine:latest@" D256);
  expect_key("base", "base");
  expect_key("scratch", "scratch");

  /* stage names valid for FROM ... AS but not as references */
  sgi_mem mem;
  sgi_mem_init(&mem, NULL);
  sgi_arena arena;
  sgi_arena_init(&arena, &mem);
  static const char *const bad[] = {"base-", "base_", "a..b", "a._b"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    const char *key = "untouched";
    assert_int_equal(sgi_reference_context_key(&key, &arena, bad[i], strlen(bad[i]), &err),
                     STAGEGRAPH_EREFERENCE);
    assert_string_equal(key, "untouched");
    assert_string_equal(err.message, IRF);
  }
  sgi_arena_free(&arena);
}

/* ---- the public API's edges ----------------------------------------------- */

static void test_api_edges(void **state) {
  (void)state;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_reference *ref = NULL;
  assert_int_equal(stagegraph_reference_parse(NULL, "alpine", 6, NULL, &err), STAGEGRAPH_EINVAL);
  assert_int_equal(err.code, STAGEGRAPH_EINVAL);
  assert_int_equal(stagegraph_reference_parse(&ref, NULL, 3, NULL, &err), STAGEGRAPH_EINVAL);
  assert_null(ref);
  /* NULL text of length 0 is the empty string */
  assert_int_equal(stagegraph_reference_parse(&ref, NULL, 0, NULL, &err), STAGEGRAPH_EREFERENCE);
  assert_string_equal(err.message, IRF);
  /* err may be NULL */
  assert_int_equal(stagegraph_reference_parse(&ref, "A", 1, NULL, NULL), STAGEGRAPH_EREFERENCE);
  /* only len bytes are read */
  assert_int_equal(stagegraph_reference_parse(&ref, "alpine:3.20 trailing", 11, NULL, &err), 0);
  assert_string_equal(stagegraph_reference_normalized(ref), "docker.io/library/alpine:3.20");
  stagegraph_reference_free(ref);
  stagegraph_reference_free(NULL);
  /* getters on NULL give "" */
  assert_string_equal(stagegraph_reference_domain(NULL), "");
  assert_string_equal(stagegraph_reference_familiar(NULL), "");
  /* a too-small error struct is filled only up to its size */
  stagegraph_error small;
  memset(&small, 0x55, sizeof small);
  small.size = offsetof(stagegraph_error, message);
  assert_int_equal(stagegraph_reference_parse(&ref, "A", 1, NULL, &small), STAGEGRAPH_EREFERENCE);
  assert_int_equal(small.code, STAGEGRAPH_EREFERENCE);
  assert_int_equal((unsigned char)small.message[0], 0x55);
}

/* ---- allocation failure ----------------------------------------------------- */

/* Fail the n-th allocation for n = 0, 1, ... until the parse succeeds;
 * returns how many allocations success took. */
static long sweep(const char *input, const char *normalized) {
  long needed = -1;
  for (long n = 0; n < 64 && needed < 0; n++) {
    alloc_budget c;
    budget_init(&c);
    budget_fail(&c, n, 1);
    stagegraph_allocator a = budget_allocator(&c);
    stagegraph_error err = STAGEGRAPH_ERROR_INIT;
    stagegraph_reference *ref = NULL;
    int rc = stagegraph_reference_parse(&ref, input, strlen(input), &a, &err);
    if (rc == 0) {
      assert_string_equal(stagegraph_reference_normalized(ref), normalized);
      stagegraph_reference_free(ref);
      needed = n;
    } else {
      assert_int_equal(rc, STAGEGRAPH_ENOMEM);
      assert_int_equal(err.code, STAGEGRAPH_ENOMEM);
      assert_null(ref);
    }
    assert_int_equal(c.live, 0);
  }
  assert_true(needed > 0);
  return needed;
}

static void test_alloc_failure(void **state) {
  (void)state;
  assert_int_equal(sweep("alpine", "docker.io/library/alpine:latest"), 2);
  sweep("busybox:latest@" B256, "docker.io/library/busybox:latest@" B256);
  /* the longest input: its strings need a second arena block */
  char *s = repeat("aa", ".a", (SGI_REFERENCE_MAX - 6) / 2, "/x:1");
  assert_int_equal(strlen(s), SGI_REFERENCE_MAX);
  assert_int_equal(sweep(s, s), 3);
  free(s);

  /* failing parses allocate and free cleanly too */
  alloc_budget c;
  budget_init(&c);
  stagegraph_allocator a = budget_allocator(&c);
  stagegraph_reference *ref = NULL;
  assert_int_equal(stagegraph_reference_parse(&ref, "Bad", 3, &a, NULL), STAGEGRAPH_EREFERENCE);
  assert_int_equal(c.live, 0);

  /* the internal API reports ENOMEM from a failing arena */
  budget_fail(&c, 0, 1);
  sgi_mem mem;
  sgi_mem_init(&mem, &a);
  sgi_arena arena;
  sgi_arena_init(&arena, &mem);
  sgi_reference r;
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  assert_int_equal(sgi_reference_parse(&r, &arena, "alpine", 6, &err), STAGEGRAPH_ENOMEM);
  const char *key = NULL;
  assert_int_equal(sgi_reference_context_key(&key, &arena, "alpine:latest", 13, &err),
                   STAGEGRAPH_ENOMEM);
  assert_null(key);
  sgi_arena_free(&arena);
  assert_int_equal(c.live, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_table),   cmocka_unit_test(test_invalid_table),
      cmocka_unit_test(test_unicode),       cmocka_unit_test(test_length_limits),
      cmocka_unit_test(test_input_cap),     cmocka_unit_test(test_pathological),
      cmocka_unit_test(test_context_key),   cmocka_unit_test(test_api_edges),
      cmocka_unit_test(test_alloc_failure),   cmocka_unit_test(test_check_only),
  };
  return cmocka_run_group_tests_name("reference", tests, NULL, NULL);
}
