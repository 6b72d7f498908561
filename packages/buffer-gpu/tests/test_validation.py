"""Argument validation, which happens on the host before any device is touched.

These pass the same way with or without CuPy and a device: nothing here
reaches CuPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import buffer_gpu
from buffer_gpu import Buffer, NDBuffer


@pytest.mark.parametrize("value", ["text", 12, None, [1, 2]], ids=repr)
def test_from_bytes_rejects_non_bytes_like(value: Any) -> None:
    """from_bytes needs the buffer protocol: others are a TypeError naming bytes_like."""
    with pytest.raises(TypeError, match="bytes_like"):
        Buffer.from_bytes(value)


def test_from_bytes_rejects_non_contiguous_memory() -> None:
    """A strided memoryview is a ValueError naming bytes_like."""
    strided = memoryview(np.arange(8, dtype="u1"))[::2]
    with pytest.raises(ValueError, match="bytes_like"):
        Buffer.from_bytes(strided)


@pytest.mark.parametrize("value", [b"abc", np.zeros(3, "B"), None], ids=repr)
def test_from_buffer_rejects_non_buffers(value: Any) -> None:
    """from_buffer takes Buffers only."""
    with pytest.raises(TypeError, match="buffer"):
        Buffer.from_buffer(value)


@pytest.mark.parametrize("value", [b"abc", [1, 2, 3], None, 3], ids=repr)
def test_buffer_constructor_rejects_non_arrays(value: Any) -> None:
    """The constructor names array_like and what it accepts: device arrays or NumPy arrays."""
    with pytest.raises(TypeError, match=r"array_like.*__cuda_array_interface__"):
        Buffer(value)


@pytest.mark.parametrize(
    ("array", "problem"),
    [
        (np.zeros((2, 2), "B"), "1-dim"),
        (np.zeros(3, "f8"), "byte dtype"),
        (np.zeros(1, "O"), "byte dtype"),
    ],
    ids=["2-d", "float64", "object"],
)
def test_buffer_constructor_checks_host_arrays_before_copying(array: Any, problem: str) -> None:
    """A host array of the wrong shape or dtype is refused before it would be copied."""
    with pytest.raises(ValueError, match=f"array_like: only {problem}"):
        Buffer(array)


@pytest.mark.parametrize("value", [b"abc", [1, 2], None, 5], ids=repr)
def test_ndbuffer_constructor_rejects_non_arrays(value: Any) -> None:
    """The NDBuffer constructor names array."""
    with pytest.raises(TypeError, match="array"):
        NDBuffer(value)


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"shape": (-1, 2), "dtype": "f8"}, ValueError, "shape"),
        ({"shape": "ab", "dtype": "f8"}, TypeError, "shape"),
        ({"shape": (2,), "dtype": "not-a-dtype"}, TypeError, "dtype"),
        ({"shape": (2,), "dtype": None}, TypeError, "dtype"),
        ({"shape": (2,), "dtype": "O"}, TypeError, "dtype.*Python objects"),
        ({"shape": (2,), "dtype": "f8", "order": "K"}, ValueError, "order"),
        ({"shape": (2,), "dtype": "f8", "fill_value": "abc"}, ValueError, "fill_value"),
        ({"shape": (2,), "dtype": "u1", "fill_value": 300}, ValueError, "fill_value"),
    ],
    ids=str,
)
def test_create_validates_before_the_device(
    kwargs: Any, error: type[Exception], argument: str
) -> None:
    """Bad shape, dtype, order or fill value raise naming the argument, device or not."""
    with pytest.raises(error, match=argument):
        NDBuffer.create(**kwargs)


@pytest.mark.parametrize(
    ("args", "error", "argument"),
    [
        (((-1,), "f8"), ValueError, "shape"),
        (((2,), "nope"), TypeError, "dtype"),
        (((2,), "f8", "X"), ValueError, "order"),
    ],
    ids=str,
)
def test_empty_validates_before_the_device(
    args: Any, error: type[Exception], argument: str
) -> None:
    """empty validates like create."""
    with pytest.raises(error, match=argument):
        NDBuffer.empty(*args)


def test_from_numpy_array_refuses_python_objects() -> None:
    """Object arrays hold references that device memory cannot: a TypeError naming array_like."""
    with pytest.raises(TypeError, match=r"array_like.*Python objects"):
        NDBuffer.from_numpy_array(np.array([object()]))


def test_prototype_classes() -> None:
    """The prototype pairs this package's classes."""
    assert buffer_gpu.buffer_prototype == (Buffer, NDBuffer)
