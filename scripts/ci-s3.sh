#!/usr/bin/env bash
# Plays the CI workflow of docs/ci.md against a real S3 server (versitygw) on loopback:
# two runs of main are imported with labels, then two pull requests: one with a planted
# regression (the gate must exit 1) and one without (it must exit 0).
#
#   scripts/ci-s3.sh            # builds evals; needs versitygw (see .ci/run)
#   EVALS=/path/to/evals scripts/ci-s3.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
evals=${EVALS:-}
if [ -z "$evals" ]; then
  (cd "$here" && go build -o "$work/evals" .)
  evals="$work/evals"
fi
vgw=$(command -v versitygw || echo "$(go env GOPATH)/bin/versitygw")
port=$((20000 + RANDOM % 20000))
mkdir -p "$work/s3/evals-ci"
ROOT_ACCESS_KEY=ci-key ROOT_SECRET_KEY=ci-secret "$vgw" --port "127.0.0.1:$port" posix "$work/s3" >"$work/vgw.log" 2>&1 &
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
export AWS_ACCESS_KEY_ID=ci-key AWS_SECRET_ACCESS_KEY=ci-secret XDG_CACHE_HOME="$work/cache"
export EVALS_STORE="s3://evals-ci/team?endpoint=http://127.0.0.1:$port&use_path_style=true&region=us-east-1"
export GITHUB_STEP_SUMMARY="$work/summary.md"

# results NAME SEED DROP: native JSONL for 2 models × 80 stimuli × 3 trials. Trials of a
# stimulus mostly agree (its difficulty decides); DROP stimuli of model "agent-b" that pass
# on main fail here (the planted regression).
results() {
  awk -v name="$1" -v seed="$2" -v drop="$3" 'BEGIN {
    printf "{\"type\":\"run\",\"name\":\"%s\"}\n", name
    srand(seed)
    for (s = 0; s < 80; s++) for (m = 0; m < 2; m++) for (t = 0; t < 3; t++) {
      model = (m == 0) ? "agent-a" : "agent-b"
      base = ((s * 7 + m * 3) % 10) < 7            # passes on main: 70% of stimuli
      pass = base
      if (rand() < 0.03) pass = !pass              # a little trial noise
      if (m == 1 && base && s % 3 == 0 && s / 3 < drop) pass = 0
      printf "{\"stimulus\":\"task-%02d\",\"model\":\"%s\",\"trial\":%d,\"passed\":%s}\n", s, model, t, pass ? "true" : "false"
    }
  }'
}
step() { echo; echo "== $*"; }

step "main: two runs on the shared store"
results main-1 1 0 >"$work/main-1.jsonl"
results main-2 2 0 >"$work/main-2.jsonl"
"$evals" import "$work/main-1.jsonl" --label branch=main --label sha=1111111
"$evals" import "$work/main-2.jsonl" --label branch=main --label sha=2222222
"$evals" runs --label branch=main

step "PR 1: agent-b regresses on 18 stimuli; the gate must fail (exit 1)"
results pr-1 3 18 >"$work/pr-1.jsonl"
"$evals" import "$work/pr-1.jsonl" --label branch=pr-1 --label sha=3333333
set +e
"$evals" compare sha=3333333 branch=main --fail-on-regression --format markdown >>"$GITHUB_STEP_SUMMARY"
code=$?
set -e
echo "gate exit code: $code"
[ "$code" -eq 1 ] || { echo "FAIL: the planted regression did not trip the gate" >&2; exit 1; }

step "PR 2: trial noise only; the gate must pass (exit 0)"
results pr-2 4 0 >"$work/pr-2.jsonl"
"$evals" import "$work/pr-2.jsonl" --label branch=pr-2 --label sha=4444444
"$evals" compare sha=4444444 branch=main --fail-on-regression --format markdown >>"$GITHUB_STEP_SUMMARY"
echo "gate exit code: 0"

step "the same results imported twice (a retried job) land once"
"$evals" import "$work/pr-2.jsonl" --label branch=pr-2 --label sha=4444444
n=$("$evals" runs --json --jq '.items | length')
[ "$n" -eq 4 ] || { echo "FAIL: $n runs, want 4" >&2; exit 1; }

step "step summary (first lines)"
head -20 "$GITHUB_STEP_SUMMARY"
echo; echo "ci-s3: ok"
