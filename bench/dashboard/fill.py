"""Fills a serve's SQLite store with N deployments (events with analysis checks, approvals) and audit entries,
in the engine's own formats (so the pages parse and draw them as they would real ones)."""
import random, sqlite3, sys

db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
apps = ["api", "web", "worker", "billing", "search"]
envs = ["staging", "production"]
t0 = 638_000_000_000_000_000  # .NET ticks (2022)
tick = 10_000_000
states = ["succeeded"] * 8 + ["rolled-back", "failed", "rejected", "superseded"]
rng = random.Random(7)
deps, events, approvals, audit = [], [], [], []
for i in range(n):
    app, env = apps[i % 5], envs[(i // 5) % 2]
    at = t0 + i * 600 * tick
    did = f"d-bench-{i:06d}"
    state = rng.choice(states)
    deps.append((did, app, env, f"1.{i // 100}.{i % 100}", f"1.{(i - 10) // 100}.{(i - 10) % 100}" if i >= 10 else None,
                 "blue-green", state, f"{state}: bench deployment {i}", at, at + 60 * tick, "dev"))
    events.append((did, at, "pending", "recorded"))
    events.append((did, at + tick, "analysing", "analysing 1.0 every 1s over a 10s window for 10s (max-error-rate 5%, max-p99-latency 250ms, failure-limit 2, min-requests 10)"))
    for k in range(6):
        req = rng.randint(50, 400); err = rng.randint(0, req // 15)
        events.append((did, at + (2 + k) * tick, "analysing",
                       f"analysis of 1.0: pass: {req} requests, {err} errors ({round(100 * err / req, 2)}%), p99 {rng.randint(20, 240)}ms"))
    events.append((did, at + 9 * tick, state, f"{state}"))
    if env == "production":
        approvals.append((did, 1, "approver", at + tick, None))
    audit.append((at, "dev", "token", "127.0.0.1", "deploy", did, f"{app}/{env}", "ok"))
    audit.append((at + tick, "approver", "session", "127.0.0.1", "approve", did, f"{app}/{env}", "ok"))
c.executemany("INSERT INTO deployments (id, app, environment, version, previous_version, strategy, state, reason, created_at, updated_at, requested_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)", deps)
c.executemany("INSERT INTO deployment_events (deployment_id, at, state, message) VALUES (?,?,?,?)", events)
c.executemany("INSERT INTO approvals (deployment_id, approved, by_name, at, comment) VALUES (?,?,?,?,?)", approvals)
c.executemany("INSERT INTO audit_log (at, actor, actor_kind, address, action, target, detail, outcome) VALUES (?,?,?,?,?,?,?,?)", audit)
c.commit()
print(f"store: {n} deployments, {len(events)} events, {len(approvals)} approvals, {len(audit)} audit entries", file=sys.stderr)
