"""Device behaviour beyond the conformance suite: transfers, zero-copy, devices, streams, errors.

Everything here needs a CUDA device; elsewhere each test is skipped with the reason.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import buffer_cpu
from buffer_gpu import Buffer, NDBuffer
from buffer_gpu._pinned import CHUNK_BYTES

pytestmark = pytest.mark.gpu


@pytest.fixture
def cp() -> Any:
    import cupy

    return cupy


def _pattern(nbytes: int) -> bytes:
    return (np.arange(nbytes, dtype=np.uint64) * 2654435761 % 251).astype(np.uint8).tobytes()


# --- transfers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nbytes",
    [0, 1, 4095, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES + 3],
    ids=lambda n: f"{n}B",
)
def test_bytes_round_trip_across_chunk_boundaries(nbytes: int) -> None:
    """Host to device and back keeps every byte, whatever the staging chunks cut."""
    payload = _pattern(nbytes)
    buf = Buffer.from_bytes(payload)
    assert len(buf) == nbytes
    assert buf.to_bytes() == payload
    assert bytes(buf.as_buffer_like()) == payload
    assert buf.as_numpy_array().tobytes() == payload


def test_host_source_is_copied_not_shared() -> None:
    """from_bytes and from_numpy_array copy: later host writes do not reach the device."""
    host = bytearray(b"abcdef")
    buf = Buffer.from_bytes(host)
    array = np.arange(6)
    nd = NDBuffer.from_numpy_array(array)
    host[0] = ord("X")
    array[0] = 99
    assert buf.to_bytes() == b"abcdef"
    assert nd.as_numpy_array()[0] == 0


def test_page_locked_sources_are_read_directly(cp: Any) -> None:
    """A host array already in pinned memory is copied by DMA without staging, correctly."""
    import cupyx

    pinned = cupyx.empty_pinned((3 * CHUNK_BYTES // 2,), dtype=np.uint8)
    pinned[:] = np.frombuffer(_pattern(pinned.size), dtype=np.uint8)
    buf = Buffer.from_bytes(pinned)
    pinned[:] = 0  # from_bytes has returned: the copy is complete
    assert buf.to_bytes() == _pattern(pinned.size)


@pytest.mark.parametrize(
    "array",
    [
        np.arange(24, dtype="f4").reshape(2, 3, 4),
        np.asfortranarray(np.arange(24, dtype="i8").reshape(4, 6)),
        np.arange(100, dtype="u2").reshape(10, 10)[::3, 1::2],
        np.arange(12, dtype=">i4").reshape(3, 4),
        np.array(["a", "bb", "ccc"], dtype="U3"),
        np.array([b"xy", b"z"], dtype="S2"),
        np.array(["2024-01-02T03:04", "NaT"], dtype="M8[m]"),
        np.arange(6, dtype=np.longdouble),
        np.array(7.5),
    ],
    ids=["C", "F", "strided", "big-endian", "U3", "S2", "M8", "longdouble", "0-d"],
)
def test_ndbuffer_round_trip_keeps_dtype_bits_and_order(array: Any) -> None:
    """Every dtype comes back bit for bit, in C or F order as it went."""
    buf = NDBuffer.from_numpy_array(array)
    back = buf.as_numpy_array()
    assert back.dtype == array.dtype
    assert back.shape == array.shape
    assert back.tobytes() == np.ascontiguousarray(array).tobytes()
    if array.flags.f_contiguous and not array.flags.c_contiguous:
        assert back.flags.f_contiguous


def test_from_buffer_of_a_host_buffer_copies_once() -> None:
    """A CPU buffer becomes a GPU buffer with the same bytes; the CPU buffer is unchanged."""
    host = buffer_cpu.Buffer.from_bytes(bytearray(b"hello"))
    buf = Buffer.from_buffer(host)
    assert buf.device.startswith("cuda:")
    assert buf.to_bytes() == b"hello"
    assert buffer_cpu.Buffer.from_buffer(buf).to_bytes() == b"hello"


def test_setitem_writes_host_bytes_into_the_slice() -> None:
    """Host bytes go straight into the slice; the rest stays."""
    buf = Buffer.from_bytes(_pattern(3 * CHUNK_BYTES))
    replacement = bytes(CHUNK_BYTES + 5)
    buf[10 : 10 + len(replacement)] = replacement
    expected = bytearray(_pattern(3 * CHUNK_BYTES))
    expected[10 : 10 + len(replacement)] = replacement
    assert buf.to_bytes() == bytes(expected)


# --- zero-copy interchange -----------------------------------------------------------------------


def test_cupy_arrays_are_wrapped_without_copy(cp: Any) -> None:
    """Buffer and NDBuffer keep the very CuPy array; writes show through both ways."""
    raw = cp.arange(16, dtype=cp.uint8)
    buf = Buffer.from_array_like(raw)
    assert buf.as_array_like() is raw
    buf[0:1] = b"\xff"
    assert int(raw[0]) == 255
    nd_source = cp.zeros((4, 4))
    nd = NDBuffer.from_ndarray_like(nd_source)
    assert nd.as_ndarray_like() is nd_source
    assert NDBuffer.from_numpy_array(nd_source).as_ndarray_like() is nd_source


def test_cuda_array_interface_producers_are_wrapped_without_copy(cp: Any) -> None:
    """Any __cuda_array_interface__ object (here a plain one) is wrapped, not copied."""
    owner = cp.arange(8, dtype=cp.float32)

    class Producer:
        __cuda_array_interface__ = owner.__cuda_array_interface__

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nd = NDBuffer.from_ndarray_like(Producer())
    assert nd.as_ndarray_like().data.ptr == owner.data.ptr


def test_exports_share_memory(cp: Any) -> None:
    """__cuda_array_interface__ and __dlpack__ hand out the buffer's own memory."""
    buf = Buffer.from_bytes(b"abcdef")
    pointer = buf.as_array_like().data.ptr
    assert buf.__cuda_array_interface__["data"][0] == pointer
    assert cp.asarray(buf).data.ptr == pointer
    assert cp.from_dlpack(buf).data.ptr == pointer
    nd = NDBuffer.from_numpy_array(np.arange(6.0))
    assert cp.from_dlpack(nd).data.ptr == nd.as_ndarray_like().data.ptr


