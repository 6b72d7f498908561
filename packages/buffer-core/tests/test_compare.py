"""The all_equal semantics planner shared by every implementation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from buffer_core.compare import plan_all_equal, unsigned_view_dtype


@pytest.mark.parametrize(
    ("dtype", "other", "equal_nan", "mode"),
    [
        ("f8", 0.0, True, "bitwise"),
        ("f8", -0.0, True, "bitwise"),
        ("f8", np.float32(0), True, "bitwise"),
        ("f8", 0, True, "equal"),
        ("f8", 1.5, True, "equal"),
        ("f8", float("nan"), True, "nan"),
        ("f8", float("nan"), False, "equal"),
        ("U3", float("nan"), True, "equal"),
        ("U3", 0.0, True, "equal"),
        ("i4", 0.0, True, "bitwise"),
        ("f8", np.zeros(3), True, "array"),
        (np.longdouble, 0.0, True, "signed_zero"),
        (np.clongdouble, 0.0, True, "signed_zero"),
        ("c16", 0.0, True, "bitwise"),
        ("M8[s]", np.datetime64("NaT", "s"), True, "nan"),
        ("O", "text", True, "equal"),
    ],
    ids=str,
)
def test_plan_modes(dtype: Any, other: Any, equal_nan: bool, mode: str) -> None:
    """Each kind of (dtype, other) gets the comparison the semantics call for."""
    assert plan_all_equal(np.dtype(dtype), other, equal_nan).mode == mode


def test_bitwise_target_is_in_the_buffers_dtype() -> None:
    """A float zero becomes the buffer dtype's bit pattern: -0.0 keeps its sign bit."""
    plan = plan_all_equal(np.dtype("<f4"), -0.0, True)
    assert plan.target.dtype == np.dtype("u4")
    assert int(plan.target) == 0x8000_0000


@pytest.mark.parametrize(
    ("dtype", "expected"), [("f2", "u2"), ("f4", "u4"), ("c8", "u8"), ("c16", "V16"), ("?", "u1")]
)
def test_unsigned_view_dtype(dtype: str, expected: str) -> None:
    """Bits are compared as unsigned integers of the same width where one exists."""
    assert unsigned_view_dtype(np.dtype(dtype)) == np.dtype(expected)


def test_float_zero_that_does_not_convert_is_compared_by_value() -> None:
    """A float zero that the dtype cannot hold falls back to plain equality."""
    assert plan_all_equal(np.dtype("M8[s]"), 0.0, True).mode in {"equal", "bitwise"}
