#!/usr/bin/env bash
# bench/checks: 10,000 HTTP checks at a 60 s interval against a local server, one command.
#   baseline: the same number of bare HttpClient GETs paced by one timer (what the cheapest possible checker costs);
#   checks:   Catalytic's status service — scheduler (a timer per check), probes, every condition evaluated, the
#             monitor, alert book, metrics, results batched into SQLite with their hourly/daily summaries.
# Each runs one interval of warm-up, then measures CPU (process utime+stime) over MEASURE seconds. The target server is
# its own process, so its CPU is not counted. Prints both lines and the ratio.
# Settings: CHECKS (10000), INTERVAL (60), MEASURE (120).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
n=${CHECKS:-10000}; interval=${INTERVAL:-60}; measure=${MEASURE:-120}
work="$(mktemp -d /tmp/catalytic-bench-checks.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
dotnet build "$here/driver" -c Release -v q -clp:ErrorsOnly -o "$work/bin" >/dev/null
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
dotnet "$work/bin/Catalytic.Bench.ChecksDriver.dll" target "$port" & pids+=($!)
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
url="http://127.0.0.1:$port/health"
base=$(dotnet "$work/bin/Catalytic.Bench.ChecksDriver.dll" baseline "$url" "$n" "$interval" "$measure")
echo "$base"
checks=$(dotnet "$work/bin/Catalytic.Bench.ChecksDriver.dll" checks "$url" "$n" "$interval" "$measure" "$work/status.db")
echo "$checks"
b=$(sed -E 's/.*cpu_ms_per_check=([0-9.]+).*/\1/' <<<"$base"); c=$(sed -E 's/.*cpu_ms_per_check=([0-9.]+).*/\1/' <<<"$checks")
python3 -c "print(f'ratio (catalytic / bare HttpClient CPU per check): {float(\"$c\")/float(\"$b\"):.2f}x')"
