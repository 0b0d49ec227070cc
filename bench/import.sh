#!/usr/bin/env bash
# Import throughput for a 1M-outcome native JSONL file (~1 KB of text per outcome), store
# bytes per outcome, and the projected scan of those outcomes through the store API.
# Usage: bench/import.sh [N]   (N outcomes, default 1000000; needs ~3 GB in $TMPDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=${TMPDIR:-/tmp}/evals-import-bench
rm -rf "$work" && mkdir -p "$work"
go build -o "$work/evals" .
(cd bench && go build -o "$work/bench" .)
"$work/bench" gen-jsonl -n "$n" -o "$work/in.jsonl"
bytes=$(stat -c %s "$work/in.jsonl")
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/rss" "$work/evals" import "$work/in.jsonl" --store "$work/store" >/dev/null
end=$(date +%s.%N)
secs=$(echo "$end - $start" | bc -l)
store=$(du -sb "$work/store/runs" | cut -f1)
printf 'input            %d outcomes, %.0f MB JSONL\n' "$n" "$(echo "$bytes/1048576" | bc -l)"
printf 'import           %.2f s, %.0f outcomes/s, %.0f MB/s, peak RSS %d MB\n' "$secs" "$(echo "$n/$secs" | bc -l)" "$(echo "$bytes/1048576/$secs" | bc -l)" "$(( $(cat "$work/rss") / 1024 ))"
printf 'store            %.0f MB, %.0f bytes/outcome\n' "$(echo "$store/1048576" | bc -l)" "$(echo "$store/$n" | bc -l)"
# Where the CPU goes: a second import under the profiler, its time by stage (cumulative
# shares of all samples; the stages run at once on different goroutines).
rm -rf "$work/store2"
EVALS_CPUPROFILE="$work/cpu.prof" "$work/evals" import "$work/in.jsonl" --store "$work/store2" >/dev/null
go tool pprof -top -cum -nodecount=400 "$work/evals" "$work/cpu.prof" 2>/dev/null | awk '
  /Total samples/ { print "profile          " $0 }
  $NF ~ /crypto\/.*sha256\.block$/              { s["read: sha-256 digest"] += $5 }
  $NF ~ /ingest\.pipeline\.func1$/              { s["read: lines (incl. digest)"] += $5 }
  $NF ~ /ingest\.parseLineOwned$/               { s["decode: lines to outcomes"] += $5 }
  $NF ~ /ingest\.decodeLineFast$/               { s["decode: of which JSON"] += $5 }
  $NF ~ /store\.\(\*Writer\)\.Add$/            { s["writer: validate, buffer, rows"] += $5 }
  $NF ~ /store\.writeGroup\[/                    { s["encode: parquet row groups"] += $5 }
  $NF ~ /zstd\.\(\*Encoder\)\.EncodeAll$/       { s["encode: of which zstd"] += $5 }
  $NF ~ /runtime\.gcBgMarkWorker$/              { s["gc: background marking"] += $5 }
  END { for (k in s) printf "  %-32s %5.1f%%\n", k, s[k] }' | sort
EVALS_BENCH_STORE="$work/store" go test ./store -run '^$' -bench ScanProjected -benchmem -count 5 | grep Benchmark
