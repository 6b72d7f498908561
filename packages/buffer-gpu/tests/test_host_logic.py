"""The host-side logic behind transfers, dtypes and device errors, on real NumPy data."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from buffer_gpu._cupy import describe_device_failure, format_cuda_version
from buffer_gpu._device_arrays import _layout_of
from buffer_gpu._dtypes import is_device_native, native_counterpart, value_byte_indices
from buffer_gpu._transfer import copy_host, host_byte_view, plan_chunks, write_concatenated

# --- device errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "text"), [(12090, "12.9"), (13020, "13.2"), (12000, "12.0"), (11080, "11.8")]
)
def test_format_cuda_version(version: int, text: str) -> None:
    """CUDA's integer versions read as major.minor."""
    assert format_cuda_version(version) == text


def test_no_driver_is_named() -> None:
    """Insufficient-driver with driver version 0 means no NVIDIA driver at all."""
    message = describe_device_failure(35, 0, 12090)
    assert "no NVIDIA driver found" in message
    assert "CuPy was built for CUDA 12.9" in message


def test_old_driver_names_both_versions_and_the_fix() -> None:
    """A driver older than CuPy's CUDA names both versions and the extras."""
    message = describe_device_failure(35, 12020, 13020)
    assert "CUDA driver too old for this CuPy build (driver version 12.2, needs 13.2)" in message
    assert "buffer-gpu[cuda12]" in message


@pytest.mark.parametrize("status", [None, 100])
def test_no_device_is_named(status: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """No device (an error or a count of zero) says so, and names CUDA_VISIBLE_DEVICES if set."""
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert describe_device_failure(status, 12090, 12090).endswith("no CUDA device found")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert "CUDA_VISIBLE_DEVICES=''" in describe_device_failure(status, 12090, 12090)


def test_other_failures_give_the_status() -> None:
    """Any other CUDA error is reported with its number."""
    assert "error 999" in describe_device_failure(999, 12090, 12090)


# --- host byte views and chunking --------------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype="<i4").reshape(3, 4),
        np.asfortranarray(np.arange(12, dtype=">f8").reshape(3, 4)),
        np.array(2.5),
        np.array([True, False]),
        np.array(["ab", "cde"], dtype="U3"),
        np.array(["2024-01-02"], dtype="M8[D]"),
        np.zeros((2, 0)),
    ],
    ids=["C", "F-big-endian", "0-d", "bool", "U3", "M8", "empty"],
)
def test_host_byte_view_is_memory_order_without_copy(array: Any) -> None:
    """The byte view holds the array's bytes in memory order and shares its memory."""
    view = host_byte_view(array)
    assert view.dtype == np.uint8
    assert view.tobytes() == array.tobytes(order="A")
    if array.size:
        assert np.shares_memory(view, array)


@pytest.mark.parametrize(("total", "chunk"), [(0, 4), (1, 4), (4, 4), (5, 4), (17, 4)])
def test_plan_chunks_covers_every_byte_once(total: int, chunk: int) -> None:
    """Chunks are consecutive, at most chunk bytes, and cover exactly total bytes."""
    ranges = plan_chunks(total, chunk)
    covered = [i for start, stop in ranges for i in range(start, stop)]
    assert covered == list(range(total))
    assert all(0 < stop - start <= chunk for start, stop in ranges)


@pytest.mark.parametrize("chunk", [1, 3, 7, 64])
def test_write_concatenated_packs_sources_across_chunks(chunk: int) -> None:
    """Chunk after chunk, the sources come out laid end to end, empty ones included."""
    sources = [np.frombuffer(part, dtype=np.uint8) for part in (b"head", b"", b"x", b"0123456789")]
    joined = b"".join(s.tobytes() for s in sources)
    out = bytearray()
    for start, stop in plan_chunks(len(joined), chunk):
        staging = np.zeros(stop - start, dtype=np.uint8)
        write_concatenated(sources, start, staging)
        out += staging.tobytes()
    assert bytes(out) == joined


