#!/usr/bin/env bash
# The dashboard's pages against a big store: 10,000 deployments (each with its events, analysis checks and an
# approval) and 20,000 audit entries in SQLite, then each page's HTML and the JSON it draws, 300 requests each
# after a warm-up, signed in as a browser is (session cookie). Prints p50/p95 per URL and the ratio to
# /api/health measured in the same run (the baseline: the server's cheapest answer).
#   bench/dashboard/run.sh            # uses the IL build (dotnet build src/Catalytic.Cli -c Release first)
#   CATALYTIC="./catalytic" bench/dashboard/run.sh   # the native binary
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
catalytic=${CATALYTIC:-"dotnet $root/src/Catalytic.Cli/bin/Release/net10.0/catalytic.dll"}
deployments=${DEPLOYMENTS:-10000}
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
start
python3 "$root/bench/dashboard/measure.py" "$work/.catalytic" "$deployments"