def test_pytorch_tensors_are_wrapped_without_copy() -> None:
    """PyTorch CUDA tensors come in through __cuda_array_interface__ or DLPack, without copy."""
    torch = pytest.importorskip("torch", reason="needs PyTorch with CUDA")
    if not torch.cuda.is_available():
        pytest.skip("PyTorch is installed without CUDA support")
    tensor = torch.arange(1 << 20, dtype=torch.uint8, device="cuda")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        buf = Buffer.from_array_like(tensor)
        nd = NDBuffer.from_ndarray_like(tensor.view(torch.float32).reshape(512, 512))
    assert buf.as_array_like().data.ptr == tensor.data_ptr()
    assert nd.as_ndarray_like().data.ptr == tensor.data_ptr()
    assert torch.from_dlpack(buf).data_ptr() == tensor.data_ptr()


def test_dlpack_only_producers_are_wrapped_without_copy(cp: Any) -> None:
    """An object with only __dlpack__ on a CUDA device is imported through DLPack."""
    owner = cp.arange(10, dtype=cp.int32)

    class DLPackOnly:
        def __dlpack__(self, **kwargs: Any) -> Any:
            return owner.__dlpack__(**kwargs)

        def __dlpack_device__(self) -> Any:
            return owner.__dlpack_device__()

    nd = NDBuffer.from_ndarray_like(DLPackOnly())
    assert nd.as_ndarray_like().data.ptr == owner.data.ptr


# --- device-side results ---------------------------------------------------------------------------


def test_all_equal_and_eq_return_python_bools() -> None:
    """Comparisons run on the device and hand back a plain bool."""
    nd = NDBuffer.create(shape=(1000, 1000), dtype="f4", fill_value=3.0)
    assert nd.all_equal(3.0) is True
    nd[999, 999] = 4.0
    assert nd.all_equal(3.0) is False
    first, second = Buffer.from_bytes(b"abc"), Buffer.from_bytes(b"abc")
    assert (first == second) is True
    assert (first == buffer_cpu.Buffer.from_bytes(b"abd")) is False


def test_raw_dtypes_compute_on_device() -> None:
    """Strings, datetimes and big-endian numbers fill, compare and convert correctly."""
    strings = NDBuffer.create(shape=(3, 2), dtype="U4", fill_value="ab")
    assert strings.all_equal("ab")
    assert not strings.all_equal("abc")
    strings[0, 0] = "zz"
    assert not strings.all_equal("ab")
    assert strings[1:].all_equal("ab")
    big = NDBuffer.from_numpy_array(np.full((4, 4), 2.5, dtype=">f8"))
    assert big.all_equal(2.5)
    assert big.byteorder == "big"
    np.testing.assert_array_equal(big.astype("<i8").as_numpy_array(), np.full((4, 4), 2))
    dates = NDBuffer.from_numpy_array(np.array(["NaT", "NaT"], dtype="M8[s]"))
    assert dates.all_equal(np.datetime64("NaT", "s"))
    assert not dates.all_equal(np.datetime64("NaT", "s"), equal_nan=False)


