#!/usr/bin/env bash
# Cache save+restore of a 200 MB tree through Catalytic's cache store vs `tar cf` + `tar xf` of the same tree.
# Goal: ratio <= 1.2. Usage: bench/cache/run.sh [MB] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mb="${1:-200}"; rounds="${2:-3}"
work="$(mktemp -d /tmp/catalytic-cache-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "building the driver" >&2
dotnet build "$here/CacheBench.csproj" -c Release -o "$work/bin" --nologo -v q -clp:ErrorsOnly >&2
driver=("$work/bin/CacheBench")

mkdir -p "$work/ws/tree"
echo "generating the tree: $(python3 "$here/gen_tree.py" "$work/ws/tree" "$mb")" >&2
sync
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }

tar_times=(); cat_times=()
for r in $(seq 1 "$rounds"); do
  # tar: archive next to the tree, remove the tree, extract it again.
  t0=$(now); tar cf "$work/t.tar" -C "$work/ws" tree; t1=$(now)
  mv "$work/ws/tree" "$work/tree.keep"
  t2=$(now); tar xf "$work/t.tar" -C "$work/ws"; t3=$(now)
  rm -rf "$work/ws/tree" "$work/t.tar"; mv "$work/tree.keep" "$work/ws/tree"
  tar_s=$(python3 -c "print(f'{($t1-$t0)+($t3-$t2):.3f}')")

  # Catalytic: the same through the cache store (a fresh store each round so save really writes).
  rm -rf "$work/state"
  t0=$(now); "${driver[@]}" save "$work/ws" "$work/state" "bench-$r" tree 2>/dev/null; t1=$(now)
  mv "$work/ws/tree" "$work/tree.keep"
  t2=$(now); "${driver[@]}" restore "$work/ws" "$work/state" "bench-$r" tree 2>/dev/null; t3=$(now)
  diff -rq "$work/ws/tree" "$work/tree.keep" >/dev/null || { echo "restored tree differs" >&2; exit 1; }
  rm -rf "$work/ws/tree"; mv "$work/tree.keep" "$work/ws/tree"
  cat_s=$(python3 -c "print(f'{($t1-$t0)+($t3-$t2):.3f}')")
  echo "round $r: tar ${tar_s}s  catalytic ${cat_s}s (save $(elapsed $t0 $t1)s, restore $(elapsed $t2 $t3)s)" >&2
  tar_times+=("$tar_s"); cat_times+=("$cat_s")
done

python3 - "${tar_times[*]}" "${cat_times[*]}" "$mb" <<'PY'
import statistics, sys
tar = [float(x) for x in sys.argv[1].split()]
cat = [float(x) for x in sys.argv[2].split()]
t, c = statistics.median(tar), statistics.median(cat)
ratio = c / t
print(f"cache save+restore of {sys.argv[3]} MB: catalytic {c:.2f}s vs tar {t:.2f}s (median of {len(tar)}): ratio {ratio:.2f}x (goal <= 1.20x) {'OK' if ratio <= 1.2 else 'OVER'}")
PY
