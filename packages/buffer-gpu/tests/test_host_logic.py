"""The host-side logic behind transfers, dtypes and device errors, on real NumPy data."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from buffer_gpu._cupy import describe_device_failure, format_cuda_version
from buffer_gpu._interchange import holds_natively, is_device_array, parse_interface
from buffer_gpu._memory import contiguous_layout, layout_of, memory_extent, ranges_overlap
from buffer_gpu._pinned import MIN_CHUNK_BYTES, StagingPool, chunk_size_for
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
    assert holds_natively(np.dtype(dtype)) is native


# --- raw storage layouts -------------------------------------------------------------------------


@pytest.mark.parametrize(("order", "expected"), [("C", "C"), ("F", "F")])
def test_layout_of_recognizes_contiguous_orders(order: str, expected: str) -> None:
    """The strides of contiguous arrays (per element, bytes kept together) give their order."""
    array = np.zeros((3, 4, 5), dtype="U2", order=order)  # type: ignore[call-overload]
    assert layout_of(array.shape, array.strides, array.itemsize) == expected


def test_layout_of_rejects_strided_views() -> None:
    """A strided view is neither C nor F."""
    array = np.zeros((4, 6), dtype="S3")[::2, 1::2]
    assert layout_of(array.shape, array.strides, array.itemsize) is None


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.zeros((3, 4, 8), dtype="u1"), "C"),
        (np.zeros((4, 3, 8), dtype="u1").transpose(1, 0, 2), "rawF"),
        (np.zeros((3, 4), dtype="u1", order="F"), "F"),
        (np.zeros((3, 4), dtype="u1"), "C"),
        (np.zeros((6, 4, 8), dtype="u1")[::2], None),
    ],
    ids=["raw-C", "raw-F", "bytes-F", "bytes-C", "raw-strided"],
)
def test_contiguous_layout_tells_raw_f_order_from_plain_bytes(array: Any, expected: Any) -> None:
    """Raw bytes with leading axes in F order are "rawF"; a plain uint8 F array is "F"."""
    assert contiguous_layout(array.shape, array.strides, array.itemsize) == expected


@pytest.mark.parametrize("nbytes", [0, 5, (4 << 20) - 1, 4 << 20, (9 << 20) + 3])
def test_copy_host_copies_every_byte(nbytes: int) -> None:
    """Small copies in one call, large ones split over threads: the same bytes either way."""
    source = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
    out = np.zeros(nbytes, dtype=np.uint8)
    copy_host(out, source)
    assert np.array_equal(out, source)


# --- overlap detection -----------------------------------------------------------------------


def _extent(array: np.ndarray[Any, Any]) -> tuple[int, int]:
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


# --- the pinned staging pool, with host memory and events standing in ---------------------------


class _Pinned(bytearray):
    """Host memory with the ``ptr`` a pinned allocation exports."""

    @property
    def ptr(self) -> int:
        return int(np.frombuffer(self, dtype=np.uint8).ctypes.data)


class _Event:
    """A copy's event: done or not, and whether anyone had to wait for it."""

    def __init__(self, done: bool) -> None:
        self.done = done
        self.waited = False

    def synchronize(self) -> None:
        self.waited = True
        self.done = True


def _pool(max_idle_bytes: int = 64 << 20) -> tuple[StagingPool, list[int]]:
    sizes: list[int] = []

    def allocate(nbytes: int) -> _Pinned:
        sizes.append(nbytes)
        return _Pinned(nbytes)

    return StagingPool(max_idle_bytes=max_idle_bytes, allocate=allocate), sizes


@pytest.mark.parametrize(
    ("nbytes", "size"),
    [
        (0, MIN_CHUNK_BYTES),
        (1, MIN_CHUNK_BYTES),
        (MIN_CHUNK_BYTES + 1, 2 * MIN_CHUNK_BYTES),
        (1 << 20, 1 << 20),
        (100 << 20, 16 << 20),
    ],
)
def test_small_transfers_take_small_chunks(nbytes: int, size: int) -> None:
    """A chunk is sized for its transfer (a power of two, 64 KiB to 16 MiB), not always 16 MiB."""
    assert chunk_size_for(nbytes) == size


