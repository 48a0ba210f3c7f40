#!/bin/sh
# `make bench-compare`: stagegraph's parse throughput and dockerfile-ast's on
# the same corpus in the same run. Optional: without node, npm or the
# network it says why and exits 0.
# usage: compare.sh BENCH_BINARY CORPUS_DIR
set -u
bench=$1
corpus=$2
here=$(dirname "$0")
quick=
case "${BENCH_QUICK:-}" in "" | 0) ;; *) quick=--quick ;; esac

skip() {
  echo "bench-compare: skipped: $*"
  exit 0
}

command -v node >/dev/null 2>&1 || skip "node is not installed (apt-get install nodejs npm)"
[ -d "$corpus/files" ] || skip "$corpus/files not found"
if [ ! -f "$here/node_modules/dockerfile-ast/package.json" ]; then
  command -v npm >/dev/null 2>&1 || skip "npm is not installed (apt-get install npm)"
  # The version is pinned in package.json beside this script.
  echo "bench-compare: npm install --prefix $here (dockerfile-ast, into the ignored node_modules/)"
  npm install --prefix "$here" --no-package-lock --no-audit --no-fund >/dev/null 2>&1 ||
    skip "npm install --prefix $here failed (no network or registry?)"
fi

ours=$("$bench" --corpus "$corpus" --parse-only $quick) || { echo "bench-compare: bench failed" >&2; exit 1; }
theirs=$(node "$here/compare.mjs" "$corpus" $quick) || { echo "bench-compare: compare.mjs failed" >&2; exit 1; }
echo "$ours" | grep -v '^mbps'
echo "$theirs" | grep -v '^mbps'
a=$(echo "$ours" | sed -n 's/^mbps=//p')
b=$(echo "$theirs" | sed -n 's/^mbps=//p')
c=$(echo "$theirs" | sed -n 's/^mbps_args=//p')
awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {
  printf "ours %.1f MB/s, dockerfile-ast %.1f MB/s: ratio %.1fx (%.1fx against its parse + arguments, %.1f MB/s)\n", a, b, a / b, a / c, c
}'
