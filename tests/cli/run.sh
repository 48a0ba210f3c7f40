#!/bin/sh
# SPDX-License-Identifier: MIT
# Golden tests for the stagegraph command. Usage: run.sh CLI
#
# Each folder tests/cli/cases/NAME/ holds:
#   cmd     the arguments, as shell words on one line; the command runs in
#           that folder with its Dockerfile (if any) on standard input
#   status  the expected exit status
#   stdout  the expected standard output, byte for byte (not compared when absent)
#   stderr  optional: the expected standard error, byte for byte
set -u
[ $# -eq 1 ] || { echo "usage: $0 CLI" >&2; exit 2; }
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cases=$(cd "$(dirname "$0")" && pwd)/cases
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

passed=0
failed=0
for dir in "$cases"/*/; do
  dir=${dir%/}
  name=${dir##*/}
  input=/dev/null
  [ -f "$dir/Dockerfile" ] && input=Dockerfile
  (cd "$dir" && eval "set -- $(cat cmd)" && exec "$cli" "$@" <"$input") >"$tmp/stdout" 2>"$tmp/stderr"
  status=$?
  problems=""
  expected=$(cat "$dir/status")
  [ "$status" = "$expected" ] || problems="exit status $status, expected $expected"
  for stream in stdout stderr; do
    [ -f "$dir/$stream" ] || continue
    cmp -s "$dir/$stream" "$tmp/$stream" && continue
    problems="$problems${problems:+; }$stream differs:
$(diff -u "$dir/$stream" "$tmp/$stream" | sed -n '3,40p')"
  done
  if [ -z "$problems" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL %s (stagegraph %s): %s\n' "$name" "$(cat "$dir/cmd")" "$problems"
    [ -s "$tmp/stderr" ] && [ ! -f "$dir/stderr" ] && sed 's/^/  stderr: /' "$tmp/stderr" | head -20
  fi
done
echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
