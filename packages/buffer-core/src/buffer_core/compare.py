"""What ``NDBuffer.all_equal`` compares, decided once for every implementation.

Implementations differ in how they walk their memory (host chunks, a device
reduction) but must agree on what equality means. :func:`plan_all_equal`
turns the caller's ``other`` into a :class:`ComparisonPlan`; the
implementation then checks every element against the plan.
"""

from __future__ import annotations

import functools
from typing import Any, Literal, NamedTuple

import numpy as np

from buffer_core._validation import check_not_released, convert_fill_value

__all__ = ["ComparisonPlan", "plan_all_equal", "unsigned_view_dtype"]

# Kinds for which NaN has no meaning in comparisons: strings, bytes, void and objects.
_NO_NAN_KINDS = frozenset("USTOV")


class ComparisonPlan(NamedTuple):
    """How to decide ``all_equal`` for one buffer dtype and one ``other``.

    Attributes
    ----------
    mode
        ``"bitwise"``: every element's bit pattern equals ``target``'s (the
        buffer's dtype, reinterpreted with :func:`unsigned_view_dtype`).
        ``"signed_zero"``: every element is zero with the sign bit of
        ``target`` (for extended precision floats, whose padding bytes are
        not part of the value and must not be compared).
        ``"nan"``: every element is NaN (or NaT).
        ``"equal"``: every element ``== target``, ``target`` being a 0-d array.
        ``"array"``: ``other`` is an array; compare the broadcast arrays whole.
        ``"unequal"``: ``other`` cannot equal any element (a number against a
        structured dtype, say); the answer is ``False`` for a non-empty buffer.
    target
        The value each element is compared with, as a NumPy array.
    equal_nan
        For ``"array"`` mode: whether NaNs in the same places count as equal.
    """

    mode: Literal["bitwise", "signed_zero", "nan", "equal", "array", "unequal"]
    target: np.ndarray[Any, Any]
    equal_nan: bool


@functools.cache
def unsigned_view_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """An unsigned integer dtype of the same width (or raw void) to compare bits with."""
    widths = {1: "u1", 2: "u2", 4: "u4", 8: "u8"}
    return np.dtype(widths.get(dtype.itemsize, f"V{dtype.itemsize}"))


def plan_all_equal(dtype: np.dtype[Any], other: Any, equal_nan: bool) -> ComparisonPlan:
    """Decide how elements of ``dtype`` are compared with ``other``.

    ``other`` must not be ``None`` (which never equals anything); the caller
    returns ``False`` for it before planning.
    """
    if type(other) is memoryview:
        # NumPy makes an object array of a released one, which equals nothing.
        check_not_released(other, "other")
    if dtype.kind == "V":
        return _plan_void(dtype, other)
    try:
        target = np.asarray(other)
    except (TypeError, ValueError) as error:  # ragged nesting
        msg = f"other: expected a scalar or an array, NumPy cannot make an array of it: {error}"
        raise ValueError(msg) from None
    if target.dtype.kind == "V":
        # Structs and raw bytes have no elements in common with numbers,
        # strings or dates: NumPy refuses to compare them ("Cannot compare
        # structured or void to non-void arrays"), and none of them is equal.
        return ComparisonPlan("unequal", np.empty((), dtype=dtype), False)
    nan_aware = dtype.kind not in _NO_NAN_KINDS
    if target.ndim > 0:
        # NaN is only looked for where both sides can hold it: np.isnan has
        # no loop for strings or objects.
        nan_aware = nan_aware and target.dtype.kind not in _NO_NAN_KINDS
        return ComparisonPlan("array", target, equal_nan and nan_aware)
    if target.dtype.kind == "f" and nan_aware and target == 0:
        # A float zero fill value is compared bit for bit, so that a chunk of
        # -0.0 is not mistaken for one of 0.0 (and vice versa).
        try:
            converted = np.asarray(other, dtype=dtype)
        except (TypeError, ValueError):
            converted = None
        if converted is not None and _has_padding(dtype):
            return ComparisonPlan("signed_zero", converted, False)
        if converted is not None:
            return ComparisonPlan("bitwise", converted.view(unsigned_view_dtype(dtype)), False)
    if equal_nan and nan_aware and _is_nan(target):
        return ComparisonPlan("nan", target, True)
    return ComparisonPlan("equal", target, False)


