#!/usr/bin/env bash
# Engine benchmark, one command: per-step overhead vs bash, a 100-job graph vs make -j, and the wall time of
# `./catalytic run` on a one-step workflow. Prints the figures and the ratios against the goals.
#   usage: bench/engine/run.sh [STEPS=100] [JOBS=100] [PARALLEL=8]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
steps=${1:-100}; jobs=${2:-100}; par=${3:-8}
cat="$root/catalytic"
"$cat" version >/dev/null   # builds the CLI when needed, outside the measurements
work="$(mktemp -d /tmp/catalytic-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@x GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@x
git init -q -b main . && git commit -q --allow-empty -m one && git commit -q --allow-empty -m two
mkdir -p wf

now() { date +%s%N; }
ms() { echo "scale=1; ($2 - $1) / 1000000" | bc; }
best_of() { # best_of N command... -> best wall ms
  local n=$1; shift; local best=""
  for _ in $(seq "$n"); do
    local a b; a=$(now); "$@" >/dev/null 2>&1 || { echo "bench: '$*' failed" >&2; "$@" | tail -20 >&2; exit 1; }; b=$(now)
    local t; t=$(ms "$a" "$b"); if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done; echo "$best"
}

# ---- 1. per-step overhead ---------------------------------------------------------------------------
{ echo "on: push"; echo "jobs:"; echo "  many:"; echo "    runs-on: ubuntu-latest"; echo "    steps:"
  for i in $(seq "$steps"); do echo "      - run: echo step $i"; done; } > wf/steps.yml
printf 'on: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo step 1\n' > wf/one.yml
t_many=$(best_of 3 "$cat" run -W wf/steps.yml)
t_one=$(best_of 3 "$cat" run -W wf/one.yml)
bash_steps() { for i in $(seq "$steps"); do f="$work/s$i.sh"; echo "echo step $i" > "$f"; bash -e "$f"; done; }
t_bash=$(best_of 3 bash_steps)
per_cat=$(echo "scale=3; ($t_many - $t_one) / ($steps - 1)" | bc)
per_bash=$(echo "scale=3; $t_bash / $steps" | bc)
overhead=$(echo "scale=3; $per_cat - $per_bash" | bc)

# ---- 2. 100-job graph vs make -j ----------------------------------------------------------------------
python3 - "$jobs" <<'PY'
import random, sys
n = int(sys.argv[1]); random.seed(7)
deps = {i: sorted(random.sample(range(i), min(i, random.randint(0, 2)))) for i in range(n)}
sleep = {i: 0.05 + (i % 5) * 0.02 for i in range(n)}
with open("wf/graph.yml", "w") as w:
    w.write("on: push\njobs:\n")
    for i in range(n):
        w.write(f"  j{i}:\n    runs-on: ubuntu-latest\n")
        if deps[i]: w.write(f"    needs: [{', '.join('j%d' % d for d in deps[i])}]\n")
        w.write(f"    steps:\n      - run: sleep {sleep[i]:.2f}\n")
with open("Makefile", "w") as m:
    m.write("all: " + " ".join(f"j{i}" for i in range(n)) + "\n")
    for i in range(n):
        m.write(f"j{i}: {' '.join('j%d' % d for d in deps[i])}\n\t@sleep {sleep[i]:.2f}\n")
    m.write(".PHONY: all " + " ".join(f"j{i}" for i in range(n)) + "\n")
PY
# The same graph with every step through bash (a comment makes a script more than a plain command, which Catalytic
# otherwise execs directly, as make does): what bash's start-up costs on the graph.
sed 's/^\(      - run: sleep .*\)$/\1  # through bash/' wf/graph.yml > wf/graph-bash.yml
t_make=$(best_of 3 make -s -j"$par")
t_graph=$(best_of 3 "$cat" run -W wf/graph.yml --max-parallel "$par")
t_graph_bash=$(best_of 3 "$cat" run -W wf/graph-bash.yml --max-parallel "$par")
"$cat" run -W wf/graph.yml --max-parallel "$par" --json "$work/graph.json" >/dev/null 2>&1
t_engine=$(python3 -c 'import json,sys;print(round(json.load(open(sys.argv[1]))["durationMs"],1))' "$work/graph.json")

# ---- 3. wall time of a one-step workflow --------------------------------------------------------------
echo 'echo step 1' > "$work/one.sh"
if command -v hyperfine >/dev/null; then
  hyperfine -N -w 3 -r 15 --export-json "$work/hf.json" "$cat run -W $work/wf/one.yml" "bash -e $work/one.sh" >/dev/null 2>&1
  read -r h_cat h_bash < <(python3 -c 'import json,sys;r=json.load(open(sys.argv[1]))["results"];print(round(r[0]["mean"]*1000,1), round(r[1]["mean"]*1000,1))' "$work/hf.json")
else
  h_cat=$(best_of 10 "$cat" run -W "$work/wf/one.yml"); h_bash=$(best_of 10 bash -e "$work/one.sh")
fi
beyond=$(echo "scale=1; $h_cat - $h_bash" | bc)

verdict() { if [ "$(echo "scale=3; $1" | bc)" = 1 ]; then echo "ok"; else echo "MISSED"; fi; }
printf '\n%-44s %s\n' "measure" "figure (goal)"
printf '%-44s %s ms/step catalytic, %s ms/step bash → overhead %s ms/step (< 3: %s)\n' "per-step overhead ($steps steps)" "$per_cat" "$per_bash" "$overhead" "$(verdict "$overhead < 3")"
printf '%-44s make -j%s %s ms, catalytic %s ms wall (%s ms in the engine) → %.2fx wall, %.2fx engine (≤ 1.1: %s)\n' "$jobs-job graph of sleeps" "$par" "$t_make" "$t_graph" "$t_engine" "$(echo "$t_graph / $t_make" | bc -l)" "$(echo "$t_engine / $t_make" | bc -l)" "$(verdict "$t_graph / $t_make <= 1.1")"
printf '%-44s catalytic %s ms wall → %.2fx make (informational: bash starts for each job)\n' "  the same, every step through bash" "$t_graph_bash" "$(echo "$t_graph_bash / $t_make" | bc -l)"
printf '%-44s %s ms vs the step alone %s ms → %s ms beyond the step (< 150: %s)\n' "./catalytic run, one-step workflow" "$h_cat" "$h_bash" "$beyond" "$(verdict "$beyond < 150")"
