#!/usr/bin/env bash
# The import's memory is bounded by a budget, not by its input: a 63 MB JSONL line and a
# 60 MB Inspect sample import under `ulimit -v 2000000` (2 GB of address space) without the
# runtime's "fatal error: out of memory" — a success, or a coded error. Peak RSS is printed
# when /usr/bin/time exists. EVALS is a CGO_ENABLED=0 build (what ships; a cgo build's glibc
# malloc arenas reserve 64 MB of address space per thread).
set -euo pipefail
: "${EVALS:?set EVALS to an evals binary built with CGO_ENABLED=0}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
{
  printf '{"stimulus":"s","model":"m","passed":true,"output":"'
  head -c 66000000 /dev/zero | tr '\0' 'a'
  printf '"}\n'
} > "$dir/big.jsonl"
inputs=("$dir/big.jsonl")
if command -v python3 >/dev/null 2>&1; then
  python3 - "$dir/big.eval" "$(dirname "$0")/../testdata/harness/inspect/log_read_sample.eval" <<'PY'
import json, sys, zipfile
out, src = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(src)
w = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
for n in z.namelist():
    data = z.read(n)
    if n.startswith("samples/"):
        s = json.loads(data)
        s["input"] = "word " * (12 << 20)  # a 60 MB sample
        data = json.dumps(s).encode()
    w.writestr(n, data)
w.close()
PY
  inputs+=("$dir/big.eval")
else
  echo "memory-check: python3 is missing, the 60 MB Inspect sample is skipped" >&2
fi
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "peak %M KB")
for f in "${inputs[@]}"; do
  set +e
  out=$( (ulimit -v 2000000; "${timer[@]}" "$EVALS" import "$f" --store "$dir/store") 2>&1)
  code=$?
  set -e
  if grep -q "fatal error" <<<"$out" || { [ "$code" -ne 0 ] && ! grep -q "^error: " <<<"$out"; }; then
    echo "memory-check: $(basename "$f"): exit $code without a coded error:" >&2
    echo "$out" | head -20 >&2
    exit 1
  fi
  echo "memory-check: $(basename "$f") ($(wc -c <"$f") bytes): exit $code; $(grep -o 'peak [0-9]* KB' <<<"$out" || true)"
done
