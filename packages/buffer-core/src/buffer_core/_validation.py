"""The one validation layer every implementation calls.

Each helper checks one kind of argument (shape, dtype, order, axes, keys,
fill values, values to write, prototypes) and raises the error the contract
in the README names: ``TypeError`` for the wrong kind of object,
``ValueError`` for the right kind with a wrong value, ``IndexError`` for a
key that selects nothing, each with a message that starts with the
argument's name, says what it got and what was expected.

The helpers are written so that the common, valid call costs one or two
exact-type checks: validation must not show up in the hot paths.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any, NoReturn

import numpy as np

from buffer_core._errors import describe, expected_type

__all__ = [
    "MAX_DIMS",
    "allocation_failed",
    "check_allocation",
    "check_byte_array",
    "check_contiguous",
    "check_contiguous_slice",
    "check_holds_no_references",
    "check_not_released",
    "conversion_failed",
    "convert_fill_value",
    "fits_selection",
    "host_bytes_of",
    "parse_axes",
    "parse_dtype",
    "parse_newshape",
    "parse_order",
    "parse_permutation",
    "parse_shape",
    "raise_key_error",
    "shape_mismatch",
    "stage_bytes",
    "stage_values",
]

#: The most dimensions a NumPy 2 array can have.
MAX_DIMS = 64
_BYTE = np.dtype("B")
_MAX_BYTES = sys.maxsize  # NumPy sizes are signed pointer-sized integers
_SHAPE_HINT = "an iterable of non-negative integers"
_BYTES_HINT = "a Buffer, a bytes-like object, an integer 0-255 or a sequence of them"


# --- integers, shapes and axes ---------------------------------------------------------------


def _integer(value: Any, argument: str, expected: str) -> int:
    """``value`` as an int; bools (and NumPy bools) are refused, as NumPy refuses them as sizes."""
    if type(value) is int:
        return value
    if isinstance(value, (bool, np.bool_)):
        raise expected_type(value, argument, expected)
    try:
        return operator.index(value)
    except TypeError:
        raise expected_type(value, argument, expected) from None


def _integers(values: Any, argument: str, expected: str) -> tuple[int, ...]:
    """``values`` (one integer or an ordered iterable of them) as a tuple of ints."""
    if type(values) is tuple and all(type(v) is int for v in values):
        return values
    # Strings iterate into characters, mappings into their keys and sets in no
    # particular order: none of them is a list of dimensions.
    if isinstance(values, (bool, np.bool_, str, bytes, bytearray, Mapping, AbstractSet)):
        raise expected_type(values, argument, expected)
    try:
        return (operator.index(values),)
    except TypeError:
        pass
    try:
        items = list(values)
    except TypeError:
        raise expected_type(values, argument, expected) from None
    return tuple(_integer(v, f"{argument}[{i}]", "an integer") for i, v in enumerate(items))


def parse_shape(shape: Any, argument: str = "shape") -> tuple[int, ...]:
    """Validate a shape: an iterable of non-negative integers (or one integer)."""
    dims = _integers(shape, argument, _SHAPE_HINT)
    if len(dims) > MAX_DIMS:
        msg = f"{argument}: at most {MAX_DIMS} dimensions are supported, got {len(dims)}"
        raise ValueError(msg)
    for d in dims:
        if d < 0:
            msg = f"{argument}: dimensions must be non-negative, got {dims}"
            raise ValueError(msg)
        if d > _MAX_BYTES:
            msg = (
                f"{argument}: dimension {d} of {dims} exceeds the largest array size ({_MAX_BYTES})"
            )
            raise ValueError(msg)
    return dims


def check_allocation(dims: tuple[int, ...], dtype: np.dtype[Any], argument: str = "shape") -> None:
    """Raise ValueError if an array of ``dims`` and ``dtype`` is larger than any array can be."""
    # NumPy gives zero-sized flexible dtypes ("S0", str) one character.
    nbytes = math.prod(dims) * max(dtype.itemsize, 1)
    if nbytes > _MAX_BYTES:
        msg = (
            f"{argument}: {dims} of dtype {dtype} needs {nbytes} bytes, more than the "
            f"largest array possible ({_MAX_BYTES} bytes)"
        )
        raise ValueError(msg)


def allocation_failed(
    dims: tuple[int, ...], dtype: np.dtype[Any], argument: str = "shape"
) -> MemoryError:
    """The MemoryError for an allocation the memory could not satisfy, saying what was asked."""
    nbytes = math.prod(dims) * dtype.itemsize
    return MemoryError(
        f"{argument}: cannot allocate {nbytes} bytes for shape {dims} and dtype {dtype}"
    )


def parse_newshape(newshape: Any, argument: str = "newshape") -> tuple[int, ...]:
    """Validate a target shape for reshape: integers, at most one of them -1."""
    dims = _integers(newshape, argument, "a tuple of integers or -1")
    if any(d < -1 for d in dims) or dims.count(-1) > 1:
        msg = f"{argument}: expected non-negative integers and at most one -1, got {dims}"
        raise ValueError(msg)
    return dims


def parse_axes(axis: Any, shape: tuple[int, ...], argument: str = "axis") -> frozenset[int]:
    """Validate axes to squeeze: distinct dimensions of length one; returns them non-negative."""
    axes = _integers(axis, argument, "an integer or a tuple of integers")
    ndim = len(shape)
    found: set[int] = set()
    for a in axes:
        if not -ndim <= a < ndim or shape[a] != 1:
            msg = f"{argument}: {a} is not a dimension of length one in shape {shape}"
            raise ValueError(msg)
        if a % ndim in found:
            msg = f"{argument}: axis {a} is listed twice in {axes}"
            raise ValueError(msg)
        found.add(a % ndim)
    return frozenset(found)


def parse_permutation(axes: Any, ndim: int, argument: str = "axes") -> tuple[int, ...]:
    """Validate axes for transpose: None (reverse) or a permutation of ``range(ndim)``."""
    if axes is None:
        return tuple(reversed(range(ndim)))
    expected = f"a permutation of the {ndim} axes or None"
    order = _integers(axes, argument, expected)
    normalized = tuple(a % ndim if -ndim <= a < ndim else -1 for a in order)
    if sorted(normalized) != list(range(ndim)):
        msg = f"{argument}: expected {expected}, got {axes!r}"
        raise ValueError(msg)
    return normalized


# --- dtypes and memory order -------------------------------------------------------------------


def parse_dtype(dtype: Any, argument: str = "dtype") -> np.dtype[Any]:
    """Validate a dtype specification and return the NumPy dtype it names."""
    if isinstance(dtype, np.dtype):  # the common case, one check
        return dtype
    if dtype is None:
        # np.dtype(None) silently means float64; a buffer's dtype is never implied.
        raise expected_type(dtype, argument, "a NumPy dtype or dtype specification")
    try:
        parsed: np.dtype[Any] = np.dtype(dtype)
    except (TypeError, ValueError) as error:
        msg = f"{argument}: {dtype!r} is not a data type NumPy understands"
        raise TypeError(msg) from error
    return parsed


def parse_order(order: Any, allowed: str = "CF", argument: str = "order") -> Any:
    """Validate a memory-order letter: exactly one of the letters in ``allowed``."""
    # `in` on two strings is a substring test: "CF" and "" are in "KACF".
    if type(order) is str and len(order) == 1 and order in allowed:
        return order
    choices = ", ".join(repr(c) for c in allowed)
    msg = f"{argument}: expected one of {choices}, got {order!r}"
    raise ValueError(msg)


# --- keys ------------------------------------------------------------------------------------------


def check_contiguous_slice(key: Any) -> slice:
    """Return ``key`` if it is a slice with step 1 and integer bounds, else raise.

    Buffers are untyped runs of bytes, so only contiguous byte ranges can be
    read or written; anything else would silently produce a copy.
    """
    if type(key) is slice and key.step is None:
        start, stop = key.start, key.stop
        if (start is None or type(start) is int) and (stop is None or type(stop) is int):
            return key
    return _check_slice_slowly(key)


def _check_slice_slowly(key: Any) -> slice:
    """The refusals of :func:`check_contiguous_slice`, and slices of NumPy integers."""
    if type(key) is not slice:
        raise expected_type(key, "key", "a slice such as buf[start:stop]")
    for bound in (key.start, key.stop, key.step):
        if bound is not None:
            _integer(bound, "key", "a slice with integer (or None) bounds")
    if key.step is not None and operator.index(key.step) != 1:
        msg = f"key: expected a contiguous slice (step 1), got step {key.step!r}"
        raise ValueError(msg)
    return key


def raise_key_error(key: Any, shape: tuple[int, ...], error: Exception) -> NoReturn:
    """Re-raise NumPy's (or CuPy's) indexing error as one that names ``key``.

    A key that selects nothing (out of range, a mask of the wrong length, no
    such field, a zero step) is an IndexError; NumPy's TypeErrors stay
    TypeErrors.
    """
    kind = TypeError if isinstance(error, TypeError) else IndexError
    msg = f"key: {key!r} does not index a buffer of shape {shape}: {error}"
    raise kind(msg) from None


# --- values -----------------------------------------------------------------------------------------


# NumPy raises RuntimeError for a datetime that does not fit a short string dtype.
_CONVERSION_ERRORS = (TypeError, ValueError, OverflowError, RuntimeError)


def _conversion_error(value: Any, dtype: np.dtype[Any], argument: str, error: Exception) -> Any:
    kind = TypeError if isinstance(error, TypeError) else ValueError
    shown = _show(value)
    return kind(f"{argument}: cannot store {shown} in dtype {dtype}: {error}")


def _show(value: Any) -> str:
    if getattr(value, "ndim", 0):
        return f"a {describe(value)}"
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def check_not_released(value: Any, argument: str) -> None:
    """Raise ValueError naming ``argument`` if ``value`` is a released ``memoryview``.

    Every attribute of a released memoryview and every export of its memory
    raises "operation forbidden on released memoryview object", which names
    nothing; the helpers that take values and bytes call this first.
    """
    if type(value) is memoryview:  # memoryview cannot be subclassed
        try:
            value.nbytes  # noqa: B018  # raises once the view is released
        except ValueError:
            msg = f"{argument}: expected a memoryview of live memory, got a released memoryview"
            raise ValueError(msg) from None


def fits_selection(value_shape: tuple[int, ...], selection_shape: tuple[int, ...]) -> bool:
    """Whether NumPy writes a value of ``value_shape`` into a selection of ``selection_shape``.

    NumPy broadcasts the value to the selection, after dropping leading
    dimensions of length one that the selection does not have.
    """
    extra = len(value_shape) - len(selection_shape)
    if extra > 0:
        if any(n != 1 for n in value_shape[:extra]):
            return False
        value_shape = value_shape[extra:]
    return all(
        v in (1, s) for v, s in zip(reversed(value_shape), reversed(selection_shape), strict=False)
    )


def shape_mismatch(
    value_shape: tuple[int, ...], selection: str, argument: str = "value"
) -> ValueError:
    """The ValueError for a value whose shape does not fit what ``selection`` describes.

    The words "shape mismatch" are NumPy's for this error, and zarr-python's
    own tests (and users' code written against zarr's buffers) match them;
    the message still starts with the argument's name, as every message does.
    """
    return ValueError(
        f"{argument}: shape mismatch: a value of shape {value_shape} does not fit {selection}"
    )


def conversion_failed(
    source: np.dtype[Any], target: np.dtype[Any], error: Exception, argument: str = "dtype"
) -> TypeError | ValueError:
    """The error for ``astype`` when the data of ``source`` cannot be converted to ``target``."""
    kind = TypeError if isinstance(error, TypeError) else ValueError
    return kind(f"{argument}: cannot convert the data of dtype {source} to {target}: {error}")


def convert_fill_value(value: Any, dtype: np.dtype[Any], argument: str = "fill_value") -> Any:
    """``value`` as a 0-d host array of ``dtype``: the one rule for fill values.

    ``create``, ``fill`` and writing a scalar with ``__setitem__`` convert
    with it, so they accept and refuse the same values: NumPy's rule for
    assigning one element, which refuses out-of-range Python integers,
    NaN and infinity into integers and unparsable strings.
    """
    if type(value) is memoryview:  # one check on the common path, not a call
        check_not_released(value, argument)
    scalar = np.empty((), dtype=dtype)
    if getattr(value, "ndim", 0):
        msg = f"{argument}: expected a single value, got a {describe(value)}"
        raise ValueError(msg)
    try:
        scalar[()] = value
    except _CONVERSION_ERRORS as error:
        raise _conversion_error(value, dtype, argument, error) from None
    return scalar


def stage_values(
    value: Any, dtype: np.dtype[Any], shape: tuple[int, ...], argument: str = "value"
) -> Any:
    """``value`` converted, whole, to a new host array of ``dtype`` and ``shape``.

    NumPy converts element by element while it writes, so a value that fails
    half way would leave a prefix written; converting into a temporary first
    means a failed write changes nothing.
    """
    if type(value) is memoryview:  # one check on the common path, not a call
        check_not_released(value, argument)
    staged = np.empty(shape, dtype=dtype)
    try:
        staged[...] = value
    except _CONVERSION_ERRORS as error:
        value_shape = _shape_of(value, dtype)
        if value_shape is not None and not fits_selection(value_shape, shape):
            raise shape_mismatch(value_shape, f"a selection of shape {shape}", argument) from None
        raise _conversion_error(value, dtype, argument, error) from None
    return staged


def _shape_of(value: Any, dtype: np.dtype[Any]) -> tuple[int, ...] | None:
    """The shape NumPy sees in ``value``, or None where it cannot tell.

    For structured dtypes a tuple is one element, not a dimension, so the
    nesting of lists does not say the shape; nor does a ragged list.
    """
    if isinstance(value, np.ndarray):
        return tuple(value.shape)
    if dtype.names is not None:
        return None
    try:
        return tuple(np.shape(value))
    except (TypeError, ValueError):
        return None


def check_holds_no_references(exporter: Any, argument: str) -> None:
    """Refuse memory that holds Python references (object dtype, StringDType, structs of them).

    Its bytes are pointers: writing them as bytes corrupts the objects and
    crashes the interpreter when they are next used.
    """
    dtype = getattr(exporter, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.hasobject:
        msg = f"{argument}: memory of dtype {dtype} holds Python object references, not bytes"
        raise TypeError(msg)
    if isinstance(exporter, memoryview) and "O" in exporter.format:
        msg = f"{argument}: memory of format {exporter.format!r} holds Python object references"
        raise TypeError(msg)


def stage_bytes(value: Any, expected: int, argument: str = "value") -> Any:
    """A value written into a byte slice, as a host ``uint8`` array of ``expected`` bytes or an int.

    Bytes-like objects are taken as their bytes, integer arrays and lists
    must hold values 0-255, and a single integer 0-255 fills the slice.
    """
    if type(value) is bytes or type(value) is bytearray:
        array = np.frombuffer(value, dtype=_BYTE)
    elif isinstance(value, (np.ndarray, list, tuple)):
        array = _byte_array(value, argument)
    elif isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        if not 0 <= value <= 255:
            msg = f"{argument}: expected a byte value 0-255, got {value}"
            raise ValueError(msg)
        return int(value)
    else:
        array = host_bytes_of(value, argument, _BYTES_HINT)
    if array.size != expected:
        msg = f"{argument}: expected {expected} bytes, got {array.size} bytes"
        raise ValueError(msg)
    return array


def host_bytes_of(
    bytes_like: Any,
    argument: str = "bytes_like",
    expected: str = "a bytes-like object (bytes, bytearray, memoryview, ...)",
) -> Any:
    """The bytes of a buffer-protocol object as a 1-d ``uint8`` NumPy array, without a copy."""
    check_not_released(bytes_like, argument)
    check_holds_no_references(bytes_like, argument)
    try:
        view = memoryview(bytes_like)
    except TypeError:
        raise expected_type(bytes_like, argument, expected) from None
    except (ValueError, BufferError) as error:  # StringDType and other unexportable memory
        msg = f"{argument}: its memory cannot be exported as bytes ({error})"
        raise ValueError(msg) from None
    check_holds_no_references(view, argument)
    try:
        return np.frombuffer(view, dtype=_BYTE)
    except (ValueError, BufferError) as error:
        # Strided memory cannot be wrapped without a copy.
        msg = f"{argument}: expected contiguous memory ({error})"
        raise ValueError(msg) from None


def _byte_array(value: Any, argument: str) -> Any:
    hint = _BYTES_HINT
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError, OverflowError):
            raise expected_type(value, argument, hint) from None
    else:
        raise expected_type(value, argument, hint)
    if array.dtype == _BYTE:
        return array.reshape(-1)
    if array.dtype.kind not in "iu" and not (array.size == 0 and array.dtype.kind == "f"):
        raise expected_type(array, argument, hint)
    if array.size and (array.min() < 0 or array.max() > 255):
        msg = (
            f"{argument}: byte values must be 0-255, got values from {array.min()} to {array.max()}"
        )
        raise ValueError(msg)
    return array.reshape(-1).astype(_BYTE)


def check_byte_array(array_like: Any, dtype: np.dtype[Any] | None = None) -> None:
    """Raise ValueError unless ``array_like`` (an array) is 1-d with dtype ``'B'``.

    ``dtype`` is the array's dtype as NumPy names it, for arrays whose own
    ``dtype`` attribute is another library's.
    """
    if array_like.ndim != 1:
        msg = f"array_like: only 1-dim allowed, got an array of {array_like.ndim} dimensions"
        raise ValueError(msg)
    found = array_like.dtype if dtype is None else dtype
    if found != _BYTE:
        msg = f"array_like: only byte dtype ('B') allowed, got dtype {found}"
        raise ValueError(msg)


def check_contiguous(array_like: Any) -> None:
    """Raise ValueError if ``array_like``, the array a Buffer is to wrap, is a strided view.

    A Buffer wraps its array without copying, and its bytes leave through the
    buffer protocol, DLPack and ``__cuda_array_interface__`` as one contiguous
    run: a strided array (``array[::2]``) would be refused there, far from
    where it came in, so it is refused here. An array without ``flags`` (no
    strides to ask about) is taken as it is.
    """
    flags = getattr(array_like, "flags", None)
    if flags is not None and not flags.c_contiguous:
        msg = (
            f"array_like: expected a contiguous array (it is wrapped, not copied), got a "
            f"strided view with strides {tuple(array_like.strides)}; pass a contiguous "
            f"copy (ascontiguousarray) instead"
        )
        raise ValueError(msg)
