"""Writes a deterministic tree of about TOTAL_MB megabytes: many small files, some medium, a few large."""
import os
import random
import sys

root, total_mb = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200
rng = random.Random(20261127)
target = total_mb * 1024 * 1024
written = 0
i = 0
# A compressible-ish mix like a real dependency/build cache: text-like and binary blocks.
text_block = (b"function f(x) { return x * 2; } // lorem ipsum dolor sit amet\n" * 2048)
while written < target:
    r = rng.random()
    if r < 0.85:
        size = rng.randint(200, 16 * 1024)          # source files, small assets
    elif r < 0.995:
        size = rng.randint(32 * 1024, 256 * 1024)   # libraries
    else:
        size = rng.randint(2 * 1024 * 1024, 8 * 1024 * 1024)  # big blobs
    size = min(size, target - written)
    d = os.path.join(root, f"pkg{i % 97:02d}", f"sub{(i // 97) % 13}")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"file{i:05d}.{'js' if i % 3 else 'bin'}")
    with open(path, "wb") as f:
        if i % 3:
            reps = size // len(text_block) + 1
            f.write((text_block * reps)[:size])
        else:
            f.write(rng.randbytes(size))
    written += size
    i += 1
print(f"{i} files, {written / 1048576:.0f} MB")
