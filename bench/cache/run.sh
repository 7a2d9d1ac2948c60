#!/usr/bin/env bash
# Cache save+restore of a 200 MB tree through Catalytic's cache store vs `tar cf` + `tar xf` of the same tree.
# Goal: ratio <= 1.2. Usage: bench/cache/run.sh [MB] [ROUNDS]
# Each timed phase starts after `sync`, so one side's leftover writeback does not slow the other; the two sides
# alternate which goes first. Reported: median wall time per side (whole processes, .NET start-up included),
# the time inside the cache action itself (what a step costs in the runner's process), and CPU time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mb="${1:-200}"; rounds="${2:-5}"
work="$(mktemp -d /tmp/catalytic-cache-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "building the driver" >&2
dotnet build "$here/CacheBench.csproj" -c Release -o "$work/bin" --nologo -v q -clp:ErrorsOnly >&2
driver="$work/bin/CacheBench"

mkdir -p "$work/ws/tree"
echo "generating the tree: $(python3 "$here/gen_tree.py" "$work/ws/tree" "$mb")" >&2
sync

# timed LABEL CMD...: runs CMD, appends "LABEL wall user sys" to $work/times; CMD's stdout goes to $work/out.
timed() {
  local label="$1"; shift
  sync
  /usr/bin/time -f "$label %e %U %S" -a -o "$work/times" "$@" > "$work/out" 2>/dev/null
}

tar_round() {
  timed tar_save tar cf "$work/t.tar" -C "$work/ws" tree
  mv "$work/ws/tree" "$work/tree.keep"
  timed tar_restore tar xf "$work/t.tar" -C "$work/ws"
  rm -rf "$work/ws/tree" "$work/t.tar"; mv "$work/tree.keep" "$work/ws/tree"
}

catalytic_round() {
  local r="$1"
  rm -rf "$work/state"
  timed cat_save "$driver" save "$work/ws" "$work/state" "bench-$r" tree
  echo "cat_save_inner $(cat "$work/out")" >> "$work/inner"
  mv "$work/ws/tree" "$work/tree.keep"
  timed cat_restore "$driver" restore "$work/ws" "$work/state" "bench-$r" tree
  echo "cat_restore_inner $(cat "$work/out")" >> "$work/inner"
  diff -rq "$work/ws/tree" "$work/tree.keep" >/dev/null || { echo "restored tree differs" >&2; exit 1; }
  rm -rf "$work/ws/tree" "$work/state"; mv "$work/tree.keep" "$work/ws/tree"
}

: > "$work/times"; : > "$work/inner"
for r in $(seq 1 "$rounds"); do
  if (( r % 2 )); then tar_round; catalytic_round "$r"; else catalytic_round "$r"; tar_round; fi
  echo "round $r done" >&2
done

python3 - "$work/times" "$work/inner" "$mb" "$(uptime)" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 4 and parts[0] in ("tar_save", "tar_restore", "cat_save", "cat_restore"):
        rows.setdefault(parts[0], []).append(tuple(float(x) for x in parts[1:]))
for line in open(sys.argv[2]):
    label, value = line.split()
    rows.setdefault(label, []).append((float(value), 0.0, 0.0))
def sums(a, b, i):
    return [x[i] + y[i] for x, y in zip(rows[a], rows[b])]
tar_wall = statistics.median(sums("tar_save", "tar_restore", 0))
cat_wall = statistics.median(sums("cat_save", "cat_restore", 0))
cat_inner = statistics.median(sums("cat_save_inner", "cat_restore_inner", 0))
tar_cpu = statistics.median([a + b for a, b in zip(sums("tar_save", "tar_restore", 1), sums("tar_save", "tar_restore", 2))])
cat_cpu = statistics.median([a + b for a, b in zip(sums("cat_save", "cat_restore", 1), sums("cat_save", "cat_restore", 2))])
n = len(rows["tar_save"])
for label in ("tar_save", "cat_save", "cat_save_inner", "tar_restore", "cat_restore", "cat_restore_inner"):
    print(f"  {label:18}: {statistics.median(r[0] for r in rows[label]):6.2f} s")
print(f"machine: {sys.argv[4].strip()}")
print(f"tar cf + tar xf      : {tar_wall:6.2f} s wall, {tar_cpu:5.2f} s CPU (median of {n})")
print(f"catalytic processes  : {cat_wall:6.2f} s wall, {cat_cpu:5.2f} s CPU (two .NET processes, start-up included)")
print(f"catalytic in-process : {cat_inner:6.2f} s (inside the cache actions, as the runner runs them)")
inner, whole = cat_inner / tar_wall, cat_wall / tar_wall
verdict = lambda r: "OK" if r <= 1.2 else "OVER"
print(f"cache save+restore of {sys.argv[3]} MB vs tar: {inner:.2f}x in-process ({verdict(inner)}), {whole:.2f}x as processes ({verdict(whole)}); goal <= 1.20x")
PY
