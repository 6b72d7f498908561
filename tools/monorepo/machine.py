"""What this machine can run: a Docker engine, the NVIDIA container runtime, a GPU.

Each probe returns ``None`` when the thing is usable, otherwise one line saying
what is missing, which a session prints instead of a traceback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

_PROBE_TIMEOUT_S = 60


def docker_command() -> str:
    """The Docker CLI to call: ``$DOCKER`` when set, else ``docker`` from PATH.

    ``$DOCKER`` exists because two CLIs can share a machine: Debian's docker.io
    20.10 builds with its built-in BuildKit, while a newer CLI without the buildx
    plugin refuses BuildKit builds altogether.
    """
    return os.environ.get("DOCKER", "docker")


def _run(*command: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def docker_problem() -> str | None:
    """Why Docker cannot build or run images here, or None."""
    docker = docker_command()
    if shutil.which(docker) is None:
        if os.sep in docker:
            return f"Docker is not installed: DOCKER={docker!r} is not an executable file"
        return f"Docker is not installed: no {docker!r} command on PATH"
    info = _run(docker, "info", "--format", "{{json .ServerVersion}}")
    if info is None or info.returncode != 0:
        return "the Docker engine is not reachable: `docker info` failed (is dockerd running?)"
    return None


def nvidia_runtime_problem() -> str | None:
    """Why ``docker run --gpus all`` cannot work here, or None."""
    info = _run(docker_command(), "info", "--format", "{{json .Runtimes}}")
    runtimes = json.loads(info.stdout) if info and info.returncode == 0 and info.stdout else {}
    # `--gpus` goes through the toolkit's prestart hook even when no "nvidia"
    # runtime is registered with the engine, so either one is enough.
    if "nvidia" in runtimes or shutil.which("nvidia-container-runtime-hook"):
        return None
    return "the NVIDIA container runtime is not installed (nvidia-container-toolkit)"


def gpu_problem() -> str | None:
    """Why no CUDA device can be used here, or None."""
    if shutil.which("nvidia-smi") is None:
        return "no NVIDIA GPU: nvidia-smi is not installed"
    listing = _run("nvidia-smi", "-L")
    if listing is None or listing.returncode != 0 or "GPU" not in listing.stdout:
        return "no NVIDIA GPU: nvidia-smi lists no device"
    return None


def driver_cuda_major() -> int | None:
    """The newest CUDA major version the installed driver supports, from nvidia-smi."""
    header = _run("nvidia-smi")
    if header is None or header.returncode != 0:
        return None
    match = re.search(r"CUDA Version:\s*(\d+)\.", header.stdout)
    return int(match.group(1)) if match else None


def docker_has_buildx() -> bool:
    """Whether the Docker CLI has the buildx plugin (else: the engine's built-in BuildKit)."""
    probe = _run(docker_command(), "buildx", "version")
    return probe is not None and probe.returncode == 0
