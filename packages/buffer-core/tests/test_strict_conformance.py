"""The whole conformance suite on storage in array-api-strict: the device paths, on the CPU.

This verifies on the CPU the logic buffer-core shares with device
implementations (the raw-bytes layout, transfers through the memory hooks,
keys resolved on the host, the standard's operations only); it is not GPU
verification.
"""

from __future__ import annotations

import numpy as np
import pytest

from buffer_core import BufferPrototype
from buffer_core.testing import (
    AccessRecord,
    ConformanceSuite,
    StrictMemory,
    StrictNDBuffer,
    strict_prototype,
)

pytest.importorskip("array_api_strict")


class TestStrictConformance(ConformanceSuite):
    @pytest.fixture
    def prototype(self) -> BufferPrototype:
        return strict_prototype


def _record(buf: StrictNDBuffer) -> AccessRecord:
    record = buf._record
    assert isinstance(record, AccessRecord)
    return record


def test_views_share_one_access_record() -> None:
    """A write through a view is recorded where the parent's reads will wait for it."""
    buf = StrictNDBuffer.create(shape=(4, 4), dtype="f8")
    view = buf[1:3, ::2]
    before = _record(buf).writes
    view[...] = 5.0
    assert _record(view) is _record(buf)
    assert _record(buf).writes == before + 1
    assert _record(buf).active_writes == 0
    assert buf.as_numpy_array()[1, 0] == 5.0


def test_dtypes_outside_the_standard_are_raw_bytes() -> None:
    """Byte-swapped numbers, strings, datetimes and structs are held as uint8 with a byte axis."""
    xp = StrictMemory().xp
    for dtype in [">f8", "U3", "M8[s]", np.dtype([("a", "i1"), ("b", "<f8")]), "f2"]:
        buf = StrictNDBuffer.create(shape=(2, 3), dtype=dtype)
        storage = buf.as_ndarray_like()
        assert storage.dtype == xp.uint8
        assert storage.shape == (2, 3, np.dtype(dtype).itemsize)


def test_unaligned_struct_field_writes_its_values() -> None:
    """A field at offset 1 is raw bytes; writing native values into it stores those values."""
    source = np.zeros(8, [("a", "i1"), ("b", "<f8")])
    buf = StrictNDBuffer.from_numpy_array(source)
    field = buf["b"]
    assert field._raw
    field[...] = np.arange(8.0)
    np.testing.assert_array_equal(buf.as_numpy_array()["b"], np.arange(8.0))
    assert buf["b"].all_equal(np.arange(8.0))
    np.testing.assert_array_equal(buf.as_numpy_array()["a"], 0)


def test_aligned_struct_field_is_a_native_view() -> None:
    """A field whose bytes are aligned for its dtype is computed with natively, as a view."""
    buf = StrictNDBuffer.from_numpy_array(np.zeros(4, [("a", "<i8"), ("b", "<f8")]))
    field = buf["b"]
    assert not field._raw
    field[1:3] = 2.5
    np.testing.assert_array_equal(buf.as_numpy_array()["b"], [0.0, 2.5, 2.5, 0.0])


def test_misaligned_storage_is_held_as_raw_bytes() -> None:
    """Storage whose elements sit at 4 mod 8 (a shard's inner chunk) is read as bytes, not loaded."""
    xp = StrictMemory().xp
    raw = np.zeros(8 * 4 + 4, dtype=np.uint8)
    values = np.arange(4.0)
    raw[4:] = values.view(np.uint8)
    misaligned = np.from_dlpack(xp.asarray(raw, copy=True))[4:].view("<f8")
    buf = StrictNDBuffer(xp.from_dlpack(misaligned))
    assert buf._raw
    np.testing.assert_array_equal(buf.as_numpy_array(), values)
    buf[1] = 7.0
    assert buf.as_numpy_array()[1] == 7.0
    assert buf.astype("f4").as_numpy_array().tolist() == [0.0, 7.0, 2.0, 3.0]


def test_astype_to_byte_swapped_keeps_order() -> None:
    """astype to a byte-swapped dtype lays the result out in the order asked for."""
    buf = StrictNDBuffer.from_numpy_array(np.arange(6.0).reshape(2, 3))
    converted = buf.astype(">f8", order="F")
    host = converted.as_numpy_array()
    assert host.dtype == np.dtype(">f8")
    assert host.flags.f_contiguous
    np.testing.assert_array_equal(host, np.arange(6.0).reshape(2, 3))
