"""GPU tests skip, with one line saying why, where no CUDA device can be used."""

from __future__ import annotations

import functools

import pytest


@functools.cache
def gpu_unavailable_reason() -> str | None:
    """Why CuPy cannot use a CUDA device here (asked of CuPy itself), or None."""
    try:
        import cupy
    except ImportError as error:
        return f"needs CuPy (buffer-gpu[cuda12] or [cuda13]): {error}"
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except cupy.cuda.runtime.CUDARuntimeError as error:
        return f"no usable CUDA device: {error}"
    return None if count else "no usable CUDA device: none found"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = gpu_unavailable_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker("gpu") is not None:
            item.add_marker(skip)
