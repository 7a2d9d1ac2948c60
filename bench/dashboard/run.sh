#!/usr/bin/env bash
# The dashboard's pages against a big store: 10,000 deployments (each with its events, analysis checks and an
# approval) and 20,000 audit entries in SQLite, then each page's HTML and the JSON it draws, 300 requests each
# after a warm-up, signed in as a browser is (session cookie). Prints p50/p95 per URL and the ratio to
# /api/health measured in the same run (the baseline: the server's cheapest answer). Then the runs pages against
# 100,000 runs (3 jobs each, with their logs) and a run with a 200,000-line log: the Runs page and its API (first page,
# filtered pages, the page after 50,000 runs), the store's list queries with and without the runs indexes (runs_plan.py),
# and the run page with the big log in Chromium (logpage.cjs: first rows drawn, whole log held, JS heap) against a
# run of 6 lines in the same run.
#   bench/dashboard/run.sh            # uses the IL build (dotnet build src/Catalytic.Cli -c Release first)
#   RUNS=0 bench/dashboard/run.sh     # the deployments only
#   CATALYTIC="./catalytic" bench/dashboard/run.sh   # the native binary
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
catalytic=${CATALYTIC:-"dotnet $root/src/Catalytic.Cli/bin/Release/net10.0/catalytic.dll"}
deployments=${DEPLOYMENTS:-10000}
runs=${RUNS:-100000}
big_log=${BIG_LOG:-200000}
work="$(mktemp -d /tmp/catalytic-bench-dashboard.XXXXXX)"
serve_pid=""
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

{
  echo "apps:"
  for a in api web worker billing search; do
    echo "  $a:"
    echo "    run: python3 app.py"
    echo "    environments:"
    echo "      staging: { listen: 127.0.0.1:$(port) }"
    echo "      production: { listen: 127.0.0.1:$(port), approval: required, strategy: blue-green }"
  done
} > "$work/catalytic.yml"

start() {
  rm -f "$work/.catalytic/server.json"
  (cd "$work" && exec $catalytic serve) >"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 600); do [ -f "$work/.catalytic/server.json" ] && return; sleep 0.2; done
  cat "$work/serve.log"; echo "serve did not start" >&2; exit 1
}
stop() { kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=""; }

start; stop   # creates the schema and the initial admin
python3 "$root/bench/dashboard/fill.py" "$work/.catalytic/catalytic.db" "$deployments"
python3 "$root/bench/dashboard/plan.py" "$work/.catalytic/catalytic.db"   # the list query with and without its index
if [ "$runs" -gt 0 ]; then
  big_run=$(python3 "$root/bench/dashboard/fill_runs.py" "$work/.catalytic/catalytic.db" "$runs" "$big_log")
  python3 "$root/bench/dashboard/runs_plan.py" "$work/.catalytic/catalytic.db"   # the runs queries with and without the runs indexes
fi
start
python3 "$root/bench/dashboard/measure.py" "$work/.catalytic" "$deployments"
if [ "$runs" -gt 0 ]; then
  python3 "$root/bench/dashboard/measure_runs.py" "$work/.catalytic" "$runs" "$big_run"
  # playwright-core as Microsoft.Playwright's NuGet package carries it (restored by tests/Catalytic.Dashboard.Tests), with its node.
  pw=$(ls -d "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/microsoft.playwright/*/.playwright 2>/dev/null | sort -V | tail -1)
  if [ -n "$pw" ]; then
    url=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["url"])' "$work/.catalytic/server.json")
    "$pw/node/linux-x64/node" "$root/bench/dashboard/logpage.cjs" "$pw/package" "$url" "$(cat "$work/.catalytic/initial-admin-password")" \
      "$big_run" "$big_log" "$((runs / 2))"
  else
    echo "logpage: Microsoft.Playwright's package is not restored (dotnet restore tests/Catalytic.Dashboard.Tests); the browser figures are skipped" >&2
  fi
fi
