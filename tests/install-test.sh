#!/bin/sh
# SPDX-License-Identifier: MIT
# Install smoke test: `make install` into a temporary DESTDIR, build a small
# program against the staged copy using only pkg-config, run it against the
# installed shared library, then `make uninstall` and check that every file
# the install created is gone. Run from the top of the tree (`make install-test`).
set -eu
make=${MAKE:-make}
cc=${CC:-cc}
prefix=/usr/local
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
dest=$tmp/root
pcdir=$dest$prefix/lib/pkgconfig

fail() {
  echo "install-test: $*" >&2
  exit 1
}

"$make" --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "make install failed"; }
(cd "$dest" && find . ! -type d | sort) >"$tmp/installed"
for f in include/stagegraph.h lib/libstagegraph.a lib/libstagegraph.so lib/pkgconfig/stagegraph.pc \
         bin/stagegraph; do
  grep -qx "\./${prefix#/}/$f" "$tmp/installed" || fail "make install did not create $prefix/$f"
done

export PKG_CONFIG_PATH="$pcdir"
pkg-config --validate stagegraph || fail "pkg-config --validate rejects stagegraph.pc"
[ "$(pkg-config --variable=prefix stagegraph)" = "$prefix" ] ||
  fail "stagegraph.pc has prefix $(pkg-config --variable=prefix stagegraph), expected $prefix"
# The .pc file names the final prefix; --define-prefix relocates it to where
# it sits now, which also checks it is written relative to ${prefix}.
flags=$(pkg-config --define-prefix --cflags --libs stagegraph)

cat >"$tmp/smoke.c" <<'EOF'
#include <stdio.h>
#include <stagegraph.h>

int main(void) {
  static const char text[] = "FROM alpine AS base\nRUN echo hi\n";
  stagegraph_error err = STAGEGRAPH_ERROR_INIT;
  stagegraph_buf out = STAGEGRAPH_BUF_INIT;
  stagegraph_doc *doc;
  if (stagegraph_version() != STAGEGRAPH_VERSION_NUMBER) {
    fprintf(stderr, "runtime library %s, header %s\n", stagegraph_version_string(),
            STAGEGRAPH_VERSION_STRING);
    return 1;
  }
  if (stagegraph_parse(&doc, text, sizeof text - 1, NULL, &err) != 0) {
    fprintf(stderr, "parse: %s\n", err.message);
    return 1;
  }
  int rc = stagegraph_doc_dump(&out, doc, STAGEGRAPH_DUMP_BUILDKIT, &err);
  if (rc == 0) fwrite(out.ptr, 1, out.size, stdout);
  else fprintf(stderr, "dump: %s\n", err.message);
  stagegraph_buf_dispose(&out);
  stagegraph_doc_free(doc);
  return rc != 0;
}
EOF
# shellcheck disable=SC2086 # pkg-config output is a list of words
"$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/smoke" "$tmp/smoke.c" $flags ||
  fail "cannot build against the installed library with: $flags"
readelf -d "$tmp/smoke" | grep -q 'NEEDED.*\[libstagegraph\.so\.' ||
  fail "the program is not linked against the shared library"
printf '(from "alpine" "AS" "base")\n(run "echo hi")\n' >"$tmp/expected"
LD_LIBRARY_PATH="$dest$prefix/lib" "$tmp/smoke" >"$tmp/actual" || fail "the program failed"
cmp -s "$tmp/expected" "$tmp/actual" || { diff -u "$tmp/expected" "$tmp/actual" >&2; fail "wrong output"; }
"$dest$prefix/bin/stagegraph" --version >/dev/null || fail "the installed stagegraph command does not run"

"$make" --no-print-directory uninstall DESTDIR="$dest" PREFIX="$prefix" >"$tmp/uninstall.log" 2>&1 ||
  { cat "$tmp/uninstall.log" >&2; fail "make uninstall failed"; }
left=$(cd "$dest" && find . ! -type d | sort)
[ -z "$left" ] || fail "make uninstall left files behind: $(echo $left)"
echo "install-test: $(wc -l <"$tmp/installed" | tr -d ' ') files installed, built against with pkg-config, run, uninstalled"
