"""Conformance tests for flat byte buffers."""

from __future__ import annotations

import hashlib
import inspect
import pickle
import sys
from typing import Any

import numpy as np
import pytest

from buffer_core import BufferPrototype
from buffer_core.testing._foreign import ForeignBuffer
from buffer_core.testing._support import SuiteBase, host_bytes, make_buffer, native_array

PAYLOAD = bytes(range(256)) * 4


class BufferSuite(SuiteBase):
    """What every ``Buffer`` implementation must do."""

    # --- construction and validation ---------------------------------------------------

    def test_constructor_wraps_a_byte_array_without_copying(
        self, prototype: BufferPrototype
    ) -> None:
        """The constructor keeps the very array it was given."""
        array = native_array(prototype, np.frombuffer(PAYLOAD, dtype="B"))
        buf = prototype.buffer(array)
        assert buf.as_array_like() is array
        assert prototype.buffer.from_array_like(array).as_array_like() is array
        assert host_bytes(buf) == PAYLOAD

    @pytest.mark.parametrize(
        "array",
        [np.zeros((2, 2), dtype="B"), np.zeros(3, dtype="f8"), np.zeros(3, dtype="i1")],
        ids=["2-d", "float64", "int8"],
    )
    def test_constructor_rejects_wrong_ndim_or_dtype(
        self, prototype: BufferPrototype, array: Any
    ) -> None:
        """Only 1-d arrays of dtype 'B' are buffers: anything else is a ValueError."""
        with pytest.raises(ValueError, match="array_like"):
            prototype.buffer(native_array(prototype, array))

    def test_constructor_rejects_object_dtype(self, prototype: BufferPrototype) -> None:
        """Object arrays hold references, not bytes."""
        with pytest.raises((TypeError, ValueError), match="array_like"):
            prototype.buffer(np.array([b"a"], dtype=object))

    @pytest.mark.parametrize("value", [b"abc", [1, 2, 3], None, 3], ids=repr)
    def test_constructor_rejects_non_arrays(self, prototype: BufferPrototype, value: Any) -> None:
        """Non-array input is a TypeError naming the argument, never an AttributeError."""
        with pytest.raises(TypeError, match="array_like"):
            prototype.buffer(value)

    def test_create_zero_length(self, prototype: BufferPrototype) -> None:
        """create_zero_length gives an empty buffer of the class."""
        buf = prototype.buffer.create_zero_length()
        assert isinstance(buf, prototype.buffer)
        assert len(buf) == 0
        assert buf.to_bytes() == b""

    @pytest.mark.parametrize("make", [bytes, bytearray, memoryview], ids=lambda f: f.__name__)
    def test_from_bytes_round_trips(self, prototype: BufferPrototype, make: Any) -> None:
        """from_bytes accepts every bytes-like type and keeps the bytes."""
        buf = prototype.buffer.from_bytes(make(PAYLOAD))
        assert len(buf) == len(PAYLOAD)
        assert buf.to_bytes() == PAYLOAD
        assert bytes(buf.as_buffer_like()) == PAYLOAD
        assert buf.as_numpy_array().dtype == np.dtype("B")

    def test_from_bytes_accepts_a_multi_byte_memoryview(self, prototype: BufferPrototype) -> None:
        """A memoryview of wider items is taken as its raw bytes."""
        source = np.arange(4, dtype="<u4")
        buf = prototype.buffer.from_bytes(source.data)
        assert buf.to_bytes() == source.tobytes()

    @pytest.mark.parametrize("value", ["text", 12, None, [1, 2]], ids=repr)
    def test_from_bytes_rejects_non_bytes_like(
        self, prototype: BufferPrototype, value: Any
    ) -> None:
        """Objects without the buffer protocol are a TypeError naming bytes_like."""
        with pytest.raises(TypeError, match="bytes_like"):
            prototype.buffer.from_bytes(value)

    @pytest.mark.usefixtures("host_only")
    def test_from_bytes_over_bytes_is_read_only(self, prototype: BufferPrototype) -> None:
        """Wrapping immutable bytes gives a read-only buffer that refuses writes."""
        buf = prototype.buffer.from_bytes(b"immutable")
        assert buf.readonly
        with pytest.raises(ValueError, match="read-only"):
            buf[0:1] = b"X"
        assert buf.to_bytes() == b"immutable"

    @pytest.mark.parametrize("wrap", [bytearray, memoryview], ids=lambda f: f.__name__)
    @pytest.mark.usefixtures("host_only")
    def test_from_bytes_over_writable_memory_shares_it(
        self, prototype: BufferPrototype, wrap: Any
    ) -> None:
        """from_bytes over writable memory is zero-copy and writable in both directions."""
        backing = bytearray(b"abcdef")
        buf = prototype.buffer.from_bytes(backing if wrap is bytearray else memoryview(backing))
        assert not buf.readonly
        buf[0:2] = b"XY"
        assert backing == bytearray(b"XYcdef")
        backing[5] = ord("Z")
        assert buf.to_bytes() == b"XYcdeZ"

    def test_device_buffers_are_writable(self, prototype: BufferPrototype) -> None:
        """Buffers made from bytes by a device implementation own writable memory."""
        buf = prototype.buffer.from_bytes(b"abc")
        if buf.device == "cpu":
            pytest.skip("host buffers over bytes are read-only by design")
        assert not buf.readonly
        buf[0:1] = b"X"
        assert buf.to_bytes() == b"Xbc"

    def test_from_buffer_of_same_class(self, prototype: BufferPrototype) -> None:
        """from_buffer of the same class keeps the bytes."""
        source = make_buffer(prototype, PAYLOAD)
        buf = prototype.buffer.from_buffer(source)
        assert isinstance(buf, prototype.buffer)
        assert buf.to_bytes() == PAYLOAD

    @pytest.mark.usefixtures("host_only")
    def test_from_buffer_of_same_memory_does_not_copy(self, prototype: BufferPrototype) -> None:
        """A host buffer made from another host buffer shares its memory."""
        source = ForeignBuffer.from_bytes(PAYLOAD)
        buf = prototype.buffer.from_buffer(source)
        assert np.shares_memory(buf.as_numpy_array(), source.as_numpy_array())

    def test_from_buffer_of_another_implementation(self, prototype: BufferPrototype) -> None:
        """from_buffer converts a Buffer of any implementation, both ways."""
        buf = prototype.buffer.from_buffer(ForeignBuffer.from_bytes(PAYLOAD))
        assert isinstance(buf, prototype.buffer)
        assert buf.to_bytes() == PAYLOAD
        assert ForeignBuffer.from_buffer(buf).to_bytes() == PAYLOAD

    @pytest.mark.parametrize("value", [b"abc", np.zeros(3, "B"), None], ids=repr)
    def test_from_buffer_rejects_non_buffers(self, prototype: BufferPrototype, value: Any) -> None:
        """from_buffer takes Buffers only: others are a TypeError naming the argument."""
        with pytest.raises(TypeError, match="buffer"):
            prototype.buffer.from_buffer(value)

    # --- conversion ---------------------------------------------------------------------

    def test_as_numpy_array_is_host_bytes(self, prototype: BufferPrototype) -> None:
        """as_numpy_array gives a 1-d uint8 NumPy array of the bytes."""
        array = make_buffer(prototype, PAYLOAD).as_numpy_array()
        assert isinstance(array, np.ndarray)
        assert array.dtype == np.dtype("B")
        assert array.shape == (len(PAYLOAD),)
        assert array.tobytes() == PAYLOAD

    @pytest.mark.usefixtures("host_only")
    def test_host_conversions_never_copy(self, prototype: BufferPrototype) -> None:
        """On the host, as_numpy_array and as_buffer_like share the buffer's memory."""
        buf = make_buffer(prototype, PAYLOAD)
        assert np.shares_memory(buf.as_numpy_array(), buf.as_array_like())
        view = buf.as_buffer_like()
        assert np.shares_memory(np.frombuffer(view, dtype="B"), buf.as_array_like())

    def test_to_bytes_is_a_copy(self, prototype: BufferPrototype) -> None:
        """to_bytes returns immutable bytes unaffected by later writes."""
        buf = make_buffer(prototype, b"abc")
        copied = buf.to_bytes()
        buf[0:1] = b"X"
        assert copied == b"abc"
        assert isinstance(copied, bytes)

    # --- indexing -----------------------------------------------------------------------

    @pytest.mark.parametrize(
        "key",
        [
            slice(None),
            slice(2, 10),
            slice(-5, None),
            slice(None, -3),
            slice(7, 3),
            slice(0, 10_000),
        ],
        ids=repr,
    )
    def test_getitem_slices_like_bytes(self, prototype: BufferPrototype, key: slice) -> None:
        """Contiguous slices select the same bytes as slicing bytes does."""
        part = make_buffer(prototype, PAYLOAD)[key]
        assert isinstance(part, prototype.buffer)
        assert part.to_bytes() == PAYLOAD[key]

    def test_getitem_is_a_view(self, prototype: BufferPrototype) -> None:
        """A slice shares memory with its parent: writes show through."""
        buf = make_buffer(prototype, b"abcdef")
        part = buf[2:4]
        part[0:2] = b"XY"
        assert buf.to_bytes() == b"abXYef"

    @pytest.mark.parametrize("key", [0, (slice(1),), [0, 1], "a"], ids=repr)
    def test_getitem_rejects_non_slices(self, prototype: BufferPrototype, key: Any) -> None:
        """Integer, tuple, list and other keys are a TypeError naming the key."""
        buf = make_buffer(prototype, b"abc")
        with pytest.raises(TypeError, match="key"):
            buf[key]
        with pytest.raises(TypeError, match="key"):
            buf[key] = b"x"

    @pytest.mark.parametrize("key", [slice(None, None, 2), slice(None, None, -1)], ids=repr)
    def test_getitem_rejects_stepped_slices(self, prototype: BufferPrototype, key: slice) -> None:
        """Only step 1 is contiguous: other steps are a ValueError."""
        buf = make_buffer(prototype, b"abcd")
        with pytest.raises(ValueError, match="contiguous"):
            buf[key]
        with pytest.raises(ValueError, match="contiguous"):
            buf[key] = b"xy"

    @pytest.mark.parametrize(
        "value",
        [b"XYZ", bytearray(b"XYZ"), memoryview(b"XYZ"), np.frombuffer(b"XYZ", "B")],
        ids=lambda v: type(v).__name__,
    )
    def test_setitem_writes_bytes(self, prototype: BufferPrototype, value: Any) -> None:
        """Bytes-like values and byte arrays are written into the slice."""
        buf = make_buffer(prototype, b"abcdef")
        buf[1:4] = value
        assert buf.to_bytes() == b"aXYZef"

    def test_setitem_writes_buffers_of_any_implementation(self, prototype: BufferPrototype) -> None:
        """A Buffer value, of this or another implementation, is written into the slice."""
        buf = make_buffer(prototype, b"abcdef")
        buf[0:2] = make_buffer(prototype, b"12")
        buf[4:6] = ForeignBuffer.from_bytes(b"34")
        assert buf.to_bytes() == b"12cd34"

    def test_setitem_scalar_fills_the_slice(self, prototype: BufferPrototype) -> None:
        """An integer value sets every byte of the slice."""
        buf = make_buffer(prototype, b"abcdef")
        buf[2:5] = 0
        assert buf.to_bytes() == b"ab\0\0\0f"

    def test_setitem_rejects_wrong_length(self, prototype: BufferPrototype) -> None:
        """A value of the wrong length is a ValueError and writes nothing."""
        buf = make_buffer(prototype, b"abcdef")
        with pytest.raises(ValueError, match="value"):
            buf[0:3] = b"XY"
        assert buf.to_bytes() == b"abcdef"

    def test_len(self, prototype: BufferPrototype) -> None:
        """len() is the number of bytes."""
        assert len(make_buffer(prototype, PAYLOAD)) == len(PAYLOAD)

    # --- combining ----------------------------------------------------------------------

    @pytest.mark.parametrize("count", [0, 1, 5])
    def test_combine_concatenates(self, prototype: BufferPrototype, count: int) -> None:
        """combine appends the others in order into a new buffer."""
        first = make_buffer(prototype, b"head")
        others = [make_buffer(prototype, bytes([65 + i]) * (i + 1)) for i in range(count)]
        combined = first.combine(others)
        assert isinstance(combined, prototype.buffer)
        assert combined.to_bytes() == b"head" + b"".join(o.to_bytes() for o in others)
        assert first.to_bytes() == b"head"

    def test_combine_takes_any_iterable_and_any_implementation(
        self, prototype: BufferPrototype
    ) -> None:
        """combine accepts generators and buffers of other implementations."""
        first = make_buffer(prototype, b"a")
        parts = (ForeignBuffer.from_bytes(b"b"), make_buffer(prototype, b"c"))
        assert first.combine(p for p in parts).to_bytes() == b"abc"

    def test_combine_result_is_independent(self, prototype: BufferPrototype) -> None:
        """The combined buffer owns new memory: writing it leaves the inputs alone."""
        first, second = make_buffer(prototype, b"ab"), make_buffer(prototype, b"cd")
        combined = first.combine([second])
        combined[0:4] = b"WXYZ"
        assert (first.to_bytes(), second.to_bytes()) == (b"ab", b"cd")

    @pytest.mark.parametrize("bad", [[b"abc"], [None], 5], ids=repr)
    def test_combine_rejects_non_buffers(self, prototype: BufferPrototype, bad: Any) -> None:
        """A non-Buffer among the others (or a non-iterable) is a TypeError naming it."""
        with pytest.raises(TypeError, match="others"):
            make_buffer(prototype, b"a").combine(bad)

    def test_add_concatenates(self, prototype: BufferPrototype) -> None:
        """buf + other is combine([other])."""
        total = make_buffer(prototype, b"ab") + make_buffer(prototype, b"cd")
        assert isinstance(total, prototype.buffer)
        assert total.to_bytes() == b"abcd"

    def test_add_rejects_non_buffers(self, prototype: BufferPrototype) -> None:
        """Adding something that is not a Buffer is a TypeError."""
        with pytest.raises(TypeError):
            _ = make_buffer(prototype, b"ab") + b"cd"  # type: ignore[operator]

    # --- equality -----------------------------------------------------------------------

    def test_eq_compares_bytes(self, prototype: BufferPrototype) -> None:
        """Buffers are equal when their bytes are, across implementations."""
        buf = make_buffer(prototype, PAYLOAD)
        assert buf == make_buffer(prototype, PAYLOAD)
        assert buf == ForeignBuffer.from_bytes(PAYLOAD)
        assert ForeignBuffer.from_bytes(PAYLOAD) == buf
        assert buf != make_buffer(prototype, PAYLOAD[:-1] + b"\x00")
        assert buf != make_buffer(prototype, PAYLOAD[:-1])
        assert prototype.buffer.create_zero_length() == make_buffer(prototype, b"")

    @pytest.mark.parametrize("other", [PAYLOAD, None, 0, "x"], ids=lambda v: type(v).__name__)
    def test_eq_with_non_buffers_is_false(self, prototype: BufferPrototype, other: Any) -> None:
        """Comparing with something that is not a Buffer is False, never an error."""
        buf = make_buffer(prototype, PAYLOAD)
        assert buf != other
        assert not buf == other  # noqa: SIM201  # exercise __eq__ itself, not __ne__

    def test_buffers_are_unhashable(self, prototype: BufferPrototype) -> None:
        """Buffers are mutable and compared by value, so they cannot be hashed."""
        with pytest.raises(TypeError):
            hash(make_buffer(prototype, b"a"))

    # --- where the memory lives ------------------------------------------------------------

    def test_device_names_the_memory(self, prototype: BufferPrototype) -> None:
        """device is "cpu", or a kind of device and its number such as "cuda:0"."""
        device = make_buffer(prototype, b"a").device
        kind, _, number = device.partition(":")
        assert device == "cpu" or (kind.isidentifier() and number.isdigit())

    def test_repr_names_length_and_device(self, prototype: BufferPrototype) -> None:
        """repr shows the class, the length and where the memory lives."""
        buf = make_buffer(prototype, b"abc")
        text = repr(buf)
        assert "3 bytes" in text
        assert buf.device in text

    # --- interchange --------------------------------------------------------------------

    @pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
    def test_pickle_round_trips(self, prototype: BufferPrototype, protocol: int) -> None:
        """Pickling keeps the class, the bytes and writability, for every protocol."""
        buf = make_buffer(prototype, PAYLOAD)
        restored = pickle.loads(pickle.dumps(buf, protocol=protocol))
        assert type(restored) is type(buf)
        assert restored.to_bytes() == PAYLOAD
        assert not restored.readonly
        restored[0:1] = b"X"

    @pytest.mark.usefixtures("host_only")
    def test_pickle_out_of_band_does_not_copy(self, prototype: BufferPrototype) -> None:
        """Protocol 5 hands the buffer's own memory to buffer_callback, without a copy."""
        buf = make_buffer(prototype, PAYLOAD)
        shipped: list[pickle.PickleBuffer] = []
        data = pickle.dumps(buf, protocol=5, buffer_callback=shipped.append)
        assert len(data) < len(PAYLOAD)
        assert len(shipped) == 1
        raw = np.frombuffer(shipped[0].raw(), dtype="B")
        assert np.shares_memory(raw, buf.as_numpy_array())
        restored = pickle.loads(data, buffers=shipped)
        assert restored.to_bytes() == PAYLOAD
        assert np.shares_memory(restored.as_numpy_array(), buf.as_numpy_array())

    def test_dlpack_device(self, prototype: BufferPrototype) -> None:
        """__dlpack_device__ names a CPU (1) or CUDA (2) device."""
        device_type, _ = make_buffer(prototype, b"abc").__dlpack_device__()
        assert device_type in (1, 2)

    @pytest.mark.usefixtures("host_only")
    def test_numpy_imports_host_buffers_through_dlpack(self, prototype: BufferPrototype) -> None:
        """np.from_dlpack shares the buffer's memory."""
        buf = make_buffer(prototype, PAYLOAD)
        imported = np.from_dlpack(buf)
        assert imported.tobytes() == PAYLOAD
        assert np.shares_memory(imported, buf.as_numpy_array())

    @pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 __buffer__ needs Python 3.12")
    @pytest.mark.usefixtures("host_only")
    def test_buffer_protocol_without_copy(self, prototype: BufferPrototype) -> None:
        """memoryview(), bytes() and hashlib read host buffers directly (PEP 688)."""
        buf = make_buffer(prototype, PAYLOAD)
        view = memoryview(buf)  # type: ignore[arg-type]
        assert np.shares_memory(np.frombuffer(view, dtype="B"), buf.as_numpy_array())
        assert bytes(buf) == PAYLOAD  # type: ignore[call-overload]
        assert hashlib.sha256(buf).hexdigest() == hashlib.sha256(PAYLOAD).hexdigest()  # type: ignore[arg-type]

    @pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 __buffer__ needs Python 3.12")
    @pytest.mark.usefixtures("host_only")
    def test_buffer_protocol_refuses_writes_to_read_only(self, prototype: BufferPrototype) -> None:
        """A writable export of a read-only buffer is refused."""
        buf = prototype.buffer.from_bytes(b"abc")
        view = memoryview(buf)  # type: ignore[arg-type]
        assert view.readonly
        with pytest.raises(BufferError, match="read-only"):
            buf.__buffer__(inspect.BufferFlags.WRITABLE)  # type: ignore[attr-defined]
