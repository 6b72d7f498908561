"""Conformance tests for n-dimensional buffers."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from buffer_core import BufferPrototype, NDBuffer
from buffer_core.testing._foreign import ForeignNDBuffer
from buffer_core.testing._support import SuiteBase, make_ndbuffer, native_array

NAN = float("nan")

# (dtype, fill_value): every kind of dtype a store holds, with a non-zero fill.
CREATE_CASES = [
    ("u1", 7),
    ("i8", -3),
    ("<f8", 1.5),
    (">f4", -2.25),
    ("f8", NAN),
    ("f8", -0.0),
    ("c16", 1 + 2j),
    ("bool", True),
    ("U5", "hello"),
    ("S3", b"abc"),
    ("M8[s]", np.datetime64("2024-01-02T03:04:05", "s")),
    ("m8[ms]", np.timedelta64(1500, "ms")),
]

# (data, other, equal_nan, expected): the all_equal truth table, written out by hand.
ALL_EQUAL_CASES: list[tuple[Any, Any, bool, bool]] = [
    (np.zeros(4), 0, True, True),
    (np.zeros(4), 0.0, True, True),
    (np.zeros(4), -0.0, True, False),
    (np.full(4, -0.0), 0.0, True, False),
    (np.full(4, -0.0), -0.0, True, True),
    (np.full(4, -0.0), 0, True, True),
    (np.full(3, NAN), NAN, True, True),
    (np.full(3, NAN), NAN, False, False),
    (np.array([NAN, 1.0]), NAN, True, False),
    (np.array([1.0, NAN]), 1.0, True, False),
    (np.ones(5), 1, True, True),
    (np.array([1, 1], dtype="i4"), 1.0, True, True),
    (np.array([1, 2], dtype="i4"), 1, True, False),
    (np.array([255, 255], dtype="u1"), 255, True, True),
    (np.array([255], dtype="u1"), -1, True, False),
    (np.array([True, True]), True, True, True),
    (np.array([False, False]), 0.0, True, True),
    (np.array(["a", "a"]), "a", True, True),
    (np.array(["a", "b"]), "a", True, False),
    (np.array([b"x", b"x"]), b"x", True, True),
    (np.zeros(3, dtype="c16"), 0.0, True, True),
    (np.array([complex(-0.0, 0.0)]), 0.0, True, False),
    (np.full(2, complex(NAN, 0.0)), complex(NAN, 0.0), True, True),
    (np.array(["NaT", "NaT"], dtype="M8[s]"), np.datetime64("NaT", "s"), True, True),
    (np.zeros(0), 5, True, True),
    (np.zeros(3), None, True, False),
    (np.array(5.0), 5, True, True),
    (np.zeros(3, dtype="f2"), 0.0, True, True),
    (np.zeros(3, dtype=np.longdouble), 0.0, True, True),
    (np.full(3, -0.0, dtype=np.longdouble), 0.0, True, False),
    (np.full(3, 1.5, dtype="f4"), 1.5, True, True),
    (np.array([[1, 2], [1, 2]]), np.array([1, 2]), True, True),
    (np.array([[1, 2], [1, 3]]), np.array([1, 2]), True, False),
    (np.array([NAN, 1.0]), np.array([NAN, 1.0]), True, True),
    (np.array([NAN, 1.0]), np.array([NAN, 1.0]), False, False),
    (np.zeros(100_000), 0, True, True),
    (np.concatenate([np.zeros(99_999), [1.0]]), 0, True, False),
    (np.concatenate([[1.0], np.zeros(99_999)]), 0.0, True, False),
    (np.concatenate([np.full(99_999, 7, "i2"), [8]]).astype("i2"), 7, True, False),
    (np.full((300, 300), 2.5, order="F"), 2.5, True, True),
    (np.full((300, 300), 2.5)[::2, 1::3], 2.5, True, True),
    # 0.1 has no exact float32: a float32 0.1 is not the float64 0.1 (NumPy 2
    # promotes; CuPy 13 would cast by value and say equal), but is itself.
    (np.full(3, 0.1, dtype="f4"), np.float64(0.1), True, False),
    (np.full(3, 0.1, dtype="f4"), 0.1, True, False),
    (np.full(3, 0.1, dtype="f4"), np.float32(0.1), True, True),
    (np.full(3, 7, dtype="i4"), 7.5, True, False),
]


class NDBufferSuite(SuiteBase):
    """What every ``NDBuffer`` implementation must do."""

    # --- construction ------------------------------------------------------------------

    @pytest.mark.parametrize(("dtype", "fill_value"), CREATE_CASES, ids=str)
    @pytest.mark.parametrize("order", ["C", "F"])
    def test_create_fills_like_numpy(
        self, prototype: BufferPrototype, dtype: str, fill_value: Any, order: Any
    ) -> None:
        """create(fill_value=v) equals np.full: same dtype, bits and memory order."""
        buf = prototype.nd_buffer.create(
            shape=(3, 4), dtype=dtype, order=order, fill_value=fill_value
        )
        expected = np.full((3, 4), fill_value, dtype=dtype, order=order)
        actual = buf.as_numpy_array()
        assert isinstance(buf, prototype.nd_buffer)
        assert actual.dtype == expected.dtype
        assert actual.tobytes(order="A") == expected.tobytes(order="A")
        assert actual.flags.f_contiguous == (order == "F")

    @pytest.mark.parametrize("dtype", ["u1", "f8", ">i4", "c8", "bool", "U3", "S2", "M8[D]"])
    def test_create_without_fill_value_is_zeros(
        self, prototype: BufferPrototype, dtype: str
    ) -> None:
        """create with no fill value is np.zeros."""
        buf = prototype.nd_buffer.create(shape=[2, 3], dtype=dtype)
        expected = np.zeros((2, 3), dtype=dtype)
        assert buf.dtype == expected.dtype
        assert buf.as_numpy_array().tobytes() == expected.tobytes()

    @pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 0, 3), (1, 1, 1, 1)], ids=str)
    def test_create_and_empty_shapes(self, prototype: BufferPrototype, shape: Any) -> None:
        """Any shape, including 0-d and zero-length dimensions, is accepted."""
        created = prototype.nd_buffer.create(shape=shape, dtype="i2", fill_value=4)
        assert created.shape == shape
        assert created.all_equal(4)
        empty = prototype.nd_buffer.empty(shape=shape, dtype="i2", order="F")
        assert (empty.shape, empty.dtype) == (shape, np.dtype("i2"))

    def test_create_accepts_an_integer_shape_and_generators(
        self, prototype: BufferPrototype
    ) -> None:
        """shape may be any iterable of integers, or a single integer."""
        assert prototype.nd_buffer.create(shape=(n for n in (2, 3)), dtype="u1").shape == (2, 3)
        assert prototype.nd_buffer.create(shape=4, dtype="u1").shape == (4,)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument"),
        [
            ({"shape": (-1, 2), "dtype": "f8"}, ValueError, "shape"),
            ({"shape": "ab", "dtype": "f8"}, TypeError, "shape"),
            ({"shape": (2.5,), "dtype": "f8"}, TypeError, "shape"),
            ({"shape": None, "dtype": "f8"}, TypeError, "shape"),
            ({"shape": (2,), "dtype": "not-a-dtype"}, TypeError, "dtype"),
            ({"shape": (2,), "dtype": None}, TypeError, "dtype"),
            ({"shape": (2,), "dtype": "f8", "order": "K"}, ValueError, "order"),
            ({"shape": (2,), "dtype": "f8", "fill_value": "abc"}, ValueError, "fill_value"),
            ({"shape": (2,), "dtype": "u1", "fill_value": 300}, ValueError, "fill_value"),
        ],
        ids=str,
    )
    def test_create_rejects_bad_arguments(
        self, prototype: BufferPrototype, kwargs: Any, error: type[Exception], argument: str
    ) -> None:
        """Bad shape, dtype, order or fill value raise naming the argument."""
        with pytest.raises(error, match=argument):
            prototype.nd_buffer.create(**kwargs)

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument"),
        [
            ({"shape": (-1,), "dtype": "f8"}, ValueError, "shape"),
            ({"shape": (2,), "dtype": "nope"}, TypeError, "dtype"),
            ({"shape": (2,), "dtype": "f8", "order": "X"}, ValueError, "order"),
        ],
        ids=str,
    )
    def test_empty_rejects_bad_arguments(
        self, prototype: BufferPrototype, kwargs: Any, error: type[Exception], argument: str
    ) -> None:
        """empty validates like create."""
        with pytest.raises(error, match=argument):
            prototype.nd_buffer.empty(**kwargs)

    def test_from_ndarray_like_wraps_without_copying(self, prototype: BufferPrototype) -> None:
        """from_ndarray_like and as_ndarray_like hand back the very same array."""
        array = native_array(prototype, np.arange(6).reshape(2, 3))
        buf = prototype.nd_buffer.from_ndarray_like(array)
        assert buf.as_ndarray_like() is array

    @pytest.mark.parametrize(
        "value", [[1, 2, 3], [[1.5, 2.5]], 7, np.arange(4, dtype=">u2")], ids=repr
    )
    def test_from_numpy_array_accepts_array_likes(
        self, prototype: BufferPrototype, value: Any
    ) -> None:
        """Lists, scalars and NumPy arrays become buffers with NumPy's dtype and shape."""
        buf = prototype.nd_buffer.from_numpy_array(value)
        expected = np.asarray(value)
        np.testing.assert_array_equal(buf.as_numpy_array(), expected)
        assert (buf.dtype, buf.shape) == (expected.dtype, expected.shape)

    @pytest.mark.parametrize("value", [b"abc", [1, 2], None, 5], ids=repr)
    def test_nd_constructor_rejects_non_arrays(
        self, prototype: BufferPrototype, value: Any
    ) -> None:
        """The constructor takes arrays only: others are a TypeError naming the argument."""
        with pytest.raises(TypeError, match="array"):
            prototype.nd_buffer(value)

    # --- description --------------------------------------------------------------------

    def test_as_numpy_array_holds_the_data(self, prototype: BufferPrototype) -> None:
        """as_numpy_array is a NumPy array equal to the data."""
        source = np.arange(12, dtype="f4").reshape(3, 4)
        array = make_ndbuffer(prototype, source).as_numpy_array()
        assert isinstance(array, np.ndarray)
        np.testing.assert_array_equal(array, source)

    @pytest.mark.parametrize(
        ("dtype", "expected"),
        [("<f8", "little"), (">f8", "big"), ("<i2", "little"), (">u4", "big")],
    )
    def test_byteorder(self, prototype: BufferPrototype, dtype: str, expected: str) -> None:
        """byteorder names the byte order of multi-byte dtypes."""
        assert make_ndbuffer(prototype, np.zeros(2, dtype=dtype)).byteorder == expected

    def test_byteorder_of_single_bytes_is_native(self, prototype: BufferPrototype) -> None:
        """Single-byte dtypes have no byte order: they report the machine's."""
        assert (
            make_ndbuffer(prototype, np.zeros(2, dtype="u1")).byteorder
            == __import__("sys").byteorder
        )

    def test_dtype_shape_len_repr(self, prototype: BufferPrototype) -> None:
        """dtype, shape, len and repr describe the data."""
        buf = make_ndbuffer(prototype, np.zeros((4, 5), dtype="i2"))
        assert buf.dtype == np.dtype("i2")
        assert buf.shape == (4, 5)
        assert len(buf) == 4
        assert "shape=(4, 5)" in repr(buf)
        assert "int16" in repr(buf)

    @pytest.mark.parametrize("shape", [(), (1,), (1, 1)], ids=str)
    def test_as_scalar(self, prototype: BufferPrototype, shape: Any) -> None:
        """as_scalar returns the one element of a size-one buffer as a scalar."""
        value = make_ndbuffer(prototype, np.full(shape, 2.5)).as_scalar()
        assert value == 2.5
        assert np.ndim(value) == 0

    def test_as_scalar_rejects_several_elements(self, prototype: BufferPrototype) -> None:
        """as_scalar on more (or fewer) than one element is a ValueError."""
        with pytest.raises(ValueError, match="single scalar"):
            make_ndbuffer(prototype, np.zeros(2)).as_scalar()
        with pytest.raises(ValueError, match="single scalar"):
            make_ndbuffer(prototype, np.zeros(0)).as_scalar()

    def test_device_and_readonly(self, prototype: BufferPrototype) -> None:
        """device names the memory; new buffers are writable."""
        buf = prototype.nd_buffer.create(shape=(2,), dtype="f8")
        assert buf.device == prototype.buffer.create_zero_length().device
        assert not buf.readonly

    @pytest.mark.usefixtures("host_only")
    def test_read_only_host_arrays_refuse_writes(self, prototype: BufferPrototype) -> None:
        """Wrapping a read-only array gives a read-only buffer that refuses writes."""
        array = np.zeros(3)
        array.flags.writeable = False
        buf = prototype.nd_buffer.from_ndarray_like(array)
        assert buf.readonly
        with pytest.raises(ValueError, match="read-only"):
            buf[0] = 1
        with pytest.raises(ValueError, match="read-only"):
            buf.fill(1)

    # --- views and copies -------------------------------------------------------------

    @pytest.mark.parametrize("newshape", [(6,), (3, 2), (1, 6, 1), -1, (2, -1)], ids=str)
    def test_reshape(self, prototype: BufferPrototype, newshape: Any) -> None:
        """reshape matches NumPy's, including -1."""
        source = np.arange(6).reshape(2, 3)
        buf = make_ndbuffer(prototype, source).reshape(newshape)
        assert isinstance(buf, prototype.nd_buffer)
        np.testing.assert_array_equal(buf.as_numpy_array(), source.reshape(newshape))

    @pytest.mark.parametrize("newshape", [(4,), (5, -1), "ab"], ids=str)
    def test_reshape_rejects_incompatible_shapes(
        self, prototype: BufferPrototype, newshape: Any
    ) -> None:
        """An impossible shape raises naming newshape."""
        with pytest.raises((TypeError, ValueError), match="newshape"):
            make_ndbuffer(prototype, np.arange(6)).reshape(newshape)

    @pytest.mark.parametrize(
        ("shape", "axis", "expected"),
        [
            ((1, 3, 1), (0,), (3, 1)),
            ((1, 3, 1), (0, 2), (3,)),
            ((2, 1), (1,), (2,)),
            ((1,), (0,), ()),
        ],
        ids=str,
    )
    def test_squeeze(
        self, prototype: BufferPrototype, shape: Any, axis: Any, expected: Any
    ) -> None:
        """squeeze drops the listed length-one axes."""
        buf = make_ndbuffer(prototype, np.arange(int(np.prod(shape))).reshape(shape))
        assert buf.squeeze(axis).shape == expected

    def test_squeeze_rejects_axes_longer_than_one(self, prototype: BufferPrototype) -> None:
        """Squeezing an axis that is not of length one is a ValueError naming axis."""
        with pytest.raises(ValueError, match="axis"):
            make_ndbuffer(prototype, np.zeros((2, 3))).squeeze((0,))
        with pytest.raises(ValueError, match="axis"):
            make_ndbuffer(prototype, np.zeros((1, 3))).squeeze((5,))

    @pytest.mark.parametrize("dtype", ["f4", ">i8", "u1", "c8", "bool"])
    def test_astype(self, prototype: BufferPrototype, dtype: str) -> None:
        """astype converts values like NumPy and leaves the source alone."""
        source = np.array([[0.0, 1.5], [2.0, 3.0]])
        buf = make_ndbuffer(prototype, source)
        converted = buf.astype(dtype)
        expected = source.astype(dtype)
        assert converted.dtype == expected.dtype
        np.testing.assert_array_equal(converted.as_numpy_array(), expected)
        np.testing.assert_array_equal(buf.as_numpy_array(), source)

    def test_astype_rejects_bad_arguments(self, prototype: BufferPrototype) -> None:
        """An unknown dtype or order raises naming the argument."""
        buf = make_ndbuffer(prototype, np.zeros(2))
        with pytest.raises(TypeError, match="dtype"):
            buf.astype("no-such-dtype")
        with pytest.raises(ValueError, match="order"):
            buf.astype("f4", order="Z")  # type: ignore[arg-type]

    def test_copy_is_independent(self, prototype: BufferPrototype) -> None:
        """copy owns new memory on the same device."""
        buf = make_ndbuffer(prototype, np.arange(4))
        copied = buf.copy()
        copied[0] = 99
        assert buf.as_numpy_array()[0] == 0
        assert copied.device == buf.device

    @pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 1, 0)], ids=str)
    def test_transpose(self, prototype: BufferPrototype, axes: Any) -> None:
        """transpose matches NumPy's."""
        source = np.arange(24).reshape(2, 3, 4)
        result = make_ndbuffer(prototype, source).transpose(axes)
        np.testing.assert_array_equal(result.as_numpy_array(), source.transpose(axes))

    # --- element access ---------------------------------------------------------------

    @pytest.mark.parametrize(
        "key",
        [
            0,
            -1,
            (1, 2),
            slice(1, 3),
            (slice(None), 1),
            (Ellipsis, 0),
            Ellipsis,
            (1, Ellipsis),
            (slice(None, None, 2), slice(None, None, -1)),
            np.array([True, False, True]),
            [0, 2],
            (None, 0),
        ],
        ids=str,
    )
    def test_getitem_matches_numpy(self, prototype: BufferPrototype, key: Any) -> None:
        """Indexing selects what NumPy selects, always as a buffer (0-d for single elements)."""
        source = np.arange(12, dtype="f8").reshape(3, 4)
        result = make_ndbuffer(prototype, source)[key]
        assert isinstance(result, prototype.nd_buffer)
        expected = np.asarray(source[key])
        assert result.shape == expected.shape
        np.testing.assert_array_equal(result.as_numpy_array(), expected)

    def test_getitem_basic_indexing_is_a_view(self, prototype: BufferPrototype) -> None:
        """Slices share memory with the parent."""
        buf = make_ndbuffer(prototype, np.zeros((3, 3)))
        buf[1:, 1:][0, 0] = 5
        assert buf.as_numpy_array()[1, 1] == 5

    def test_setitem_accepts_scalars_arrays_and_buffers(self, prototype: BufferPrototype) -> None:
        """Values may be scalars, NumPy arrays, or NDBuffers of any implementation."""
        buf = prototype.nd_buffer.create(shape=(4, 4), dtype="i4")
        buf[0] = 1
        buf[1] = np.arange(4)
        buf[2] = make_ndbuffer(prototype, np.full(4, 7))
        buf[3] = ForeignNDBuffer.from_numpy_array(np.full(4, 9))
        expected = np.array([[1] * 4, [0, 1, 2, 3], [7] * 4, [9] * 4])
        np.testing.assert_array_equal(buf.as_numpy_array(), expected)

    def test_foreign_buffers_accept_this_implementation(self, prototype: BufferPrototype) -> None:
        """Another implementation can take this one's NDBuffers as values."""
        target = ForeignNDBuffer.create(shape=(2, 2), dtype="f8")
        target[0] = make_ndbuffer(prototype, np.array([1.0, 2.0]))
        np.testing.assert_array_equal(target.as_numpy_array(), [[1.0, 2.0], [0.0, 0.0]])

    def test_fill(self, prototype: BufferPrototype) -> None:
        """fill sets every element."""
        buf = prototype.nd_buffer.create(shape=(3, 2), dtype="f4")
        buf.fill(2.5)
        assert buf.all_equal(2.5)
        np.testing.assert_array_equal(buf.as_numpy_array(), np.full((3, 2), 2.5, "f4"))

    # --- comparison -----------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("data", "other", "equal_nan", "expected"),
        ALL_EQUAL_CASES,
        ids=[f"case{i}" for i in range(len(ALL_EQUAL_CASES))],
    )
    def test_all_equal(
        self, prototype: BufferPrototype, data: Any, other: Any, equal_nan: bool, expected: bool
    ) -> None:
        """all_equal follows the truth table: NaN, signed zero, strings, None, broadcasting."""
        buf = prototype.nd_buffer.from_numpy_array(np.array(data, copy=True, order="K"))
        result = buf.all_equal(other, equal_nan=equal_nan)
        assert result is expected

    def test_all_equal_on_strided_views(self, prototype: BufferPrototype) -> None:
        """all_equal reads only the elements of a non-contiguous view."""
        source = np.zeros((50, 50))
        source[::2, ::2] = 3.0
        buf = make_ndbuffer(prototype, source)[::2, ::2]
        assert buf.all_equal(3.0)
        assert not make_ndbuffer(prototype, source)[::2].all_equal(3.0)

    def test_all_equal_rejects_unbroadcastable_arrays(self, prototype: BufferPrototype) -> None:
        """An array that does not broadcast to the shape is a ValueError naming other."""
        with pytest.raises(ValueError, match="other"):
            make_ndbuffer(prototype, np.zeros((2, 3))).all_equal(np.zeros(4))

    # --- pickling ------------------------------------------------------------------------

    @pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
    @pytest.mark.parametrize("order", ["C", "F"])
    def test_nd_pickle_round_trips(
        self, prototype: BufferPrototype, protocol: int, order: str
    ) -> None:
        """Pickling keeps class, values, dtype, shape and memory order."""
        source = np.asarray(np.arange(12, dtype=">i4").reshape(3, 4), order=order)  # type: ignore[call-overload]
        buf = make_ndbuffer(prototype, source)
        restored = pickle.loads(pickle.dumps(buf, protocol=protocol))
        assert type(restored) is type(buf)
        assert restored.dtype == source.dtype
        np.testing.assert_array_equal(restored.as_numpy_array(), source)
        assert restored.as_numpy_array().flags.f_contiguous == (order == "F")

    @pytest.mark.usefixtures("host_only")
    def test_nd_pickle_out_of_band_does_not_copy(self, prototype: BufferPrototype) -> None:
        """Protocol 5 ships the data itself through buffer_callback."""
        buf = make_ndbuffer(prototype, np.arange(1000, dtype="f8"))
        shipped: list[pickle.PickleBuffer] = []
        data = pickle.dumps(buf, protocol=5, buffer_callback=shipped.append)
        assert len(shipped) == 1
        assert len(data) < 8000
        raw = np.frombuffer(shipped[0].raw(), dtype="B")
        assert np.shares_memory(raw, buf.as_numpy_array())
        restored: NDBuffer = pickle.loads(data, buffers=shipped)
        np.testing.assert_array_equal(restored.as_numpy_array(), np.arange(1000, dtype="f8"))

    # --- errors name the argument -------------------------------------------------------

    def test_bad_writes_name_the_value(self, prototype: BufferPrototype) -> None:
        """A value of the wrong shape or kind is an error naming value, and writes nothing."""
        buf = make_ndbuffer(prototype, np.zeros((2, 3)))
        with pytest.raises(ValueError, match="value"):
            buf[0] = np.ones(4)
        with pytest.raises((TypeError, ValueError), match="value"):
            buf[...] = "not a number"
        with pytest.raises((TypeError, ValueError), match="value"):
            buf.fill("not a number")
        assert buf.all_equal(0.0)

    def test_transpose_rejects_bad_axes(self, prototype: BufferPrototype) -> None:
        """Axes that are not a permutation are a ValueError naming axes."""
        buf = make_ndbuffer(prototype, np.zeros((2, 3)))
        with pytest.raises(ValueError, match="axes"):
            buf.transpose((0, 0))
        with pytest.raises(ValueError, match="axes"):
            buf.transpose((0, 1, 2))

    def test_from_numpy_array_rejects_ragged_input(self, prototype: BufferPrototype) -> None:
        """Ragged nested lists are a ValueError naming array_like."""
        with pytest.raises(ValueError, match="array_like"):
            prototype.nd_buffer.from_numpy_array([[1, 2], [3]])

    # --- layouts a device holds as raw bytes -----------------------------------------------

    @pytest.mark.parametrize(
        "dtype",
        [
            np.dtype([("a", "i1"), ("b", "<f8")]),  # "b" at offset 1: unaligned for 8-byte loads
            np.dtype([("a", "i1"), ("b", ">f8")]),
            np.dtype([("a", "<i8"), ("b", "<f8")]),
        ],
        ids=["unaligned", "unaligned-big-endian", "aligned"],
    )
    def test_field_writes_store_the_values(
        self, prototype: BufferPrototype, dtype: np.dtype[Any]
    ) -> None:
        """Writing numbers into a field stores those numbers, aligned or not, in any byte order."""
        buf = prototype.nd_buffer.from_numpy_array(np.zeros(8, dtype))
        buf["b"][...] = np.arange(8.0)
        np.testing.assert_array_equal(buf.as_numpy_array()["b"], np.arange(8.0))
        np.testing.assert_array_equal(buf.as_numpy_array()["a"], 0)
        buf["b"][2:4] = 7.5
        assert buf["b"][2:4].all_equal(7.5)
        assert buf.as_numpy_array()["b"][2] == 7.5

    @pytest.mark.parametrize("dtype", [">f8", "<f8", ">i4", "U2"])
    @pytest.mark.parametrize("order", ["C", "F"])
    def test_astype_lays_out_the_order_asked_for(
        self, prototype: BufferPrototype, dtype: str, order: str
    ) -> None:
        """astype keeps values and honours order, byte-swapped and raw dtypes included."""
        source = np.arange(6).reshape(2, 3)
        result = make_ndbuffer(prototype, source).astype(dtype, order=order)  # type: ignore[arg-type]
        host = result.as_numpy_array()
        assert host.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(host, source.astype(dtype))
        assert host.flags.f_contiguous == (order == "F")
        assert host.flags.c_contiguous == (order == "C")

    @pytest.mark.parametrize("kind", ["M8", "m8", "M8[2generic]"])
    def test_astype_between_byte_orders_of_generic_time(
        self, prototype: BufferPrototype, kind: str
    ) -> None:
        """Big-endian generic datetimes converted to little-endian keep their values.

        NumPy's own astype keeps the source's byte order for generic units
        (and so returns the big-endian bytes under a little-endian label).
        """
        counts = np.array([1, 2, -3], dtype=">i8")
        big = counts.view(">" + kind)
        little = make_ndbuffer(prototype, big).astype("<" + kind).as_numpy_array()
        assert little.dtype == np.dtype("<" + kind)
        np.testing.assert_array_equal(little.view("<i8"), counts)
        back = make_ndbuffer(prototype, little).astype(">" + kind).as_numpy_array()
        assert back.tobytes() == big.tobytes()