# --- combine ---------------------------------------------------------------------------------------


def test_combine_mixes_host_and_device_parts() -> None:
    """Host parts between device parts land in order."""
    host = [buffer_cpu.Buffer.from_bytes(bytes([i]) * (i + 1)) for i in range(5)]
    device = [Buffer.from_bytes(bytes([100 + i]) * 3) for i in range(3)]
    parts = [host[0], device[0], host[1], host[2], device[1], host[3], host[4], device[2]]
    combined = Buffer.create_zero_length().combine(parts)
    assert combined.to_bytes() == b"".join(p.to_bytes() for p in parts)


def test_combine_of_many_small_host_buffers() -> None:
    """A thousand small host buffers combine into one device buffer with every byte in place."""
    parts = [buffer_cpu.Buffer.from_bytes(_pattern(97 + i % 13)) for i in range(1000)]
    head = Buffer.from_bytes(b"head")
    combined = head.combine(parts)
    assert combined.to_bytes() == b"head" + b"".join(p.to_bytes() for p in parts)


# --- devices, streams, errors ------------------------------------------------------------------------


def test_device_names_the_current_device(cp: Any) -> None:
    """New memory lands on the current CuPy device, named "cuda:N"."""
    assert Buffer.from_bytes(b"a").device == f"cuda:{cp.cuda.Device().id}"
    assert NDBuffer.create(shape=(2,), dtype="u1").device == f"cuda:{cp.cuda.Device().id}"


def test_operations_run_on_the_buffers_own_device(cp: Any) -> None:
    """With another device current, a buffer's operations still use its own device."""
    if cp.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs two CUDA devices")
    with cp.cuda.Device(1):
        nd = NDBuffer.create(shape=(256, 256), dtype="f4", fill_value=1.0)
        buf = Buffer.from_bytes(b"abcdef")
    with cp.cuda.Device(0):
        assert nd.device == "cuda:1"
        assert nd.all_equal(1.0)
        copied = nd.copy()
        assert copied.device == "cuda:1"
        nd.fill(2.0)
        assert nd.as_numpy_array().sum() == 2.0 * 256 * 256
        combined = buf.combine([Buffer.from_bytes(b"gh")])  # the part lives on device 0
        assert combined.device == "cuda:1"
        assert combined.to_bytes() == b"abcdefgh"


def test_work_runs_on_the_current_stream(cp: Any) -> None:
    """Inside a non-default stream, transfers are ordered on it and synchronize() waits."""
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        nd = NDBuffer.from_numpy_array(np.arange(1 << 22, dtype="f4"))
        nd.fill(5.0)
        nd.synchronize()
        assert nd.all_equal(5.0)
        buf = Buffer.from_bytes(_pattern(CHUNK_BYTES * 2))
        buf.synchronize()
        assert buf.to_bytes() == _pattern(CHUNK_BYTES * 2)


@pytest.mark.parametrize(
    ("make", "itemsize"),
    [
        (lambda n: NDBuffer.empty((n,), "u1"), 1),
        (lambda n: NDBuffer.create(shape=(n,), dtype="f8", fill_value=1.0), 8),
    ],
    ids=["empty-u1", "create-f8"],
)
def test_out_of_memory_is_a_memory_error_naming_the_size(make: Any, itemsize: int) -> None:
    """More device memory than exists: a MemoryError of ours, argument first, bytes and device."""
    elements = 1 << 50
    with pytest.raises(MemoryError) as caught:
        make(elements)
    # The documented parts of our message (README: "a MemoryError starting with `shape:`
    # that names the shape, dtype and bytes asked for, and the device"), not its wording:
    # CuPy's own OutOfMemoryError is a MemoryError too, and its text differs between
    # CuPy 13 and 14, so only these parts tell that ours wrapped it.
    message = str(caught.value)
    assert message.startswith("shape"), message
    assert f"{elements * itemsize} bytes" in message, message
    assert f"({elements},)" in message, message
    assert "cuda:" in message, message


def test_failed_setitem_leaves_the_buffer_untouched() -> None:
    """A value of the wrong length writes nothing."""
    buf = Buffer.from_bytes(b"abcdef")
    with pytest.raises(ValueError, match="value"):
        buf[0:3] = b"toolong"
    assert buf.to_bytes() == b"abcdef"


