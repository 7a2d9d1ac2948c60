"""Signs in as the initial admin and times each dashboard URL (HTML and JSON), sequentially on one keep-alive
connection: 30 warm-up requests, then 300 timed. Prints p50/p95 and the ratio of p95 to /api/health's p95."""
import sys
from timing import Session, pct

state, n = sys.argv[1], int(sys.argv[2])
session = Session(state)
mid = f"d-bench-{n // 2:06d}"
urls = ["/api/health", "/sign-in", "/deployments", "/api/dashboard/deployments?limit=50", f"/deployments/{mid}",
        f"/api/dashboard/deployments/{mid}", "/apps/web/environments/production/logs", "/settings", "/api/users", "/api/tokens",
        "/api/audit?limit=200", "/assets/app.js"]

rows = []
for u in urls:
    session.timed(u, 30)
    xs, data = session.timed(u, 300)
    rows.append((u, pct(xs, 0.5), pct(xs, 0.95), len(data)))
base = rows[0][2]
print(f"{'url':48} {'p50 ms':>8} {'p95 ms':>8} {'x health':>9} {'bytes':>8}")
for u, p50, p95, size in rows:
    print(f"{u:48} {p50:8.2f} {p95:8.2f} {p95 / base:9.1f} {size:8d}")
worst = max(rows[1:], key=lambda r: r[2])
print(f"dashboard: {n} deployments; slowest p95 {worst[2]:.1f} ms ({worst[0]}); limit 100 ms: {'ok' if worst[2] < 100 else 'OVER'}")
