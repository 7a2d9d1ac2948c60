#!/usr/bin/env bash
# bench/edge: one command, one run, everything on 127.0.0.1.
#   1. requests/s and p99 with wrk: directly to a backend, through the Catalytic edge, through nginx (keepalive
#      upstream) — the same backend for all three, the same wrk settings, rounds interleaved, median reported;
#   2. CPU time per request of the proxy (edge process; nginx master + workers) over each measured wrk run, from
#      /proc/PID/stat utime+stime: robust on a shared machine where requests/s is not;
#   3. 100 route switches (every 50 ms) between two versions while wrk keeps 32 connections busy: failed requests;
#   4. the same comparison over TLS (wrk https → nginx terminating TLS, and → the edge terminating TLS), in the same
#      interleaved rounds;
#   5. WebSocket echo messages/s (mix/: WS_CONNECTIONS clients, one 64-byte message in flight each) directly and
#      through the edge, interleaved rounds, median;
#   6. DEPLOYMENTS (100) blue-green deployments through an edge under HTTP/1.1 keep-alive, HTTP/2 and WebSocket clients
#      (mix/ deployments: start the new release, switch, drain the old one for at most DRAIN_MS, stop it): failed
#      requests per protocol, and WebSockets closed by an old release before its drain ended (goal: zero for both).
# The edge driver is built like the CLI (eng/NativeHost.props: native, the same GC and runtime switches), so it
# measures the edge `catalytic serve` ships. EDGE_BUILD=jit measures the IL build on the JIT instead.
# Settings: WRK_THREADS (1), WRK_CONNECTIONS (32), WRK_DURATION (5s), ROUNDS (5), EDGE_RELAY (1; 0 = YARP only).
# EDGE_BASELINE=/path/to/another/checkout (e.g. of main) also runs that tree's edge, in the same interleaved rounds
# ("baseline"), for an A/B of a change on a shared, noisy machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
threads=${WRK_THREADS:-1}
conns=${WRK_CONNECTIONS:-32}
duration=${WRK_DURATION:-5s}
rounds=${ROUNDS:-5}

ws_conns=${WS_CONNECTIONS:-32}
deployments=${DEPLOYMENTS:-100}
drain_ms=${DRAIN_MS:-300}

command -v dotnet >/dev/null || { echo "bench/edge: the .NET SDK (dotnet) is required" >&2; exit 2; }
for tool in wrk nginx python3 openssl; do
  command -v $tool >/dev/null || { echo "bench/edge: $tool is required (as root: apt-get install -y $tool)" >&2; exit 2; }
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

edge_build=${EDGE_BUILD:-native}
log "publishing the backend and the edge driver (Release, edge $edge_build; a native build takes a few minutes)"
dotnet publish "$here/backend/Catalytic.Bench.Backend.csproj" -c Release -o "$work/backend" --nologo -v q -clp:ErrorsOnly >&2
if [ "$edge_build" = jit ]; then driver_flags=(-p:PublishAot=false); else driver_flags=(--use-current-runtime -p:PublishAot=true); fi
dotnet publish "$here/driver/Catalytic.Bench.EdgeDriver.csproj" -c Release -o "$work/driver" "${driver_flags[@]}" --nologo -v q -clp:ErrorsOnly >&2
edge_driver() {
  # exec: the background job is the edge process itself (its pid is measured and signalled).
  exec "$work/driver/Catalytic.Bench.EdgeDriver" "$@"
}
dotnet publish "$here/mix/Catalytic.Bench.EdgeMix.csproj" -c Release -o "$work/mix" --nologo -v q -clp:ErrorsOnly >&2
# One self-signed certificate for both TLS terminators (P-256, as the edge tests use).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=bench.example.com \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
baseline=${EDGE_BASELINE:-}
if [ -n "$baseline" ]; then
  log "publishing the baseline edge driver from $baseline"
  dotnet publish "$baseline/bench/edge/driver/Catalytic.Bench.EdgeDriver.csproj" -c Release -o "$work/baseline" "${driver_flags[@]}" --nologo -v q -clp:ErrorsOnly >&2
fi

backend_port=$(free_port)
"$work/backend/Catalytic.Bench.Backend" "$backend_port" blue >"$work/backend.log" 2>&1 &
pids+=($!)
wait_http "$backend_port"

edge_port=$(free_port)
edge_driver "127.0.0.1:$edge_port" "blue=http://127.0.0.1:$backend_port/" >"$work/edge.log" 2>&1 &
edge_pid=$!
pids+=($edge_pid)
wait_http "$edge_port"

