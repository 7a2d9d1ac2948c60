"""Signs in as the initial admin and times each dashboard URL (HTML and JSON), sequentially on one keep-alive
connection: 30 warm-up requests, then 300 timed. Prints p50/p95 and the ratio of p95 to /api/health's p95."""
import http.client, json, os, sys, time

state, n = sys.argv[1], int(sys.argv[2])
url = json.load(open(os.path.join(state, "server.json")))["url"]
host, port = url.split("//")[1].strip("/").split(":")
password = open(os.path.join(state, "initial-admin-password")).read().strip()
conn = http.client.HTTPConnection(host, int(port))
conn.request("POST", "/api/session", json.dumps({"user": "admin", "password": password}), {"Content-Type": "application/json"})
r = conn.getresponse(); body = r.read()
assert r.status == 200, (r.status, body)
cookie = r.getheader("Set-Cookie").split(";")[0]
mid = f"d-bench-{n // 2:06d}"
urls = ["/api/health", "/sign-in", "/deployments", "/api/dashboard/deployments?limit=50", f"/deployments/{mid}",
        f"/api/dashboard/deployments/{mid}", "/apps/web/environments/production/logs", "/settings", "/api/users", "/api/tokens",
        "/api/audit?limit=200", "/assets/app.js"]

def timed(path, count):
    out = []
    for _ in range(count):
        start = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie, "Accept": "*/*"})
        resp = conn.getresponse(); data = resp.read()
        out.append((time.perf_counter() - start) * 1000)
        assert resp.status == 200, (path, resp.status, data[:300])
    return out, len(data)

def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(len(xs) * p))]

rows = []
for u in urls:
    timed(u, 30)
    xs, size = timed(u, 300)
    rows.append((u, pct(xs, 0.5), pct(xs, 0.95), size))
base = rows[0][2]
print(f"{'url':48} {'p50 ms':>8} {'p95 ms':>8} {'x health':>9} {'bytes':>8}")
for u, p50, p95, size in rows:
    print(f"{u:48} {p50:8.2f} {p95:8.2f} {p95 / base:9.1f} {size:8d}")
worst = max(rows[1:], key=lambda r: r[2])
print(f"dashboard: {n} deployments; slowest p95 {worst[2]:.1f} ms ({worst[0]}); limit 100 ms: {'ok' if worst[2] < 100 else 'OVER'}")
