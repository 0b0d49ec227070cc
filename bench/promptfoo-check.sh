#!/usr/bin/env bash
# The bench's promptfoo file is one promptfoo itself accepts: `bench gen-promptfoo` writes
# it, promptfoo (from npm; 0.121.x is the last that runs on Node 20) imports it and exports
# it again, and evals ranks the original and promptfoo's export alike.
# Usage: bench/promptfoo-check.sh [MB]   (needs node/npx and the npm registry)
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-1}
work=${TMPDIR:-/tmp}/evals-promptfoo-check
rm -rf "$work" && mkdir -p "$work/npm" "$work/home"
go build -o "$work/evals" .
(cd bench && go build -o "$work/bench" .)
"$work/bench" gen-promptfoo -mb "$mb" -o "$work/gen.json"
(cd "$work/npm" && npm install --silent promptfoo@0.121.20 @libsql/client >/dev/null 2>&1)
pf() { (cd "$work/npm" && PROMPTFOO_CONFIG_DIR="$work/home" PROMPTFOO_DISABLE_TELEMETRY=1 npx promptfoo "$@" 2>&1 | grep -v -e ExperimentalWarning -e trace-warnings); }
id=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['evalId'])" "$work/gen.json")
pf import "$work/gen.json"
pf export eval "$id" -o "$work/export.json"
for f in gen export; do
  "$work/evals" import "$work/$f.json" --store "$work/store-$f" >/dev/null
  "$work/evals" ranking --store "$work/store-$f" --run latest --json | python3 -c '
import json, sys
print(sys.argv[1], [(m["model"], m["passRate"], m["outcomeCount"], m["costPerPassUsd"]) for m in json.load(sys.stdin)["models"]])' "$f" | tee "$work/$f.ranking"
done
if [ "$(cut -d' ' -f2- "$work/gen.ranking")" != "$(cut -d' ' -f2- "$work/export.ranking")" ]; then
  echo "promptfoo-check: the ranking of promptfoo's export differs from the file's" >&2
  exit 1
fi
echo "promptfoo-check: promptfoo imported the bench file, and its export ranks the same"
