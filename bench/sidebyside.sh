#!/usr/bin/env bash
# Side by side, interleaved: runs two evals commands alternately N times (whole processes,
# warm cache) and prints each one's median wall time and their ratio. Interleaving keeps a
# noisy machine's drift out of the ratio.
#
#   bench/sidebyside.sh STORE N "ranking --run all" "ranking --run all --by category"
#
# EVALS (default /tmp/evals) runs A; EVALS_B, when set, runs B: the same command before and
# after a change, or on one core (a script that runs GOMAXPROCS=1 evals "$@"):
#
#   EVALS=/tmp/evals-old EVALS_B=/tmp/evals bench/sidebyside.sh /tmp/s1run 21 "ranking" "ranking"
set -euo pipefail
store=$1 n=$2 a=$3 b=$4
evals=${EVALS:-/tmp/evals}
evals_b=${EVALS_B:-$evals}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
$evals $a --store "$store" --json >/dev/null && $evals_b $b --store "$store" --json >/dev/null
for _ in $(seq "$n"); do
  for which in A B; do
    cmd=$a bin=$evals; [ $which = B ] && cmd=$b bin=$evals_b
    s=$(date +%s%N); $bin $cmd --store "$store" --json >/dev/null; e=$(date +%s%N)
    echo "$which $(( (e - s) / 1000 ))" >>"$out"
  done
done
median() { grep "^$1 " "$out" | awk '{print $2}' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ma=$(median A) mb=$(median B)
printf 'A %-45s median %7.1f ms\nB %-45s median %7.1f ms\nB/A %.2f (n=%d each)\n' "$a" "$(echo "$ma/1000" | bc -l)" "$b" "$(echo "$mb/1000" | bc -l)" "$(echo "$mb/$ma" | bc -l)" "$n"
