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
from buffer_core._validation import convert_fill_value
from buffer_core.testing._hostile import (
    REFUSED,
    bad_dtypes,
    bad_keys,
    bad_orders,
    bad_shapes,
    bad_values,
    check_refusal,
    released_memoryview,
)
from buffer_core.testing._support import (
    SuiteBase,
    host_bytes,
    make_buffer,
    make_ndbuffer,
    native_array,
)

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
# Elements of no bytes: a raw V0, a struct whose only field is an empty sub-array.
_ZERO_ITEMSIZE = [np.dtype("V0"), np.dtype([("a", "(0,)i4")]), np.dtype([("a", "(2, 0)f8")])]


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
            assert isinstance(other, (list, tuple, np.ndarray, memoryview))

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
        with pytest.raises(TypeError, match=r"^other: expected a Buffer"):
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

    @pytest.mark.parametrize(
        ("key", "value"),
        [
            (0, np.zeros(3)),
            (0, [1.0, 2.0]),
            (0, np.zeros(3, dtype="f4")),
            (np.eye(3, 4, dtype=bool), np.zeros((3, 1))),
            ((np.array([2, 0]), slice(0, 3)), np.zeros((2, 3, 1))),
            ((np.array([2, 0]), np.array([1, 3])), [[1.0, 2.0]] * 3),
        ],
        ids=["row-array", "row-list", "row-other-dtype", "mask", "rows-extra-axis", "points"],
    )
    def test_shape_mismatch_names_value(
        self, prototype: BufferPrototype, key: Any, value: Any
    ) -> None:
        """A value that does not fit the selection: "value: shape mismatch: ...", nothing written.

        The words "shape mismatch" are NumPy's, which zarr-python's own tests
        match; the message still starts with the argument's name.
        """
        buf = _starting_ndbuffer(prototype, "f8")
        before = _nd_snapshot(buf)
        with pytest.raises(ValueError, match=r"^value: shape mismatch: .*shape"):
            buf[key] = value
        assert _nd_snapshot(buf) == before

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

    @pytest.mark.parametrize(
        "other",
        [
            np.zeros(4, dtype=_STRUCT),
            np.zeros((), dtype=_STRUCT)[()],
            np.zeros((), dtype=_STRUCT),
            np.void(b"abcd"),
            np.zeros((3, 4), dtype="V8"),
        ],
        ids=["struct-array", "struct-scalar", "struct-0d", "void-scalar", "void-array"],
    )
    @pytest.mark.parametrize("dtype", ["f8", "i4", "U2", "M8[s]"])
    def test_all_equal_of_numbers_against_structs_is_false(
        self, prototype: BufferPrototype, dtype: str, other: Any
    ) -> None:
        """Numbers, strings or dates against structs or raw bytes: False, never NumPy's TypeError."""
        assert _starting_ndbuffer(prototype, dtype).all_equal(other) is False
        assert make_ndbuffer(prototype, np.zeros((3, 0), dtype=dtype)).all_equal(other) is True

    @pytest.mark.parametrize(
        ("dtype", "other"),
        [
            ("V4", np.zeros(4, dtype="V8")),
            ("V4", np.zeros(4, dtype=[("a", "i4")])),
            (_STRUCT, np.zeros(4, dtype="V12")),
            (_STRUCT, np.zeros(4, dtype=[("x", "i4"), ("y", "f8"), ("z", "u1")])),
            (_STRUCT, 1 + 2j),
            (_STRUCT, np.zeros((), dtype=[("f0", "c8"), ("f1", "c16")])[()]),
        ],
        ids=[
            "V4-V8",
            "V4-struct",
            "struct-V12",
            "struct-other-fields",
            "complex",
            "complex-struct",
        ],
    )
    def test_all_equal_of_void_against_other_layouts_is_false(
        self, prototype: BufferPrototype, dtype: Any, other: Any
    ) -> None:
        """Raw bytes or structs against another layout, or a complex number NumPy would truncate: False."""
        source = np.zeros(4, dtype=dtype)
        assert make_ndbuffer(prototype, source).all_equal(other) is False

    @pytest.mark.parametrize(
        ("dtype", "fill_value"),
        [
            (_STRUCT, 0),
            (_STRUCT, 1.5),
            (_STRUCT, True),
            (_STRUCT, (1, 2.5)),
            (_STRUCT, np.array((1, 2.5), dtype=_STRUCT)[()]),
            (_STRUCT, np.array((1, 2.5), dtype=[("f0", ">i8"), ("f1", ">f4")])[()]),
            (np.dtype([("a", "u1"), ("b", [("c", "(2,)i2")])]), 7),
            ("V4", b"abcd"),
            ("V4", b"ab"),
            ("V4", np.void(b"abcd")),
        ],
        ids=repr,
    )
    @pytest.mark.parametrize("size", [0, 3])
    def test_void_all_equal_converts_like_a_fill_value(
        self, prototype: BufferPrototype, dtype: Any, fill_value: Any, size: int
    ) -> None:
        """A struct or raw-bytes buffer made by create(fill_value=x) is all_equal(x): one rule."""
        buf = prototype.nd_buffer.create(shape=(size,), dtype=dtype, fill_value=fill_value)
        assert buf.all_equal(fill_value) is True
        if size:
            buf[0:1] = prototype.nd_buffer.create(shape=(1,), dtype=dtype)
            fill_is_zero = (
                not convert_fill_value(fill_value, np.dtype(dtype)).tobytes().strip(b"\0")
            )
            assert buf.all_equal(fill_value) is fill_is_zero

    @pytest.mark.parametrize("dtype", _ZERO_ITEMSIZE, ids=str)
    @pytest.mark.parametrize("order", ["C", "F"])
    @pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
    def test_zero_itemsize_dtypes_pickle(
        self,
        prototype: BufferPrototype,
        host_memory: bool,
        dtype: np.dtype[Any],
        order: str,
        protocol: int,
    ) -> None:
        """NDBuffers whose elements have no bytes come back from every pickle protocol."""
        buf = prototype.nd_buffer.create(shape=(2, 3), dtype=dtype, order=order)  # type: ignore[arg-type]
        restored = pickle.loads(pickle.dumps(buf, protocol=protocol))
        assert isinstance(restored, prototype.nd_buffer)
        assert (restored.dtype, restored.shape) == (buf.dtype, buf.shape)
        if host_memory:
            # NumPy keeps an order for elements of no bytes; device memory holds
            # no bytes for them, so no order either.
            assert restored.as_numpy_array().flags.f_contiguous == (order == "F")

    def test_released_memoryviews_are_named(self, prototype: BufferPrototype) -> None:
        """A released memoryview is refused naming the argument, wherever bytes or values go in."""
        released: Any = released_memoryview()
        flat = make_buffer(prototype, b"abcd")
        nd = _starting_ndbuffer(prototype, "u1")
        before = _nd_snapshot(nd)
        with pytest.raises(ValueError, match=r"^bytes_like: .*released memoryview"):
            prototype.buffer.from_bytes(released)
        with pytest.raises(ValueError, match=r"^value: .*released memoryview"):
            flat[0:4] = released
        for write in (nd.__setitem__, lambda _key, value: nd.fill(value)):
            with pytest.raises(ValueError, match=r"^value: .*released memoryview"):
                write(slice(None), released)
        with pytest.raises(ValueError, match=r"^fill_value: .*released memoryview"):
            prototype.nd_buffer.create(shape=(2,), dtype="u1", fill_value=released)
        with pytest.raises(ValueError, match=r"^other: .*released memoryview"):
            nd.all_equal(released)
        with pytest.raises(ValueError, match=r"^other: .*released memoryview"):
            make_ndbuffer(prototype, np.zeros(2, "V4")).all_equal(released)
        with pytest.raises(TypeError, match=r"^array_like: .*released memoryview"):
            prototype.buffer(released)
        with pytest.raises(TypeError, match=r"^other: .*released memoryview"):
            flat + released
        assert host_bytes(flat) == b"abcd"
        assert _nd_snapshot(nd) == before

    def test_strided_arrays_are_refused_by_the_constructor(
        self, prototype: BufferPrototype
    ) -> None:
        """Buffer(array[::2]) is a ValueError naming array_like, not a BufferError on first export."""
        strided = native_array(prototype, np.arange(10, dtype="B"))[::2]
        if not hasattr(strided, "flags"):
            pytest.skip("this implementation's arrays have no strides to refuse")
        with pytest.raises(ValueError, match=r"^array_like: expected a contiguous array"):
            prototype.buffer(strided)
        with pytest.raises(ValueError, match=r"^array_like: expected a contiguous array"):
            prototype.buffer.from_array_like(strided)
        # Zero or one byte is contiguous whatever its stride.
        assert len(prototype.buffer(strided[:1])) == 1

    @pytest.mark.parametrize(
        ("dtype", "value"),
        [
            ([("a", "i4"), ("b", "U2")], np.datetime64(1, "s")),
            ([("a", "i4"), ("b", "U2")], np.array(["2020-01-01"], dtype="M8[D]")),
        ],
        ids=["scalar", "array"],
    )
    def test_datetimes_that_do_not_fit_a_string_field_are_named(
        self, prototype: BufferPrototype, dtype: Any, value: Any
    ) -> None:
        """NumPy's RuntimeError for a datetime too long for a string field is a ValueError naming it.

        NumPy raises it after writing the fields before, so a scalar into a
        struct is staged like an array. (A plain ``U2`` buffer takes the first
        two characters, as NumPy does.)
        """
        buf = prototype.nd_buffer.create(shape=(2,), dtype=dtype)
        before = _nd_snapshot(buf)
        with pytest.raises(ValueError, match=r"^value: "):
            buf[0:1] = value
        if np.ndim(value) == 0:
            with pytest.raises(ValueError, match=r"^value: "):
                buf[0] = value
            with pytest.raises(ValueError, match=r"^value: "):
                buf.fill(value)
            with pytest.raises(ValueError, match=r"^fill_value: "):
                prototype.nd_buffer.create(shape=(2,), dtype=dtype, fill_value=value)
        assert _nd_snapshot(buf) == before

    @pytest.mark.usefixtures("host_only")
    def test_object_elements_are_written_through_a_view(self, prototype: BufferPrototype) -> None:
        """nd[i] = value on an object buffer converts value, and never stores the staging array."""
        buf = prototype.nd_buffer.from_numpy_array(np.array([None, "x", None], dtype=object))
        buf[0] = np.array(5, dtype="i8")
        buf[2] = np.array(7.5, dtype="f4")
        stored = buf.as_numpy_array()
        assert not isinstance(stored[0], np.ndarray)
        assert not isinstance(stored[2], np.ndarray)
        assert (stored[0], stored[2]) == (5, 7.5)
        with pytest.raises(ValueError, match=r"^value: shape mismatch: "):
            buf[1] = np.array([1, 2])
        assert stored[1] == "x"

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
        "other", [np.zeros(2, dtype="B"), np.float64(1), np.uint8(1), 1, [1, 2], None], ids=repr
    )
    def test_only_buffers_add(self, prototype: BufferPrototype, other: Any) -> None:
        """buf + x and x + buf take Buffers only, naming other: NumPy's operators do not take over."""
        buf = make_buffer(prototype, b"ab")
        with pytest.raises(TypeError, match=r"^other: expected a Buffer, got "):
            buf + other
        with pytest.raises(TypeError, match=r"^other: expected a Buffer, got "):
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