edge_tls_port=$(free_port)
edge_driver "127.0.0.1:$edge_tls_port" "blue=http://127.0.0.1:$backend_port/" --tls "$work/cert.pem" "$work/key.pem" >"$work/edge-tls.log" 2>&1 &
edge_tls_pid=$!
pids+=($edge_tls_pid)
wait_https() {
  for _ in $(seq 1 200); do
    curl -kfsS -o /dev/null "https://127.0.0.1:$1/" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench/edge: nothing answers https on port $1" >&2; exit 1
}
wait_https "$edge_tls_port"

if [ -n "$baseline" ]; then
  baseline_port=$(free_port)
  "$work/baseline/Catalytic.Bench.EdgeDriver" "127.0.0.1:$baseline_port" "blue=http://127.0.0.1:$backend_port/" >"$work/baseline.log" 2>&1 &
  baseline_pid=$!
  pids+=($baseline_pid)
  wait_http "$baseline_port"
fi

nginx_port=$(free_port)
nginx_tls_port=$(free_port)
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
# The same proxying for the plain and the TLS server.
proxied='    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $proxy_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_buffering off;
    }'
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
$proxied
  }
  server {
    listen 127.0.0.1:$nginx_tls_port ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
$proxied
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
nginx_pid=$!
pids+=($nginx_pid)
wait_http "$nginx_port"
wait_https "$nginx_tls_port"

# CPU ticks (user + system) of a process and its children (nginx's workers).
cpu_ticks() {
  local total=0 p
  for p in $1 $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
    total=$((total + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

# Prints "RPS P99_MS NON2XX SOCKET_ERRORS CPU_US_PER_REQUEST" for one wrk run; $3 is the pid whose CPU is measured,
# $4 the scheme (http by default).
run_wrk() {
  local out before after
  before=$(cpu_ticks "${3:-$$}")
  out="$(wrk -t"$threads" -c"$conns" -d"$1" --latency "${4:-http}://127.0.0.1:$2/")"
  after=$(cpu_ticks "${3:-$$}")
  echo "$out" >>"$work/wrk.log"
  python3 - "$out" "$((after - before))" "$hz" <<'PY'
import re, sys
out = sys.argv[1]
ticks, hz = int(sys.argv[2]), int(sys.argv[3])
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
p99 = ms(m.group(1), m.group(2))
non2xx = int((re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out) or [0, 0])[1])
s = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
sock = sum(int(x) for x in s.groups()) if s else 0
requests = int(re.search(r"(\d+) requests in", out).group(1))
print(f"{rps:.0f} {p99:.3f} {non2xx} {sock} {ticks / hz * 1e6 / max(1, requests):.1f}")
PY
}

log "warming up (5 s each: tiered compilation of the edge finishes before anything is measured)"
for port in "$backend_port" "$edge_port" ${baseline_port:-} "$nginx_port"; do run_wrk 5s "$port" >/dev/null; done
for port in "$edge_tls_port" "$nginx_tls_port"; do run_wrk 5s "$port" "$$" https >/dev/null; done

declare -A rps p99 cpu
targets=(direct edge)
[ -n "$baseline" ] && targets+=(baseline)
targets+=(nginx edge-tls nginx-tls)
for r in $(seq 1 "$rounds"); do
  for target in "${targets[@]}"; do
    scheme=http
    case $target in
      direct) port=$backend_port; pid=${pids[0]};;
      edge-tls) port=$edge_tls_port; pid=$edge_tls_pid; scheme=https;;
      nginx-tls) port=$nginx_tls_port; pid=$nginx_pid; scheme=https;;
      edge) port=$edge_port; pid=$edge_pid;;
      baseline) port=$baseline_port; pid=$baseline_pid;;
      nginx) port=$nginx_port; pid=$nginx_pid;;
    esac
    read -r q l n s c < <(run_wrk "$duration" "$port" "$pid" "$scheme")
    log "round $r $target: $q req/s, p99 $l ms, $c µs CPU/request (non-2xx $n, socket errors $s; load $(cut -d' ' -f1 /proc/loadavg))"
    rps[$target]+="$q "; p99[$target]+="$l "; cpu[$target]+="$c "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# WebSocket echo: the same client program directly and through the (plain) edge, interleaved rounds.
declare -A wsr
ws_seconds=${duration%s}
for r in $(seq 1 "$rounds"); do
  for target in ws-direct ws-edge; do
    case $target in ws-direct) port=$backend_port;; ws-edge) port=$edge_port;; esac
    m=$("$work/mix/Catalytic.Bench.EdgeMix" ws-echo "ws://127.0.0.1:$port/ws" "$ws_conns" "$ws_seconds" | awk '/messages\/s/ {print $2}')
    log "round $r $target: $m messages/s ($ws_conns WebSockets; load $(cut -d' ' -f1 /proc/loadavg))"
    wsr[$target]+="$m "
  done
done

log "$deployments blue-green deployments under HTTP/1.1, HTTP/2 and WebSocket clients (drain at most $drain_ms ms)"
"$work/mix/Catalytic.Bench.EdgeMix" deployments "$deployments" "$drain_ms" >"$work/deployments.log" 2>&1 || true

