"""What the dashboard bench's scripts share: a query's plan and timings in SQLite, and a signed-in HTTP connection."""
import http.client, json, os, sqlite3, time


def query_stats(c: sqlite3.Connection, sql, args, warm=30, count=300):
    """SQLite's plan of the query, and its p50 and p95 in ms over COUNT runs after WARM."""
    plan = " | ".join(r[3] for r in c.execute("EXPLAIN QUERY PLAN " + sql, args))
    for _ in range(warm):
        c.execute(sql, args).fetchall()
    xs = []
    for _ in range(count):
        t = time.perf_counter(); c.execute(sql, args).fetchall(); xs.append((time.perf_counter() - t) * 1000)
    return plan, pct(xs, 0.5), pct(xs, 0.95)


def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(len(xs) * p))]


class Session:
    """The initial admin signed in (session cookie, as a browser), on one keep-alive connection to the server of STATE."""

    def __init__(self, state):
        url = json.load(open(os.path.join(state, "server.json")))["url"]
        host, port = url.split("//")[1].strip("/").split(":")
        self.host, self.port = host, int(port)
        password = open(os.path.join(state, "initial-admin-password")).read().strip()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        self.conn.request("POST", "/api/session", json.dumps({"user": "admin", "password": password}), {"Content-Type": "application/json"})
        r = self.conn.getresponse(); body = r.read()
        assert r.status == 200, (r.status, body)
        self.cookie = r.getheader("Set-Cookie").split(";")[0]

    def timed(self, path, count):
        """COUNT sequential GETs of PATH: their times in ms and the last answer's body."""
        out, data = [], b""
        for _ in range(count):
            start = time.perf_counter()
            self.conn.request("GET", path, headers={"Cookie": self.cookie, "Accept": "*/*"})
            resp = self.conn.getresponse(); data = resp.read()
            out.append((time.perf_counter() - start) * 1000)
            assert resp.status == 200, (path, resp.status, data[:300])
        return out, data
