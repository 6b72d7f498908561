"""The rows of "Where we differ from zarr-python, and why" (buffer-cpu's README), one test each.

Each test runs the same call through zarr's own CPU buffers and ours and
pins both results: ours is the one the README promises, zarr's the one it
documents. When a zarr release changes its side, the test fails and the
table needs updating.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import buffer_cpu

zarr_cpu = pytest.importorskip("zarr.core.buffer.cpu", reason="zarr is not installed")


@pytest.mark.parametrize("protocol", range(5))
def test_pickling_keeps_the_byte_order(protocol: int) -> None:
    """Row "pickle": a big-endian buffer comes back big-endian; zarr's comes back native."""
    source = np.arange(3, dtype=">i4")
    ours = pickle.loads(pickle.dumps(buffer_cpu.NDBuffer.from_numpy_array(source), protocol))
    theirs = pickle.loads(pickle.dumps(zarr_cpu.NDBuffer.from_numpy_array(source), protocol))
    assert ours.dtype == np.dtype(">i4")
    assert theirs.dtype == np.dtype("=i4")
    np.testing.assert_array_equal(ours.as_numpy_array(), theirs.as_numpy_array())


@pytest.mark.parametrize(
    ("source", "dtype_theirs"),
    [
        (np.arange(3, dtype=">i4"), np.dtype("=i4")),
        (np.array([b"a\0\0", b"def"], dtype="S3"), np.dtype("S1")),
    ],
    ids=[">i4", "S3"],
)
def test_scalar_indexing_keeps_the_dtype(source: np.ndarray, dtype_theirs: np.dtype) -> None:
    """Row "buf[i]": a 0-d view of the same dtype; zarr's goes through a NumPy scalar.

    A scalar is native-endian, and a bytes scalar drops trailing NUL bytes,
    so zarr's S3 element b"a\\0\\0" becomes an S1 b"a".
    """
    ours = buffer_cpu.NDBuffer.from_numpy_array(source)[0]
    theirs = zarr_cpu.NDBuffer.from_numpy_array(source)[0]
    assert ours.dtype == source.dtype
    assert ours.as_numpy_array().tobytes() == source[:1].tobytes()
    assert theirs.dtype == dtype_theirs


def test_as_scalar_of_a_size_one_nd_buffer_is_a_scalar() -> None:
    """Row "as_scalar": a NumPy scalar for any size-one buffer; zarr returns an n-d array."""
    source = np.full((1, 1), 2.5)
    ours = buffer_cpu.NDBuffer.from_numpy_array(source).as_scalar()
    theirs = zarr_cpu.NDBuffer.from_numpy_array(source).as_scalar()
    assert isinstance(ours, np.float64)
    assert ours == 2.5
    assert isinstance(theirs, np.ndarray)
    assert theirs.shape == (1, 1)


@pytest.mark.parametrize(
    ("data", "other", "expected"),
    [
        (np.zeros(3), np.zeros(3), True),
        (np.ones((2, 3)), np.ones(3), True),
        (np.ones(3), np.zeros(3), False),
    ],
    ids=["same", "broadcast", "different"],
)
def test_all_equal_with_an_array_answers(
    data: np.ndarray, other: np.ndarray, expected: bool
) -> None:
    """Row "all_equal(array)": compared element by element; zarr raises "truth value ... ambiguous".

    zarr's signed-zero check takes bool() of ``other == 0.0``, which only a
    float array reaches.
    """
    assert buffer_cpu.NDBuffer.from_numpy_array(data).all_equal(other) is expected
    with pytest.raises(ValueError, match="ambiguous"):
        zarr_cpu.NDBuffer.from_numpy_array(data).all_equal(other)


def test_a_failed_write_changes_nothing() -> None:
    """Row "failed writes": ours refuses before writing; zarr's NumPy write leaves a prefix."""
    ours = buffer_cpu.NDBuffer.create(shape=(4,), dtype="u1")
    theirs = zarr_cpu.NDBuffer.create(shape=(4,), dtype="u1")
    with pytest.raises(ValueError, match=r"^value: "):
        ours[0:4] = [1, 2, 3, 300]
    with pytest.raises(OverflowError):
        theirs[0:4] = [1, 2, 3, 300]
    assert ours.as_numpy_array().tolist() == [0, 0, 0, 0]
    assert theirs.as_numpy_array().tolist() == [1, 2, 3, 0]