# --- defects a review against CuPy's source found (issue 12) ---------------------------------------


def _two_devices(cp: Any) -> None:
    if cp.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs two CUDA devices")


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", ["f8", "f4", "f2", "c16", "c8"])
def test_negative_zero_is_written_as_negative_zero(dtype: str, order: str) -> None:
    """create, fill and scalar assignment keep -0.0's sign bit (CuPy's fill memsets zeros)."""
    expected = np.full((3, 4), -0.0, dtype=dtype, order=order)  # type: ignore[call-overload]
    made = NDBuffer.create(shape=(3, 4), dtype=dtype, order=order, fill_value=-0.0)  # type: ignore[arg-type]
    assert made.as_numpy_array().tobytes() == expected.tobytes()
    filled = NDBuffer.create(shape=(3, 4), dtype=dtype, order=order, fill_value=1.0)  # type: ignore[arg-type]
    filled.fill(-0.0)
    assert filled.as_numpy_array().tobytes() == expected.tobytes()
    assigned = NDBuffer.create(shape=(3, 4), dtype=dtype, order=order, fill_value=1.0)  # type: ignore[arg-type]
    assigned[...] = -0.0
    assert assigned.as_numpy_array().tobytes() == expected.tobytes()
    fancy = NDBuffer.create(shape=(3, 4), dtype=dtype, order=order, fill_value=1.0)  # type: ignore[arg-type]
    fancy[np.array([0, 2])] = -0.0
    host = np.ones((3, 4), dtype=dtype)
    host[np.array([0, 2])] = -0.0
    assert fancy.as_numpy_array().tobytes() == host.tobytes()


def test_fill_takes_a_device_scalar(cp: Any) -> None:
    """A 0-d device array fills like the value it holds, -0.0 included."""
    nd = NDBuffer.create(shape=(3,), dtype="f8", fill_value=1.0)
    nd.fill(cp.asarray(np.float64(2.5)))
    assert nd.all_equal(2.5)
    # Not cp.full((), -0.0): CuPy's own fill would already have made it +0.0.
    nd.fill(cp.asarray(np.array([-0.0]))[0])
    assert nd.as_numpy_array().tobytes() == np.full(3, -0.0).tobytes()


def test_nan_payloads_survive_fill() -> None:
    """A NaN's payload bits reach the device unchanged (CuPy 13 fills through .item())."""
    bits = np.array([0x7FF8_0000_0000_1234], dtype="u8")
    nan = bits.view("f8")[0]
    made = NDBuffer.create(shape=(5,), dtype="f8", fill_value=nan)
    assert (made.as_numpy_array().view("u8") == bits[0]).all()
    made.fill(nan)
    made[1:3] = nan
    assert (made.as_numpy_array().view("u8") == bits[0]).all()


def test_big_endian_device_views_are_held_as_raw_bytes(cp: Any) -> None:
    """A ">f8" view of device bytes (what zarr's BytesCodec makes) reads as big-endian values."""
    values = np.arange(6, dtype=">f8") + 0.5
    raw = cp.asarray(values.view(np.uint8))
    nd = NDBuffer.from_ndarray_like(raw.view(">f8"))
    assert nd.dtype == np.dtype(">f8")
    assert nd.shape == (6,)
    np.testing.assert_array_equal(nd.as_numpy_array(), values)
    np.testing.assert_array_equal(nd.astype("<f8").as_numpy_array(), values)
    assert nd.all_equal(values)
    assert nd.reshape((2, 3))[1].all_equal(values[3:])


def test_cuda_array_interface_export_names_the_buffers_stream(cp: Any) -> None:
    """The exported "stream" is the buffer's device's current stream, whatever is current."""
    nd = NDBuffer.from_numpy_array(np.arange(4.0))
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        assert nd.__cuda_array_interface__.get("stream") == stream.ptr
        assert Buffer.from_bytes(b"ab").__cuda_array_interface__.get("stream") == stream.ptr


def test_cross_device_interface_import_and_export(cp: Any) -> None:
    """CAI memory on another device is wrapped, not copied; its export names its own device's stream."""
    _two_devices(cp)
    with cp.cuda.Device(1):
        owner = cp.arange(8, dtype=cp.float32)
        stream_1 = cp.cuda.Stream(non_blocking=True)

    class Producer:
        __cuda_array_interface__ = owner.__cuda_array_interface__

    with cp.cuda.Device(0):
        nd = NDBuffer.from_ndarray_like(Producer())
        assert nd.device == "cuda:1"
        assert nd.as_ndarray_like().data.ptr == owner.data.ptr
        with cp.cuda.Device(1), stream_1:
            expected = stream_1.ptr
        with cp.cuda.Device(1), stream_1, cp.cuda.Device(0):
            assert nd.__cuda_array_interface__.get("stream") == expected


