"""What every ``<implementation>.zarr`` adapter module shares.

zarr-python only accepts subclasses of its own ``zarr.core.buffer.Buffer`` and
``NDBuffer``. An adapter module therefore defines classes that inherit from an
implementation of this package first and from zarr's class second, so every
method resolves to ours and zarr's class contributes only its identity for
``isinstance``. This module holds the little that differs between zarr's API
and ours, once for all implementations.

Nothing here imports zarr at import time: ``buffer_core`` must stay usable
without it. zarr is imported when an adapter module (which already needs it)
calls in.
"""

from __future__ import annotations

import enum
import functools
import importlib
from typing import Any

from buffer_core._buffer import Buffer
from buffer_core._ndbuffer import NDBuffer

__all__ = ["ZarrNDBufferMixin", "missing_zarr_error", "register_zarr_buffers"]


def missing_zarr_error(module: str, extra: str) -> ImportError:
    """The error an adapter module raises when zarr-python is not installed."""
    return ImportError(
        f"{module} needs zarr-python, which is not installed; install it with the "
        f"extra: pip install '{extra}'"
    )


@functools.cache
def register_zarr_buffers() -> None:
    """Make zarr's abstract Buffer and NDBuffer count as ours for ``isinstance``.

    Their public methods carry the same names and meanings, so a zarr buffer
    handed to ``from_buffer``, ``combine`` or ``__setitem__`` of any
    implementation is read through ``as_numpy_array``/``as_array_like``
    without a copy (zarr itself mixes its own buffers with the prototype's,
    for instance for shard indexes). Cached: registering twice is harmless
    but pointless.
    """
    zarr_buffers = importlib.import_module("zarr.core.buffer")
    Buffer.register(zarr_buffers.Buffer)
    NDBuffer.register(zarr_buffers.NDBuffer)


@functools.cache
def _zarr_endian_enum() -> type[enum.Enum] | None:
    """zarr's ``Endian`` enum where ``NDBuffer.byteorder`` returns one, else None.

    zarr 3.1 compares ``BytesCodec.endian`` (an ``Endian`` member) with
    ``NDBuffer.byteorder`` directly, so a plain string there never compares
    equal and every chunk would be byte-swapped twice. Later zarr releases use
    the strings ``"little"``/``"big"`` throughout and keep ``Endian`` only as
    a deprecated shim that is not an ``enum.Enum``.
    """
    endian = getattr(importlib.import_module("zarr.codecs.bytes"), "Endian", None)
    if isinstance(endian, type) and issubclass(endian, enum.Enum):
        return endian
    return None


class ZarrNDBufferMixin(NDBuffer):
    """Adapts an NDBuffer implementation to what zarr's NDBuffer API returns.

    Put it first among the bases of an adapter class, before the
    implementation and zarr's class.
    """

    @property
    def byteorder(self) -> Any:
        """The byte order in the type the installed zarr expects.

        ``"little"``/``"big"``, or the matching member of zarr's ``Endian``
        enum for zarr releases whose ``BytesCodec`` compares against one.
        """
        order = super().byteorder
        endian = _zarr_endian_enum()
        return order if endian is None else endian(order)
