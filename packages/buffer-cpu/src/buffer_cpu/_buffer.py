"""Flat byte buffers in host memory."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any, Self, cast

import numpy as np
import numpy.typing as npt

import buffer_core
from buffer_core.implementing import expected_type, host_bytes_of, require_buffer
from buffer_cpu._memory import HOST_MEMORY

__all__ = ["Buffer"]

_PYBUF_WRITABLE = 0x0001  # inspect.BufferFlags.WRITABLE, which Python 3.11 lacks
_DATA = operator.attrgetter("_data")
_BYTE = np.dtype("B")
_NDARRAY = np.ndarray  # one global lookup in the constructor, which every slice calls
# combine joins parts with bytearray.join up to this total and mean part size.
_JOIN_MAX_BYTES = 4 << 20
_JOIN_MAX_PART_BYTES = 4 << 10


class Buffer(buffer_core.Buffer):
    """Flat bytes in host memory, held by a 1-d NumPy ``uint8`` array.

    Host buffers speak the buffer protocol (``memoryview(buf)``,
    ``bytes(buf)``, ``hashlib.sha256(buf)`` on Python 3.12+) and DLPack
    without copying. Every method is buffer-core's; the overrides below are
    NumPy fast paths for what a store does per chunk, falling back to
    buffer-core for anything else.
    """

    memory = HOST_MEMORY
    _array_hint = "a NumPy array in host memory (use from_buffer() to move device data)"
    _data: npt.NDArray[np.uint8]

    def __init__(self, array_like: Any) -> None:
        # Fast path: every slice, from_bytes and combine makes one; the usual
        # array (exactly a contiguous 1-d uint8 ndarray) passes in one frame,
        # anything else gets buffer-core's checks and messages.
        if (
            type(array_like) is _NDARRAY
            and array_like.dtype is _BYTE
            and array_like.ndim == 1
            and array_like.flags.c_contiguous
        ):
            self._data = array_like
            return
        super().__init__(array_like)

    @classmethod
    def from_buffer(cls, buffer: buffer_core.Buffer) -> Self:
        # Fast path: as_numpy_array is free for host buffers and the one
        # device-to-host copy for device buffers.
        host = require_buffer("buffer", buffer).as_numpy_array()
        if not host.flags.c_contiguous:
            # Another implementation's bytes may be a strided view (zarr's own
            # buffers wrap one); ours are contiguous, so they are copied.
            host = np.ascontiguousarray(host)
        return cls(host)

    @classmethod
    def from_bytes(cls, bytes_like: Any) -> Self:
        # Fast path for the two types stores hand over; anything else may be
        # memory that holds references, which host_bytes_of refuses.
        if type(bytes_like) is bytes or type(bytes_like) is bytearray:
            return cls(np.frombuffer(bytes_like, dtype="B"))
        return cls(host_bytes_of(bytes_like))

    def as_numpy_array(self) -> npt.NDArray[Any]:
        # Fast path: the array itself (buffer-core would ask the memory).
        return self._data

    def as_array_like(self) -> npt.NDArray[Any]:
        # Fast path: host memory has no pending work to finish first.
        return self._data

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, key: slice) -> Self:
        # Fast path: every shard read slices; NumPy checks a plain slice's
        # bounds itself, and only a bound it refuses pays for buffer-core's message.
        bounds: Any = key
        if type(bounds) is slice and bounds.step is None:
            try:
                return self.__class__(self._data[bounds])
            except TypeError:
                pass
        return super().__getitem__(key)

    def __setitem__(self, key: slice, value: Any) -> None:
        # Fast path: the common write, a plain slice and host bytes of exactly
        # its length, goes straight to NumPy; whatever NumPy refuses
        # (non-integer bounds, read-only memory) it refuses before writing,
        # and buffer-core's path then says why in our words.
        bounds: Any = key
        if (
            type(bounds) is slice
            and bounds.step is None
            and type(value) is np.ndarray
            and value.dtype is _BYTE
            and value.ndim == 1
        ):
            try:
                target = self._data[bounds]
                if target.size == value.size:
                    target[...] = value
                    return
            except (TypeError, ValueError):
                pass
        super().__setitem__(key, value)

    def combine(self, others: Iterable[buffer_core.Buffer]) -> Self:
        # Fast path: shards combine thousands of small chunks of ours.
        if isinstance(others, buffer_core.Buffer):
            raise expected_type(others, "others", "an iterable of Buffers (wrap one in a list)")
        try:
            parts = list(others)
        except (TypeError, ValueError):  # ValueError: a released memoryview
            raise expected_type(others, "others", "an iterable of Buffers") from None
        if not all(issubclass(kind, Buffer) for kind in set(map(type, parts))):
            return super().combine(parts)
        arrays: list[npt.NDArray[Any]] = [self._data, *map(_DATA, parts)]
        # One allocation, one copy per input. For many small parts bytearray.join
        # does that with far less work per part than np.concatenate (half the
        # time for a thousand 1 KiB parts). NumPy's own memory is faster to
        # fill, copy and free for anything larger (it asks for huge pages), so
        # larger parts go through np.concatenate.
        total = sum(map(len, arrays))
        if total <= _JOIN_MAX_BYTES and total <= _JOIN_MAX_PART_BYTES * len(arrays):
            try:
                return self.__class__(
                    np.frombuffer(bytearray().join(cast("list[Any]", arrays)), dtype="B")
                )
            except TypeError:  # a strided part exports no contiguous bytes
                pass
        return self.__class__(np.concatenate(arrays))

    def __buffer__(self, flags: int) -> memoryview:
        if flags & _PYBUF_WRITABLE and self.readonly:
            msg = "buffer is read-only"
            raise BufferError(msg)
        return self._data.data
