#!/usr/bin/env python3
"""The pipeline server's benchmark (issue 12), each figure with a baseline measured in the same run and their ratio.

  overhead   RUNS one-step runs through `serve` (its embedded worker, then one remote worker) vs RUNS `catalytic run`s
  drain      JOBS queued one-step jobs drained by 4 remote workers of capacity 2 vs the steps themselves (bash, 8 at once)
  list       GET /api/runs p50/p99 with STORED runs in the store (SQLite; PostgreSQL with CATALYTIC_TEST_POSTGRES)
             vs GET /api/health on the same server; serve's RSS then vs an empty store's. With SQLite the store also
             holds LOG_GB gigabytes of job logs (env, default 10; 0 leaves them out), and RSS is read after 20 of
             those logs were streamed whole through the API
  idle       CPU of an idle `catalytic worker` (long-polling) over IDLE seconds vs the idle `serve` it polls

Run through bench/server/run.sh (it builds the CLI first). Figures are wall-clock times on this machine.
"""
import http.client
import json
import os
import random
import shutil
import sqlite3
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

BIN = sys.argv[1]
RUNS, JOBS, STORED, IDLE = (int(a) for a in sys.argv[2:6])
PG = os.environ.get("CATALYTIC_TEST_POSTGRES")
LOG_GB = float(os.environ.get("LOG_GB", "10"))
TICK = os.sysconf("SC_CLK_TCK")
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="bench",
               GIT_COMMITTER_EMAIL="b@example.com", GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
ONE_STEP = "on: [push, workflow_dispatch]\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
procs = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def repo(root, workflows):
    os.makedirs(os.path.join(root, ".github/workflows"), exist_ok=True)
    for name, text in workflows.items():
        with open(os.path.join(root, ".github/workflows", name), "w") as f:
            f.write(text)
    with open(os.path.join(root, "catalytic.yml"), "w") as f:
        f.write(f"apps:\n  web:\n    run: sleep 600\n    environments:\n      prod: {{ listen: \"127.0.0.1:{free_port()}\" }}\n")
    with open(os.path.join(root, ".gitignore"), "w") as f:
        f.write(".catalytic*/\nwork-*/\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=root, env=GIT_ENV, check=True)
    return os.path.basename(root)


class Serve:
    def __init__(self, root, capacity, postgres=None):
        self.state = os.path.join(root, ".catalytic")
        args = [BIN, "serve", "--state", self.state, "--worker-capacity", str(capacity)]
        if postgres:
            args += ["--postgres", postgres]
        self.log = open(os.path.join(root, "serve.log"), "a")
        self.proc = subprocess.Popen(args, cwd=root, stdout=self.log, stderr=subprocess.STDOUT)
        procs.append(self.proc)
        info = os.path.join(self.state, "server.json")
        deadline = time.time() + 120
        while True:
            if self.proc.poll() is not None:
                sys.exit(f"serve exited: see {root}/serve.log\n" + open(os.path.join(root, "serve.log")).read()[-3000:])
            try:
                self.url = urllib.parse.urlparse(json.load(open(info))["url"])
                break
            except (OSError, ValueError, KeyError):
                if time.time() > deadline:
                    sys.exit("serve never wrote server.json")
                time.sleep(0.05)
        self.token = open(os.path.join(self.state, "server.token")).read().strip()
        self.http = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)
        while True:  # the first scan adopts the repository; runs start after it
            repos = self.get("/api/repositories")
            if repos and repos[0].get("last_fetch"):
                break
            time.sleep(0.05)

    def request(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.token}
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in range(3):
            try:
                self.http.request(method, path, body=body, headers=headers)
                r = self.http.getresponse()
                data = r.read()
                if r.status >= 400:
                    sys.exit(f"{method} {path}: {r.status} {data[:500]!r}")
                if not data or not r.getheader("Content-Type", "").startswith(("application/json", "application/problem+json")):
                    return data
                return json.loads(data)
            except (http.client.HTTPException, ConnectionError):
                self.http.close()
                if attempt == 2:
                    raise

    def get(self, path):
        return self.request("GET", path)

    def dispatch(self, repository, workflow):
        return self.request("POST", f"/api/repos/{repository}/dispatches", {"workflow": workflow})

    def completed(self):
        return len(self.get("/api/runs?status=completed&limit=1000"))

    def wait_completed(self, n, timeout=3600):
        deadline = time.time() + timeout
        while self.completed() < n:
            if time.time() > deadline:
                sys.exit(f"only {self.completed()} of {n} runs completed")
            time.sleep(0.1)
        failed = [r for r in self.get("/api/runs?limit=1000") if r["conclusion"] != "success"]
        if failed:
            sys.exit(f"{len(failed)} runs did not succeed: {failed[0]}")

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def rss_mb(self):
        return rss_mb(self.proc.pid)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def worker(serve, root, name, capacity=1):
    p = subprocess.Popen([BIN, "worker", "--state", serve.state, "--name", name, "--capacity", str(capacity),
                          "--work-dir", os.path.join(root, "work-" + name)], cwd=root,
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(root, name + ".log"), "w"))
    procs.append(p)
    return p


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def kill(p):
    if p.poll() is None:
        p.kill()
        p.wait()


