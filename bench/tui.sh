#!/usr/bin/env bash
# Time the explorer on a big store, in a real terminal (tmux): from start to the first
# screen with runs, and from enter to the run's ranking. Usage: bench/tui.sh STORE
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?store directory}
go build -o /tmp/evals-tui-bench .
ms() { date +%s%3N; }
wait_for() { # text, start
  while ! tmux capture-pane -p -t evb | grep -q -- "$1"; do sleep 0.005; done
  echo $(( $(ms) - $2 ))
}
tmux kill-session -t evb 2>/dev/null || true
start=$(ms)
tmux new -d -s evb -x 120 -y 40 "/tmp/evals-tui-bench --store $store"
echo "first screen with runs: $(wait_for '1/' $start) ms"
start=$(ms); tmux send-keys -t evb Enter
echo "run screen, ranking tab: $(wait_for 'PASS@k' $start) ms"
start=$(ms); tmux send-keys -t evb 5
echo "outcomes tab (up to 10k rows): $(wait_for 'STIMULUS' $start) ms"
start=$(ms); tmux send-keys -t evb j
sleep 0.3
tmux send-keys -t evb q
