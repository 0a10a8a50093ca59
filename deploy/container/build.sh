#!/usr/bin/env bash
# Builds the VaeWeb image with podman from a self-contained publish, on a base image that is either
# given (BASE_IMAGE=docker.io/library/debian:bookworm-slim) or made here from Debian's archive with
# debootstrap (needs root, about a minute), so nothing comes from a .NET image registry.
#
#   deploy/container/build.sh                 # -> localhost/vaeweb:latest
#   IMAGE=localhost/vaeweb:1 BASE_IMAGE=docker.io/library/debian:bookworm-slim deploy/container/build.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
IMAGE="${IMAGE:-localhost/vaeweb:latest}"
BASE_IMAGE="${BASE_IMAGE:-localhost/debian-bookworm-min:12}"
WORK="${WORK:-$(mktemp -d -t vaeweb-image-XXXXXX)}"

if [[ "$BASE_IMAGE" == localhost/debian-bookworm-min:12 ]] && ! podman image exists "$BASE_IMAGE"; then
  # The Debian mirror this machine's apt uses, unless DEBIAN_MIRROR names one.
  mirror="${DEBIAN_MIRROR:-$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ')}"
  [[ -n "$mirror" ]] || { echo "no Debian mirror found in the apt sources; set DEBIAN_MIRROR" >&2; exit 2; }
  echo "making $BASE_IMAGE with debootstrap from $mirror ..."
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "$mirror" >"$WORK/debootstrap.log"
  tar -C "$WORK/rootfs" -c . | podman import - "$BASE_IMAGE"
  rm -rf "$WORK/rootfs"
fi

echo "publishing src/VaeWeb (Release, linux-x64, self-contained) ..."
dotnet publish "$ROOT/src/VaeWeb" -c Release -r linux-x64 --self-contained -o "$WORK/publish" -v quiet -nologo >/dev/null
# docker format: OCI images drop HEALTHCHECK.
podman build --format docker -f "$ROOT/deploy/container/Containerfile" --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$IMAGE" "$WORK/publish"
rm -rf "$WORK/publish"
podman image ls "$IMAGE"
