#!/usr/bin/env bash
# Bytes read and time per outcome for each question over the whole store (--run all), the
# numbers docs/scale.md gives. Median of 3 warm runs (page cache warm: the bytes are what a
# scan takes from its files, the time what it costs on this machine).
#
#   EVALS=/tmp/evals bench/scale.sh STORE OUTCOMES
set -euo pipefail
store=$1 outcomes=$2
evals=${EVALS:-evals}
questions=(
  "ranking --run all"
  "ranking --run all --by category"
  "graders --run all"
  "tools --run all"
  "matrix --run all"
  "failures --run all --base none"
  "outcomes --run all --model model-3 --status failed --sort duration_ms --order desc --limit 100"
  "compare latest latest~1"
  "trend --last 100"
)
printf '| question | ms | ns/outcome | bytes read | bytes/outcome |\n|---|---|---|---|---|\n'
for q in "${questions[@]}"; do
  $evals $q --store "$store" --json >/dev/null 2>&1 || true # warm the page cache
  times=()
  for i in 1 2 3; do
    s=$(date +%s%N)
    bytes=$(EVALS_TRACE=requests $evals $q --store "$store" --json 2>&1 >/dev/null | sed -n 's/.*data read: \([0-9]*\) bytes.*/\1/p')
    e=$(date +%s%N)
    times+=($(( (e - s) / 1000000 )))
  done
  ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  printf '| `%s` | %s | %s | %s | %s |\n' "$q" "$ms" "$(( ms * 1000000 / outcomes ))" "$bytes" "$(awk -v b="$bytes" -v n="$outcomes" 'BEGIN { printf "%.1f", b / n }')"
done
