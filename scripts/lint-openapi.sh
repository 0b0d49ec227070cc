#!/usr/bin/env bash
# Lints the OpenAPI document evals serve publishes with redocly's recommended rules
# (npm @redocly/cli@2.77.0). Needs node; .ci/run skips it, saying so, where node is absent.
#
#   scripts/lint-openapi.sh                 # builds evals
#   EVALS=/path/to/evals scripts/lint-openapi.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
evals=${EVALS:-}
if [ -z "$evals" ]; then
  (cd "$here" && go build -o "$work/evals" .)
  evals="$work/evals"
fi
port=$((20000 + RANDOM % 20000))
XDG_CACHE_HOME="$work/cache" "$evals" serve --demo --port "$port" >"$work/serve.log" 2>&1 &
until curl -sf "http://127.0.0.1:$port/api/health" >/dev/null; do sleep 0.1; done
curl -sf "http://127.0.0.1:$port/api/openapi.json" >"$work/openapi.json"
cd "$work"
npx --yes @redocly/cli@2.77.0 lint --extends recommended --format stylish openapi.json
