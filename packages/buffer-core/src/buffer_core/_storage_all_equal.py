"""``all_equal`` evaluated where the data lives, with the array API standard.

What equality means is decided by :func:`buffer_core.compare.plan_all_equal`;
this module evaluates the plan on storage: a reduction in the memory, with
only the one-element answer (and, for an array ``other``, that array) crossing
between host and memory. Raw-bytes storage is compared byte for byte where
bytes decide equality, and on the host where they do not (NaN payloads,
signed zeros of byte-swapped or extended-precision floats).
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from buffer_core._host_all_equal import host_all_equal
from buffer_core._layout import host_from_raw, host_raw
from buffer_core.compare import plan_all_equal

if TYPE_CHECKING:
    from buffer_core._memory import Memory

__all__ = ["storage_all_equal"]

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


def _convert_exactly(target: np.ndarray[Any, Any], dtype: np.dtype[Any]) -> Any:
    """``target`` in ``dtype`` if the conversion keeps every value, else None.

    A value that changes on conversion to the buffer's dtype equals no element.
    """
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            converted = target.astype(dtype)
            same = np.array_equal(converted, target, equal_nan=dtype.kind in _NAN_KINDS)
    except (TypeError, ValueError, OverflowError):
        return None
    return converted if same else None


def storage_all_equal(
    memory: Memory,
    storage: Any,
    dtype: np.dtype[Any],
    raw: bool,
    other: Any,
    equal_nan: bool,
) -> bool:
    """``NDBuffer.all_equal`` for ``storage`` of ``memory`` holding elements of ``dtype``."""
    if other is None:
        return False
    shape = tuple(int(n) for n in storage.shape)
    if raw:
        shape = shape[:-1]
    imported = other if memory.is_array(other) else memory.import_array(other)
    if imported is not None:
        # A device array: it is small or it is data; either way its values
        # are needed as NumPy's rules see them.
        other = memory.to_host(imported)
    plan = plan_all_equal(dtype, other, equal_nan)
    if plan.mode == "array":
        full = _broadcast_shape(shape, plan.target.shape)
        if math.prod(full) == 0:
            return True
        if raw or not memory.holds_natively(plan.target.dtype):
            return _on_host(memory, storage, dtype, raw, plan.target, plan.equal_nan)
        return _arrays_equal(memory, storage, dtype, plan.target, full, plan.equal_nan)
    if math.prod(shape) == 0:
        return True
    if plan.mode == "unequal":
        return False
    xp = memory.xp
    if raw:
        target = _convert_exactly(plan.target, dtype) if plan.mode == "equal" else None
        if target is None or dtype.kind in _NAN_KINDS:
            # Bytes do not decide: NaN payloads, two zeros, padding bytes.
            return _on_host(memory, storage, dtype, raw, other, equal_nan)
        pattern = memory.from_host(host_raw(np.ascontiguousarray(target)))
        return bool(xp.all(storage == pattern))
    if plan.mode in ("bitwise", "signed_zero") and dtype.kind in "fc":
        # A float zero: every element zero, with the target's sign.
        zero = plan.target.view(dtype)
        if dtype.kind == "c":
            parts = [(xp.real(storage), np.real(zero)), (xp.imag(storage), np.imag(zero))]
        else:
            parts = [(storage, zero)]
        return all(
            bool(xp.all(part == 0)) and bool(xp.all(xp.signbit(part) == bool(np.signbit(sign))))
            for part, sign in parts
        )
    if plan.mode == "nan":
        return dtype.kind in "fc" and bool(xp.all(xp.isnan(storage)))
    converted: np.ndarray[Any, Any] | None
    if plan.mode in ("bitwise", "signed_zero"):
        converted = plan.target.view(dtype)  # a float zero, converted to booleans or integers
    else:
        converted = _convert_exactly(plan.target, dtype)
    if converted is None:
        return False
    # A Python scalar of the buffer's own kind: exact in its dtype, and the
    # standard compares arrays with such scalars without promotion.
    return bool(xp.all(storage == converted.item()))


def _arrays_equal(
    memory: Memory,
    storage: Any,
    dtype: np.dtype[Any],
    target: np.ndarray[Any, Any],
    full: tuple[int, ...],
    equal_nan: bool,
) -> bool:
    """Natively held storage against a host array both sides can compute with."""
    xp = memory.xp
    if dtype.kind in "iu" and target.dtype.kind in "iu" and target.dtype != dtype:
        # Promoting uint64 with int64 gives float64, where neighbouring large
        # integers are equal; in the buffer's dtype the comparison is exact,
        # and a value outside its range equals no element.
        info = np.iinfo(dtype)
        if int(target.min()) < info.min or int(target.max()) > info.max:
            return False
        target = target.astype(dtype)
    common = np.result_type(dtype, target.dtype)
    if not memory.holds_natively(common):
        return _on_host(memory, storage, dtype, False, target, equal_nan)
    left = storage if common == dtype else xp.astype(storage, memory.xp_dtype(common))
    right = memory.from_host(np.ascontiguousarray(target, dtype=common))
    left, right = xp.broadcast_to(left, full), xp.broadcast_to(right, full)
    same = left == right
    if equal_nan and common.kind in "fc":
        same = same | (xp.isnan(left) & xp.isnan(right))
    return bool(xp.all(same))


def _on_host(
    memory: Memory, storage: Any, dtype: np.dtype[Any], raw: bool, other: Any, equal_nan: bool
) -> bool:
    """The reference algorithm on the host: the data crosses once."""
    host = memory.to_host(storage)
    return host_all_equal(host_from_raw(host, dtype) if raw else host, other, equal_nan)
