#!/usr/bin/env bash
# Builds the local test image localhost/catalytic-test/busybox:1 from the machine's busybox-static: FROM scratch,
# no registry involved (none is reachable here). Does nothing when the image is already in podman's store.
# Usage: tests/podman/build-test-image.sh   (exit 0 when the image is there afterwards)
# Change the image? Bump the tag (here, in tests/ and in tests/conformance/) so machines rebuild it.
set -euo pipefail
image=localhost/catalytic-test/busybox:1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
command -v podman >/dev/null || { echo "build-test-image: podman is not installed" >&2; exit 1; }
podman image exists "$image" && exit 0
busybox=/bin/busybox
[ -x "$busybox" ] && ldd "$busybox" >/dev/null 2>&1 && busybox=""   # a dynamic busybox cannot live in scratch
[ -n "$busybox" ] || busybox="$(command -v busybox.static || true)"
[ -x "${busybox:-}" ] || { echo "build-test-image: no static busybox (apt-get install busybox-static)" >&2; exit 1; }
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$busybox" "$context/busybox"
cat >"$context/Containerfile" <<'CONTAINERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /tmp /root /etc /var/www && chmod 1777 /tmp && echo "catalytic test image" > /var/www/index.html
ENV PATH=/usr/local/bin:/usr/bin:/bin
# As a service: an HTTP server on port 80 serving /var/www, with its environment at /env.txt.
CMD ["/bin/sh", "-c", "env > /var/www/env.txt && exec httpd -f -p 80 -h /var/www"]
CONTAINERFILE
# A concurrent build of the same tag is harmless: the last one wins with an identical image.
podman build -q -t "$image" "$context" >/dev/null
podman image exists "$image"
