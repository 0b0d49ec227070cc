#!/usr/bin/env bash
# Speaks to evals mcp with a second client, the official MCP Inspector CLI (npm
# @modelcontextprotocol/inspector@2.12.0): over stdio it lists the tools and calls ranking
# and compare on the demo store; over HTTP it lists the tools of evals serve's /mcp.
# Needs node; .ci/run skips it, saying so, where node is absent.
#
#   scripts/mcp-inspector.sh                 # builds evals
#   EVALS=/path/to/evals scripts/mcp-inspector.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
evals=${EVALS:-}
if [ -z "$evals" ]; then
  (cd "$here" && go build -o "$work/evals" .)
  evals="$work/evals"
fi
export XDG_CACHE_HOME="$work/cache"
"$evals" --demo runs >/dev/null # the demo store, written once into the cache
inspector() { (cd "$work" && npx --yes @modelcontextprotocol/inspector@2.12.0 --cli "$@" 2>"$work/npx.log") || { cat "$work/npx.log" >&2; exit 1; }; }
check() { # check FILE PYTHON-EXPRESSION MESSAGE
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"d": d, "json": json})
print(("ok   " if ok else "FAIL ") + sys.argv[3])
sys.exit(0 if ok else 1)
PY
}
inspector "$evals" --demo mcp --method tools/list >"$work/list.json"
check "$work/list.json" 'len(d["tools"]) == 15 and all(t.get("outputSchema") for t in d["tools"])' "stdio: tools/list names 15 tools, each with an output schema"
echo "     tools/list is $(python3 -c 'import json,sys; print(len(json.dumps(json.load(open(sys.argv[1])), separators=(",", ":"))))' "$work/list.json") bytes"
inspector "$evals" --demo mcp --method tools/call --tool-name ranking >"$work/ranking.json"
"$evals" --demo ranking --json >"$work/ranking-cli.json"
check "$work/ranking.json" 'd["structuredContent"] == json.load(open("'"$work/ranking-cli.json"'")) and not d.get("isError")' "stdio: ranking equals evals ranking --json"
inspector "$evals" --demo mcp --method tools/call --tool-name compare --tool-arg 'runs=["latest","latest~1"]' --tool-arg maxItems=0 >"$work/compare.json"
"$evals" --demo compare latest latest~1 --json >"$work/compare-cli.json"
check "$work/compare.json" 'd["structuredContent"] == json.load(open("'"$work/compare-cli.json"'"))' "stdio: compare equals evals compare latest latest~1 --json"
port=$((20000 + RANDOM % 20000))
"$evals" serve --demo --port "$port" >"$work/serve.log" 2>&1 &
until curl -sf "http://127.0.0.1:$port/api/health" >/dev/null; do sleep 0.1; done
inspector "http://127.0.0.1:$port/mcp" --transport http --method tools/list >"$work/http-list.json"
check "$work/http-list.json" 'len(d["tools"]) == 15' "http: /mcp of evals serve lists 15 tools"
