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
    if dtype.kind == "V":
        return _plan_void(dtype, other)
    try:
        target = np.asarray(other)
    except (TypeError, ValueError) as error:  # ragged nesting
        msg = f"other: expected a scalar or an array, NumPy cannot make an array of it: {error}"
        raise ValueError(msg) from None
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
    """Raw bytes and structs: compare with ``other`` converted to ``dtype``, if it is one.

    Only what names such an element converts: bytes of exactly the item size
    for raw ``V`` dtypes, a tuple of the fields (or a NumPy void) for
    structured ones, and arrays of such elements. NumPy would also turn a
    number into a struct with every field set to it; that is not equality.
    """
    unequal = ComparisonPlan("unequal", np.empty((), dtype=dtype), False)
    if isinstance(other, np.ndarray) and other.ndim == 0:
        other = other[()]
    if isinstance(other, np.ndarray):
        if other.dtype.kind != "V":
            return unequal
        return ComparisonPlan("array", other, False)
    if dtype.names is None:
        if isinstance(other, np.void):
            size = other.itemsize
        elif isinstance(other, bytes):
            size = len(other)
        else:
            return unequal
        if size != dtype.itemsize:
            return unequal
    elif not isinstance(other, (tuple, np.void)):
        return unequal
    try:
        return ComparisonPlan("equal", np.asarray(other, dtype=dtype), False)
    except (TypeError, ValueError, OverflowError):
        return unequal


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
