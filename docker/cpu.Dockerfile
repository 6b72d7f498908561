# Slim CPU image: buffer-core and buffer-cpu only (never CuPy), the image the
# servers run on. Built by `nox -s docker`. The packages' CPU test suites are
# included so the image can prove itself with `docker run --network none`.
#
# BASE_IMAGE is any Debian-like image with python3 and venv; a CA bundle for a
# TLS-intercepting proxy comes in as the BuildKit secret "ca" and never lands
# in a layer.

ARG BASE_IMAGE=python:3.12-slim-bookworm
FROM ${BASE_IMAGE}

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN python3 -m venv /opt/venv \
    && useradd --create-home --shell /bin/bash --uid 10001 --user-group buffer

ENV PATH=/opt/venv/bin:${PATH} \
    VIRTUAL_ENV=/opt/venv

# README.md holds the usage example a test runs; the glob lets a tree without it build.
COPY pyproject.toml README.m[d] /opt/buffers/
COPY docker/run-tests.sh /usr/local/bin/buffer-tests
COPY packages/buffer-core/ /opt/buffers/packages/buffer-core/
COPY packages/buffer-cpu/ /opt/buffers/packages/buffer-cpu/

# hadolint ignore=DL3013
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
    && pip install "/opt/buffers/packages/buffer-core[testing]" "/opt/buffers/packages/buffer-cpu[test]" \
    && python -c "import buffer_core, buffer_cpu"

# Numeric, so runtimes and Kubernetes can verify "not root" without /etc/passwd.
USER 10001:10001
WORKDIR /home/buffer

CMD ["buffer-tests"]
