#!/usr/bin/env bash
# Trigger latency: `git commit` → RunRequest submitted by a running `catalytic serve`, over N commits (default 50),
# p50/p95, with the server's ref watcher alone and with `catalytic hook install`'s hook. One line:
#   bench/server/trigger-latency.sh [N]
# The baseline in the same run is the cost of `git commit` itself (the time it takes to return), so the ratio says how
# long after the commit returned the run was recorded. "First step started" needs the run queue and comes with it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-50}"
"$root/catalytic" version >/dev/null
bin="$root/artifacts/cli/catalytic"
work="$(mktemp -d /tmp/catalytic-trigger-bench.XXXXXX)"
trap 'kill "${server:-0}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

now_ms() { date +%s%3N; }

measure() { # $1: label, $2: hook|nohook
  local repo="$work/$2" state="$work/$2/.catalytic"
  mkdir -p "$repo/.github/workflows" && cd "$repo"
  git init -q -b main && git config user.email b@example.com && git config user.name bench
  printf 'on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n' > .github/workflows/ci.yml
  # serve needs an application until catalytic.yml's sections land (apps: is then optional).
  printf 'apps:\n  web:\n    run: sleep 600\n    environments:\n      prod: { listen: "127.0.0.1:%s" }\n' "$((20000 + RANDOM % 20000))" > catalytic.yml
  echo .catalytic/ > .gitignore && git add -A && git commit -qm init
  "$bin" serve --state "$state" >"$work/$2.log" 2>&1 &
  server=$!
  until [ -f "$state/server.json" ] && grep -q "runs recorded" "$work/$2.log"; do kill -0 "$server" 2>/dev/null || { cat "$work/$2.log" >&2; exit 1; }; sleep 0.05; done
  sleep 1 # the first scan adopts the repository as it is
  if [ "$2" = hook ]; then "$bin" hook install --state "$state" >/dev/null; fi
  local lat=() commit_ms=()
  for i in $(seq 1 "$n"); do
    echo "$i" > f.txt && git add f.txt
    local t0; t0=$(now_ms)
    git commit -qm "c$i"
    local t1; t1=$(now_ms)
    local sha; sha=$(git rev-parse HEAD)
    until grep -q "\"sha\":\"$sha\"" "$state/run-requests.jsonl" 2>/dev/null; do sleep 0.01; done
    local at; at=$(grep "\"sha\":\"$sha\"" "$state/run-requests.jsonl" | sed -E 's/.*"submitted_at":"([^"]+)".*/\1/')
    local t2; t2=$(date -d "$at" +%s%3N)
    lat+=($((t2 - t0))); commit_ms+=($((t1 - t0)))
  done
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  cd "$root"
  python3 - "$1" "${lat[*]}" "${commit_ms[*]}" <<'PY'
import statistics, sys
label, lat, com = sys.argv[1], list(map(int, sys.argv[2].split())), list(map(int, sys.argv[3].split()))
def p(xs, q): xs = sorted(xs); return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]
print(f"{label:<22} commit→run p50 {p(lat,.5):4d} ms  p95 {p(lat,.95):4d} ms   (git commit itself p50 {p(com,.5)} ms; ratio p50 {p(lat,.5)/max(1,p(com,.5)):.1f}x)  n={len(lat)}")
PY
}

measure "watcher (no hook)" nohook
measure "with the git hook" hook
