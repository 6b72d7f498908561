"""Machine facts and the key that keeps histories apart."""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from benchkit.machine import GpuInfo, MachineFacts, collect_machine_facts, machine_key

BASE = MachineFacts(
    arch="x86_64",
    cpu_model="Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz",
    cpu_cores=2,
    memory_gib=24,
)


def test_facts_of_this_machine_are_read() -> None:
    """CPU model, usable cores, memory and NumPy's version come from this machine."""
    facts = collect_machine_facts()
    assert facts.cpu_model
    assert facts.cpu_cores >= 1
    assert facts.memory_gib is None or facts.memory_gib >= 1
    assert facts.numpy_version == np.__version__
    info = facts.to_machine_info()
    assert set(info) >= {
        "cpu_model",
        "cpu_cores",
        "memory_gib",
        "gpus",
        "gpu_driver",
        "cuda_version",
        "numpy_version",
        "cupy_version",
    }


def test_key_is_a_readable_safe_path_part() -> None:
    """The key names the CPU, cores and memory, then a hash; only [a-z0-9-]."""
    key = machine_key(BASE)
    assert re.fullmatch(r"intel-xeon-platinum-8481c-2c-24g-[0-9a-f]{8}", key)
    assert machine_key(BASE) == key


def test_gpu_stack_changes_the_key_library_versions_do_not() -> None:
    """Another GPU, driver or CUDA gives another history; a NumPy upgrade does not."""
    gpu = dataclasses.replace(
        BASE,
        gpus=(GpuInfo("NVIDIA H100 80GB HBM3", 81559),),
        gpu_driver="550.54",
        cuda_version="12.4",
    )
    keys = {
        machine_key(BASE),
        machine_key(gpu),
        machine_key(dataclasses.replace(gpu, gpus=(GpuInfo("NVIDIA H200"),))),
        machine_key(dataclasses.replace(gpu, gpu_driver="560.1")),
        machine_key(dataclasses.replace(gpu, cuda_version="12.6")),
        machine_key(dataclasses.replace(BASE, cpu_cores=4)),
    }
    assert len(keys) == 6
    assert "h100-80gb-hbm3" in machine_key(gpu)
    assert machine_key(dataclasses.replace(BASE, numpy_version="9.9")) == machine_key(BASE)
