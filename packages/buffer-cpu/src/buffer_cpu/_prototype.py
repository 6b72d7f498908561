"""The host-memory prototype and helpers for host-only functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy.typing as npt

import buffer_core
from buffer_core.implementing import check_prototype, describe, require_buffer
from buffer_cpu._buffer import Buffer
from buffer_cpu._ndbuffer import NDBuffer

__all__ = ["as_numpy_array_wrapper", "buffer_prototype", "numpy_buffer_prototype"]

#: Allocate in host memory with NumPy. Registered as the ``"cpu"`` prototype.
buffer_prototype = buffer_core.BufferPrototype(buffer=Buffer, nd_buffer=NDBuffer)


def numpy_buffer_prototype() -> buffer_core.BufferPrototype:
    """The host-memory prototype, for data that must be on the host whatever the default is."""
    return buffer_prototype


def as_numpy_array_wrapper(
    func: Callable[[npt.NDArray[Any]], bytes],
    buf: buffer_core.Buffer,
    prototype: buffer_core.BufferPrototype,
) -> buffer_core.Buffer:
    """Call a host-only ``func`` on ``buf`` and wrap its bytes in ``prototype``'s Buffer.

    For functions such as a compressor's ``decode`` that take a NumPy array
    and return bytes: ``buf`` is moved to the host if it is not there, and
    the result moves to wherever ``prototype`` allocates.
    """
    # Runtime checks for callers without a type checker.
    if not callable(cast("object", func)):
        msg = f"func: expected a callable, got {describe(func)}"
        raise TypeError(msg)
    check_prototype(prototype)
    result: object = func(require_buffer("buf", buf).as_numpy_array())
    if isinstance(result, str) or not _exports_bytes(result):
        msg = f"func: expected it to return a bytes-like object, it returned {describe(result)}"
        raise TypeError(msg)
    return prototype.buffer.from_bytes(result)  # type: ignore[arg-type]


def _exports_bytes(value: object) -> bool:
    try:
        memoryview(value).release()  # type: ignore[arg-type]
    except TypeError:
        return False
    return True
