"""The validation layer on its own: each helper's refusals and what it lets through."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from buffer_core import _validation as v
from buffer_core.compare import plan_all_equal
from buffer_core.testing._foreign import ForeignBuffer, ForeignNDBuffer


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((2, 3), (2, 3)), ([np.int64(2)], (2,)), (4, (4,)), (range(2), (0, 1)), ((), ())],
    ids=repr,
)
def test_parse_shape_accepts_integers(shape: Any, expected: tuple[int, ...]) -> None:
    """Tuples, lists, ranges, NumPy integers and one integer are shapes."""
    assert v.parse_shape(shape) == expected


@pytest.mark.parametrize(
    ("newshape", "error"),
    [((-2, 3), ValueError), ((-1, -1), ValueError), ((True,), TypeError), ("ab", TypeError)],
    ids=repr,
)
def test_parse_newshape_refuses(newshape: Any, error: type[Exception]) -> None:
    """reshape targets are integers with at most one -1."""
    with pytest.raises(error, match=r"^newshape(\[\d+\])?: "):
        v.parse_newshape(newshape)


def test_slices_with_numpy_integer_bounds_are_contiguous_keys() -> None:
    """NumPy integers are integers; floats and bools are not slice bounds."""
    key = slice(np.int64(1), np.int32(3))
    assert v.check_contiguous_slice(key) is key
    for bad in (slice(1.0, 2), slice(None, True)):
        with pytest.raises(TypeError, match=r"^key: "):
            v.check_contiguous_slice(bad)


@pytest.mark.parametrize(
    "source",
    [
        np.array([object()], dtype=object),
        memoryview(np.array([object()], dtype=object)),
        np.zeros(2, dtype=[("a", "O"), ("b", "i4")]),
    ],
    ids=["object", "memoryview", "struct"],
)
def test_memory_of_references_is_not_bytes(source: Any) -> None:
    """Object arrays, their memoryviews and structs holding objects are refused."""
    with pytest.raises(TypeError, match=r"^bytes_like: .*references"):
        v.host_bytes_of(source)
    with pytest.raises(TypeError, match=r"^value: "):
        v.stage_bytes(source, 8)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (256, ValueError),
        (-1, ValueError),
        (True, TypeError),
        ([1, 2, 300], ValueError),
        ([[1], [2, 3]], TypeError),
        (np.array([1.5, 2.5, 3.5]), TypeError),
        (b"ab", ValueError),
        (memoryview(np.arange(8, dtype="u1"))[::2], ValueError),
    ],
    # Not repr: a memoryview's names its address, which differs between runs
    # (and pytest-xdist workers must agree on every id).
    ids=[
        "256",
        "-1",
        "True",
        "300-in-list",
        "ragged",
        "floats",
        "short-bytes",
        "strided-memoryview",
    ],
)
def test_stage_bytes_refuses(value: Any, error: type[Exception]) -> None:
    """Byte values are 0-255, arrays are integers, lengths match and memory is contiguous."""
    with pytest.raises(error, match=r"^value: "):
        v.stage_bytes(value, 3)


@pytest.mark.parametrize(
    "value",
    [b"abc", bytearray(b"abc"), [97, 98, 99], np.array([97, 98, 99], dtype="i8"), (97, 98, 99)],
    ids=repr,
)
def test_stage_bytes_converts_valid_values(value: Any) -> None:
    """Bytes-like objects and integer sequences become the same three bytes."""
    assert v.stage_bytes(value, 3).tobytes() == b"abc"
    assert v.stage_bytes(np.empty(0), 0).size == 0


@pytest.mark.parametrize("protocol", [2, 5])
def test_object_ndbuffers_pickle_their_objects(protocol: int) -> None:
    """An object-dtype buffer pickles the objects themselves, not their pointers."""
    array = np.array([1, "two", None], dtype=object)
    restored = pickle.loads(pickle.dumps(ForeignNDBuffer(array), protocol=protocol))
    assert restored.as_numpy_array().tolist() == [1, "two", None]


def test_ragged_others_are_refused_naming_other() -> None:
    """all_equal cannot compare with a ragged nesting: a ValueError naming other."""
    with pytest.raises(ValueError, match=r"^other: "):
        plan_all_equal(np.dtype("f8"), [[1], [2, 3]], True)


@pytest.mark.parametrize(
    ("dtype", "other", "mode"),
    [
        ("V2", np.zeros(2, dtype="V2"), "array"),
        ("V2", np.zeros(2), "unequal"),
        ("V2", np.void(b"ab"), "equal"),
        ("V2", np.array(b"ab", dtype="V2"), "equal"),
        ("V2", "ab", "unequal"),
        ([("a", "u1"), ("b", "u1")], (1, 2), "equal"),
        ([("a", "u1"), ("b", "u1")], (1, 2, 3), "unequal"),
        ([("a", "u1"), ("b", "u1")], 7, "equal"),
        ([("a", "u1"), ("b", "u1")], 300, "unequal"),
        ([("a", "u1"), ("b", "u1")], 1j, "unequal"),
        ([("a", "c8"), ("b", "c16")], 1j, "equal"),
        ("V2", np.zeros(2, dtype="V4"), "unequal"),
        ("f8", np.zeros(2, dtype="V8"), "unequal"),
        ("f8", np.void(b"abcdefgh"), "unequal"),
    ],
    ids=repr,
)
def test_void_plans(dtype: Any, other: Any, mode: str) -> None:
    """Void dtypes convert a scalar as a fill value; void and non-void never compare equal."""
    assert plan_all_equal(np.dtype(dtype), other, True).mode == mode


def test_byte_writes_of_buffers_check_the_length() -> None:
    """A Buffer value must be as long as the slice it fills."""
    buf = ForeignBuffer.from_bytes(b"abcd")
    with pytest.raises(ValueError, match=r"^value: expected 2 bytes"):
        buf[0:2] = ForeignBuffer.from_bytes(b"xyz")
    assert buf.to_bytes() == b"abcd"


@pytest.mark.parametrize(
    ("value_shape", "selection_shape", "fits"),
    [
        ((), (3, 4), True),
        ((4,), (3, 4), True),
        ((1, 4), (3, 4), True),
        ((1, 1, 3, 4), (3, 4), True),
        ((3, 1), (3, 4), True),
        ((2, 2), (4,), False),
        ((3, 2, 1), (3, 2), False),
        ((2, 1, 3, 4), (3, 4), False),
        ((3,), (3, 4), False),
    ],
    ids=repr,
)
def test_fits_selection_is_numpys_assignment_rule(
    value_shape: tuple[int, ...], selection_shape: tuple[int, ...], fits: bool
) -> None:
    """A value fits where NumPy would broadcast it into the selection (leading ones dropped)."""
    assert v.fits_selection(value_shape, selection_shape) is fits
    target = np.zeros(selection_shape)
    try:
        target[...] = np.zeros(value_shape)
    except ValueError:
        assert not fits
    else:
        assert fits
