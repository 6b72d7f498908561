#!/usr/bin/env bash
# Containers tested for real: install and start a Docker engine, make a base
# image from Debian's archive (no registry is reachable here), then let
# `nox -s docker` build both images on it and test them with networking off.
# Called by .ci/run; fails loudly on any broken step.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
step() { printf '== containers [%4ss] %s\n' "$SECONDS" "$*"; }

# Debian's CLI (docker.io 20.10) builds with the engine's built-in BuildKit; a
# newer CLI elsewhere on PATH without the buildx plugin cannot.
export DOCKER=/usr/bin/docker
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=900 -q "$@"; }

if [ ! -x "$DOCKER" ] || ! command -v dockerd >/dev/null || ! command -v mmdebstrap >/dev/null; then
    step "installing docker.io and mmdebstrap"
    apt_get update >/dev/null
    apt_get install -y --no-install-recommends docker.io mmdebstrap >/dev/null
fi

if ! "$DOCKER" info >/dev/null 2>&1; then
    step "starting dockerd"
    # No bridge and no iptables: builds use the host's network and tests run
    # with none, so the engine never needs container addresses.
    nohup dockerd --bridge=none --iptables=false --ip-masq=false >/tmp/ci-dockerd.log 2>&1 &
    for _ in $(seq 60); do
        "$DOCKER" info >/dev/null 2>&1 && break
        sleep 1
    done
    "$DOCKER" info >/dev/null 2>&1 || { tail -20 /tmp/ci-dockerd.log; echo "dockerd did not start" >&2; exit 1; }
fi
step "engine up: $("$DOCKER" version --format 'server {{.Server.Version}}')"

base=buffer-local-base:bookworm
if "$DOCKER" image inspect "$base" >/dev/null 2>&1; then
    step "reusing local base image $base"
else
    step "making local base image $base with mmdebstrap"
    bash docker/make-local-base.sh "$base" bookworm
fi

# The proxy's CA certificates reach the builds as a BuildKit secret; the
# docker session then proves no image layer holds them.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
ca_args=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cat /usr/local/share/ca-certificates/*.crt >"$scratch/extra-ca.pem"
    ca_args=(--ca-certs "$scratch/extra-ca.pem")
fi

step "nox -s docker (build both images on $base, test them offline)"
python3 -m nox -s docker -- --base-image "$base" --python-version 3.11 "${ca_args[@]}"
step "done"