def overhead(work):
    root = os.path.join(work, "overhead")
    os.makedirs(root)
    name = repo(root, {"one.yml": ONE_STEP})
    t0 = time.perf_counter()
    for _ in range(RUNS):
        subprocess.run([BIN, "run", "-W", ".github/workflows/one.yml"], cwd=root, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cli = time.perf_counter() - t0
    shutil.rmtree(os.path.join(root, ".catalytic"), ignore_errors=True)

    # Through serve, one job at a time as `catalytic run` does: all dispatched, the clock stops when the last is done.
    serve = Serve(root, capacity=1)
    t0 = time.perf_counter()
    for _ in range(RUNS):
        serve.dispatch(name, "one.yml")
    serve.wait_completed(RUNS)
    embedded = time.perf_counter() - t0
    serve.stop()
    shutil.rmtree(serve.state)

    serve = Serve(root, capacity=0)
    w = worker(serve, root, "w1")
    t0 = time.perf_counter()  # as above: from the first dispatch (the worker takes jobs while the others are dispatched)
    for _ in range(RUNS):
        serve.dispatch(name, "one.yml")
    serve.wait_completed(RUNS)
    remote = time.perf_counter() - t0
    kill(w)
    serve.stop()
    print(f"overhead  {RUNS} one-step runs: catalytic run {cli:7.1f} s | serve+embedded {embedded:7.1f} s = {embedded / cli:.2f}x (goal <= 1.2x)"
          f" | serve+1 remote worker {remote:7.1f} s = {remote / cli:.2f}x (goal <= 1.3x)", flush=True)


def drain(work):
    root = os.path.join(work, "drain")
    os.makedirs(root)
    legs = 250
    runs = max(1, JOBS // legs)
    jobs = runs * legs
    matrix = "on: workflow_dispatch\njobs:\n  leg:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        n: [" + \
        ", ".join(str(i) for i in range(legs)) + "]\n    steps:\n      - run: echo hi\n"
    name = repo(root, {"fan.yml": matrix})
    serve = Serve(root, capacity=0)
    for _ in range(runs):
        serve.dispatch(name, "fan.yml")
    cpu0 = serve.cpu()
    t0 = time.perf_counter()
    ws = [worker(serve, root, f"w{i}", capacity=2) for i in range(4)]
    serve.wait_completed(runs)
    took = time.perf_counter() - t0
    cpu = serve.cpu() - cpu0
    for w in ws:
        kill(w)
    serve.stop()

    # Baseline: the same steps without the platform, 8 at once (the workers' total capacity).
    t0 = time.perf_counter()
    subprocess.run(f"seq {jobs} | xargs -P 8 -I{{}} bash -c 'echo hi' >/dev/null", shell=True, check=True)
    bare = time.perf_counter() - t0
    print(f"drain     {jobs} jobs, 4 remote workers x2: {took:7.1f} s = {jobs / took:6.1f} jobs/s, serve CPU {cpu * 1000 / jobs:.1f} ms/job"
          f" | bare steps (bash, 8 at once) {bare:6.1f} s = {jobs / bare:7.1f} jobs/s | ratio {took / bare:.1f}x", flush=True)


def seed(serve, root, postgres_schema=None):
    """Copies the one real run STORED-1 times in the store (with its request), so the list reads real rows."""
    cols = ("repository, workflow_path, workflow_name, run_number, attempt, event, ref, sha, actor, source, default_branch, status, "
            "conclusion, reason, schedule, scheduled_for, concurrency_group, cancel_in_progress, cancel_requested, created_at, started_at, "
            "finished_at, updated_at")
    n = STORED - 1
    if postgres_schema is None:
        sql = (f"WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {n}) "
               f"INSERT INTO runs ({cols}) SELECT {cols} FROM runs, k WHERE runs.id = (SELECT MIN(id) FROM runs);")
        subprocess.run(["sqlite3", "-cmd", ".timeout 30000", os.path.join(serve.state, "catalytic.db"), sql], check=True)
    else:
        sql = (f"SET search_path TO {postgres_schema}; INSERT INTO runs ({cols}) SELECT {cols} FROM runs, generate_series(1, {n}) "
               f"WHERE runs.id = (SELECT MIN(id) FROM runs); ANALYZE runs;")
        subprocess.run(["psql", "-q", psql_url(), "-c", sql], check=True, stdout=subprocess.DEVNULL)


def seed_logs(serve):
    """Gives LOG_GB of stored log to the newest runs (SQLite): each gets a copy of the real run's job with 1 MiB of its
    log, the real run's stored log lines repeated in batches of ~100 KiB, as the dispatcher stores them."""
    db = sqlite3.connect(os.path.join(serve.state, "catalytic.db"), timeout=30)
    cols = [r[1] for r in db.execute("PRAGMA table_info(jobs)") if r[1] != "id"]
    job = db.execute(f"SELECT id, {', '.join(cols)} FROM jobs ORDER BY id LIMIT 1").fetchone()
    lines = [line for (data,) in db.execute("SELECT data FROM job_logs WHERE job_row = ? ORDER BY id", (job[0],))
             for line in data.split("\n")]
    chunk_lines = []
    while sum(len(x) + 1 for x in chunk_lines) < 100 * 1024:
        chunk_lines.extend(lines)
    chunk = "\n".join(chunk_lines)
    per_job = 10  # chunks of ~100 KiB: ~1 MiB a job
    jobs = int(LOG_GB * 1024 ** 3 / (len(chunk) * per_job)) + 1
    runs = [r for (r,) in db.execute("SELECT id FROM runs WHERE id NOT IN (SELECT run_id FROM jobs) ORDER BY id DESC LIMIT ?", (jobs,))]
    run_col = cols.index("run_id")
    seeded = []
    for run in runs:
        row = list(job[1:])
        row[run_col] = run
        cur = db.execute(f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", row)
        seeded.append((run, cur.lastrowid))
        db.executemany("INSERT INTO job_logs (job_row, attempt, sequence, count, data, at) VALUES (?, 1, ?, ?, ?, 0)",
                       [(cur.lastrowid, i * len(chunk_lines), len(chunk_lines), chunk) for i in range(per_job)])
        if len(seeded) % 500 == 0:
            db.commit()
    db.commit()
    stored = db.execute("SELECT SUM(LENGTH(data)) FROM job_logs").fetchone()[0]
    db.close()
    return seeded, stored, job[1 + cols.index("job_key")]


def stream_log(serve, run, key):
    """Reads one job's whole stored log as the CLI and dashboard do (Server-Sent Events until `end`)."""
    conn = http.client.HTTPConnection(serve.url.hostname, serve.url.port, timeout=600)
    conn.request("GET", f"/api/runs/{run}/jobs/{key}/logs?batch=true", headers={"Authorization": "Bearer " + serve.token})
    r = conn.getresponse()
    if r.status != 200:
        sys.exit(f"log of run {run}: {r.status} {r.read()[:300]!r}")
    total = 0
    while chunk := r.read(1 << 20):
        total += len(chunk)
    conn.close()
    return total


def psql_url():
    parts = dict(p.split("=", 1) for p in PG.split(";") if "=" in p)
    lower = {k.lower(): v for k, v in parts.items()}
    return (f"postgresql://{lower.get('username', 'postgres')}@{lower.get('host', '127.0.0.1')}:{lower.get('port', '5432')}/"
            f"{lower.get('database', 'postgres')}")


def list_latency(work, backend):
    root = os.path.join(work, "list-" + backend)
    os.makedirs(root)
    name = repo(root, {"one.yml": ONE_STEP})
    schema = None
    postgres = None
    if backend == "postgres":
        schema = "bench_" + os.urandom(5).hex()
        postgres = PG + ";Search Path=" + schema
    serve = Serve(root, capacity=1, postgres=postgres)
    serve.dispatch(name, "one.yml")
    serve.wait_completed(1)
    empty_rss = serve.rss_mb()
    serve.stop()
    try:
        seed(serve, root, schema)
        logs = None
        if backend == "sqlite" and LOG_GB > 0:
            t0 = time.perf_counter()
            logs = seed_logs(serve)
            print(f"          (seeded {logs[1] / 1024 ** 3:.1f} GiB of job logs over {len(logs[0])} runs in {time.perf_counter() - t0:.0f} s)", flush=True)
        serve = Serve(root, capacity=1, postgres=postgres)
        total = len(serve.get("/api/runs?limit=1000"))
        if total < min(1000, STORED):
            sys.exit(f"the store holds fewer runs than seeded ({total})")
        samples = {"/api/runs": [], "/api/health": []}
        for _ in range(50):  # warm-up
            serve.get("/api/runs")
            serve.get("/api/health")
        for _ in range(1000):
            for path in samples:
                t0 = time.perf_counter()
                serve.get(path)
                samples[path].append((time.perf_counter() - t0) * 1000)
        streamed = 0
        if logs:
            for run, _ in random.Random(7).sample(logs[0], 20):
                streamed += stream_log(serve, run, logs[2])
        rss = serve.rss_mb()
        serve.stop()
    finally:
        if schema:
            subprocess.run(["psql", "-q", psql_url(), "-c", f"DROP SCHEMA IF EXISTS {schema} CASCADE"], check=False, stderr=subprocess.DEVNULL)
    runs, health = samples["/api/runs"], samples["/api/health"]
    print(f"list      {backend:<8} {STORED} runs stored: GET /api/runs p50 {pct(runs, .5):5.1f} ms p99 {pct(runs, .99):5.1f} ms (goal < 50 ms)"
          f" | GET /api/health p50 {pct(health, .5):5.1f} ms p99 {pct(health, .99):5.1f} ms | ratio p99 {pct(runs, .99) / pct(health, .99):.1f}x", flush=True)
    stored = f" and {logs[1] / 1024 ** 3:.1f} GiB of logs ({streamed / 1024 ** 2:.0f} MiB streamed)" if logs else ""
    print(f"memory    {backend:<8} serve RSS with {STORED} runs{stored} {rss:6.1f} MB (goal < 300 MB) | with 1 run {empty_rss:6.1f} MB | ratio {rss / empty_rss:.2f}x", flush=True)


def idle(work):
    root = os.path.join(work, "idle")
    os.makedirs(root)
    repo(root, {"one.yml": ONE_STEP})
    serve = Serve(root, capacity=0)
    w = worker(serve, root, "idle")
    deadline = time.time() + 60
    while not any(x["name"] == "idle" for x in serve.get("/api/workers")):
        if time.time() > deadline:
            sys.exit("the worker never asked for work")
        time.sleep(0.1)
    time.sleep(2)  # past its start-up
    w0, s0, t0 = cpu_seconds(w.pid), serve.cpu(), time.perf_counter()
    time.sleep(IDLE)  # the measurement window itself: a benchmark, not a test
    wall = time.perf_counter() - t0
    wc, sc = (cpu_seconds(w.pid) - w0) / wall * 100, (serve.cpu() - s0) / wall * 100
    kill(w)
    serve.stop()
    print(f"idle      {IDLE} s: catalytic worker {wc:.2f}% of a core (goal < 1%) | the idle serve it long-polls {sc:.2f}% | ratio {wc / sc if sc else float('inf'):.2f}x", flush=True)


def main():
    work = tempfile.mkdtemp(prefix="catalytic-server-bench-")
    try:
        print(f"bench/server: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; runs {RUNS}, jobs {JOBS}, stored {STORED}, idle {IDLE} s", flush=True)
        only = os.environ.get("BENCH_ONLY", "idle,list,overhead,drain").split(",")  # e.g. BENCH_ONLY=overhead
        if "idle" in only:
            idle(work)
        if "list" in only:
            list_latency(work, "sqlite")
            if PG:
                list_latency(work, "postgres")
        if "overhead" in only:
            overhead(work)
        if "drain" in only:
            drain(work)
    finally:
        for p in procs:
            kill(p)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
