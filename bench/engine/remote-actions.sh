#!/usr/bin/env bash
# What resolving cached remote actions costs a run, one command: a workflow of N steps each using another remote
# composite action (acme/aI@v1, fetched once from a git daemon on loopback, then served from STATE/actions) against
# the same N actions as local ones (uses: ./actions/aI, nothing to resolve), in the same run of this script.
# Goal (issue 16): 20 cached remote actions add under 50 ms.
#   usage: bench/engine/remote-actions.sh [N=20] [ROUNDS=7]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n=${1:-20}; rounds=${2:-7}
cat="$root/catalytic"
"$cat" version >/dev/null   # builds the CLI when needed, outside the measurements
work="$(mktemp -d /tmp/catalytic-bench-actions.XXXXXX)"
daemon=""
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@x GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@x
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

# N action repositories served by git daemon, and the same actions as local folders of the workspace.
mkdir -p "$work/served/acme" "$work/src" "$work/ws/.github/workflows" "$work/ws/actions"
for i in $(seq "$n"); do
  a="$work/src/a$i"; mkdir -p "$a"
  printf 'name: a%s\nruns:\n  using: composite\n  steps:\n    - run: "true"\n      shell: sh\n' "$i" > "$a/action.yml"
  git -C "$a" init -q -b main && git -C "$a" add -A && git -C "$a" commit -qm v1 && git -C "$a" tag v1
  git clone -q --bare "$a" "$work/served/acme/a$i"
  cp -r "$a" "$work/ws/actions/a$i" && rm -rf "$work/ws/actions/a$i/.git"
done
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
git daemon --reuseaddr --export-all --listen=127.0.0.1 --port="$port" --base-path="$work/served" "$work/served" &
daemon=$!
url="git://127.0.0.1:$port"
for _ in $(seq 100); do git ls-remote "$url/acme/a1" >/dev/null 2>&1 && break; sleep 0.1; done

cd "$work/ws"
git init -q -b main . && git commit -q --allow-empty -m one
{ echo "on: push"; echo "jobs:"; echo "  j:"; echo "    runs-on: ubuntu-latest"; echo "    steps:"
  for i in $(seq "$n"); do echo "      - uses: acme/a$i@v1"; done; } > remote.yml
{ echo "on: push"; echo "jobs:"; echo "  j:"; echo "    runs-on: ubuntu-latest"; echo "    steps:"
  for i in $(seq "$n"); do echo "      - uses: ./actions/a$i"; done; } > local.yml
"$cat" run -W remote.yml --actions-url "$url" >/dev/null 2>&1 || { echo "bench: the first (fetching) run failed" >&2; "$cat" run -W remote.yml --actions-url "$url" | tail -20 >&2; exit 1; }

now() { date +%s%N; }
best() { # best wall ms of ROUNDS runs of: catalytic run ARGS
  local b=""; for _ in $(seq "$rounds"); do
    local s e t; s=$(now); "$cat" run "$@" >/dev/null 2>&1 || { echo "bench: run $* failed" >&2; exit 1; }; e=$(now)
    t=$(echo "scale=1; ($e - $s) / 1000000" | bc); if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
  done; echo "$b"; }
# Interleaved, so load on the machine falls on both alike.
t_local=$(best -W local.yml); t_remote=$(best -W remote.yml --actions-url "$url")
t_local2=$(best -W local.yml); t_remote2=$(best -W remote.yml --actions-url "$url")
t_local=$(echo "if ($t_local2 < $t_local) $t_local2 else $t_local" | bc); t_remote=$(echo "if ($t_remote2 < $t_remote) $t_remote2 else $t_remote" | bc)
added=$(echo "scale=1; $t_remote - $t_local" | bc)
ok=$([ "$(echo "$added < 50" | bc)" = 1 ] && echo ok || echo MISSED)
printf '%s cached remote actions: %s ms, the same as local actions: %s ms → %s ms added, ratio %.3f (< 50 ms: %s)\n' \
  "$n" "$t_remote" "$t_local" "$added" "$(echo "$t_remote / $t_local" | bc -l)" "$ok"
