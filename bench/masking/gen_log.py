"""Writes a log of MB megabytes (lines of 60-160 bytes, some non-ASCII) into OUT/log, with N random secrets: one line
in 200 carries one (plain, or base64 in an Authorization header). OUT/secrets holds CATALYTIC_MASK_SECRETS' value,
OUT/plain the secrets one a line (to check none is left)."""
import base64, random, sys

out, mb, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(11)
alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
secrets = ["".join(rng.choice(alphabet) for _ in range(rng.randint(24, 40))) for _ in range(n)]
words = ("request handled path /api/v1/orders user id took ms status cache hit miss upstream retry queue worker "
         "job started finished élève naïve 数据 payload bytes").split()
target = mb * 1024 * 1024
size = 0
i = 0
with open(f"{out}/log", "w", encoding="utf-8") as w:
    while size < target:
        i += 1
        line = f"2026-11-28T00:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z INFO " + " ".join(rng.choice(words) for _ in range(rng.randint(8, 22)))
        if i % 200 == 0:
            s = rng.choice(secrets)
            if i % 400 == 0:
                line += " Authorization: Basic " + base64.b64encode(f"svc:{s}".encode()).decode()
            else:
                line += f" token={s} done"
        line += "\n"
        w.write(line)
        size += len(line.encode("utf-8"))
with open(f"{out}/secrets", "w") as w:
    w.write(",".join(base64.b64encode(s.encode()).decode() for s in secrets))
with open(f"{out}/plain", "w") as w:
    w.write("\n".join(secrets) + "\n")
print(f"{size / 1048576:.1f} MB, {i} lines, {n} secrets, {i // 200} lines with a secret")
