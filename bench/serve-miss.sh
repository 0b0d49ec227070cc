#!/usr/bin/env bash
# evals serve where its answer cache cannot help: wrk at 64 connections, each request a new
# question (bench/wrk/*.lua): a run's filtered, sorted outcome pages and their next pages
# (outcomes.lua), all runs' outcome pages (outcomes_all.lua), compares of random run pairs
# (compare.lua), then /api/health; req/s, p50, p99, and the server's peak RSS over the suite.
# Usage: bench/serve-miss.sh STORE [SECONDS]   (a 100-run store of run0000..run0099 names,
# as bench gen-store writes; needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
store=$1 secs=${2:-20}
bin=$(mktemp -d)/evals
go build -o "$bin" .
port=$((3400 + RANDOM % 500))
"$bin" serve --store "$store" --port "$port" >"$bin.log" 2>&1 &
pid=$!
trap 'kill -INT $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/api/health" && break; sleep 0.1; done
for s in outcomes outcomes_all compare; do
  wrk -t2 -c64 -d"${secs}s" --latency -s "bench/wrk/$s.lua" "http://127.0.0.1:$port" |
    awk -v s="$s" '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%-13s %9s req/s  p50 %8s  p99 %8s\n", s, r, p50, p99}'
done
wrk -t2 -c64 -d10s --latency "http://127.0.0.1:$port/api/health" |
  awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%-13s %9s req/s  p50 %8s  p99 %8s\n", "health", r, p50, p99}'
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$pid/status)"