# --- dtypes on the device --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "native"),
    [
        ("u1", True),
        ("i8", True),
        ("f2", True),
        ("f8", True),
        ("c16", True),
        ("bool", True),
        (">f8", sys.byteorder == "big"),
        ("<i4", sys.byteorder == "little"),
        ("U5", False),
        ("S3", False),
        ("M8[s]", False),
        ("m8[ms]", False),
        (np.longdouble, np.dtype(np.longdouble).itemsize <= 8),
        ("i4,f8", False),
    ],
    ids=str,
)
def test_which_dtypes_cupy_computes_with(dtype: Any, native: bool) -> None:
    """Native-order booleans, integers, floats up to 64 bits and complex up to 128 bits."""
    assert is_device_native(np.dtype(dtype)) is native


def test_byte_swapped_numbers_have_a_native_counterpart() -> None:
    """Byte-swapped numbers compute in native order; strings and datetimes do not."""
    swapped = np.dtype(">f4" if sys.byteorder == "little" else "<f4")
    assert native_counterpart(swapped) == np.dtype("=f4")
    assert native_counterpart(np.dtype("f4")) is None
    assert native_counterpart(np.dtype("U3")) is None
    assert native_counterpart(np.dtype("M8[s]")) is None


def test_value_bytes_skip_extended_precision_padding() -> None:
    """Only the value bytes of x87 long doubles are compared; other dtypes use all bytes."""
    assert value_byte_indices(np.dtype("f8")) is None
    assert value_byte_indices(np.dtype("c16")) is None
    assert value_byte_indices(np.dtype("U3")) is None
    longdouble = np.dtype(np.longdouble)
    indices = value_byte_indices(longdouble)
    info = np.finfo(longdouble)
    if longdouble.itemsize > 8 and info.nmant == 63:  # x87: 80 value bits in 12 or 16 bytes
        assert indices is not None
        assert indices.tolist() == list(range(10))
        # The padding really is not part of the value: changing it keeps the number.
        value = np.array([1.5], dtype=longdouble)
        raw = value.view(np.uint8).copy()
        raw[10:] = 0xAB
        assert raw.view(longdouble)[0] == value[0]
    else:
        assert indices is None


# --- raw storage layouts -------------------------------------------------------------------------


@pytest.mark.parametrize(("order", "expected"), [("C", "C"), ("F", "F")])
def test_layout_of_recognizes_contiguous_orders(order: str, expected: str) -> None:
    """The strides of contiguous arrays (per element, bytes kept together) give their order."""
    array = np.zeros((3, 4, 5), dtype="U2", order=order)  # type: ignore[call-overload]
    assert _layout_of(array.shape, array.strides, array.itemsize) == expected


def test_layout_of_rejects_strided_views() -> None:
    """A strided view is neither C nor F."""
    array = np.zeros((4, 6), dtype="S3")[::2, 1::2]
    assert _layout_of(array.shape, array.strides, array.itemsize) is None


@pytest.mark.parametrize("nbytes", [0, 5, (4 << 20) - 1, 4 << 20, (9 << 20) + 3])
def test_copy_host_copies_every_byte(nbytes: int) -> None:
    """Small copies in one call, large ones split over threads: the same bytes either way."""
    source = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
    out = np.zeros(nbytes, dtype=np.uint8)
    copy_host(out, source)
    assert np.array_equal(out, source)


# --- overlap detection, scalar bit patterns, exact comparison targets ------------------------------


def _extent(array: np.ndarray[Any, Any]) -> tuple[int, int]:
    from buffer_gpu._device_arrays import memory_extent

    return memory_extent(array.ctypes.data, array.shape, array.strides, array.itemsize)


