"""The pair of buffer classes an implementation provides."""

from __future__ import annotations

from typing import Any, NamedTuple

from buffer_core._buffer import Buffer
from buffer_core._errors import expected_type
from buffer_core._ndbuffer import NDBuffer

__all__ = ["BufferPrototype", "check_prototype"]


class BufferPrototype(NamedTuple):
    """The Buffer and NDBuffer classes to create new buffers with.

    A prototype is how a caller says where new memory should live: code that
    allocates takes a prototype and calls ``prototype.buffer.from_bytes(...)``
    or ``prototype.nd_buffer.create(...)`` instead of naming a class. It is a
    plain tuple of two classes, so it pickles by reference.

    Attributes
    ----------
    buffer
        The :class:`~buffer_core.Buffer` subclass for flat byte buffers.
    nd_buffer
        The :class:`~buffer_core.NDBuffer` subclass for n-dimensional buffers.
    """

    buffer: type[Buffer]
    nd_buffer: type[NDBuffer]


def check_prototype(prototype: Any, argument: str = "prototype") -> BufferPrototype:
    """Return ``prototype`` if it is a BufferPrototype of a Buffer and an NDBuffer class."""
    if not isinstance(prototype, BufferPrototype):
        raise expected_type(prototype, argument, "a BufferPrototype")
    for field, base in (("buffer", Buffer), ("nd_buffer", NDBuffer)):
        cls = getattr(prototype, field)
        if not (isinstance(cls, type) and issubclass(cls, base)):
            msg = (
                f"{argument}: expected {field} to be a subclass of buffer_core.{base.__name__}, "
                f"got {cls!r}"
            )
            raise TypeError(msg)
    return prototype
