"""Bad input is refused by buffer-core's validation layer before any device work.

Run where CuPy is installed but no device is usable: the buffers here are CuPy
arrays over host memory that claim to be on device 0. Building and indexing
them needs no driver, so every refusal below is shown to happen on the host,
before CUDA would be asked for anything, and the host memory shows that a
refused write changed nothing. Valid input would go on to device work, which
the conformance suite (``test_conformance.py``, bad-input section included)
checks on a real device. With a usable device these tests skip: a write that
wrongly got through would hand host memory to a CUDA kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import buffer_gpu
from buffer_core.implementing import allocation_layout
from buffer_gpu import Buffer, NDBuffer

cupy = pytest.importorskip("cupy")

pytestmark = pytest.mark.skipif(
    buffer_gpu.device_problem() is None,
    reason="a device is usable: the conformance suite checks these refusals there",
)

_STRUCT = np.dtype([("a", "i8"), ("b", "f8")])


def _posing_as_device(host: np.ndarray[Any, Any], shape: tuple[int, ...], dtype: Any) -> Any:
    """A CuPy array over ``host``'s memory that claims to live on device 0."""
    memory = cupy.cuda.UnownedMemory(host.ctypes.data, host.nbytes, host, device_id=0)
    # CuPy takes a structured dtype as a dtype object only.
    return cupy.ndarray(shape, dtype=np.dtype(dtype), memptr=cupy.cuda.MemoryPointer(memory, 0))


def _ndbuffer(values: np.ndarray[Any, Any]) -> tuple[NDBuffer, np.ndarray[Any, Any]]:
    """An NDBuffer whose storage is ``values``' own host memory (raw bytes where buffer-gpu keeps them).

    The constructor does no device work: it takes the CuPy array as it is,
    or its bytes for a dtype CuPy cannot compute with.
    """
    host = np.ascontiguousarray(values)
    dtype = host.dtype
    return NDBuffer(_posing_as_device(host, host.shape, dtype)), host


def _buffer(data: bytes) -> tuple[Buffer, np.ndarray[Any, Any]]:
    host = np.frombuffer(bytearray(data), dtype=np.uint8)
    return Buffer(_posing_as_device(host, host.shape, np.uint8)), host


def _starting(dtype: Any) -> np.ndarray[Any, Any]:
    return np.zeros((4, 3), dtype=dtype)


# --- Buffer --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        np.array([object(), object()], dtype=object),
        memoryview(np.array([object(), object()], dtype=object)),
        np.zeros(2, dtype=[("a", "O"), ("b", "i8")]),
        np.array(["a", "b"], dtype=np.dtypes.StringDType()),
    ],
    ids=["object", "object-memoryview", "struct-with-object", "StringDType"],
)
def test_from_bytes_refuses_memory_holding_references(source: Any) -> None:
    """from_bytes refuses memory of Python references (host_bytes_of), naming bytes_like."""
    with pytest.raises((TypeError, ValueError), match=r"^bytes_like: "):
        Buffer.from_bytes(source)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ([1, 2, 3, 300], ValueError),
        ([1, 2, 3, -1], ValueError),
        ([1.5, 2, 3, 4], TypeError),
        (np.array([1, 2, 3, object()], dtype=object), TypeError),
        (memoryview(np.array([object()] * 4, dtype=object)), TypeError),
        (np.array(["a", "b", "c", "d"], dtype=np.dtypes.StringDType()), TypeError),
        (b"abc", ValueError),
        (300, ValueError),
        ("abcd", TypeError),
        (None, TypeError),
    ],
    # Fixed ids, not repr: an object's repr holds its address, which differs between
    # processes, and pytest-xdist (gpu-check's workers) refuses suites whose ids differ.
    ids=[
        "list-300",
        "list-minus-1",
        "list-float",
        "object-array",
        "object-memoryview",
        "StringDType",
        "bytes-too-short",
        "int-300",
        "str",
        "None",
    ],
)
def test_byte_writes_refuse_and_change_nothing(value: Any, error: type[Exception]) -> None:
    """A byte write that cannot be converted whole (stage_bytes) names value and writes nothing."""
    buf, host = _buffer(b"abcdefgh")
    with pytest.raises(error, match=r"^value: "):
        buf[0:4] = value
    assert host.tobytes() == b"abcdefgh"


@pytest.mark.parametrize("key", [slice(0, 4, 2), slice(0.5, 2), 3, "a", None], ids=repr)
def test_byte_keys_are_contiguous_slices(key: Any) -> None:
    """Byte reads and writes take contiguous integer slices only, naming key."""
    buf, host = _buffer(b"abcdefgh")
    with pytest.raises((TypeError, ValueError), match=r"^key: "):
        buf[key]
    with pytest.raises((TypeError, ValueError), match=r"^key: "):
        buf[key] = b"ab"
    assert host.tobytes() == b"abcdefgh"


