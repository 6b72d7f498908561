"""The second review's defects that only a device shows (issue 16), one test each.

Their shared halves run on the CPU too: the struct-field and byte-order
layouts in the conformance suite (every implementation, array-api-strict
included), misaligned storage and access records in buffer-core's strict
tests, the staging pool and the interface parser in ``test_host_logic.py``.
Everything here needs a CUDA device; elsewhere each test is skipped with the
reason. Tests that need two devices skip on one.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from buffer_gpu import NDBuffer

pytestmark = pytest.mark.gpu


@pytest.fixture
def cp() -> Any:
    import cupy

    return cupy


def _keep_busy(cp: Any) -> Any:
    """Queue milliseconds of work on the current stream, so what follows it is still pending."""
    busy = cp.ones(1 << 26, dtype=cp.float32)
    for _ in range(50):
        busy *= 1.0001
    return busy


def _two_devices(cp: Any) -> None:
    if cp.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs two CUDA devices")


def test_misaligned_device_memory_is_read_as_bytes(cp: Any) -> None:
    """<f8 elements at an offset of 4 mod 8 (a shard's inner chunk) are never loaded as doubles."""
    values = np.arange(16.0)
    raw = cp.zeros(4 + values.nbytes, dtype=cp.uint8)
    raw[4:] = cp.asarray(values.view(np.uint8))
    view = raw[4:].view("<f8")
    nd = NDBuffer.from_ndarray_like(view)
    assert nd.as_ndarray_like().dtype == np.uint8  # held as raw bytes
    np.testing.assert_array_equal(nd.as_numpy_array(), values)
    assert nd.all_equal(values)
    assert nd[3:5].all_equal(np.array([3.0, 4.0]))
    nd[0] = -1.0
    assert nd.as_numpy_array()[0] == -1.0
    np.testing.assert_array_equal(nd.astype("<f4").as_numpy_array(), np.r_[-1.0, values[1:]])
    cp.cuda.Device().synchronize()  # the context is alive: no misaligned load faulted


def test_a_write_waits_for_a_read_queued_on_another_stream(cp: Any) -> None:
    """A copy queued behind slow work on stream A reads the old values, whatever B writes later."""
    reader = cp.cuda.Stream(non_blocking=True)
    writer = cp.cuda.Stream(non_blocking=True)
    nd = NDBuffer.create(shape=(1 << 22,), dtype="f4", fill_value=1.0)
    nd.synchronize()
    with reader:
        busy = _keep_busy(cp)
        snapshot = nd.copy()
    with writer:
        nd.fill(2.0)
    snapshot.synchronize()
    assert snapshot.all_equal(1.0)
    assert nd.all_equal(2.0)
    del busy


def test_as_ndarray_like_hands_out_finished_memory(cp: Any) -> None:
    """The array zarr hands to users from its IO thread holds every write, on any stream."""
    nd = NDBuffer.create(shape=(1 << 22,), dtype="f4")
    nd.synchronize()
    writer = cp.cuda.Stream(non_blocking=True)
    with writer:
        busy = _keep_busy(cp)
        nd.fill(4.0)
    seen: list[bool] = []

    def use_elsewhere() -> None:
        with cp.cuda.Stream(non_blocking=True):
            array = nd.as_ndarray_like()
            seen.append(bool((array == 4.0).all()))

    thread = threading.Thread(target=use_elsewhere)
    thread.start()
    thread.join()
    assert seen == [True]
    del busy


def test_a_value_written_on_a_slow_stream_is_waited_for(cp: Any) -> None:
    """Writing one buffer into another waits for the value's own last write, on its stream."""
    value = NDBuffer.create(shape=(1 << 20,), dtype="f8")
    target = NDBuffer.create(shape=(1 << 20,), dtype="f8")
    value.synchronize()
    with cp.cuda.Stream(non_blocking=True):
        busy = _keep_busy(cp)
        value.fill(8.0)
    with cp.cuda.Stream(non_blocking=True):
        target[...] = value
    assert target.all_equal(8.0)
    del busy


def test_interface_is_read_once_and_big_endian_is_raw_bytes(cp: Any) -> None:
    """An exporter's dict is read once per wrap; a '>f8' typestr is held as bytes, not refused."""
    values = np.arange(6, dtype=">f8") + 0.5
    owner = cp.asarray(values.view(np.uint8))

    class Exporter:
        reads = 0

        @property
        def __cuda_array_interface__(self) -> dict[str, Any]:
            Exporter.reads += 1
            interface = dict(owner.__cuda_array_interface__)
            interface.update(shape=(6,), typestr=">f8", strides=None)
            return interface

    nd = NDBuffer.from_ndarray_like(Exporter())
    assert Exporter.reads == 1
    assert nd.dtype == np.dtype(">f8")
    np.testing.assert_array_equal(nd.as_numpy_array(), values)
    wrapped = NDBuffer.from_ndarray_like(nd)  # our own buffer: no interface read at all
    assert wrapped.as_ndarray_like() is nd.as_ndarray_like()


def test_all_equal_with_a_large_array_stages_through_our_pool(cp: Any) -> None:
    """A large ``other`` crosses through buffer-gpu's staging chunks, not CuPy's pinned pool."""
    pinned = cp.get_default_pinned_memory_pool()
    before = pinned.n_free_blocks()
    target = np.full((1 << 22,), 3.0)
    nd = NDBuffer.create(shape=target.shape, dtype="f8", fill_value=3.0)
    assert nd.all_equal(target)
    assert pinned.n_free_blocks() == before


def test_astype_to_byte_swapped_keeps_the_order(cp: Any) -> None:
    """astype(">f8", order="F") gives F-ordered big-endian values on the device too."""
    nd = NDBuffer.from_numpy_array(np.arange(12.0).reshape(3, 4))
    host = nd.astype(">f8", order="F").as_numpy_array()
    assert host.dtype == np.dtype(">f8")
    assert host.flags.f_contiguous
    np.testing.assert_array_equal(host, np.arange(12.0).reshape(3, 4))


def test_raw_values_of_another_device_are_converted_here(cp: Any) -> None:
    """Byte-swapped values on device 1 convert and compare with device 0 current (no peer kernel)."""
    _two_devices(cp)
    with cp.cuda.Device(1):
        big = NDBuffer.from_numpy_array(np.full((64, 64), 2.5, dtype=">f8"))
    with cp.cuda.Device(0):
        assert big.all_equal(2.5)
        native = big.astype("<f8")
        assert native.device == "cuda:1"
        np.testing.assert_array_equal(native.as_numpy_array(), np.full((64, 64), 2.5))
        target = NDBuffer.create(shape=(64, 64), dtype=">f8")
        target[...] = big
        assert target.all_equal(2.5)


def test_a_value_on_another_device_is_copied_after_its_writes(cp: Any) -> None:
    """Copying a value across devices waits for its write queued on a slow stream of its device."""
    _two_devices(cp)
    with cp.cuda.Device(1):
        value = NDBuffer.create(shape=(1 << 20,), dtype="f8")
        value.synchronize()
        with cp.cuda.Stream(non_blocking=True):
            busy = _keep_busy(cp)
            value.fill(6.0)
    with cp.cuda.Device(0):
        target = NDBuffer.create(shape=(1 << 20,), dtype="f8")
        target[...] = value
        assert target.all_equal(6.0)
    del busy
