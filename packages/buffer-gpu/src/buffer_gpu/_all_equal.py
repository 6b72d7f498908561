"""``all_equal`` as a reduction on the device.

What equality means (NaN, signed zero, broadcasting) is decided once for
every implementation by :func:`buffer_core.compare.plan_all_equal`; this
module only evaluates the plan where the data lives. Only the one-element
answer crosses to the host; ``other`` goes to the device when it is an array.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from buffer_core.compare import plan_all_equal
from buffer_gpu._cupy import as_device_array, ascontiguousarray, broadcast_to, isnan
from buffer_gpu._device_arrays import bring_to_current_device, raw_to_native
from buffer_gpu._dtypes import is_device_native, native_counterpart, value_byte_indices
from buffer_gpu._interchange import import_device_array, is_device_array

__all__ = ["all_equal_native", "all_equal_raw"]

_NAN_KINDS = frozenset("fcmM")


def _broadcast_shape(shape: tuple[int, ...], other: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(shape, other))
    except ValueError:
        msg = (
            f"other: an array of shape {other} does not broadcast against the buffer's "
            f"shape {shape}"
        )
        raise ValueError(msg) from None


def all_equal_native(data: Any, other: Any, equal_nan: bool) -> bool:
    """``NDBuffer.all_equal`` for a CuPy array of a dtype CuPy computes with."""
    if other is None:
        return False
    if is_device_array(other):
        values = import_device_array(other)
        if values.ndim > 0:
            nan_aware = data.dtype.kind in "fc" and values.dtype.kind in "fc"
            # The caller made the buffer's device current; other may live on
            # another device (kernels cannot read it there without peer
            # access) and be written on another stream: bring_to_current_device
            # waits for that device's stream, then copies.
            values = bring_to_current_device(values)
            return _arrays_equal(data, values, equal_nan and nan_aware)
        other = values.get()  # a 0-d scalar: one element to the host, not the data
    plan = plan_all_equal(data.dtype, other, equal_nan)
    if plan.mode == "array":
        full = _broadcast_shape(tuple(data.shape), plan.target.shape)
        target = _as_device_native(plan.target)
        if target is None:
            return False
        target = _exact_integers(target, data.dtype)
        if target is None:  # an integer out of the buffer's range: true only when empty
            return math_prod(full) == 0
        return _arrays_equal(data, as_device_array(target), plan.equal_nan)
    if data.size == 0:
        return True
    if plan.mode in ("bitwise", "signed_zero"):
        return _bits_equal(data, plan.target.tobytes())
    if plan.mode == "nan":
        return data.dtype.kind in "fc" and bool(isnan(data).all())
    # A scalar is compared in the buffer's own dtype, converted exactly or
    # not at all. Comparing CuPy arrays with a NumPy scalar of another dtype
    # is not stable across CuPy lines: CuPy 13 casts by the scalar's value (a
    # float32 0.1 "equals" float64 0.1), CuPy 14 promotes as NumPy 2 does.
    # A target that changes on conversion equals no element, as NumPy says.
    converted = _convert_exactly(plan.target, data.dtype)
    if converted is None:
        return False
    return bool((data == converted[()]).all())


def _exact_integers(target: np.ndarray[Any, Any], dtype: np.dtype[Any]) -> Any:
    """Integer ``target`` in the integer ``dtype``, or None if a value does not fit.

    CuPy promotes ``uint64`` with ``int64`` to ``float64``, where neighbouring
    large integers compare equal; in the buffer's own dtype the comparison is
    exact, and a value outside its range equals no element. Other pairs are
    returned as they are.
    """
    if dtype.kind not in "iu" or target.dtype.kind not in "iu" or target.dtype == dtype:
        return target
    info = np.iinfo(dtype)
    if target.size and (int(target.min()) < info.min or int(target.max()) > info.max):
        return None
    return target.astype(dtype)


def _as_device_native(target: np.ndarray[Any, Any]) -> np.ndarray[Any, Any] | None:
    """``target`` in a dtype CuPy computes with, or None if it has none (strings, objects)."""
    if is_device_native(target.dtype):
        return target
    native = native_counterpart(target.dtype)
    return None if native is None else target.astype(native)


def _arrays_equal(data: Any, other: Any, equal_nan: bool) -> bool:
    shape = _broadcast_shape(tuple(data.shape), tuple(other.shape))
    left, right = broadcast_to(data, shape), broadcast_to(other, shape)
    same = left == right
    # Only floating and complex values can be NaN; elsewhere equality decides.
    if equal_nan and left.dtype.kind in "fc" and right.dtype.kind in "fc":
        same |= isnan(left) & isnan(right)
    return bool(same.all())


def _bits_equal(data: Any, pattern: bytes) -> bool:
    """Whether every element's bytes are ``pattern``."""
    itemsize = data.dtype.itemsize
    if itemsize in (1, 2, 4, 8):
        word = np.dtype(f"u{itemsize}")
        values = data.view(word)
        expected = np.frombuffer(pattern, dtype=word)[0]
        if not expected:
            return not bool(values.any())
        return bool((values == expected).all())
    # complex128: two 64-bit words per element.
    words = ascontiguousarray(data).reshape(-1).view(np.uint64).reshape(-1, itemsize // 8)
    expected_words = np.frombuffer(pattern, dtype=np.uint64)
    if not expected_words.any():
        return not bool(words.any())
    return bool((words == as_device_array(expected_words)).all())


# --- raw storage: dtypes CuPy cannot compute with -------------------------------------------


def all_equal_raw(storage: Any, dtype: np.dtype[Any], other: Any, equal_nan: bool) -> bool:
    """``NDBuffer.all_equal`` for raw storage (``uint8``, last axis the element's bytes)."""
    if other is None:
        return False
    native = native_counterpart(dtype)
    if native is not None:
        # Byte-swapped numbers: compare their values in native order.
        return all_equal_native(raw_to_native(storage, dtype, native), other, equal_nan)
    if is_device_array(other):
        other = import_device_array(other).get()  # CuPy has no such dtype: other is small
    shape = tuple(storage.shape[:-1])
    plan = plan_all_equal(dtype, other, equal_nan)
    if plan.mode == "array":
        full = _broadcast_shape(shape, plan.target.shape)
        converted = _convert_exactly(plan.target, dtype)
        if converted is None:
            return False
        if not plan.equal_nan and dtype.kind in _NAN_KINDS and _has_nan(converted):
            return math_prod(full) == 0
        return _rows_equal(storage, dtype, _as_rows(converted), full)
    if math_prod(shape) == 0:
        return True
    if plan.mode == "unequal":  # e.g. a number against a structured dtype
        return False
    if plan.mode in ("bitwise", "signed_zero"):
        return _rows_equal(storage, dtype, np.frombuffer(plan.target.tobytes(), np.uint8), shape)
    if plan.mode == "nan":
        return _all_nan_raw(storage, dtype)
    converted = _convert_exactly(plan.target, dtype)
    if converted is None or (dtype.kind in _NAN_KINDS and _has_nan(converted)):
        return False  # NaN and NaT never equal anything in plain equality
    if dtype.kind in "fc" and converted == 0:
        # Either zero equals zero: accept both sign patterns.
        return _rows_equal_either(storage, dtype, converted)
    return _rows_equal(storage, dtype, np.frombuffer(converted.tobytes(), np.uint8), shape)


def math_prod(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _convert_exactly(target: np.ndarray[Any, Any], dtype: np.dtype[Any]) -> Any:
    """``target`` converted to ``dtype`` if the conversion keeps every value, else None.

    An element that does not survive conversion to the buffer's dtype cannot
    equal any element of the buffer.
    """
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            converted = target.astype(dtype)
            same = np.array_equal(converted, target, equal_nan=dtype.kind in _NAN_KINDS)
    except (TypeError, ValueError, OverflowError):
        return None
    return converted if same else None


def _has_nan(values: np.ndarray[Any, Any]) -> bool:
    return bool(np.isnan(values).any())


def _as_rows(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Host values as a ``uint8`` array of shape ``(*shape, itemsize)``."""
    contiguous = np.ascontiguousarray(values)
    return contiguous.reshape((*contiguous.shape, 1)).view(np.uint8)


def _rows_equal(
    storage: Any, dtype: np.dtype[Any], expected: np.ndarray[Any, Any], shape: tuple[int, ...]
) -> bool:
    """Whether each element's value bytes equal ``expected``'s, broadcast to ``shape``."""
    indices = value_byte_indices(dtype)
    values = storage if indices is None else storage[..., as_device_array(indices)]
    wanted = expected if indices is None else expected[..., indices]
    if wanted.ndim == 1 and not wanted.any():
        return not bool(values.any())
    full = (*shape, values.shape[-1])
    same = broadcast_to(values, full) == broadcast_to(as_device_array(wanted), full)
    return bool(same.all())


def _rows_equal_either(storage: Any, dtype: np.dtype[Any], zero: np.ndarray[Any, Any]) -> bool:
    indices = value_byte_indices(dtype)
    values = storage if indices is None else storage[..., as_device_array(indices)]
    plus = np.frombuffer(np.abs(zero).astype(dtype).tobytes(), np.uint8)
    minus = np.frombuffer((-np.abs(zero)).astype(dtype).tobytes(), np.uint8)
    if indices is not None:
        plus, minus = plus[indices], minus[indices]
    rows_plus = (values == as_device_array(plus)).all(axis=-1)
    rows_minus = (values == as_device_array(minus)).all(axis=-1)
    return bool((rows_plus | rows_minus).all())


def _all_nan_raw(storage: Any, dtype: np.dtype[Any]) -> bool:
    if dtype.kind in "mM":
        nat = np.array("NaT", dtype=dtype)
        shape = tuple(storage.shape[:-1])
        return _rows_equal(storage, dtype, np.frombuffer(nat.tobytes(), np.uint8), shape)
    if dtype.kind in "fc":
        # Extended precision has no device arithmetic and many NaN bit
        # patterns: this one case reads the data on the host.
        host = _raw_to_host(storage, dtype)
        return bool(np.isnan(host).all())
    return False


def _raw_to_host(storage: Any, dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    contiguous = ascontiguousarray(storage)
    host = contiguous.get()
    return np.ascontiguousarray(host).view(dtype)[..., 0]
