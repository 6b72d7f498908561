"""Helpers that phrase validation errors the same way everywhere.

Every message names the argument, what it got and what was expected, so a
caller can fix the call without reading a traceback from inside NumPy.
"""

from __future__ import annotations

from typing import Any


def describe(value: Any) -> str:
    """A short description of ``value`` for an error message."""
    kind = type(value)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    try:
        shape = getattr(value, "shape", None)
        dtype = getattr(value, "dtype", None)
    except Exception:  # noqa: BLE001  # any property may raise; see below
        # The description must not raise in place of the error it is for: a
        # released memoryview raises on every attribute, and so may any
        # object's properties.
        return f"released {name}" if kind is memoryview else name
    if shape is not None and dtype is not None:
        return f"{name} of shape {tuple(shape)} and dtype {dtype}"
    return name


def expected_type(got: Any, argument: str, expected: str) -> TypeError:
    """A TypeError saying that ``argument`` should have been ``expected``."""
    return TypeError(f"{argument}: expected {expected}, got {describe(got)}")