def test_all_equal_with_an_array_on_another_device(cp: Any) -> None:
    """other on another device is compared correctly, after that device's work on it."""
    _two_devices(cp)
    with cp.cuda.Device(1):
        other = cp.full((64, 64), 3.0)
    with cp.cuda.Device(0):
        nd = NDBuffer.create(shape=(64, 64), dtype="f8", fill_value=3.0)
        assert nd.all_equal(other)
        with cp.cuda.Device(1):
            other[0, 0] = 4.0
        assert not nd.all_equal(other)


def test_all_equal_scalar_in_the_buffers_dtype(cp: Any) -> None:
    """float32 0.1 is not float64 0.1 on CuPy 13 and 14 alike; it is float32 0.1."""
    nd = NDBuffer.from_numpy_array(np.full(1000, 0.1, dtype="f4"))
    assert nd.all_equal(np.float64(0.1)) is False
    assert nd.all_equal(0.1) is False
    assert nd.all_equal(np.float32(0.1)) is True
    assert NDBuffer.create(shape=(4,), dtype="i4", fill_value=7).all_equal(7.5) is False


@pytest.mark.parametrize("nbytes", [8, 1 << 20, 3 * CHUNK_BYTES], ids=lambda n: f"{n}B")
def test_overlapping_self_assignment_matches_numpy(nbytes: int) -> None:
    """buf[1:] = buf[:-1] shifts as NumPy does (through a temporary), not as an overlapping memcpy."""
    payload = _pattern(nbytes)
    buf = Buffer.from_bytes(payload)
    buf[1:nbytes] = buf[0 : nbytes - 1]
    expected = bytearray(payload)
    expected[1:] = payload[:-1]
    assert buf.to_bytes() == bytes(expected)
    backwards = Buffer.from_bytes(payload)
    backwards[0 : nbytes - 1] = backwards[1:nbytes]
    assert backwards.to_bytes() == payload[1:] + payload[-1:]
    host = np.frombuffer(payload, dtype=np.uint8).astype("f8").reshape(-1, 8)
    nd = NDBuffer.from_numpy_array(host)
    nd[1:] = nd[:-1]
    shifted = host.copy()
    shifted[1:] = host[:-1]
    np.testing.assert_array_equal(nd.as_numpy_array(), shifted)
    square = np.arange(64.0).reshape(8, 8)
    nd_t = NDBuffer.from_numpy_array(square)
    nd_t[...] = nd_t.transpose(None)
    np.testing.assert_array_equal(nd_t.as_numpy_array(), square.T)


def test_writes_on_one_stream_are_seen_by_readers_on_another(cp: Any) -> None:
    """A fill queued behind slow work on stream A is waited for by a read on stream B."""
    writer = cp.cuda.Stream(non_blocking=True)
    reader = cp.cuda.Stream(non_blocking=True)
    nd = NDBuffer.create(shape=(1 << 22,), dtype="f4", fill_value=1.0)
    nd.synchronize()
    busy = cp.ones(1 << 26, dtype=cp.float32)
    with writer:
        for _ in range(50):  # keeps stream A busy for milliseconds
            busy *= 1.0001
        nd.fill(5.0)
    with reader:
        assert nd.all_equal(5.0)
        np.testing.assert_array_equal(nd[:4].as_numpy_array(), np.full(4, 5.0, "f4"))
    with writer:
        payload = np.full(1 << 22, 9.0, dtype="f4")
        for _ in range(50):
            busy *= 1.0001
        uploaded = NDBuffer.from_numpy_array(payload)
    with reader:
        np.testing.assert_array_equal(uploaded.as_numpy_array(), payload)


def test_writes_through_a_view_are_seen_through_the_parent(cp: Any) -> None:
    """A view shares its buffer's record of writes: a fill of the view on A orders reads on B."""
    writer = cp.cuda.Stream(non_blocking=True)
    reader = cp.cuda.Stream(non_blocking=True)
    nd = NDBuffer.create(shape=(1 << 22,), dtype="f4", fill_value=1.0)
    view = nd[: 1 << 21]
    nd.synchronize()
    busy = cp.ones(1 << 26, dtype=cp.float32)
    with writer:
        for _ in range(50):
            busy *= 1.0001
        view.fill(6.0)
    with reader:
        assert nd[: 1 << 21].all_equal(6.0)
        assert nd[1 << 21 :].all_equal(1.0)


