#!/usr/bin/env bash
# Time from a bad release's first errors to its automatic rollback, through the real edge, with a 1 s analysis
# interval: starts `catalytic serve` in a temp folder, deploys a good v1, puts 8 connections of load on the edge,
# deploys a v2 that fails half its requests, and measures from the first 5xx of v2 to the last response of v2.
# Goal: under 2 s. Prints one line: "rollback: first error -> last bad response X.XXX s (…)".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The CLI as it ships (./catalytic builds it when the sources changed), not a build output that may be stale.
"$root/catalytic" version >/dev/null
cli="$root/artifacts/cli/catalytic"
work="$(mktemp -d /tmp/catalytic-bench-rollback.XXXXXX)"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
serve_pid=""
cleanup() { [ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
cat > catalytic.yml <<EOF
apps:
  web:
    run: python3 app.py
    instances: 2
    health: { path: /healthz, interval: 200ms }
    drain: 200ms
    environments:
      production:
        listen: 127.0.0.1:$port
        strategy: blue-green
        scale-down-delay: 30s
        analysis: { interval: 1s, window: 2s, max-error-rate: 5%, failure-limit: 1, min-requests: 10 }
EOF
app='import http.server,os,random,socketserver
V=open("VERSION").read().strip(); F=float(open("FAIL").read()) if os.path.exists("FAIL") else 0
class H(http.server.BaseHTTPRequestHandler):
    protocol_version="HTTP/1.1"
    def do_GET(s):
        c=200 if s.path=="/healthz" or random.random()>=F else 500
        b=(V+"\n").encode(); s.send_response(c); s.send_header("Content-Length",str(len(b))); s.end_headers(); s.wfile.write(b)
    def log_message(s,*a): pass
class S(socketserver.ThreadingMixIn,http.server.HTTPServer): daemon_threads=True; request_queue_size=256
S(("127.0.0.1",int(os.environ["PORT"])),H).serve_forever()'
for v in v1 v2; do mkdir -p "art-$v"; echo "$app" > "art-$v/app.py"; echo "$v" > "art-$v/VERSION"; done
echo 0.5 > art-v2/FAIL
"$cli" serve >serve.log 2>&1 & serve_pid=$!
for _ in $(seq 300); do [ -f .catalytic/server.json ] && break; sleep 0.1; done
python3 - "$port" > load.txt <<'PY' &
import http.client, sys, threading, time
port = int(sys.argv[1]); stop = time.time() + 40; lock = threading.Lock(); out = []
def work():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    while time.time() < stop:
        try:
            c.request("GET", "/"); r = c.getresponse(); v = r.read().decode().strip()
            with lock: out.append((time.time(), r.status, v))
        except Exception:
            with lock: out.append((time.time(), 0, "error")); c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        time.sleep(0.002)
        if __import__("os").path.exists("stop"): break
ts = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
for t, s, v in out: print(f"{t:.4f} {s} {v.split()[0] if v.split() else '-'}")
PY
load_pid=$!
# v1 is analysed too, and analysis without traffic is inconclusive: the load runs from the start.
"$cli" deploy web --env production --artifact art-v1 --version v1 >/dev/null 2>&1 || { echo "v1 did not deploy"; cat serve.log; exit 1; }
sleep 1
set +e
"$cli" deploy web --env production --artifact art-v2 --version v2 > deploy.txt 2>deploy.err
code=$?
set -e
sleep 1; touch stop; wait "$load_pid"
cat deploy.txt
python3 - "$code" <<'PY'
import sys
rows = [(l.split() + ["", ""])[:3] for l in open("load.txt")]
bad = [float(t) for t, s, v in rows if v == "v2" and s == "500"]
v2 = [float(t) for t, s, v in rows if v == "v2"]
errors = sum(1 for r in rows if r[1] == "0")
if not bad:
    print("rollback: v2 never answered 500 (exit code %s)" % sys.argv[1]); sys.exit(1)
first, last = min(bad), max(v2)
print(f"rollback: first error -> last bad response {last - first:.3f} s (deploy exit {sys.argv[1]}, {len(rows)} requests, {len(v2)} on v2, {errors} socket errors; interval 1s, failure-limit 1; goal < 2 s)")
PY
