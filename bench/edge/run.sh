#!/usr/bin/env bash
# bench/edge: one command, one run, everything on 127.0.0.1.
#   1. requests/s and p99 with wrk: directly to a backend, through the Catalytic edge, through nginx (keepalive
#      upstream) — the same backend for all three, the same wrk settings, rounds interleaved, median reported;
#   2. 100 route switches (every 50 ms) between two versions while wrk keeps 32 connections busy: failed requests.
# Settings: WRK_THREADS (1), WRK_CONNECTIONS (32), WRK_DURATION (5s), ROUNDS (3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
threads=${WRK_THREADS:-1}
conns=${WRK_CONNECTIONS:-32}
duration=${WRK_DURATION:-5s}
rounds=${ROUNDS:-3}

for tool in wrk nginx dotnet python3; do
  command -v $tool >/dev/null || { echo "bench/edge: $tool is required" >&2; exit 2; }
done

work="$(mktemp -d /tmp/catalytic-bench-edge.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_http() {
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench/edge: nothing answers on port $1" >&2; exit 1
}

log "publishing backend and edge driver (Release)"
dotnet publish "$here/backend/Catalytic.Bench.Backend.csproj" -c Release -o "$work/backend" --nologo -v q -clp:ErrorsOnly >&2
dotnet publish "$here/driver/Catalytic.Bench.EdgeDriver.csproj" -c Release -o "$work/driver" --nologo -v q -clp:ErrorsOnly >&2

# The same runtime settings for every .NET process: workstation non-concurrent GC (2 cores shared with wrk and
# nginx), tiered PGO on, quick JIT for loops.
export DOTNET_TieredPGO=1 DOTNET_TC_QuickJitForLoops=1 DOTNET_ReadyToRun=1

backend_port=$(free_port)
"$work/backend/Catalytic.Bench.Backend" "$backend_port" blue >"$work/backend.log" 2>&1 &
pids+=($!)
wait_http "$backend_port"

edge_port=$(free_port)
"$work/driver/Catalytic.Bench.EdgeDriver" "127.0.0.1:$edge_port" "blue=http://127.0.0.1:$backend_port/" >"$work/edge.log" 2>&1 &
pids+=($!)
wait_http "$edge_port"

nginx_port=$(free_port)
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$proxy_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_buffering off;
    }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
pids+=($!)
wait_http "$nginx_port"

# Prints "RPS P99_MS NON2XX SOCKET_ERRORS" for one wrk run.
run_wrk() {
  local out
  out="$(wrk -t"$threads" -c"$conns" -d"$1" --latency "http://127.0.0.1:$2/")"
  echo "$out" >>"$work/wrk.log"
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
p99 = ms(m.group(1), m.group(2))
non2xx = int((re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out) or [0, 0])[1])
s = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
sock = sum(int(x) for x in s.groups()) if s else 0
print(f"{rps:.0f} {p99:.3f} {non2xx} {sock}")
PY
}

log "warming up (2 s each)"
for port in "$backend_port" "$edge_port" "$nginx_port"; do run_wrk 2s "$port" >/dev/null; done

declare -A rps p99
for r in $(seq 1 "$rounds"); do
  for target in direct edge nginx; do
    case $target in direct) port=$backend_port;; edge) port=$edge_port;; nginx) port=$nginx_port;; esac
    read -r q l n s < <(run_wrk "$duration" "$port")
    log "round $r $target: $q req/s, p99 $l ms (non-2xx $n, socket errors $s)"
    rps[$target]+="$q "; p99[$target]+="$l "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# 100 switches under load: a second version on its own backend; the driver flips weights every 50 ms.
green_port=$(free_port)
"$work/backend/Catalytic.Bench.Backend" "$green_port" green >"$work/green.log" 2>&1 &
pids+=($!)
wait_http "$green_port"
switch_port=$(free_port)
"$work/driver/Catalytic.Bench.EdgeDriver" "127.0.0.1:$switch_port" "blue=http://127.0.0.1:$backend_port/" \
  "green=http://127.0.0.1:$green_port/" --switches 100 --interval-ms 50 --delay-ms 1500 >"$work/switch.log" 2>&1 &
switch_pid=$!
pids+=($switch_pid)
wait_http "$switch_port"
log "100 switches under load (wrk -c$conns for 9 s, switching every 50 ms after 1.5 s)"
read -r sq sl sn ss < <(run_wrk 9s "$switch_port")
kill -TERM "$switch_pid"; wait "$switch_pid" || true

d_rps=$(echo "${rps[direct]}" | median); d_p99=$(echo "${p99[direct]}" | median)
e_rps=$(echo "${rps[edge]}" | median);   e_p99=$(echo "${p99[edge]}" | median)
n_rps=$(echo "${rps[nginx]}" | median);  n_p99=$(echo "${p99[nginx]}" | median)
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

echo
echo "bench/edge — wrk -t$threads -c$conns -d$duration on 127.0.0.1, median of $rounds interleaved rounds, $(nproc) cores"
printf '%-28s %12s %10s\n' "path" "requests/s" "p99 (ms)"
printf '%-28s %12s %10s\n' "direct to backend" "$d_rps" "$d_p99"
printf '%-28s %12s %10s\n' "through Catalytic edge" "$e_rps" "$e_p99"
printf '%-28s %12s %10s\n' "through nginx (keepalive)" "$n_rps" "$n_p99"
echo "edge/nginx: throughput $(ratio "$e_rps" "$n_rps")x, p99 $(ratio "$e_p99" "$n_p99")x"
echo "switches under load: $(grep -oE 'switches done: [0-9]+' "$work/switch.log" | grep -oE '[0-9]+') switches, $sq req/s, non-2xx $sn, socket errors $ss"
grep '^version' "$work/switch.log" | sed 's/^/  /'
