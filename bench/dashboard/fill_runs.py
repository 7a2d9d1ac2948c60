"""Fills a serve's SQLite store with N completed runs (5 repositories, 3 workflows, 4 events, 3 jobs each with a log of
6 steps in the worker's own message format), and one more run whose one job has a log of BIG lines (the 200,000-line
log of issue 13). Usage: fill_runs.py catalytic.db N BIG. Prints the big run's id."""
import json, random, sqlite3, sys

db, n, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
repos = ["shop", "api", "infra", "docs", "mobile"]
workflows = [("ci.yml", "CI"), ("release.yml", "Release"), ("nightly.yml", "Nightly")]
events = ["push"] * 6 + ["pull_request"] * 2 + ["schedule", "workflow_dispatch"]
branches = ["main"] * 5 + ["feature/search", "fix/login", "release/2.0"]
conclusions = ["success"] * 8 + ["failure", "cancelled"]
t0 = 638_000_000_000_000_000  # .NET ticks (2022)
tick = 10_000_000
rng = random.Random(13)
start_id = (c.execute("SELECT COALESCE(MAX(id), 0) FROM runs").fetchone()[0] or 0) + 1
job_start = (c.execute("SELECT COALESCE(MAX(id), 0) FROM jobs").fetchone()[0] or 0) + 1
RUN_COLS = ("id, repository, workflow_path, workflow_name, run_number, attempt, event, ref, sha, actor, source, default_branch, status, "
            "conclusion, reason, dedup_key, schedule, scheduled_for, concurrency_group, cancel_in_progress, cancel_requested, created_at, "
            "started_at, finished_at, updated_at, commit_message")
JOB_COLS = ("id, run_id, run_attempt, job_id, job_key, leg, leg_count, label, status, conclusion, reason, runs_on, environment, "
            "concurrency_group, cancel_in_progress, max_parallel, fail_fast, attempt, worker, worker_embedded, lost_worker, lease_id, "
            "lease_expires, cancel_requested, superseded, spec, outputs, report, log_sequence, created_at, queued_at, started_at, finished_at")


def line(job, step, text, at, kind="Output"):
    return json.dumps({"line": {"job": job, "step": step, "text": text, "kind": kind, "at": "2022-06-01T12:00:00+00:00"}}, separators=(",", ":"))


WORKFLOW = "on: push\njobs:\n  build: { runs-on: self-hosted, steps: [ { run: make } ] }\n  test: { needs: build, runs-on: self-hosted, steps: [ { run: make test } ] }\n  deploy: { needs: test, runs-on: self-hosted, steps: [ { run: make deploy } ] }\n"
runs, jobs, logs = [], [], []
numbers = {}
job_id = job_start
for k in range(n):
    rid = start_id + k
    repo, (wf, name) = repos[k % 5], workflows[(k // 5) % 3]
    numbers[(repo, wf)] = numbers.get((repo, wf), 0) + 1
    ev = rng.choice(events)
    ref = "refs/heads/" + ("main" if ev == "schedule" else rng.choice(branches))
    at = t0 + k * 60 * tick
    conclusion = rng.choice(conclusions)
    sha = "%040x" % rng.getrandbits(160)
    runs.append((rid, repo, f".github/workflows/{wf}", name, numbers[(repo, wf)], 1, ev, ref, sha, "dev", "bench", "main", "completed",
                 conclusion, None, None, None, None, None, 0, 0, at, at + tick, at + 300 * tick, at + 300 * tick, f"bench commit {k}: change {rng.randint(1, 999)}"))
    for j, jname in enumerate(["build", "test", "deploy"]):
        jc = conclusion if j == 2 else "success"
        jobs.append((job_id, rid, 1, jname, jname, 0, 1, jname, "completed", jc, None, '["self-hosted"]', None, None, 0, 0, 1, 1, "embedded",
                     1, None, None, None, 0, 0, None, None, None, 12, at, at, at + (j * 100) * tick, at + (j * 100 + 90) * tick))
        data = "\n".join(line(jname, f"step {s}", f"{jname} step {s}: done", at) for s in range(6))
        logs.append((job_id, 1, 0, 6, data, at))
        job_id += 1
c.executemany(f"INSERT INTO runs ({RUN_COLS}) VALUES ({','.join('?' * 26)})", runs)
c.executemany("INSERT INTO run_requests (run_id, workflow_text, payload, inputs, errors) VALUES (?,?,'{}','{}','[]')",
              [(r[0], WORKFLOW) for r in runs] + [(start_id + n, WORKFLOW)])
c.executemany(f"INSERT INTO jobs ({JOB_COLS}) VALUES ({','.join('?' * 33)})", jobs)
c.executemany("INSERT INTO job_logs (job_row, attempt, sequence, count, data, at) VALUES (?,?,?,?,?,?)", logs)
c.executemany("INSERT OR REPLACE INTO run_numbers (repository, workflow_path, last) VALUES (?,?,?)",
              [(r, f".github/workflows/{w}", v) for (r, w), v in numbers.items()])

# The big log: one run, one job, BIG lines in batches of 500 (as a worker reports them), groups every 1,000 lines.
bid = start_id + n
at = t0 + (n + 1) * 60 * tick
c.execute(f"INSERT INTO runs ({RUN_COLS}) VALUES ({','.join('?' * 26)})",
          (bid, "shop", ".github/workflows/ci.yml", "CI", 999999, 1, "push", "refs/heads/main", "f" * 40, "dev", "bench", "main", "completed",
           "success", None, None, None, None, None, 0, 0, at, at, at + 600 * tick, at + 600 * tick, "bench: the big log"))
c.execute(f"INSERT INTO jobs ({JOB_COLS}) VALUES ({','.join('?' * 33)})",
          (job_id, bid, 1, "build", "build", 0, 1, "build", "completed", "success", None, '["self-hosted"]', None, None, 0, 0, 1, 1, "embedded",
           1, None, None, None, 0, 0, None, None, None, big, at, at, at, at + 600 * tick))
batch, sequence = [], 0
for i in range(big):
    if i % 1000 == 0:
        batch.append(line("build", "compile", f"part {i // 1000}", at, "GroupStart"))
    batch.append(line("build", "compile", f"\x1b[32mok\x1b[0m {i:06d} compiled src/module_{i % 977}/file_{i}.cs in {rng.randint(1, 90)} ms", at))
    if i % 1000 == 999:
        batch.append(line("build", "compile", "", at, "GroupEnd"))
    if len(batch) >= 500 or i == big - 1:
        c.execute("INSERT INTO job_logs (job_row, attempt, sequence, count, data, at) VALUES (?,?,?,?,?,?)",
                  (job_id, 1, sequence, len(batch), "\n".join(batch), at))
        sequence += len(batch)
        batch = []
c.commit()
print(f"store: {n} runs, {len(jobs)} jobs, {len(logs)} log batches; run {bid} has a log of {big} lines", file=sys.stderr)
print(bid)