_BASE = np.arange(64, dtype="u2").reshape(8, 8)
_VIEWS = {
    "rows0-4": _BASE[0:4],
    "rows1-5": _BASE[1:5],
    "rows4-8": _BASE[4:8],
    "col0": _BASE[:, 0],
    "col7": _BASE[:, 7],
    "reversed": _BASE[::-1, ::-1],
    "last": _BASE[7:, 7:],
    "first": _BASE[:1, :1],
    "empty": _BASE[3:3],
    "other": np.zeros(8, dtype="u2"),
}


@pytest.mark.parametrize("first", list(_VIEWS))
@pytest.mark.parametrize("second", list(_VIEWS))
def test_overlap_detection_is_conservative(first: str, second: str) -> None:
    """Byte extents overlap whenever the arrays share memory, and never for disjoint ranges."""
    from buffer_gpu._device_arrays import ranges_overlap

    a, b = _VIEWS[first], _VIEWS[second]
    overlap = ranges_overlap(_extent(a), _extent(b))
    if np.shares_memory(a, b):
        assert overlap
    low_a, high_a = _extent(a)
    low_b, high_b = _extent(b)
    if high_a <= low_b or high_b <= low_a or a.size == 0 or b.size == 0:
        assert not overlap


def test_memory_extent_of_negative_strides() -> None:
    """A reversed view spans the same bytes as the array it reverses."""
    assert _extent(_BASE[::-1, ::-1]) == _extent(_BASE)
    assert _extent(_BASE[::-1]) == _extent(_BASE)


@pytest.mark.parametrize(
    ("dtype", "value"),
    [("f8", -0.0), ("f4", -0.0), ("f2", -0.0), ("c16", complex(-0.0, -0.0)), ("c8", -0.0)],
)
def test_scalars_keep_the_sign_of_zero(dtype: str, value: Any) -> None:
    """The host scalar that device writes copy bit for bit has the sign bit set."""
    from buffer_gpu._ndbuffer import _as_scalar_of

    scalar = _as_scalar_of(np.dtype(dtype), value)
    assert scalar is not None
    assert scalar.tobytes() != bytes(scalar.itemsize)
    assert np.signbit(scalar.real)


def test_scalars_keep_nan_payloads() -> None:
    """A NaN with a payload reaches the device write as the very same bits."""
    from buffer_gpu._ndbuffer import _as_scalar_of

    payload = np.array([0x7FF8_0000_0000_1234], dtype="u8").view("f8")[0]
    scalar = _as_scalar_of(np.dtype("f8"), payload)
    assert scalar is not None
    assert scalar.view("u8") == 0x7FF8_0000_0000_1234


def test_arrays_are_not_scalars() -> None:
    """Arrays and sequences are assigned element-wise, not as one bit pattern."""
    from buffer_gpu._ndbuffer import _as_scalar_of

    assert _as_scalar_of(np.dtype("f8"), np.zeros(2)) is None
    assert _as_scalar_of(np.dtype("f8"), [1.0]) is None
    assert _as_scalar_of(np.dtype("f8"), np.array(2.0)) is not None


@pytest.mark.parametrize(
    ("dtype", "target", "exact"),
    [
        ("f4", np.float64(0.1), False),
        ("f4", 0.1, False),
        ("f4", np.float32(0.1), True),
        ("f4", 3, True),
        ("i4", 7.5, False),
        ("i4", 7.0, True),
        ("u1", -1, False),
        ("u8", 2**64 - 1, True),
        ("i8", 2**63, False),
        ("f8", float("nan"), True),
        ("f8", 1 + 2j, False),
        ("f8", "abc", False),
    ],
    ids=str,
)
def test_scalar_targets_are_converted_exactly_or_not_at_all(
    dtype: str, target: Any, exact: bool
) -> None:
    """all_equal(scalar) compares in the buffer's dtype, so CuPy 13 and 14 agree with NumPy."""
    from buffer_gpu._all_equal import _convert_exactly

    converted = _convert_exactly(np.asarray(target), np.dtype(dtype))
    assert (converted is not None) is exact
    if converted is not None:
        assert converted.dtype == np.dtype(dtype)
