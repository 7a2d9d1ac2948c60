"""The deployments list query of SqlDeliveryStore.ListDeploymentsAsync on a filled store, with the store's indexes
and, in the same run, on a copy without the (created_at, id) index (the baseline: the store before it had one).
Prints SQLite's plan and p50/p95 of 300 runs of each, and the ratio. Usage: plan.py catalytic.db"""
import os, shutil, sqlite3, sys, tempfile
from timing import query_stats

SELECT = ("SELECT id, app, environment, version, previous_version, strategy, state, reason, created_at, updated_at, requested_by "
          "FROM deployments")
QUERIES = {
    "unfiltered (the dashboard, /api/deployments)": (SELECT + " ORDER BY created_at DESC, id DESC LIMIT 50", {}),
    "one app and environment": (SELECT + " WHERE app = :app AND environment = :env ORDER BY created_at DESC, id DESC LIMIT 50",
                                {"app": "web", "env": "production"}),
}

def measure(db):
    c = sqlite3.connect(db)
    out = {name: query_stats(c, sql, args) for name, (sql, args) in QUERIES.items()}
    c.close()
    return out

db = sys.argv[1]
with tempfile.TemporaryDirectory() as d:
    old = os.path.join(d, "old.db")
    shutil.copy(db, old)
    c = sqlite3.connect(old); c.execute("DROP INDEX IF EXISTS deployments_created"); c.commit(); c.close()
    base, now = measure(old), measure(db)
print(f"{'query':48} {'store':22} {'p50 ms':>8} {'p95 ms':>8}  plan")
for name in QUERIES:
    for label, r in (("without the index", base[name]), ("with it (this store)", now[name])):
        print(f"{name:48} {label:22} {r[1]:8.3f} {r[2]:8.3f}  {r[0]}")
    print(f"{'':48} {'p95 ratio':22} {base[name][2] / now[name][2]:8.1f}x")
