# CUDA test image: buffer-core, buffer-cpu and buffer-gpu installed from this
# checkout, with their test suites. Built by `nox -s docker`; `nox -s tests-gpu`
# runs its GPU suite with `docker run --gpus all`.
#
# Build args: CUDA_VERSION picks the default base and the CuPy wheel
# (cupy-cuda12x or cupy-cuda13x through buffer-gpu's extras); PYTHON_VERSION is
# the interpreter, taken from the base when it has one, else from apt.
# BASE_IMAGE replaces the base, e.g. a Debian root made by make-local-base.sh.
#
# A CA bundle for a TLS-intercepting proxy comes in as the BuildKit secret
# "ca"; a secret is mounted only while one RUN step runs, so it is never in a layer.

ARG CUDA_VERSION=12.9.1
ARG BASE_IMAGE=nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu24.04
FROM ${BASE_IMAGE}

ARG CUDA_VERSION
ARG PYTHON_VERSION=3.12

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Which devices and driver libraries the NVIDIA container runtime exposes. The
# official bases set these too; a local base does not, and without them
# `--gpus all` would give a container without libcuda.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# The interpreter comes from the distribution (noble has 3.12, bookworm 3.11):
# uv-managed Pythons would need a download that offline builders cannot make.
# hadolint ignore=DL3008
RUN if ! command -v "python${PYTHON_VERSION}" >/dev/null \
        || ! "python${PYTHON_VERSION}" -c 'import ensurepip, venv' 2>/dev/null; then \
        apt-get update \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            "python${PYTHON_VERSION}" "python${PYTHON_VERSION}-venv" ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && "python${PYTHON_VERSION}" -m venv /opt/venv \
    && useradd --create-home --shell /bin/bash --uid 10001 --user-group buffer

ENV PATH=/opt/venv/bin:${PATH} \
    VIRTUAL_ENV=/opt/venv

# README.md holds the usage example a test runs; the glob lets a tree without it build.
COPY pyproject.toml README.m[d] /opt/buffers/
COPY docker/run-tests.sh /usr/local/bin/buffer-tests
COPY packages/ /opt/buffers/packages/

# The CuPy wheel must match the CUDA major version of the image: the official
# bases set CUDA_VERSION in their environment, which wins over the build arg.
# hadolint ignore=DL3013
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
    && cuda_major="${CUDA_VERSION%%.*}" \
    && pip install \
        "/opt/buffers/packages/buffer-core[testing]" \
        "/opt/buffers/packages/buffer-cpu[test]" \
        "/opt/buffers/packages/buffer-gpu[cuda${cuda_major},test]" \
    && python -c "import buffer_core, buffer_cpu, buffer_gpu, cupy"

# Numeric, so runtimes and Kubernetes can verify "not root" without /etc/passwd.
USER 10001:10001
WORKDIR /home/buffer

# Every suite; without a GPU the gpu-marked tests skip and say why.
CMD ["buffer-tests"]
