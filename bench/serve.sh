#!/usr/bin/env bash
# Load on evals serve over a store (default: the 1M-outcome store of bench gen-store): for
# each route and each concurrency, requests/s, p50 and p99 (bench load), then the same with
# an import writing into the store, and the server's peak RSS.
#
#   bench/serve.sh STORE [IMPORT_FILE] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?store directory}
import=${2:-}
secs=${3:-8}
work=${TMPDIR:-/tmp}/evals-serve-bench
mkdir -p "$work"
go build -o "$work/evals" .
# The server reads a hard-linked copy of the store: runs are never rewritten, and the runs
# the import round adds land in the copy, not in the store other benchmarks read.
rm -rf "$work/store" && cp -al "$store" "$work/store" && store=$work/store
(cd bench && go build -o "$work/bench" .)
port=3299
"$work/evals" serve --store "$store" --port $port 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
routes=(/api/runs/latest/ranking /api/runs/latest/graders "/api/outcomes?limit=100")
# wrk when it is installed (apt-get install wrk): it costs the 2 cores less than a Go client,
# so what is measured is the server. Else bench load.
round() {
  for c in 8 64; do
    for r in "${routes[@]}"; do
      if command -v wrk >/dev/null; then
        wrk -t2 -c$c -d"${secs}s" --latency "http://127.0.0.1:$port$r" |
          awk -v c=$c -v r="$r" '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Requests\/sec/ {rps=$2} /Non-2xx/ {err=$NF}
            END {printf "c=%-3d %-32s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n", c, r, rps, p50, p99, err+0}'
      else
        "$work/bench" load -c $c -d "${secs}s" "http://127.0.0.1:$port$r" | tail -1 | sed "s/^/c=$c  /"
      fi
    done
  done
}
echo "== no import running"
round
if [ -n "$import" ]; then
  echo "== while importing $import"
  ( while true; do "$work/evals" import "$import" --store "$store" --name "bench-$RANDOM" >/dev/null 2>&1 || true; done ) &
  imp=$!
  round
  kill $imp 2>/dev/null || true
fi
echo "server peak RSS: $(awk '/VmHWM/ {print int($2/1024) " MB"}' /proc/$pid/status 2>/dev/null || echo "? (pid $pid gone: $(ps -o pid,cmd -p $pid | tail -1))")"
