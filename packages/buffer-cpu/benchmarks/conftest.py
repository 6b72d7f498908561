"""Shared fixtures: the implementations compared side by side in one run.

Every benchmark is parametrized by ``impl``: ``ours`` (buffer_cpu),
``zarr`` (zarr-python's own CPU buffers, skipped when zarr is not
installed) and, where one exists, ``numpy-limit``: the plain NumPy operation
on the same bytes, i.e. what the memory allows.
"""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace
from typing import Any

import pytest

import buffer_cpu

IMPLS = ["ours", "zarr"]


def _zarr_classes() -> SimpleNamespace | None:
    if importlib.util.find_spec("zarr") is None:
        return None
    from zarr.core.buffer import cpu  # noqa: PLC0415  # zarr is optional here

    return SimpleNamespace(Buffer=cpu.Buffer, NDBuffer=cpu.NDBuffer)


@pytest.fixture(params=IMPLS)
def impl(request: pytest.FixtureRequest, benchmark: Any) -> SimpleNamespace:
    """The Buffer/NDBuffer classes under test, recorded in the benchmark's extra_info."""
    if request.param == "ours":
        classes = SimpleNamespace(Buffer=buffer_cpu.Buffer, NDBuffer=buffer_cpu.NDBuffer)
    else:
        found = _zarr_classes()
        if found is None:
            pytest.skip("zarr is not installed: no zarr baseline in this run")
        classes = found
    benchmark.extra_info["impl"] = request.param
    return classes
