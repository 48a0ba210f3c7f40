#!/bin/sh
# Runs the fuzz targets for `make fuzz` and `make fuzz-replay`.
#
#   run.sh fuzz   FUZZ_BUILD SECONDS CORPUS TARGET...
#       FUZZ_BUILD/bin/fuzz_TARGET (libFuzzer) for SECONDS seconds each, one
#       after the other, on FUZZ_BUILD/corpus/TARGET (the working corpus,
#       kept between runs: new inputs go there), tests/fuzz/corpus/TARGET and,
#       for the targets reading Dockerfiles, CORPUS/files when present.
#       Crashes go to FUZZ_BUILD/artifacts/TARGET/. Prints one line per
#       target (executions, coverage); fails if any target crashed.
#       FUZZ_SEED and FUZZ_RUNS (environment), when set, fix libFuzzer's seed
#       and cap the executions, so that a CI run explores the same inputs
#       every time.
#   run.sh replay FUZZ_BUILD CORPUS TARGET...
#       FUZZ_BUILD/replay/bin/fuzz_TARGET_replay (standalone.c) on the seeds,
#       tests/fuzz/regressions/TARGET and CORPUS/files (Dockerfile targets).
set -u

mode=$1
shift
dict=tests/fuzz/dockerfile.dict
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# the targets whose input is a Dockerfile
reads_dockerfiles() {
  case $1 in parse | plan | cache | lint) return 0 ;; *) return 1 ;; esac
}

case $mode in
fuzz)
  build=$1 seconds=$2 corpus=$3
  shift 3
  failed=
  for t in "$@"; do
    work=$build/corpus/$t
    artifacts=$build/artifacts/$t
    log=$build/log/$t.log
    mkdir -p "$work" "$artifacts" "$build/log"
    set -- "$work" "tests/fuzz/corpus/$t"
    if reads_dockerfiles "$t" && [ -d "$corpus/files" ]; then
      set -- "$@" "$corpus/files"
    fi
    extra=
    [ -n "${FUZZ_SEED:-}" ] && extra="$extra -seed=$FUZZ_SEED"
    [ -n "${FUZZ_RUNS:-}" ] && extra="$extra -runs=$FUZZ_RUNS"
    # shellcheck disable=SC2086
    "$build/bin/fuzz_$t" $extra -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    final=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|NEW|REDUCE|pulse)' "$log" | tail -n 1)
    cov=$(printf '%s\n' "$final" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s\n' "$final" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(printf '%s\n' "$final" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
    if [ $rc -eq 0 ]; then
      printf 'fuzz_%s: %s executions in %ss, cov: %s ft: %s corpus: %s, no crash\n' \
        "$t" "${runs:-?}" "$seconds" "${cov:-?}" "${ft:-?}" "${corp:-?}"
    else
      printf 'fuzz_%s: FAILED (exit %s) after %s executions; log %s\n' "$t" "$rc" "${runs:-?}" "$log"
      grep -E 'ERROR|SUMMARY|fuzz check failed|Test unit written|#[0-9]+ 0x' "$log" | head -n 30
      failed="$failed $t"
    fi
  done
  if [ -n "$failed" ]; then
    echo "fuzz: crashes in:$failed (inputs under $build/artifacts/)" >&2
    exit 1
  fi
  ;;
replay)
  build=$1 corpus=$2
  shift 2
  for t in "$@"; do
    set -- "tests/fuzz/corpus/$t"
    [ -d "tests/fuzz/regressions/$t" ] && set -- "$@" "tests/fuzz/regressions/$t"
    if reads_dockerfiles "$t" && [ -d "$corpus/files" ]; then
      set -- "$@" "$corpus/files"
    fi
    "$build/replay/bin/fuzz_${t}_replay" "$@" || exit 1
  done
  ;;
*)
  echo "usage: run.sh fuzz|replay ..." >&2
  exit 2
  ;;
esac
