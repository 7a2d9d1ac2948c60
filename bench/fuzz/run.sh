#!/usr/bin/env bash
# bench/fuzz: coverage-guided fuzzing of every parser of untrusted input, one command:
#   bench/fuzz/run.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]   (targets: catalytic-fuzz list; default all)
# Builds fuzz/Catalytic.Fuzz, instruments the parsers' assemblies with SharpFuzz, replays fuzz/regressions, then runs
# afl-fuzz (AFL++) on each target from its seed corpus fuzz/corpus/TARGET for the given time. Prints executions,
# crashes and hangs per target and the line "fuzz: N passed, N failed"; exits 1 when a target crashed or hung (the
# inputs are copied to fuzz/findings/TARGET/: each becomes a file of fuzz/regressions/TARGET once the bug is fixed).
# Installs afl++ (Debian) and the sharpfuzz tool (NuGet) when missing. FUZZ_KEEP=1 keeps the work folder.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds=${1:-60}
shift || true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if ! command -v afl-fuzz >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    log "installing afl++ (Debian)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++; } >/tmp/catalytic-afl-apt.log 2>&1 \
      || { tail -5 /tmp/catalytic-afl-apt.log >&2; echo "bench/fuzz: could not install afl++" >&2; exit 2; }
  else
    echo "bench/fuzz: afl-fuzz is required (apt-get install afl++)" >&2; exit 2
  fi
fi
tools="${XDG_CACHE_HOME:-$HOME/.cache}/catalytic-fuzz/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
  log "installing the sharpfuzz tool (SharpFuzz.CommandLine 2.3.0)"
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null || { echo "bench/fuzz: could not install sharpfuzz" >&2; exit 2; }
fi

work="$(mktemp -d /tmp/catalytic-fuzz.XXXXXX)"
[ "${FUZZ_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
log "building the harness (Release) and instrumenting the parsers"
dotnet publish "$root/fuzz/Catalytic.Fuzz/Catalytic.Fuzz.csproj" -c Release -o "$work/plain" --nologo -v q -clp:ErrorsOnly >&2 || exit 2
# afl-fuzz runs the instrumented copy; replays (regressions, findings) the plain one, which runs outside afl-fuzz.
cp -r "$work/plain" "$work/app"
for dll in Catalytic.Platform.dll Catalytic.Edge.dll Catalytic.Workflows.dll Catalytic.Delivery.dll Catalytic.Pipelines.dll YamlDotNet.dll; do
  "$tools/sharpfuzz" "$work/app/$dll" >/dev/null || { echo "bench/fuzz: instrumenting $dll failed" >&2; exit 2; }
done
harness=(dotnet "$work/app/Catalytic.Fuzz.dll")
plain=(dotnet "$work/plain/Catalytic.Fuzz.dll")
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <("${plain[@]}" list)

export FUZZ_KNOWN="$root/fuzz/known-crashes.txt"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_QUIET=1
passed=0; failed=0
printf '%-16s %12s %10s %8s %8s %8s\n' target executions "execs/s" crashes hangs corpus
for t in "${targets[@]}"; do
  if [ -d "$root/fuzz/regressions/$t" ] && ! "${plain[@]}" replay "$t" "$root/fuzz/regressions/$t" >"$work/$t.replay" 2>&1; then
    cat "$work/$t.replay" >&2
    failed=$((failed + 1)); echo "$t: a regression input crashes again" >&2; continue
  fi
  mkdir -p "$work/out"
  afl-fuzz -i "$root/fuzz/corpus/$t" -o "$work/out/$t" -V "$seconds" -t 5000 -m none -- "${harness[@]}" afl "$t" >"$work/$t.log" 2>&1
  stats="$work/out/$t/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    tail -20 "$work/$t.log" >&2; failed=$((failed + 1)); echo "$t: afl-fuzz did not run" >&2; continue
  fi
  stat() { grep -E "^$1 " "$stats" | awk '{print $3}'; }
  execs=$(stat execs_done); speed=$(stat execs_per_sec); crashes=$(stat saved_crashes); hangs=$(stat saved_hangs); corpus=$(stat corpus_count)
  printf '%-16s %12s %10s %8s %8s %8s\n' "$t" "$execs" "$speed" "${crashes:-?}" "${hangs:-?}" "$corpus"
  if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
    mkdir -p "$root/fuzz/findings/$t"
    cp "$work/out/$t/default/crashes/"id* "$root/fuzz/findings/$t/" 2>/dev/null
    cp "$work/out/$t/default/hangs/"id* "$root/fuzz/findings/$t/" 2>/dev/null
    # A crash listed in fuzz/known-crashes.txt (found before, owned elsewhere) does not fail the run; anything else does.
    if [ "${hangs:-0}" = 0 ] && "${plain[@]}" replay "$t" "$work/out/$t/default/crashes" >"$work/$t.findings" 2>&1; then
      echo "  $t: $(tail -1 "$work/$t.findings") — see fuzz/known-crashes.txt" >&2
      passed=$((passed + 1))
    else
      grep -v ': known: ' "$work/$t.findings" 2>/dev/null | tail -5 >&2
      failed=$((failed + 1))
    fi
  else
    passed=$((passed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
