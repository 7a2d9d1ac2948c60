#!/usr/bin/env bash
# Trigger latency: `git commit` → run recorded, and → its first job started by the embedded worker, in a running
# `catalytic serve`, over N commits (default 50), p50/p95, with the server's ref watcher alone and with
# `catalytic hook install`'s hook. One line:
#   bench/server/trigger-latency.sh [N]
# The baseline in the same run is the cost of `git commit` itself (the time it takes to return), so the ratio says how
# long after the commit returned the run was recorded. Times are read from the store (sqlite3; .NET ticks → ms).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-50}"
"$root/catalytic" version >/dev/null
bin="$root/artifacts/cli/catalytic"
work="$(mktemp -d /tmp/catalytic-trigger-bench.XXXXXX)"
trap 'if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$work"' EXIT  # (kill 0 would end this script's whole group)

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
  local lat=() started=() commit_ms=()
  local db="$state/catalytic.db" epoch=621355968000000000
  for i in $(seq 1 "$n"); do
    echo "$i" > f.txt && git add f.txt
    local t0; t0=$(now_ms)
    git commit -qm "c$i"
    local t1; t1=$(now_ms)
    local sha; sha=$(git rev-parse HEAD)
    local q="SELECT (r.created_at - $epoch) / 10000, (MIN(j.started_at) - $epoch) / 10000 FROM runs r JOIN jobs j ON j.run_id = r.id WHERE r.sha = '$sha' AND j.started_at IS NOT NULL"
    local row=""
    until row=$(sqlite3 -cmd ".timeout 5000" "$db" "$q" 2>/dev/null) && [ -n "$row" ] && [ "$row" != "|" ]; do sleep 0.01; done
    lat+=($((${row%%|*} - t0))); started+=($((${row##*|} - t0))); commit_ms+=($((t1 - t0)))
  done
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  cd "$root"
  python3 - "$1" "${lat[*]}" "${started[*]}" "${commit_ms[*]}" <<'PY'
import sys
label, lat, st, com = sys.argv[1], *(list(map(int, a.split())) for a in sys.argv[2:5])
def p(xs, q): xs = sorted(xs); return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]
print(f"{label:<22} commit→run p50 {p(lat,.5):4d} ms  p95 {p(lat,.95):4d} ms   commit→job started p50 {p(st,.5):4d} ms  p95 {p(st,.95):4d} ms"
      f"   (git commit itself p50 {p(com,.5)} ms; ratio p50 {p(st,.5)/max(1,p(com,.5)):.1f}x)  n={len(lat)}")
PY
}

measure "watcher (no hook)" nohook
measure "with the git hook" hook
