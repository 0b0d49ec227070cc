#!/bin/bash
# Walk the explorer over a one-run 1M store (bench gen-store -runs 1 -n 1000000) in tmux at
# W×H, timing each step from the key to its screen: bench/walk.sh 80 24; bench/walk.sh 160 48
W=$1 H=$2; S=walk$W
tmux kill-session -t $S 2>/dev/null
tmux new-session -d -s $S -x $W -y $H "${EVALS:-/tmp/evals} tui --store ${STORE:-/tmp/s1run}"
wait_for() { # pattern, label
  local s=$(date +%s%N)
  for i in $(seq 600); do tmux capture-pane -p -t $S | grep -q -- "$1" && break; sleep 0.02; done
  echo "$2: $(( ($(date +%s%N)-s)/1000000 )) ms"
}
wait_for "run0000" "runs list"
tmux send-keys -t $S Enter; wait_for "PASS" "run (ranking)"
tmux send-keys -t $S 5; wait_for "of 999,984\|of 999984" "outcomes tab (first 10,000 of 999,984)"
tmux send-keys -t $S "/"; tmux send-keys -t $S "task-03333"; tmux send-keys -t $S Enter; wait_for "task-03333 .*model\|filter: task-03333 · 1/" "filter to one stimulus"
tmux capture-pane -p -t $S | grep "filter:" 
tmux send-keys -t $S l l l l l s; wait_for "DURATION↓\|DURATION ↓" "sort by duration"
tmux send-keys -t $S "/" C-u Enter; sleep 0.5; tmux send-keys -t $S 4; wait_for "STIMULUS .*model" "matrix tab"
tmux send-keys -t $S l Enter; wait_for "model=model-0 stimulus=task-00000" "matrix cell opened (its outcomes)"
tmux capture-pane -p -t $S | sed -n 1,6p
tmux send-keys -t $S Escape; sleep 0.3; tmux send-keys -t $S Escape; sleep 0.3; tmux send-keys -t $S Escape; sleep 0.5; tmux send-keys -t $S T; wait_for "Pass rate over" "trend"
tmux capture-pane -p -t $S | sed -n 1,6p
tmux kill-session -t $S
