#!/usr/bin/env bash
# The instance-log masking stage (`catalytic __mask-log`: SecretMasker.Copy on the process's stdin) over MB megabytes
# of log lines with SECRETS secrets, against `cat` through the same pipe in the same run: the floor of moving the
# bytes. OTHER, another catalytic executable (an older build), is measured in the same run for a before/after.
# Reports the median of ROUNDS (default 5) wall and CPU times, MB/s and the ratios; checks no secret is left. Then
# the runner's side in-process (lines/: SecretMasker.Apply on each line against one scan of the same lines).
#   usage: bench/masking/run.sh [MB=40] [SECRETS=5] [OTHER]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mb=${1:-40}; n=${2:-5}; other=${3:-}; rounds=${ROUNDS:-5}
catalytic="$root/catalytic"
"$catalytic" version >/dev/null   # builds the CLI when needed, outside the measurements
catalytic="$root/artifacts/cli/catalytic"
work="$(mktemp -d /tmp/catalytic-mask-bench.XXXXXX)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT; echo "work: $work" >&2
echo "log: $(python3 "$here/gen_log.py" "$work" "$mb" "$n")" >&2
export CATALYTIC_MASK_SECRETS="$(cat "$work/secrets")"

# run LABEL CMD...: one round of `cat log | CMD > out`; appends "LABEL wall user+sys" (seconds) of CMD to $work/times.
run() {
  local label="$1"; shift
  local a b
  a=$(date +%s%N)
  cat "$work/log" | /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" > "$work/out-$label"
  b=$(date +%s%N)
  read -r u s < "$work/cpu"
  echo "$label $(echo "scale=4; ($b - $a) / 1000000000" | bc) $(echo "$u + $s" | bc)" >> "$work/times"
}

labels=(cat catalytic)
[ -n "$other" ] && labels+=(other)
for _ in $(seq "$rounds"); do
  run cat cat
  run catalytic "$catalytic" __mask-log
  [ -n "$other" ] && run other "$other" __mask-log
done

for label in catalytic ${other:+other}; do
  left=$(grep -cFf "$work/plain" "$work/out-$label" || true)
  [ "$left" = 0 ] || { echo "bench: $label left $left lines with a secret" >&2; exit 1; }
done

median() { grep "^$1 " "$work/times" | awk -v c="$2" '{print $c}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '\n%s MB, %s secrets, median of %s rounds (wall s, CPU s of the stage):\n' "$mb" "$n" "$rounds"
base=$(median cat 2)
for label in "${labels[@]}"; do
  wall=$(median "$label" 2); cpu=$(median "$label" 3)
  printf '  %-10s wall %6.3f s  CPU %6.3f s  %7.1f MB/s  wall/cat %5.2fx\n' "$label" "$wall" "$cpu" "$(echo "$mb / $wall" | bc -l)" "$(echo "$wall / $base" | bc -l)"
done
if [ -n "$other" ]; then
  printf '  catalytic/other: wall %.2fx, CPU %.2fx\n' "$(echo "$(median catalytic 2) / $(median other 2)" | bc -l)" "$(echo "$(median catalytic 3) / $(median other 3)" | bc -l)"
fi
dotnet publish "$here/lines/LineBench.csproj" -c Release -o "$work/lines" --nologo -v q -clp:ErrorsOnly >&2
"$work/lines/LineBench" "$work/log" "$work/secrets" "$rounds"
