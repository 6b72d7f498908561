"""Conformance tests for bad input: every refusal clean, every failed write harmless.

The contract (buffer-core's README, "Errors"): a TypeError or ValueError
(IndexError for a key that selects nothing) whose message starts with the
argument's name; a failed write leaves every byte as it was; read-only
buffers refuse writes and stay read-only through pickle and deepcopy; and
nothing crashes the interpreter.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buffer_core import Buffer, BufferPrototype, NDBuffer
from buffer_core.testing._hostile import (
    REFUSED,
    bad_dtypes,
    bad_keys,
    bad_orders,
    bad_shapes,
    bad_values,
    check_refusal,
)
from buffer_core.testing._support import SuiteBase, host_bytes, make_buffer, make_ndbuffer

# Modest counts: the section runs on every implementation, on every Python.
_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    # Every implementation's test class inherits these tests, so one process
    # (an implementation's suite beside buffer-core's strict one) calls each
    # with several executors; each draws its own examples, which is the point.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)
_STRUCT = np.dtype([("f0", "i4"), ("f1", "f8")])
_TARGET_DTYPES = st.sampled_from(["u1", "i4", "f8", "M8[s]", "U2", "S2", "V4", _STRUCT])


def _nd_snapshot(buf: NDBuffer) -> bytes:
    host = buf.as_numpy_array()
    return host.tobytes() if not host.dtype.hasobject else repr(host.tolist()).encode()


def _starting_ndbuffer(prototype: BufferPrototype, dtype: Any) -> NDBuffer:
    """A (3, 4) buffer of ``dtype`` whose elements are not all zero bits."""
    source = np.zeros((3, 4), dtype=dtype)
    if source.dtype.kind == "U":
        source[...] = "ab"  # arbitrary bytes are not valid code points
    else:
        raw = source.view("u1")
        raw[...] = (np.arange(raw.size) % 251 + 1).astype("u1").reshape(raw.shape)
    return make_ndbuffer(prototype, source)


class BadInputSuite(SuiteBase):
    """Hostile arguments to every public method, and the defects they used to find."""

    # --- generated hostile arguments ------------------------------------------------------

    @_SETTINGS
    @given(
        shape=st.one_of(bad_shapes(), st.just((2, 3))),
        dtype=bad_dtypes(),
        order=st.one_of(bad_orders(), st.just("C")),
        fill_value=st.one_of(bad_values(), st.none()),
    )
    def test_create_refuses_cleanly(
        self, prototype: BufferPrototype, shape: Any, dtype: Any, order: Any, fill_value: Any
    ) -> None:
        """create with any arguments allocates, or refuses naming the bad argument."""
        result = check_refusal(
            lambda: prototype.nd_buffer.create(
                shape=shape, dtype=dtype, order=order, fill_value=fill_value
            ),
            "shape",
            "dtype",
            "order",
            "fill_value",
        )
        if result is not REFUSED:
            assert isinstance(result, prototype.nd_buffer)

    @_SETTINGS
    @given(shape=bad_shapes(), dtype=bad_dtypes(), order=bad_orders())
    def test_empty_refuses_cleanly(
        self, prototype: BufferPrototype, shape: Any, dtype: Any, order: Any
    ) -> None:
        """empty with any arguments allocates, or refuses naming the bad argument."""
        result = check_refusal(
            lambda: prototype.nd_buffer.empty(shape, dtype, order), "shape", "dtype", "order"
        )
        if result is not REFUSED:
            assert isinstance(result, prototype.nd_buffer)

    @_SETTINGS
    @given(
        dtype=_TARGET_DTYPES, key=st.one_of(bad_keys(), st.just(slice(None))), value=bad_values()
    )
    def test_nd_setitem_failure_changes_nothing(
        self, prototype: BufferPrototype, dtype: Any, key: Any, value: Any
    ) -> None:
        """A refused write names key or value and leaves every byte as it was."""
        buf = _starting_ndbuffer(prototype, dtype)
        before = _nd_snapshot(buf)

        def write() -> None:
            buf[key] = value

        if check_refusal(write, "key", "value", index_error=True) is REFUSED:
            assert _nd_snapshot(buf) == before

    @_SETTINGS
    @given(dtype=_TARGET_DTYPES, value=bad_values())
    def test_fill_failure_changes_nothing(
        self, prototype: BufferPrototype, dtype: Any, value: Any
    ) -> None:
        """A refused fill names value and leaves every byte as it was."""
        buf = _starting_ndbuffer(prototype, dtype)
        before = _nd_snapshot(buf)
        if check_refusal(lambda: buf.fill(value), "value") is REFUSED:
            assert _nd_snapshot(buf) == before

    @_SETTINGS
    @given(key=bad_keys())
    def test_nd_getitem_refuses_cleanly(self, prototype: BufferPrototype, key: Any) -> None:
        """Any key selects a buffer, or is refused with a message starting with key:."""
        buf = _starting_ndbuffer(prototype, "f8")
        result = check_refusal(lambda: buf[key], "key", index_error=True)
        if result is not REFUSED:
            assert isinstance(result, prototype.nd_buffer)

    @_SETTINGS
    @given(
        newshape=bad_shapes(),
        axis=bad_shapes(),
        axes=st.one_of(bad_shapes(), st.none()),
        dtype=bad_dtypes(),
        order=bad_orders(),
    )
    def test_views_and_conversions_refuse_cleanly(
        self,
        prototype: BufferPrototype,
        newshape: Any,
        axis: Any,
        axes: Any,
        dtype: Any,
        order: Any,
    ) -> None:
        """reshape, squeeze, transpose and astype refuse bad arguments naming them."""
        buf = make_ndbuffer(prototype, np.arange(6.0).reshape(1, 2, 3))
        check_refusal(lambda: buf.reshape(newshape), "newshape")
        check_refusal(lambda: buf.squeeze(axis), "axis")
        check_refusal(lambda: buf.transpose(axes), "axes")
        check_refusal(lambda: buf.astype(dtype, order=order), "dtype", "order")
        assert buf.as_numpy_array().tobytes() == np.arange(6.0).tobytes()

    @_SETTINGS
    @given(dtype=_TARGET_DTYPES, other=st.one_of(bad_values(), st.tuples(st.integers(), st.text())))
    def test_all_equal_answers_or_names_other(
        self, prototype: BufferPrototype, dtype: Any, other: Any
    ) -> None:
        """all_equal answers True or False for anything; only an unbroadcastable array is refused."""
        buf = _starting_ndbuffer(prototype, dtype)
        result = check_refusal(lambda: buf.all_equal(other), "other")
        assert result is REFUSED or isinstance(result, bool)
        if result is REFUSED:
            assert isinstance(other, (list, tuple, np.ndarray))

    @_SETTINGS
    @given(
        start=st.one_of(st.integers(-10, 10), st.sampled_from([None, 1.5, "a", True])),
        stop=st.one_of(st.integers(-10, 10), st.sampled_from([None, 2.5, b"x", 2**70])),
        value=st.one_of(bad_values(), st.binary(max_size=12)),
    )
    def test_buffer_setitem_failure_changes_nothing(
        self, prototype: BufferPrototype, start: Any, stop: Any, value: Any
    ) -> None:
        """A refused byte write names key or value and leaves every byte as it was."""
        buf = make_buffer(prototype, bytes(range(10)))

        def write() -> None:
            buf[start:stop] = value

        if check_refusal(write, "key", "value") is REFUSED:
            assert host_bytes(buf) == bytes(range(10))

    @_SETTINGS
    @given(value=bad_values())
    def test_buffer_constructors_refuse_cleanly(
        self, prototype: BufferPrototype, value: Any
    ) -> None:
        """The constructors and converters refuse bad input naming their argument."""
        check_refusal(lambda: prototype.buffer(value), "array_like")
        check_refusal(lambda: prototype.buffer.from_buffer(value), "buffer")
        check_refusal(lambda: make_buffer(prototype, b"ab").combine(value), "others")
        check_refusal(lambda: make_buffer(prototype, b"ab").combine([value]), "others")
        check_refusal(lambda: prototype.nd_buffer(value), "array")
        check_refusal(lambda: prototype.nd_buffer.from_numpy_array(value), "array_like")
        check_refusal(lambda: prototype.buffer.from_bytes(value), "bytes_like")

    @_SETTINGS
    @given(key=st.one_of(bad_keys(), st.slices(20)), other=bad_values())
    def test_buffer_reads_and_operators_refuse_cleanly(
        self, prototype: BufferPrototype, key: Any, other: Any
    ) -> None:
        """Byte reads name key; == answers a bool and + takes Buffers only, for anything."""
        buf = make_buffer(prototype, bytes(range(10)))
        result = check_refusal(lambda: buf[key], "key")
        if result is not REFUSED:
            assert host_bytes(result) == bytes(range(10))[key]
        assert (buf == other) is False
        with pytest.raises(TypeError):
            buf + other

    # --- crashes: in a subprocess, so a segfault fails this test and not the run ----------

    def test_memory_holding_references_is_refused_in_a_subprocess(
        self, prototype: BufferPrototype
    ) -> None:
        """from_bytes and byte writes refuse memory of Python references instead of crashing."""
        script = textwrap.dedent(
            """
            import importlib, sys
            import numpy as np
            module, _, name = sys.argv[1].rpartition(":")
            Buffer = getattr(importlib.import_module(module), name)
            def sources():
                yield "object array", np.array([object(), object()], dtype=object)
                yield "its memoryview", memoryview(np.array([object(), object()], dtype=object))
                yield "struct with an object field", np.zeros(2, dtype=[("a", "O"), ("b", "i8")])
                yield "StringDType", np.array(["a", "b"], dtype=np.dtypes.StringDType())
            for label, source in sources():
                try:
                    buf = Buffer.from_bytes(source)
                except (TypeError, ValueError) as error:
                    print("refused", label, "-", error)
                else:
                    if not buf.readonly:
                        buf[0:len(buf)] = b"\\xff" * len(buf)
                    print(repr(source))  # follows the pointers: crashes if they were overwritten
                    print("ACCEPTED", label)
                target = Buffer.from_bytes(bytearray(16))
                try:
                    target[0:16] = source
                except (TypeError, ValueError) as error:
                    print("refused write of", label, "-", error)
                else:
                    print("ACCEPTED write of", label)
            """
        )
        cls = prototype.buffer
        done = subprocess.run(
            [sys.executable, "-c", script, f"{cls.__module__}:{cls.__qualname__}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"exit status {done.returncode}\n{done.stdout}{done.stderr}"
        assert "ACCEPTED" not in done.stdout, done.stdout
        assert done.stdout.count("refused") == 8, done.stdout

    # --- half-written results ----------------------------------------------------------------

    def test_byte_write_with_a_bad_last_element_writes_nothing(
        self, prototype: BufferPrototype
    ) -> None:
        """buf[0:4] = [1, 2, 3, 300] is a ValueError naming value, and no byte changes."""
        buf = make_buffer(prototype, b"abcd")
        with pytest.raises(ValueError, match=r"^value: "):
            buf[0:4] = [1, 2, 3, 300]
        assert host_bytes(buf) == b"abcd"

    @pytest.mark.parametrize(
        ("dtype", "value"),
        [
            ("u1", [1, 2, 3, 300]),
            ("i4", np.array(["1", "2", "3", "x"])),
            ("f8", np.array([1, 2, 3, object()], dtype=object)),
            ("i8", [1, 2, 3, float("inf")]),
            ("M8[s]", [0, 1, 2, 1.5]),
            (_STRUCT, [(1, 1.0), (2, 2.0), (3, 3.0), (4, "x")]),
        ],
        ids=["list-u1", "str-array", "object-array", "inf", "datetime", "struct-row"],
    )
    def test_nd_write_with_a_bad_last_element_writes_nothing(
        self, prototype: BufferPrototype, dtype: Any, value: Any
    ) -> None:
        """A value whose last element cannot be converted is refused before anything is written."""
        buf = _starting_ndbuffer(prototype, dtype)[0]
        parent_before = buf.as_numpy_array().tobytes()
        with pytest.raises((TypeError, ValueError), match=r"^value: "):
            buf[0:4] = value
        assert buf.as_numpy_array().tobytes() == parent_before

    # --- errors that used to escape unwrapped ----------------------------------------------

    @pytest.mark.parametrize(
        ("dtype", "value"),
        [
            ("u1", 300),
            ("u1", -1),
            ("i8", 2**70),
            ("i4", float("inf")),
            ("i4", float("nan")),
            ("f8", "x"),
            ("i2", [1, 2]),
        ],
        ids=str,
    )
    def test_unconvertible_scalars_are_value_errors(
        self, prototype: BufferPrototype, dtype: str, value: Any
    ) -> None:
        """Writing, filling or creating with an unconvertible scalar raises naming the argument."""
        buf = _starting_ndbuffer(prototype, dtype)
        before = _nd_snapshot(buf)
        with pytest.raises((TypeError, ValueError), match=r"^value: "):
            buf[0, 0] = value
        with pytest.raises((TypeError, ValueError), match=r"^value: "):
            buf.fill(value)
        with pytest.raises((TypeError, ValueError), match=r"^fill_value: "):
            prototype.nd_buffer.create(shape=(2,), dtype=dtype, fill_value=value)
        assert _nd_snapshot(buf) == before

    def test_broadcast_errors_name_value(self, prototype: BufferPrototype) -> None:
        """A value of the wrong shape is a ValueError naming value, not NumPy's text."""
        buf = _starting_ndbuffer(prototype, "f8")
        with pytest.raises(ValueError, match=r"^value: .*shape"):
            buf[0] = np.zeros(3)
        with pytest.raises(ValueError, match=r"^value: .*shape"):
            buf[0] = [1.0, 2.0]

    @pytest.mark.parametrize("axis", [None, ("a",), (0.5,), True, {0: 1}, (0, 0)], ids=repr)
    def test_squeeze_names_axis(self, prototype: BufferPrototype, axis: Any) -> None:
        """squeeze with bad axes names axis."""
        with pytest.raises((TypeError, ValueError), match=r"^axis(\[\d+\])?: "):
            make_ndbuffer(prototype, np.zeros((1, 3))).squeeze(axis)

    @pytest.mark.parametrize("order", ["CF", "", "KA", "c", None, 1], ids=repr)
    def test_orders_are_single_letters(self, prototype: BufferPrototype, order: Any) -> None:
        """order must be one letter: 'CF' or '' is not an order, whatever a substring test says."""
        with pytest.raises(ValueError, match=r"^order: "):
            prototype.nd_buffer.create(shape=(2,), dtype="f8", order=order)
        with pytest.raises(ValueError, match=r"^order: "):
            prototype.nd_buffer.empty((2,), "f8", order)
        with pytest.raises(ValueError, match=r"^order: "):
            make_ndbuffer(prototype, np.zeros(2)).astype("f4", order=order)

    def test_astype_of_unconvertible_values_names_dtype(self, prototype: BufferPrototype) -> None:
        """astype of strings that are not numbers is a ValueError naming dtype."""
        buf = prototype.nd_buffer.from_numpy_array(np.array(["1", "x"]))
        with pytest.raises(ValueError, match=r"^dtype: "):
            buf.astype("f8")

    @pytest.mark.parametrize(
        "shape", [(2**62, 2**62), (2**63,), (1,) * 65, (2**40,) * 3], ids=lambda s: f"{len(s)}-d"
    )
    def test_impossible_shapes_name_shape(self, prototype: BufferPrototype, shape: Any) -> None:
        """Shapes no array can have are a ValueError naming shape, before any allocation."""
        with pytest.raises(ValueError, match=r"^shape: "):
            prototype.nd_buffer.create(shape=shape, dtype="f8")
        with pytest.raises(ValueError, match=r"^shape: "):
            prototype.nd_buffer.empty(shape, "f8")
        with pytest.raises(ValueError, match=r"^shape: "):
            prototype.nd_buffer.empty(shape, "S0")

    def test_memory_errors_say_what_was_asked(self, prototype: BufferPrototype) -> None:
        """An allocation no machine can satisfy is a MemoryError naming shape, dtype and bytes."""
        with pytest.raises(MemoryError, match=r"^shape: .*4611686018427387904 bytes.*uint8"):
            prototype.nd_buffer.empty((2**62,), "u1")

    @pytest.mark.parametrize(
        "key", [5, -7, (0, 9), 1.5, "x", (0, 0, 0), np.array([True, False])], ids=repr
    )
    def test_index_errors_start_with_key(self, prototype: BufferPrototype, key: Any) -> None:
        """A key that selects nothing is an IndexError (or TypeError) whose message starts with key:."""
        buf = _starting_ndbuffer(prototype, "f8")
        with pytest.raises((IndexError, TypeError), match=r"^key: "):
            buf[key]
        with pytest.raises((IndexError, TypeError), match=r"^key: "):
            buf[key] = 1.0

    @pytest.mark.parametrize(
        ("dtype", "other", "expected"),
        [
            ("V4", b"\x00\x01\x02\x03", False),
            ("V4", b"\x00\x01", False),
            ("V4", 0, False),
            (_STRUCT, (0, 0.0), False),
            (_STRUCT, 0, False),
            (_STRUCT, b"\x00" * 12, False),
            ("f8", np.array(["a"] * 4), False),
            ("f8", np.array([0.0] * 4, dtype=object), False),
        ],
        ids=str,
    )
    def test_all_equal_on_any_dtype_answers(
        self, prototype: BufferPrototype, dtype: Any, other: Any, expected: bool
    ) -> None:
        """all_equal on void, structured and numeric buffers answers for scalars and arrays alike."""
        assert _starting_ndbuffer(prototype, dtype).all_equal(other) is expected

    # --- accepted, but wrong -----------------------------------------------------------------

    @pytest.mark.parametrize(
        "other",
        [
            np.frombuffer(b"abcd", dtype="B"),
            np.uint8(97),
            bytearray(b"abcd"),
            b"abcd",
            memoryview(b"abcd"),
        ],
        ids=lambda v: type(v).__name__,
    )
    def test_only_buffers_compare_equal(self, prototype: BufferPrototype, other: Any) -> None:
        """A Buffer equals only Buffers: arrays, NumPy scalars and bytes compare False, both ways.

        On the left, bytearray and memoryview decide for themselves: from
        Python 3.12 they read a host buffer's bytes through the buffer protocol.
        """
        buf = make_buffer(prototype, b"abcd")
        assert (buf == other) is False
        assert (buf != other) is True
        if not isinstance(other, (bytearray, memoryview)):
            assert (other == buf) is False

    @pytest.mark.parametrize(
        "other", [np.zeros(2, dtype="B"), np.float64(1), np.uint8(1), 1], ids=repr
    )
    def test_only_buffers_add(self, prototype: BufferPrototype, other: Any) -> None:
        """buf + x and x + buf take Buffers only: NumPy's reflected operators do not take over."""
        buf = make_buffer(prototype, b"ab")
        with pytest.raises(TypeError):
            buf + other
        with pytest.raises(TypeError):
            other + buf

    @pytest.mark.parametrize(
        "shape", [True, (True, 2), {2: 3}, {2}, (2.0,), "ab", (np.bool_(True),)], ids=repr
    )
    def test_shapes_are_integers_not_bools_or_mappings(
        self, prototype: BufferPrototype, shape: Any
    ) -> None:
        """True and mappings are not dimensions."""
        with pytest.raises(TypeError, match=r"^shape(\[\d+\])?: "):
            prototype.nd_buffer.create(shape=shape, dtype="u1")

    @pytest.mark.parametrize(
        ("dtype", "value"),
        [
            ("M8[s]", -1.5),
            ("M8[s]", float("nan")),
            ("M8[s]", 1e30),
            ("M8[s]", 2**63),
            ("m8[ms]", 0.5),
            ("u1", 256),
        ],
        ids=str,
    )
    def test_one_rule_for_fill_values(
        self, prototype: BufferPrototype, dtype: str, value: Any
    ) -> None:
        """create, fill and __setitem__ refuse the same fill values."""
        with pytest.raises(ValueError, match=r"^fill_value: "):
            prototype.nd_buffer.create(shape=(2,), dtype=dtype, fill_value=value)
        buf = prototype.nd_buffer.create(shape=(2,), dtype=dtype)
        with pytest.raises(ValueError, match=r"^value: "):
            buf.fill(value)
        with pytest.raises(ValueError, match=r"^value: "):
            buf[0] = value

    @pytest.mark.usefixtures("host_only")
    @pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
    def test_read_only_survives_pickle(self, prototype: BufferPrototype, protocol: int) -> None:
        """Read-only Buffers and NDBuffers stay read-only through every pickle protocol."""
        array = np.arange(6.0)
        array.flags.writeable = False
        objects = np.array([1, "two", None], dtype=object)
        objects.flags.writeable = False
        for buf in (
            prototype.nd_buffer.from_ndarray_like(array),
            prototype.nd_buffer.from_ndarray_like(objects),
            prototype.buffer.from_bytes(b"abc"),
        ):
            restored = pickle.loads(pickle.dumps(buf, protocol=protocol))
            assert restored.readonly
            _assert_refuses_writes(restored)

    @pytest.mark.usefixtures("host_only")
    def test_read_only_survives_deepcopy(self, prototype: BufferPrototype) -> None:
        """copy.deepcopy keeps a read-only buffer read-only, with its values."""
        array = np.arange(6.0)
        array.flags.writeable = False
        nd = copy.deepcopy(prototype.nd_buffer.from_ndarray_like(array))
        flat = copy.deepcopy(prototype.buffer.from_bytes(b"abc"))
        assert nd.readonly
        assert flat.readonly
        np.testing.assert_array_equal(nd.as_numpy_array(), array)
        _assert_refuses_writes(nd)
        _assert_refuses_writes(flat)

    # --- valid input that used to be refused ------------------------------------------------

    @pytest.mark.parametrize("dtype", [str, "U", "S0", bytes, "(2,)i4"], ids=str)
    def test_flexible_and_sub_array_dtypes_allocate_like_numpy(
        self, prototype: BufferPrototype, dtype: Any
    ) -> None:
        """dtype=str, 'U', 'S0' and sub-array dtypes give what np.zeros gives, as zarr does."""
        expected = np.zeros((2, 3), dtype=dtype)
        for buf in (
            prototype.nd_buffer.create(shape=(2, 3), dtype=dtype),
            prototype.nd_buffer.empty((2, 3), dtype),
        ):
            assert (buf.dtype, buf.shape) == (expected.dtype, expected.shape)

    def test_field_names_select_fields(self, prototype: BufferPrototype) -> None:
        """buf["f0"] on a structured buffer is that field, as in NumPy and zarr."""
        source = np.array([(1, 1.5), (2, 2.5)], dtype=_STRUCT)
        buf = make_ndbuffer(prototype, source)
        np.testing.assert_array_equal(buf["f0"].as_numpy_array(), source["f0"])
        np.testing.assert_array_equal(buf[1]["f1"].as_numpy_array(), source[1]["f1"])
        with pytest.raises((IndexError, ValueError), match=r"^key: "):
            buf["f9"]

    @pytest.mark.parametrize("size", [0, 3])
    def test_void_all_equal_compares_bytes_whatever_the_size(
        self, prototype: BufferPrototype, size: int
    ) -> None:
        """all_equal(bytes) on a raw void buffer compares the bytes, empty or not."""
        buf = prototype.nd_buffer.create(shape=(size,), dtype="V4", fill_value=b"abcd")
        assert buf.all_equal(b"abcd") is True
        assert buf.all_equal(b"abce") is (size == 0)
        struct = prototype.nd_buffer.create(shape=(size,), dtype=_STRUCT, fill_value=(1, 2.0))
        assert struct.all_equal((1, 2.0)) is True
        assert struct.all_equal((1, 3.0)) is (size == 0)


def _assert_refuses_writes(buf: Buffer | NDBuffer) -> None:
    if isinstance(buf, Buffer):
        with pytest.raises(ValueError, match="read-only"):
            buf[0:1] = b"x"
    else:
        with pytest.raises(ValueError, match="read-only"):
            buf[0] = 1
        with pytest.raises(ValueError, match="read-only"):
            buf.fill(1)
