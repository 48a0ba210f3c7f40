#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library's ABI surface matches the public header:
#   - it exports only stagegraph_* symbols (besides its symbol-version nodes);
#   - it exports exactly the functions the header declares with STAGEGRAPH_EXTERN;
#   - its SONAME is libstagegraph.so.MAJOR.MINOR, from the header's version,
#     and its symbols carry the version node STAGEGRAPH_MAJOR.MINOR.
# Usage: check-exports.sh LIB HEADER
set -u
[ $# -eq 2 ] || { echo "usage: $0 LIB HEADER" >&2; exit 2; }
lib=$1
header=$2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

# Exported names, without their @@VERSION suffix. Version nodes appear as
# absolute (A) symbols named after the node (STAGEGRAPH_0.2): skip those.
nm -D --defined-only "$lib" >"$tmp/nm" || { echo "check-exports: nm failed on $lib" >&2; exit 2; }
awk '!($2 == "A" && $3 ~ /^STAGEGRAPH_[0-9][0-9.]*$/) { sub(/@.*/, "", $3); print $3 }' \
  "$tmp/nm" | sort -u >"$tmp/exported"

if grep -v '^stagegraph_' "$tmp/exported" >"$tmp/foreign"; then
  echo "check-exports: $lib exports symbols outside the stagegraph_ prefix:" >&2
  sed 's/^/  /' "$tmp/foreign" >&2
  status=1
fi

# Declared names: the identifier before the first "(" of each statement that
# carries STAGEGRAPH_EXTERN, with comments and preprocessor lines removed.
awk '
  continued { continued = /\\$/; next }
  /^[ \t]*#/ { continued = /\\$/; next }
  { text = text $0 "\n" }
  END {
    gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, " ", text)
    n = split(text, statements, ";")
    for (i = 1; i <= n; i++) {
      at = index(statements[i], "STAGEGRAPH_EXTERN")
      if (at == 0) continue
      s = substr(statements[i], at)
      if (!match(s, /[A-Za-z_][A-Za-z0-9_]*[ \t\n]*\(/)) continue
      name = substr(s, RSTART, RLENGTH)
      sub(/[ \t\n]*\($/, "", name)
      print name
    }
  }' "$header" | sort -u >"$tmp/declared"

if [ ! -s "$tmp/declared" ]; then
  echo "check-exports: found no STAGEGRAPH_EXTERN declarations in $header" >&2
  status=1
elif ! cmp -s "$tmp/declared" "$tmp/exported"; then
  echo "check-exports: exports of $lib differ from the declarations in $header" >&2
  echo "  (-: declared but not exported, +: exported but not declared)" >&2
  diff "$tmp/declared" "$tmp/exported" | sed -n 's/^< /  - /p; s/^> /  + /p' >&2
  status=1
fi

major=$(sed -n 's/^#define STAGEGRAPH_VERSION_MAJOR \([0-9]*\).*/\1/p' "$header")
minor=$(sed -n 's/^#define STAGEGRAPH_VERSION_MINOR \([0-9]*\).*/\1/p' "$header")
want="libstagegraph.so.$major.$minor"
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ "$soname" != "$want" ]; then
  echo "check-exports: SONAME of $lib is '$soname', expected '$want'" >&2
  status=1
fi
nodes=$(awk '$2 == "A" && $3 ~ /^STAGEGRAPH_[0-9][0-9.]*$/ { print $3 }' "$tmp/nm" | sort -u | paste -sd ' ' -)
if [ "$nodes" != "STAGEGRAPH_$major.$minor" ]; then
  echo "check-exports: version nodes of $lib are '$nodes', expected STAGEGRAPH_$major.$minor" \
    "(lib/stagegraph.map)" >&2
  status=1
fi

[ "$status" -eq 0 ] &&
  echo "check-exports: $(wc -l <"$tmp/declared" | tr -d ' ') functions exported as declared;" \
    "SONAME $soname, version node STAGEGRAPH_$major.$minor"
exit "$status"