@pytest.mark.parametrize(
    "other",
    [b"abcdefgh", bytearray(b"abcdefgh"), np.frombuffer(b"abcdefgh", "u1"), np.uint8(97), None],
    ids=repr,
)
def test_only_buffers_compare_equal_or_add(other: Any) -> None:
    """== with anything but a Buffer is False, + a TypeError, whichever side NumPy is on."""
    buf, _ = _buffer(b"abcdefgh")
    assert (buf == other) is False
    assert (buf != other) is True
    with pytest.raises(TypeError):
        buf + other
    if isinstance(other, np.ndarray):
        # __array_ufunc__ = None (the ABC's): NumPy defers to Buffer.__eq__.
        assert (other == buf) is False
        with pytest.raises(TypeError):
            other + buf


def test_buffer_operators_come_from_the_abc() -> None:
    """buffer-gpu keeps buffer-core's rules: NumPy defers, buffers are unhashable."""
    import buffer_core

    assert Buffer.__array_ufunc__ is None
    assert Buffer.__add__ is buffer_core.Buffer.__add__
    assert Buffer.__hash__ is None


# --- NDBuffer element access ------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [5, -7, (0, 9), 1.5, "x", (0, 0, 0), np.array([True, False]), (slice(None), [0, 7])],
    ids=repr,
)
def test_bad_keys_are_index_errors_naming_key(key: Any) -> None:
    """Reads and writes with keys that select nothing raise IndexError starting with key:."""
    buf, host = _ndbuffer(np.arange(12.0).reshape(4, 3))
    before = host.tobytes()
    with pytest.raises(IndexError, match=r"^key: "):
        buf[key]
    with pytest.raises(IndexError, match=r"^key: "):
        buf[key] = 1.0
    with pytest.raises(IndexError, match=r"^key: "):
        buf[key] = np.zeros(3)
    assert host.tobytes() == before


def test_unknown_field_names_name_key() -> None:
    """A field a structured buffer does not have is an IndexError naming key."""
    buf, _ = _ndbuffer(np.zeros(3, dtype=_STRUCT))
    with pytest.raises(IndexError, match=r"^key: .*no field of name f9"):
        buf["f9"]
    with pytest.raises(IndexError, match=r"^key: "):
        buf["f9"] = 1


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
        ("M8[s]", 1.5),
    ],
    ids=str,
)
def test_unconvertible_scalars_name_value(dtype: str, value: Any) -> None:
    """Scalar writes and fill use the one fill-value rule, naming value, and write nothing."""
    buf, host = _ndbuffer(_starting(dtype))
    before = host.tobytes()
    with pytest.raises((TypeError, ValueError), match=r"^value: "):
        buf[0, 0] = value
    with pytest.raises((TypeError, ValueError), match=r"^value: "):
        buf.fill(value)
    assert host.tobytes() == before


@pytest.mark.parametrize(
    ("dtype", "value"),
    [
        ("u1", [1, 2, 300]),
        ("i4", np.array(["1", "2", "x"])),
        ("f8", np.array([1, 2, object()], dtype=object)),
        ("i8", [1, 2, float("inf")]),
        ("M8[s]", [0, 1, 1.5]),
        (">f8", ["1", "2", "x"]),
        (_STRUCT, [(1, 1.0), (2, 2.0), (3, "x")]),
    ],
    ids=["list-u1", "str-array", "object-array", "inf", "datetime", "big-endian", "struct-row"],
)
def test_writes_with_a_bad_last_element_change_nothing(dtype: Any, value: Any) -> None:
    """The whole value is converted on the host first (stage_values): a refused write writes nothing."""
    buf, host = _ndbuffer(np.zeros((4, 3), dtype=dtype))
    before = host.tobytes()
    with pytest.raises((TypeError, ValueError), match=r"^value: "):
        buf[0] = value
    assert host.tobytes() == before


@pytest.mark.parametrize(
    ("key", "value"),
    [(0, np.zeros(4)), (0, [1.0, 2.0]), (slice(0, 2), np.zeros((3, 3))), ((), [[1.0]] * 5)],
    ids=repr,
)
def test_values_that_do_not_fit_name_value(key: Any, value: Any) -> None:
    """A value of the wrong shape is a ValueError naming value and both shapes."""
    buf, host = _ndbuffer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"^value: .*shape"):
        buf[key] = value
    assert not host.any()


# --- NDBuffer views and conversions -----------------------------------------------------------


