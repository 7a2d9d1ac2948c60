"""The runs pages against a store of N runs: signs in as the initial admin and times the Runs page, its API (the first
page, filtered pages, the page after 50,000 runs through `before`), a run's page and JSON, 30 warm-up requests then
300 timed each on one keep-alive connection; then the whole 200,000-line log of run BIG as the run page reads it
(GET …/logs?batch=true, Server-Sent Events), 5 times. Prints p50/p95 and the ratio to /api/health's p95.
Usage: measure_runs.py STATE_DIR N BIG_RUN_ID"""
import http.client, json, sys, time
from timing import Session, pct

state, n, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
session = Session(state)
host, port, cookie = session.host, session.port, session.cookie
mid = n // 2
urls = ["/api/health", "/runs", "/api/runs?limit=100",
        "/api/runs?limit=100&repo=shop", "/api/runs?limit=100&branch=release/2.0", "/api/runs?limit=100&status=failure",
        "/api/runs?limit=100&status=in_progress", "/api/runs?limit=100&repo=docs&branch=fix/login&status=cancelled",
        f"/api/runs?limit=100&before={mid}", f"/api/runs?limit=100&repo=api&status=success&before={mid}",
        f"/runs/{mid}", f"/api/runs/{mid}", "/workers", "/api/workers"]


rows = []
for u in urls:
    session.timed(u, 30)
    xs, data = session.timed(u, 300)
    shown = len(json.loads(data)) if u.startswith("/api/runs?") else ""
    rows.append((u, pct(xs, 0.5), pct(xs, 0.95), len(data), shown))
base = rows[0][2]
print(f"{'url':64} {'p50 ms':>8} {'p95 ms':>8} {'x health':>9} {'bytes':>8} {'runs':>5}")
for u, p50, p95, size, shown in rows:
    print(f"{u:64} {p50:8.2f} {p95:8.2f} {p95 / base:9.1f} {size:8d} {shown:>5}")
worst = max(rows[1:], key=lambda r: r[2])
print(f"runs: {n} runs; slowest p95 {worst[2]:.1f} ms ({worst[0]}); limit 100 ms: {'ok' if worst[2] < 100 else 'OVER'}")

# The big log, as the run page reads it: the first event (what the view can draw first) and the whole log.
for fmt in ("batch=true", ""):
    firsts, wholes, size, lines = [], [], 0, 0
    for _ in range(5):
        c = http.client.HTTPConnection(host, int(port), timeout=600)
        start = time.perf_counter()
        c.request("GET", f"/api/runs/{big}/jobs/build/logs?{fmt}", headers={"Cookie": cookie, "Accept": "text/event-stream"})
        resp = c.getresponse()
        assert resp.status == 200, resp.status
        first, size, lines, tail = None, 0, 0, b""
        while chunk := resp.read1(65536):
            if first is None:
                first = (time.perf_counter() - start) * 1000
            size += len(chunk)
            # Counted across read boundaries: a marker cut in two is counted once, in the joined text.
            joined = tail + chunk
            lines += joined.count(b'"text":')
            tail = joined[-6:] if not joined.endswith(b'"text":') else b""
        wholes.append((time.perf_counter() - start) * 1000); firsts.append(first)
        c.close()
    print(f"log of run {big} ({fmt or 'one event per line'}): {lines} lines, {size / 1e6:.1f} MB; first bytes p50 {pct(firsts, 0.5):.0f} ms, "
          f"whole log p50 {pct(wholes, 0.5):.0f} ms (max {max(wholes):.0f} ms)")