def test_writes_in_one_thread_are_seen_in_another(cp: Any) -> None:
    """zarr's pattern: a chunk written in one pool thread is read in another, each on its own stream."""
    import threading

    streams: list[Any] = []
    results: list[bool] = []

    def write(nd: NDBuffer) -> None:
        stream = cp.cuda.Stream(non_blocking=True)
        streams.append(stream)
        with stream:
            busy = cp.ones(1 << 26, dtype=cp.float32)
            for _ in range(50):
                busy *= 1.0001
            nd.fill(3.0)

    def read(nd: NDBuffer) -> None:
        with cp.cuda.Stream(non_blocking=True):
            results.append(nd.all_equal(3.0))

    nd = NDBuffer.create(shape=(1 << 22,), dtype="f4")
    nd.synchronize()
    writer = threading.Thread(target=write, args=(nd,))
    writer.start()
    writer.join()
    reader = threading.Thread(target=read, args=(nd,))
    reader.start()
    reader.join()
    assert results == [True]


def test_staging_memory_is_not_kept_by_cupys_pinned_pool(cp: Any) -> None:
    """Chunks past the idle cap go back to the OS: CuPy's pinned pool gains no free blocks."""
    import concurrent.futures

    from buffer_gpu._pinned import staging_pool

    pool = cp.get_default_pinned_memory_pool()
    before = pool.n_free_blocks()
    payload = _pattern(2 * CHUNK_BYTES)
    with concurrent.futures.ThreadPoolExecutor(8) as executor:
        bufs = list(executor.map(lambda _: Buffer.from_bytes(payload), range(16)))
    for buf in bufs:
        assert buf.to_bytes() == payload
    assert pool.n_free_blocks() == before
    assert staging_pool().idle_bytes <= 64 << 20


# --- structured fields and refused writes on the device -----------------------------------------


@pytest.mark.parametrize(
    "dtype",
    [
        np.dtype([("a", "i8"), ("b", "f8")]),
        np.dtype([("a", "i1"), ("b", "<f8"), ("c", ">i4")]),  # packed: "b" is not 8-byte aligned
        np.dtype([("a", "u2"), ("b", "(2,3)f4"), ("c", "S3")]),
    ],
    ids=["aligned", "packed", "sub-array"],
)
def test_fields_are_views_of_the_structured_buffer(dtype: np.dtype[Any]) -> None:
    """nd[name] reads like NumPy's field, and writes through it reach the parent's bytes."""
    rng = np.random.default_rng(7)
    source = np.frombuffer(rng.integers(0, 256, 5 * dtype.itemsize, "u1").tobytes(), dtype).copy()
    for name in dtype.names or ():
        if source[name].dtype.kind == "f":
            source[name] = np.arange(source[name].size).reshape(source[name].shape)
    buf = NDBuffer.from_numpy_array(source)
    for name in dtype.names or ():
        field = buf[name]
        np.testing.assert_array_equal(field.as_numpy_array(), source[name])
        assert (field.dtype, field.shape) == (source[name].dtype, source[name].shape)
    expected = source.copy()
    first = (dtype.names or ("",))[0]
    expected[first] = 3
    buf[first] = 3
    assert buf.as_numpy_array().tobytes() == expected.tobytes()
    expected[1:3][first] = 9
    buf[1:3][first][...] = 9
    assert buf.as_numpy_array().tobytes() == expected.tobytes()


def test_refused_device_writes_leave_the_device_bytes_as_they_were(cp: Any) -> None:
    """A value refused by the host-side conversion never reaches device memory."""
    buf = NDBuffer.from_numpy_array(np.arange(12, dtype="u1").reshape(4, 3))
    before = buf.as_numpy_array().tobytes()
    with pytest.raises(ValueError, match=r"^value: "):
        buf[0:2] = [[1, 2, 3], [4, 5, 300]]
    with pytest.raises(IndexError, match=r"^key: "):
        buf[9] = 1
    flat = Buffer.from_bytes(b"abcdefgh")
    with pytest.raises(TypeError, match=r"^value: "):
        flat[0:2] = cp.zeros(2, dtype="f4")
    assert buf.as_numpy_array().tobytes() == before
    assert flat.to_bytes() == b"abcdefgh"
