"""buffer-cpu against zarr's CPU buffers and the memory limit, in one run.

Targets (checked by reading the report, never asserted on time):
- all_equal(0) on 8 MiB of float64 zeros: within 1.25x of the numpy-limit (one unsigned max
  over the same bytes), >= 3x faster than zarr, no buffer-sized allocation;
- all_equal on data that differs in its first element: >= 10x faster than zarr;
- combine of 1000 x 1 KiB: within 1.15x of the numpy-limit (one np.concatenate of the parts);
- from_bytes, slicing, construction: no slower than zarr.

The zarr workloads these paths serve are measured end to end in test_zarr_workloads.py.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

MiB = 1 << 20
EIGHT_MIB_F8 = MiB  # float64 elements in 8 MiB


def _limit(benchmark: Any) -> None:
    benchmark.extra_info["impl"] = "numpy-limit"


@pytest.fixture(scope="module")
def zeros_8mib() -> np.ndarray[Any, Any]:
    return np.zeros(EIGHT_MIB_F8)


@pytest.fixture(scope="module")
def first_differs_8mib() -> np.ndarray[Any, Any]:
    data = np.zeros(EIGHT_MIB_F8)
    data[0] = 1.0
    return data


# --- all_equal -------------------------------------------------------------------------------


def test_all_equal_zeros(benchmark: Any, impl: SimpleNamespace, zeros_8mib: Any) -> None:
    """all_equal(0) over 8 MiB of float64 zeros: must read every byte once."""
    benchmark.group = "all_equal(0), 8 MiB float64 zeros"
    buf = impl.NDBuffer(zeros_8mib)
    assert benchmark(buf.all_equal, 0) is True


def test_all_equal_zeros_limit(benchmark: Any, zeros_8mib: Any) -> None:
    """One read of the same 8 MiB (an unsigned max, NumPy's fastest reduction)."""
    benchmark.group = "all_equal(0), 8 MiB float64 zeros"
    _limit(benchmark)
    words = zeros_8mib.view(np.uint64)
    assert benchmark(words.max) == 0


def test_all_equal_float_fill(benchmark: Any, impl: SimpleNamespace, zeros_8mib: Any) -> None:
    """all_equal(0.0), the bitwise signed-zero rule zarr applies to float fill values."""
    benchmark.group = "all_equal(0.0), 8 MiB float64 zeros"
    buf = impl.NDBuffer(zeros_8mib)
    assert benchmark(buf.all_equal, 0.0) is True


def test_all_equal_first_differs(
    benchmark: Any, impl: SimpleNamespace, first_differs_8mib: Any
) -> None:
    """all_equal(0) on 8 MiB whose first element differs: should stop at once."""
    benchmark.group = "all_equal(0), 8 MiB, first element differs"
    buf = impl.NDBuffer(first_differs_8mib)
    assert benchmark(buf.all_equal, 0) is False


def test_all_equal_small_chunk(benchmark: Any, impl: SimpleNamespace) -> None:
    """all_equal on a typical small chunk (64 KiB): per-call overhead dominates."""
    benchmark.group = "all_equal(0.0), 64 KiB chunk"
    buf = impl.NDBuffer(np.zeros((64, 128)))
    assert benchmark(buf.all_equal, 0.0) is True


# --- combine -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kib_parts() -> list[bytes]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, 1024, dtype=np.uint8).tobytes() for _ in range(1000)]


def test_combine_1000_kib(benchmark: Any, impl: SimpleNamespace, kib_parts: list[bytes]) -> None:
    """combine of 1000 x 1 KiB host buffers into one."""
    benchmark.group = "combine, 1000 x 1 KiB"
    first, *rest = (impl.Buffer.from_bytes(p) for p in kib_parts)
    result = benchmark(first.combine, rest)
    assert len(result) == 1000 * 1024


def test_combine_1000_kib_limit(benchmark: Any, kib_parts: list[bytes]) -> None:
    """np.concatenate of the same 1000 arrays: one allocation, one copy each."""
    benchmark.group = "combine, 1000 x 1 KiB"
    _limit(benchmark)
    arrays = [np.frombuffer(p, dtype=np.uint8) for p in kib_parts]
    assert benchmark(np.concatenate, arrays).size == 1000 * 1024


# --- construction, conversion, slicing ------------------------------------------------------


def test_from_bytes(benchmark: Any, impl: SimpleNamespace) -> None:
    """from_bytes over 1 MiB of bytes (zero-copy on the host)."""
    benchmark.group = "from_bytes, 1 MiB"
    payload = bytes(MiB)
    assert len(benchmark(impl.Buffer.from_bytes, payload)) == MiB


def test_buffer_slice(benchmark: Any, impl: SimpleNamespace) -> None:
    """A contiguous slice of a 1 MiB buffer (a view)."""
    benchmark.group = "Buffer[a:b]"
    buf = impl.Buffer.from_bytes(bytes(MiB))
    key = slice(1024, 4096)
    assert len(benchmark(buf.__getitem__, key)) == 3072


def test_buffer_construction(benchmark: Any, impl: SimpleNamespace) -> None:
    """Wrapping an existing uint8 array in a Buffer."""
    benchmark.group = "Buffer(array)"
    array = np.zeros(4096, dtype=np.uint8)
    assert len(benchmark(impl.Buffer, array)) == 4096


def test_ndbuffer_construction(benchmark: Any, impl: SimpleNamespace) -> None:
    """Wrapping an existing array in an NDBuffer."""
    benchmark.group = "NDBuffer(array)"
    array = np.zeros((64, 64))
    assert benchmark(impl.NDBuffer, array).shape == (64, 64)


def test_ndbuffer_getitem(benchmark: Any, impl: SimpleNamespace) -> None:
    """Selecting a chunk-sized region of an NDBuffer."""
    benchmark.group = "NDBuffer[region]"
    buf = impl.NDBuffer(np.zeros((256, 256)))
    key = (slice(64, 128), slice(0, 64))
    assert benchmark(buf.__getitem__, key).shape == (64, 64)


def test_ndbuffer_setitem(benchmark: Any, impl: SimpleNamespace) -> None:
    """Writing a chunk-sized float64 array into a region (no temporary: same dtype)."""
    benchmark.group = "NDBuffer[region] = array"
    buf = impl.NDBuffer(np.zeros((256, 256)))
    key, value = (slice(64, 128), slice(0, 64)), np.ones((64, 64))
    benchmark(buf.__setitem__, key, value)
    assert buf.as_numpy_array()[64, 0] == 1.0


def test_buffer_setitem(benchmark: Any, impl: SimpleNamespace) -> None:
    """Writing a 4 KiB uint8 array into a slice of a 1 MiB buffer."""
    benchmark.group = "Buffer[a:b] = array"
    buf = impl.Buffer.from_bytes(bytearray(MiB))
    benchmark(buf.__setitem__, slice(4096, 8192), np.ones(4096, dtype=np.uint8))
    assert buf.as_numpy_array()[4096] == 1


def test_to_bytes(benchmark: Any, impl: SimpleNamespace) -> None:
    """to_bytes of 8 MiB (always one copy)."""
    benchmark.group = "to_bytes, 8 MiB"
    buf = impl.Buffer.from_bytes(bytes(8 * MiB))
    assert len(benchmark(buf.to_bytes)) == 8 * MiB


def test_to_bytes_limit(benchmark: Any) -> None:
    """ndarray.tobytes of the same 8 MiB."""
    benchmark.group = "to_bytes, 8 MiB"
    _limit(benchmark)
    array = np.frombuffer(bytes(8 * MiB), dtype=np.uint8)
    assert len(benchmark(array.tobytes)) == 8 * MiB


# --- allocation ----------------------------------------------------------------------------


@pytest.mark.parametrize("fill_value", [0.0, 1.5], ids=["fill-0.0", "fill-1.5"])
def test_create(benchmark: Any, impl: SimpleNamespace, fill_value: float) -> None:
    """NDBuffer.create of 8 MiB float64 with a fill value."""
    benchmark.group = f"NDBuffer.create, 8 MiB, fill {fill_value}"
    buf = benchmark(impl.NDBuffer.create, shape=(1024, 1024), dtype="f8", fill_value=fill_value)
    assert buf.shape == (1024, 1024)


@pytest.mark.parametrize("fill_value", [0.0, 1.5], ids=["fill-0.0", "fill-1.5"])
def test_create_limit(benchmark: Any, fill_value: float) -> None:
    """np.full of the same shape: the allocation NumPy itself makes."""
    benchmark.group = f"NDBuffer.create, 8 MiB, fill {fill_value}"
    _limit(benchmark)
    assert benchmark(np.full, (1024, 1024), fill_value).shape == (1024, 1024)
