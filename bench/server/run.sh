#!/usr/bin/env bash
# The pipeline server's benchmark, one command, each figure beside a baseline measured in the same run and the ratio
# (see bench.py's opening comment and bench/server/README.md):
#   bench/server/run.sh [RUNS=200] [JOBS=2000] [STORED=100000] [IDLE_SECONDS=30]   (BENCH_ONLY=idle,list,overhead,drain picks parts; LOG_GB=10 GiB of stored logs for the SQLite memory line)
# PostgreSQL figures too when CATALYTIC_TEST_POSTGRES is set. Trigger latency: bench/server/trigger-latency.sh [N].
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/catalytic" version >/dev/null   # builds the CLI when needed, outside the measurements
exec python3 "$root/bench/server/bench.py" "$root/artifacts/cli/catalytic" "${1:-200}" "${2:-2000}" "${3:-100000}" "${4:-30}"
