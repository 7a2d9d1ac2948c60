#!/usr/bin/env bash
# Starts the published service from ARTIFACT_DIR on a free loopback port, runs the end-to-end checks and the
# load test against it, and stops it whatever happens. One script so the service never outlives the step.
# Usage: run_artifact_checks.sh ARTIFACT_DIR REPORT_DIR [EXPECTED_VERSION]
set -euo pipefail
artifact="$(cd "$1" && pwd)"; reports="$2"; expected="${3:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$reports"
port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

(cd "$artifact" && PORT="$port" exec dotnet Lattice.Api.dll) >"$reports/service.log" 2>&1 </dev/null &
pid=$!
stop() {
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
trap stop EXIT

started=$(date +%s.%N)
for _ in $(seq 150); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$pid" 2>/dev/null || { echo "the service exited during start:"; cat "$reports/service.log"; exit 1; }
  sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null || { echo "the service did not become healthy within 15 s"; cat "$reports/service.log"; exit 1; }
echo "service from $artifact healthy on $base after $(python3 -c "print(round($(date +%s.%N) - $started, 2))") s"

args=("$base" --report "$reports/e2e.json")
[ -n "$expected" ] && args+=(--expect-version "$expected")
python3 "$here/e2e.py" "${args[@]}"
python3 "$here/load_test.py" "$base" --seconds "${LOAD_SECONDS:-5}" --concurrency "${LOAD_CONCURRENCY:-8}" \
  --p95-ms "${LOAD_P95_MS:-100}" --p99-ms "${LOAD_P99_MS:-250}" --report "$reports/load.json"
