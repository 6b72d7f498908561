"""What machine a benchmark ran on, and the key that keeps histories apart.

Every probe here is best effort: a fact that cannot be read is left out
(``None`` or an empty list) and nothing raises, because a benchmark run must
never fail for want of ``nvidia-smi``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["GpuInfo", "MachineFacts", "collect_machine_facts", "machine_key", "slugify"]

_PROBE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class GpuInfo:
    """One CUDA device as ``nvidia-smi`` reports it."""

    name: str
    memory_mib: int | None = None


@dataclass(frozen=True)
class MachineFacts:
    """Hardware and library versions that decide what a timing means."""

    arch: str
    cpu_model: str
    cpu_cores: int
    memory_gib: int | None
    gpus: tuple[GpuInfo, ...] = field(default_factory=tuple)
    gpu_driver: str | None = None
    cuda_version: str | None = None
    numpy_version: str | None = None
    cupy_version: str | None = None

    def to_machine_info(self) -> dict[str, Any]:
        """The flat keys this tool adds to pytest-benchmark's ``machine_info``."""
        info = asdict(self)
        info["gpus"] = [asdict(gpu) for gpu in self.gpus]
        return info


def slugify(text: str) -> str:
    """Lower-case ASCII letters, digits and single dashes: safe as a path part."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "unknown"


def machine_key(facts: MachineFacts) -> str:
    """A directory name that changes whenever the hardware or GPU stack changes.

    The readable prefix lets a person find their machine; the hash covers the
    facts the prefix abbreviates (GPU driver and CUDA version among them), so two
    runners that differ in any of them never share a history. Library versions
    are deliberately left out: a NumPy upgrade is a step in a trend, not a new
    machine.
    """
    keyed = {
        "arch": facts.arch,
        "cpu_model": facts.cpu_model,
        "cpu_cores": facts.cpu_cores,
        "memory_gib": facts.memory_gib,
        "gpus": [gpu.name for gpu in facts.gpus],
        "gpu_driver": facts.gpu_driver,
        "cuda_version": facts.cuda_version,
    }
    digest = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:8]
    parts = [_short_cpu_name(facts.cpu_model), f"{facts.cpu_cores}c"]
    if facts.memory_gib is not None:
        parts.append(f"{facts.memory_gib}g")
    if facts.gpus:
        count = f"{len(facts.gpus)}x" if len(facts.gpus) > 1 else ""
        parts.append(count + _short_gpu_name(facts.gpus[0].name))
    return slugify("-".join([*parts, digest]))


def _short_cpu_name(model: str) -> str:
    # Vendor marketing words make keys long without telling machines apart.
    noise = r"\((r|tm)\)|\bcpu\b|\bprocessor\b|\bcore\b|@.*$|\b\d+-core\b"
    return slugify(re.sub(noise, " ", model, flags=re.IGNORECASE))[:40].strip("-")


def _short_gpu_name(name: str) -> str:
    return slugify(re.sub(r"\bnvidia\b", " ", name, flags=re.IGNORECASE))[:30].strip("-")


def collect_machine_facts() -> MachineFacts:
    """Probe this machine; facts that cannot be read are left empty."""
    gpus, driver, cuda = _probe_nvidia_smi()
    return MachineFacts(
        arch=platform.machine() or "unknown",
        cpu_model=_cpu_model(),
        cpu_cores=_usable_cores(),
        memory_gib=_memory_gib(),
        gpus=gpus,
        gpu_driver=driver,
        cuda_version=cuda,
        numpy_version=_distribution_version("numpy"),
        cupy_version=_cupy_version(),
    )


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        # "model name" on x86, "Model"/"CPU part" style fields elsewhere.
        if key.strip().lower() in {"model name", "cpu model", "hardware"} and value.strip():
            return value.strip()
    return platform.processor() or platform.machine() or "unknown cpu"


def _usable_cores() -> int:
    # The affinity mask is what a container or a taskset actually grants;
    # os.cpu_count() reports the host's cores.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _memory_gib() -> int | None:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^MemTotal:\s+(\d+)\s+kB", text, flags=re.MULTILINE)
    if match is None:
        return None
    # Rounded so that firmware reservations of a few MiB do not split a history.
    return round(int(match.group(1)) / 1024**2)


def _probe_nvidia_smi() -> tuple[tuple[GpuInfo, ...], str | None, str | None]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return (), None, None
    try:
        query = subprocess.run(
            [exe, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_S,
            check=True,
        )
        banner = subprocess.run(
            [exe], capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return (), None, None
    gpus: list[GpuInfo] = []
    driver: str | None = None
    for line in query.stdout.splitlines():
        fields = [part.strip() for part in line.split(",")]
        if len(fields) != 3 or not fields[0]:
            continue
        memory = int(fields[1]) if fields[1].isdigit() else None
        gpus.append(GpuInfo(name=fields[0], memory_mib=memory))
        driver = fields[2] or driver
    cuda_match = re.search(r"CUDA Version:\s*([\d.]+)", banner.stdout)
    return tuple(gpus), driver, cuda_match.group(1) if cuda_match else None


def _distribution_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cupy_version() -> str | None:
    # CuPy ships as cupy-cudaXXx wheels; any of them provides the module.
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name == "cupy" or name.startswith("cupy-cuda"):
            return dist.version
    return None
