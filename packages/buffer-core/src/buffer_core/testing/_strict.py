"""A third implementation that runs a device's paths on the CPU: storage in ``array-api-strict``.

``array-api-strict`` arrays hold only the array API standard's dtypes and
offer only the standard's operations: no ``view``, no fields, no byte
order, no indexing beyond the standard's, no implicit conversion to NumPy.
An implementation over them therefore takes exactly the paths buffer-gpu
takes on a CUDA device: the raw-bytes layout for every other dtype, every
host value moved in and out through :meth:`Memory.from_host` and
:meth:`Memory.to_host`, misaligned elements refused as a device refuses
them, and the access-record hooks around every read and write.

This is CPU verification of the logic buffer-core shares with buffer-gpu;
it is not GPU verification. What only a device shows (streams, events,
pinned transfers, several devices) is tested on one, by ``nox -s gpu-check``.

Needs the ``testing`` extra (``array-api-strict``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from buffer_core import Buffer, BufferPrototype, Memory, NDBuffer
from buffer_core.implementing import allocation_failed

__all__ = [
    "AccessRecord",
    "StrictBuffer",
    "StrictMemory",
    "StrictNDBuffer",
    "strict_prototype",
]


class AccessRecord:
    """What a device's access record would order, counted: reads and writes of one memory.

    A device keeps events here; counting lets tests see that every view of
    a memory shares one record and that every write is bracketed.
    """

    __slots__ = ("active_writes", "reads", "writes")

    def __init__(self) -> None:
        self.reads = 0
        self.writes = 0
        self.active_writes = 0


def _xp() -> Any:
    import array_api_strict  # noqa: PLC0415  # only where the strict implementation is used

    return array_api_strict


class StrictMemory(Memory):
    """Memory in ``array-api-strict`` arrays, treated as a device that is not the host.

    Bytes cross between host and this memory only through :meth:`from_host`
    and :meth:`to_host` (copies, as a device's transfers are); the few
    primitives a device has and the standard lacks (a byte view of an
    array, an aligned typed view of bytes) go through DLPack to NumPy, as a
    device library would reinterpret its own pointers.
    """

    def __init__(self) -> None:
        self._array_type: type | None = None
        self._dtypes: dict[Any, np.dtype[Any]] = {}

    @property
    def xp(self) -> Any:
        return _xp()

    def _strict_dtype(self, dtype: np.dtype[Any]) -> Any:
        return getattr(self.xp, dtype.name)

    def xp_dtype(self, dtype: np.dtype[Any]) -> Any:
        return self._strict_dtype(dtype)

    def is_array(self, obj: Any) -> bool:
        if self._array_type is None:
            self._array_type = type(self.xp.asarray(0))
        return isinstance(obj, self._array_type)

    def dtype_of(self, array: Any) -> np.dtype[Any]:
        found = self._dtypes.get(array.dtype)
        if found is None:
            found = np.dtype(str(array.dtype).rsplit(".", 1)[-1])
            self._dtypes[array.dtype] = found
        return found

    def device(self, array: Any) -> str:
        # Not "cpu": to the suite this is device memory, so host-only
        # guarantees (zero-copy wrapping of bytes, say) are not asked of it.
        return "strict:0"

    def is_aligned(self, array: Any) -> bool:
        host = np.from_dlpack(array)
        itemsize = host.dtype.itemsize
        return host.ctypes.data % itemsize == 0 and all(s % itemsize == 0 for s in host.strides)

    def allocate(self, shape: tuple[int, ...], dtype: np.dtype[Any], *, zeroed: bool) -> Any:
        make = self.xp.zeros if zeroed else self.xp.empty
        try:
            return make(shape, dtype=self._strict_dtype(dtype))
        except MemoryError:
            raise allocation_failed(shape, dtype) from None

    def from_host(self, host: np.ndarray[Any, Any]) -> Any:
        return self.xp.asarray(host, copy=True)

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        # A copy that keeps the memory order, as a device-to-host copy does.
        return np.array(np.from_dlpack(array), copy=True, order="K")

    def raw_bytes(self, array: Any) -> Any:
        host = np.from_dlpack(array)
        if host.dtype.itemsize == 0:
            return self.xp.empty((*host.shape, 0), dtype=self.xp.uint8)
        return self.xp.from_dlpack(host[..., np.newaxis].view(np.uint8))

    def native_view(self, raw: Any, dtype: np.dtype[Any]) -> Any:
        host = np.from_dlpack(raw)
        itemsize = dtype.itemsize
        if host.shape[-1] != itemsize or (itemsize > 1 and host.strides[-1] != 1):
            return None
        if host.ctypes.data % itemsize or any(s % itemsize for s in host.strides[:-1]):
            return None  # a device cannot load misaligned elements
        return self.xp.from_dlpack(host.view(dtype)[..., 0])

    def new_record(self) -> AccessRecord:
        return AccessRecord()

    @contextlib.contextmanager
    def _counting(self, record: Any, *, write: bool) -> Iterator[None]:
        if not isinstance(record, AccessRecord):
            yield
            return
        if write:
            record.active_writes += 1
        try:
            yield
        finally:
            if write:
                record.active_writes -= 1
                record.writes += 1
            else:
                record.reads += 1

    def reading(self, array: Any, record: Any) -> contextlib.AbstractContextManager[Any]:
        return self._counting(record, write=False)

    def writing(self, array: Any, record: Any) -> contextlib.AbstractContextManager[Any]:
        return self._counting(record, write=True)


STRICT_MEMORY = StrictMemory()


class StrictBuffer(Buffer):
    """Flat bytes in an ``array-api-strict`` ``uint8`` array."""

    memory = STRICT_MEMORY
    _array_hint = "a 1-d uint8 array-api-strict array"


class StrictNDBuffer(NDBuffer):
    """N-dimensional data in an ``array-api-strict`` array (raw bytes for other dtypes)."""

    memory = STRICT_MEMORY
    _array_hint = "an array-api-strict array"


#: The strict implementation's prototype, for ``ConformanceSuite``.
strict_prototype = BufferPrototype(buffer=StrictBuffer, nd_buffer=StrictNDBuffer)
