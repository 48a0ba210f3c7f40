#!/bin/sh
# `make bench-count`: the scaling families' work per unit in instructions,
# counted by callgrind (valgrind --tool=callgrind), not timed. A count is
# the same on every run of the same binary in the same environment,
# whatever else the machine is doing, so this table shows an algorithm
# that is worse than linear even where the times are noisy, and it tells
# that apart from the memory hierarchy: data that outgrows the caches
# costs more time, but no more instructions.
#
#   count.sh BENCH [FAMILY...]
#
# For each family (`BENCH --families` lists them with their unit and
# sizes), size and phase, `BENCH --profile FAMILY:N:PHASE:1` runs the phase
# twice (a warm-up, then once more) on one generated input, and callgrind
# counts the instructions executed inside the phase's function
# (--toggle-collect); a run's count is the mean of the two. The table
# gives instructions per unit (stage, instruction, byte or heredoc: the
# family's unit) at every size and two ratios of the largest size: over
# the smallest and over the cheapest.
#
# COUNT_MAX leaves out the sizes above it (all by default).
# COUNT_LIMIT (default 1.20): a ratio over the cheapest size above it is
# marked (!) and makes the script exit 1. Exit 2: no valgrind, a failed
# run, or nothing measured.
set -u

if [ $# -lt 1 ]; then
  echo "usage: count.sh BENCH [FAMILY...]" >&2
  exit 2
fi
bench=$1
shift
max=${COUNT_MAX:-}
limit=${COUNT_LIMIT:-1.20}
case $max in *[!0-9]*)
  echo "bench-count: COUNT_MAX must be a whole number, not '$max'" >&2
  exit 2
  ;;
esac

if ! command -v valgrind >/dev/null 2>&1; then
  echo "bench-count: valgrind not found" >&2
  exit 2
fi
list=$("$bench" --families) || exit 2
if [ $# -gt 0 ]; then
  chosen=
  for f in "$@"; do
    line=$(echo "$list" | awk -v f="$f" '$1 == f')
    [ -n "$line" ] || { echo "bench-count: unknown family $f" >&2; exit 2; }
    chosen="$chosen$line
"
  done
  list=$chosen
fi

# instructions of one run of PHASE on FAMILY:N (the mean of two)
count() {
  out=$(valgrind --tool=callgrind --toggle-collect="op_$3" --callgrind-out-file=/dev/null \
    "$bench" --profile "$1:$2:$3:1" 2>&1) || { echo "$out" >&2; return 2; }
  total=$(echo "$out" | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  case $out in *", ok,"*) ;; *) total= ;; esac
  if [ -z "$total" ] || [ "$total" -eq 0 ]; then
    echo "$out" >&2
    echo "bench-count: nothing counted for $1:$2:$3" >&2
    return 2
  fi
  echo $((total / 2))
}

echo "instructions per unit (callgrind; per run, the mean of a warm-up and one more)"
# the rows are made in a subshell (a pipe): it exits 1 when a ratio is over
# the limit, 2 when a run failed or no row was made
echo "$list" | {
  over=0 rows=0
  while read -r f unit sizes; do
    [ -n "$f" ] || continue
    for phase in parse plan cache lint; do
      row=
      for n in $sizes; do
        [ -z "$max" ] || [ "$n" -le "$max" ] || continue
        c=$(count "$f" "$n" "$phase") || exit 2
        row="$row $n=$c"
      done
      [ -n "$row" ] || continue # no size up to COUNT_MAX
      line=$(echo "$row" | awk -v f="$f" -v p="$phase" -v u="$unit" -v limit="$limit" '{
        printf "%-11s %-6s per %-11s", f, p, u
        for (i = 1; i <= NF; i++) {
          split($i, kv, "="); per[i] = kv[2] / kv[1]
          printf "  %s: %.4g", kv[1], per[i]
          if (i == 1 || per[i] < cheapest) cheapest = per[i]
        }
        r1 = per[NF] / per[1]; r2 = per[NF] / cheapest
        mark = (r2 > limit) ? " (!)" : ""
        printf "  | last/first %.2f, last/cheapest %.2f%s\n", r1, r2, mark
      }')
      echo "$line"
      rows=$((rows + 1))
      case $line in *"(!)"*) over=1 ;; esac
    done
  done
  if [ "$rows" -eq 0 ]; then
    echo "bench-count: no size up to COUNT_MAX=$max" >&2
    exit 2
  fi
  exit $over
}
