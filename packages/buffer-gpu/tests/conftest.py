"""GPU tests skip, with one line saying why, where no CUDA device can be used."""

from __future__ import annotations

import pytest

import buffer_gpu


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = buffer_gpu.device_problem()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker("gpu") is not None:
            item.add_marker(skip)
