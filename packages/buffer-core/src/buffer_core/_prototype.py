"""The pair of buffer classes an implementation provides."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from buffer_core._buffer import Buffer
    from buffer_core._ndbuffer import NDBuffer


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
