"""``all_equal`` on host memory without touching more than it must: the reference algorithm.

The common question, "is this chunk all fill value?", has two usual answers:
yes (a uniform chunk: every element must be read, once) or no, and usually
early. So the buffer is walked in slices that start small, so that a
difference near the front costs almost nothing, and double up to a
cache-sized cap, so that a uniform buffer costs one pass over memory with a
few dozen NumPy calls. Temporaries are at most one slice long and are reused.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from buffer_core.compare import ComparisonPlan, plan_all_equal, unsigned_view_dtype

__all__ = ["host_all_equal"]

# Slices start at a page of data and double up to a size that stays in the
# L2 cache together with its boolean temporary.
_FIRST_SLICE_BYTES = 1 << 16
_MAX_SLICE_BYTES = 1 << 20
_NUMERIC_KINDS = frozenset("biufcmM")
_WORD_SIZES = frozenset({1, 2, 4, 8})


def host_all_equal(data: npt.NDArray[Any], other: Any, equal_nan: bool) -> bool:
    """Whether every element of ``data`` equals ``other``; see ``NDBuffer.all_equal``."""
    if other is None:
        return False
    if data.size and _scalar_first_differs(data, other):
        return False
    zero = _all_zero(data, other)
    if zero is not None:
        return zero
    plan = plan_all_equal(data.dtype, other, equal_nan)
    if plan.mode == "array":
        return _all_equal_array(data, plan)
    if data.size == 0:
        return True
    if plan.mode == "unequal":
        return False
    values = _flat_view(data)
    target = plan.target
    if plan.mode == "bitwise":
        values, target = _as_unsigned_words(values.view(target.dtype), target)
    if plan.mode == "signed_zero":
        return _all_signed_zero(values, target)
    if _first_element_differs(plan.mode, values, target):
        return False
    check = _slice_check(plan.mode, values, target)
    return all(check(part) for part in _slices(values))


def _scalar_first_differs(data: npt.NDArray[Any], other: Any) -> bool:
    """Whether the first element visibly differs from a plain scalar ``other``.

    The write path asks all_equal(fill_value) of every chunk, and most chunks
    of data differ from the fill value at once; this answers those before any
    planning, in a fraction of a microsecond. It answers only where Python's
    comparison of the two scalars is exactly NumPy's: float64 against a float
    (not NaN) or a Python int up to 2**53, integers against a Python int or an
    integer of the same dtype.
    A float zero ``other`` (compared bit for bit) is covered too: a value
    that differs from zero differs from both of its bit patterns.
    """
    kind = data.dtype.kind
    if kind == "f":
        if data.dtype.itemsize != 8:
            return False
        if isinstance(other, int):
            # Exact as a float64 only up to 2**53; NumPy rounds larger ints first.
            if abs(other) > 2**53:
                return False
        elif not isinstance(other, float) or math.isnan(other):
            return False
    elif kind in "iu":
        if isinstance(other, np.integer):
            if other.dtype != data.dtype:
                return False
        elif not isinstance(other, int):
            return False
    else:
        return False
    return bool(data.item(0) != other)


def _all_zero(data: npt.NDArray[Any], other: Any) -> bool | None:
    """The answer for a zero ``other`` on numbers, without planning; None where it does not apply.

    Zero is the fill value zarr asks about most (every chunk of a mostly
    empty write), and "no bit set" is one unsigned ``max`` per slice, with no
    temporary. It is the whole answer for a float ``+0.0`` (compared bit for
    bit, so ``-0.0`` differs) and for integer data. An integer zero on floats
    equals ``-0.0`` too, so there a slice with bits set is compared exactly.
    """
    kind = data.dtype.kind
    if kind not in "iuf" or data.dtype.itemsize not in _WORD_SIZES or not data.size:
        return None
    exact = False
    if isinstance(other, (float, np.floating)):
        if other != 0 or (kind == "f" and math.copysign(1.0, other) < 0):
            return None
    elif isinstance(other, (int, np.integer)) and not isinstance(other, bool):
        if other != 0:
            return None
        exact = kind == "f"
    else:
        return None
    values = _flat_view(data)
    words = values.view(unsigned_view_dtype(values.dtype))
    for start, stop in _slice_bounds(values):
        if words[start:stop].max() and not (exact and not values[start:stop].any()):
            return False
    return True


def _first_element_differs(mode: str, values: npt.NDArray[Any], target: npt.NDArray[Any]) -> bool:
    """A scalar look at the first element: most chunks that differ, differ there.

    It costs a fraction of a microsecond, against a few for the first slice.
    """
    if values.ndim != 1 or values.dtype.kind not in _NUMERIC_KINDS:
        return False
    first = values[0]
    if mode == "nan":
        return not np.isnan(first)
    return not first == target  # noqa: SIM201  # NumPy scalar comparison, not an identity test


def _all_equal_array(data: npt.NDArray[Any], plan: ComparisonPlan) -> bool:
    try:
        left, right = np.broadcast_arrays(data, plan.target)
    except ValueError:
        msg = (
            f"other: an array of shape {plan.target.shape} does not broadcast "
            f"against the buffer's shape {data.shape}"
        )
        raise ValueError(msg) from None
    return bool(np.array_equal(left, right, equal_nan=plan.equal_nan))


def _all_signed_zero(values: npt.NDArray[Any], target: npt.NDArray[Any]) -> bool:
    # Extended precision is rare enough that clarity beats chunking here.
    parts = (np.real, np.imag) if values.dtype.kind == "c" else (np.real,)
    return all(
        bool(np.all(part(values) == 0))
        and bool(np.all(np.signbit(part(values)) == np.signbit(part(target))))
        for part in parts
    )


def _flat_view(data: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A 1-d view of contiguous data (any order); the array itself otherwise."""
    if data.ndim == 1:
        return data
    if data.flags.c_contiguous:
        return data.reshape(-1)
    if data.flags.f_contiguous:
        return data.reshape(-1, order="F")
    return data


