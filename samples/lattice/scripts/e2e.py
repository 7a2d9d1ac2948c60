#!/usr/bin/env python3
"""End-to-end checks of a running lattice service over HTTP.

Usage: e2e.py BASE_URL [--expect-version VERSION] [--report FILE.json]    exit 0 when every check passes
"""
import json
import sys
import urllib.error
import urllib.request


def call(base, method, path, body=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    base = argv[0].rstrip("/")
    expect_version = argv[argv.index("--expect-version") + 1] if "--expect-version" in argv else None
    report_path = argv[argv.index("--report") + 1] if "--report" in argv else None
    results = []

    def check(name, condition, detail=""):
        results.append({"check": name, "passed": bool(condition), "detail": detail})
        print(f"{'PASS' if condition else 'FAIL'} {name}" + (f" — {detail}" if detail and not condition else ""))

    status, _, body = call(base, "GET", "/healthz")
    check("GET /healthz is 200 and healthy", status == 200 and json.loads(body).get("status") == "healthy", f"{status} {body}")

    status, _, body = call(base, "GET", "/version")
    version = json.loads(body) if status == 200 else {}
    check("GET /version names the service, version and commit",
          status == 200 and version.get("service") == "lattice" and version.get("version") and version.get("commit"), body)
    if expect_version:
        expected = expect_version.split("+")[0]
        check(f"version is {expected}", version.get("version") == expected, f"got {version.get('version')}")

    problem = {"dimensions": [20, 20, 5], "start": [0, 0, 0], "goal": [19, 19, 4],
               "obstacles": [[x, 10, z] for x in range(19) for z in range(5)]}
    status, _, body = call(base, "POST", "/v1/paths", problem)
    first = json.loads(body) if status == 200 else {}
    check("POST /v1/paths finds the shortest path around a wall",
          status == 200 and first.get("reachable") is True and first.get("length") == 42 and len(first.get("path", [])) == 43,
          f"{status} length={first.get('length')}")
    path = first.get("path", [])
    blocked = {tuple(o) for o in problem["obstacles"]}
    check("the path moves one step at a time and avoids obstacles",
          bool(path) and all(sum(abs(a - b) for a, b in zip(p, q)) == 1 for p, q in zip(path, path[1:]))
          and not any(tuple(p) in blocked for p in path))

    status, _, body = call(base, "POST", "/v1/paths", problem)
    check("the same request again is served from the cache", status == 200 and json.loads(body).get("cached") is True, body[:200])

    status, _, body = call(base, "GET", f"/v1/paths/{first.get('id')}")
    check("GET /v1/paths/{id} returns the stored result", status == 200 and json.loads(body).get("length") == 42, f"{status}")

    status, _, body = call(base, "POST", "/v1/paths", {"dimensions": [3, 3], "start": [0, 0], "goal": [2, 2],
                                                       "obstacles": [[1, 2], [2, 1]]})
    check("an unreachable goal is 200 with reachable false", status == 200 and json.loads(body).get("reachable") is False, body[:200])

    status, content_type, body = call(base, "POST", "/v1/paths", {"dimensions": [5, 5000], "start": [0, 0], "goal": [1, 1]})
    errors = json.loads(body).get("errors", {}) if body else {}
    check("invalid input is a 400 problem naming the field",
          status == 400 and content_type.startswith("application/problem+json") and "dimensions[1]" in errors, f"{status} {body[:200]}")

    status, _, body = call(base, "POST", "/v1/paths", b"{not json")
    check("malformed JSON is a 400", status == 400, f"{status}")

    status, _, body = call(base, "GET", "/v1/paths/00000000000000000000000000000000")
    check("an unknown id is 404", status == 404, f"{status}")

    status, content_type, body = call(base, "GET", "/metrics")
    check("GET /metrics is Prometheus text with request counters",
          status == 200 and content_type.startswith("text/plain")
          and 'lattice_http_requests_total{route="/v1/paths",method="POST",status="200"}' in body
          and "lattice_cache_hits_total" in body, f"{status}")

    failed = [r for r in results if not r["passed"]]
    print(f"e2e: {len(results) - len(failed)} passed, {len(failed)} failed")
    if report_path:
        with open(report_path, "w") as handle:
            json.dump({"base": base, "checks": results}, handle, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
