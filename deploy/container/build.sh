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
  echo "making $BASE_IMAGE with debootstrap ..."
  debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log"
  tar -C "$WORK/rootfs" -c . | podman import - "$BASE_IMAGE"
  rm -rf "$WORK/rootfs"
fi

echo "publishing src/VaeWeb (Release, linux-x64, self-contained) ..."
dotnet publish "$ROOT/src/VaeWeb" -c Release -r linux-x64 --self-contained -o "$WORK/publish" -v quiet -nologo >/dev/null
podman build -f "$ROOT/deploy/container/Containerfile" --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$IMAGE" "$WORK/publish"
rm -rf "$WORK/publish"
podman image ls "$IMAGE"