def _as_unsigned_words(
    values: npt.NDArray[Any], target: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Reinterpret wide elements (complex128, longdouble) of contiguous data as 8-byte words.

    NumPy has vectorized loops for integer comparison but only a slow generic
    one for void, so a 16-byte element is compared as two 64-bit words.
    """
    if values.dtype.kind != "V" or values.dtype.itemsize % 8 or values.ndim != 1:
        return values, target
    if not values.flags.c_contiguous:
        return values, target
    words = values.dtype.itemsize // 8
    return values.view("u8").reshape(-1, words), target.reshape(1).view("u8")


def _slice_check(mode: str, values: npt.NDArray[Any], target: npt.NDArray[Any]) -> Any:
    if mode == "bitwise" and not any(target.tobytes()):
        # All-zero bit pattern: no comparison needed, only "is anything set?",
        # and an unsigned max is NumPy's fastest (SIMD, no temporary) reduction.
        return lambda part: not part.max()
    if values.dtype.kind not in _NUMERIC_KINDS:
        return lambda part: bool((part == target).all())
    rows, row_items = values.shape[0], values.size // values.shape[0]
    scratch = np.empty(min(rows, _rows_in(values, _MAX_SLICE_BYTES)) * row_items, dtype=bool)
    ufunc = np.isnan if mode == "nan" else None

    def check(part: npt.NDArray[Any]) -> bool:
        out = scratch[: part.size].reshape(part.shape)
        if ufunc is not None:
            return bool(ufunc(part, out=out).all())
        return bool(np.equal(part, target, out=out).all())

    return check


def _rows_in(values: npt.NDArray[Any], nbytes: int) -> int:
    """Rows of ``values`` (along axis 0) that make about ``nbytes`` bytes, at least one."""
    row_bytes = int(values.itemsize) * (int(values.size) // int(values.shape[0]))
    return max(1, nbytes // max(1, row_bytes))


def _slices(values: npt.NDArray[Any]) -> Iterator[npt.NDArray[Any]]:
    """Views of ``values`` along axis 0, doubling in length up to the cap."""
    for start, stop in _slice_bounds(values):
        yield values[start:stop]


def _slice_bounds(values: npt.NDArray[Any]) -> Iterator[tuple[int, int]]:
    """Row ranges along axis 0 that start small and double up to the cap."""
    rows = values.shape[0]
    if values.nbytes <= _FIRST_SLICE_BYTES:
        yield 0, rows
        return
    step = _rows_in(values, _FIRST_SLICE_BYTES)
    cap = _rows_in(values, _MAX_SLICE_BYTES)
    start = 0
    while start < rows:
        stop = start + step
        yield start, stop
        start = stop
        step = min(step * 2, cap)
