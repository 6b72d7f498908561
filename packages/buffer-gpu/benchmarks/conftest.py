"""GPU benchmarks: ours and the baselines, side by side in the same run.

Implementations are named in each benchmark's ``extra_info["impl"]`` and id:
``ours`` (buffer_gpu), ``cupy-pinned`` (CuPy copying to or from memory that
is already page-locked: the copy engine's speed, the 80 % target),
``cupy-pageable`` (plain ``cupy.asarray``/``.get()``) and ``zarr``
(zarr-python's own GPU buffers, skipped when zarr is not installed).
Without a usable CUDA device every benchmark is skipped with the reason.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

import buffer_gpu


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = buffer_gpu.device_problem()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        item.add_marker(skip)


@pytest.fixture
def cp() -> Any:
    import cupy  # noqa: PLC0415  # only reached with a device

    return cupy


@pytest.fixture
def zarr_gpu() -> Any:
    """zarr-python's GPU buffer module, or a skip when zarr is not installed."""
    if importlib.util.find_spec("zarr") is None:
        pytest.skip("zarr is not installed: no zarr baseline in this run")
    from zarr.core.buffer import gpu  # noqa: PLC0415  # zarr is optional

    return gpu


@pytest.fixture
def zarr_cpu() -> Any:
    if importlib.util.find_spec("zarr") is None:
        pytest.skip("zarr is not installed: no zarr baseline in this run")
    from zarr.core.buffer import cpu  # noqa: PLC0415  # zarr is optional

    return cpu
