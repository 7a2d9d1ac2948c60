"""The runs list query of SqlRunStore.ListRunsAsync on a filled store, as the store asks it now (one column per status
filter; the runs_ref, runs_conclusion and runs_repo_ref indexes) and, in the same run, as it was (status = @s OR
conclusion = @s, on a copy without those indexes): SQLite's plan and p50/p95 of 300 runs of each, and the ratio.
Usage: runs_plan.py catalytic.db"""
import os, shutil, sqlite3, sys, tempfile
from timing import query_stats

SELECT = "SELECT * FROM runs WHERE 1 = 1"
TAIL = " ORDER BY id DESC LIMIT 100"
STATUSES = {"queued", "pending", "waiting", "in_progress", "completed"}


def sql(new, repo=None, branch=None, status=None, before=None):
    q, args = SELECT, {}
    if repo:
        q += " AND repository = :repo"; args["repo"] = repo
    if branch:
        q += " AND ref = :ref"; args["ref"] = "refs/heads/" + branch
    if status:
        q += (" AND status = :s" if status in STATUSES else " AND conclusion = :s") if new else " AND (status = :s OR conclusion = :s)"
        args["s"] = status
    if before:
        q += " AND id < :before"; args["before"] = before
    return q + TAIL, args


CASES = {
    "first page": {},
    "repo": {"repo": "shop"},
    "branch (rare)": {"branch": "release/2.0"},
    "status=failure (a conclusion)": {"status": "failure"},
    "status=in_progress (none)": {"status": "in_progress"},
    "repo+branch+status": {"repo": "docs", "branch": "fix/login", "status": "cancelled"},
    "page after 50,000": {"before": 50000},
    "repo+status, after 50,000": {"repo": "api", "status": "success", "before": 50000},
}


def measure(db, new):
    c = sqlite3.connect(db)
    out = {name: query_stats(c, *sql(new, **f), warm=10) for name, f in CASES.items()}
    c.close()
    return out


db = sys.argv[1]
with tempfile.TemporaryDirectory() as d:
    old = os.path.join(d, "old.db")
    shutil.copy(db, old)
    c = sqlite3.connect(old)
    for index in ("runs_ref", "runs_conclusion", "runs_repo_ref"):
        c.execute(f"DROP INDEX IF EXISTS {index}")
    c.commit(); c.close()
    base, now = measure(old, False), measure(db, True)
print(f"{'runs query (limit 100)':32} {'store':10} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>7}  plan")
for name in CASES:
    print(f"{name:32} {'before':10} {base[name][1]:8.3f} {base[name][2]:8.3f} {'':>7}  {base[name][0]}")
    print(f"{'':32} {'now':10} {now[name][1]:8.3f} {now[name][2]:8.3f} {base[name][2] / now[name][2]:6.1f}x  {now[name][0]}")
