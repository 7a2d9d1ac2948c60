#!/usr/bin/env python3
"""A short, bounded load test against a running lattice service on this machine.

Usage: load_test.py BASE_URL [--seconds 5] [--concurrency 8] [--p95-ms 100] [--p99-ms 250] [--report FILE.json]
Mix: 70% POST /v1/paths over 16 problems (the first of each computes, later ones hit the cache),
20% GET /v1/paths/{id}, 10% GET /healthz. Fails on any error or when p95/p99 exceed the thresholds.
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

MAX_REQUESTS = 500_000


def option(argv, name, default):
    return type(default)(argv[argv.index(name) + 1]) if name in argv else default


def percentile(sorted_values, fraction):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    base = urllib.parse.urlparse(argv[0])
    seconds = option(argv, "--seconds", 5.0)
    concurrency = option(argv, "--concurrency", 8)
    p95_limit = option(argv, "--p95-ms", 100.0)
    p99_limit = option(argv, "--p99-ms", 250.0)
    report_path = argv[argv.index("--report") + 1] if "--report" in argv else None

    problems = [json.dumps({"dimensions": [40, 40, 3], "start": [0, 0, 0], "goal": [39, 39 - i, 2],
                            "obstacles": [[20, y, z] for y in range(i, 39) for z in range(3)]}).encode()
                for i in range(16)]
    ids = []
    latencies = []
    errors = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    count = [0]

    def worker(seed):
        rng = random.Random(seed)
        connection = http.client.HTTPConnection(base.hostname, base.port, timeout=10)
        mine = []
        while time.monotonic() < deadline:
            with lock:
                if count[0] >= MAX_REQUESTS:
                    break
                count[0] += 1
            roll = rng.random()
            if roll < 0.7 or not ids:
                method, path, body = "POST", "/v1/paths", rng.choice(problems)
            elif roll < 0.9:
                method, path, body = "GET", f"/v1/paths/{rng.choice(ids)}", None
            else:
                method, path, body = "GET", "/healthz", None
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                mine.append(elapsed)
                if response.status != 200:
                    errors.append(f"{method} {path}: {response.status}")
                elif method == "POST" and len(ids) < 64:
                    with lock:
                        ids.append(json.loads(payload)["id"])
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{method} {path}: {error!r}")
                connection.close()
                connection = http.client.HTTPConnection(base.hostname, base.port, timeout=10)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    latencies.sort()
    result = {
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0,
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else 0,
        "thresholds": {"p95_ms": p95_limit, "p99_ms": p99_limit, "errors": 0},
        "concurrency": concurrency,
    }
    failures = []
    if not latencies:
        failures.append("no request completed")
    if errors:
        failures.append(f"{len(errors)} failed requests, first: {errors[0]}")
    if result["p95_ms"] > p95_limit:
        failures.append(f"p95 {result['p95_ms']} ms is above {p95_limit} ms")
    if result["p99_ms"] > p99_limit:
        failures.append(f"p99 {result['p99_ms']} ms is above {p99_limit} ms")
    result["result"] = "failed" if failures else "passed"
    result["failures"] = failures
    print(f"load: {result['requests']} requests in {result['seconds']} s ({result['rps']}/s), {concurrency} connections, "
          f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms, "
          f"{result['errors']} errors")
    for failure in failures:
        print(f"FAIL {failure}")
    if report_path:
        with open(report_path, "w") as handle:
            json.dump(result, handle, indent=2)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
