#!/usr/bin/env bash
# Load on evals serve over a store (default: a 1M-outcome store from bench gen-store) while an
# import writes into the same store: requests/s, p50/p99, errors, and the server's peak RSS.
# Usage: bench/serve.sh STORE [IMPORT_FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?store directory}
import=${2:-}
work=${TMPDIR:-/tmp}/evals-serve-bench
mkdir -p "$work"
go build -o "$work/evals" .
(cd bench && go build -o "$work/bench" .)
port=3299
"$work/evals" serve --store "$store" --port $port 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
sleep 0.5
if [ -n "$import" ]; then
  ( sleep 1; /usr/bin/time -f "concurrent import: %e s" "$work/evals" import "$import" --store "$store" >/dev/null ) &
fi
"$work/bench" load -c 8 -d 15s "http://127.0.0.1:$port/api/runs/latest/ranking" "http://127.0.0.1:$port/api/outcomes?limit=100"
wait %2 2>/dev/null || true
echo "server peak RSS: $(awk '/VmHWM/ {print int($2/1024) " MB"}' /proc/$pid/status)"
