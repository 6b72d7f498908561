"""Hypothesis properties: implementations agree with NumPy on generated inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from buffer_core import BufferPrototype
from buffer_core.testing._support import SuiteBase, make_buffer, make_ndbuffer

# Function-scoped fixtures (the prototype) are constant across examples here.
_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    # Every implementation's test class inherits these tests, so one process
    # (an implementation's suite beside buffer-core's strict one) calls each
    # with several executors; each draws its own examples, which is the point.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)

_NUMERIC_DTYPES = st.one_of(
    hnp.integer_dtypes(endianness="="),
    hnp.unsigned_integer_dtypes(endianness="="),
    hnp.floating_dtypes(endianness="=", sizes=(32, 64)),
    hnp.boolean_dtypes(),
)
_ARRAYS = hnp.arrays(
    dtype=_NUMERIC_DTYPES, shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=6)
)


def _reference_all_equal(array: np.ndarray[Any, Any], value: Any) -> bool:
    """all_equal for a non-zero, non-NaN scalar: plain elementwise equality."""
    return bool(np.all(array == np.asarray(value)))


class PropertySuite(SuiteBase):
    """Generated inputs, compared with NumPy."""

    @_SETTINGS
    @given(data=st.binary(max_size=300), start=st.integers(-400, 400), stop=st.integers(-400, 400))
    def test_slicing_matches_bytes(
        self, prototype: BufferPrototype, data: bytes, start: int, stop: int
    ) -> None:
        """Any contiguous slice of a buffer holds the bytes that slicing bytes gives."""
        assert make_buffer(prototype, data)[start:stop].to_bytes() == data[start:stop]

    @_SETTINGS
    @given(parts=st.lists(st.binary(max_size=64), max_size=12))
    def test_combine_matches_concatenation(
        self, prototype: BufferPrototype, parts: list[bytes]
    ) -> None:
        """combine of any buffers is the concatenation of their bytes."""
        first = prototype.buffer.create_zero_length()
        combined = first.combine([make_buffer(prototype, p) for p in parts])
        assert combined.to_bytes() == b"".join(parts)

    @_SETTINGS
    @given(array=_ARRAYS)
    def test_round_trip_and_copy(self, prototype: BufferPrototype, array: Any) -> None:
        """from_numpy_array, copy and as_numpy_array keep dtype, shape and bits."""
        buf = make_ndbuffer(prototype, array).copy()
        back = buf.as_numpy_array()
        assert (back.dtype, back.shape) == (array.dtype, array.shape)
        assert back.tobytes() == array.tobytes()

    @_SETTINGS
    @given(array=_ARRAYS, data=st.data())
    def test_all_equal_matches_numpy(
        self, prototype: BufferPrototype, array: Any, data: st.DataObject
    ) -> None:
        """all_equal agrees with elementwise equality for ordinary scalars."""
        if array.size:
            value = data.draw(st.sampled_from(list(array.reshape(-1)[:8])), label="value")
        else:
            value = 1
        scalar = value.item() if hasattr(value, "item") else value
        if isinstance(scalar, float) and (scalar == 0 or np.isnan(scalar)):
            return  # signed zero and NaN have their own rules, pinned by the truth table
        buf = make_ndbuffer(prototype, array)
        assert buf.all_equal(scalar) is _reference_all_equal(array, scalar)

    @_SETTINGS
    @given(
        value=st.one_of(
            st.integers(-100, 100), st.floats(allow_nan=False, min_value=1, max_value=1e6)
        ),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=40),
        flip=st.integers(0, 10_000),
    )
    def test_all_equal_finds_any_single_difference(
        self, prototype: BufferPrototype, value: Any, shape: tuple[int, ...], flip: int
    ) -> None:
        """A uniform buffer equals its value until any one element changes."""
        array = np.full(shape, value, dtype="f8")
        buf = make_ndbuffer(prototype, array)
        assert buf.all_equal(value)
        index = np.unravel_index(flip % array.size, shape)
        buf[index] = value + 1
        assert not buf.all_equal(value)

    @_SETTINGS
    @given(
        array=hnp.arrays(
            dtype=np.dtype("f8"), shape=hnp.array_shapes(min_dims=2, max_dims=3, max_side=5)
        )
    )
    def test_transpose_reshape_astype_match_numpy(
        self, prototype: BufferPrototype, array: Any
    ) -> None:
        """Views and conversions produce what NumPy produces."""
        buf = make_ndbuffer(prototype, array)
        np.testing.assert_array_equal(buf.transpose(None).as_numpy_array(), array.T)
        np.testing.assert_array_equal(buf.reshape(-1).as_numpy_array(), array.reshape(-1))
        with np.errstate(invalid="ignore", over="ignore"):
            expected = array.astype("f4")
        with np.errstate(invalid="ignore", over="ignore"):
            converted = buf.astype("f4").as_numpy_array()
        np.testing.assert_array_equal(converted, expected)
