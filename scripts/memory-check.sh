#!/usr/bin/env bash
# The import's memory is bounded by a budget, not by its input: peak RSS ≤ 2.5 × the longest
# line + 100 MB. At the default caps (--max-line 16MB, which also bounds one Inspect sample)
# a line, a sample and a promptfoo result just under the cap import within the budget; a
# 63 MB line, a 60 MB Inspect sample and a 60 MB promptfoo result are refused early with a
# coded error. All of it under `ulimit -v 2000000` (2 GB of address space), never with the
# runtime's "fatal error: out of memory". Peak RSS
# is printed and checked when /usr/bin/time exists. EVALS is a CGO_ENABLED=0 build (what
# ships; a cgo build's glibc malloc arenas reserve 64 MB of address space per thread).
set -euo pipefail
: "${EVALS:?set EVALS to an evals binary built with CGO_ENABLED=0}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
line() { # line FILE BYTES: one outcome whose output is BYTES long
  { printf '{"stimulus":"s","model":"m","passed":true,"output":"'; head -c "$2" /dev/zero | tr '\0' 'a'; printf '"}\n'; } >"$1"
}
line "$dir/line-16mb.jsonl" 16000000
line "$dir/line-63mb.jsonl" 66000000
inputs=("$dir/line-16mb.jsonl:ok:16000055" "$dir/line-63mb.jsonl:refused:66000055")
if command -v python3 >/dev/null 2>&1; then
  sample() { # sample OUT WORDS: an Inspect .eval whose sample input is WORDS × "word "
    python3 - "$1" "$(dirname "$0")/../testdata/harness/inspect/log_read_sample.eval" "$2" <<'PY'
import json, sys, zipfile
out, src, words = sys.argv[1], sys.argv[2], int(sys.argv[3])
z = zipfile.ZipFile(src)
w = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
for n in z.namelist():
    data = z.read(n)
    if n.startswith("samples/"):
        s = json.loads(data)
        s["input"] = "word " * words
        data = json.dumps(s).encode()
    w.writestr(n, data)
w.close()
PY
  }
  sample "$dir/sample-15mb.eval" 3000000
  sample "$dir/sample-60mb.eval" $((12 << 20))
  inputs+=("$dir/sample-15mb.eval:ok:15000000" "$dir/sample-60mb.eval:refused:$((5 * (12 << 20)))")
  promptfoo() { # promptfoo OUT BYTES: a promptfoo export whose one result's output is BYTES long
    python3 - "$1" "$2" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
r = {"promptIdx": 0, "testIdx": 0, "provider": {"id": "p"}, "prompt": {"raw": "q"}, "success": True, "response": {"output": "a" * n}}
json.dump({"evalId": "e", "results": {"version": 3, "prompts": [{"raw": "q", "provider": "p"}], "results": [r]}}, open(out, "w"))
PY
  }
  promptfoo "$dir/promptfoo-15mb.json" 15000000
  promptfoo "$dir/promptfoo-60mb.json" $((60 << 20))
  inputs+=("$dir/promptfoo-15mb.json:ok:15000200" "$dir/promptfoo-60mb.json:refused:$((60 << 20))")
else
  echo "memory-check: python3 is missing, the Inspect samples are skipped" >&2
fi
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "peak %M KB")
for spec in "${inputs[@]}"; do
  IFS=: read -r f want size <<<"$spec" # size: the longest line, or the sample inflated
  set +e
  out=$( (ulimit -v 2000000; "${timer[@]}" "$EVALS" import "$f" --store "$dir/store") 2>&1)
  code=$?
  set -e
  if grep -q "fatal error" <<<"$out" || { [ "$code" -ne 0 ] && ! grep -q "^error: " <<<"$out"; }; then
    echo "memory-check: $(basename "$f"): exit $code without a coded error:" >&2
    echo "$out" | head -20 >&2
    exit 1
  fi
  if { [ "$want" = ok ] && [ "$code" -ne 0 ]; } || { [ "$want" = refused ] && [ "$code" -eq 0 ]; }; then
    echo "memory-check: $(basename "$f"): exit $code, want $want:" >&2
    echo "$out" | head -5 >&2
    exit 1
  fi
  peak=$(grep -o 'peak [0-9]* KB' <<<"$out" | grep -o '[0-9]*' || true)
  budget=$(( (size * 5 / 2 + 100000000) / 1000 ))
  echo "memory-check: $(basename "$f") ($(wc -c <"$f") bytes, longest value $size): exit $code ($want); peak ${peak:-?} KB, budget $budget KB"
  if [ -n "$peak" ] && [ "$want" = ok ] && [ "$peak" -gt "$budget" ]; then
    echo "memory-check: $(basename "$f") peaked at $peak KB, over the budget of $budget KB" >&2
    exit 1
  fi
done