# 100 switches under load: a second version on its own backend; the driver flips weights every 50 ms.
green_port=$(free_port)
"$work/backend/Catalytic.Bench.Backend" "$green_port" green >"$work/green.log" 2>&1 &
pids+=($!)
wait_http "$green_port"
switch_port=$(free_port)
edge_driver "127.0.0.1:$switch_port" "blue=http://127.0.0.1:$backend_port/" \
  "green=http://127.0.0.1:$green_port/" --switches 100 --interval-ms 50 --delay-ms 1500 >"$work/switch.log" 2>&1 &
switch_pid=$!
pids+=($switch_pid)
wait_http "$switch_port"
log "100 switches under load (wrk -c$conns for 9 s, switching every 50 ms after 1.5 s)"
read -r sq sl sn ss _ < <(run_wrk 9s "$switch_port")
kill -TERM "$switch_pid"; wait "$switch_pid" || true

d_rps=$(echo "${rps[direct]}" | median); d_p99=$(echo "${p99[direct]}" | median); d_cpu=$(echo "${cpu[direct]}" | median)
e_rps=$(echo "${rps[edge]}" | median);   e_p99=$(echo "${p99[edge]}" | median);   e_cpu=$(echo "${cpu[edge]}" | median)
n_rps=$(echo "${rps[nginx]}" | median);  n_p99=$(echo "${p99[nginx]}" | median);  n_cpu=$(echo "${cpu[nginx]}" | median)
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

echo
echo "bench/edge — wrk -t$threads -c$conns -d$duration on 127.0.0.1, median of $rounds interleaved rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %12s %10s %18s\n' "path" "requests/s" "p99 (ms)" "CPU µs/request"
printf '%-28s %12s %10s %18s\n' "direct to backend" "$d_rps" "$d_p99" "$d_cpu (backend)"
printf '%-28s %12s %10s %18s\n' "through Catalytic edge" "$e_rps" "$e_p99" "$e_cpu (edge)"
printf '%-28s %12s %10s %18s\n' "through nginx (keepalive)" "$n_rps" "$n_p99" "$n_cpu (nginx)"
echo "edge/nginx: throughput $(ratio "$e_rps" "$n_rps")x, p99 $(ratio "$e_p99" "$n_p99")x, CPU/request $(ratio "$e_cpu" "$n_cpu")x"
et_rps=$(echo "${rps[edge-tls]}" | median); et_p99=$(echo "${p99[edge-tls]}" | median); et_cpu=$(echo "${cpu[edge-tls]}" | median)
nt_rps=$(echo "${rps[nginx-tls]}" | median); nt_p99=$(echo "${p99[nginx-tls]}" | median); nt_cpu=$(echo "${cpu[nginx-tls]}" | median)
printf '%-28s %12s %10s %18s\n' "TLS: Catalytic edge" "$et_rps" "$et_p99" "$et_cpu (edge)"
printf '%-28s %12s %10s %18s\n' "TLS: nginx" "$nt_rps" "$nt_p99" "$nt_cpu (nginx)"
echo "TLS edge/nginx: throughput $(ratio "$et_rps" "$nt_rps")x, p99 $(ratio "$et_p99" "$nt_p99")x, CPU/request $(ratio "$et_cpu" "$nt_cpu")x"
wd=$(echo "${wsr[ws-direct]}" | median); we=$(echo "${wsr[ws-edge]}" | median)
echo "WebSocket echo ($ws_conns connections): direct $wd messages/s, through the edge $we messages/s, edge/direct $(ratio "$we" "$wd")x"
if [ -n "$baseline" ]; then
  b_rps=$(echo "${rps[baseline]}" | median); b_p99=$(echo "${p99[baseline]}" | median); b_cpu=$(echo "${cpu[baseline]}" | median)
  printf '%-28s %12s %10s %18s\n' "baseline edge ($baseline)" "$b_rps" "$b_p99" "$b_cpu (edge)"
  echo "baseline/nginx: throughput $(ratio "$b_rps" "$n_rps")x, p99 $(ratio "$b_p99" "$n_p99")x, CPU/request $(ratio "$b_cpu" "$n_cpu")x"
  echo "edge/baseline: throughput $(ratio "$e_rps" "$b_rps")x, p99 $(ratio "$e_p99" "$b_p99")x, CPU/request $(ratio "$e_cpu" "$b_cpu")x"
fi
echo "switches under load: $(grep -oE 'switches done: [0-9]+' "$work/switch.log" | grep -oE '[0-9]+') switches, $sq req/s, non-2xx $sn, socket errors $ss"
grep '^version' "$work/switch.log" | sed 's/^/  /'
echo "blue-green deployments under mixed clients:"
sed 's/^/  /' "$work/deployments.log"