def test_an_idle_chunk_whose_copy_finished_is_preferred() -> None:
    """The chunk just given back (its copy in flight) is not handed out while a finished one waits."""
    pool, sizes = _pool()
    with pool.chunks(2, 1000) as (first, second):
        first.pending = _Event(done=True)
        second.pending = _Event(done=False)  # given back last, still copying
    with pool.chunks(1, 1000) as (taken,):
        assert taken is first
        assert not taken.pending.waited
    assert sizes == [MIN_CHUNK_BYTES, MIN_CHUNK_BYTES]


def test_without_a_finished_chunk_the_oldest_is_taken() -> None:
    """First in, first out: the chunk given back longest ago, likeliest done."""
    pool, _ = _pool()
    with pool.chunks(2, 1000) as (first, second):
        first.pending = _Event(done=False)
        second.pending = _Event(done=False)
    with pool.chunks(1, 1000) as (taken,):
        assert taken is first


def test_idle_pinned_memory_is_capped_and_dropped_chunks_finish_first() -> None:
    """Beyond the cap a chunk is unpinned, after waiting for its copy; sizes never mix."""
    pool, sizes = _pool(max_idle_bytes=MIN_CHUNK_BYTES)
    with pool.chunks(2, 10) as (first, second):
        first.pending = _Event(done=False)
        second.pending = _Event(done=False)
        events = (first.pending, second.pending)
    assert pool.idle_bytes == MIN_CHUNK_BYTES
    assert [event.waited for event in events] == [False, True]
    with pool.chunks(1, 1 << 20) as (big,):
        assert big.host.size == 1 << 20
    assert sizes[-1] == 1 << 20


# --- the CUDA Array Interface, read once --------------------------------------------------------


class _Exporter:
    def __init__(self, interface: Any) -> None:
        self.__cuda_array_interface__ = interface


def test_interface_is_parsed_once_with_default_strides() -> None:
    """C strides are derived when absent; the extent covers the last element."""
    described = parse_interface(
        {"data": (4096, False), "shape": (3, 4), "typestr": "<f4", "version": 3}
    )
    assert described.strides == (16, 4)
    assert described.nbytes == 48
    assert described.stream is None


def test_big_endian_typestr_is_a_dtype_not_an_error() -> None:
    """A typestr CuPy cannot compute with is read as its NumPy dtype (held as raw bytes)."""
    described = parse_interface(
        {"data": (4096, False), "shape": (2,), "typestr": ">f8", "strides": (16,), "stream": 1}
    )
    assert described.dtype == np.dtype(">f8")
    assert not holds_natively(described.dtype)
    assert described.nbytes == 24
    assert described.stream == 1


@pytest.mark.parametrize(
    "interface",
    [
        None,
        {"shape": (2,), "typestr": "<f8"},
        {"data": (0, False), "shape": (2,), "typestr": "?x"},
        {"data": (0, False), "shape": (2,), "typestr": "<f8", "strides": (8, 8)},
    ],
    ids=["not-a-dict", "no-data", "bad-typestr", "strides-rank"],
)
def test_bad_interfaces_name_array(interface: Any) -> None:
    """A malformed interface is a TypeError or ValueError naming array, not CuPy's message."""
    with pytest.raises((TypeError, ValueError), match=r"^array: "):
        parse_interface(interface)


def test_device_arrays_are_recognized_without_cupy_work() -> None:
    """Objects with the interface, or a CUDA DLPack device, count; host arrays do not."""
    assert is_device_array(_Exporter({"data": (0, False), "shape": (0,), "typestr": "<f8"}))
    assert not is_device_array(np.zeros(3))
    assert not is_device_array(b"abc")


# --- access records ------------------------------------------------------------------------------


def test_an_access_record_waits_for_the_last_write_and_the_reads_since() -> None:
    """Reads wait for the last write only; writes for it and every pending read, done ones skipped."""
    from buffer_gpu._ordering import AccessRecord

    record = AccessRecord()
    assert record.pending_write() is None
    assert record.pending_accesses() == []
    write, read_a, read_b = _Event(done=False), _Event(done=False), _Event(done=True)
    record.write = write
    record.reads = {1: read_a, 2: read_b}
    assert record.pending_write() is write
    assert record.pending_accesses() == [write, read_a]
    write.done = True
    assert record.pending_write() is None
    assert record.pending_accesses() == [read_a]
