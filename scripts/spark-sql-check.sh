#!/usr/bin/env bash
# Parses every Spark translation of evals sql with a real Spark SQL grammar: the SparkSQL
# parser of npm dt-sql-parser@4.5.1 (ANTLR, from Spark's own SqlBaseParser.g4), bundled for
# node by esbuild. Over a demo store with human verdicts, so the reviews CTE is in the text.
# Needs node; .ci/run skips it, saying so, where node is absent. (DuckDB runs its own
# translations in bench: cd bench && go test -run TestSQLMatchesEvals.)
#
#   EVALS=/path/to/evals scripts/spark-sql-check.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
evals=${EVALS:-}
if [ -z "$evals" ]; then
  (cd "$here" && go build -o "$work/evals" .)
  evals="$work/evals"
fi
store="$work/store"
"$evals" demo --store "$store" >/dev/null 2>&1
for id in $("$evals" outcomes --store "$store" --status error,failed --limit 4 --json --jq '.items[].id' | tr -d '"'); do
  "$evals" annotate "$id" --verdict pass --store "$store" >/dev/null
done
n=0
q() { n=$((n + 1)); "$evals" sql "$@" --store "$store" --dialect spark >"$work/q$n.sql"; }
for question in ranking graders tools matrix; do
  q "$question"
  q "$question" --run all --by category --where difficulty=hard,medium
done
q outcomes --model gpt-5 --status failed --sort duration_ms --order desc --limit 100
q outcomes --run all --passed true --grader tests-pass --where "category=sql"
q trend --last 3
q compare latest latest~1
q compare latest latest~1 latest~2 --by category --pair gpt-5=claude-sonnet-4.5
q tables --run all
cd "$work"
npm install --silent --no-audit --no-fund dt-sql-parser@4.5.1 esbuild@0.25.12 >/dev/null 2>&1
cat >check.mjs <<'JS'
import { SparkSQL } from 'dt-sql-parser';
import { readFileSync } from 'fs';
const spark = new SparkSQL();
let bad = 0;
for (const f of process.argv.slice(2)) {
  const errs = spark.validate(readFileSync(f, 'utf8'));
  if (errs.length) { bad++; console.log('FAIL ' + f + ' ' + JSON.stringify(errs.slice(0, 3))); }
}
console.log(`spark-sql-check: ${process.argv.length - 2 - bad} of ${process.argv.length - 2} Spark texts parse`);
process.exit(bad ? 1 : 0);
JS
npx --no-install esbuild check.mjs --bundle --platform=node --format=cjs --outfile=check.cjs --log-level=warning
node check.cjs q*.sql