@pytest.mark.parametrize("axis", [None, ("a",), (0.5,), True, {0: 1}, (0, 0), 1, 5], ids=repr)
def test_squeeze_names_axis(axis: Any) -> None:
    """squeeze checks its axes with parse_axes before reshaping."""
    buf, _ = _ndbuffer(np.zeros((1, 3)))
    with pytest.raises((TypeError, ValueError), match=r"^axis(\[\d+\])?: "):
        buf.squeeze(axis)


@pytest.mark.parametrize("newshape", [True, "ab", (2, -2), (-1, -1), (2.0, 6), {2: 6}], ids=repr)
def test_reshape_names_newshape(newshape: Any) -> None:
    """reshape checks the target shape with parse_newshape before any device work."""
    buf, _ = _ndbuffer(np.zeros((4, 3)))
    with pytest.raises((TypeError, ValueError), match=r"^newshape(\[\d+\])?: "):
        buf.reshape(newshape)


@pytest.mark.parametrize("axes", [(0, 0), (0, 1, 2), (5, 0), ("a", "b"), True], ids=repr)
def test_transpose_names_axes(axes: Any) -> None:
    """transpose takes a permutation of the axes (parse_permutation)."""
    buf, _ = _ndbuffer(np.zeros((4, 3)))
    with pytest.raises((TypeError, ValueError), match=r"^axes(\[\d+\])?: "):
        buf.transpose(axes)


@pytest.mark.parametrize(
    ("dtype", "order", "argument"),
    [("f4", "CF", "order"), ("f4", "", "order"), ("f4", None, "order"), (None, "K", "dtype")],
    ids=str,
)
def test_astype_names_its_arguments(dtype: Any, order: Any, argument: str) -> None:
    """astype's dtype and order are checked before any conversion."""
    buf, _ = _ndbuffer(np.zeros(3))
    with pytest.raises((TypeError, ValueError), match=f"^{argument}: "):
        buf.astype(dtype, order=order)


# --- allocation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape", [(2**62, 2**62), (2**63,), (1,) * 65, (2**40,) * 3], ids=lambda s: f"{len(s)}-d"
)
@pytest.mark.parametrize("dtype", ["f8", "S0", "(2,)i4"])
def test_impossible_shapes_name_shape(shape: Any, dtype: str) -> None:
    """Sizes no array can have are a ValueError naming shape, before the device is asked."""
    with pytest.raises(ValueError, match=r"^shape: "):
        NDBuffer.create(shape=shape, dtype=dtype)
    with pytest.raises(ValueError, match=r"^shape: "):
        NDBuffer.empty(shape, dtype)


@pytest.mark.parametrize("shape", [True, (2, True), {2: 3}, {2, 3}, (2.0,)], ids=repr)
def test_shapes_are_integers(shape: Any) -> None:
    """Bools, mappings, sets and floats are not dimensions."""
    with pytest.raises(TypeError, match=r"^shape(\[\d+\])?: "):
        NDBuffer.create(shape=shape, dtype="f8")


@pytest.mark.parametrize("order", ["CF", "", "KA", "c", None, 1], ids=repr)
def test_orders_are_single_letters(order: Any) -> None:
    """create and empty take exactly 'C' or 'F'."""
    with pytest.raises(ValueError, match=r"^order: "):
        NDBuffer.create(shape=(2,), dtype="f8", order=order)
    with pytest.raises(ValueError, match=r"^order: "):
        NDBuffer.empty((2,), "f8", order)


@pytest.mark.parametrize(
    ("dtype", "fill_value"),
    [
        ("M8[s]", -1.5),
        ("M8[s]", float("nan")),
        ("M8[s]", 1e30),
        ("M8[s]", 2**63),
        ("u1", 300),
        ("i4", float("inf")),
        ("f8", "x"),
        ("f8", [1.0, 2.0]),
    ],
    ids=str,
)
def test_create_uses_the_one_fill_value_rule(dtype: str, fill_value: Any) -> None:
    """create refuses the fill values fill() and __setitem__ refuse, naming fill_value."""
    with pytest.raises((TypeError, ValueError), match=r"^fill_value: "):
        NDBuffer.create(shape=(2,), dtype=dtype, fill_value=fill_value)
    buf, host = _ndbuffer(np.zeros(2, dtype=dtype))
    with pytest.raises((TypeError, ValueError), match=r"^value: "):
        buf.fill(fill_value)
    assert not host.view("u1").any()


@pytest.mark.parametrize("dtype", [str, "U", "S0", bytes, "(2,)i4", "(2,3)f8"], ids=str)
def test_allocation_layout_is_numpys(dtype: Any) -> None:
    """create/empty allocate the shape and dtype np.zeros gives (one character, sub-array axes)."""
    expected = np.zeros((2, 3), dtype=dtype)
    dims, parsed = allocation_layout((2, 3), np.dtype(dtype))
    assert (dims, parsed) == (expected.shape, expected.dtype)
