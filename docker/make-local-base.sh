#!/usr/bin/env bash
# Make a Debian base image without any container registry: mmdebstrap builds a
# minimal root filesystem from the Debian archive and `docker import` turns it
# into an image. Both Dockerfiles build on it with `--base-image`.
#
#   docker/make-local-base.sh [TAG] [SUITE] [MIRROR]
#
# The image carries the distribution's python3 (3.11 on bookworm) with venv,
# because uv cannot download a Python where only package registries answer.
set -euo pipefail

tag="${1:-buffer-local-base:bookworm}"
suite="${2:-bookworm}"
mirror="${3:-http://deb.debian.org/debian}"

for tool in mmdebstrap docker; do
    command -v "$tool" >/dev/null || { echo "make-local-base: $tool is not installed" >&2; exit 1; }
done

rootfs="$(mktemp -d)/rootfs.tar"
trap 'rm -rf "$(dirname "$rootfs")"' EXIT

# minbase keeps the image small; the listed packages are what the Dockerfiles
# need at build time (a venv, TLS roots) and nothing more.
mmdebstrap --quiet --variant=minbase \
    --include=python3,python3-venv,ca-certificates \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$suite" "$rootfs" "$mirror"

docker import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' "$rootfs" "$tag" >/dev/null
echo "make-local-base: built $tag from Debian $suite"