def _plan_void(dtype: np.dtype[Any], other: Any) -> ComparisonPlan:
    """Raw bytes and structs: compare with a scalar ``other`` converted as a fill value is.

    The one rule for fill values (:func:`~buffer_core._validation.convert_fill_value`)
    decides what a scalar means in ``dtype``, so a buffer made by
    ``create(fill_value=x)`` is ``all_equal(x)`` for every ``x`` it accepts:
    a tuple of the fields, a NumPy void, a number (every field set to it),
    bytes for raw ``V`` dtypes. A scalar that does not convert equals
    nothing. Arrays are compared element by element, and only arrays of
    void elements can be equal.
    """
    unequal = ComparisonPlan("unequal", np.empty((), dtype=dtype), False)
    if isinstance(other, np.ndarray) and other.ndim == 0:
        other = other[()]
    if isinstance(other, np.ndarray):
        if not _voids_compare(dtype, other.dtype):
            return unequal
        return ComparisonPlan("array", other, False)
    if isinstance(other, (complex, np.complexfloating)) and not _all_complex(dtype):
        # NumPy drops the imaginary part to fill a real field (with a
        # ComplexWarning): a lossy conversion is not equality.
        return unequal
    if isinstance(other, np.void) and not np.can_cast(other.dtype, dtype, "same_kind"):
        # The same for a struct of complex fields into real ones, and any
        # other struct NumPy would convert only by changing kind.
        return unequal
    try:
        return ComparisonPlan("equal", convert_fill_value(other, dtype, "other"), False)
    except (TypeError, ValueError):
        return unequal


def _voids_compare(dtype: np.dtype[Any], other: np.dtype[Any]) -> bool:
    """Whether NumPy compares elements of the void ``dtype`` with those of ``other``.

    Raw bytes compare with raw bytes of the same size, structs with structs
    whose fields NumPy can match; every other pair NumPy refuses with a
    TypeError, and none of its elements are equal.
    """
    if other.kind != "V" or (dtype.names is None) != (other.names is None):
        return False
    if dtype.names is None:
        return dtype.itemsize == other.itemsize
    try:
        np.promote_types(dtype, other)
    except TypeError:
        return False
    return True


def _all_complex(dtype: np.dtype[Any]) -> bool:
    """Whether every field of ``dtype`` (nested, sub-arrays included) holds complex numbers."""
    if dtype.names is not None:
        return all(_all_complex(dtype.fields[name][0]) for name in dtype.names)  # type: ignore[index]
    if dtype.subdtype is not None:
        return _all_complex(dtype.subdtype[0])
    return dtype.kind == "c"


@functools.cache  # dtypes are few and hashable; finfo is not free
def _has_padding(dtype: np.dtype[Any]) -> bool:
    """Whether elements carry bytes that are not part of the value (x87 long double)."""
    if dtype.kind not in "fc":
        return False
    parts = 2 if dtype.kind == "c" else 1
    info = np.finfo(dtype)
    # Sign + exponent + mantissa, per real part (finfo.bits is the storage
    # width, not the value's). x87's 80-bit value has one more, explicit,
    # integer bit; storage exceeding the value by a byte or more is padding.
    value_bits = 1 + info.nexp + info.nmant
    return dtype.itemsize * 8 - value_bits * parts >= 8 * parts


def _is_nan(value: np.ndarray[Any, Any]) -> bool:
    try:
        return bool(np.isnan(value))
    except TypeError:  # no NaN for this kind of value (integers as objects, strings)
        return False
