#!/usr/bin/env bash
# Runs every test of the project. Installs what the tests need when it is missing (as root, from Debian),
# starts the servers they use on loopback, and ends with the line "N passed, N failed, N skipped".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ---- what the tests need from the machine -------------------------------------------------------------
need=()
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
command -v nginx >/dev/null || need+=(nginx-light)
command -v git >/dev/null || need+=(git)
command -v afl-fuzz >/dev/null || need+=(afl++)
# promtool (Debian's prometheus package) checks and unit-tests the alert rules and checks /metrics (tests/Catalytic.Status.Tests).
command -v promtool >/dev/null || need+=(prometheus)
# podman runs service and job containers (tests/podman/): runc, netavark and iptables publish ports as root,
# busybox-static fills the local test image (no registry is reachable).
command -v podman >/dev/null || need+=(podman runc netavark aardvark-dns iptables)
command -v busybox >/dev/null && ! ldd "$(command -v busybox)" >/dev/null 2>&1 || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/tmp/catalytic-apt.log 2>&1 \
      || { tail -20 /tmp/catalytic-apt.log; echo "test.sh: could not install ${need[*]}" >&2; }
  else
    echo "test.sh: missing ${need[*]} and not root; tests that need them will fail" >&2
  fi
fi

# ---- servers on loopback for this run -----------------------------------------------------------------
state="$(mktemp -d /tmp/catalytic-test.XXXXXX)"
chmod 755 "$state"
pids=()
cleanup() {
  if [ -n "${PGBIN:-}" ] && [ -d "$state/pgrun/data" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$state/pgrun/data" -m immediate stop >/dev/null 2>&1 \
      || "$PGBIN/pg_ctl" -D "$state/pgrun/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$state"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -n "$PGBIN" ]; then
  pgport=$(free_port)
  as_pg=()
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  # PostgreSQL refuses to run as root: its data, log and socket live in a folder the postgres user owns.
  pgrun="$state/pgrun"
  mkdir -p "$pgrun/data" && { [ "$(id -u)" = 0 ] && chown -R postgres "$pgrun"; }
  if "${as_pg[@]}" "$PGBIN/initdb" -D "$pgrun/data" -U postgres -A trust >"$state/initdb.log" 2>&1 \
     && "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgrun/data" -l "$pgrun/pg.log" -w \
          -o "-p $pgport -k $pgrun -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null; then
    export CATALYTIC_TEST_POSTGRES="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres"
    log "PostgreSQL on 127.0.0.1:$pgport"
  else
    cat "$state/initdb.log" "$pgrun/pg.log" 2>/dev/null | tail -20 >&2
    echo "test.sh: PostgreSQL did not start" >&2
  fi
fi
if command -v redis-server >/dev/null; then
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$state/redis.log" 2>&1 &
  pids+=($!)
  export CATALYTIC_TEST_REDIS="127.0.0.1:$rport"
  log "Redis on 127.0.0.1:$rport"
fi
command -v chromium >/dev/null && export CATALYTIC_TEST_CHROMIUM="$(command -v chromium)"
# podman with the settings this sandbox needs (see the file), and the local test image built once.
export CONTAINERS_CONF="${CONTAINERS_CONF:-$root/tests/podman/containers.conf}"
if command -v podman >/dev/null; then
  tests/podman/build-test-image.sh && log "podman $(podman --version | grep -oE '[0-9.]+$'), test image localhost/catalytic-test/busybox:1" \
    || echo "test.sh: the podman test image could not be built; container tests will fail" >&2
fi

# ---- build and run ------------------------------------------------------------------------------------
log "building (Release)"
if ! dotnet build Catalytic.slnx -c Release --nologo -v q -clp:ErrorsOnly > "$state/build.log" 2>&1; then
  cat "$state/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi
log "running tests"
# --hangdump: a test project still running after 25 minutes is dumped (the tests still running are named) and ended,
# so a hang is a red run that says where, not a stalled CI job.
dotnet test --solution Catalytic.slnx -c Release --no-build --no-progress --output Detailed \
  --hangdump --hangdump-timeout 25m --hangdump-type Mini 2>&1 | tee "$state/test.log"
status=${PIPESTATUS[0]}

# MTP prints the totals as "total: N / failed: N / succeeded: N / skipped: N".
num() { grep -E "^\s*$1: [0-9]+" "$state/test.log" | tail -1 | grep -oE '[0-9]+' | head -1; }
passed=$(num succeeded); failed=$(num failed); skipped=$(num skipped)
passed=${passed:-0}; failed=${failed:-0}; skipped=${skipped:-0}
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A crash or a project that ran no test: count it as a failure so the run is red.
  failed=1
fi

# The short fuzz run (about a minute): every parser of untrusted input under afl-fuzz for a few seconds each
# (bench/fuzz/run.sh; a crash or hang fails the run, a crash listed in fuzz/known-crashes.txt does not).
log "fuzzing: bench/fuzz/run.sh 8"
bench/fuzz/run.sh 8 2>&1 | tee "$state/fuzz.log"
fp=$(grep -E '^fuzz: [0-9]+ passed' "$state/fuzz.log" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
ff=$(grep -E '^fuzz: [0-9]+ passed' "$state/fuzz.log" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
passed=$((passed + ${fp:-0})); failed=$((failed + ${ff:-1}))

# The sample service is a repository of its own (samples/lattice, not in Catalytic.slnx): its unit tests and its
# integration tests against the same PostgreSQL and Redis.
log "lattice sample: build and tests"
lattice_log="$state/lattice.log"
if (cd samples/lattice && dotnet build Lattice.slnx -c Release --nologo -v q -clp:ErrorsOnly) >"$state/lattice-build.log" 2>&1; then
  pgdb="${CATALYTIC_TEST_POSTGRES:-}"
  (cd samples/lattice && LATTICE_TEST_POSTGRES="$pgdb" LATTICE_TEST_REDIS="${CATALYTIC_TEST_REDIS:-}" \
    dotnet test --solution Lattice.slnx -c Release --no-build --no-progress --output Detailed) 2>&1 | tee "$lattice_log"
  lattice_status=${PIPESTATUS[0]}
else
  cat "$state/lattice-build.log"; lattice_status=1; : >"$lattice_log"
fi
lp=$(grep -E "^\s*succeeded: [0-9]+" "$lattice_log" | tail -1 | grep -oE '[0-9]+' | head -1)
lf=$(grep -E "^\s*failed: [0-9]+" "$lattice_log" | tail -1 | grep -oE '[0-9]+' | head -1)
lsk=$(grep -E "^\s*skipped: [0-9]+" "$lattice_log" | tail -1 | grep -oE '[0-9]+' | head -1)
passed=$((passed + ${lp:-0})); failed=$((failed + ${lf:-0})); skipped=$((skipped + ${lsk:-0}))
if [ "$lattice_status" -ne 0 ] && [ "${lf:-0}" -eq 0 ]; then failed=$((failed + 1)); fi
if [ "$failed" -gt 0 ]; then
  # Name the failures last, so the tail of a red run (what CI keeps) says which tests failed and why.
  echo "---- failed (the first lines of each; the whole output is above) ----"
  grep -h -E -A8 '^failed ' "$state/test.log" "$lattice_log" 2>/dev/null | grep -v -E '^\s+from /' | cut -c1-300 | head -120
  grep -h -E -A12 'Hang dump timeout|still running when dump' "$state/test.log" 2>/dev/null | cut -c1-300 | head -40
  grep -h -E 'crash|hang' "$state/fuzz.log" 2>/dev/null | grep -v -E '^target |^fuzz: [0-9]+ passed, 0 failed' | head -10
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
